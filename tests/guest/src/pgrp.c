// SPDX-License-Identifier: MIT
/*
 * Process groups and sessions: setpgid/getpgid/getsid on a child (and
 * their errors: ESRCH, EINVAL, EPERM, EACCES after the child's exec),
 * setsid, and kill(0, sig) / kill(-pgid, sig) reaching every process of
 * the group, the caller included. (kill(-1) is not tried: on the host it
 * would reach every process of the machine.)
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static volatile sig_atomic_t got;

static void on_sig(int sig)
{
	(void)sig;
	got++;
}

/* A child that waits until *release is closed (or written to). */
static pid_t waiting_child(int release[2])
{
	if (pipe(release))
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(release[1]);
		read(release[0], &c, 1);
		_exit(0);
	}
	close(release[0]);
	return pid;
}

static void reap(pid_t pid, int release[2])
{
	close(release[1]);
	waitpid(pid, NULL, 0);
}

static void groups(void)
{
	int rel[2];
	pid_t me = getpid(), c = waiting_child(rel);

	check(getpgid(c) == getpgid(0), "getpgid(child): the parent's group",
	      "%d vs %d errno %d", (int)getpgid(c), (int)getpgid(0), errno);
	check(getsid(c) == getsid(0), "getsid(child): the parent's session",
	      "%d vs %d errno %d", (int)getsid(c), (int)getsid(0), errno);
	check_zero(setpgid(c, c), "setpgid(child, child)");
	check(getpgid(c) == c, "getpgid(child) is now its pid", "%d",
	      (int)getpgid(c));
	check_zero(setpgid(c, getpgid(0)), "setpgid(child, our group)");
	check(getpgid(c) == getpgid(0), "back in our group", "%d",
	      (int)getpgid(c));
	check_zero(setpgid(c, 0), "setpgid(child, 0)");
	check(getpgid(c) == c, "pgid 0 means the child's pid", "%d",
	      (int)getpgid(c));
	check_errno(setpgid(c, -1), -1, EINVAL, "setpgid(child, -1): EINVAL");
	check_errno(setpgid(c, 999999), -1, EPERM,
		    "setpgid to a group that does not exist: EPERM");
	check_errno(getpgid(999999), -1, ESRCH, "getpgid(no such pid): ESRCH");
	check_errno(getsid(999999), -1, ESRCH, "getsid(no such pid): ESRCH");
	check_errno(setpgid(999999, 0), -1, ESRCH,
		    "setpgid(no such pid): ESRCH");
	check(getpgid(me) == getpgid(0) && getsid(me) == getsid(0),
	      "getpgid/getsid of our own pid", "%d %d", (int)getpgid(me),
	      (int)getsid(me));
	reap(c, rel);

	/* a child that made its own session */
	int p[2];
	if (pipe(p))
		return;
	fflush(stdout);
	pid_t s = fork();
	if (s == 0) {
		pid_t sid = setsid();
		write(p[1], &sid, sizeof(sid));
		pause();
		_exit(0);
	}
	pid_t sid = 0;
	read(p[0], &sid, sizeof(sid));
	check(sid == s && getsid(s) == s && getpgid(s) == s,
	      "setsid in a child: its own session and group", "%d %d %d",
	      (int)sid, (int)getsid(s), (int)getpgid(s));
	check_errno(setpgid(s, getpgid(0)), -1, EPERM,
		    "setpgid of a session leader: EPERM");
	kill(s, SIGKILL);
	waitpid(s, NULL, 0);
	setpgid(0, 0); /* a group leader, if not a session leader already */
	check_errno(setsid(), -1, EPERM, "setsid as a group leader: EPERM");
	close(p[0]);
	close(p[1]);
}

/* setpgid on a child that has exec'd: EACCES. */
static void after_exec(void)
{
	int ready[2], rel[2];
	char a[16], b[16];

	if (pipe(ready) || pipe(rel))
		return;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		snprintf(a, sizeof(a), "%d", ready[1]);
		snprintf(b, sizeof(b), "%d", rel[0]);
		close(rel[1]);
		char *argv[] = {"pgrp", "exec-child", a, b, NULL};
		execv("/proc/self/exe", argv);
		_exit(99);
	}
	close(ready[1]);
	close(rel[0]);
	char ch = 0;
	read(ready[0], &ch, 1);
	check(ch == 'r', "the child exec'd", "%d", ch);
	check_errno(setpgid(c, c), -1, EACCES,
		    "setpgid(child) after its exec: EACCES");
	close(rel[1]);
	int st = 0;
	waitpid(c, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exec'd child exits 0",
	      "status %x", st);
	close(ready[0]);
}

/* A member of our new group: dies of the group signal. */
static pid_t member(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void expect_killed(pid_t pid, int sig, const char *what)
{
	int st = 0;

	check(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) &&
		      WTERMSIG(st) == sig,
	      what, "status %x", st);
}

/* In a child that leads a new group: kill(0) and kill(-pgid). */
static int group_kill_child(void)
{
	guest_failures = 0; /* count only this process's checks */
	setpgid(0, 0);
	pid_t g1 = member(), g2 = member();
	signal(SIGUSR1, on_sig);
	check_zero(kill(0, SIGUSR1), "kill(0, SIGUSR1)");
	check(got == 1, "kill(0): the caller gets it", "%d", (int)got);
	expect_killed(g1, SIGUSR1, "kill(0): group member 1 killed");
	expect_killed(g2, SIGUSR1, "kill(0): group member 2 killed");

	pid_t g3 = member();
	signal(SIGUSR2, on_sig);
	check_zero(kill(-getpgrp(), SIGUSR2), "kill(-own pgid, SIGUSR2)");
	check(got == 2, "kill(-own pgid): the caller gets it", "%d", (int)got);
	expect_killed(g3, SIGUSR2, "kill(-own pgid): the member killed");

	pid_t g4 = member();
	check_zero(kill(0, 0), "kill(0, 0): the group exists");
	kill(g4, SIGKILL);
	waitpid(g4, NULL, 0);
	fflush(stdout);
	return guest_failures;
}

static void group_kill(void)
{
	fflush(stdout);
	pid_t c = fork();
	if (c == 0)
		_exit(group_kill_child());
	int st = 0;
	pid_t w = waitpid(c, &st, 0);
	check(w == c && WIFEXITED(st) && !WEXITSTATUS(st),
	      "the group leader's checks", "waitpid %d errno %d status %x",
	      (int)w, errno, st);

	/* from outside: kill(-pgid) reaches a group we are not in */
	int rel[2];
	pid_t d = waiting_child(rel);
	setpgid(d, d);
	check_zero(kill(-d, SIGTERM), "kill(-pgid of a child's group)");
	expect_killed(d, SIGTERM, "kill(-pgid): the child killed");
	close(rel[1]);
	check_errno(kill(-999999, SIGTERM), -1, ESRCH,
		    "kill(-pgid of no group): ESRCH");
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "exec-child")) {
		char c;
		write(atoi(argv[2]), "r", 1);
		read(atoi(argv[3]), &c, 1);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	groups();
	after_exec();
	group_kill();
	guest_exit("pgrp");
}
