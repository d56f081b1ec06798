// SPDX-License-Identifier: MIT
/*
 * Futexes. A key is (address space, virtual address): private and shared
 * futexes on private memory are the same key, as on Linux; shared memory
 * between processes arrives with fork and MAP_SHARED (then the key becomes
 * the physical page). A waiter lives on its sleeping thread's stack and
 * records its bucket, which requeue may change under both bucket locks.
 */
#include <kernel/list.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include "futex.h"
#include "sched.h"
#include "time.h"
#include "timer.h"
#include "arch/x86_64/percpu.h"
#include "mm/uaccess.h"
#include "proc/proc.h"

#define NBUCKETS 256

struct futex_bucket {
	struct spinlock lock;
	struct list_head waiters;
};

struct futex_waiter {
	struct list_head node;
	struct futex_bucket *bucket; /* changes only with both locks held */
	struct mm *mm;
	u64 uaddr;
	u32 bitset;
	bool woken;
	struct thread *thread;
};

static struct futex_bucket buckets[NBUCKETS];

void futex_init(void)
{
	for (int i = 0; i < NBUCKETS; i++) {
		spin_init(&buckets[i].lock);
		list_init(&buckets[i].waiters);
	}
}

static struct futex_bucket *bucket_of(struct mm *mm, u64 uaddr)
{
	u64 h = (uaddr >> 2) ^ ((u64)mm >> 6);

	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ULL;
	return &buckets[h >> 56];
}

static void lock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	if (a == b) {
		spin_lock(&a->lock);
	} else if (a < b) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}

static void unlock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	spin_unlock(&a->lock);
	if (a != b)
		spin_unlock(&b->lock);
}

/* Lock the bucket w currently lives in (requeue may move it). */
static struct futex_bucket *lock_waiter_bucket(struct futex_waiter *w)
{
	for (;;) {
		struct futex_bucket *b = READ_ONCE(w->bucket);
		spin_lock(&b->lock);
		if (READ_ONCE(w->bucket) == b)
			return b;
		spin_unlock(&b->lock);
	}
}

static void wake_timer(struct ktimer *t)
{
	sched_wake(t->arg);
}

int futex_wait(struct mm *mm, u64 uaddr, u32 val, u64 deadline, u32 bitset)
{
	struct futex_waiter w = {0};
	struct thread *t = current;
	u32 cur;
	int ret = 0;

	if (uaddr & 3)
		return -EINVAL;
	w.bucket = bucket_of(mm, uaddr);
	w.mm = mm;
	w.uaddr = uaddr;
	w.bitset = bitset;
	w.thread = t;
	spin_lock(&w.bucket->lock);
	if (get_user(cur, uaddr)) {
		spin_unlock(&w.bucket->lock);
		return -EFAULT;
	}
	if (cur != val) {
		spin_unlock(&w.bucket->lock);
		return -EAGAIN;
	}
	list_add_tail(&w.node, &w.bucket->waiters);
	spin_unlock(&w.bucket->lock);
	if (deadline) {
		timer_init(&t->sleep_timer, wake_timer, t);
		timer_add(&t->sleep_timer, deadline);
	}
	for (;;) {
		sched_block();
		struct futex_bucket *b = lock_waiter_bucket(&w);
		if (w.woken) {
			spin_unlock(&b->lock);
			break;
		}
		if (deadline && clock_monotonic_ns() >= deadline)
			ret = -ETIMEDOUT;
		else if (thread_interrupted(t))
			ret = deadline ? -EINTR : -ERESTARTSYS;
		if (ret) {
			list_del(&w.node);
			spin_unlock(&b->lock);
			break;
		}
		spin_unlock(&b->lock);
	}
	if (deadline)
		timer_cancel(&t->sleep_timer);
	return ret;
}

/* Wake up to nr waiters of (mm, uaddr) in b; b->lock held. */
static int wake_locked(struct futex_bucket *b, struct mm *mm, u64 uaddr, int nr,
		       u32 bitset)
{
	struct futex_waiter *w, *n;
	int woken = 0;

	list_for_each_entry_safe(w, n, &b->waiters, node)
	{
		if (woken >= nr)
			break;
		if (w->mm != mm || w->uaddr != uaddr || !(w->bitset & bitset))
			continue;
		list_del(&w->node);
		struct thread *t = w->thread;
		WRITE_ONCE(w->woken, true);
		sched_wake(t);
		woken++;
	}
	return woken;
}

