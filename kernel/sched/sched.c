// SPDX-License-Identifier: MIT
/*
 * Scheduler mechanism: the global run queue, blocking and waking, and the
 * context switch with everything a thread owns on the CPU: callee-saved
 * registers and RFLAGS (switch_context), FPU/SSE/AVX state (XSAVE),
 * FS/GS bases, CR3 and the kernel stack in the TSS.
 *
 * CPU affinity (sched_setaffinity): a CPU takes from the shared queue the
 * first thread whose cpus_allowed has its bit, and wakeups kick an idle
 * CPU of the woken thread's mask (docs/decisions/cpu-affinity.md).
 *
 * Lock order: any waitq/futex/proc lock -> sched_lock. The lock is held
 * across switch_context and released by the thread switched to.
 */
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "sched.h"
#include "time.h"
#include "timer.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "mm/vm.h"
#include "mm/vmm.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "proc/signal.h"

#define WAKE_GRAN_NS 1000000ULL

static struct spinlock sched_lock = SPINLOCK_INIT;
static LIST_HEAD(runq); /* sched_lock */

void sched_init_cpu(struct thread *idle)
{
	struct percpu *c = this_cpu();

	c->idle = idle;
	c->curr = idle;
	c->is_idle = true;
	c->loaded_cr3 = read_cr3();
	idle->state = T_RUNNING;
}

/* May t run on CPU cpu? */
static bool is_allowed(const struct thread *t, u32 cpu)
{
	return READ_ONCE(t->cpus_allowed) >> cpu & 1;
}

/*
 * Does c run a user thread that has had the CPU for WAKE_GRAN_NS, so that
 * a woken thread may preempt it? A thread that just started runs on: it
 * will likely block soon, and a switch per wakeup costs more than it
 * saves (CFS's wakeup granularity, without the virtual runtimes).
 */
static bool is_preemptible(struct percpu *c, u64 now)
{
	return READ_ONCE(c->runs_user) &&
	       now - READ_ONCE(c->curr_since_ns) >= WAKE_GRAN_NS;
}

/*
 * Find a CPU for t, just queued. A halted CPU of its mask is woken with
 * an IPI; claiming its idle flag means the next wakeup (futex_wake of
 * many waiters) goes to another idle CPU instead of IPI-ing the same one
 * again. A waker that may be preempted (is_preemptible) is also told to
 * switch at its next return to user mode: under TCG on a busy host a
 * halted vCPU can take milliseconds to come back, and the queue is
 * shared, so whichever CPU gets there first runs t and the other takes
 * the waker. With no idle CPU, another CPU of t's mask that may be
 * preempted gets a reschedule IPI rather than leaving t queued until a
 * slice ends (docs/decisions/scheduler.md).
 */
static void kick_cpu_for(struct thread *t)
{
	struct percpu *self = this_cpu();

	/* woken from our own idle loop's interrupt: we run it on return */
	if (is_allowed(t, self->id) && READ_ONCE(self->is_idle) &&
	    __atomic_exchange_n(&self->is_idle, false, __ATOMIC_SEQ_CST))
		return;
	/* t's enqueue before our look at is_idle, as the idle loop's store
	 * of is_idle comes before its look at the queue */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	u64 now = time_boot_ns();
	bool here = is_allowed(t, self->id) && is_preemptible(self, now);
	if (here)
		self->need_resched = true;
	for (u32 i = 0; i < ncpus; i++) {
		struct percpu *c = cpu_table[i];
		if (c && c != self && is_allowed(t, i) &&
		    READ_ONCE(c->is_idle) &&
		    __atomic_exchange_n(&c->is_idle, false, __ATOMIC_SEQ_CST)) {
			lapic_send_ipi(c->apic_id, VEC_RESCHED);
			CPU_STAT_INC(ipi_resched);
			return;
		}
	}
	if (here)
		return;
	for (u32 i = 0; i < ncpus; i++) {
		struct percpu *c = cpu_table[i];
		if (c && c != self && is_allowed(t, i) &&
		    is_preemptible(c, now)) {
			lapic_send_ipi(c->apic_id, VEC_RESCHED);
			CPU_STAT_INC(ipi_resched);
			return;
		}
	}
}

void sched_add(struct thread *t)
{
	u64 f = spin_lock_irqsave(&sched_lock);
	t->state = T_RUNNABLE;
	list_add_tail(&t->run_node, &runq);
	spin_unlock_irqrestore(&sched_lock, f);
	kick_cpu_for(t);
}

