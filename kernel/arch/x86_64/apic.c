// SPDX-License-Identifier: MIT
/*
 * xAPIC through MMIO (works under KVM and TCG alike), one-shot LAPIC timer
 * calibrated against the TSC, and IPIs. Device interrupts (I/O APIC, MSI)
 * are routed by irq.c.
 */
#include <kernel/printk.h>
#include "apic.h"
#include "cpu.h"
#include "percpu.h"
#include "mm/vmm.h"
#include "sched/time.h"

#define LAPIC_ID	 0x20
#define LAPIC_TPR	 0x80
#define LAPIC_EOI	 0xb0
#define LAPIC_SVR	 0xf0
#define LAPIC_ESR	 0x280
#define LAPIC_ICR_LO	 0x300
#define LAPIC_ICR_HI	 0x310
#define LAPIC_LVT_TIMER	 0x320
#define LAPIC_LVT_LINT0	 0x350
#define LAPIC_LVT_LINT1	 0x360
#define LAPIC_LVT_ERR	 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	 0x390
#define LAPIC_TIMER_DIV	 0x3e0

static volatile u8 *lapic;
static u64 lapic_ticks_per_ms; /* at divide-by-16 */

static inline u32 lapic_read(u32 reg)
{
	return *(volatile u32 *)(lapic + reg);
}

static inline void lapic_write(u32 reg, u32 v)
{
	*(volatile u32 *)(lapic + reg) = v;
}

static void lapic_enable(void)
{
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	lapic_write(LAPIC_LVT_TIMER, 1 << 16); /* masked until armed */
	lapic_write(LAPIC_TIMER_DIV, 0x3);     /* divide by 16 */
	lapic_write(LAPIC_LVT_ERR, VEC_SPURIOUS - 1);
	/* LINT1 as NMI on every CPU: QEMU's inject-nmi comes in there and
	 * asks each CPU for the state dump (sched/dump.c) */
	lapic_write(LAPIC_LVT_LINT1, 0x400);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_EOI, 0);
}

void lapic_init_bsp(void)
{
	u64 base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | (1 << 11)); /* global enable */
	lapic = ioremap(base & 0xfffff000, PAGE_SIZE);
	/* mask the 8259 PIC: every interrupt comes through the APICs */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	lapic_enable();
}

void lapic_init_ap(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1 << 11));
	lapic_enable();
}

u32 lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static void icr_wait(void)
{
	for (int i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & (1 << 12));
	     i++)
		cpu_relax();
}

void lapic_send_ipi(u32 apic_id, u32 vector)
{
	u64 f = irq_save();
	icr_wait();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, vector | (1 << 14));
	irq_restore(f);
}

void lapic_send_init_sipi(u32 apic_id, u32 trampoline_pa)
{
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, 0x4500); /* INIT */
	icr_wait();
	time_delay_us(10000);
	for (int i = 0; i < 2; i++) {
		lapic_write(LAPIC_ICR_HI, apic_id << 24);
		lapic_write(LAPIC_ICR_LO, 0x4600 | (trampoline_pa >> 12));
		icr_wait();
		time_delay_us(200);
	}
}

/*
 * Without a PIT, measure the TSC against the LAPIC timer, whose input
 * clock is 1 GHz under QEMU and KVM (APIC_BUS_CYCLE_NS = 1). Only used in
 * a VM (CPUID hypervisor bit); 0 otherwise.
 */
u64 lapic_measure_tsc_hz(void)
{
	if (!cpu_features.hypervisor || !lapic)
		return 0;
	lapic_write(LAPIC_TIMER_DIV, 0xb); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, 1 << 16);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	u64 t0 = rdtsc();
	while (0xffffffff - lapic_read(LAPIC_TIMER_CUR) < 10000000)
		cpu_relax();
	u64 t1 = rdtsc();
	u32 ticks = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	return (t1 - t0) * 1000000000ULL / ticks;
}

/* Count LAPIC timer ticks over 10 ms of TSC time. */
void lapic_calibrate(void)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, 1 << 16);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	u64 start = time_boot_ns();
	while (time_boot_ns() - start < 10000000)
		cpu_relax();
	u32 elapsed = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_ticks_per_ms = elapsed / 10;
	if (!lapic_ticks_per_ms)
		lapic_ticks_per_ms = 1;
	pr_info("apic: timer %lu kHz (div 16)", lapic_ticks_per_ms);
}

void lapic_timer_arm(u64 deadline_ns)
{
	if (!deadline_ns) {
		lapic_write(LAPIC_TIMER_INIT, 0);
		return;
	}
	u64 now = time_boot_ns();
	u64 delta = deadline_ns > now ? deadline_ns - now : 0;
	u64 ticks = delta / 1000 * lapic_ticks_per_ms / 1000;
	if (ticks == 0)
		ticks = 1;
	if (ticks > 0xffffffffUL)
		ticks = 0xffffffffUL;
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot */
	lapic_write(LAPIC_TIMER_INIT, (u32)ticks);
}
