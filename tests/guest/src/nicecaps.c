/* SPDX-License-Identifier: MIT */
/*
 * nicecaps: nice values and capability sets, per process.
 * Nice: setpriority clamps to -20..19, getpriority reads it back (the raw
 * syscall as 20 - nice), /proc/PID/stat shows priority and nice, fork
 * inherits it, a child's change leaves the parent alone, PRIO_PROCESS /
 * PRIO_PGRP / PRIO_USER reach other processes (the lowest nice of a
 * group), an unprivileged process may raise but not lower its nice
 * (EACCES) and may not touch root's processes (EPERM); EINVAL, ESRCH.
 * PRIO_USER is only used with uids no host process has.
 * Capabilities: capget's version probe, versions 1, 2 and 3, another
 * pid's sets, capset's rules (effective within permitted, permitted only
 * shrinks, inheritable within inheritable | permitted once CAP_SETPCAP is
 * gone), EPERM on another process, and a capability dropped from the
 * effective set really refused (chown). Raw values are not printed: the
 * host's root may lack some capabilities.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

/* linux/capability.h (musl-gcc has no kernel headers) */
#define _LINUX_CAPABILITY_VERSION_1 0x19980330
#define _LINUX_CAPABILITY_VERSION_2 0x20071026
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define CAP_CHOWN		    0
#define CAP_KILL		    5
#define CAP_SETGID		    6
#define CAP_SETPCAP		    8
#define CAP_NET_RAW		    13
struct __user_cap_header_struct {
	uint32_t version;
	int pid;
};
struct __user_cap_data_struct {
	uint32_t effective, permitted, inheritable;
};

#define NOBODY	 65534
#define LONE_UID 54321 /* no host process runs as it */

static long raw_getprio(int which, int who)
{
	return syscall(SYS_getpriority, which, who);
}

static long raw_setprio(int which, int who, int nice)
{
	return syscall(SYS_setpriority, which, who, nice);
}

/* Fields 18 and 19 (priority, nice) of /proc/PID/stat. */
static bool stat_prio(pid_t pid, int *prio, int *nice)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	/* after ") ": state is field 3; priority is field 18 */
	long v[17];
	return p &&
	       sscanf(p + 2,
		      "%*c %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld "
		      "%ld %ld %ld %ld",
		      &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		      &v[8], &v[9], &v[10], &v[11], &v[12], &v[13], &v[14],
		      &v[15]) == 16 &&
	       (*prio = (int)v[14], *nice = (int)v[15], true);
}

/* A child that waits on a pipe, then exits with its nice + 20. */
struct waiter {
	pid_t pid;
	int go;
};

static struct waiter spawn_waiter(uid_t uid)
{
	int p[2], ready[2];
	struct waiter w = {-1, -1};
	if (pipe(p) || pipe(ready))
		return w;
	fflush(stdout);
	w.pid = fork();
	if (w.pid == 0) {
		char c;
		if (uid)
			guest_drop_to(uid, 0, NULL);
		fflush(stdout);
		if (write(ready[1], "r", 1) != 1 || read(p[0], &c, 1) != 1)
			_exit(99);
		_exit(20 + getpriority(PRIO_PROCESS, 0));
	}
	char c;
	if (read(ready[0], &c, 1) != 1)
		printf("waiter not ready\n");
	close(p[0]), close(ready[0]), close(ready[1]);
	w.go = p[1];
	return w;
}

/* Let w exit; its nice. */
static int finish_waiter(struct waiter w)
{
	int st = -1;
	if (write(w.go, "g", 1) != 1)
		return 100;
	close(w.go);
	waitpid(w.pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) - 20 : 100;
}

static void nobody_nice(void)
{
	pid_t parent = getppid();
	struct rlimit r = {0, 0};
	getrlimit(RLIMIT_NICE, &r);
	r.rlim_cur = 0;
	check_zero(setrlimit(RLIMIT_NICE, &r), "RLIMIT_NICE soft 0");
	guest_drop_to(NOBODY, 0, NULL);
	check(getpriority(PRIO_PROCESS, 0) == 5, "nobody inherits nice 5", "%d",
	      getpriority(PRIO_PROCESS, 0));
	check_zero(setpriority(PRIO_PROCESS, 0, 10), "nobody raises nice");
	check_errno(setpriority(PRIO_PROCESS, 0, 7), -1, EACCES,
		    "nobody lowers nice");
	check(getpriority(PRIO_PROCESS, 0) == 10, "nice still 10", "%d",
	      getpriority(PRIO_PROCESS, 0));
	check_zero(setpriority(PRIO_PROCESS, 0, 10), "nobody keeps nice");
	check_zero(setpriority(PRIO_PROCESS, 0, 50), "nobody clamps to 19");
	check(raw_getprio(PRIO_PROCESS, 0) == 1, "raw getpriority 1", "%ld",
	      raw_getprio(PRIO_PROCESS, 0));
	check_errno(setpriority(PRIO_PROCESS, parent, 19), -1, EPERM,
		    "nobody renices root's process");
	check(getpriority(PRIO_PROCESS, parent) == 5,
	      "nobody reads root's nice", "errno %d", errno);
}

