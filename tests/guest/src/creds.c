/* SPDX-License-Identifier: MIT */
/*
 * creds: the credential calls of a root process (the harness runs the host
 * side as root, as Kiln runs everything): getresuid/getresgid, set*id to 0
 * and to -1 ("unchanged"), the invalid id -1 for setuid, getgroups'
 * argument check and agreement between its two forms, setfsuid's return.
 * Raw syscalls, so neither libc adds its own checks. Only behaviour is
 * printed.
 */
#define _GNU_SOURCE
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

int main(void)
{
	unsigned r = 1, e = 1, s = 1;

	uts_names();

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
