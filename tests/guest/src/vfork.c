// SPDX-License-Identifier: MIT
/*
 * vfork: the parent stays suspended until the child execs or exits, even
 * when signals arrive meanwhile (they are delivered afterwards); a fatal
 * signal ends the wait; children that exit at once, auto-reaped because
 * SIGCHLD is ignored, release the parent safely.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static volatile sig_atomic_t got_usr1;
static volatile int child_done; /* written by the vfork child */

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1++;
}

/* Sleep in the vfork child with raw syscalls only. */
static void child_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	syscall(SYS_nanosleep, &ts, NULL);
}

static void signal_during_vfork(void)
{
	struct sigaction sa = {0};

	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	fflush(stdout);
	pid_t pid = vfork();
	if (pid == 0) {
		syscall(SYS_kill, syscall(SYS_getppid), SIGUSR1);
		child_sleep_ms(200);
		child_done = 1;
		_exit(5);
	}
	check(child_done == 1,
	      "vfork: a signal does not resume the parent before the child "
	      "exits",
	      "child_done %d", child_done);
	check(got_usr1 == 1, "vfork: the signal is delivered afterwards", "%d",
	      (int)got_usr1);
	int st;
	check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 5,
	      "vfork child exit status 5", "status %x", st);
	signal(SIGUSR1, SIG_DFL);
}

static void exec_after_vfork(void)
{
	fflush(stdout);
	child_done = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		char *argv[] = {"vfork", "exit7", NULL};
		child_sleep_ms(100);
		child_done = 1;
		execv("/proc/self/exe", argv);
		_exit(99);
	}
	check(child_done == 1, "vfork: parent resumes after the child's exec",
	      "child_done %d", child_done);
	int st;
	check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 7,
	      "vfork+exec status 7", "status %x", st);
}

/* Children that exit at once and are reaped by nobody (SIGCHLD ignored). */
static void autoreaped_children(void)
{
	static int ok, i;

	signal(SIGCHLD, SIG_IGN);
	for (i = 0; i < 50; i++) {
		child_done = 0;
		pid_t pid = vfork();
		if (pid == 0) {
			child_done = 1;
			_exit(0);
		}
		ok += pid > 0 && child_done == 1;
	}
	check(ok == 50, "vfork: 50 auto-reaped children", "%d", ok);
	/* with SIGCHLD ignored, wait blocks until all are gone: ECHILD */
	check(waitpid(-1, NULL, 0) == -1 && errno == ECHILD,
	      "auto-reaped: nothing to wait for", "errno %d", errno);
	signal(SIGCHLD, SIG_DFL);
}

/* A fatal signal ends the parent's wait: it dies while the child runs. */
static void fatal_signal_during_vfork(void)
{
	int p[2];

	if (pipe(p))
		return;
	fflush(stdout);
	pid_t w = fork();
	if (w == 0) {
		close(p[0]);
		pid_t pid = vfork();
		if (pid == 0) {
			syscall(SYS_kill, syscall(SYS_getppid), SIGTERM);
			child_sleep_ms(300);
			/* the parent is gone by now: tell the test */
			syscall(SYS_write, p[1], "c", 1);
			_exit(0);
		}
		_exit(3); /* not reached: SIGTERM kills us in vfork */
	}
	close(p[1]);
	int st;
	check(waitpid(w, &st, 0) == w && WIFSIGNALED(st) &&
		      WTERMSIG(st) == SIGTERM,
	      "vfork: a fatal signal kills the waiting parent", "status %x",
	      st);
	char c = 0;
	check(read(p[0], &c, 1) == 1 && c == 'c',
	      "the vfork child outlives its parent", "c %d", c);
	close(p[0]);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exit7"))
		return 7;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal_during_vfork();
	exec_after_vfork();
	autoreaped_children();
	fatal_signal_during_vfork();
	guest_exit("vfork");
}
