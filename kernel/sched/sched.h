/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: one global run queue (round robin, 10 ms slices) shared
 * by all vCPUs, guarded by sched_lock; idle vCPUs halt and are woken by an
 * IPI when work arrives. Threads block with sched_block() and are made
 * runnable with sched_wake(); a wake that comes before the block is
 * remembered, so check-then-block races lose nothing.
 */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <kernel/types.h>
#include "arch/x86_64/percpu.h"

struct thread;

#define SLICE_NS 10000000ULL

void sched_init_cpu(struct thread *idle);
void sched_add(struct thread *t);
void sched_wake(struct thread *t);
void sched_block(void);
/* Switch to the next queued thread; the current one goes to the back. */
void schedule(void);
/* need_resched at a return to user mode: like schedule(), but a thread
 * whose slice is not over keeps its place at the front. */
void sched_preempt(void);
__noreturn void sched_idle_loop(void);
/* Switch away from a dying thread for good. */
__noreturn void sched_exit_current(void);
bool sched_has_runnable(void);
/* t's CPU time so far, the slice it is running now included (a thread
 * of a process, never an idle thread). */
u64 sched_thread_cpu_ns(struct thread *t);
/* Threads running or waiting for a CPU now (the load average's n). */
u32 sched_nr_running(void);
void sched_yield_cpu(void);
/*
 * sched_setaffinity: t may run only on the online CPUs of mask (bit n is
 * CPU n); -EINVAL if none. A running t outside it moves at its next
 * return to user mode (an IPI when it runs on another CPU).
 */
int sched_set_affinity(struct thread *t, u64 mask);
/* t's mask, online CPUs only. */
u64 sched_get_affinity(struct thread *t);
/* Bit n set for each CPU n brought up. */
u64 sched_online_mask(void);
/*
 * Deferred interrupt work, Linux's softirq: an interrupt handler calls
 * sched_softirq_raise() (false: nothing registered yet) and the work runs
 * when the interrupt is done, in the thread it interrupted, with
 * interrupts on: at its return to user mode (proc_return_to_user), or in
 * the idle loop if it interrupted the idle thread. That saves a switch to
 * a kernel thread and back per interrupt. If kernel code was interrupted
 * (a syscall, a kernel thread), sched_irq_exit() calls the fallback (wake
 * a kernel thread) instead, since that code might go to sleep first. The
 * work function must not sleep (try-locks only: the idle thread runs it).
 */
void sched_set_softirq(void (*fn)(void), void (*fallback)(void));
bool sched_softirq_raise(void);
/* trap_dispatch, after a device interrupt: to_user says where it returns. */
void sched_irq_exit(bool to_user);
void sched_softirq_do(void);
/* Run this CPU's raised work, if any (true if it ran). */
static inline bool sched_softirq_run(void)
{
	if (likely(!this_cpu()->softirq))
		return false;
	sched_softirq_do();
	return true;
}
/* True if the current thread must stop waiting (killed or signalled). */
bool thread_interrupted(struct thread *t);

/* The initial FPU state (FCW 0x37f, MXCSR 0x1f80, the rest clear). */
void fpu_init_state(void *area);
/* Save the live FPU registers of the current thread into its area. */
void fpu_save_current(void);
/* Give the current thread the initial FPU state (signal handler, exec). */
void fpu_reset_current(void);
/* After exec replaced current's mm: load it on this CPU. */
void sched_reload_mm(void);
/* Before the last thread frees its mm: run on the kernel's tables. */
void sched_drop_mm(void);

#endif