int futex_wake(struct mm *mm, u64 uaddr, int nr, u32 bitset)
{
	if (uaddr & 3)
		return -EINVAL;
	struct futex_bucket *b = bucket_of(mm, uaddr);
	spin_lock(&b->lock);
	int n = wake_locked(b, mm, uaddr, nr, bitset);
	spin_unlock(&b->lock);
	return n;
}

void futex_wake_addr(struct mm *mm, u64 uaddr, int nr)
{
	futex_wake(mm, uaddr, nr, FUTEX_BITSET_ANY);
}

int futex_requeue(struct mm *mm, u64 uaddr1, int nr_wake, u64 uaddr2,
		  int nr_requeue, bool cmp, u32 cmpval)
{
	struct futex_bucket *b1 = bucket_of(mm, uaddr1);
	struct futex_bucket *b2 = bucket_of(mm, uaddr2);
	struct futex_waiter *w, *n;
	int done, moved = 0;

	if ((uaddr1 & 3) || (uaddr2 & 3) || nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	lock_two(b1, b2);
	if (cmp) {
		u32 cur;
		if (get_user(cur, uaddr1)) {
			unlock_two(b1, b2);
			return -EFAULT;
		}
		if (cur != cmpval) {
			unlock_two(b1, b2);
			return -EAGAIN;
		}
	}
	done = wake_locked(b1, mm, uaddr1, nr_wake, FUTEX_BITSET_ANY);
	list_for_each_entry_safe(w, n, &b1->waiters, node)
	{
		if (moved >= nr_requeue)
			break;
		if (w->mm != mm || w->uaddr != uaddr1)
			continue;
		list_del(&w->node);
		w->uaddr = uaddr2;
		WRITE_ONCE(w->bucket, b2);
		list_add_tail(&w->node, &b2->waiters);
		moved++;
	}
	unlock_two(b1, b2);
	return done + moved;
}

static int op_apply(u32 op, u32 oparg, u32 old)
{
	switch (op) {
	case 0:
		return oparg;
	case 1:
		return old + oparg;
	case 2:
		return old | oparg;
	case 3:
		return old & ~oparg;
	case 4:
		return old ^ oparg;
	}
	return old;
}

static bool op_cmp(u32 cmp, int a, int b)
{
	switch (cmp) {
	case 0:
		return a == b;
	case 1:
		return a != b;
	case 2:
		return a < b;
	case 3:
		return a <= b;
	case 4:
		return a > b;
	case 5:
		return a >= b;
	}
	return false;
}

int futex_wake_op(struct mm *mm, u64 uaddr1, int nr1, u64 uaddr2, int nr2,
		  u32 encoded)
{
	u32 op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
	int oparg = ((int)(encoded << 8)) >> 20;
	int cmparg = ((int)(encoded << 20)) >> 20;
	struct futex_bucket *b1 = bucket_of(mm, uaddr1);
	struct futex_bucket *b2 = bucket_of(mm, uaddr2);

	if ((uaddr1 & 3) || (uaddr2 & 3) || op > 4 || cmp > 5)
		return -EINVAL;
	if ((encoded >> 31) & 1) { /* FUTEX_OP_OPARG_SHIFT */
		if (oparg < 0 || oparg > 31)
			return -EINVAL;
		oparg = 1 << oparg;
	}
	lock_two(b1, b2);
	u32 old, actual;
	if (get_user(old, uaddr2)) {
		unlock_two(b1, b2);
		return -EFAULT;
	}
	for (;;) {
		int r = user_cmpxchg32(uaddr2, old, op_apply(op, oparg, old),
				       &actual);
		if (r) {
			unlock_two(b1, b2);
			return r;
		}
		if (actual == old)
			break;
		old = actual;
	}
	int n = wake_locked(b1, mm, uaddr1, nr1, FUTEX_BITSET_ANY);
	if (op_cmp(cmp, (int)old, cmparg))
		n += wake_locked(b2, mm, uaddr2, nr2, FUTEX_BITSET_ANY);
	unlock_two(b1, b2);
	return n;
}