void sched_wake(struct thread *t)
{
	bool kick = false;
	u64 f = spin_lock_irqsave(&sched_lock);

	if (t->state == T_SLEEPING) {
		/* ahead of the threads that used up a slice (a woken thread
		 * usually runs briefly and sleeps again), but behind the
		 * threads woken before it: first woken, first run. At the
		 * front, a stream of wakeups kept an earlier-woken thread
		 * (ERTS's poll thread) waiting for hundreds of ms. */
		struct list_head *pos = &runq;
		struct thread *q;
		list_for_each_entry(q, &runq, run_node)
		{
			if (!q->woken_queued)
				break;
			pos = &q->run_node;
		}
		t->state = T_RUNNABLE;
		t->woken_queued = true;
		list_add(&t->run_node, pos);
		kick = true;
	} else if (t->state != T_DEAD) {
		t->wakeup_pending = true;
	}
	spin_unlock_irqrestore(&sched_lock, f);
	if (kick)
		kick_cpu_for(t);
}

bool sched_has_runnable(void)
{
	return !list_empty(&runq);
}

/* The first queued thread this CPU may run, or NULL; sched_lock held. */
static struct thread *first_runnable(u32 cpu)
{
	struct thread *t;

	list_for_each_entry(t, &runq, run_node)
	{
		if (is_allowed(t, cpu))
			return t;
	}
	return NULL;
}

/* Is there a queued thread this CPU may run (the idle loop's test)? */
static bool has_runnable_here(u32 cpu)
{
	if (list_empty(&runq))
		return false;
	u64 f = spin_lock_irqsave(&sched_lock);
	bool any = first_runnable(cpu) != NULL;
	spin_unlock_irqrestore(&sched_lock, f);
	return any;
}

int sched_set_affinity(struct thread *t, u64 mask)
{
	mask &= sched_online_mask();
	if (!mask)
		return -EINVAL;
	u64 f = spin_lock_irqsave(&sched_lock);
	WRITE_ONCE(t->cpus_allowed, mask);
	u32 cpu = t->last_cpu;
	bool running = t->state == T_RUNNING, moves = !is_allowed(t, cpu);
	bool queued = t->state == T_RUNNABLE;
	spin_unlock_irqrestore(&sched_lock, f);
	if (running && moves && t == current) {
		this_cpu()->need_resched = true; /* schedule() moves it */
	} else if (running && moves) {
		lapic_send_ipi(cpu_table[cpu]->apic_id, VEC_RESCHED);
		CPU_STAT_INC(ipi_resched);
	} else if (queued) {
		kick_cpu_for(t);
	}
	return 0;
}

u64 sched_get_affinity(struct thread *t)
{
	return READ_ONCE(t->cpus_allowed) & sched_online_mask();
}

u64 sched_online_mask(void)
{
	return ncpus >= 64 ? ~0ULL : (1ULL << ncpus) - 1;
}

u64 sched_thread_cpu_ns(struct thread *t)
{
	u64 f = spin_lock_irqsave(&sched_lock);
	u64 ns = t->cpu_ns;

	/* on a CPU now (this one or another): its slice so far counts */
	if (t->state == T_RUNNING)
		ns += time_boot_ns() - t->run_start_ns;
	spin_unlock_irqrestore(&sched_lock, f);
	return ns;
}

u32 sched_nr_running(void)
{
	u32 n = 0;
	u64 f = spin_lock_irqsave(&sched_lock);
	struct list_head *pos;

	list_for_each(pos, &runq) n++;
	spin_unlock_irqrestore(&sched_lock, f);
	for (u32 i = 0; i < ncpus; i++)
		if (cpu_table[i] && !READ_ONCE(cpu_table[i]->is_idle))
			n++;
	return n;
}

static void fpu_save(struct thread *t)
{
	if (cpu_features.xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(t->fpu), "a"(~0u),
				 "d"(~0u)
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(t->fpu) : "memory");
}

static void fpu_restore(struct thread *t)
{
	if (cpu_features.xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(t->fpu), "a"(~0u),
				 "d"(~0u)
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(t->fpu) : "memory");
}

/*
 * Load next's address space on this CPU. The idle thread and kernel
 * threads borrow whatever tables are loaded (the kernel half is the same
 * in all of them), as Linux's lazy TLB mode does: under TCG every CR3
 * write empties QEMU's whole software TLB, and a request that went
 * through the idle loop or the net thread paid two of them. A borrowing
 * CPU stays in the mm's cpumask, so shootdowns still reach it; before the
 * mm is freed, tlb_drop_lazy moves borrowers to the kernel's tables.
 */
