/* SPDX-License-Identifier: MIT */
/*
 * pidfd: pidfd_open (flags, errors, close-on-exec), poll and epoll on a
 * pidfd (not ready while the child runs, POLLIN once it exited),
 * waitid(P_PIDFD) and its PIDFD_NONBLOCK EAGAIN, pidfd_send_signal
 * (SIGKILL seen in the wait status, a caller-made siginfo reaching the
 * handler, Linux's EINVAL/EPERM/EBADF checks, ESRCH after the reap),
 * pidfd_getfd on our own pidfd and clone's CLONE_PIDFD. Only behaviour is
 * printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define PIDFD_NONBLOCK_FLAG O_NONBLOCK
#define CLONE_PIDFD_FLAG    0x1000

static long pidfd_open(int pid, unsigned flags)
{
	return syscall(434, pid, flags);
}

static long pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags)
{
	return syscall(424, fd, sig, info, flags);
}

static long pidfd_getfd(int fd, int target, unsigned flags)
{
	return syscall(438, fd, target, flags);
}

static int poll_in(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n = poll(&p, 1, ms);

	return n == 1 && (p.revents & POLLIN) ? 1 : n;
}

static volatile sig_atomic_t usr1_code, usr1_pid;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	usr1_code = si->si_code;
	usr1_pid = si->si_pid;
}

/* A child that waits for its pipe to close, then exits with code (code
 * -1: 5 if a SIGUSR1 with SI_QUEUE reached it, else 6). */
static int child_waiting(int code, int *wake)
{
	int p[2];

	if (pipe(p))
		return -1;
	int pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(code >= 0 ? code : usr1_code == SI_QUEUE ? 5 : 6);
	}
	close(p[0]);
	*wake = p[1];
	return pid;
}

static void open_errors(void)
{
	int fd = pidfd_open(getpid(), 0);

	check(fd >= 0, "pidfd: open self", "fd %d errno %d", fd, errno);
	check(fcntl(fd, F_GETFD) == FD_CLOEXEC, "pidfd: close-on-exec",
	      "F_GETFD %d", fcntl(fd, F_GETFD));
	char c;
	check_errno(read(fd, &c, 1), -1, EINVAL, "pidfd: read EINVAL");
	check_errno(pidfd_open(getpid(), 1), -1, EINVAL,
		    "pidfd: bad flags EINVAL");
	check_errno(pidfd_open(0, 0), -1, EINVAL, "pidfd: pid 0 EINVAL");
	int p[2];
	if (pipe(p) == 0) {
		check_errno(pidfd_send_signal(p[0], 0, NULL, 0), -1, EBADF,
			    "pidfd: signal via a pipe EBADF");
		/* pidfd_getfd on our own pidfd: a second fd for the pipe */
		int dup = pidfd_getfd(fd, p[1], 0);
		check(dup >= 0 && dup != p[1] && write(dup, "x", 1) == 1 &&
			      read(p[0], &c, 1) == 1 && c == 'x',
		      "pidfd: getfd copies an fd", "dup %d errno %d", dup,
		      errno);
		check(dup >= 0 && fcntl(dup, F_GETFD) == FD_CLOEXEC,
		      "pidfd: getfd close-on-exec", "dup %d", dup);
		check_errno(pidfd_getfd(fd, p[1], 1), -1, EINVAL,
			    "pidfd: getfd bad flags EINVAL");
		check_errno(pidfd_getfd(fd, 999, 0), -1, EBADF,
			    "pidfd: getfd closed fd EBADF");
		check_errno(pidfd_getfd(p[0], p[1], 0), -1, EBADF,
			    "pidfd: getfd via a pipe EBADF");
		close(dup);
		close(p[0]);
		close(p[1]);
	}
	check_errno(pidfd_send_signal(fd, 0, NULL, 8), -1, EINVAL,
		    "pidfd: signal flags EINVAL");
	check_zero(pidfd_send_signal(fd, 0, NULL, 0), "pidfd: signal 0 self");
	close(fd);
}

