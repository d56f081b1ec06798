// SPDX-License-Identifier: MIT
/*
 * Process timers that signal: setitimer(ITIMER_REAL)/alarm (SIGALRM, kept
 * across exec) and the POSIX timers of timer_create (SIGEV_SIGNAL,
 * SIGEV_THREAD_ID, SIGEV_NONE; deleted by exec). Neither is inherited by
 * fork. Expiries are kept in CLOCK_MONOTONIC; an absolute CLOCK_REALTIME
 * time is converted when it is set.
 *
 * Each timer is a kernel timer; its callback (interrupt context, under
 * the CPU's timer lock) takes pt->lock, works out the next expiry and
 * re-arms itself with timer_forward, drops the lock, and only then sends
 * the signal (which takes p->lock). Settings change under pt->lock too;
 * the kernel timer is armed or cancelled after it is dropped, so the lock
 * order is always timer lock -> pt->lock, and p->lock -> pt->lock (the
 * dequeue hook); nothing takes p->lock while holding pt->lock. A POSIX timer
 * whose signal is still pending does not queue another: it counts an overrun,
 * which the dequeued siginfo carries (si_overrun) and timer_getoverrun returns,
 * as on Linux.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "proc.h"
#include "signal.h"
#include "mm/kheap.h"
#include "sched/time.h"
#include "sched/timer.h"
#include "arch/x86_64/percpu.h"
#include <uapi/signal.h>

#define PTIMER_MAX 256 /* per process */

struct ptimer {
	struct ktimer kt;
	struct ptimers *set;
	int id;		 /* timer_create's id; -1: ITIMER_REAL */
	bool realtime;	 /* CLOCK_REALTIME(_ALARM): absolute times */
	int notify;	 /* SIGEV_* */
	int signo;	 /* 0: none */
	int tid;	 /* SIGEV_THREAD_ID: the thread */
	u64 value;	 /* sigev_value */
	u64 deadline;	 /* next expiry, monotonic ns; 0: disarmed */
	u64 interval;	 /* ns; 0: one-shot */
	u32 overrun;	 /* expiries while the signal was pending */
	u32 overrun_got; /* what the last dequeued signal carried */
	bool queued;	 /* its signal is pending */
};

/* ITIMER_VIRTUAL (user time) or ITIMER_PROF (user and system time):
 * run down by ptimer_cpu_charge, not by a kernel timer. */
struct cpu_itimer {
	u64 left;     /* ns of CPU time to go; 0: disarmed */
	u64 interval; /* ns; 0: one-shot */
};

struct ptimers {
	struct spinlock lock;
	struct process *p;
	struct ptimer real;
	struct cpu_itimer cpu[2]; /* [0] VIRTUAL, [1] PROF */
	struct ptimer *posix[PTIMER_MAX];
};

/* The callback: interrupt context, the CPU's timer lock held. */
static void ptimer_fire(struct ktimer *kt)
{
	struct ptimer *t = kt->arg;
	struct ptimers *s = t->set;
	struct ksiginfo info = {0};
	int sig = 0, tid = 0;
	u64 now = clock_monotonic_ns();
	/* before s->lock: it takes p->lock (the order is p->lock, s->lock) */
	bool ignored = t->id >= 0 && t->signo &&
		       signal_ignored(s->p, READ_ONCE(t->signo));

	spin_lock(&s->lock);
	if (!t->deadline || t->deadline > now) {
		/* disarmed or moved since it was armed */
		if (t->deadline)
			timer_forward(kt, t->deadline);
		spin_unlock(&s->lock);
		return;
	}
	u64 missed = 0;
	if (t->interval) {
		missed = (now - t->deadline) / t->interval;
		t->deadline += (missed + 1) * t->interval;
		timer_forward(kt, t->deadline);
	} else {
		t->deadline = 0;
	}
	if (t->id < 0) {
		sig = SIGALRM;
		info.code = SI_KERNEL;
	} else if (t->signo && t->notify != SIGEV_NONE && !ignored) {
		if (t->queued) {
			t->overrun += 1 + missed;
		} else {
			t->queued = true;
			t->overrun = missed;
			sig = t->signo;
			tid = t->notify == SIGEV_THREAD_ID ? t->tid : 0;
			info.code = SI_TIMER;
			info.pid = t->id;
			info.value = t->value;
		}
	}
	spin_unlock(&s->lock);
	if (!sig)
		return;
	if (!tid || signal_send_tid_info(s->p, tid, sig, &info) == -ESRCH)
		signal_send_process_info(s->p, sig, &info);
}

/* The process's timers, made on first use; NULL without memory. */
static struct ptimers *ptimers_of(struct process *p)
{
	struct ptimers *s = READ_ONCE(p->ptimers);

