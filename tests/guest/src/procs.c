// SPDX-License-Identifier: MIT
/*
 * Signals and processes: handlers with SA_SIGINFO, masks, SA_RESTART vs
 * EINTR, sigaltstack, a fault caught by a handler, FPU state preserved
 * across a handler, fork (copy-on-write, from a multithreaded parent),
 * wait4/waitid statuses, SIGCHLD, execve of this same program, and
 * pipes across fork.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static volatile sig_atomic_t got_sig, got_code, chld;
static sigjmp_buf jump;
static volatile uintptr_t guest_bad_ptr = 16; /* hidden from the compiler */
static volatile uintptr_t alt_sp_seen;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	alt_sp_seen = (uintptr_t)__builtin_frame_address(0);
}

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(jump, 1);
}

static void on_chld(int sig)
{
	(void)sig;
	chld++;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void *spin(void *arg)
{
	volatile int *stop = arg;
	while (!*stop)
		usleep(1000);
	return NULL;
}

static void signals(void)
{
	struct sigaction sa = {0};
	static char altstack[65536];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};

	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	check(sigaltstack(&ss, NULL) == 0, "sigaltstack", "errno %d", errno);
	check(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction", "errno %d",
	      errno);
	double d = 1.25;
	raise(SIGUSR1);
	d *= 3;
	check(got_sig == SIGUSR1, "handler ran", "sig %d", (int)got_sig);
	check(got_code == SI_TKILL, "si_code SI_TKILL", "%d", (int)got_code);
	check(alt_sp_seen >= (uintptr_t)altstack &&
		      alt_sp_seen < (uintptr_t)altstack + sizeof(altstack),
	      "handler on the alternate stack", "sp %lx",
	      (unsigned long)alt_sp_seen);
	check(d == 3.75, "FPU state survives a handler", "%f", d);

	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	got_sig = 0;
	sigprocmask(SIG_BLOCK, &set, &old);
	kill(getpid(), SIGUSR1);
	check(got_sig == 0, "blocked signal stays pending", "ran");
	sigset_t pend;
	sigemptyset(&pend);
	sigpending(&pend);
	check(sigismember(&pend, SIGUSR1), "sigpending", "not pending");
	sigprocmask(SIG_SETMASK, &old, NULL);
	check(got_sig == SIGUSR1, "unblocking delivers", "sig %d",
	      (int)got_sig);

	signal(SIGSEGV, on_segv);
	bool caught = sigsetjmp(jump, 1) != 0;
	if (!caught) {
		volatile int *bad = (volatile int *)(uintptr_t)guest_bad_ptr;
		*bad = 1;
	}
	check(caught, "fault caught by a handler", "no fault");

	/* a read interrupted by a handler: EINTR without SA_RESTART */
	int p[2];
	check(pipe(p) == 0, "pipe", "errno %d", errno);
	struct sigaction al = {0};
	al.sa_handler = on_alarm;
	sigaction(SIGALRM, &al, NULL);
	pid_t me = getpid();
	pid_t killer = fork();
	if (killer == 0) {
		usleep(100000);
		kill(me, SIGALRM);
		_exit(0);
	}
	char c;
	ssize_t n = read(p[0], &c, 1);
	check(n == -1 && errno == EINTR, "read interrupted: EINTR",
	      "n %zd errno %d", n, errno);
	waitpid(killer, NULL, 0);
	close(p[0]);
	close(p[1]);
}

