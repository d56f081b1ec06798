/* SPDX-License-Identifier: MIT */
/*
 * Kernel threads: threads with no process, running a kernel function on
 * the kernel's page tables. Deferred work (device completions, the network
 * stack, timers that must not run in interrupt context) lives in them.
 * They are never interrupted by signals and never return to user mode;
 * they are not preempted either, so a long-running one yields itself
 * (sched_yield_cpu) between batches.
 */
#ifndef SCHED_KTHREAD_H
#define SCHED_KTHREAD_H

#include <kernel/types.h>

struct thread;

/* Create and start a kernel thread running fn(arg); NULL without memory. */
struct thread *kthread_create(void (*fn)(void *), void *arg, const char *name);
/* End the calling kernel thread (returning from fn does the same). */
__noreturn void kthread_exit(void);
/* True for a kernel thread (no process). */
bool is_kthread(const struct thread *t);
/* Call fn on every kernel thread created so far (the NMI dump; unlocked). */
void kthread_for_each(void (*fn)(struct thread *, void *), void *arg);

#endif
