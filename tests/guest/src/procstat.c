/* SPDX-License-Identifier: MIT */
/*
 * procstat: the CPU times /proc reports must move with real use. After
 * burning 300 ms of CPU time: /proc/self/stat's utime+stime grew by at
 * least 25 ticks; /proc/stat's busy columns grew (the old kernel showed
 * every CPU 100% idle); it has one cpuN line per online CPU; /proc/uptime's
 * idle time is at most uptime times the CPU count. /proc/self/status
 * shows the signal masks (blocked, ignored, caught) and the capability
 * lines programs read (OTP's inet_SUITE reads CapEff). Only behaviour is
 * printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "guest.h"

static char buf[16384];

static const char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	return buf;
}

/* utime + stime of /proc/self/stat (fields 14 and 15). */
static long self_ticks(void)
{
	const char *s = strrchr(slurp("/proc/self/stat"), ')');
	unsigned long ut = 0, st = 0;

	if (!s || sscanf(s + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%lu %lu",
			 &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

struct cpu_line {
	unsigned long long busy, idle;
};

/* The "cpu " totals; *ncpu_lines and *all_idle about the cpuN lines. */
static struct cpu_line stat_totals(int *ncpu_lines, bool *some_all_idle)
{
	struct cpu_line t = {0, 0};
	const char *p = slurp("/proc/stat");

	*ncpu_lines = 0;
	*some_all_idle = false;
	while (*p) {
		unsigned long long v[8] = {0};
		char name[16];
		if (sscanf(p, "%15s %llu %llu %llu %llu %llu %llu %llu %llu",
			   name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7]) == 9 &&
		    !strncmp(name, "cpu", 3)) {
			unsigned long long busy =
				v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
			unsigned long long idle = v[3] + v[4];
			if (!strcmp(name, "cpu")) {
				t.busy = busy;
				t.idle = idle;
			} else {
				++*ncpu_lines;
				if (!busy)
					*some_all_idle = true;
			}
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return t;
}

/* The hex value of /proc/self/status's line KEY, or -1 if missing. */
static long long status_hex(const char *key)
{
	const char *t = slurp("/proc/self/status");
	size_t kl = strlen(key);

	for (const char *l = t; *l;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "")
		if (!strncmp(l, key, kl) && l[kl] == ':')
			return strtoll(l + kl + 1, NULL, 16);
	return -1;
}

static void on_usr2(int sig)
{
	(void)sig;
}

static void test_status_signals_caps(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR2, on_usr2);
	long long blk = status_hex("SigBlk"), ign = status_hex("SigIgn"),
		  cgt = status_hex("SigCgt");
	check(blk >= 0 && (blk & (1LL << (SIGUSR1 - 1))),
	      "status: SigBlk has SIGUSR1", "%llx", blk);
	check(ign >= 0 && (ign & (1LL << (SIGPIPE - 1))) &&
		      !(ign & (1LL << (SIGUSR2 - 1))),
	      "status: SigIgn has SIGPIPE", "%llx", ign);
	check(cgt >= 0 && (cgt & (1LL << (SIGUSR2 - 1))) &&
		      !(cgt & (1LL << (SIGPIPE - 1))),
	      "status: SigCgt has SIGUSR2", "%llx", cgt);
	raise(SIGUSR1);
	long long pnd = status_hex("SigPnd") | status_hex("ShdPnd");
	check(pnd > 0 && (pnd & (1LL << (SIGUSR1 - 1))),
	      "status: a blocked raise shows as pending", "%llx", pnd);
	signal(SIGUSR1, SIG_IGN); /* discards it */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	long long eff = status_hex("CapEff"), bnd = status_hex("CapBnd");
	check(eff >= 0 && bnd >= 0 && (eff & ~bnd) == 0 &&
		      status_hex("CapInh") >= 0 && status_hex("CapAmb") >= 0,
	      "status: capability lines (CapEff within CapBnd)",
	      "eff %llx bnd %llx", eff, bnd);
}

int main(void)
{
	int lines;
	bool all_idle;
	long t0 = self_ticks();
	struct cpu_line s0 = stat_totals(&lines, &all_idle);
	int64_t start = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	volatile unsigned long spin = 0;

	while (now_ns(CLOCK_PROCESS_CPUTIME_ID) - start < 300000000)
		spin++;
	long t1 = self_ticks();
	struct cpu_line s1 = stat_totals(&lines, &all_idle);
	check(t0 >= 0 && t1 - t0 >= 25, "self utime+stime grew", "%ld -> %ld",
	      t0, t1);
	check(s1.busy - s0.busy >= 20, "/proc/stat busy time grew",
	      "%llu -> %llu", s0.busy, s1.busy);
	check(s1.idle >= s0.idle, "/proc/stat idle never shrinks",
	      "%llu -> %llu", s0.idle, s1.idle);
	check(lines == sysconf(_SC_NPROCESSORS_ONLN), "one line per CPU",
	      "%d lines, %ld cpus", lines, sysconf(_SC_NPROCESSORS_ONLN));
	(void)all_idle; /* an unused vCPU may truly have been idle throughout */
	double up = 0, idle = 0;
	check(sscanf(slurp("/proc/uptime"), "%lf %lf", &up, &idle) == 2 &&
		      idle <= up * sysconf(_SC_NPROCESSORS_ONLN) + 1,
	      "/proc/uptime idle within bounds", "up %.2f idle %.2f", up, idle);
	test_status_signals_caps();
	guest_exit("procstat");
}
