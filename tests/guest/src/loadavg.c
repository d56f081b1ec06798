// SPDX-License-Identifier: MIT
/*
 * Load averages: two threads spin for 11 s, then /proc/loadavg and
 * sysinfo() must show a 1-minute load of at least 0.2 (Linux moves it
 * toward the number of runnable threads every 5 s: two samples of n >= 2
 * give 0.31), agree with each other, and count this process's threads.
 * The host's own load only adds to both.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "guest.h"

static volatile int stop;

static void *spin(void *arg)
{
	(void)arg;
	while (!stop)
		;
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	struct sysinfo si;
	double l1, l5, l15;
	unsigned run, total;
	int last;

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, spin, NULL);
	int64_t end = now_ns(CLOCK_MONOTONIC) + 11000000000LL;
	while (now_ns(CLOCK_MONOTONIC) < end)
		usleep(100000);

	FILE *f = fopen("/proc/loadavg", "r");
	int n = f ? fscanf(f, "%lf %lf %lf %u/%u %d", &l1, &l5, &l15, &run,
			   &total, &last)
		  : -1;
	if (f)
		fclose(f);
	check(n == 6, "loadavg: /proc/loadavg has six fields", "got %d", n);
	check(l1 >= 0.2 && l5 > 0 && l15 > 0,
	      "loadavg: rises with running threads", "%.2f %.2f %.2f", l1, l5,
	      l15);
	check(run >= 1 && total >= 3 && last >= getpid(),
	      "loadavg: running/total and last pid", "%u/%u %d", run, total,
	      last);
	check_zero(sysinfo(&si), "loadavg: sysinfo");
	double s1 = si.loads[0] / 65536.0;
	check(s1 >= 0.2 && s1 < l1 + 1.0 && s1 > l1 - 1.0,
	      "loadavg: sysinfo loads agree", "sysinfo %.2f, file %.2f", s1,
	      l1);
	check(si.procs >= 3, "loadavg: sysinfo counts threads", "procs %u",
	      si.procs);
	check(si.uptime > 0 && si.totalram > 0 && si.mem_unit >= 1 &&
		      si.freeram > 0 && si.freeram <= si.totalram,
	      "loadavg: sysinfo uptime and memory", "up %ld ram %lu free %lu",
	      si.uptime, si.totalram, si.freeram);
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	guest_exit("loadavg");
}
