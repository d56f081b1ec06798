/* SPDX-License-Identifier: MIT */
/*
 * Sleeping locks, for holders that may block or copy from user space
 * (tmpfs writers, the network stack). A waiter sleeps instead of spinning;
 * release wakes one waiter. Not for interrupt context.
 */
#ifndef SCHED_MUTEX_H
#define SCHED_MUTEX_H

#include <kernel/types.h>
#include "waitq.h"

struct thread;

struct mutex {
	struct waitq wq;
	struct thread *owner; /* wq.lock; NULL: free */
};

void mutex_init(struct mutex *m);
/* Take m, sleeping as long as it takes (signals do not interrupt). */
void mutex_lock(struct mutex *m);
/* Take m; -ERESTARTSYS if a signal arrives while it is held by another. */
int mutex_lock_interruptible(struct mutex *m);
/* Take m only if free: true on success. */
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
/* True if the current thread holds m (for assertions). */
bool mutex_is_held(struct mutex *m);

#endif
