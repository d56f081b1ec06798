// SPDX-License-Identifier: MIT
/*
 * Supervising QEMU for `kiln run`.
 *
 * The exit-status protocol with the kernel: when the guest program ends,
 * the kernel prints the line "[kiln] exit status N" (N in 0..255) on the
 * serial console, then writes N to I/O port 0xf4, where isa-debug-exit
 * makes QEMU exit with code (N << 1) | 1.
 *
 * QEMU runs as our child with stdin and stderr inherited and stdout on a
 * pipe. Every byte read is written to our stdout at once (no line
 * buffering) and the lines are scanned for the status line; the last one
 * wins. Without one, an odd QEMU exit code gives code >> 1, except that
 * code 1 before any output is QEMU itself failing. A timeout stops QEMU
 * and exits 124; SIGINT, SIGTERM and SIGHUP stop it and exit 128 + signal.
 * Stopping is by PID: SIGTERM (so QEMU restores the terminal), then
 * SIGKILL after a grace period. Those signals are blocked except inside
 * ppoll(), so none is lost between a check and a wait.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vm.h"

#define VM_STOP_GRACE_MS 3000
#define VM_REAP_POLL_MS	 50
#define VM_TIMED_OUT	 (-1)

/* The running QEMU and what we have seen of it. */
struct vm {
	pid_t pid;
	int fd;		 /* read end of QEMU's stdout, -1 after EOF */
	bool out_broken; /* our stdout failed: keep draining, stop copying */
	bool reaped;
	int wstatus;
	struct vm_scan scan;
	const sigset_t *waitmask; /* mask inside ppoll: signals unblocked */
};

/* Set by the signal handler; the main loop acts on it. */
static volatile sig_atomic_t vm_signal;

static void vm_on_signal(int sig)
{
	vm_signal = sig;
}

void vm_scan_init(struct vm_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->status = -1;
}

/* If the line is exactly "[kiln] exit status N" (N 0-255), record N. */
static void vm_scan_line(struct vm_scan *s)
{
	size_t plen = strlen(VM_STATUS_PREFIX), len = s->len;
	int n = 0;

	if (s->too_long)
		return;
	if (len > 0 && s->line[len - 1] == '\r')
		len--;
	if (len <= plen || len > plen + 3 ||
	    memcmp(s->line, VM_STATUS_PREFIX, plen) != 0)
		return;
	for (size_t i = plen; i < len; i++) {
		if (s->line[i] < '0' || s->line[i] > '9')
			return;
		n = n * 10 + (s->line[i] - '0');
	}
	if (n <= 255)
		s->status = n;
}

/* Scan n more bytes of console output. */
void vm_scan_feed(struct vm_scan *s, const char *buf, size_t n)
{
	if (n)
		s->saw_output = true;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			vm_scan_line(s);
			s->len = 0;
			s->too_long = false;
		} else if (s->len < sizeof(s->line)) {
			s->line[s->len++] = buf[i];
		} else {
			s->too_long = true;
		}
	}
}

/* The output ended: a final line without a newline still counts. */
void vm_scan_end(struct vm_scan *s)
{
	if (s->len)
		vm_scan_line(s);
	s->len = 0;
	s->too_long = false;
}

/*
 * The exit status for a VM that ran to its end, from the status lines seen
 * and QEMU's wait status; prints why when it is 125.
 */
int vm_exit_status(const struct vm_scan *s, int wstatus)
{
	int code;

	if (s->status >= 0)
		return s->status;
	if (WIFSIGNALED(wstatus)) {
		warnx("the VM stopped without reporting an exit status (qemu "
		      "killed by signal %d)",
		      WTERMSIG(wstatus));
		return VM_EXIT_FAILURE;
	}
	code = WEXITSTATUS(wstatus);
	if (code == 1 && !s->saw_output) {
		warnx("qemu failed before the VM printed anything (qemu exit "
		      "code 1); see its message above");
		return VM_EXIT_FAILURE;
	}
	if (code & 1)
		return code >> 1;
	warnx("the VM stopped without reporting an exit status (qemu exit "
	      "code %d)",
	      code);
	return VM_EXIT_FAILURE;
}

/* Copy console bytes to our stdout, all of them, now. */
static void vm_forward(struct vm *vm, const char *buf, size_t n)
{
	while (n && !vm->out_broken) {
		ssize_t w = write(STDOUT_FILENO, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			vm->out_broken = true;
			break;
		}
		buf += w;
		n -= (size_t)w;
	}
}

/* Wait up to ms (-1: forever) for output or a signal, and handle it. */
static void vm_pump(struct vm *vm, long ms)
{
	struct pollfd pfd = {.fd = vm->fd, .events = POLLIN};
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	char buf[4096];
	ssize_t n;
	int r;

	r = ppoll(&pfd, vm->fd >= 0 ? 1 : 0, ms < 0 ? NULL : &ts, vm->waitmask);
	if (r <= 0 || vm->fd < 0)
		return;
	n = read(vm->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		vm_scan_end(&vm->scan);
		close(vm->fd);
		vm->fd = -1;
		return;
	}
	vm_forward(vm, buf, (size_t)n);
	vm_scan_feed(&vm->scan, buf, (size_t)n);
}

static void vm_try_reap(struct vm *vm)
{
	if (!vm->reaped && waitpid(vm->pid, &vm->wstatus, WNOHANG) == vm->pid)
		vm->reaped = true;
}

