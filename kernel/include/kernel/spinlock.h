/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks. spin_lock_irqsave disables interrupts on this CPU for the
 * duration; every lock that an interrupt handler may take must be taken
 * that way. Locks are ticket locks (fair across vCPUs).
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <kernel/types.h>

struct spinlock {
	volatile u32 next;
	volatile u32 owner;
};

#define SPINLOCK_INIT                                                          \
	{                                                                      \
		0, 0                                                           \
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
}

static inline void spin_lock(struct spinlock *l)
{
	u32 t = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t)
		__asm__ volatile("pause");
}

static inline void spin_unlock(struct spinlock *l)
{
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
