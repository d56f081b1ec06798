// SPDX-License-Identifier: MIT
/*
 * timerfd: a timer whose expirations are read as a u64 count. The state is
 * "next uncounted expiry" (monotonic ns) plus an interval; expirations are
 * counted lazily from the clock whenever the timerfd is touched, and a
 * kernel timer armed for the next expiry wakes sleepers and pollers.
 *
 * Timer callbacks run in interrupt context under the CPU's timer lock, so
 * they cannot re-arm (timer_add takes that lock): the callback only counts
 * and wakes, and the next read, poll or settime re-arms an interval timer.
 * Until then the count keeps growing from the clock, so reads are exact;
 * a pending count keeps the file readable, so nobody misses a wakeup.
 *
 * Locking: arm_lock (never in interrupt context) serialises arming, and is
 * taken before the timer lock; wq.lock guards the state and is taken by
 * the callback under the timer lock.
 */
#include <kernel/string.h>
#include "file.h"
#include "waitfd.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "sched/time.h"
#include "sched/timer.h"
#include "sched/waitq.h"
#include "arch/x86_64/percpu.h"

#define CLOCK_REALTIME	     0
#define CLOCK_MONOTONIC	     1
#define CLOCK_BOOTTIME	     7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9

struct timerfd {
	struct waitq wq;	  /* its lock guards the fields up to armed */
	u64 next;		  /* next uncounted expiry; 0: disarmed */
	u64 interval;		  /* ns; 0: one-shot */
	u64 ticks;		  /* expirations not yet read */
	u64 armed;		  /* deadline the ktimer was set for, 0: none */
	bool realtime;		  /* CLOCK_REALTIME(_ALARM) */
	struct spinlock arm_lock; /* timer_add/cancel; before wq.lock */
	struct ktimer timer;
};

/* Count the expirations up to now; wq.lock held. Returns how many. */
static u64 advance_locked(struct timerfd *t, u64 now)
{
	u64 k;

	if (!t->next || now < t->next)
		return 0;
	if (t->interval) {
		k = (now - t->next) / t->interval + 1;
		t->next += k * t->interval;
	} else {
		k = 1;
		t->next = 0;
	}
	t->ticks += k;
	return k;
}

/* The kernel timer fired (interrupt context, timer lock held). */
static void timerfd_fire(struct ktimer *kt)
{
	struct timerfd *t = kt->arg;

	spin_lock(&t->wq.lock);
	advance_locked(t, clock_monotonic_ns());
	t->armed = 0; /* at worst a stale zero: one needless re-arm */
	bool ready = t->ticks != 0;
	spin_unlock(&t->wq.lock);
	if (ready)
		waitq_wake(&t->wq, POLLIN | POLLRDNORM, -1);
}

/*
 * With arm_lock and wq.lock (flags fl) held: drop wq.lock, point the
 * kernel timer at t->next if it is not already, wake sleepers if the
 * caller counted new expirations, and drop arm_lock.
 */
static void rearm_unlock(struct timerfd *t, u64 fl, bool wake)
{
	u64 want = t->next;
	bool change = want != t->armed;

	t->armed = want;
	spin_unlock_irqrestore(&t->wq.lock, fl);
	if (change && want)
		timer_add(&t->timer, want);
	else if (change)
		timer_cancel(&t->timer);
	spin_unlock(&t->arm_lock);
	if (wake)
		waitq_wake(&t->wq, POLLIN | POLLRDNORM, -1);
}

/* Count expirations and make sure the next one will fire. */
static void timerfd_sync(struct timerfd *t)
{
	spin_lock(&t->arm_lock);
	u64 fl = spin_lock_irqsave(&t->wq.lock);
	u64 k = advance_locked(t, clock_monotonic_ns());
	rearm_unlock(t, fl, k != 0);
}

/* Counted expirations, for sleepers (wq.lock held). */
static bool has_ticks_locked(struct timerfd *t)
{
	advance_locked(t, clock_monotonic_ns());
	return t->ticks != 0;
}

static ssize_t timerfd_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	struct timerfd *t = f->priv;
	(void)pos;

	if (n < sizeof(u64))
		return -EINVAL;
	for (;;) {
		u64 fl = spin_lock_irqsave(&t->wq.lock);
		advance_locked(t, clock_monotonic_ns());
		u64 val = t->ticks;
		t->ticks = 0;
		bool rearm = t->next && t->next != t->armed;
		spin_unlock_irqrestore(&t->wq.lock, fl);
		if (rearm)
			timerfd_sync(t);
		if (val)
			return put_user(val, ubuf) ? -EFAULT : (ssize_t)8;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int ret = waitq_wait_event(&t->wq, has_ticks_locked(t), 0);
		if (ret)
			return ret;
	}
}

