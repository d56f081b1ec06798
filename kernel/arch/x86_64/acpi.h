/* SPDX-License-Identifier: MIT */
/*
 * Platform discovery: ACPI (RSDP from PVH start info or a BIOS scan) for the
 * CPU list (MADT), I/O APIC and interrupt overrides, and the S5 power-off
 * registers (FADT); the Intel MP table when there is no ACPI.
 */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <kernel/types.h>

#define ACPI_MAX_CPUS 64

struct platform_info {
	u32 ncpus;
	u32 apic_ids[ACPI_MAX_CPUS];
	u64 ioapic_pa;
	u32 ioapic_gsi_base;
	bool from_acpi;
};

extern struct platform_info platform;

void acpi_init(u64 rsdp_pa);
void acpi_isa_override(u32 irq, u32 *gsi, u32 *flags);
/* Enter S5 if the firmware told us how; returns if it could not. */
void acpi_poweroff(void);
int acpi_power_button_init(void);
bool acpi_sci_power_button(void);

#endif
