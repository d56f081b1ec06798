// SPDX-License-Identifier: MIT
/*
 * Ending the VM with a status: a console line for people, the status on
 * COM2 for `kiln run` (out of band: programs cannot write there), then
 * isa-debug-exit (QEMU), ACPI S5, and the i8042 reset line (Firecracker
 * treats it as shutdown), in that order.
 */
#include <kernel/power.h>
#include <kernel/printk.h>
#include "acpi.h"
#include "apic.h"
#include "cpu.h"
#include "irq.h"
#include "percpu.h"
#include "drivers/uart.h"
#include "mm/pmm.h"
#include "sched/time.h"
#include "fs/vfs.h"
#include "net/netstack.h"
#include <kiln/image.h>
#include "boot/services.h"

bool kstats_enabled;

/* The "stats" boot option: per-CPU counters, printed when the VM ends. */
void kstats_print(void)
{
	u64 now = time_boot_ns();

	kprintf("stats: %lu ms since boot; memory: %lu KiB free of %lu KiB, "
		"at most %lu KiB in use",
		now / 1000000, pmm_free_pages() * 4, pmm_total_pages() * 4,
		(pmm_total_pages() - pmm_free_pages_min()) * 4);
	u64 chunks, bytes, freed;
	zimage_stats(&chunks, &bytes, &freed);
	kprintf("stats: image %lu KiB (not counted above); compressed files: "
		"%lu chunks read (%lu KiB), %lu KiB of cache freed, %lu KiB "
		"cached",
		ALIGN_UP(kiln_desc.payload_size, PAGE_SIZE) >> 10, chunks,
		bytes >> 10, freed * 4, zimage_cached_pages() * 4);
	for (u32 i = 0; i < ncpus; i++) {
		struct cpu_stats *s = &cpu_table[i]->stats;
		kprintf("stats: cpu%u switches %lu idle %lu ms syscalls %lu "
			"faults %lu ipi resched %lu tlb %lu shootdowns %lu "
			"(%lu us waiting) ticks %lu",
			i, s->switches, s->idle_ns / 1000000, s->syscalls,
			s->faults, s->ipi_resched, s->ipi_tlb, s->shootdowns,
			s->shootdown_ns / 1000, cpu_table[i]->ticks);
	}
	irq_print_stats();
	netstack_print_stats();
}

__noreturn void power_off(int status)
{
	irq_disable();
	/* stop the other CPUs so nothing prints after the status line */
	for (u32 i = 0; i < ncpus; i++)
		if (cpu_table[i] && cpu_table[i] != this_cpu())
			lapic_send_ipi(cpu_table[i]->apic_id, VEC_STOP);
	if (kstats_enabled)
		kstats_print();
	kprintf("exit status %d", status & 0xff);
	uart_report_status(status);
	outl(0xf4, status & 0xff);
	acpi_poweroff();
	outb(0x64, 0xfe);
	for (;;)
		halt();
}
