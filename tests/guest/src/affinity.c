// SPDX-License-Identifier: MIT
/*
 * CPU affinity: sched_setaffinity is enforced. Pinned to each online CPU
 * in turn, the caller runs there (sched_getcpu and getcpu agree); a busy
 * thread pinned to one CPU and then moved to another by its tid is seen
 * running on the new one; threads and forked children inherit the mask.
 * Errors as Linux: getaffinity with too short or unaligned a length is
 * EINVAL, a mask without an online CPU is EINVAL, a missing tid ESRCH.
 * Prints nothing that depends on the number of CPUs.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static cpu_set_t online;
static int nonline;

static int k_getaffinity(int tid, size_t len, void *mask)
{
	return syscall(SYS_sched_getaffinity, tid, len, mask);
}

static int k_setaffinity(int tid, size_t len, const void *mask)
{
	return syscall(SYS_sched_setaffinity, tid, len, mask);
}

static int pin(int tid, int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(tid, sizeof(s), &s);
}

/* The CPU this thread runs on, after a few tries to let it move. */
static int cpu_now(void)
{
	unsigned cpu = ~0u, node;

	if (syscall(SYS_getcpu, &cpu, &node, NULL))
		return -1;
	return (int)cpu;
}

static void test_pin_each(void)
{
	bool ok = true;
	char detail[128] = "";

	for (int round = 0; round < 2; round++)
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, &online))
				continue;
			if (pin(0, cpu)) {
				snprintf(detail, sizeof(detail),
					 "pin %d errno %d", cpu, errno);
				ok = false;
				continue;
			}
			int a = sched_getcpu(), b = cpu_now();
			cpu_set_t got;
			CPU_ZERO(&got);
			sched_getaffinity(0, sizeof(got), &got);
			if (a != cpu || b != cpu || CPU_COUNT(&got) != 1 ||
			    !CPU_ISSET(cpu, &got)) {
				snprintf(detail, sizeof(detail),
					 "pinned to %d: sched_getcpu %d getcpu "
					 "%d count %d",
					 cpu, a, b, CPU_COUNT(&got));
				ok = false;
			}
		}
	check(ok, "affinity: pinned to each CPU, runs there", "%s", detail);
	check_zero(sched_setaffinity(0, sizeof(online), &online),
		   "affinity: back to every CPU");
}

static volatile int spin_stop;
static volatile int spin_tid;
static volatile int spin_cpu = -1;

static void *spinner(void *arg)
{
	(void)arg;
	spin_tid = syscall(SYS_gettid);
	while (!spin_stop)
		spin_cpu = sched_getcpu();
	return NULL;
}

/* Wait (generously: TCG is slow) until the spinner reports cpu. */
static bool spinner_on(int cpu)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + 20 * 1000000000LL;

	while (now_ns(CLOCK_MONOTONIC) < end) {
		spin_cpu = -1;
		usleep(2000);
		int c = spin_cpu;
		if (c == cpu)
			return true;
	}
	return false;
}

static void test_move_other(void)
{
	int first = -1, last = -1;

	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &online)) {
			if (first < 0)
				first = cpu;
			last = cpu;
		}
	pthread_t th;
	pthread_create(&th, NULL, spinner, NULL);
	while (!spin_tid)
		usleep(1000);
	check_zero(pin(spin_tid, first), "affinity: pin a busy thread by tid");
	check(spinner_on(first), "affinity: the busy thread runs there",
	      "on %d want %d", spin_cpu, first);
	cpu_set_t got;
	CPU_ZERO(&got);
	check(sched_getaffinity(spin_tid, sizeof(got), &got) == 0 &&
		      CPU_COUNT(&got) == 1 && CPU_ISSET(first, &got),
	      "affinity: getaffinity of the thread's tid", "count %d",
	      CPU_COUNT(&got));
	check_zero(pin(spin_tid, last), "affinity: move it by tid");
	check(spinner_on(last), "affinity: the busy thread moved",
	      "on %d want %d", spin_cpu, last);
	spin_stop = 1;
	pthread_join(th, NULL);
}

static void *report_mask(void *arg)
{
	cpu_set_t *s = arg;

	CPU_ZERO(s);
	sched_getaffinity(0, sizeof(*s), s);
	return NULL;
}

