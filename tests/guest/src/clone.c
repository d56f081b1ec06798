// SPDX-License-Identifier: MIT
/*
 * clone flags are honoured or refused, never silently ignored: a new UTS
 * or PID namespace, a process sharing the fd table (CLONE_FILES) or the
 * cwd (CLONE_FS), a thread without CLONE_FILES/CLONE_FS either really
 * behaves so or fails with EINVAL. clone3's CLONE_CLEAR_SIGHAND resets
 * handlers in the child; unknown flags are EINVAL. (Linux honours them
 * all as root; a kernel that can't must say so.)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#ifndef CLONE_NEWUTS
#define CLONE_NEWUTS 0x04000000
#endif
#ifndef CLONE_NEWPID
#define CLONE_NEWPID 0x20000000
#endif
#define CLONE_CLEAR_SIGHAND_ 0x100000000ULL

struct clone_args_ {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		stack_size, tls, set_tid, set_tid_size, cgroup;
};

static char stack[65536] __attribute__((aligned(16)));
static volatile int child_value;

/* Raw fork-like clone (no new stack): 0 in the child. */
static long raw_clone(unsigned long flags)
{
	return syscall(SYS_clone, flags, 0, NULL, NULL, 0);
}

static void report(const char *what, long pid, int eno, bool honoured)
{
	char buf[160];

	if (pid < 0) {
		snprintf(buf, sizeof(buf), "%s: honoured or EINVAL", what);
		check(eno == EINVAL, buf, "errno %d", eno);
		return;
	}
	snprintf(buf, sizeof(buf), "%s: honoured or EINVAL", what);
	check(honoured, buf, "accepted but not honoured");
}

static int wait_status(long pid)
{
	int st;

	if (waitpid(pid, &st, __WALL) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void namespaces(void)
{
	struct utsname before, after;

	uname(&before);
	fflush(stdout);
	long pid = raw_clone(CLONE_NEWUTS | SIGCHLD);
	if (pid == 0)
		_exit(sethostname("kiln-ns-test", 12) ? 1 : 0);
	int eno = errno, st = pid > 0 ? wait_status(pid) : -1;
	uname(&after);
	report("CLONE_NEWUTS", pid, eno,
	       st == 0 && !strcmp(before.nodename, after.nodename));

	fflush(stdout);
	pid = raw_clone(CLONE_NEWPID | SIGCHLD);
	if (pid == 0)
		_exit(syscall(SYS_getpid) == 1 ? 0 : 1);
	eno = errno;
	st = pid > 0 ? wait_status(pid) : -1;
	report("CLONE_NEWPID", pid, eno, st == 0);
}

static void sharing(void)
{
	fflush(stdout);
	long pid = raw_clone(CLONE_FILES | SIGCHLD);
	if (pid == 0)
		_exit(open("/dev/null", O_RDONLY));
	int eno = errno, fd = pid > 0 ? wait_status(pid) : -1;
	report("CLONE_FILES without CLONE_THREAD", pid, eno,
	       fd > 2 && fcntl(fd, F_GETFD) >= 0);
	if (fd > 2)
		close(fd);

	char cwd[256];
	getcwd(cwd, sizeof(cwd));
	fflush(stdout);
	pid = raw_clone(CLONE_FS | SIGCHLD);
	if (pid == 0)
		_exit(chdir("/proc") ? 1 : 0);
	eno = errno;
	int st = pid > 0 ? wait_status(pid) : -1;
	char now[256];
	getcwd(now, sizeof(now));
	report("CLONE_FS without CLONE_THREAD", pid, eno,
	       st == 0 && !strcmp(now, "/proc"));
	chdir(cwd);
}

static int thread_fn(void *arg)
{
	(void)arg;
	child_value = (int)syscall(SYS_open, "/dev/null", O_RDONLY);
	__atomic_store_n(&child_value, child_value + 1000, __ATOMIC_SEQ_CST);
	syscall(SYS_exit, 0);
	return 0;
}

/* A thread with its own fd table: its open must not show here. */
static void thread_without_files(void)
{
	unsigned long flags = CLONE_VM | CLONE_FS | CLONE_SIGHAND |
			      CLONE_THREAD | CLONE_SYSVSEM;

	child_value = 0;
	int r = clone(thread_fn, stack + sizeof(stack), flags, NULL);
	int eno = errno;
	if (r > 0)
		while (__atomic_load_n(&child_value, __ATOMIC_SEQ_CST) < 1000)
			usleep(1000);
	int fd = child_value - 1000;
	report("a thread without CLONE_FILES", r, eno,
	       fd > 2 && fcntl(fd, F_GETFD) < 0);
	usleep(10000);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void clone3_flags(void)
{
	struct clone_args_ ca = {0};
	struct sigaction old;

	signal(SIGUSR1, on_usr1);
	ca.flags = CLONE_CLEAR_SIGHAND_;
	ca.exit_signal = SIGCHLD;
	fflush(stdout);
	long pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		sigaction(SIGUSR1, NULL, &old);
		_exit(old.sa_handler == SIG_DFL ? 0 : 1);
	}
	check(pid > 0 && wait_status(pid) == 0,
	      "clone3 CLONE_CLEAR_SIGHAND: SIG_DFL in the child", "pid %ld",
	      pid);
	sigaction(SIGUSR1, NULL, &old);
	check(old.sa_handler == on_usr1, "the parent keeps its handler", "%p",
	      (void *)old.sa_handler);
	signal(SIGUSR1, SIG_DFL);

	ca.flags = 1ULL << 40;
	long r = syscall(SYS_clone3, &ca, sizeof(ca));
	check_errno(r, -1, EINVAL, "clone3 with an unknown flag: EINVAL");
	ca.flags = CLONE_THREAD | CLONE_VM | CLONE_SIGHAND;
	ca.exit_signal = SIGCHLD;
	r = syscall(SYS_clone3, &ca, sizeof(ca));
	check_errno(r, -1, EINVAL, "clone3 thread with an exit signal: EINVAL");
	ca.flags = CLONE_CLEAR_SIGHAND_ | CLONE_SIGHAND | CLONE_VM;
	ca.exit_signal = 0;
	r = syscall(SYS_clone3, &ca, sizeof(ca));
	check_errno(r, -1, EINVAL,
		    "CLONE_CLEAR_SIGHAND with CLONE_SIGHAND: EINVAL");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	namespaces();
	sharing();
	thread_without_files();
	clone3_flags();
	guest_exit("clone");
}