	if (s)
		return s;
	s = kzalloc(sizeof(*s));
	if (!s)
		return NULL;
	s->p = p;
	s->lock = (struct spinlock)SPINLOCK_INIT;
	s->real.set = s;
	s->real.id = -1;
	timer_init(&s->real.kt, ptimer_fire, &s->real);
	struct ptimers *old = NULL;
	if (!__atomic_compare_exchange_n(&p->ptimers, &old, s, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		kfree(s);
		return old;
	}
	return s;
}

/* Set t to fire at deadline (0: disarm) every interval; the old ones out. */
static void ptimer_set(struct ptimer *t, u64 deadline, u64 interval,
		       u64 *old_deadline, u64 *old_interval)
{
	struct ptimers *s = t->set;
	u64 f = spin_lock_irqsave(&s->lock);

	if (old_deadline)
		*old_deadline = t->deadline;
	if (old_interval)
		*old_interval = t->interval;
	t->deadline = deadline;
	t->interval = deadline ? interval : 0;
	spin_unlock_irqrestore(&s->lock, f);
	/* outside the lock (timer lock -> pt->lock is the order) */
	if (deadline)
		timer_add(&t->kt, deadline);
	else
		timer_cancel(&t->kt);
}

static void ptimer_get(struct ptimer *t, u64 *left, u64 *interval)
{
	struct ptimers *s = t->set;
	u64 f = spin_lock_irqsave(&s->lock);
	u64 now = clock_monotonic_ns();

	*left = t->deadline ? (t->deadline > now ? t->deadline - now : 1) : 0;
	*interval = t->interval;
	spin_unlock_irqrestore(&s->lock, f);
}

int ptimer_real_set(u64 value_ns, u64 interval_ns, u64 *old_left,
		    u64 *old_interval)
{
	struct ptimers *s = ptimers_of(current->proc);

	if (!s)
		return -ENOMEM;
	u64 now = clock_monotonic_ns(), od, oi;
	ptimer_set(&s->real, value_ns ? now + value_ns : 0, interval_ns, &od,
		   &oi);
	*old_left = od ? (od > now ? od - now : 1) : 0;
	*old_interval = oi;
	return 0;
}

void ptimer_real_get(u64 *left, u64 *interval)
{
	struct ptimers *s = READ_ONCE(current->proc->ptimers);

	if (!s) {
		*left = *interval = 0;
		return;
	}
	ptimer_get(&s->real, left, interval);
}

int ptimer_cpu_set(int which, u64 value_ns, u64 interval_ns, u64 *old_left,
		   u64 *old_interval)
{
	struct ptimers *s = ptimers_of(current->proc);

	if (!s)
		return -ENOMEM;
	struct cpu_itimer *c = &s->cpu[which - 1];
	u64 f = spin_lock_irqsave(&s->lock);
	*old_left = c->left;
	*old_interval = c->interval;
	c->left = value_ns;
	c->interval = value_ns ? interval_ns : 0;
	WRITE_ONCE(s->p->cpu_itimers, s->cpu[0].left || s->cpu[1].left);
	spin_unlock_irqrestore(&s->lock, f);
	return 0;
}

void ptimer_cpu_get(int which, u64 *left, u64 *interval)
{
	struct ptimers *s = READ_ONCE(current->proc->ptimers);

	*left = *interval = 0;
	if (!s)
		return;
	u64 f = spin_lock_irqsave(&s->lock);
	*left = s->cpu[which - 1].left;
	*interval = s->cpu[which - 1].interval;
	spin_unlock_irqrestore(&s->lock, f);
}

/* Run c down by ns; true when it expired (re-armed from its interval,
 * the overshoot taken off as Linux does, or disarmed). */
static bool cpu_itimer_run(struct cpu_itimer *c, u64 ns)
{
	if (!c->left)
		return false;
	if (ns < c->left) {
		c->left -= ns;
		return false;
	}
	u64 over = ns - c->left;
	if (!c->interval)
		c->left = 0;
	else if (over < c->interval)
		c->left = c->interval - over;
	else
		c->left =
			c->interval; /* more than a period behind: one signal */
	return true;
}

void ptimer_cpu_charge(struct process *p, u64 ns, bool user)
{
	struct ptimers *s = READ_ONCE(p->ptimers);

	if (!s || !ns)
		return;
	u64 f = spin_lock_irqsave(&s->lock);
	bool virt = user && cpu_itimer_run(&s->cpu[0], ns);
	bool prof = cpu_itimer_run(&s->cpu[1], ns);
	WRITE_ONCE(p->cpu_itimers, s->cpu[0].left || s->cpu[1].left);
	spin_unlock_irqrestore(&s->lock, f);
	/* after s->lock: sending takes p->lock (the order is p->lock, s->lock)
	 */
	struct ksiginfo info = {.code = SI_KERNEL};
	if (virt)
		signal_send_process_info(p, SIGVTALRM, &info);
	if (prof)
		signal_send_process_info(p, SIGPROF, &info);
}

int ptimer_create(bool realtime, int notify, int signo, int tid, u64 value)
{
	struct ptimers *s = ptimers_of(current->proc);
	struct ptimer *t;

	if (!s || !(t = kzalloc(sizeof(*t))))
		return -ENOMEM;
	t->set = s;
	t->realtime = realtime;
	t->notify = notify;
	t->signo = signo;
	t->tid = tid;
	t->value = value;
	timer_init(&t->kt, ptimer_fire, t);
	u64 f = spin_lock_irqsave(&s->lock);
	int id;
	for (id = 0; id < PTIMER_MAX && s->posix[id]; id++)
		;
	if (id < PTIMER_MAX) {
		t->id = id;
		if (value == PTIMER_VALUE_ID)
			t->value = (u64)id;
		s->posix[id] = t;
	}
	spin_unlock_irqrestore(&s->lock, f);
	if (id == PTIMER_MAX) {
		kfree(t);
		return -EAGAIN;
	}
	return id;
}

/* Timer id of the calling process, or NULL. */
static struct ptimer *ptimer_find(int id)
{
	struct ptimers *s = READ_ONCE(current->proc->ptimers);

