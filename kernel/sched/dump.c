// SPDX-License-Identifier: MIT
/*
 * The state dump: on an NMI (QEMU's `inject-nmi`, which `kiln run
 * --monitor` exposes; docs/debugging.md) every CPU prints what it was
 * running and, if that was kernel code, the call chain; the last CPU lists
 * every thread (state, last syscall, where a sleeping one blocked) and
 * asks the network stack and devices for their state. For a hung guest:
 * it reads without taking locks (a CPU may be stuck holding one), so a
 * line may show a value in the middle of changing.
 */
#include <kernel/kallsyms.h>
#include <kernel/printk.h>
#include "dump.h"
#include "sched.h"
#include "kthread.h"
#include "proc/proc.h"
#include "net/netstack.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trapframe.h"
#include "sys/syscall.h"
#include "sched/time.h"
#include "mm/vmm.h"
#include "arch/x86_64/cpu.h"

static u32 dump_lock;	 /* one CPU prints at a time */
static u32 dump_arrived; /* CPUs that took a dump NMI; dump_lock */

static const char *state_name(enum thread_state s)
{
	switch (s) {
	case T_NEW:
		return "new";
	case T_RUNNABLE:
		return "runnable";
	case T_RUNNING:
		return "running";
	case T_SLEEPING:
		return "sleeping";
	case T_DEAD:
		return "dead";
	}
	return "?";
}

/* Where a thread that is off its CPU stopped: switch_context pushed
 * r15 r14 r13 r12 rbx rbp rflags and its return address. */
static void blocked_at(struct thread *t)
{
	u64 *sp = (u64 *)t->saved_rsp;

	if ((u64)sp < t->kstack_top - KSTACK_SIZE ||
	    (u64)sp + 8 * sizeof(u64) > t->kstack_top)
		return;
	backtrace_from(sp[7], sp[5]);
}

static void dump_thread(struct thread *t, void *arg)
{
	(void)arg;
	struct process *p = t->proc;
	kprintf("  tid %d (%s%s%s) %s cpu%u syscall %s%s sigpending %lx "
		"mask %lx",
		t->tid, p ? p->comm : "kthread ", p ? "/" : "", t->name,
		state_name(t->state), t->last_cpu,
		p ? syscall_linux_name(t->syscall_nr) : "-",
		t->killed ? " killed" : "", t->sigpending, t->sigmask);
	if (t->state == T_SLEEPING || t->state == T_RUNNABLE)
		blocked_at(t);
}

/* This CPU's data without trusting GS: an NMI can land in the few
 * instructions of syscall entry or exit where GS is still the user's. */
static struct percpu *nmi_cpu(void)
{
	u64 gs = rdmsr(MSR_GS_BASE), kgs = rdmsr(MSR_KERNEL_GS_BASE);

	for (u32 i = 0; i < ncpus; i++)
		if ((u64)cpu_table[i] == gs)
			return cpu_table[i];
	for (u32 i = 0; i < ncpus; i++)
		if ((u64)cpu_table[i] == kgs)
			return cpu_table[i];
	return NULL;
}

void dump_nmi(struct trapframe *tf)
{
	struct percpu *c = nmi_cpu();
	char sym[96];

	if (!c)
		return;
	struct thread *t = c->curr;

	while (__atomic_exchange_n(&dump_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	printk_dump_mode(true);
	/* each inject-nmi reaches every CPU once: the first of a round prints
	 * the header, the last the threads and "dump: end" */
	u32 n = dump_arrived++ % ncpus;
	if (n == 0)
		kprintf("dump: at %lu ns, %u cpus", clock_monotonic_ns(),
			ncpus);
	if (tf_from_user(tf)) {
		kprintf("dump: cpu%u: tid %d (%s) in user mode at %lx", c->id,
			t ? t->tid : -1, t ? t->name : "?", tf->rip);
	} else {
		kallsyms_format(tf->rip, sym, sizeof(sym));
		kprintf("dump: cpu%u: tid %d (%s)%s in the kernel, "
			"interrupts %s, %u spinlocks:",
			c->id, t ? t->tid : -1, t ? t->name : "?",
			c->is_idle ? " idle" : "",
			tf->rflags & RFLAGS_IF ? "on" : "off", c->locks_held);
		backtrace_from(tf->rip, tf->rbp);
	}
	if (n == ncpus - 1) {
		kprintf("dump: threads");
		proc_for_each_thread_unlocked(dump_thread, NULL);
		kthread_for_each(dump_thread, NULL);
		netstack_dump();
		kprintf("dump: end");
	}
	printk_dump_mode(false);
	__atomic_store_n(&dump_lock, 0, __ATOMIC_RELEASE);
}
