// SPDX-License-Identifier: MIT
/*
 * siginfo: si_pid/si_uid name the sender (kill from a child, from
 * ourselves, tgkill), SIGCHLD carries CLD_EXITED/CLD_KILLED, the child's
 * pid and its status, sigwaitinfo returns the same; standard signals
 * coalesce while blocked, real-time signals queue, each instance with its
 * own sender, in order.
 */
#define _GNU_SOURCE
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

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	sender_info();
	sigchld_info();
	queueing();
	guest_exit("sigs");
}
