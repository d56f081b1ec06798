/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data, reached through %gs:0 (self pointer) in kernel mode. The
 * first fields have fixed offsets used by entry.S. Fields are only touched
 * by their own CPU, except where noted.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <kernel/types.h>
#include <kernel/list.h>
#include <kernel/spinlock.h>

#define MAX_CPUS 64

struct thread;

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

/* Counters for the "stats" boot option; approximate (plain increments). */
struct cpu_stats {
	u64 switches;	  /* context switches */
	u64 idle_ns;	  /* time halted in the idle loop */
	u64 ipi_resched;  /* reschedule IPIs sent */
	u64 ipi_tlb;	  /* TLB shootdown IPIs sent */
	u64 shootdowns;	  /* tlb_flush_range calls that needed other CPUs */
	u64 shootdown_ns; /* time spent waiting for their acknowledgements */
	u64 syscalls;
	u64 faults; /* user page faults */
	/* For /proc/stat: idle_ns and the start of the halt in progress (0:
	 * running), written by this CPU inside idle_seq (odd while changing).
	 */
	u64 idle_start_ns;
	u32 idle_seq;
};

struct percpu {
	struct percpu *self; /* 0: for this_cpu() */
	u64 user_rsp;	     /* 8: scratch in syscall entry */
	u64 kstack_top;	     /* 16: current thread's kernel stack top */
	struct thread *curr; /* 24 */
	u32 id;		     /* 32: dense index 0..ncpus-1 */
	u32 locks_held;	     /* 36: spinlocks held (KILN_DEBUG_LOCKS) */
	u32 apic_id;
	struct thread *idle; /* this CPU's idle thread */
	bool need_resched;   /* set by timer/IPI, checked on return */
	bool is_idle;	     /* running the idle thread (read by others) */
	bool softirq;	     /* deferred interrupt work raised (sched.h) */
	bool runs_user;	     /* running a user thread: preemptible */
	u64 curr_since_ns;   /* when curr was switched in */
	u64 slice_end_ns;    /* when current's time slice ends */
	struct spinlock timer_lock; /* guards timers (other CPUs cancel) */
	struct list_head timers;    /* sorted by deadline */
	u64 timer_armed_ns;	    /* deadline the LAPIC is armed for */
	u64 ticks;		    /* timer interrupts taken */
	struct thread *prev_dead;   /* freed after switching off it */
	u64 loaded_cr3;
	struct mm *loaded_mm; /* user mm whose cpumask has us */
	struct cpu_stats stats;
	void *ist_stacks[3];
	struct tss tss __aligned(16);
	u64 gdt[9] __aligned(16);
};

_Static_assert(offsetof(struct percpu, id) == PERCPU_ID_OFF, "percpu id");
_Static_assert(offsetof(struct percpu, locks_held) == PERCPU_LOCKS_HELD_OFF,
	       "percpu locks_held");

extern struct percpu *cpu_table[MAX_CPUS];
extern u32 ncpus;

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

static inline struct thread *current_thread(void)
{
	struct thread *t;
	__asm__ volatile("movq %%gs:24, %0" : "=r"(t));
	return t;
}

#define current current_thread()

#define CPU_STAT_INC(field)    (this_cpu()->stats.field++)
#define CPU_STAT_ADD(field, n) (this_cpu()->stats.field += (n))

extern bool kstats_enabled;
void kstats_print(void);

void percpu_setup(struct percpu *c, u32 id, u32 apic_id);

#endif
