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
 * buffering). A timeout stops QEMU and exits 124.
 *
 * Ctrl-C, SIGINT and SIGTERM first stop the guest gracefully: kiln sends
 * system_powerdown to a QMP socket of its own (the kernel turns the ACPI
 * power button into SIGTERM for its program, a release runs init:stop),
 * and kiln then exits with the guest's status. A second one, SIGHUP, no
 * QMP socket, or no exit within VM_POWERDOWN_GRACE_MS stops QEMU at once
 * and exits 128 + signal. So that Ctrl-C reaches kiln and not QEMU, a
 * terminal on stdin is relayed: kiln puts it in raw mode itself, takes
 * Ctrl-C (0x03) as a stop request, and passes every other byte to
 * QEMU's stdin through a pipe.
 * Stopping at once is by PID: SIGTERM (so QEMU restores the terminal),
 * then SIGKILL after a grace period; if kiln itself is killed, QEMU gets
 * SIGKILL from the kernel (PR_SET_PDEATHSIG). Those signals are blocked except
 * inside ppoll(), so none is lost between a check and a wait.
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vm.h"

#define VM_STOP_GRACE_MS      3000
#define VM_POWERDOWN_GRACE_MS 30000
#define VM_REAP_POLL_MS	      50
#define VM_TIMED_OUT	      (-1)
#define VM_CTRL_C	      0x03
#define VM_SNAPSHOT_FAILED    (-2)

/* The running QEMU and what we have seen of it. */
struct vm {
	pid_t pid;
	int fd;		 /* read end of QEMU's stdout, -1 after EOF */
	bool out_broken; /* our stdout failed: keep draining, stop copying */
	bool reaped;
	int wstatus;
	bool saw_output;	  /* the console printed something */
	const sigset_t *waitmask; /* mask inside ppoll: signals unblocked */
	const char *ctl;	  /* QMP socket for a graceful stop, or NULL */
	int in_fd;		  /* relay: QEMU's stdin (pipe), or -1 */
	bool stdin_eof;		  /* relay: our terminal closed */
	bool ctrl_c;		  /* relay: Ctrl-C typed, not yet handled */
	struct vm_snapshot *snap; /* --snapshot, or NULL */
	int64_t next_probe;	  /* snap: when to probe the port again */
	bool stopping;		  /* powerdown sent */
	int stop_sig;		  /* the signal that asked for it */
	int64_t stop_deadline;	  /* then, stop at once after this (ms) */
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

/* Relay: bytes typed on our terminal go to QEMU; Ctrl-C is ours. */
static void vm_relay_input(struct vm *vm)
{
	char buf[256];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		vm->stdin_eof = true;
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == VM_CTRL_C) {
			vm->ctrl_c = true;
			continue;
		}
		while (write(vm->in_fd, &buf[i], 1) < 0 && errno == EINTR)
			;
	}
}