static void switch_mm(struct percpu *c, struct thread *next)
{
	struct mm *mm = next->proc ? next->proc->mm : NULL;
	paddr_t cr3 = mm ? mm->pml4 : kernel_pml4;

	if (!mm)
		return;

	/* join the new mm's mask before its tables can be cached, leave the
	 * old one only once they are off this CPU (exec frees them as soon
	 * as the mask is empty) */
	if (c->loaded_mm != mm && mm)
		vm_cpu_enter(mm, c->id);
	if (c->loaded_cr3 != cr3) {
		write_cr3(cr3);
		c->loaded_cr3 = cr3;
	}
	if (c->loaded_mm != mm) {
		if (c->loaded_mm)
			vm_cpu_leave(c->loaded_mm, c->id);
		c->loaded_mm = mm;
	}
}

/* Free a thread that died on this CPU, now that we are off its stack. */
static void reap_prev(struct percpu *c)
{
	struct thread *dead = c->prev_dead;

	if (dead) {
		c->prev_dead = NULL;
		thread_free(dead);
	}
}

/* Pick the next thread and switch to it; sched_lock held. */
static void switch_locked(void)
{
	spin_assert_held(&sched_lock);
	struct percpu *c = this_cpu();
	struct thread *prev = c->curr, *next;
	u64 now = time_boot_ns();

	if ((next = first_runnable(c->id))) {
		list_del(&next->run_node);
		next->woken_queued = false;
	} else if (prev->state == T_RUNNING) {
		return;
	} else {
		next = c->idle;
	}
	if (prev != c->idle)
		prev->cpu_ns += now - prev->run_start_ns;
	next->state = T_RUNNING;
	next->run_start_ns = now;
	next->last_cpu = c->id;
	if (next != c->idle) /* a preempted thread resumes its slice */
		c->slice_end_ns =
			now +
			(next->slice_left_ns ? next->slice_left_ns : SLICE_NS);
	next->slice_left_ns = 0;
	if (next == prev)
		return;
	if (prev != c->idle && prev->state != T_DEAD)
		fpu_save(prev);
	if (next != c->idle) {
		fpu_restore(next);
		wrmsr(MSR_FS_BASE, next->fs_base);
		wrmsr(MSR_KERNEL_GS_BASE, next->gs_base);
		cpu_set_kernel_stack(next->kstack_top);
	}
	switch_mm(c, next);
	c->stats.switches++;
	c->curr = next;
	WRITE_ONCE(c->is_idle, next == c->idle);
	WRITE_ONCE(c->runs_user, next->proc != NULL);
	WRITE_ONCE(c->curr_since_ns, now);
	if (prev->state == T_DEAD)
		c->prev_dead = prev;
	switch_context(&prev->saved_rsp, next->saved_rsp);
	reap_prev(this_cpu());
}

/* Sleeping or switching with a spinlock held deadlocks whoever spins on
 * it next: refuse loudly (KILN_DEBUG_LOCKS counts them). */
static void check_no_spinlocks(const char *where)
{
	u32 n = spin_held_count();

	if (unlikely(n))
		panic("%s with %u spinlock(s) held", where, n);
}

/*
 * Put the running thread back on the queue and switch. A thread preempted
 * before its slice ended (keep_place: a wakeup wanted this CPU) goes right
 * behind the thread that runs next, ahead of the threads that used up a
 * slice, so being the waker costs it one switch and not a turn of the
 * round robin; otherwise (slice over, yield) it goes to the back.
 */
static void requeue_and_switch(bool keep_place)
{
	struct percpu *c;

	check_no_spinlocks("schedule");
	u64 f = spin_lock_irqsave(&sched_lock);

	c = this_cpu();
	c->need_resched = false;
	struct thread *cur = c->curr, *next = NULL;
	if (cur->state == T_RUNNING && cur != c->idle) {
		cur->state = T_RUNNABLE;
		u64 now = time_boot_ns();
		if (keep_place && now < c->slice_end_ns)
			next = first_runnable(c->id);
		if (next) {
			list_add(&cur->run_node, &next->run_node);
			cur->slice_left_ns = c->slice_end_ns - now;
		} else {
			list_add_tail(&cur->run_node, &runq);
		}
		if (!is_allowed(cur, c->id))
			kick_cpu_for(cur); /* its mask excludes this CPU */
	}
	switch_locked();
	spin_unlock_irqrestore(&sched_lock, f);
	timer_rearm();
}

void schedule(void)
{
	requeue_and_switch(false);
}

void sched_preempt(void)
{
	requeue_and_switch(true);
}

void sched_block(void)
{
	check_no_spinlocks("sleep");
	/* an idle thread must always be runnable: blocking would put it on
	 * the shared run queue, where another CPU could run it too */
	if (unlikely(current == this_cpu()->idle))
		panic("the idle thread of cpu %u tried to sleep",
		      this_cpu()->id);
	u64 f = spin_lock_irqsave(&sched_lock);
	struct thread *cur = current;

	if (cur->wakeup_pending) {
		cur->wakeup_pending = false;
		spin_unlock_irqrestore(&sched_lock, f);
		return;
	}
	cur->state = T_SLEEPING;
	switch_locked();
	cur->wakeup_pending = false;
	spin_unlock_irqrestore(&sched_lock, f);
	timer_rearm();
}

