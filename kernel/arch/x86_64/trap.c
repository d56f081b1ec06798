// SPDX-License-Identifier: MIT
/*
 * Interrupt and exception dispatch. User faults become signals (fatal for
 * now unless a handler is installed: signal delivery lives in
 * proc/signal.c); kernel faults on user addresses are paged in or fixed up
 * to -EFAULT; any other kernel fault is a panic with a symbolised
 * backtrace. Device interrupts go to their handlers through irq.c.
 */
#include <kernel/kallsyms.h>
#include <kernel/printk.h>
#include "apic.h"
#include "cpu.h"
#include "irq.h"
#include "percpu.h"
#include "trapframe.h"
#include "mm/uaccess.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/sched.h"
#include "sched/dump.h"
#include "sched/timer.h"

/* clang-format off */
static const char *const exc_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 FP", "alignment check",
	"machine check", "SIMD FP", "virtualization", "control protection",
};
/* clang-format on */

static void dump_regs(const struct trapframe *tf)
{
	kprintf("  rip %016lx rsp %016lx rflags %08lx cs %lx ss %lx", tf->rip,
		tf->rsp, tf->rflags, tf->cs, tf->ss);
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx", tf->rax,
		tf->rbx, tf->rcx, tf->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx", tf->rsi,
		tf->rdi, tf->rbp, tf->r8);
	kprintf("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx", tf->r9,
		tf->r10, tf->r11, tf->r12);
	kprintf("  r13 %016lx r14 %016lx r15 %016lx", tf->r13, tf->r14,
		tf->r15);
}

static __noreturn void kernel_fault(struct trapframe *tf, u64 cr2)
{
	const char *name = tf->vector < 32 ? exc_names[tf->vector] : "?";
	char sym[96];

	kallsyms_format(tf->rip, sym, sizeof(sym));
	kprintf("kernel fault: %s (vector %lu, error %lx) at %s, cr2 %lx",
		name ? name : "?", tf->vector, tf->error, sym, cr2);
	dump_regs(tf);
	backtrace_from(tf->rip, tf->rbp);
	panic("fatal kernel exception");
}

static int exception_signal(u64 vec)
{
	switch (vec) {
	case 0:
	case 16:
	case 19:
		return SIGFPE;
	case 1:
	case 3:
		return SIGTRAP;
	case 6:
		return SIGILL;
	case 12:
	case 17:
		return SIGBUS;
	default:
		return SIGSEGV;
	}
}

/*
 * A page the program needs cannot be had: say so plainly, since the
 * SIGBUS that follows usually ends the VM (said once per boot).
 */
static void report_out_of_memory(u64 addr)
{
	static bool said;

	if (__atomic_exchange_n(&said, true, __ATOMIC_RELAXED))
		return;
	pr_err("out of memory: %s[%d] needs a page at %lx, %lu KiB of %lu "
	       "KiB free; give the VM more memory (kiln run --mem) or make "
	       "the release smaller (kiln build --small-memory)",
	       current->proc->comm, current->tid, addr, pmm_free_pages() * 4,
	       pmm_total_pages() * 4);
}

static void page_fault(struct trapframe *tf)
{
	u64 addr = read_cr2();
	struct thread *t = current;
	struct mm *mm = t && t->proc ? t->proc->mm : NULL;

	if (tf->rflags & RFLAGS_IF)
		irq_enable();
	/* in kernel mode only the uaccess routines may page user memory in:
	 * any other access to it is a kernel bug (panic, not a silent loop) */
	if (mm && addr < USER_TOP &&
	    (tf_from_user(tf) || uaccess_fixup(tf->rip))) {
		int ret = vm_fault(mm, addr, tf->error);
		if (!ret)
			return;
		if ((ret == -ENOMEM || ret == -EIO) && tf_from_user(tf)) {
			if (ret == -ENOMEM)
				report_out_of_memory(addr);
			signal_fault(tf, SIGBUS, addr);
			return;
		}
	}
	if (tf_from_user(tf)) {
		signal_fault(tf, SIGSEGV, addr);
		return;
	}
	u64 fix = uaccess_fixup(tf->rip);
	if (fix) {
		tf->rip = fix;
		return;
	}
	kernel_fault(tf, addr);
}

void trap_dispatch(struct trapframe *tf)
{
	u64 vec = tf->vector;

	if (tf_from_user(tf) && vec != 2) /* an NMI goes back at once */
		proc_enter_kernel(current);
	if (vec == 14) {
		page_fault(tf);
	} else if (vec < 32) {
		if (vec == 2) { /* NMI: the state dump, user mode or not */
			dump_nmi(tf);
			return;
		}
		if (!tf_from_user(tf))
			kernel_fault(tf, read_cr2());
		if (tf->rflags & RFLAGS_IF)
			irq_enable();
		signal_fault(tf, exception_signal(vec), tf->rip);
	} else if (vec == VEC_TIMER) {
		timer_interrupt();
		lapic_eoi();
	} else if (vec == VEC_RESCHED) {
		this_cpu()->need_resched = true;
		lapic_eoi();
	} else if (vec == VEC_TLB) {
		tlb_ipi_handler();
		lapic_eoi();
	} else if (vec == VEC_STOP) {
		for (;;)
			__asm__ volatile("cli; hlt");
	} else if (vec >= VEC_DEVICE_FIRST && vec <= VEC_DEVICE_LAST) {
		irq_dispatch(vec);
		sched_irq_exit(tf_from_user(tf));
	} else if (vec == VEC_SPURIOUS) {
		/* no EOI for spurious interrupts */
	} else {
		lapic_eoi();
	}
	if (tf_from_user(tf))
		proc_return_to_user(tf);
}

/* Report a fatal user fault in the style of Linux's segfault line. */
void fault_report(const struct trapframe *tf, int sig, u64 addr)
{
	struct thread *t = current;
	const char *name = tf->vector < 32 ? exc_names[tf->vector] : "signal";

	kprintf("%s[%d]: %s (%s) at rip %lx sp %lx addr %lx error %lx",
		t->proc->comm, t->tid, signal_name(sig), name ? name : "?",
		tf->rip, tf->rsp, addr, tf->error);
	dump_regs(tf);
}
