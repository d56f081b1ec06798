// SPDX-License-Identifier: MIT
/* Clock and sleep syscalls (mechanism in sched/time.c and sched/waitq.c). */
#include "syscall.h"
#include "arch/x86_64/percpu.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "sched/time.h"

#define CLOCK_REALTIME		 0
#define CLOCK_MONOTONIC		 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID	 3
#define CLOCK_MONOTONIC_RAW	 4
#define CLOCK_REALTIME_COARSE	 5
#define CLOCK_MONOTONIC_COARSE	 6
#define CLOCK_BOOTTIME		 7
#define TIMER_ABSTIME		 1

struct timespec {
	s64 sec;
	s64 nsec;
};

static u64 process_cpu_ns(struct process *p)
{
	struct thread *t;
	u64 sum = 0;
	u64 f = spin_lock_irqsave(&p->lock);

	list_for_each_entry(t, &p->threads, proc_node)
	{
		sum += t->cpu_ns;
	}
	spin_unlock_irqrestore(&p->lock, f);
	/* the caller's running slice is not in its cpu_ns yet */
	if (p == current->proc)
		sum += time_boot_ns() - current->run_start_ns;
	return sum;
}

/* Current value of clock id in ns; -EINVAL for unknown clocks. */
static s64 clock_now(u64 id)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		return clock_realtime_ns();
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		return clock_monotonic_ns();
	case CLOCK_PROCESS_CPUTIME_ID:
		return process_cpu_ns(current->proc);
	case CLOCK_THREAD_CPUTIME_ID:
		return current->cpu_ns + time_boot_ns() - current->run_start_ns;
	}
	return -EINVAL;
}

long sys_clock_gettime(u64 id, u64 uts, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	s64 ns = clock_now(id);

	if (ns < 0)
		return ns;
	struct timespec ts = {ns / (s64)NSEC_PER_SEC, ns % (s64)NSEC_PER_SEC};
	return copy_to_user(uts, &ts, sizeof(ts));
}

long sys_clock_getres(u64 id, u64 uts, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (clock_now(id) < 0)
		return -EINVAL;
	struct timespec ts = {0, 1};
	if (id == CLOCK_REALTIME_COARSE || id == CLOCK_MONOTONIC_COARSE)
		ts.nsec = 4000000;
	return uts ? copy_to_user(uts, &ts, sizeof(ts)) : 0;
}

long sys_gettimeofday(u64 utv, u64 utz, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	u64 ns = clock_realtime_ns();

	if (utv) {
		struct timespec tv = {ns / NSEC_PER_SEC,
				      (ns % NSEC_PER_SEC) / 1000};
		if (copy_to_user(utv, &tv, sizeof(tv)))
			return -EFAULT;
	}
	if (utz) {
		u32 tz[2] = {0, 0};
		if (copy_to_user(utz, tz, sizeof(tz)))
			return -EFAULT;
	}
	return 0;
}

long sys_time(u64 ut, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	s64 sec = clock_realtime_ns() / NSEC_PER_SEC;

	if (ut && copy_to_user(ut, &sec, sizeof(sec)))
		return -EFAULT;
	return sec;
}

static struct waitq sleep_q = {SPINLOCK_INIT, LIST_HEAD_INIT(sleep_q.waiters)};

/* Sleep until monotonic deadline; writes the remainder on interruption. */
static long sleep_until(u64 deadline, u64 urem)
{
	int ret = waitq_wait_event(&sleep_q, false, deadline);

	if (ret == -ETIMEDOUT)
		return 0;
	if (ret == -ERESTARTSYS)
		ret = -EINTR;
	if (ret == -EINTR && urem) {
		u64 now = clock_monotonic_ns();
		u64 left = deadline > now ? deadline - now : 0;
		struct timespec rem = {left / NSEC_PER_SEC,
				       left % NSEC_PER_SEC};
		if (copy_to_user(urem, &rem, sizeof(rem)))
			return -EFAULT;
	}
	return ret;
}

static int get_timespec(u64 uts, s64 *ns)
{
	struct timespec ts;

	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (s64)NSEC_PER_SEC)
		return -EINVAL;
	if (ts.sec > (s64)(1ULL << 33))
		ts.sec = 1LL << 33; /* ~272 years: effectively forever */
	*ns = ts.sec * (s64)NSEC_PER_SEC + ts.nsec;
	return 0;
}

long sys_nanosleep(u64 ureq, u64 urem, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	s64 ns;
	int ret = get_timespec(ureq, &ns);

	if (ret)
		return ret;
	return sleep_until(clock_monotonic_ns() + ns + 1, urem);
}

long sys_clock_nanosleep(u64 id, u64 flags, u64 ureq, u64 urem, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	s64 ns;

	if (id == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if (clock_now(id) < 0)
		return -EINVAL;
	int ret = get_timespec(ureq, &ns);
	if (ret)
		return ret;
	u64 now_mono = clock_monotonic_ns();
	u64 deadline;
	if (flags & TIMER_ABSTIME) {
		s64 now = clock_now(id);
		deadline = ns > now ? now_mono + (ns - now) + 1 : now_mono;
		urem = 0; /* no remainder for absolute sleeps */
	} else {
		deadline = now_mono + ns + 1;
	}
	if (deadline <= now_mono)
		return 0;
	return sleep_until(deadline, urem);
}
