// SPDX-License-Identifier: MIT
/*
 * Per-CPU one-shot timers. Each CPU keeps a sorted list under its own
 * lock and arms its LAPIC for the earlier of the first deadline and, while
 * it runs a thread, the end of that thread's slice. Idle CPUs with no
 * timers take no interrupts at all.
 */
#include <kernel/printk.h>
#include "timer.h"
#include "sched.h"
#include "time.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/percpu.h"

void timer_init(struct ktimer *t, void (*fn)(struct ktimer *), void *arg)
{
	list_init(&t->node);
	t->fn = fn;
	t->arg = arg;
	t->cpu = -1;
	t->deadline_ns = 0;
}

static void remove_locked(struct ktimer *t)
{
	list_del(&t->node);
	t->cpu = -1;
}

void timer_cancel(struct ktimer *t)
{
	for (;;) {
		int cpu = READ_ONCE(t->cpu);
		if (cpu < 0)
			return;
		struct percpu *c = cpu_table[cpu];
		u64 f = spin_lock_irqsave(&c->timer_lock);
		if (t->cpu == cpu) {
			/* not running: the callback runs under this lock */
			remove_locked(t);
			spin_unlock_irqrestore(&c->timer_lock, f);
			return;
		}
		spin_unlock_irqrestore(&c->timer_lock, f);
	}
}

/* Put t on c's sorted list (c->timer_lock held); true if it is first. */
static bool insert_locked(struct percpu *c, struct ktimer *t, u64 deadline_ns)
{
	struct list_head *pos;

	t->deadline_ns = deadline_ns;
	list_for_each(pos, &c->timers)
	{
		struct ktimer *o = list_entry(pos, struct ktimer, node);
		if (o->deadline_ns > deadline_ns)
			break;
	}
	list_add_tail(&t->node, pos);
	t->cpu = c->id;
	return c->timers.next == &t->node;
}

void timer_add(struct ktimer *t, u64 deadline_ns)
{
	timer_cancel(t);
	struct percpu *c = this_cpu();
	u64 f = spin_lock_irqsave(&c->timer_lock);
	bool first = insert_locked(c, t, deadline_ns);
	spin_unlock_irqrestore(&c->timer_lock, f);
	if (first)
		timer_rearm();
}

void timer_forward(struct ktimer *t, u64 deadline_ns)
{
	t->rearm_ns = deadline_ns;
}

void timer_rearm(void)
{
	u64 f = irq_save();
	struct percpu *c = this_cpu();
	u64 next = 0;

	spin_lock(&c->timer_lock);
	if (!list_empty(&c->timers))
		next = list_first_entry(&c->timers, struct ktimer, node)
			       ->deadline_ns;
	spin_unlock(&c->timer_lock);
	/* once need_resched is set the switch comes at the next return to
	 * user mode: an expired slice must not re-arm at once */
	if (c->curr != c->idle && !c->need_resched &&
	    (!next || c->slice_end_ns < next))
		next = c->slice_end_ns;
	if (next != c->timer_armed_ns) {
		c->timer_armed_ns = next;
		lapic_timer_arm(next);
	}
	irq_restore(f);
}

void timer_interrupt(void)
{
	struct percpu *c = this_cpu();
	u64 now = time_boot_ns();

	c->ticks++;
	c->timer_armed_ns = 0;
	spin_lock(&c->timer_lock);
	while (!list_empty(&c->timers)) {
		struct ktimer *t =
			list_first_entry(&c->timers, struct ktimer, node);
		if (t->deadline_ns > now)
			break;
		list_del(&t->node); /* t->cpu stays set until fn is done */
		t->rearm_ns = 0;
		t->fn(t);
		if (t->rearm_ns > now)
			insert_locked(c, t, t->rearm_ns); /* timer_forward */
		else
			t->cpu = -1;
	}
	spin_unlock(&c->timer_lock);
	if (c->curr != c->idle && now >= c->slice_end_ns) {
		if (sched_has_runnable())
			c->need_resched = true;
		else
			c->slice_end_ns = now + SLICE_NS;
	}
	timer_rearm();
}
