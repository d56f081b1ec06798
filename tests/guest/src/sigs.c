// SPDX-License-Identifier: MIT
/*
 * siginfo: si_pid/si_uid name the sender (kill from a child, from
 * ourselves, tgkill), SIGCHLD carries CLD_EXITED/CLD_KILLED, the child's
 * pid and its status, sigwaitinfo returns the same; standard signals
 * coalesce while blocked, real-time signals queue, each instance with its
 * own sender, in order. sigsuspend sleeps until a child's signal runs the
 * handler and then restores the mask; tkill reaches one thread of ours
 * (the handler runs on it); tkill and tgkill reach another process, and
 * tgkill of a thread the process lacks is ESRCH.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static volatile sig_atomic_t count;
static volatile int last_pid, last_uid, last_code, last_status, last_sig;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	count++;
	last_sig = sig;
	last_pid = si->si_pid;
	last_uid = si->si_uid;
	last_code = si->si_code;
	last_status = si->si_status;
}

static void handle(int sig)
{
	struct sigaction sa = {0};

	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(sig, &sa, NULL);
}

static void block(int sig, int how)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

/* A child that sends sig to us and exits 0; its pid once it is gone. */
static pid_t child_sends(int sig)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		kill(getppid(), sig);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	return pid;
}

static void sender_info(void)
{
	handle(SIGUSR1);
	block(SIGUSR1, SIG_BLOCK);
	pid_t c = child_sends(SIGUSR1);
	count = 0;
	block(SIGUSR1, SIG_UNBLOCK);
	check(count == 1 && last_pid == c && last_code == SI_USER &&
		      last_uid == (int)getuid(),
	      "kill from a child: si_pid is the child, SI_USER, si_uid",
	      "count %d pid %d (child %d) code %d uid %d", (int)count, last_pid,
	      (int)c, last_code, last_uid);

	count = 0;
	kill(getpid(), SIGUSR1);
	check(count == 1 && last_pid == getpid() && last_code == SI_USER,
	      "kill from ourselves: si_pid is our pid", "pid %d code %d",
	      last_pid, last_code);

	count = 0;
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
	check(count == 1 && last_pid == getpid() && last_code == SI_TKILL,
	      "tgkill: SI_TKILL from our pid", "pid %d code %d", last_pid,
	      last_code);

	/* sigwaitinfo: the same info */
	block(SIGUSR2, SIG_BLOCK);
	c = child_sends(SIGUSR2);
	sigset_t set;
	siginfo_t si;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	int sig = sigwaitinfo(&set, &si);
	check(sig == SIGUSR2 && si.si_pid == c && si.si_code == SI_USER,
	      "sigwaitinfo: si_pid of the sending child", "sig %d pid %d", sig,
	      (int)si.si_pid);
	block(SIGUSR2, SIG_UNBLOCK);
}

static void sigchld_info(void)
{
	handle(SIGCHLD);
	block(SIGCHLD, SIG_BLOCK);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0)
		_exit(7);
	waitpid(c, NULL, 0);
	count = 0;
	block(SIGCHLD, SIG_UNBLOCK);
	check(count == 1 && last_code == CLD_EXITED && last_pid == c &&
		      last_status == 7,
	      "SIGCHLD: CLD_EXITED, the child's pid, status 7",
	      "count %d code %d pid %d (child %d) status %d", (int)count,
	      last_code, last_pid, (int)c, last_status);

	block(SIGCHLD, SIG_BLOCK);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	count = 0;
	block(SIGCHLD, SIG_UNBLOCK);
	check(count == 1 && last_code == CLD_KILLED && last_pid == c &&
		      last_status == SIGKILL,
	      "SIGCHLD: CLD_KILLED, the child's pid, SIGKILL",
	      "count %d code %d pid %d (child %d) status %d", (int)count,
	      last_code, last_pid, (int)c, last_status);
	signal(SIGCHLD, SIG_DFL);
}

