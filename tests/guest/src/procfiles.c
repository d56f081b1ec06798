/* SPDX-License-Identifier: MIT */
/*
 * /proc files that LTP and real programs read: /proc/sys/kernel's pid_max
 * (at least every pid seen), threads-max, ostype, hostname, boot_id and
 * uuid; /proc/self/stat's fields against the syscalls (pid, state, ppid,
 * pgrp, session, num_threads with threads started, utime and cutime
 * growing with work, starttime moving with
 * time, vsize and rss with a mapping); /proc/PID/{stat,status,comm} of a
 * child (sleeping, then a zombie, then gone), /proc listing it;
 * /proc/self/ns links in Linux's format, their stat inode matching; and
 * /proc/config.gz a whole gzip stream. Only behaviour is printed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static char buf[1 << 16];

/* The file's contents (NUL-terminated) and length, or -1. */
static long slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return r < 0 ? -1 : n;
}

static long read_num(const char *path)
{
	char *end;

	if (slurp(path) <= 0)
		return -1;
	long v = strtol(buf, &end, 10);
	return end != buf && *end == '\n' ? v : -1;
}

static bool is_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
			return false;
	}
	return s[36] == '\n' && !s[37];
}

static void sys_kernel(void)
{
	long pid_max = read_num("/proc/sys/kernel/pid_max");
	int child = fork();

	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	check(pid_max >= getpid() && pid_max >= child && pid_max >= 301,
	      "procfiles: pid_max covers every pid", "pid_max %ld pid %d",
	      pid_max, child);
	long tmax = read_num("/proc/sys/kernel/threads-max");
	check(tmax >= 20, "procfiles: threads-max", "%ld", tmax);
	/* a number (LTP's tst_taint reads it; 0 here and on a clean host) */
	long tainted = read_num("/proc/sys/kernel/tainted");
	check(tainted >= 0, "procfiles: tainted is a number", "%ld", tainted);
	check(slurp("/proc/sys/kernel/ostype") > 0 && !strcmp(buf, "Linux\n"),
	      "procfiles: ostype", "%s", buf);
	struct utsname u;
	uname(&u);
	check(slurp("/proc/sys/kernel/osrelease") > 0 &&
		      !strncmp(buf, u.release, strlen(u.release)),
	      "procfiles: osrelease is uname's", "%s", buf);
	check(slurp("/proc/sys/kernel/hostname") > 0 &&
		      !strncmp(buf, u.nodename, strlen(u.nodename)),
	      "procfiles: hostname is uname's", "%s", buf);
	char id[64];
	slurp("/proc/sys/kernel/random/boot_id");
	strcpy(id, buf);
	slurp("/proc/sys/kernel/random/boot_id");
	check(is_uuid(id) && !strcmp(id, buf), "procfiles: boot_id stable",
	      "%s", id);
	slurp("/proc/sys/kernel/random/uuid");
	strcpy(id, buf);
	slurp("/proc/sys/kernel/random/uuid");
	check(is_uuid(id) && is_uuid(buf) && strcmp(id, buf),
	      "procfiles: uuid fresh", "%s", id);
}

struct pstat {
	int pid, ppid, pgrp, sid;
	char state;
	char comm[32];
	long threads;
	unsigned long long utime, stime, cutime, cstime;
	unsigned long long start, vsize;
	long rss;
};

/* Parse a /proc/PID/stat; false if it cannot be read. */
static bool read_stat(const char *path, struct pstat *s)
{
	if (slurp(path) <= 0)
		return false;
	char *l = strchr(buf, '('), *r = strrchr(buf, ')');
	if (!l || !r || r - l - 1 >= (long)sizeof(s->comm))
		return false;
	memcpy(s->comm, l + 1, r - l - 1);
	s->comm[r - l - 1] = 0;
	s->pid = atoi(buf);
	return sscanf(r + 2,
		      "%c %d %d %d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu "
		      "%llu %*d %*d %ld %*d %llu %llu %ld",
		      &s->state, &s->ppid, &s->pgrp, &s->sid, &s->utime,
		      &s->stime, &s->cutime, &s->cstime, &s->threads, &s->start,
		      &s->vsize, &s->rss) == 12;
}

/* Spin in user mode for ms of CPU time. */
static void burn_ms(long ms)
{
	struct timespec t0, t;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			x += i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
			 (t.tv_nsec - t0.tv_nsec) / 1000000 <
		 ms);
}

static void *idle_thread(void *arg)
{
	volatile int *stop = arg;

	while (!*stop)
		usleep(1000);
	return NULL;
}

