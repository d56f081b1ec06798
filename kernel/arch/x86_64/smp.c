// SPDX-License-Identifier: MIT
/*
 * Bringing up the other vCPUs: for each APIC id the firmware lists, give
 * it a per-CPU block and an idle thread, send INIT-SIPI-SIPI to the
 * trampoline, and wait until it reports in. APs start one at a time.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "acpi.h"
#include "apic.h"
#include "cpu.h"
#include "layout.h"
#include "percpu.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "sched/time.h"
#include "sched/timer.h"

extern char __trampoline_start[], __trampoline_end[];
extern char trampoline_start[], tr_cr3[], tr_entry[], ap_start64[];
extern char boot_pml4[];

u64 ap_boot_cr3, ap_boot_stack;
static struct percpu *volatile ap_boot_cpu;
static volatile bool ap_up;

void ap_main(void)
{
	struct percpu *c = ap_boot_cpu;

	percpu_setup(c, c->id, c->apic_id);
	cpu_init_this();
	lapic_init_ap();
	sched_init_cpu(c->idle);
	__atomic_store_n(&ap_up, true, __ATOMIC_RELEASE);
	irq_enable();
	sched_idle_loop();
}

void smp_init(void)
{
	u32 bsp_apic = lapic_id();
	u8 *tramp = P2V(AP_TRAMPOLINE_PA);
	size_t tsize = __trampoline_end - __trampoline_start;

	memcpy(tramp, __trampoline_start, tsize);
	*(u32 *)(tramp + (tr_cr3 - trampoline_start)) =
		(u32)((u64)boot_pml4 - KERNEL_VMA);
	*(u64 *)(tramp + (tr_entry - trampoline_start)) = (u64)ap_start64;
	ap_boot_cr3 = kernel_pml4;

	for (u32 i = 0; i < platform.ncpus && ncpus < MAX_CPUS; i++) {
		u32 apic = platform.apic_ids[i];
		if (apic == bsp_apic)
			continue;
		struct percpu *c = kzalloc(sizeof(*c));
		struct thread *idle = c ? thread_alloc(NULL) : NULL;
		if (!idle) {
			pr_err("smp: out of memory for cpu %u", ncpus);
			break;
		}
		strlcpy(idle->name, "idle", sizeof(idle->name));
		c->id = ncpus;
		c->apic_id = apic;
		c->idle = idle;
		ap_boot_cpu = c;
		ap_boot_stack = idle->kstack_top;
		ap_up = false;
		lapic_send_init_sipi(apic, AP_TRAMPOLINE_PA);
		u64 deadline = time_boot_ns() + 1000000000ULL;
		while (!__atomic_load_n(&ap_up, __ATOMIC_ACQUIRE) &&
		       time_boot_ns() < deadline)
			cpu_relax();
		if (!ap_up) {
			pr_err("smp: cpu with apic id %u did not start", apic);
			continue;
		}
		ncpus++;
	}
	pr_info("smp: %u cpus online", ncpus);
}
