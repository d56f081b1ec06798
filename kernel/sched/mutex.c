// SPDX-License-Identifier: MIT
/*
 * Sleeping locks (see mutex.h). The owner field is guarded by the wait
 * queue's spinlock. A waiter woken by mutex_unlock that finds the lock
 * taken again simply queues again; an interrupted waiter leaves only while
 * someone else holds the lock, so that holder's unlock wakes the next
 * waiter and no wakeup is lost.
 */
#include <kernel/printk.h>
#include "mutex.h"
#include "sched.h"
#include "arch/x86_64/percpu.h"
#include "proc/proc.h"

#define MUTEX_SPINS 256

void mutex_init(struct mutex *m)
{
	waitq_init(&m->wq);
	m->owner = NULL;
}

/* Is m held by a thread that is on a CPU now? (A stale owner pointer is
 * only read: threads live in the kernel heap, which stays mapped.) */
static bool owner_running(struct mutex *m)
{
	struct thread *o = READ_ONCE(m->owner);
	u32 cpu;

	if (!o)
		return false;
	cpu = READ_ONCE(o->last_cpu);
	return cpu < MAX_CPUS && cpu_table[cpu] &&
	       READ_ONCE(cpu_table[cpu]->curr) == o;
}

static int mutex_lock_common(struct mutex *m, bool interruptible)
{
	struct thread *self = current;
	struct waiter w;
	u64 f;

	waiter_init(&w, self);
	/* a short spin first while the holder runs on another CPU: holders
	 * keep the lock briefly, and sleeping costs a switch and an IPI to
	 * wake; a holder that is not running cannot let go meanwhile */
	for (int i = 0; i < MUTEX_SPINS && owner_running(m); i++)
		__asm__ volatile("pause");
	f = spin_lock_irqsave(&m->wq.lock);
	BUG_ON(m->owner == self);
	while (m->owner) {
		if (interruptible && thread_interrupted(self)) {
			spin_unlock_irqrestore(&m->wq.lock, f);
			return -ERESTARTSYS;
		}
		w.woken = false;
		list_add_tail(&w.node, &m->wq.waiters);
		spin_unlock_irqrestore(&m->wq.lock, f);
		sched_block();
		f = spin_lock_irqsave(&m->wq.lock);
		if (!w.woken)
			list_del(&w.node);
	}
	m->owner = self;
	spin_unlock_irqrestore(&m->wq.lock, f);
	return 0;
}

void mutex_lock(struct mutex *m)
{
	mutex_lock_common(m, false);
}

int mutex_lock_interruptible(struct mutex *m)
{
	return mutex_lock_common(m, true);
}

bool mutex_trylock(struct mutex *m)
{
	bool ok = false;
	u64 f = spin_lock_irqsave(&m->wq.lock);

	if (!m->owner) {
		m->owner = current;
		ok = true;
	}
	spin_unlock_irqrestore(&m->wq.lock, f);
	return ok;
}

void mutex_unlock(struct mutex *m)
{
	u64 f = spin_lock_irqsave(&m->wq.lock);

	BUG_ON(m->owner != current);
	m->owner = NULL;
	spin_unlock_irqrestore(&m->wq.lock, f);
	waitq_wake(&m->wq, 0, 1);
}

bool mutex_is_held(struct mutex *m)
{
	return READ_ONCE(m->owner) == current;
}