static void processes(const char *self)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);

	volatile int stop = 0;
	pthread_t th;
	pthread_create(&th, NULL, spin, (void *)&stop);

	static int shared_value = 1;
	int p[2];
	check(pipe(p) == 0, "pipe", "errno %d", errno);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		shared_value = 2; /* copy-on-write: the parent keeps 1 */
		char msg[16];
		snprintf(msg, sizeof(msg), "value %d", shared_value);
		write(p[1], msg, strlen(msg) + 1);
		_exit(7);
	}
	char buf[16] = {0};
	ssize_t n = read(p[0], buf, sizeof(buf));
	check(n > 0 && !strcmp(buf, "value 2"), "child's write through a pipe",
	      "%zd '%s'", n, buf);
	int st;
	check(waitpid(pid, &st, 0) == pid, "waitpid", "errno %d", errno);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 7, "exit status 7",
	      "status %x", st);
	check(shared_value == 1, "fork is copy-on-write", "%d", shared_value);
	close(p[0]);
	close(p[1]);

	/* shared anonymous memory stays shared, also pages first touched
	 * after the fork; private anonymous memory does not */
	volatile int *shm = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile int *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(shm != MAP_FAILED && priv != MAP_FAILED,
	      "mmap shared and private", "errno %d", errno);
	shm[0] = 1; /* page 0 present at fork, page 1 not */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		shm[0] = 10;
		shm[1024] = 11;
		priv[0] = 12;
		_exit(0);
	}
	check(waitpid(pid, &st, 0) == pid && shm[0] == 10 && shm[1024] == 11,
	      "MAP_SHARED|MAP_ANONYMOUS: the child's writes seen, both pages",
	      "%d %d", shm[0], shm[1024]);
	check(priv[0] == 0,
	      "MAP_PRIVATE|MAP_ANONYMOUS: the child's write not seen", "%d",
	      priv[0]);
	munmap((void *)shm, 8192);
	munmap((void *)priv, 4096);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)self, "child", NULL};
		execv("/proc/self/exe", argv);
		_exit(99);
	}
	check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 42,
	      "execve of this program, status 42", "status %x", st);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	siginfo_t si = {0};
	check(waitid(P_PID, pid, &si, WEXITED) == 0 &&
		      si.si_code == CLD_KILLED && si.si_status == SIGTERM,
	      "waitid: killed by SIGTERM", "code %d status %d", si.si_code,
	      si.si_status);
	check(chld >= 1, "SIGCHLD delivered", "%d", (int)chld);
	check(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD,
	      "no children left: ECHILD", "errno %d", errno);
	stop = 1;
	pthread_join(th, NULL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		return 42; /* prints nothing: the parent checks the status */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* ARCH_GET_CPUID: CPUID works (no CPUID faulting set) */
	check(syscall(SYS_arch_prctl, 0x1011, 0) == 1,
	      "procs: arch_prctl(ARCH_GET_CPUID) is 1", "errno %d", errno);
	check_errno(syscall(SYS_arch_prctl, 0x1099, 0), -1, EINVAL,
		    "procs: arch_prctl with an unknown code");
	check_errno(syscall(SYS_getpriority, 0, -1), -1, ESRCH,
		    "procs: getpriority of pid -1");
	check_errno(syscall(SYS_getpriority, 0, 4000000), -1, ESRCH,
		    "procs: getpriority of a pid that does not exist");
	check_errno(syscall(SYS_getpriority, 3, 0), -1, EINVAL,
		    "procs: getpriority with a bad which");
	check(syscall(SYS_getpriority, 0, 0) == 20,
	      "procs: getpriority of self", "errno %d", errno);
	check_errno(syscall(SYS_wait4, (int)0x80000000, NULL, 0, NULL), -1,
		    ESRCH, "procs: wait4 of INT_MIN ESRCH");
	check_errno(syscall(SYS_getpriority, 1, -1), -1, ESRCH,
		    "procs: getpriority of group -1");
	check_errno(syscall(SYS_getpriority, 2, -1), -1, ESRCH,
		    "procs: getpriority of user -1");
	check_errno(syscall(SYS_sched_getscheduler, 4000000), -1, ESRCH,
		    "procs: sched_getscheduler of a pid that does not exist");
	check_errno(syscall(SYS_sched_getscheduler, -1), -1, EINVAL,
		    "procs: sched_getscheduler of pid -1");
	check(syscall(SYS_sched_getscheduler, 0) == SCHED_OTHER,
	      "procs: sched_getscheduler of self", "errno %d", errno);
	check_errno(sched_get_priority_min(4), -1, EINVAL,
		    "procs: sched_get_priority_min of policy 4");
	check_errno(sched_get_priority_max(42), -1, EINVAL,
		    "procs: sched_get_priority_max of policy 42");
	check(sched_get_priority_max(SCHED_FIFO) == 99 &&
		      sched_get_priority_min(SCHED_BATCH) == 0,
	      "procs: sched_get_priority_max/min of known policies", "%d",
	      errno);
	struct rusage ru;
	/* RUSAGE_CHILDREN as a zero-extended int, as LTP passes it */
	check_zero(syscall(SYS_getrusage, 0xffffffffUL, &ru),
		   "procs: getrusage(RUSAGE_CHILDREN) from a 32-bit -1");
	signals();
	processes(argv[0]);
	guest_exit("procs");
}
