// SPDX-License-Identifier: MIT
/* Clock and sleep syscalls (mechanism in sched/time.c and sched/waitq.c). */
#include <kernel/printk.h>
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

#define CPUCLOCK_VIRT	   1
#define CPUCLOCK_SCHED	   2
#define CPUCLOCK_PERTHREAD 4
#define CLOCKFD		   3 /* with bit 2 clear: a POSIX clock's fd */

/*
 * Decode a CPU-time clock as Linux's pid_for_clock: CLOCK_PROCESS_CPUTIME_ID,
 * CLOCK_THREAD_CPUTIME_ID, or the negative ids of clock_getcpuclockid and
 * pthread_getcpuclockid (~pid << 3, CPUCLOCK_PERTHREAD, and PROF, VIRT or
 * SCHED in the low bits). Returns 1 with *c (and *other, the pid of another
 * process, or 0), 0 for a wall clock, -EINVAL for a bad CPU clock,
 * -EOPNOTSUPP for a clock fd's id (Linux's dynamic POSIX clocks). A
 * thread clock names a thread of the caller's process; with gettime a
 * process clock may name the caller by its tid.
 */
static int cpu_clock(s32 id, bool gettime, struct ptimer_clock *c, int *other)
{
	*other = 0;
	if (id == CLOCK_PROCESS_CPUTIME_ID)
		id = -8 | CPUCLOCK_SCHED; /* ~0 << 3: pid 0 */
	else if (id == CLOCK_THREAD_CPUTIME_ID)
		id = -8 | CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED;
	if (id >= 0)
		return 0;
	if ((id & 7) == CLOCKFD)
		return -EOPNOTSUPP; /* a dynamic clock's fd: none in Kiln */
	int which = id & 3, upid = ~(id >> 3);
	if (which == 3)
		return -EINVAL;
	c->kind = which == CPUCLOCK_VIRT ? PT_CPU_USER : PT_CPU_ALL;
	c->cpu_tid = 0;
	if (id & CPUCLOCK_PERTHREAD) {
		c->cpu_tid = upid ? upid : current->tid;
		return proc_has_thread(current->proc, c->cpu_tid) ? 1 : -EINVAL;
	}
	if (upid && upid != current->proc->pid &&
	    !(gettime && upid == current->tid))
		*other = upid;
	return 1;
}

/* Another process's CPU time (user only for PT_CPU_USER); -EINVAL if no
 * process has that pid. */
static s64 other_cpu_ns(int pid, const struct ptimer_clock *c)
{
	struct process *p = proc_find_get(pid);

	if (!p || p->pid != pid) {
		if (p)
			process_put(p);
		return -EINVAL;
	}
	s64 ns = c->kind == PT_CPU_USER ? proc_user_ns(p) : proc_cpu_ns(p);
	process_put(p);
	return ns;
}

