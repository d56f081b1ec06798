/* SPDX-License-Identifier: MIT */
/*
 * Device interrupts: the one door every driver comes through. A driver
 * gets a vector (irq_alloc_vector), registers its handler on it
 * (irq_register), and has the vector raised either by an I/O APIC pin
 * (irq_attach_gsi / irq_attach_isa, which also share a level-triggered
 * line between devices) or by MSI/MSI-X (irq_msi_compose). trap.c calls
 * irq_dispatch for every device vector; handlers run with interrupts off
 * and only acknowledge the device and wake a thread. Every device
 * interrupt goes to the boot CPU.
 */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include <kernel/types.h>

typedef void (*irq_handler_t)(void *arg);

/* Find and mask the I/O APICs (ACPI MADT / MP table). */
void irq_init(void);
/* A free device vector, or -ENOSPC. */
int irq_alloc_vector(void);
/* Call handler(arg) on each interrupt at vector (several may share one). */
int irq_register(int vector, irq_handler_t handler, void *arg,
		 const char *name);
/* Point I/O APIC input gsi at vector (unmasked); -ENODEV without a pin. */
int irq_route_gsi(u32 gsi, int vector, bool level, bool active_low);
/*
 * Route gsi (sharing the vector of a device already on it) and register
 * handler; returns the vector or -errno. PCI INTx: level, active low.
 */
int irq_attach_gsi(u32 gsi, bool level, bool active_low, irq_handler_t handler,
		   void *arg, const char *name);
/*
 * The same for ISA IRQ irq through the MADT interrupt source overrides;
 * without an override, edge/high (ISA) or, if pci, level/low.
 */
int irq_attach_isa(u32 irq, bool pci, irq_handler_t handler, void *arg,
		   const char *name);
/* The MSI/MSI-X message (address, data) that raises vector. */
void irq_msi_compose(int vector, u64 *addr, u32 *data);
/* trap.c: run the handlers of a device vector, then EOI. */
void irq_dispatch(int vector);
/* The "stats" option: interrupts per device handler. */
void irq_print_stats(void);
/* True if the I/O APIC is there to route GSIs. */
bool irq_have_ioapic(void);

#endif
