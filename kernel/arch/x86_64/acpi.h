/* SPDX-License-Identifier: MIT */
/*
 * Platform discovery: ACPI (RSDP from PVH start info or a BIOS scan) for the
 * CPU list (MADT), I/O APICs and interrupt overrides, the PCI ECAM (MCFG),
 * the S5 power-off registers (FADT) and microvm's virtio-mmio devices; the
 * Intel MP table when there is no ACPI.
 */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <kernel/types.h>

#define ACPI_MAX_CPUS	     64
#define ACPI_MAX_IOAPICS     4
#define ACPI_MAX_VIRTIO_MMIO 32

struct platform_info {
	u32 ncpus;
	u32 apic_ids[ACPI_MAX_CPUS];
	u32 nioapics;
	struct {
		u64 pa;
		u32 gsi_base;
	} ioapics[ACPI_MAX_IOAPICS];
	/* PCI ECAM of segment 0 (MCFG); 0 when there is none */
	u64 mcfg_pa;
	u8 mcfg_bus_start, mcfg_bus_end;
	/* virtio-mmio transports the DSDT describes (microvm) */
	u32 nvirtio_mmio;
	struct {
		u64 pa;
		u32 size, irq;
	} virtio_mmio[ACPI_MAX_VIRTIO_MMIO];
	bool from_acpi;
};

extern struct platform_info platform;

void acpi_init(u64 rsdp_pa);
/* The GSI and MPS INTI flags of ISA IRQ irq; false if no override. */
bool acpi_isa_override(u32 irq, u32 *gsi, u32 *flags);
/* Enter S5 if the firmware told us how; returns if it could not. */
void acpi_poweroff(void);
/* Power button presses (SCI) become SIGTERM to PID 1. */
void acpi_power_button_init(void);

#endif