	if (!s || id < 0 || id >= PTIMER_MAX)
		return NULL;
	return READ_ONCE(s->posix[id]);
}

int ptimer_settime(int id, bool abs, u64 value, u64 interval, u64 *old_left,
		   u64 *old_interval)
{
	struct ptimer *t = ptimer_find(id);
	u64 od, oi, now = clock_monotonic_ns(), deadline = 0;

	if (!t)
		return -EINVAL;
	if (value && !abs) {
		deadline = now + value;
	} else if (value) {
		/* an absolute time on the timer's clock, as monotonic */
		u64 base = t->realtime ? clock_realtime_ns() - now : 0;
		deadline = value > base ? value - base : 1;
		if (deadline <= now)
			deadline = now + 1; /* due: fire at once */
	}
	ptimer_set(t, deadline, interval, &od, &oi);
	*old_left = od ? (od > now ? od - now : 1) : 0;
	*old_interval = oi;
	return 0;
}

int ptimer_gettime(int id, u64 *left, u64 *interval)
{
	struct ptimer *t = ptimer_find(id);

	if (!t)
		return -EINVAL;
	ptimer_get(t, left, interval);
	return 0;
}

int ptimer_getoverrun(int id)
{
	struct ptimer *t = ptimer_find(id);

	if (!t)
		return -EINVAL;
	return (int)MIN(READ_ONCE(t->overrun_got), (u32)0x7fffffff);
}

/* Remove timer slot id of s (unlocked caller); the timer is freed. */
static void ptimer_free(struct ptimers *s, int id)
{
	u64 f = spin_lock_irqsave(&s->lock);
	struct ptimer *t = s->posix[id];

	s->posix[id] = NULL;
	if (t)
		t->deadline = 0;
	spin_unlock_irqrestore(&s->lock, f);
	if (t) {
		timer_cancel(&t->kt); /* waits for a running callback */
		kfree(t);
	}
}

int ptimer_delete(int id)
{
	struct ptimers *s = READ_ONCE(current->proc->ptimers);

	if (!ptimer_find(id))
		return -EINVAL;
	ptimer_free(s, id);
	return 0;
}

u32 ptimer_dequeued(struct process *p, int id)
{
	struct ptimers *s = READ_ONCE(p->ptimers);
	u32 n = 0;

	if (!s || id < 0 || id >= PTIMER_MAX)
		return 0;
	spin_lock(&s->lock); /* p->lock held, interrupts off */
	struct ptimer *t = s->posix[id];
	if (t) {
		n = t->overrun;
		t->overrun_got = n;
		t->overrun = 0;
		t->queued = false;
	}
	spin_unlock(&s->lock);
	return n;
}

void ptimers_exec(struct process *p)
{
	struct ptimers *s = READ_ONCE(p->ptimers);

	for (int id = 0; s && id < PTIMER_MAX; id++)
		if (READ_ONCE(s->posix[id]))
			ptimer_free(s, id);
}

void ptimers_exit(struct process *p)
{
	struct ptimers *s = READ_ONCE(p->ptimers);

	if (!s)
		return;
	ptimers_exec(p);
	u64 f = spin_lock_irqsave(&s->lock);
	s->real.deadline = 0;
	spin_unlock_irqrestore(&s->lock, f);
	timer_cancel(&s->real.kt);
	WRITE_ONCE(p->ptimers, NULL);
	kfree(s);
}
