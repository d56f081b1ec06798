// SPDX-License-Identifier: MIT
/*
 * Supervising QEMU for `kiln run`.
 *
 * The exit-status protocol with the kernel: when the guest program ends,
 * the kernel prints "[kiln] exit status N" on the console (for people),
 * writes "kiln-exit N" to COM2, which kiln run attaches to a file of its
 * own, then writes N to I/O port 0xf4, where isa-debug-exit makes QEMU
 * exit with code (N << 1) | 1. The status is the report's, and only if
 * QEMU's exit code agrees: a program can print a fake status line on the
 * console but cannot reach COM2, and a QEMU that fails after the report
 * is a failure. No report is a failure too (exit 125, with the reason).
 *
 * QEMU runs as our child with stdin and stderr inherited and stdout on a
 * pipe. Every byte read is written to our stdout at once (no line
 * buffering). A timeout stops QEMU and exits 124; SIGINT, SIGTERM and
 * SIGHUP stop it and exit 128 + signal.
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
	bool saw_output;	  /* the console printed something */
	const sigset_t *waitmask; /* mask inside ppoll: signals unblocked */
};

/* Set by the signal handler; the main loop acts on it. */
static volatile sig_atomic_t vm_signal;

static void vm_on_signal(int sig)
{
	vm_signal = sig;
}

int vm_parse_report(const char *text, size_t len)
{
	static const char key[] = "kiln-exit ";
	size_t k = sizeof(key) - 1, i;
	int n = 0;

	if (len < k + 2 || memcmp(text, key, k) != 0)
		return -1;
	for (i = k; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		n = n * 10 + (text[i] - '0');
		if (i - k >= 3 || n > 255)
			return -1;
	}
	if (i == k || i >= len || text[i] != '\n')
		return -1;
	return n;
}

/*
 * The exit status for a VM that ran to its end (see the protocol above);
 * prints why when it is 125.
 */
int vm_exit_status(int reported, bool saw_output, int wstatus)
{
	int code;

	if (WIFSIGNALED(wstatus)) {
		warnx("qemu was killed by signal %d%s", WTERMSIG(wstatus),
		      reported >= 0 ? " after the guest reported its status"
				    : "");
		return VM_EXIT_FAILURE;
	}
	code = WEXITSTATUS(wstatus);
	if (reported >= 0) {
		if (code == (((reported << 1) | 1) & 0xff))
			return reported;
		warnx("the guest reported exit status %d, but qemu then exited "
		      "with code %d",
		      reported, code);
		return VM_EXIT_FAILURE;
	}
	if (code == 1 && !saw_output) {
		warnx("qemu failed before the VM printed anything (qemu exit "
		      "code 1); see its message above");
		return VM_EXIT_FAILURE;
	}
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
		close(vm->fd);
		vm->fd = -1;
		return;
	}
	vm_forward(vm, buf, (size_t)n);
	vm->saw_output = true;
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
 * The guest's report in the file QEMU wrote COM2 to, or -1.
 */
static int vm_read_report(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 ? vm_parse_report(buf, (size_t)n) : -1;
}

/*
 * Run QEMU (argv), copying its console to our stdout, and return kiln
 * run's exit status. timeout_s 0 means no timeout.
 */
int vm_run(char *const argv[], const char *report, unsigned int timeout_s)
{
	struct vm vm = {.fd = -1};
	sigset_t origmask, waitmask;
	struct termios tty;
	bool have_tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &tty);
	int why;

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
	return vm_exit_status(vm_read_report(report), vm.saw_output,
			      vm.wstatus);
}