static void self_stat(void)
{
	struct pstat s;
	bool ok = read_stat("/proc/self/stat", &s);

	check(ok && s.pid == getpid() && s.state == 'R' &&
		      s.ppid == getppid() && s.pgrp == getpgrp() &&
		      s.sid == getsid(0) && !strcmp(s.comm, "procfiles"),
	      "procfiles: self/stat ids and state",
	      "pid %d state %c ppid %d/%d pgrp %d/%d sid %d/%d comm %s", s.pid,
	      s.state, s.ppid, getppid(), s.pgrp, getpgrp(), s.sid, getsid(0),
	      s.comm);
	check(ok && s.threads == 1, "procfiles: num_threads 1", "%ld",
	      s.threads);
	pthread_t t[2];
	volatile int stop = 0;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, idle_thread, (void *)&stop);
	struct pstat s3;
	read_stat("/proc/self/stat", &s3);
	check(s3.threads == 3, "procfiles: num_threads counts threads", "%ld",
	      s3.threads);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", getpid());
	struct pstat sp;
	check(read_stat(path, &sp) && sp.pid == getpid() && sp.threads == 3,
	      "procfiles: /proc/PID/stat is self's", "pid %d threads %ld",
	      sp.pid, sp.threads);
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);

	/* vsize and rss follow a 64 MiB mapping, 4 MiB of it touched */
	size_t len = 64 << 20;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct pstat a;
	read_stat("/proc/self/stat", &a);
	for (size_t i = 0; i < (4 << 20); i += 4096)
		m[i] = 1;
	struct pstat b;
	read_stat("/proc/self/stat", &b);
	check(a.vsize >= s.vsize + len, "procfiles: vsize counts a mapping",
	      "%llu -> %llu", s.vsize, a.vsize);
	/* (Linux counts a thread's faults in batches: allow for the lag) */
	check(b.rss >= a.rss + 512, "procfiles: rss counts touched pages",
	      "%ld -> %ld", a.rss, b.rss);
	munmap(m, len);

	/* utime grows with 300 ms of user-mode work; the children's times
	 * with a reaped child's 200 ms */
	struct pstat u0, u1;
	read_stat("/proc/self/stat", &u0);
	burn_ms(300);
	read_stat("/proc/self/stat", &u1);
	check(u1.utime >= u0.utime + 15, "procfiles: utime grows",
	      "%llu -> %llu", u0.utime, u1.utime);
	int busy = fork();
	if (busy == 0) {
		burn_ms(200);
		_exit(0);
	}
	waitpid(busy, NULL, 0);
	read_stat("/proc/self/stat", &u0);
	check(u0.cutime + u0.cstime >= u1.cutime + u1.cstime + 10,
	      "procfiles: cutime counts a reaped child", "%llu+%llu", u0.cutime,
	      u0.cstime);

	/* starttime: ticks after boot, at most uptime; a child started
	 * 300 ms later starts at least 20 ticks later */
	double up = 0;
	if (slurp("/proc/uptime") > 0)
		up = atof(buf);
	check(s.start <= up * 100 + 1, "procfiles: starttime before now",
	      "start %llu uptime %.2f", s.start, up);
	usleep(300000);
	int p[2];
	if (pipe(p))
		return;
	int child = fork();
	if (child == 0) {
		struct pstat c;
		read_stat("/proc/self/stat", &c);
		long d = (long)(c.start - s.start);
		if (write(p[1], &d, sizeof(d)) < 0)
			_exit(1);
		_exit(0);
	}
	long d = -1;
	if (read(p[0], &d, sizeof(d)) != sizeof(d))
		d = -1;
	waitpid(child, NULL, 0);
	close(p[0]);
	close(p[1]);
	check(d >= 20 && d < 1000, "procfiles: starttime moves", "delta %ld",
	      d);
}

/* Wait up to 3 s for /proc/PID/stat to show state. */
static bool wait_state(const char *path, char state, struct pstat *s)
{
	for (int i = 0; i < 300; i++) {
		if (read_stat(path, s) && s->state == state)
			return true;
		usleep(10000);
	}
	return false;
}

static bool proc_lists(int pid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;

	while (d && (e = readdir(d)))
		found |= atoi(e->d_name) == pid;
	if (d)
		closedir(d);
	return found;
}

/* The status line "Key:\tvalue" as a number, or -1. */
static long status_num(const char *key)
{
	char *p = strstr(buf, key);

	return p ? atol(p + strlen(key)) : -1;
}