/* Current value of clock id in ns; -EINVAL for unknown clocks. */
static s64 clock_now(u64 uid)
{
	s32 id = (s32)uid; /* a clockid_t is an int */
	struct ptimer_clock c;
	int other, cpu = cpu_clock(id, true, &c, &other);

	if (cpu < 0)
		return -EINVAL; /* a clock fd too, as no fd is a clock */
	if (cpu && other)
		return other_cpu_ns(other, &c);
	if (cpu) {
		s64 ns = ptimer_cpu_clock_now(&c);
		return ns < 0 ? -EINVAL : ns;
	}
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case 11: /* CLOCK_TAI: Linux's TAI offset is 0 until adjtimex */
		return clock_realtime_ns();
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		return clock_monotonic_ns();
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

/*
 * As Linux, sleeping on the caller's own thread CPU clock is EINVAL
 * (EOPNOTSUPP named CLOCK_THREAD_CPUTIME_ID).
 * Differs: a sleep on another CPU-time clock (the process's, another
 * thread's) is ENOTSUP (EOPNOTSUPP); Linux sleeps until that CPU time has been
 * used.
 */
long sys_clock_nanosleep(u64 id, u64 flags, u64 ureq, u64 urem, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct ptimer_clock c;
	int other;
	s64 ns;

	if ((s32)id == CLOCK_THREAD_CPUTIME_ID)
		return -EOPNOTSUPP; /* as Linux 6.x: that clock has no nsleep */
	int cpu = cpu_clock((s32)id, false, &c, &other);
	if (cpu < 0)
		return cpu;
	if (cpu && c.cpu_tid == current->tid)
		return -EINVAL;
	if (cpu)
		return -EOPNOTSUPP; /* ENOTSUP */
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

/* ---- alarm, setitimer, getitimer; the timer_create family ---- */

#define ITIMER_REAL	     0
#define ITIMER_VIRTUAL	     1
#define ITIMER_PROF	     2
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9

struct timeval {
	s64 sec;
	s64 usec;
};

struct itimerval {
	struct timeval interval, value;
};

struct itimerspec {
	struct timespec interval, value;
};

struct sigevent {
	u64 value;
	s32 signo;
	s32 notify;
	s32 tid; /* SIGEV_THREAD_ID */
	u8 pad[44];
};
_Static_assert(sizeof(struct sigevent) == 64, "sigevent");

static void ns_to_timeval(u64 ns, struct timeval *tv)
{
	tv->sec = ns / NSEC_PER_SEC;
	tv->usec = (ns % NSEC_PER_SEC) / 1000;
	if (ns && !tv->sec && !tv->usec)
		tv->usec = 1; /* armed: never report 0 */
}

static void ns_to_timespec(u64 ns, struct timespec *ts)
{
	ts->sec = ns / NSEC_PER_SEC;
	ts->nsec = ns % NSEC_PER_SEC;
}

static int timeval_ns(const struct timeval *tv, u64 *ns)
{
	if (tv->sec < 0 || tv->usec < 0 || tv->usec >= 1000000)
		return -EINVAL;
	*ns = (u64)tv->sec * NSEC_PER_SEC + (u64)tv->usec * 1000;
	return 0;
}

static int timespec_ns(const struct timespec *ts, u64 *ns)
{
	if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= (s64)NSEC_PER_SEC)
		return -EINVAL;
	*ns = (u64)ts->sec * NSEC_PER_SEC + (u64)ts->nsec;
	return 0;
}

long sys_getitimer(u64 which, u64 ucur, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct itimerval cur = {0};
	u64 left, interval;

	if (which == ITIMER_VIRTUAL || which == ITIMER_PROF)
		ptimer_cpu_get((int)which, &left, &interval);
	else if (which == ITIMER_REAL)
		ptimer_real_get(&left, &interval);
	else
		return -EINVAL;
	ns_to_timeval(left, &cur.value);
	ns_to_timeval(interval, &cur.interval);
	return copy_to_user(ucur, &cur, sizeof(cur));
}

long sys_setitimer(u64 which, u64 unew, u64 uold, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct itimerval nv = {0}, ov = {0};
	u64 value, interval, left, oint;
	int ret;

	if (which != ITIMER_REAL && which != ITIMER_VIRTUAL &&
	    which != ITIMER_PROF)
		return -EINVAL;
	if (unew && copy_from_user(&nv, unew, sizeof(nv)))
		return -EFAULT;
	if (timeval_ns(&nv.value, &value) ||
	    timeval_ns(&nv.interval, &interval))
		return -EINVAL;
	if (which == ITIMER_REAL)
		ret = ptimer_real_set(value, interval, &left, &oint);
	else
		ret = ptimer_cpu_set((int)which, value, interval, &left, &oint);
	if (ret)
		return ret;
	if (!uold)
		return 0;
	ns_to_timeval(left, &ov.value);
	ns_to_timeval(oint, &ov.interval);
	return copy_to_user(uold, &ov, sizeof(ov));
}

long sys_alarm(u64 seconds, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	u64 left, interval;
	u32 secs = (u32)seconds;
	int ret =
		ptimer_real_set((u64)secs * NSEC_PER_SEC, 0, &left, &interval);

	if (ret)
		return ret;
	struct timeval tv;
	ns_to_timeval(left, &tv);
	/* rounded as Linux: a partial second left counts as one */
	if ((!tv.sec && tv.usec) || tv.usec >= 500000)
		tv.sec++;
	return tv.sec;
}

long sys_timer_create(u64 clock, u64 usev, u64 uid, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	static bool told;
	struct sigevent ev = {.signo = 14 /* SIGALRM */,
			      .notify = SIGEV_SIGNAL};
	struct ptimer_clock pc = {.kind = PT_MONOTONIC};
	int other;
	s32 id;

	int cpu = cpu_clock((s32)clock, false, &pc, &other);
	if (cpu < 0)
		return cpu;
	if (cpu && other) {
		if (!told) {
			told = true;
			pr_warn("timer_create: timers on another process's "
				"CPU clock are not supported (EINVAL)");
		}
		return -EINVAL;
	}
	switch (cpu ? CLOCK_PROCESS_CPUTIME_ID : (s32)clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_ALARM:
		pc.kind = PT_REALTIME;
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
	case CLOCK_PROCESS_CPUTIME_ID: /* pc set by cpu_clock */
		break;
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP; /* as Linux: no timers on these */
	default:
		return -EINVAL;
	}
	if (usev && copy_from_user(&ev, usev, sizeof(ev)))
		return -EFAULT;
	if (ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_NONE &&
	    ev.notify != SIGEV_THREAD_ID)
		return -EINVAL; /* SIGEV_THREAD is the C library's */
	if (ev.notify != SIGEV_NONE && (ev.signo <= 0 || ev.signo > 64))
		return -EINVAL;
	if (ev.notify == SIGEV_THREAD_ID) {
		struct thread *t;
		bool found = false;
		u64 f = spin_lock_irqsave(&current->proc->lock);
		list_for_each_entry(t, &current->proc->threads, proc_node)
			found |= t->tid == ev.tid;
		spin_unlock_irqrestore(&current->proc->lock, f);
		if (!found)
			return -EINVAL;
	}
	/* no sigevent: SIGALRM carrying the timer's id */
	id = ptimer_create(&pc, ev.notify, ev.signo,
			   ev.notify == SIGEV_THREAD_ID ? ev.tid : 0,
			   usev ? ev.value : PTIMER_VALUE_ID);
	if (id < 0)
		return id;
	if (copy_to_user(uid, &id, sizeof(id))) {
		ptimer_delete(id);
		return -EFAULT;
	}
	return 0;
}

long sys_timer_settime(u64 id, u64 flags, u64 unew, u64 uold, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct itimerspec nv, ov = {0};
	u64 value, interval, left, oint;

	if (!unew)
		return -EINVAL;
	if (copy_from_user(&nv, unew, sizeof(nv)))
		return -EFAULT;
	if (timespec_ns(&nv.value, &value) ||
	    timespec_ns(&nv.interval, &interval))
		return -EINVAL;
	int ret = ptimer_settime((s32)id, flags & TIMER_ABSTIME, value,
				 interval, &left, &oint);
	if (ret || !uold)
		return ret;
	ns_to_timespec(left, &ov.value);
	ns_to_timespec(oint, &ov.interval);
	return copy_to_user(uold, &ov, sizeof(ov));
}

long sys_timer_gettime(u64 id, u64 ucur, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct itimerspec cur;
	u64 left, interval;
	int ret = ptimer_gettime((s32)id, &left, &interval);

	if (ret)
		return ret;
	ns_to_timespec(left, &cur.value);
	ns_to_timespec(interval, &cur.interval);
	return copy_to_user(ucur, &cur, sizeof(cur));
}

long sys_timer_getoverrun(u64 id, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return ptimer_getoverrun((s32)id);
}

long sys_timer_delete(u64 id, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return ptimer_delete((s32)id);
}