/* Set and read this thread's nice through its tid; 0 if it works. */
static void *tid_nice(void *arg)
{
	int tid = (int)syscall(SYS_gettid);
	long bad = setpriority(PRIO_PROCESS, tid, 6) ||
		   getpriority(PRIO_PROCESS, tid) != 6 ||
		   setpriority(PRIO_PROCESS, tid, 5) ||
		   getpriority(PRIO_PROCESS, tid) != 5;
	(void)arg;
	return (void *)bad;
}

static void nice_checks(void)
{
	check_zero(setpriority(PRIO_PROCESS, 0, 0), "setpriority 0");
	check(raw_getprio(PRIO_PROCESS, 0) == 20, "raw getpriority 20", "%ld",
	      raw_getprio(PRIO_PROCESS, 0));
	check_zero(setpriority(PRIO_PROCESS, 0, 5), "setpriority 5");
	errno = 0;
	check(getpriority(PRIO_PROCESS, 0) == 5 && !errno, "getpriority 5",
	      "%d", getpriority(PRIO_PROCESS, 0));
	check(raw_getprio(PRIO_PROCESS, getpid()) == 15, "raw getpriority 15",
	      "%ld", raw_getprio(PRIO_PROCESS, getpid()));
	int prio = 0, nice = 0;
	check(stat_prio(getpid(), &prio, &nice) && prio == 25 && nice == 5,
	      "/proc/self/stat priority 25 nice 5", "%d %d", prio, nice);
	check_zero(raw_setprio(PRIO_PROCESS, 0, 100), "setpriority 100");
	check(getpriority(PRIO_PROCESS, 0) == 19, "clamped to 19", "%d",
	      getpriority(PRIO_PROCESS, 0));
	check_zero(raw_setprio(PRIO_PROCESS, 0, -100), "setpriority -100");
	check(getpriority(PRIO_PROCESS, 0) == -20, "clamped to -20", "%d",
	      getpriority(PRIO_PROCESS, 0));
	check_zero(setpriority(PRIO_PROCESS, 0, 5), "back to 5");
	/* another thread by its id (on Linux its own nice, here the
	 * process's: only what both agree on is checked) */
	pthread_t t;
	long tr = -1;
	if (!pthread_create(&t, NULL, tid_nice, NULL))
		pthread_join(t, (void **)&tr);
	check(tr == 0, "a thread's nice by its tid", "%ld", tr);
	check_errno(raw_setprio(3, 0, 0), -1, EINVAL, "setpriority which 3");
	check_errno(raw_getprio(3, 0), -1, EINVAL, "getpriority which 3");
	check_errno(raw_getprio(PRIO_PROCESS, 0x7fffffff), -1, ESRCH,
		    "getpriority missing pid");
	check_errno(raw_setprio(PRIO_PROCESS, 0x7fffffff, 0), -1, ESRCH,
		    "setpriority missing pid");
	check_errno(raw_getprio(PRIO_USER, LONE_UID), -1, ESRCH,
		    "getpriority user without processes");

	/* fork inherits; the child's change stays in the child */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(getpriority(PRIO_PROCESS, 0) != 5 ||
		      setpriority(PRIO_PROCESS, 0, 12) ||
		      getpriority(PRIO_PROCESS, 0) != 12);
	int st = -1;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && !WEXITSTATUS(st), "child inherits nice 5",
	      "status %#x", st);
	check(getpriority(PRIO_PROCESS, 0) == 5, "parent keeps nice 5", "%d",
	      getpriority(PRIO_PROCESS, 0));

	/* another process by pid; a group's lowest nice */
	struct waiter w = spawn_waiter(0);
	check_zero(setpriority(PRIO_PROCESS, w.pid, 3), "renice a child");
	check(stat_prio(w.pid, &prio, &nice) && prio == 23 && nice == 3,
	      "child's /proc stat nice 3", "%d %d", prio, nice);
	check(getpriority(PRIO_PGRP, 0) == 3, "group's lowest nice 3", "%d",
	      getpriority(PRIO_PGRP, 0));
	check(finish_waiter(w) == 3, "child exits with nice 3", "wrong");
	check(getpriority(PRIO_PGRP, getpgrp()) == 5, "group's nice 5", "%d",
	      getpriority(PRIO_PGRP, getpgrp()));

	/* a user's processes */
	w = spawn_waiter(LONE_UID);
	check(getpriority(PRIO_USER, LONE_UID) == 5, "user's nice 5", "%d",
	      getpriority(PRIO_USER, LONE_UID));
	check_zero(setpriority(PRIO_USER, LONE_UID, 8), "renice a user");
	check(finish_waiter(w) == 8, "user's process got nice 8", "wrong");

	guest_in_child("nobody's nice", nobody_nice);
	check_zero(setpriority(PRIO_PROCESS, 0, 0), "nice back to 0");
}

