/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks. spin_lock_irqsave disables interrupts on this CPU for the
 * duration; every lock that an interrupt handler may take must be taken
 * that way. Locks are ticket locks (fair across vCPUs).
 *
 * With KILN_DEBUG_LOCKS (the default build; `make DEBUG_LOCKS=0` drops it)
 * every lock records the CPU holding it: taking a lock this CPU already
 * holds, or releasing one it does not hold, panics with a backtrace, and
 * each CPU counts the spinlocks it holds so the scheduler can refuse to
 * sleep with one held (sched_block). `spin_assert_held` checks the
 * precondition of `*_locked` functions.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <kernel/types.h>

struct spinlock {
	volatile u32 next;
	volatile u32 owner;
	u32 holder; /* KILN_DEBUG_LOCKS: CPU id + 1 of the holder, or 0 */
};

#define SPINLOCK_INIT                                                          \
	{                                                                      \
		0, 0, 0                                                        \
	}

/* The per-CPU fields the checks use, at fixed offsets in struct percpu
 * (arch/x86_64/percpu.h asserts them). */
#define PERCPU_ID_OFF	      32
#define PERCPU_LOCKS_HELD_OFF 36

__attribute__((noreturn)) void spin_bug(struct spinlock *l, const char *what);

static inline u32 spin_cpu_tag(void)
{
	u32 id;
	__asm__ volatile("movl %%gs:32, %0" : "=r"(id));
	return id + 1;
}

/* Bookkeeping after the lock is taken (also for hand-rolled acquires). */
static inline void spin_acquired(struct spinlock *l)
{
#ifdef KILN_DEBUG_LOCKS
	l->holder = spin_cpu_tag();
	__asm__ volatile("incl %%gs:36" ::: "memory");
#else
	(void)l;
#endif
}

static inline void spin_check_acquire(struct spinlock *l)
{
#ifdef KILN_DEBUG_LOCKS
	if (unlikely(READ_ONCE(l->holder) == spin_cpu_tag()))
		spin_bug(l, "recursive acquire");
#else
	(void)l;
#endif
}

/* The caller must hold l (a no-op without KILN_DEBUG_LOCKS). */
static inline void spin_assert_held(struct spinlock *l)
{
#ifdef KILN_DEBUG_LOCKS
	if (unlikely(READ_ONCE(l->holder) != spin_cpu_tag()))
		spin_bug(l, "a lock the caller must hold is not held");
#else
	(void)l;
#endif
}

/* Spinlocks this CPU holds (0 without KILN_DEBUG_LOCKS). */
static inline u32 spin_held_count(void)
{
#ifdef KILN_DEBUG_LOCKS
	u32 n;
	__asm__ volatile("movl %%gs:36, %0" : "=r"(n));
	return n;
#else
	return 0;
#endif
}

static inline u64 irq_save(void)
{
	u64 flags;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
	return flags;
}

static inline void irq_restore(u64 flags)
{
	if (flags & 0x200)
		__asm__ volatile("sti" ::: "memory");
}

static inline bool irqs_enabled(void)
{
	u64 flags;
	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return flags & 0x200;
}

static inline void spin_init(struct spinlock *l)
{
	l->next = 0;
	l->owner = 0;
	l->holder = 0;
}

static inline void spin_lock(struct spinlock *l)
{
	spin_check_acquire(l);
	u32 t = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t)
		__asm__ volatile("pause");
	spin_acquired(l);
}

static inline void spin_unlock(struct spinlock *l)
{
#ifdef KILN_DEBUG_LOCKS
	if (unlikely(l->holder != spin_cpu_tag()))
		spin_bug(l, "release of a lock this CPU does not hold");
	l->holder = 0;
	__asm__ volatile("decl %%gs:36" ::: "memory");
#endif
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(struct spinlock *l)
{
	return READ_ONCE(l->owner) != READ_ONCE(l->next);
}

static inline u64 spin_lock_irqsave(struct spinlock *l)
{
	u64 f = irq_save();
	spin_lock(l);
	return f;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, u64 f)
{
	spin_unlock(l);
	irq_restore(f);
}

#endif
