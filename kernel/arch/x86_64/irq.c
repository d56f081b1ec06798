// SPDX-License-Identifier: MIT
/*
 * Device interrupts (see irq.h): the vector table of handlers, the I/O
 * APICs (one per MADT entry; microvm has two) and MSI messages. Handlers
 * are added at boot and never removed; a new one is published with a
 * release store so irq_dispatch reads the chains without a lock.
 */
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "irq.h"
#include "acpi.h"
#include "apic.h"
#include "percpu.h"
#include "mm/kheap.h"
#include "mm/vmm.h"

#define IOAPIC_REG_VER 0x01
#define IOAPIC_REDTBL  0x10
#define RTE_MASKED     (1u << 16)
#define RTE_LEVEL      (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)
#define MAX_GSI	       256

struct irq_action {
	irq_handler_t handler;
	void *arg;
	const char *name;
	struct irq_action *next;
	u64 count; /* interrupts on its vector while it was registered */
};

struct ioapic {
	volatile u32 *regs;
	u32 gsi_base, npins;
};

static struct irq_action *actions[256]; /* irq_lock to add */
static struct spinlock irq_lock = SPINLOCK_INIT;
static int next_vector = VEC_DEVICE_FIRST; /* irq_lock */
static u8 gsi_vector[MAX_GSI];		   /* irq_lock; 0: unrouted */
static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static u32 nioapics;

static void ioapic_write(struct ioapic *io, u32 reg, u32 v)
{
	io->regs[0] = reg;
	io->regs[4] = v;
}

static u32 ioapic_read(struct ioapic *io, u32 reg)
{
	io->regs[0] = reg;
	return io->regs[4];
}

void irq_init(void)
{
	if (!platform.nioapics) {
		/* no MADT or MP table (microvm,acpi=off): the PC default */
		platform.ioapics[0].pa = 0xfec00000;
		platform.ioapics[0].gsi_base = 0;
		platform.nioapics = 1;
	}
	for (u32 i = 0; i < platform.nioapics; i++) {
		struct ioapic *io = &ioapics[nioapics++];
		io->regs = ioremap(platform.ioapics[i].pa, PAGE_SIZE);
		io->gsi_base = platform.ioapics[i].gsi_base;
		io->npins =
			((ioapic_read(io, IOAPIC_REG_VER) >> 16) & 0xff) + 1;
		for (u32 pin = 0; pin < io->npins; pin++)
			ioapic_write(io, IOAPIC_REDTBL + 2 * pin, RTE_MASKED);
	}
}

bool irq_have_ioapic(void)
{
	return nioapics > 0;
}

int irq_alloc_vector(void)
{
	u64 f = spin_lock_irqsave(&irq_lock);
	int v = next_vector <= VEC_DEVICE_LAST ? next_vector++ : -ENOSPC;

	spin_unlock_irqrestore(&irq_lock, f);
	if (v < 0)
		pr_warn("irq: out of device vectors");
	return v;
}

int irq_register(int vector, irq_handler_t handler, void *arg, const char *name)
{
	struct irq_action *a;

	if (vector < VEC_DEVICE_FIRST || vector > VEC_DEVICE_LAST)
		return -EINVAL;
	a = kmalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	*a = (struct irq_action){handler, arg, name, NULL, 0};
	u64 f = spin_lock_irqsave(&irq_lock);
	a->next = actions[vector];
	__atomic_store_n(&actions[vector], a, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&irq_lock, f);
	return 0;
}

static struct ioapic *ioapic_for(u32 gsi)
{
	for (u32 i = 0; i < nioapics; i++)
		if (gsi >= ioapics[i].gsi_base &&
		    gsi < ioapics[i].gsi_base + ioapics[i].npins)
			return &ioapics[i];
	return NULL;
}

int irq_route_gsi(u32 gsi, int vector, bool level, bool active_low)
{
	struct ioapic *io = ioapic_for(gsi);
	u32 lo = vector;

	if (!io)
		return -ENODEV;
	if (level)
		lo |= RTE_LEVEL;
	if (active_low)
		lo |= RTE_ACTIVE_LOW;
	u32 pin = gsi - io->gsi_base;
	u64 f = spin_lock_irqsave(&irq_lock);
	ioapic_write(io, IOAPIC_REDTBL + 2 * pin + 1,
		     cpu_table[0]->apic_id << 24);
	ioapic_write(io, IOAPIC_REDTBL + 2 * pin, lo);
	spin_unlock_irqrestore(&irq_lock, f);
	return 0;
}

/* The vector already on gsi, or a new one routed there. */
static int gsi_get_vector(u32 gsi, bool level, bool active_low)
{
	int vec, ret;

	if (gsi >= MAX_GSI || !ioapic_for(gsi))
		return -ENODEV;
	u64 f = spin_lock_irqsave(&irq_lock);
	vec = gsi_vector[gsi];
	spin_unlock_irqrestore(&irq_lock, f);
	if (vec)
		return vec;
	vec = irq_alloc_vector();
	if (vec < 0)
		return vec;
	ret = irq_route_gsi(gsi, vec, level, active_low);
	if (ret)
		return ret;
	gsi_vector[gsi] = vec;
	return vec;
}

int irq_attach_gsi(u32 gsi, bool level, bool active_low, irq_handler_t handler,
		   void *arg, const char *name)
{
	int vec = gsi_get_vector(gsi, level, active_low);
	int ret;

	if (vec < 0)
		return vec;
	ret = irq_register(vec, handler, arg, name);
	if (ret)
		return ret;
	pr_debug("irq: %s on gsi %u (%s, active %s), vector 0x%x", name, gsi,
		 level ? "level" : "edge", active_low ? "low" : "high", vec);
	return vec;
}

int irq_attach_isa(u32 irq, bool pci, irq_handler_t handler, void *arg,
		   const char *name)
{
	u32 gsi, flags;
	bool level = pci, low = pci;

	if (acpi_isa_override(irq, &gsi, &flags)) {
		/* MPS INTI flags: polarity bits 0-1, trigger bits 2-3 */
		if ((flags & 3) == 1 || (flags & 3) == 3)
			low = (flags & 3) == 3;
		if (((flags >> 2) & 3) == 1 || ((flags >> 2) & 3) == 3)
			level = ((flags >> 2) & 3) == 3;
	}
	return irq_attach_gsi(gsi, level, low, handler, arg, name);
}

void irq_msi_compose(int vector, u64 *addr, u32 *data)
{
	/* fixed delivery, physical destination: the boot CPU */
	*addr = 0xfee00000 | ((u64)cpu_table[0]->apic_id << 12);
	*data = vector; /* edge */
}

void irq_dispatch(int vector)
{
	struct irq_action *a =
		__atomic_load_n(&actions[vector], __ATOMIC_ACQUIRE);

	for (; a; a = a->next) {
		a->count++;
		a->handler(a->arg);
	}
	lapic_eoi();
}

void irq_print_stats(void)
{
	for (int v = VEC_DEVICE_FIRST; v <= VEC_DEVICE_LAST; v++)
		for (struct irq_action *a = actions[v]; a; a = a->next)
			kprintf("stats: irq 0x%x %s: %lu", v, a->name,
				a->count);
}