#define BIT(c) (1ULL << (c))

struct caps {
	uint64_t eff, perm, inh;
};

static long capget_v(uint32_t version, pid_t pid, struct caps *c)
{
	struct __user_cap_header_struct h = {version, pid};
	struct __user_cap_data_struct d[2] = {{0}};
	long r = syscall(SYS_capget, &h, d);
	c->eff = d[0].effective | (uint64_t)d[1].effective << 32;
	c->perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	c->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return r;
}

static long capset_v(uint32_t version, pid_t pid, const struct caps *c)
{
	struct __user_cap_header_struct h = {version, pid};
	struct __user_cap_data_struct d[2] = {
		{(uint32_t)c->eff, (uint32_t)c->perm, (uint32_t)c->inh},
		{(uint32_t)(c->eff >> 32), (uint32_t)(c->perm >> 32),
		 (uint32_t)(c->inh >> 32)}};
	return syscall(SYS_capset, &h, d);
}

static struct caps now(void)
{
	struct caps c;
	capget_v(_LINUX_CAPABILITY_VERSION_3, 0, &c);
	return c;
}

static void caps_drop_child(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/nicecaps.%d", (int)getpid());
	int fd = open(path, O_CREAT | O_RDWR, 0600);
	struct caps c = now(), o = c;
	c.eff &= ~BIT(CAP_CHOWN);
	check_zero(capset_v(_LINUX_CAPABILITY_VERSION_3, 0, &c),
		   "capset drops CAP_CHOWN from effective");
	struct caps g = now();
	check(!(g.eff & BIT(CAP_CHOWN)) && (g.perm & BIT(CAP_CHOWN)) &&
		      g.perm == o.perm,
	      "capget shows it", "eff %llx", (unsigned long long)g.eff);
	check_errno(fchown(fd, 1, 1), -1, EPERM, "chown without CAP_CHOWN");
	c.eff |= BIT(CAP_CHOWN);
	check_zero(capset_v(_LINUX_CAPABILITY_VERSION_3, 0, &c),
		   "capset raises it again from permitted");
	check_zero(fchown(fd, 1, 1), "chown with CAP_CHOWN");
	c.eff &= ~BIT(CAP_CHOWN);
	c.perm &= ~BIT(CAP_CHOWN);
	check_zero(capset_v(_LINUX_CAPABILITY_VERSION_3, 0, &c),
		   "capset drops it from permitted");
	c.eff |= BIT(CAP_CHOWN);
	check_errno(capset_v(_LINUX_CAPABILITY_VERSION_3, 0, &c), -1, EPERM,
		    "effective outside permitted");
	c.perm |= BIT(CAP_CHOWN);
	check_errno(capset_v(_LINUX_CAPABILITY_VERSION_3, 0, &c), -1, EPERM,
		    "permitted grows");
	c = now();
	c.inh = BIT(CAP_KILL);
	check_zero(capset_v(_LINUX_CAPABILITY_VERSION_3, 0, &c),
		   "inheritable from permitted");
	check(now().inh == BIT(CAP_KILL), "capget inheritable", "wrong");
	c.eff &= ~(BIT(CAP_SETPCAP) | BIT(CAP_NET_RAW));
	c.perm &= ~(BIT(CAP_SETPCAP) | BIT(CAP_NET_RAW));
	check_zero(capset_v(_LINUX_CAPABILITY_VERSION_3, 0, &c),
		   "drop CAP_SETPCAP and CAP_NET_RAW");
	c.inh |= BIT(CAP_NET_RAW);
	check_errno(capset_v(_LINUX_CAPABILITY_VERSION_3, 0, &c), -1, EPERM,
		    "inheritable outside inheritable | permitted");
	c.inh = BIT(CAP_KILL) | BIT(CAP_SETGID);
	check_zero(capset_v(_LINUX_CAPABILITY_VERSION_3, 0, &c),
		   "inheritable within permitted");
	check_errno(capset_v(_LINUX_CAPABILITY_VERSION_3, getppid(), &c), -1,
		    EPERM, "capset of another process");
	check_zero(capset_v(_LINUX_CAPABILITY_VERSION_3, getpid(), &c),
		   "capset of own pid");
	/* version 1: one word; the upper half of the sets is cleared */
	struct caps v1;
	check_zero(capget_v(_LINUX_CAPABILITY_VERSION_1, 0, &v1), "capget v1");
	check(v1.eff == (uint32_t)c.eff && v1.perm == (uint32_t)c.perm,
	      "capget v1 is the low word", "wrong");
	check_zero(capset_v(_LINUX_CAPABILITY_VERSION_1, 0, &c), "capset v1");
	g = now();
	check(!(g.perm >> 32) && !(g.eff >> 32) &&
		      (uint32_t)g.perm == (uint32_t)c.perm,
	      "capset v1 clears the upper word", "perm %llx",
	      (unsigned long long)g.perm);
	unlink(path);
	close(fd);
}