/* Wait up to ms (-1: forever) for output or a signal, and handle it. */
static void vm_pump(struct vm *vm, long ms)
{
	struct pollfd pfd[2] = {{.fd = vm->fd, .events = POLLIN},
				{.fd = STDIN_FILENO, .events = POLLIN}};
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	bool relay = vm->in_fd >= 0 && !vm->stdin_eof;
	char buf[4096];
	ssize_t n;
	int r;

	if (vm->fd < 0)
		pfd[0].fd = -1; /* ignored by poll */
	r = ppoll(pfd, relay ? 2 : 1, ms < 0 ? NULL : &ts, vm->waitmask);
	if (r <= 0)
		return;
	if (relay && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
		vm_relay_input(vm);
	if (vm->fd < 0 || !(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
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

/* One line from a QMP connection (a JSON object); 0 or -errno. */
static int vm_qmp_line(int fd, char *buf, size_t size)
{
	size_t n = 0;

	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EPIPE;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = 0;
	return 0;
}

/*
 * Send cmd (with args, a JSON object, or NULL) and read lines until its
 * answer (events may come first); the answer into reply if not NULL.
 */
static int vm_qmp_execute(int fd, const char *cmd, const char *args,
			  char *reply, size_t rsize)
{
	char line[4096];
	int ret;

	if (dprintf(fd, "{\"execute\": \"%s\"%s%s}\n", cmd,
		    args ? ", \"arguments\": " : "", args ? args : "") < 0)
		return -EIO;
	do {
		ret = vm_qmp_line(fd, line, sizeof(line));
		if (ret)
			return ret;
	} while (!strstr(line, "\"return\"") && !strstr(line, "\"error\""));
	if (reply)
		snprintf(reply, rsize, "%s", line);
	return strstr(line, "\"error\"") ? -EIO : 0;
}

/* Connect to the QMP socket at path and leave capabilities mode. */
static int vm_qmp_open(const char *path, int timeout_s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = timeout_s};
	char line[4096];
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = vm_qmp_line(fd, line, sizeof(line)); /* the greeting */
	if (!ret && !strstr(line, "\"QMP\""))
		ret = -EPROTO;
	if (!ret)
		ret = vm_qmp_execute(fd, "qmp_capabilities", NULL, NULL, 0);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int vm_qmp_powerdown(const char *path)
{
	int fd = vm_qmp_open(path, 2), ret;

	if (fd < 0)
		return fd;
	ret = vm_qmp_execute(fd, "system_powerdown", NULL, NULL, 0);
	close(fd);
	return ret;
}

bool vm_port_answers(const char *host, unsigned int port)
{
	static const char req[] = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 1};
	char c;
	bool ok = false;
	int fd;

	if (inet_pton(AF_INET, strcmp(host, "0.0.0.0") ? host : "127.0.0.1",
		      &sa.sin_addr) != 1)
		return false;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* QEMU's user networking accepts at once and closes the connection
	 * when the guest refuses it: only an answer means ready */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    write(fd, req, sizeof(req) - 1) == (ssize_t)sizeof(req) - 1)
		ok = read(fd, &c, 1) == 1;
	close(fd);
	return ok;
}

/*
 * Save the running VM into snap->path (appended after kiln's header):
 * QEMU's migration to a file through `cat`, then quit. Live: the guest
 * runs until the last pass, and the restored VM starts running.
 */
static int vm_save(struct vm *vm)
{
	struct vm_snapshot *snap = vm->snap;
	char args[4200], reply[4096];
	int64_t t0 = vm_now_ms(), deadline = t0 + 600 * 1000;
	int fd = vm_qmp_open(vm->ctl, 10), ret;

	if (fd < 0) {
		warnx("snapshot: cannot reach QEMU's QMP socket (%s)",
		      strerror(-fd));
		return fd;
	}
	snprintf(args, sizeof(args), "{\"uri\": \"exec:cat >> '%s'\"}",
		 snap->path);
	ret = vm_qmp_execute(fd, "migrate", args, reply, sizeof(reply));
	while (!ret) {
		ret = vm_qmp_execute(fd, "query-migrate", NULL, reply,
				     sizeof(reply));
		if (ret || strstr(reply, "\"completed\""))
			break;
		if (strstr(reply, "\"failed\"") ||
		    strstr(reply, "\"cancelled\"") || vm_now_ms() > deadline) {
			ret = -EIO;
			break;
		}
		vm_pump(vm, 100); /* keep the console flowing */
	}
	if (ret) {
		warnx("snapshot: QEMU could not save the VM: %s", reply);
	} else {
		vm_qmp_execute(fd, "quit", NULL, NULL, 0);
		snap->saved = true;
		fprintf(stderr, "\r\nkiln: saved the VM in %.1f s\r\n",
			(double)(vm_now_ms() - t0) / 1000.0);
	}
	close(fd);
	return ret;
}

/*
 * First stop request: press the power button. True if the guest was
 * asked; false to stop QEMU at once (a second request, or no QMP).
 */
static bool vm_begin_stop(struct vm *vm, int sig)
{
	if (vm->stopping || !vm->ctl || vm_qmp_powerdown(vm->ctl))
		return false;
	vm->stopping = true;
	vm->stop_sig = sig;
	vm->stop_deadline = vm_now_ms() + VM_POWERDOWN_GRACE_MS;
	fprintf(stderr,
		"\r\nkiln: stopping the guest: power button (its "
		"program gets SIGTERM); %s again stops it at once\r\n",
		sig == SIGINT ? "Ctrl-C" : "the same signal");
	return true;
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
		if (vm->ctrl_c) {
			vm->ctrl_c = false;
			if (!vm_signal)
				vm_signal = SIGINT;
		}
		if (vm_signal) {
			int sig = vm_signal;

			vm_signal = 0;
			if (sig == SIGHUP || !vm_begin_stop(vm, sig))
				return sig;
		}
		if (vm->snap && !vm->snap->saved && !vm->stopping &&
		    vm_now_ms() >= vm->next_probe) {
			if (vm_port_answers(vm->snap->host, vm->snap->port)) {
				fprintf(stderr,
					"\r\nkiln: port %u answers: saving the "
					"VM\r\n",
					vm->snap->port);
				if (vm_save(vm))
					return VM_SNAPSHOT_FAILED;
			}
			vm->next_probe = vm_now_ms() + 200;
		}
		if (vm->stopping && vm_now_ms() >= vm->stop_deadline) {
			warnx("the guest did not stop within %d s of the "
			      "power button; stopping it now",
			      VM_POWERDOWN_GRACE_MS / 1000);
			return vm->stop_sig;
		}
		if (timeout_s) {
			int64_t left = deadline - vm_now_ms();

			if (left <= 0)
				return VM_TIMED_OUT;
			ms = (long)left;
		}
		if (vm->stopping &&
		    (ms < 0 || ms > vm->stop_deadline - vm_now_ms()))
			ms = (long)(vm->stop_deadline - vm_now_ms());
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
__attribute__((noreturn)) static void vm_exec(char *const argv[], int out_fd,
					      int err_fd, int in_fd,
					      const sigset_t *origmask)
{
	int e;

	if (dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(127);
	if (in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0)
		_exit(127);
	/* if kiln dies (SIGKILL included), QEMU goes with it */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
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
 * Start QEMU with stdout on a pipe (vm->fd), and stdin on one too if
 * relay (vm->in_fd). If exec fails, the child sends errno through a
 * close-on-exec pipe and we report it here.
 */
static int vm_spawn(struct vm *vm, char *const argv[], const sigset_t *origmask,
		    bool relay)
{
	int out[2], errp[2], in[2] = {-1, -1}, e;
	ssize_t n;

	if (relay && pipe2(in, O_CLOEXEC) < 0) {
		e = errno;
		warn("pipe");
		return -e;
	}
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
		vm_exec(argv, out[1], errp[1], in[0], origmask);
	close(out[1]);
	close(errp[1]);
	if (relay) {
		close(in[0]);
		vm->in_fd = in[1];
	}
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
		if (vm->in_fd >= 0)
			close(vm->in_fd);
		vm->in_fd = -1;
		return -e;
	}
	return 0;
}

/*
 * Raw mode for the relay, as QEMU sets it for a terminal on stdio, but
 * without ISIG: Ctrl-C arrives as a byte, for kiln to act on.
 */
static void vm_raw_tty(const struct termios *saved)
{
	struct termios t = *saved;

	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
				 IGNCR | ICRNL | IXON);
	t.c_oflag |= OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
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
int vm_run(char *const argv[], const char *report, const char *ctl,
	   struct vm_snapshot *snap, unsigned int timeout_s)
{
	struct vm vm = {.fd = -1, .in_fd = -1, .ctl = ctl, .snap = snap};
	sigset_t origmask, waitmask;
	struct termios tty;
	bool have_tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &tty);
	/* relay a terminal we are in the foreground of */
	bool relay = have_tty && tcgetpgrp(STDIN_FILENO) == getpgrp();
	int why;

	vm_signal = 0;
	vm_setup_signals(&origmask, &waitmask);
	vm.waitmask = &waitmask;
	fflush(stdout);
	fflush(stderr);
	if (vm_spawn(&vm, argv, &origmask, relay))
		return VM_EXIT_FAILURE;
	if (relay)
		vm_raw_tty(&tty);
	why = vm_loop(&vm, timeout_s);
	if (why)
		vm_stop(&vm);
	if (vm.fd >= 0)
		close(vm.fd);
	if (vm.in_fd >= 0)
		close(vm.in_fd);
	if (have_tty)
		vm_restore_tty(&tty);
	if (why == VM_TIMED_OUT) {
		warnx("timeout after %u s", timeout_s);
		return VM_EXIT_TIMEOUT;
	}
	if (why == VM_SNAPSHOT_FAILED)
		return VM_EXIT_FAILURE;
	if (snap && snap->saved)
		return 0; /* QEMU quit after saving: no guest status */
	if (why)
		return 128 + why;
	return vm_exit_status(vm_read_report(report), vm.saw_output,
			      vm.wstatus);
}
