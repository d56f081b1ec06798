/* SPDX-License-Identifier: MIT */
/*
 * creds: the credential calls of a root process (the harness runs the host
 * side as root, as Kiln runs everything): getresuid/getresgid, set*id to 0
 * and to -1 ("unchanged"), the invalid id -1 for setuid, getgroups'
 * argument check and agreement between its two forms, setfsuid's return.
 * In a child, the gid setters really change the ids (getresgid shows
 * them), as setresuid does (getuid, geteuid), and sethostname/setdomainname
 * really change uname's names: in a new UTS namespace on the host, in the whole
 * guest on Kiln (which has no namespaces; the names are put back). Raw
 * syscalls, so neither libc adds its own checks. Only behaviour is printed.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

/* sethostname/setdomainname without changing the host's names: the
 * errors, and setting each to what it already is. */
static void uts_names(void)
{
	struct utsname u;
	char big[80];

	memset(big, 'x', sizeof big);
	check_errno(sethostname(big, 65), -1, EINVAL,
		    "sethostname of 65 bytes EINVAL");
	check_errno(syscall(SYS_setdomainname, big, 65), -1, EINVAL,
		    "setdomainname of 65 bytes EINVAL");
	uname(&u);
	check_zero(sethostname(u.nodename, strlen(u.nodename)),
		   "sethostname to the same name");
	check_zero(
		syscall(SYS_setdomainname, u.domainname, strlen(u.domainname)),
		"setdomainname to the same name");
	struct utsname v;
	uname(&v);
	check(!strcmp(u.nodename, v.nodename) &&
		      !strcmp(u.domainname, v.domainname),
	      "uname after setting the same names", "%s %s", v.nodename,
	      v.domainname);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		setuid(65534);
		_exit(sethostname(u.nodename, strlen(u.nodename)) == -1 &&
				      errno == EPERM
			      ? 0
			      : 1);
	}
	int st = 0;
	waitpid(c, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "sethostname by a non-root process EPERM", "status %#x", st);
}

/* 0 if getresgid shows r e s. */
static int resgid_is(unsigned r, unsigned e, unsigned s)
{
	unsigned a = ~0u, b = ~0u, c = ~0u;

	if (syscall(SYS_getresgid, &a, &b, &c))
		return 1;
	return a == r && b == e && c == s ? 0 : 1;
}

/* Run fn in a child; its exit status (0: every step held). */
static int in_child(int (*fn)(void), unsigned long clone_flags)
{
	fflush(stdout);
	long pid = syscall(SYS_clone, clone_flags | SIGCHLD, 0, NULL, NULL, 0);
	if (pid == 0)
		_exit(fn());
	int st = -1;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The step that failed (1..), or 0. */
static int gid_steps(void)
{
	if (syscall(SYS_setresgid, 1, 2, 3) || resgid_is(1, 2, 3))
		return 1;
	if (syscall(SYS_setresgid, -1, 4, -1) || resgid_is(1, 4, 3))
		return 2;
	/* a real gid given: saved = the new effective */
	if (syscall(SYS_setregid, 5, 6) || resgid_is(5, 6, 6))
		return 3;
	if (syscall(SYS_setregid, -1, 7) || resgid_is(5, 7, 7))
		return 4;
	if (syscall(SYS_setgid, 8) || resgid_is(8, 8, 8) || getegid() != 8 ||
	    getgid() != 8)
		return 5;
	return 0;
}

static pid_t parent_pid;

/* The uid side, and getppid; the step that failed (1..), or 0. */
static int uid_steps(void)
{
	unsigned r = ~0u, e = ~0u, s = ~0u;

	if (getppid() != parent_pid)
		return 1;
	if (syscall(SYS_setresuid, 1, 2, 3) ||
	    syscall(SYS_getresuid, &r, &e, &s) || r != 1 || e != 2 || s != 3)
		return 2;
	if (getuid() != 1 || geteuid() != 2)
		return 3;
	return 0;
}

static void uid_getters(void)
{
	parent_pid = getpid();
	int r = in_child(uid_steps, 0);
	check(r == 0, "getppid, getuid, geteuid after setresuid", "step %d", r);
}

static void gid_setters(void)
{
	int r = in_child(gid_steps, 0);
	check(r == 0, "setresgid, setregid, setgid change the gids", "step %d",
	      r);
}

static struct utsname orig_names;

static int uts_steps(void)
{
	struct utsname u;
	int ret = 0;

	if (sethostname("kiln-audit", 10) ||
	    syscall(SYS_setdomainname, "audit.test", 10))
		ret = 1;
	else if (uname(&u) || strcmp(u.nodename, "kiln-audit") ||
		 strcmp(u.domainname, "audit.test"))
		ret = 2;
	sethostname(orig_names.nodename, strlen(orig_names.nodename));
	syscall(SYS_setdomainname, orig_names.domainname,
		strlen(orig_names.domainname));
	return ret;
}

/* Kiln has no UTS namespaces (clone says EINVAL); never change the
 * host's names. */
static bool is_kiln(void)
{
	return strstr(orig_names.version, "Kiln") != NULL;
}

static void uts_change(void)
{
	uname(&orig_names);
	int r = is_kiln() ? in_child(uts_steps, 0)
			  : in_child(uts_steps, CLONE_NEWUTS);
	struct utsname now;
	uname(&now);
	check(r == 0, "sethostname, setdomainname: uname shows the new names",
	      "step %d", r);
	check(!strcmp(now.nodename, orig_names.nodename) &&
		      !strcmp(now.domainname, orig_names.domainname),
	      "the names are ours again after", "%s %s", now.nodename,
	      now.domainname);
}

int main(void)
{
	unsigned r = 1, e = 1, s = 1;

	uts_names();
	uts_change();
	gid_setters();
	uid_getters();

	check(!syscall(SYS_getresuid, &r, &e, &s) && !r && !e && !s,
	      "getresuid 0 0 0", "%u %u %u", r, e, s);
	r = e = s = 1;
	check(!syscall(SYS_getresgid, &r, &e, &s) && !r && !e && !s,
	      "getresgid 0 0 0", "%u %u %u", r, e, s);
	check_errno(syscall(SYS_getresuid, &r, (void *)8, &s), -1, EFAULT,
		    "getresuid bad pointer");
	check_zero(syscall(SYS_setuid, 0), "setuid 0");
	check_zero(syscall(SYS_setgid, 0), "setgid 0");
	check_errno(syscall(SYS_setuid, -1), -1, EINVAL, "setuid -1");
	check_zero(syscall(SYS_setreuid, -1, 0), "setreuid -1 0");
	check_zero(syscall(SYS_setregid, 0, -1), "setregid 0 -1");
	check_zero(syscall(SYS_setresuid, -1, -1, -1), "setresuid unchanged");
	check_zero(syscall(SYS_setresgid, 0, 0, 0), "setresgid 0");
	check(syscall(SYS_setfsuid, 0) == 0 && syscall(SYS_setfsgid, -1) == 0,
	      "setfsuid returns the old id", "errno %d", errno);
	check(syscall(SYS_geteuid) == 0 && syscall(SYS_getuid) == 0,
	      "still root", "euid %ld", syscall(SYS_geteuid));
	check_errno(syscall(SYS_getgroups, -1, NULL), -1, EINVAL,
		    "getgroups negative size");
	long n = syscall(SYS_getgroups, 0, NULL);
	unsigned groups[256];
	long m = n >= 0 && n <= 256 ? syscall(SYS_getgroups, 256, groups) : -2;
	check(n >= 0 && m == n, "getgroups count agrees", "%ld %ld", n, m);
	guest_exit("creds");
}