static int64_t vm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Copy output until QEMU has exited and its stdout is drained. Returns 0,
 * VM_TIMED_OUT, or the number of a signal that asked us to stop.
 */
static int vm_loop(struct vm *vm, unsigned int timeout_s)
{
	int64_t deadline = vm_now_ms() + (int64_t)timeout_s * 1000;

	for (;;) {
		long ms = -1;

		vm_try_reap(vm);
		if (vm->reaped && vm->fd < 0)
			return 0;
		if (vm_signal)
			return vm_signal;
		if (timeout_s) {
			int64_t left = deadline - vm_now_ms();

			if (left <= 0)
				return VM_TIMED_OUT;
			ms = (long)left;
		}
		/* After EOF (or exit), poll for the other half. */
		if ((vm->fd < 0 || vm->reaped) &&
		    (ms < 0 || ms > VM_REAP_POLL_MS))
			ms = VM_REAP_POLL_MS;
		vm_pump(vm, ms);
	}
}

/* Stop QEMU by PID: SIGTERM, then SIGKILL after a grace period. */
static void vm_stop(struct vm *vm)
{
	int64_t deadline = vm_now_ms() + VM_STOP_GRACE_MS;

	vm_try_reap(vm);
	if (!vm->reaped)
		kill(vm->pid, SIGTERM);
	while (!vm->reaped && vm_now_ms() < deadline) {
		vm_pump(vm, VM_REAP_POLL_MS);
		vm_try_reap(vm);
	}
	if (!vm->reaped) {
		kill(vm->pid, SIGKILL);
		while (waitpid(vm->pid, &vm->wstatus, 0) < 0 && errno == EINTR)
			;
		vm->reaped = true;
	}
}

/* In the child: wire stdout to the pipe, reset signals, exec QEMU. */
__attribute__((noreturn)) static void
vm_exec(char *const argv[], int out_fd, int err_fd, const sigset_t *origmask)
{
	int e;

	if (dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, origmask, NULL);
	execvp(argv[0], argv);
	e = errno;
	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/*
 * Start QEMU with stdout on a pipe (vm->fd). If exec fails, the child
 * sends errno through a close-on-exec pipe and we report it here.
 */
static int vm_spawn(struct vm *vm, char *const argv[], const sigset_t *origmask)
{
	int out[2], errp[2], e;
	ssize_t n;

	if (pipe2(out, O_CLOEXEC) < 0) {
		e = errno;
		warn("pipe");
		return -e;
	}
	if (pipe2(errp, O_CLOEXEC) < 0) {
		e = errno;
		warn("pipe");
		close(out[0]);
		close(out[1]);
		return -e;
	}
	vm->pid = fork();
	if (vm->pid < 0) {
		e = errno;
		warn("fork");
		close(out[0]);
		close(out[1]);
		close(errp[0]);
		close(errp[1]);
		return -e;
	}
	if (vm->pid == 0)
		vm_exec(argv, out[1], errp[1], origmask);
	close(out[1]);
	close(errp[1]);
	vm->fd = out[0];
	while ((n = read(errp[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(errp[0]);
	if (n == sizeof(e)) {
		warnx("cannot run %s: %s (install qemu-system-x86, or set "
		      "KILN_QEMU to the QEMU binary)",
		      argv[0], strerror(e));
		waitpid(vm->pid, NULL, 0);
		close(vm->fd);
		return -e;
	}
	return 0;
}

/* Restore the terminal settings QEMU may have left behind (raw mode). */
static void vm_restore_tty(const struct termios *saved)
{
	struct termios now;
	void (*old)(int) = signal(SIGTTOU, SIG_IGN);

	if (tcgetattr(STDIN_FILENO, &now) == 0 &&
	    memcmp(&now, saved, sizeof(now)) != 0)
		tcsetattr(STDIN_FILENO, TCSADRAIN, saved);
	signal(SIGTTOU, old);
}

/* Block the stop signals and route them to vm_on_signal. */
static void vm_setup_signals(sigset_t *origmask, sigset_t *waitmask)
{
	struct sigaction sa = {.sa_handler = vm_on_signal};
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, origmask);
	*waitmask = *origmask;
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGHUP);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Run QEMU (argv), copying its console to our stdout, and return kiln
 * run's exit status. timeout_s 0 means no timeout.
 */
int vm_run(char *const argv[], unsigned int timeout_s)
{
	struct vm vm = {.fd = -1};
	sigset_t origmask, waitmask;
	struct termios tty;
	bool have_tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &tty);
	int why;

	vm_scan_init(&vm.scan);
	vm_signal = 0;
	vm_setup_signals(&origmask, &waitmask);
	vm.waitmask = &waitmask;
	fflush(stdout);
	fflush(stderr);
	if (vm_spawn(&vm, argv, &origmask))
		return VM_EXIT_FAILURE;
	why = vm_loop(&vm, timeout_s);
	if (why)
		vm_stop(&vm);
	if (vm.fd >= 0)
		close(vm.fd);
	if (have_tty)
		vm_restore_tty(&tty);
	if (why == VM_TIMED_OUT) {
		warnx("timeout after %u s", timeout_s);
		return VM_EXIT_TIMEOUT;
	}
	if (why)
		return 128 + why;
	return vm_exit_status(&vm.scan, vm.wstatus);
}