/* poll, waitid(P_PIDFD), signals to a zombie and to a reaped child. */
static void poll_wait(void)
{
	int wake, pid = child_waiting(7, &wake);
	int fd = pidfd_open(pid, 0);

	check(fd >= 0, "pidfd: open child", "errno %d", errno);
	check(poll_in(fd, 0) == 0, "pidfd: not readable while running",
	      "poll %d", poll_in(fd, 0));
	siginfo_t si = {0};
	check(waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG) == 0 &&
		      si.si_pid == 0,
	      "pidfd: waitid WNOHANG while running", "errno %d pid %d", errno,
	      si.si_pid);
	close(wake);
	check(poll_in(fd, 5000) == 1, "pidfd: POLLIN after exit", "poll %d",
	      poll_in(fd, 0));
	check_zero(pidfd_send_signal(fd, 0, NULL, 0),
		   "pidfd: signal 0 to a zombie");
	memset(&si, 0, sizeof(si));
	int r = waitid(P_PIDFD, fd, &si, WEXITED);
	check(r == 0 && si.si_pid == pid && si.si_code == CLD_EXITED &&
		      si.si_status == 7,
	      "pidfd: waitid P_PIDFD status", "r %d pid %d code %d status %d",
	      r, si.si_pid, si.si_code, si.si_status);
	check_errno(pidfd_send_signal(fd, SIGTERM, NULL, 0), -1, ESRCH,
		    "pidfd: signal after reap ESRCH");
	check(poll_in(fd, 0) == 1, "pidfd: still readable after reap",
	      "poll %d", poll_in(fd, 0));
	check_errno(waitid(P_PIDFD, fd, &si, WEXITED), -1, ECHILD,
		    "pidfd: waitid after reap ECHILD");
	check_errno(pidfd_open(pid, 0), -1, ESRCH, "pidfd: open reaped ESRCH");
	close(fd);
	int np[2];
	if (pipe(np) == 0) {
		check_errno(waitid(P_PIDFD, np[0], &si, WEXITED), -1, EBADF,
			    "pidfd: waitid on a pipe EBADF");
		close(np[0]);
		close(np[1]);
	}
}

/* A /proc/<pid> directory's fd serves as a pidfd for
 * pidfd_send_signal; /proc itself does not. */
static void proc_dir(void)
{
	int wake, pid = child_waiting(7, &wake);
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d", pid);
	int dfd = open(path, O_DIRECTORY | O_CLOEXEC);
	check(dfd >= 0, "pidfd: open /proc/<child>", "errno %d", errno);
	check_zero(pidfd_send_signal(dfd, SIGTERM, NULL, 0),
		   "pidfd: SIGTERM through /proc/<child>");
	int st = 0;
	check(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) &&
		      WTERMSIG(st) == SIGTERM,
	      "pidfd: /proc/<child> signal kills it", "status %#x", st);
	close(wake);
	close(dfd);

	struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
	sigaction(SIGUSR1, &sa, NULL);
	usr1_code = usr1_pid = 0;
	int self = open("/proc/self", O_DIRECTORY | O_CLOEXEC);
	check_zero(pidfd_send_signal(self, SIGUSR1, NULL, 0),
		   "pidfd: SIGUSR1 through /proc/self");
	check(usr1_code == SI_USER && usr1_pid == getpid(),
	      "pidfd: /proc/self signal arrives", "code %d pid %d",
	      (int)usr1_code, (int)usr1_pid);
	close(self);
	int root = open("/proc", O_DIRECTORY | O_CLOEXEC);
	check_errno(pidfd_send_signal(root, 0, NULL, 0), -1, EBADF,
		    "pidfd: /proc itself EBADF");
	close(root);
}

/* epoll sees the exit that pidfd_send_signal(SIGKILL) caused. */
static void epoll_kill(void)
{
	int wake, pid = child_waiting(0, &wake);
	int fd = pidfd_open(pid, PIDFD_NONBLOCK_FLAG);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN}, out;

	check(fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK),
	      "pidfd: PIDFD_NONBLOCK", "fd %d", fd);
	siginfo_t si = {0};
	check_errno(waitid(P_PIDFD, fd, &si, WEXITED), -1, EAGAIN,
		    "pidfd: nonblocking waitid EAGAIN");
	check_zero(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), "pidfd: epoll add");
	check(epoll_wait(ep, &out, 1, 0) == 0, "pidfd: epoll quiet", "ready");
	check_zero(pidfd_send_signal(fd, SIGKILL, NULL, 0),
		   "pidfd: send SIGKILL");
	int n = epoll_wait(ep, &out, 1, 5000);
	check(n == 1 && (out.events & EPOLLIN), "pidfd: epoll EPOLLIN on exit",
	      "n %d events %x", n, n == 1 ? out.events : 0);
	int st = 0;
	check(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) &&
		      WTERMSIG(st) == SIGKILL,
	      "pidfd: child killed by SIGKILL", "status %#x", st);
	close(ep);
	close(fd);
	close(wake);
}

