/* SPDX-License-Identifier: MIT */
/*
 * One-shot kernel timers on per-CPU sorted lists, driven by the LAPIC
 * one-shot timer. Callbacks run in interrupt context with the CPU's timer
 * lock held, so once timer_cancel() returns the callback is not running.
 */
#ifndef SCHED_TIMER_H
#define SCHED_TIMER_H

#include <kernel/list.h>
#include <kernel/types.h>

struct ktimer {
	struct list_head node;
	u64 deadline_ns; /* monotonic */
	void (*fn)(struct ktimer *t);
	void *arg;
	int cpu;      /* list it is on, -1 when idle */
	u64 rearm_ns; /* timer_forward from fn: fire again then */
};

void timer_init(struct ktimer *t, void (*fn)(struct ktimer *), void *arg);
/* Arm t on the calling CPU (re-arms if already pending). */
void timer_add(struct ktimer *t, u64 deadline_ns);
void timer_cancel(struct ktimer *t);
/*
 * From t's own callback only (which cannot call timer_add: it runs under
 * the timer lock): fire t again at deadline_ns, which must be in the
 * future. A timer_cancel after the callback still stops it.
 */
void timer_forward(struct ktimer *t, u64 deadline_ns);
/* Timer interrupt: run expired timers, handle the slice, re-arm. */
void timer_interrupt(void);
/* Re-arm this CPU's LAPIC for its next event. */
void timer_rearm(void);

#endif
