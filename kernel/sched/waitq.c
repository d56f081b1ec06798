// SPDX-License-Identifier: MIT
/* Wait queues (see waitq.h). */
#include <kernel/printk.h>
#include "waitq.h"
#include "sched.h"
#include "time.h"
#include "arch/x86_64/percpu.h"
#include "proc/proc.h"

void waitq_init(struct waitq *q)
{
	spin_init(&q->lock);
	list_init(&q->waiters);
}

void waiter_init(struct waiter *w, struct thread *t)
{
	list_init(&w->node);
	w->thread = t;
	w->func = NULL;
	w->data = NULL;
	w->woken = false;
}

void waitq_add(struct waitq *q, struct waiter *w)
{
	u64 f = spin_lock_irqsave(&q->lock);
	list_add_tail(&w->node, &q->waiters);
	spin_unlock_irqrestore(&q->lock, f);
}

void waitq_remove(struct waitq *q, struct waiter *w)
{
	u64 f = spin_lock_irqsave(&q->lock);
	list_del(&w->node);
	spin_unlock_irqrestore(&q->lock, f);
}

int waitq_wake(struct waitq *q, u32 events, int nr)
{
	struct waiter *w, *n;
	int woken = 0;
	u64 f = spin_lock_irqsave(&q->lock);

	list_for_each_entry_safe(w, n, &q->waiters, node)
	{
		if (w->func) {
			w->func(w, events);
			continue;
		}
		if (nr >= 0 && woken >= nr)
			continue;
		list_del(&w->node);
		w->woken = true;
		sched_wake(w->thread);
		woken++;
	}
	spin_unlock_irqrestore(&q->lock, f);
	return woken;
}

static void wake_timer_fn(struct ktimer *t)
{
	sched_wake(t->arg);
}

int waitq_block_locked(struct waitq *q, struct waiter *w, u64 deadline, u64 f)
{
	struct thread *t = current;
	int ret = 0;

	if (thread_interrupted(t)) {
		spin_unlock_irqrestore(&q->lock, f);
		return -ERESTARTSYS;
	}
	if (deadline && clock_monotonic_ns() >= deadline) {
		spin_unlock_irqrestore(&q->lock, f);
		return -ETIMEDOUT;
	}
	w->woken = false;
	list_add_tail(&w->node, &q->waiters);
	spin_unlock_irqrestore(&q->lock, f);
	if (deadline) {
		timer_init(&t->sleep_timer, wake_timer_fn, t);
		timer_add(&t->sleep_timer, deadline);
	}
	sched_block();
	if (deadline)
		timer_cancel(&t->sleep_timer);
	f = spin_lock_irqsave(&q->lock);
	if (!w->woken)
		list_del(&w->node);
	spin_unlock_irqrestore(&q->lock, f);
	if (thread_interrupted(t))
		ret = -ERESTARTSYS;
	return ret;
}