static void queueing(void)
{
	handle(SIGUSR1);
	block(SIGUSR1, SIG_BLOCK);
	for (int i = 0; i < 3; i++)
		kill(getpid(), SIGUSR1);
	count = 0;
	block(SIGUSR1, SIG_UNBLOCK);
	check(count == 1, "a standard signal sent 3 times while blocked: once",
	      "%d", (int)count);

	int rt = SIGRTMIN + 1;
	handle(rt);
	block(rt, SIG_BLOCK);
	for (int i = 0; i < 3; i++)
		kill(getpid(), rt);
	count = 0;
	block(rt, SIG_UNBLOCK);
	check(count == 3, "a real-time signal sent 3 times: delivered 3 times",
	      "%d", (int)count);

	/* each queued instance keeps its sender, in order */
	block(rt, SIG_BLOCK);
	pid_t a = child_sends(rt), b = child_sends(rt);
	sigset_t set;
	siginfo_t s1, s2, s3;
	struct timespec zero = {0, 0};
	sigemptyset(&set);
	sigaddset(&set, rt);
	int r1 = sigtimedwait(&set, &s1, &zero);
	int r2 = sigtimedwait(&set, &s2, &zero);
	int r3 = sigtimedwait(&set, &s3, &zero);
	check(r1 == rt && r2 == rt && s1.si_pid == a && s2.si_pid == b,
	      "queued real-time signals: each sender, in order",
	      "%d %d pids %d %d (want %d %d)", r1, r2, (int)s1.si_pid,
	      (int)s2.si_pid, (int)a, (int)b);
	check(r3 == -1 && errno == EAGAIN, "then the queue is empty",
	      "%d errno %d", r3, errno);
	block(rt, SIG_UNBLOCK);
}

/* sigsuspend: wait with SIGUSR1 unblocked until a child sends it. */
static void suspend(void)
{
	sigset_t none, cur;

	handle(SIGUSR1);
	block(SIGUSR1, SIG_BLOCK);
	count = 0;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		usleep(50000);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	sigemptyset(&none);
	int r = sigsuspend(&none);
	int eno = errno;
	check(r == -1 && eno == EINTR && count == 1 && last_pid == c,
	      "sigsuspend: a child's signal runs the handler, EINTR",
	      "ret %d errno %d count %d pid %d (child %d)", r, eno, (int)count,
	      last_pid, (int)c);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	check(sigismember(&cur, SIGUSR1), "sigsuspend: mask restored after",
	      "SIGUSR1 unblocked");
	waitpid(c, NULL, 0);
	block(SIGUSR1, SIG_UNBLOCK);
}

static volatile int thread_tid, handler_tid;
static volatile sig_atomic_t thread_stop;

static void on_tid(int sig)
{
	(void)sig;
	handler_tid = (int)syscall(SYS_gettid);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	thread_tid = (int)syscall(SYS_gettid);
	while (!thread_stop)
		usleep(1000);
	return NULL;
}

/* tkill to another thread of ours: the handler runs on that thread. */
static void tkill_thread(void)
{
	pthread_t th;

	signal(SIGURG, on_tid);
	pthread_create(&th, NULL, idle_thread, NULL);
	while (!thread_tid)
		usleep(1000);
	handler_tid = 0;
	long r = syscall(SYS_tkill, thread_tid, SIGURG);
	for (int i = 0; i < 2000 && !handler_tid; i++)
		usleep(1000);
	check(r == 0 && handler_tid == thread_tid,
	      "tkill: the handler runs on the target thread",
	      "ret %ld handler tid %d thread %d main %d", r, handler_tid,
	      thread_tid, getpid());
	thread_stop = 1;
	pthread_join(th, NULL);
	signal(SIGURG, SIG_DFL);
}

static void exit7(int sig)
{
	(void)sig;
	_exit(7);
}

/* A child whose SIGUSR1 handler exits 7, ready once this returns. */
static pid_t waiting_child(void)
{
	int p[2];
	char c;

	if (pipe(p))
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, exit7);
		write(p[1], "r", 1);
		for (;;)
			pause();
	}
	read(p[0], &c, 1);
	close(p[0]);
	close(p[1]);
	return pid;
}

/* The status a waiting child exits with after SIG_CALL sent it SIGUSR1. */
static void expect_exit7(pid_t pid, long ret, const char *what)
{
	int st = 0;

	if (ret != 0)
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	check(ret == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7, what,
	      "ret %ld errno %d status %#x", ret, errno, st);
}