/* A siginfo of our own making reaches the child's handler. */
static void send_info(void)
{
	int wake;
	struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};

	sigaction(SIGUSR1, &sa, NULL);
	int pid = child_waiting(-1, &wake);
	int fd = pidfd_open(pid, 0);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR2;
	si.si_code = SI_QUEUE;
	check_errno(pidfd_send_signal(fd, SIGUSR1, &si, 0), -1, EINVAL,
		    "pidfd: siginfo signo mismatch EINVAL");
	si.si_signo = SIGUSR1;
	si.si_code = SI_USER;
	check_errno(pidfd_send_signal(fd, SIGUSR1, &si, 0), -1, EPERM,
		    "pidfd: forged SI_USER to another EPERM");
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	check_zero(pidfd_send_signal(fd, SIGUSR1, &si, 0),
		   "pidfd: send SI_QUEUE siginfo");
	close(wake);
	int st = 0;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 5,
	      "pidfd: child got the SI_QUEUE SIGUSR1", "status %#x", st);
	/* and to ourselves: the code arrives as sent */
	int self = pidfd_open(getpid(), 0);
	si.si_code = SI_QUEUE;
	check_zero(pidfd_send_signal(self, SIGUSR1, &si, 0),
		   "pidfd: send siginfo to self");
	check(usr1_code == SI_QUEUE && usr1_pid == getpid(),
	      "pidfd: handler sees si_code and si_pid", "code %d pid %d",
	      (int)usr1_code, (int)usr1_pid);
	si.si_code = SI_USER; /* allowed to oneself */
	check_zero(pidfd_send_signal(self, SIGUSR1, &si, 0),
		   "pidfd: SI_USER siginfo to self");
	close(self);
	close(fd);
}

/* clone(CLONE_PIDFD): the pidfd comes back through parent_tid. */
static void clone_pidfd(void)
{
	int pfd = -1;
	long pid =
		syscall(SYS_clone, CLONE_PIDFD_FLAG | SIGCHLD, 0, &pfd, 0, 0);

	if (pid == 0) {
		usleep(100000);
		_exit(3);
	}
	check(pid > 0 && pfd >= 0, "pidfd: clone CLONE_PIDFD", "pid %ld fd %d",
	      pid, pfd);
	check(fcntl(pfd, F_GETFD) == FD_CLOEXEC, "pidfd: clone fd cloexec",
	      "F_GETFD %d", fcntl(pfd, F_GETFD));
	check(poll_in(pfd, 0) == 0, "pidfd: clone fd quiet", "ready early");
	check(poll_in(pfd, 5000) == 1, "pidfd: clone fd POLLIN", "not ready");
	siginfo_t si = {0};
	check(waitid(P_PIDFD, pfd, &si, WEXITED) == 0 && si.si_pid == pid &&
		      si.si_status == 3,
	      "pidfd: clone fd waitid", "pid %d status %d", si.si_pid,
	      si.si_status);
	close(pfd);
	int x = 0;
	check_errno(syscall(SYS_clone,
			    CLONE_PIDFD_FLAG | CLONE_PARENT_SETTID | SIGCHLD, 0,
			    &x, 0, 0),
		    -1, EINVAL, "pidfd: CLONE_PIDFD|PARENT_SETTID EINVAL");
}

/* clone3 with CLONE_PIDFD: the pidfd comes back through args.pidfd. */
static void clone3_pidfd(void)
{
	int pfd = -1;
	uint64_t args[11] = {0}; /* struct clone_args, 88 bytes */

	args[0] = CLONE_PIDFD_FLAG; /* flags */
	args[1] = (uintptr_t)&pfd;  /* pidfd */
	args[4] = SIGCHLD;	    /* exit_signal */
	long pid = syscall(435, args, sizeof(args));
	if (pid == 0)
		_exit(9);
	check(pid > 0 && pfd >= 0, "pidfd: clone3 CLONE_PIDFD",
	      "pid %ld fd %d errno %d", pid, pfd, errno);
	if (pid <= 0 || pfd < 0)
		return;
	siginfo_t si = {0};
	check(poll_in(pfd, 5000) == 1 &&
		      waitid(P_PIDFD, pfd, &si, WEXITED) == 0 &&
		      si.si_pid == pid && si.si_status == 9,
	      "pidfd: clone3 fd waitid", "pid %d status %d", si.si_pid,
	      si.si_status);
	close(pfd);
}

int main(void)
{
	open_errors();
	poll_wait();
	proc_dir();
	epoll_kill();
	send_info();
	clone_pidfd();
	clone3_pidfd();
	guest_exit("pidfd");
}