static void test_inherit(void)
{
	int last = -1;

	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &online))
			last = cpu;
	check_zero(pin(0, last), "affinity: pin to the last CPU");
	cpu_set_t s;
	pthread_t th;
	pthread_create(&th, NULL, report_mask, &s);
	pthread_join(th, NULL);
	check(CPU_COUNT(&s) == 1 && CPU_ISSET(last, &s),
	      "affinity: a new thread inherits the mask", "count %d",
	      CPU_COUNT(&s));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		report_mask(&s);
		_exit(CPU_COUNT(&s) == 1 && CPU_ISSET(last, &s) &&
				      sched_getcpu() == last
			      ? 0
			      : 1);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "affinity: a forked child inherits it and runs there",
	      "status %#x", status);
	check_zero(sched_setaffinity(0, sizeof(online), &online),
		   "affinity: back to every CPU again");
}

static void test_errors(void)
{
	unsigned long m[16];

	check_errno(k_getaffinity(0, 0, m), -1, EINVAL,
		    "affinity: getaffinity len 0 is EINVAL");
	check_errno(k_getaffinity(0, 4, m), -1, EINVAL,
		    "affinity: getaffinity len 4 is EINVAL");
	check_errno(k_getaffinity(0, 12, m), -1, EINVAL,
		    "affinity: getaffinity len 12 is EINVAL");
	long n = k_getaffinity(0, 8, m);
	check(n == 8, "affinity: getaffinity len 8 returns 8", "got %ld", n);
	check_errno(k_getaffinity(0, 8, (void *)1), -1, EFAULT,
		    "affinity: getaffinity to a bad pointer is EFAULT");
	check_errno(k_getaffinity(0x3fffffff, 8, m), -1, ESRCH,
		    "affinity: getaffinity of a missing tid is ESRCH");
	check_errno(k_getaffinity(-1, 8, m), -1, ESRCH,
		    "affinity: getaffinity of tid -1 is ESRCH");

	unsigned long none = 1UL << 63; /* no such CPU */
	if (nonline < 64)
		check_errno(k_setaffinity(0, 8, &none), -1, EINVAL,
			    "affinity: a mask of no online CPU is EINVAL");
	unsigned long zero = 0;
	check_errno(k_setaffinity(0, 8, &zero), -1, EINVAL,
		    "affinity: an empty mask is EINVAL");
	check_errno(k_setaffinity(0, 0, &zero), -1, EINVAL,
		    "affinity: setaffinity len 0 is EINVAL");
	check_errno(k_setaffinity(0x3fffffff, 8, m), -1, ESRCH,
		    "affinity: setaffinity of a missing tid is ESRCH");
	check_errno(k_setaffinity(0x3fffffff, 8, &zero), -1, ESRCH,
		    "affinity: ESRCH comes before EINVAL");
	check_errno(k_setaffinity(0, 8, (void *)1), -1, EFAULT,
		    "affinity: setaffinity from a bad pointer is EFAULT");
	unsigned long all = ~0UL;
	check_zero(k_setaffinity(0, 8, &all),
		   "affinity: all bits set is accepted");
	cpu_set_t got;
	CPU_ZERO(&got);
	sched_getaffinity(0, sizeof(got), &got);
	check(CPU_EQUAL(&got, &online),
	      "affinity: and reads back as the online CPUs", "count %d",
	      CPU_COUNT(&got));
	check(sched_getaffinity(getpid(), sizeof(got), &got) == 0,
	      "affinity: getaffinity of the own pid", "errno %d", errno);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sched_getaffinity(0, sizeof(online), &online)) {
		check(false, "affinity: getaffinity", "errno %d", errno);
		guest_exit("affinity");
	}
	nonline = CPU_COUNT(&online);
	check(nonline >= 1 && nonline == sysconf(_SC_NPROCESSORS_ONLN),
	      "affinity: the initial mask is every online CPU", "%d of %ld",
	      nonline, sysconf(_SC_NPROCESSORS_ONLN));
	test_errors();
	test_pin_each();
	test_inherit();
	test_move_other();
	guest_exit("affinity");
}
