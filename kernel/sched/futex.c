// SPDX-License-Identifier: MIT
/*
 * Futexes. A key is (address space, virtual address) for private futexes
 * and for any futex on private memory, as on Linux. A shared futex (no
 * FUTEX_PRIVATE_FLAG) on a MAP_SHARED mapping is keyed by the object
 * behind it, (vnode, file offset): shared anonymous memory, memfds and
 * /dev/shm files are all tmpfs files, so waiters and wakers in different
 * processes, at different addresses, meet. A waiter lives on its sleeping
 * thread's stack and records its bucket, which requeue may change under
 * both bucket locks.
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
#include "mm/vm.h"
#include "proc/proc.h"

#define NBUCKETS 256

struct futex_bucket {
	struct spinlock lock;
	struct list_head waiters;
};

/* (mm, address), or (vnode | 1, offset) with a file reference. */
struct futex_key {
	u64 a, b;
	struct file *ref; /* shared keys: keeps the vnode alive */
};

struct futex_waiter {
	struct list_head node;
	struct futex_bucket *bucket; /* changes only with both locks held */
	struct futex_key key;	     /* requeue changes it, bucket locked */
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

/* The key of uaddr (see the top of the file); release it with key_put. */
static int key_get(struct mm *mm, u64 uaddr, bool shared, struct futex_key *k)
{
	struct file *f;
	u64 obj, off;

	k->ref = NULL;
	if (uaddr & 3)
		return -EINVAL;
	int r = shared ? vm_shared_key(mm, uaddr, &f, &obj, &off) : 0;
	if (r < 0)
		return r;
	if (r) {
		k->a = obj | 1; /* never an mm pointer: those are even */
		k->b = off;
		k->ref = f;
	} else {
		k->a = (u64)mm;
		k->b = uaddr;
	}
	return 0;
}

static void key_put(struct futex_key *k)
{
	if (k->ref)
		vm_file_put(k->ref);
}

static bool key_eq(const struct futex_key *x, const struct futex_key *y)
{
	return x->a == y->a && x->b == y->b;
}

static struct futex_bucket *bucket_of(const struct futex_key *k)
{
	u64 h = (k->b >> 2) ^ (k->a >> 6);

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

int futex_wait(struct mm *mm, u64 uaddr, bool shared, u32 val, u64 deadline,
	       u32 bitset)
{
	struct futex_waiter w = {0};
	struct futex_key key;
	struct thread *t = current;
	u32 cur;
	int ret = key_get(mm, uaddr, shared, &key);

	if (ret)
		return ret;
	w.key = key;
	w.bucket = bucket_of(&key);
	w.bitset = bitset;
	w.thread = t;
	spin_lock(&w.bucket->lock);
	int fault = get_user(cur, uaddr);
	if (fault || cur != val) {
		ret = fault ? -EFAULT : -EAGAIN;
		spin_unlock(&w.bucket->lock);
		key_put(&key);
		return ret;
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
	key_put(&key);
	return ret;
}

/* Wake up to nr waiters of key in b; b->lock held. */
static int wake_locked(struct futex_bucket *b, const struct futex_key *key,
		       int nr, u32 bitset)
{
	struct futex_waiter *w, *n;
	int woken = 0;

	list_for_each_entry_safe(w, n, &b->waiters, node)
	{
		if (woken >= nr)
			break;
		if (!key_eq(&w->key, key) || !(w->bitset & bitset))
			continue;
		list_del(&w->node);
		struct thread *t = w->thread;
		WRITE_ONCE(w->woken, true);
		sched_wake(t);
		woken++;
	}
	return woken;
}

int futex_wake(struct mm *mm, u64 uaddr, bool shared, int nr, u32 bitset)
{
	struct futex_key key;
	int n = key_get(mm, uaddr, shared, &key);

	if (n)
		return n;
	struct futex_bucket *b = bucket_of(&key);
	spin_lock(&b->lock);
	n = wake_locked(b, &key, nr, bitset);
	spin_unlock(&b->lock);
	key_put(&key);
	return n;
}

void futex_wake_addr(struct mm *mm, u64 uaddr, int nr)
{
	/* Linux wakes the CLONE_CHILD_CLEARTID word as a shared futex */
	futex_wake(mm, uaddr, true, nr, FUTEX_BITSET_ANY);
}

#define FUTEX_WAITERS	  0x80000000u
#define FUTEX_OWNER_DIED  0x40000000u
#define FUTEX_TID_MASK	  0x3fffffffu
#define ROBUST_LIST_LIMIT 2048 /* Linux's bound on a corrupt (cyclic) list */

/*
 * A robust lock word whose owner tid is dying: mark it FUTEX_OWNER_DIED,
 * keep FUTEX_WAITERS, wake one waiter (Linux's handle_futex_death). A
 * pending non-PI lock at 0 may have been released without a wake: wake.
 */
static void robust_death(struct mm *mm, u64 uaddr, int tid, bool pi,
			 bool pending)
{
	u32 val, actual;

	if (uaddr & 3)
		return;
	for (int tries = 0; tries < 64; tries++) {
		if (get_user(val, uaddr))
			return;
		if (pending && !pi && !val) {
			futex_wake_addr(mm, uaddr, 1);
			return;
		}
		if ((val & FUTEX_TID_MASK) != (u32)tid)
			return;
		u32 nval = (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
		if (user_cmpxchg32(uaddr, val, nval, &actual))
			return;
		if (actual != val)
			continue; /* the word changed under us: again */
		if (!pi && (val & FUTEX_WAITERS))
			futex_wake_addr(mm, uaddr, 1);
		return;
	}
}

/* An entry of the user's list: the address, bit 0 says PI. */
static int robust_fetch(u64 uaddr, u64 *entry, bool *pi)
{
	u64 v;

	if (get_user(v, uaddr))
		return -EFAULT;
	*entry = v & ~1ULL;
	*pi = v & 1;
	return 0;
}

void futex_exit_robust(struct mm *mm, u64 head, int tid)
{
	u64 entry, next, pending;
	s64 offset;
	bool pi, next_pi, pending_pi;

	/* struct robust_list_head: list.next, futex_offset, list_op_pending */
	if (robust_fetch(head, &entry, &pi) || get_user(offset, head + 8) ||
	    robust_fetch(head + 16, &pending, &pending_pi))
		return;
	for (int limit = ROBUST_LIST_LIMIT; entry != head && limit; limit--) {
		int r = robust_fetch(entry, &next, &next_pi);
		if (entry != pending)
			robust_death(mm, entry + (u64)offset, tid, pi, false);
		if (r)
			return;
		entry = next;
		pi = next_pi;
	}
	if (pending)
		robust_death(mm, pending + (u64)offset, tid, pending_pi, true);
}

/* Keys of two futex words, both released on failure. */
static int key_get_two(struct mm *mm, u64 uaddr1, u64 uaddr2, bool shared,
		       struct futex_key *k1, struct futex_key *k2)
{
	int ret = key_get(mm, uaddr1, shared, k1);

	if (ret)
		return ret;
	ret = key_get(mm, uaddr2, shared, k2);
	if (ret)
		key_put(k1);
	return ret;
}

static int requeue_locked(struct futex_bucket *b1, struct futex_bucket *b2,
			  struct futex_key *k1, struct futex_key *k2,
			  int nr_wake, int nr_requeue)
{
	struct futex_waiter *w, *n;
	int done = wake_locked(b1, k1, nr_wake, FUTEX_BITSET_ANY), moved = 0;

	list_for_each_entry_safe(w, n, &b1->waiters, node)
	{
		if (moved >= nr_requeue)
			break;
		if (!key_eq(&w->key, k1))
			continue;
		list_del(&w->node);
		/* the waiter's own reference stays with its first key */
		w->key.a = k2->a;
		w->key.b = k2->b;
		WRITE_ONCE(w->bucket, b2);
		list_add_tail(&w->node, &b2->waiters);
		moved++;
	}
	return done + moved;
}

int futex_requeue(struct mm *mm, u64 uaddr1, int nr_wake, u64 uaddr2,
		  int nr_requeue, bool shared, bool cmp, u32 cmpval)
{
	struct futex_key k1, k2;
	int ret;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	ret = key_get_two(mm, uaddr1, uaddr2, shared, &k1, &k2);
	if (ret)
		return ret;
	struct futex_bucket *b1 = bucket_of(&k1), *b2 = bucket_of(&k2);
	lock_two(b1, b2);
	u32 cur;
	if (cmp && get_user(cur, uaddr1))
		ret = -EFAULT;
	else if (cmp && cur != cmpval)
		ret = -EAGAIN;
	else
		ret = requeue_locked(b1, b2, &k1, &k2, nr_wake, nr_requeue);
	unlock_two(b1, b2);
	key_put(&k1);
	key_put(&k2);
	return ret;
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

/* Apply the operation to *uaddr2 atomically; the old value in *old. */
static int op_update(u64 uaddr2, u32 op, int oparg, u32 *old)
{
	u32 actual;

	if (get_user(*old, uaddr2))
		return -EFAULT;
	for (;;) {
		int r = user_cmpxchg32(uaddr2, *old, op_apply(op, oparg, *old),
				       &actual);
		if (r)
			return r;
		if (actual == *old)
			return 0;
		*old = actual;
	}
}

int futex_wake_op(struct mm *mm, u64 uaddr1, int nr1, u64 uaddr2, int nr2,
		  bool shared, u32 encoded)
{
	u32 op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
	int oparg = ((int)(encoded << 8)) >> 20;
	int cmparg = ((int)(encoded << 20)) >> 20;
	struct futex_key k1, k2;
	u32 old;

	if (op > 4 || cmp > 5)
		return -EINVAL;
	if ((encoded >> 31) & 1) { /* FUTEX_OP_OPARG_SHIFT */
		if (oparg < 0 || oparg > 31)
			return -EINVAL;
		oparg = 1 << oparg;
	}
	int n = key_get_two(mm, uaddr1, uaddr2, shared, &k1, &k2);
	if (n)
		return n;
	struct futex_bucket *b1 = bucket_of(&k1), *b2 = bucket_of(&k2);
	lock_two(b1, b2);
	n = op_update(uaddr2, op, oparg, &old);
	if (!n) {
		n = wake_locked(b1, &k1, nr1, FUTEX_BITSET_ANY);
		if (op_cmp(cmp, (int)old, cmparg))
			n += wake_locked(b2, &k2, nr2, FUTEX_BITSET_ANY);
	}
	unlock_two(b1, b2);
	key_put(&k1);
	key_put(&k2);
	return n;
}