/* First code a new thread runs after its first switch (entry.S). */
void sched_tail(void)
{
	reap_prev(this_cpu());
	spin_unlock(&sched_lock);
	timer_rearm();
	struct thread *t = current;
	if (t->set_child_tid) {
		/* CLONE_CHILD_SETTID: written in the child's own memory */
		put_user((u32)t->tid, t->set_child_tid);
		t->set_child_tid = 0;
	}
}

__noreturn void sched_exit_current(void)
{
	irq_disable();
	spin_lock(&sched_lock);
	current->state = T_DEAD;
	switch_locked();
	panic("dead thread rescheduled");
}

void sched_yield_cpu(void)
{
	if (sched_has_runnable())
		schedule();
}

bool thread_interrupted(struct thread *t)
{
	/* kernel threads (no process) take no signals */
	return READ_ONCE(t->killed) || (t->proc && signal_pending(t));
}

/* Record the start of a halt (start) or add a finished one (ns), under
 * the CPU's idle_seq so /proc/stat reads a consistent pair. */
static void idle_account(struct percpu *c, u64 start, u64 ns)
{
	__atomic_add_fetch(&c->stats.idle_seq, 1, __ATOMIC_SEQ_CST);
	WRITE_ONCE(c->stats.idle_ns, c->stats.idle_ns + ns);
	WRITE_ONCE(c->stats.idle_start_ns, start);
	__atomic_add_fetch(&c->stats.idle_seq, 1, __ATOMIC_SEQ_CST);
}

static void (*softirq_fn)(void), (*softirq_fallback)(void);
static bool idle_looping[MAX_CPUS]; /* the boot CPU's idle thread boots first */

void sched_set_softirq(void (*fn)(void), void (*fallback)(void))
{
	softirq_fallback = fallback;
	__atomic_store_n(&softirq_fn, fn, __ATOMIC_RELEASE);
}

bool sched_softirq_raise(void)
{
	if (!__atomic_load_n(&softirq_fn, __ATOMIC_ACQUIRE))
		return false;
	this_cpu()->softirq = true;
	return true;
}

void sched_irq_exit(bool to_user)
{
	struct percpu *c = this_cpu();

	/* returning to user mode: proc_return_to_user runs it; the idle
	 * thread: its loop (or, if it was switching away, the next return to
	 * user mode on this CPU); kernel code that may sleep first: the
	 * fallback's thread */
	if (!c->softirq || to_user ||
	    (current == c->idle && idle_looping[c->id]))
		return;
	c->softirq = false;
	softirq_fallback();
}

void sched_softirq_do(void)
{
	u64 f = irq_save();

	this_cpu()->softirq = false;
	irq_enable();
	softirq_fn();
	irq_restore(f);
}

__noreturn void sched_idle_loop(void)
{
	struct percpu *c = this_cpu();

	idle_looping[c->id] = true;
	for (;;) {
		irq_disable();
		if (sched_softirq_run())
			continue;
		/* advertise idleness before the last look at the queue */
		__atomic_store_n(&c->is_idle, true, __ATOMIC_SEQ_CST);
		if (has_runnable_here(c->id)) {
			irq_enable();
			schedule();
			continue;
		}
		u64 t0 = time_boot_ns();
		idle_account(c, t0, 0);
		__asm__ volatile("sti; hlt" ::: "memory");
		idle_account(c, 0, time_boot_ns() - t0);
	}
}

void fpu_init_state(void *area)
{
	memset(area, 0, cpu_features.xsave_size);
	*(u16 *)area = 0x37f;		    /* FCW: x87 exceptions masked */
	*(u32 *)((u8 *)area + 24) = 0x1f80; /* MXCSR: SSE exceptions masked */
}

void fpu_save_current(void)
{
	u64 f = irq_save();
	fpu_save(current);
	irq_restore(f);
}

void fpu_reset_current(void)
{
	u64 f = irq_save();
	fpu_init_state(current->fpu);
	fpu_restore(current);
	irq_restore(f);
}

void sched_reload_mm(void)
{
	u64 f = irq_save();
	switch_mm(this_cpu(), current);
	irq_restore(f);
}

void sched_drop_mm(void)
{
	u64 f = irq_save();
	struct percpu *c = this_cpu();

	write_cr3(kernel_pml4);
	c->loaded_cr3 = kernel_pml4;
	if (c->loaded_mm)
		vm_cpu_leave(c->loaded_mm, c->id);
	c->loaded_mm = NULL;
	irq_restore(f);
}
