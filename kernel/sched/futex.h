/* SPDX-License-Identifier: MIT */
/*
 * Futex mechanism: waiters hashed by key into buckets, each with its own
 * lock. The check of the futex word and the enqueue happen under the
 * bucket lock, so a wake can never slip between them.
 */
#ifndef SCHED_FUTEX_H
#define SCHED_FUTEX_H

#include <kernel/types.h>

struct mm;

#define FUTEX_BITSET_ANY 0xffffffffu

void futex_init(void);
/*
 * shared: the call had no FUTEX_PRIVATE_FLAG (a word in a MAP_SHARED
 * mapping is then keyed by the object behind it, across processes).
 * deadline: monotonic ns, 0 = wait forever.
 */
int futex_wait(struct mm *mm, u64 uaddr, bool shared, u32 val, u64 deadline,
	       u32 bitset);
int futex_wake(struct mm *mm, u64 uaddr, bool shared, int nr, u32 bitset);
int futex_requeue(struct mm *mm, u64 uaddr1, int nr_wake, u64 uaddr2,
		  int nr_requeue, bool shared, bool cmp, u32 cmpval);
int futex_wake_op(struct mm *mm, u64 uaddr1, int nr1, u64 uaddr2, int nr2,
		  bool shared, u32 op);
/* Wake for CLONE_CHILD_CLEARTID at thread exit. */
void futex_wake_addr(struct mm *mm, u64 uaddr, int nr);
/*
 * Thread tid of current's address space mm is exiting: each lock of its
 * robust list (set_robust_list's head) it still owns gets
 * FUTEX_OWNER_DIED and one waiter is woken, as on Linux.
 */
void futex_exit_robust(struct mm *mm, u64 head, int tid);

#endif
