// SPDX-License-Identifier: MIT
/*
 * Ending the VM with a status: the console line for `kiln run`, then
 * isa-debug-exit (QEMU), ACPI S5, and the i8042 reset line (Firecracker
 * treats it as shutdown), in that order.
 */
#include <kernel/power.h>
#include <kernel/printk.h>
#include "acpi.h"
#include "apic.h"
#include "cpu.h"
#include "percpu.h"

__noreturn void power_off(int status)
{
	irq_disable();
	/* stop the other CPUs so nothing prints after the status line */
	for (u32 i = 0; i < ncpus; i++)
		if (cpu_table[i] && cpu_table[i] != this_cpu())
			lapic_send_ipi(cpu_table[i]->apic_id, VEC_STOP);
	kprintf("exit status %d", status & 0xff);
	outl(0xf4, status & 0xff);
	acpi_poweroff();
	outb(0x64, 0xfe);
	for (;;)
		halt();
}
