// SPDX-License-Identifier: MIT
/*
 * TLB shootdown. The initiator flushes locally, then (one request at a
 * time, under tlb_lock) posts the range to every other CPU that has the
 * address space loaded, sends VEC_TLB and waits for each to acknowledge.
 * A CPU waiting for tlb_lock serves a request aimed at itself, so two CPUs
 * shooting down at once cannot deadlock even with interrupts off.
 */
#include <kernel/spinlock.h>
#include "vm.h"
#include "vmm.h"
#include "proc/proc.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "sched/time.h"

#define FLUSH_ALL_PAGES 64

static struct spinlock tlb_lock = SPINLOCK_INIT;
static volatile u64 req_start, req_end; /* tlb_lock */
static struct mm *volatile req_drop;	/* tlb_lock: a tlb_drop_lazy */
static volatile u64 req_targets;	/* CPUs yet to flush (atomic) */

static void flush_local(u64 start, u64 end)
{
	if ((end - start) / PAGE_SIZE > FLUSH_ALL_PAGES) {
		write_cr3(read_cr3());
		return;
	}
	for (u64 va = start; va < end; va += PAGE_SIZE)
		invlpg(va);
}

/* Leave mm if this CPU only borrows it (an idle or kernel thread runs on
 * the tables the last user thread left loaded: sched.c switch_mm). */
static void drop_lazy(struct percpu *c, struct mm *mm)
{
	struct thread *t = c->curr;

	if (c->loaded_mm != mm || (t->proc && t->proc->mm == mm))
		return;
	write_cr3(kernel_pml4);
	c->loaded_cr3 = kernel_pml4;
	vm_cpu_leave(mm, c->id);
	c->loaded_mm = NULL;
}

static void serve_request(u32 cpu)
{
	if (!(__atomic_load_n(&req_targets, __ATOMIC_ACQUIRE) & (1UL << cpu)))
		return;
	if (req_drop)
		drop_lazy(this_cpu(), req_drop);
	else
		flush_local(req_start, req_end);
	__atomic_and_fetch(&req_targets, ~(1UL << cpu), __ATOMIC_RELEASE);
}

void tlb_ipi_handler(void)
{
	serve_request(this_cpu()->id);
}

void mm_lock(struct mm *mm)
{
	struct spinlock *l = &mm->lock;
	spin_check_acquire(l);
	u32 t = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t) {
		u64 f = irq_save(); /* stay on this CPU while serving */
		serve_request(this_cpu()->id);
		irq_restore(f);
		cpu_relax();
	}
	spin_acquired(l);
}

static void shootdown(struct percpu *c, u64 targets, u64 start, u64 end,
		      struct mm *drop);

void tlb_flush_range(struct mm *mm, u64 start, u64 end)
{
	u64 f = irq_save();
	struct percpu *c = this_cpu();
	u32 self = c->id;

	if (c->loaded_mm == mm)
		flush_local(start, end);
	u64 targets = __atomic_load_n(&mm->cpumask, __ATOMIC_SEQ_CST) &
		      ~(1UL << self);
	shootdown(c, targets, start, end, NULL);
	irq_restore(f);
}

void cpu_barrier_ipi(struct mm *mm)
{
	u64 f = irq_save();
	struct percpu *c = this_cpu();
	u64 all = ncpus >= 64 ? ~0UL : (1UL << ncpus) - 1;
	u64 targets =
		mm ? __atomic_load_n(&mm->cpumask, __ATOMIC_SEQ_CST) : all;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	shootdown(c, targets & ~(1UL << c->id), 0, 0, NULL);
	irq_restore(f);
}

/* Ask targets to flush [start, end) (nothing if empty), or to leave drop
 * if they only borrow it, and wait for all of them; interrupts off. */
static void shootdown(struct percpu *c, u64 targets, u64 start, u64 end,
		      struct mm *drop)
{
	u32 self = c->id;

	if (!targets || ncpus == 1)
		return;
	for (;;) {
		u32 t = __atomic_load_n(&tlb_lock.next, __ATOMIC_RELAXED);
		if (t == __atomic_load_n(&tlb_lock.owner, __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&tlb_lock.next, &t, t + 1,
						false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
		serve_request(self);
		cpu_relax();
	}
	spin_acquired(&tlb_lock);
	u64 t0 = time_boot_ns();
	req_start = start;
	req_end = end;
	req_drop = drop;
	__atomic_store_n(&req_targets, targets, __ATOMIC_RELEASE);
	for (u32 i = 0; i < ncpus; i++)
		if (targets & (1UL << i)) {
			lapic_send_ipi(cpu_table[i]->apic_id, VEC_TLB);
			c->stats.ipi_tlb++;
		}
	while (__atomic_load_n(&req_targets, __ATOMIC_ACQUIRE))
		cpu_relax();
	c->stats.shootdowns++;
	c->stats.shootdown_ns += time_boot_ns() - t0;
	spin_unlock(&tlb_lock);
}

void tlb_drop_lazy(struct mm *mm)
{
	u64 f = irq_save();
	struct percpu *c = this_cpu();
	u64 targets = __atomic_load_n(&mm->cpumask, __ATOMIC_SEQ_CST);

	drop_lazy(c, mm);
	shootdown(c, targets & ~(1UL << c->id), 0, 0, mm);
	irq_restore(f);
}
