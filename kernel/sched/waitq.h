/* SPDX-License-Identifier: MIT */
/*
 * Wait queues: a lock and a list of waiters. A waiter is either a sleeping
 * thread (woken through sched_wake) or a callback (for epoll and other
 * readiness fan-out), chosen by whether func is set. Wakers pass an event
 * mask (POLLIN...) so callback waiters can filter.
 */
#ifndef SCHED_WAITQ_H
#define SCHED_WAITQ_H

#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <kernel/types.h>

struct thread;

struct waitq {
	struct spinlock lock;
	struct list_head waiters;
};

struct waiter {
	struct list_head node;
	struct thread *thread;
	void (*func)(struct waiter *w, u32 events);
	void *data;
	bool woken; /* guarded by the queue's lock */
};

void waitq_init(struct waitq *q);
void waiter_init(struct waiter *w, struct thread *t);
void waitq_add(struct waitq *q, struct waiter *w);
void waitq_remove(struct waitq *q, struct waiter *w);
/* Wake up to nr thread waiters (nr < 0: all) and every callback. */
int waitq_wake(struct waitq *q, u32 events, int nr);

/*
 * Sleep until cond (re-evaluated under q->lock) is true, the deadline
 * (monotonic ns, 0 = none) passes (-ETIMEDOUT) or the thread is
 * interrupted by a signal or kill (-ERESTARTSYS: the syscall is restarted
 * or fails with EINTR depending on SA_RESTART; calls that Linux never
 * restarts, like poll or epoll_wait, turn it into -EINTR themselves).
 * Returns 0 when cond became true.
 * Both cond and deadline are evaluated on every wakeup: compute the
 * deadline once into a variable (an inline `clock_monotonic_ns() + x`
 * moves with every try and never passes).
 */
#define waitq_wait_event(q, cond, deadline)                                    \
	({                                                                     \
		struct waiter __w;                                             \
		int __ret = 0;                                                 \
		waiter_init(&__w, current);                                    \
		for (;;) {                                                     \
			u64 __f = spin_lock_irqsave(&(q)->lock);               \
			if (cond) {                                            \
				spin_unlock_irqrestore(&(q)->lock, __f);       \
				break;                                         \
			}                                                      \
			__ret = waitq_block_locked((q), &__w, (deadline),      \
						   __f);                       \
			if (__ret) {                                           \
				/* an event that raced the signal wins */      \
				__f = spin_lock_irqsave(&(q)->lock);           \
				if (cond)                                      \
					__ret = 0;                             \
				spin_unlock_irqrestore(&(q)->lock, __f);       \
				break;                                         \
			}                                                      \
		}                                                              \
		__ret;                                                         \
	})

/* Enqueue w, drop q->lock (flags f), block; 0, -ETIMEDOUT or -EINTR. */
int waitq_block_locked(struct waitq *q, struct waiter *w, u64 deadline, u64 f);

#endif