static u32 timerfd_poll(struct file *f, struct poll_table *pt)
{
	struct timerfd *t = f->priv;

	poll_wait(&t->wq, pt);
	timerfd_sync(t);
	return READ_ONCE(t->ticks) ? POLLIN | POLLRDNORM : 0;
}

/*
 * timer_cancel() returns at once when the callback has been taken off its
 * list, possibly while it still runs on another CPU. Callbacks run under
 * their CPU's timer lock, so taking every such lock waits them out. (Drop
 * this once timer_cancel waits for a running callback itself.)
 */
static void timer_cancel_sync(struct ktimer *kt)
{
	timer_cancel(kt);
	for (u32 i = 0; i < ncpus; i++) {
		struct percpu *c = cpu_table[i];
		if (!c)
			continue;
		u64 fl = spin_lock_irqsave(&c->timer_lock);
		spin_unlock_irqrestore(&c->timer_lock, fl);
	}
}

static void timerfd_release(struct file *f)
{
	struct timerfd *t = f->priv;

	spin_lock(&t->arm_lock);
	timer_cancel_sync(&t->timer);
	spin_unlock(&t->arm_lock);
	kfree(t);
}

static const struct file_ops timerfd_fops = {
	.read = timerfd_read,
	.poll = timerfd_poll,
	.stat = file_anon_stat,
	.release = timerfd_release,
};

int timerfd_open(int clockid, u32 flags, struct file **out)
{
	if (clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC &&
	    clockid != CLOCK_BOOTTIME && clockid != CLOCK_REALTIME_ALARM &&
	    clockid != CLOCK_BOOTTIME_ALARM)
		return -EINVAL;
	struct timerfd *t = kzalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	waitq_init(&t->wq);
	spin_init(&t->arm_lock);
	timer_init(&t->timer, timerfd_fire, t);
	t->realtime =
		clockid == CLOCK_REALTIME || clockid == CLOCK_REALTIME_ALARM;
	struct file *f =
		file_alloc(&timerfd_fops, NULL, O_RDWR | (flags & O_NONBLOCK));
	if (!f) {
		kfree(t);
		return -ENOMEM;
	}
	f->priv = t;
	*out = f;
	return 0;
}

/* The current setting, value relative to now; wq.lock held. */
static void get_locked(struct timerfd *t, u64 now, struct timerfd_spec *cur)
{
	cur->value_ns = t->next ? t->next - now : 0;
	cur->interval_ns = t->interval;
}

int timerfd_set(struct file *f, int flags, const struct timerfd_spec *new,
		struct timerfd_spec *old)
{
	struct timerfd *t = f->priv;

	if (f->ops != &timerfd_fops)
		return -EINVAL;
	spin_lock(&t->arm_lock);
	u64 fl = spin_lock_irqsave(&t->wq.lock);
	u64 now = clock_monotonic_ns();
	advance_locked(t, now);
	if (old)
		get_locked(t, now, old);
	u64 next = 0;
	if (new->value_ns && !(flags & TFD_TIMER_ABSTIME)) {
		next = now + new->value_ns;
	} else if (new->value_ns) {
		/* an absolute time on the timer's clock, as monotonic */
		s64 delta = (s64) new->value_ns -
			    (s64)(t->realtime ? clock_realtime_ns() : now);
		next = delta >= 0 || (u64)-delta < now ? now + delta : 1;
	}
	t->next = next;
	t->interval = next ? new->interval_ns : 0;
	t->ticks = 0;
	advance_locked(t, now); /* an absolute time in the past */
	rearm_unlock(t, fl, t->ticks != 0);
	return 0;
}

int timerfd_get(struct file *f, struct timerfd_spec *cur)
{
	struct timerfd *t = f->priv;

	if (f->ops != &timerfd_fops)
		return -EINVAL;
	spin_lock(&t->arm_lock);
	u64 fl = spin_lock_irqsave(&t->wq.lock);
	u64 now = clock_monotonic_ns();
	u64 k = advance_locked(t, now);
	get_locked(t, now, cur);
	rearm_unlock(t, fl, k != 0);
	return 0;
}