/* tkill and tgkill to a thread of another process (its main thread). */
static void thread_kill_other(void)
{
	pid_t c = waiting_child();

	check_zero(syscall(SYS_tkill, c, 0), "tkill(child, 0): it exists");
	expect_exit7(c, syscall(SYS_tkill, c, SIGUSR1),
		     "tkill(child): its handler runs");
	c = waiting_child();
	check_zero(syscall(SYS_tgkill, c, c, 0), "tgkill(child, child, 0)");
	check_errno(syscall(SYS_tgkill, c, getpid(), SIGUSR1), -1, ESRCH,
		    "tgkill(child, our tid): ESRCH");
	expect_exit7(c, syscall(SYS_tgkill, c, c, SIGUSR1),
		     "tgkill(child, child): its handler runs");
}

/* sigqueue (rt_sigqueueinfo) and rt_tgsigqueueinfo: the value and
 * SI_QUEUE arrive, real-time signals queue, forged codes are refused. */
static void sigqueue_checks(void)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (int i = 0; i < 3; i++)
		check_zero(sigqueue(getpid(), SIGRTMIN + 1,
				    (union sigval){.sival_int = 40 + i}),
			   "sigqueue: to ourselves");
	siginfo_t si;
	int got = 0;
	for (int i = 0; i < 3; i++) {
		struct timespec zero = {0, 0};
		memset(&si, 0, sizeof(si));
		if (sigtimedwait(&set, &si, &zero) == SIGRTMIN + 1 &&
		    si.si_code == SI_QUEUE && si.si_pid == getpid() &&
		    si.si_value.sival_int == 40 + i)
			got++;
	}
	check(got == 3, "sigqueue: three queued, in order, with values",
	      "got %d (last code %d value %d)", got, si.si_code,
	      si.si_value.sival_int);

	int p[2];
	if (pipe(p))
		return;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		siginfo_t ci;
		close(p[0]);
		sigprocmask(SIG_BLOCK, &set, NULL);
		write(p[1], "r", 1);
		int r = sigwaitinfo(&set, &ci);
		_exit(r == SIGRTMIN + 1 && ci.si_code == SI_QUEUE &&
				      ci.si_value.sival_int == 77 &&
				      ci.si_pid == getppid()
			      ? 0
			      : 1);
	}
	char c;
	close(p[1]);
	read(p[0], &c, 1);
	check_zero(sigqueue(pid, SIGRTMIN + 1, (union sigval){.sival_int = 77}),
		   "sigqueue: to a child");
	int st = 0;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "sigqueue: the child gets the value", "status %#x", st);
	close(p[0]);

	siginfo_t forged = {.si_signo = SIGRTMIN + 1, .si_code = SI_USER};
	check_errno(
		syscall(SYS_rt_sigqueueinfo, getppid(), SIGRTMIN + 1, &forged),
		-1, EPERM, "rt_sigqueueinfo: a forged SI_USER EPERM");
	siginfo_t q = {.si_signo = SIGRTMIN + 1, .si_code = SI_QUEUE};
	q.si_value.sival_int = 5;
	check_errno(syscall(SYS_rt_sigqueueinfo, 999999, SIGRTMIN + 1, &q), -1,
		    ESRCH, "rt_sigqueueinfo: a missing pid ESRCH");
	check_zero(syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(),
			   SIGRTMIN + 1, &q),
		   "rt_tgsigqueueinfo: to our thread");
	struct timespec zero = {0, 0};
	memset(&si, 0, sizeof(si));
	check(sigtimedwait(&set, &si, &zero) == SIGRTMIN + 1 &&
		      si.si_code == SI_QUEUE && si.si_value.sival_int == 5,
	      "rt_tgsigqueueinfo: arrives", "code %d value %d", si.si_code,
	      si.si_value.sival_int);
	check_errno(syscall(SYS_rt_tgsigqueueinfo, getpid(), 999999,
			    SIGRTMIN + 1, &q),
		    -1, ESRCH, "rt_tgsigqueueinfo: a missing thread ESRCH");
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigqueue_checks();
	sender_info();
	sigchld_info();
	queueing();
	suspend();
	tkill_thread();
	thread_kill_other();
	guest_exit("sigs");
}