static void other_pid(void)
{
	int p[2];

	if (pipe(p))
		return;
	int child = fork();
	if (child == 0) {
		char c;
		close(p[1]);
		while (read(p[0], &c, 1) < 0)
			;
		_exit(4);
	}
	close(p[0]);
	char path[64];
	struct pstat s;
	snprintf(path, sizeof(path), "/proc/%d/stat", child);
	check(wait_state(path, 'S', &s) && s.pid == child &&
		      s.ppid == getpid() && s.pgrp == getpgrp() &&
		      s.threads == 1 && !strcmp(s.comm, "procfiles"),
	      "procfiles: child's stat sleeping",
	      "state %c pid %d ppid %d threads %ld comm %s", s.state, s.pid,
	      s.ppid, s.threads, s.comm);
	/* (Linux batches a small process's rss: it may show 0) */
	check(s.vsize > 0, "procfiles: child's vsize", "%llu", s.vsize);
	snprintf(path, sizeof(path), "/proc/%d/status", child);
	check(slurp(path) > 0 && strstr(buf, "State:\tS (sleeping)") &&
		      status_num("\nPid:\t") == child &&
		      status_num("\nPPid:\t") == getpid() &&
		      status_num("\nThreads:\t") == 1 &&
		      status_num("\nVmSize:\t") > 0,
	      "procfiles: child's status", "%s", buf);
	snprintf(path, sizeof(path), "/proc/%d/comm", child);
	check(slurp(path) > 0 && !strcmp(buf, "procfiles\n"),
	      "procfiles: child's comm", "%s", buf);
	check(proc_lists(child) && proc_lists(getpid()),
	      "procfiles: /proc lists the pids", "missing");
	close(p[1]);
	snprintf(path, sizeof(path), "/proc/%d/stat", child);
	check(wait_state(path, 'Z', &s) && s.ppid == getpid(),
	      "procfiles: child's stat zombie", "state %c", s.state);
	snprintf(path, sizeof(path), "/proc/%d/status", child);
	check(slurp(path) > 0 && strstr(buf, "State:\tZ (zombie)"),
	      "procfiles: zombie's status", "%s", buf);
	int st;
	waitpid(child, &st, 0);
	snprintf(path, sizeof(path), "/proc/%d/stat", child);
	check_errno(open(path, O_RDONLY), -1, ENOENT,
		    "procfiles: reaped child gone");
	check(!proc_lists(child), "procfiles: /proc no longer lists it",
	      "listed");
}

static void namespaces(void)
{
	static const char *const ns[] = {"cgroup", "ipc",  "mnt",  "net",
					 "pid",	   "time", "user", "uts"};
	char path[64], link[64], type[16];
	unsigned long ino;

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = 0;
		int got = sscanf(link, "%15[a-z]:[%lu]", type, &ino);
		struct stat st;
		bool ok = got == 2 && !strcmp(type, ns[i]) &&
			  link[n - 1] == ']' && !stat(path, &st) &&
			  st.st_ino == ino;
		char what[64];
		snprintf(what, sizeof(what), "procfiles: ns/%s", ns[i]);
		check(ok, what, "link %s", link);
	}
	char a[64], b[64];
	ssize_t na = readlink("/proc/self/ns/pid", a, sizeof(a));
	ssize_t nb = readlink("/proc/self/ns/pid_for_children", b, sizeof(b));
	check(na > 0 && na == nb && !memcmp(a, b, na),
	      "procfiles: pid_for_children is pid", "differ");
	int fd = open("/proc/self/ns/mnt", O_RDONLY);
	check(fd >= 0, "procfiles: ns file opens", "errno %d", errno);
	if (fd >= 0) {
		struct stat s1, s2;
		fstat(fd, &s1);
		stat("/proc/self/ns/mnt", &s2);
		check(s1.st_ino == s2.st_ino, "procfiles: ns fd is the ns",
		      "%lu %lu", (unsigned long)s1.st_ino,
		      (unsigned long)s2.st_ino);
		close(fd);
	}
}

static void config_gz(void)
{
	long n = slurp("/proc/config.gz");
	const unsigned char *u = (const unsigned char *)buf;

	check(n > 100 && u[0] == 0x1f && u[1] == 0x8b && u[2] == 8,
	      "procfiles: config.gz is gzip", "size %ld", n);
	/* the trailer's ISIZE: the text is bigger than its compression */
	unsigned long isize = n > 8 ? u[n - 4] | u[n - 3] << 8 |
					      u[n - 2] << 16 |
					      (unsigned long)u[n - 1] << 24
				    : 0;
	check(isize > (unsigned long)n, "procfiles: config.gz whole stream",
	      "size %ld isize %lu", n, isize);
}

int main(void)
{
	sys_kernel();
	self_stat();
	other_pid();
	namespaces();
	config_gz();
	guest_exit("procfiles");
}