static void caps_nobody_child(void)
{
	guest_drop_to(NOBODY, 0, NULL);
	struct caps c = now();
	check(!c.eff && !c.perm && !c.inh, "nobody has no capabilities",
	      "eff %llx", (unsigned long long)c.eff);
	c.eff = c.perm = BIT(CAP_CHOWN);
	check_errno(capset_v(_LINUX_CAPABILITY_VERSION_3, 0, &c), -1, EPERM,
		    "nobody raises a capability");
	c.eff = c.perm = 0;
	check_zero(capset_v(_LINUX_CAPABILITY_VERSION_3, 0, &c),
		   "nobody sets nothing");
}

static void cap_checks(void)
{
	struct __user_cap_header_struct h = {0, 0};
	check(syscall(SYS_capget, &h, NULL) == 0 &&
		      h.version == _LINUX_CAPABILITY_VERSION_3,
	      "capget version probe", "version %x", h.version);
	struct __user_cap_data_struct d[2];
	h.version = 0x12345678;
	check_errno(syscall(SYS_capget, &h, d), -1, EINVAL,
		    "capget bad version");
	check(h.version == _LINUX_CAPABILITY_VERSION_3,
	      "bad version gets v3 back", "%x", h.version);
	h.version = 1;
	check_errno(syscall(SYS_capset, &h, d), -1, EINVAL,
		    "capset bad version");
	h.version = _LINUX_CAPABILITY_VERSION_3;
	check_zero(syscall(SYS_capget, &h, NULL), "capget NULL data");
	struct caps c, c2;
	check_zero(capget_v(_LINUX_CAPABILITY_VERSION_3, 0, &c), "capget v3");
	check(c.eff == c.perm && (c.eff & BIT(CAP_CHOWN)) &&
		      (c.eff & BIT(CAP_SETPCAP)) && !c.inh,
	      "root: effective = permitted, no inheritable", "wrong");
	check_zero(capget_v(_LINUX_CAPABILITY_VERSION_2, 0, &c2), "capget v2");
	check(c2.eff == c.eff && c2.perm == c.perm, "v2 = v3", "wrong");
	check_zero(capget_v(_LINUX_CAPABILITY_VERSION_3, getpid(), &c2),
		   "capget own pid");
	check_errno(capget_v(_LINUX_CAPABILITY_VERSION_3, -1, &c2), -1, EINVAL,
		    "capget pid -1");
	check_errno(capget_v(_LINUX_CAPABILITY_VERSION_3, 0x7fffffff, &c2), -1,
		    ESRCH, "capget missing pid");
	guest_in_child("capabilities dropped", caps_drop_child);
	guest_in_child("nobody's capabilities", caps_nobody_child);

	/* another process's sets */
	struct waiter w = spawn_waiter(NOBODY);
	check(!capget_v(_LINUX_CAPABILITY_VERSION_3, w.pid, &c2) && !c2.eff &&
		      !c2.perm,
	      "capget of nobody's process", "eff %llx",
	      (unsigned long long)c2.eff);
	finish_waiter(w);
	check(now().eff == c.eff, "parent's capabilities unchanged", "wrong");
}

int main(void)
{
	setpgid(0, 0); /* a group of its own (fails harmlessly if a leader) */
	nice_checks();
	cap_checks();
	guest_exit("nicecaps");
}
