// SPDX-License-Identifier: MIT
/*
 * PCI (see pci.h). Configuration space is read through ECAM when the ACPI
 * MCFG gives one (each bus's 1 MiB is mapped on first use), else through
 * the legacy 0xcf8/0xcfc port pair. Enumeration walks bus 0 and every bus
 * behind a bridge the firmware numbered. BARs the firmware left at 0 are
 * given addresses here: 32-bit ones in the hole below the I/O APIC,
 * 64-bit ones above 4 GiB and above RAM, I/O ones from 0xc000. All of it
 * happens once, at boot, on the boot CPU; cfg_lock only guards the port
 * pair against anything that reads config space later.
 */
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "pci.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "virtio/virtio.h"

#define MSIX_CTL_ENABLE (1 << 15)
#define MSIX_CTL_FMASK	(1 << 14)
#define GiB		(1UL << 30)

bool pci_nomsix;

static const struct pci_driver *const pci_drivers[] = {
	&virtio_pci_driver,
};

static struct pci_dev *devices;
static volatile u8 *ecam_bus[256]; /* mapped buses, ECAM only */
static bool have_ecam;
static struct spinlock cfg_lock = SPINLOCK_INIT;
static u64 win_mem32, win_mem32_end, win_mem64, win_io = 0xc000;

/* The ECAM address of a config register, mapping its bus on first use. */
static volatile void *ecam_addr(u8 bus, u8 dev, u8 fn, u32 off)
{
	if (!ecam_bus[bus])
		ecam_bus[bus] = ioremap(
			platform.mcfg_pa +
				((u64)(bus - platform.mcfg_bus_start) << 20),
			1 << 20);
	return ecam_bus[bus] + ((dev << 15) | (fn << 12) | off);
}

static bool bus_ok(u8 bus)
{
	return !have_ecam ||
	       (bus >= platform.mcfg_bus_start && bus <= platform.mcfg_bus_end);
}

static u32 cfg_read32(u8 bus, u8 dev, u8 fn, u32 off)
{
	if (!bus_ok(bus))
		return 0xffffffff;
	if (have_ecam)
		return *(volatile u32 *)ecam_addr(bus, dev, fn, off);
	u64 f = spin_lock_irqsave(&cfg_lock);
	outl(0xcf8, 0x80000000 | bus << 16 | dev << 11 | fn << 8 | off);
	u32 v = inl(0xcfc);
	spin_unlock_irqrestore(&cfg_lock, f);
	return v;
}

static void cfg_write32(u8 bus, u8 dev, u8 fn, u32 off, u32 v)
{
	if (!bus_ok(bus))
		return;
	if (have_ecam) {
		*(volatile u32 *)ecam_addr(bus, dev, fn, off) = v;
		return;
	}
	u64 f = spin_lock_irqsave(&cfg_lock);
	outl(0xcf8, 0x80000000 | bus << 16 | dev << 11 | fn << 8 | off);
	outl(0xcfc, v);
	spin_unlock_irqrestore(&cfg_lock, f);
}

u32 pci_read32(struct pci_dev *d, u32 off)
{
	return cfg_read32(d->bus, d->dev, d->fn, off & 0xffc);
}

u16 pci_read16(struct pci_dev *d, u32 off)
{
	return pci_read32(d, off) >> ((off & 2) * 8);
}

u8 pci_read8(struct pci_dev *d, u32 off)
{
	return pci_read32(d, off) >> ((off & 3) * 8);
}

void pci_write32(struct pci_dev *d, u32 off, u32 v)
{
	cfg_write32(d->bus, d->dev, d->fn, off & 0xffc, v);
}

/* A read-modify-write of the dword: fine for the registers we write. */
void pci_write16(struct pci_dev *d, u32 off, u16 v)
{
	u32 shift = (off & 2) * 8, old = pci_read32(d, off);

	pci_write32(d, off, (old & ~(0xffffu << shift)) | (u32)v << shift);
}

/* An address for an unassigned BAR of size bytes, or 0. */
static u64 bar_alloc(u64 size, bool io, bool is64)
{
	u64 *win = io ? &win_io : is64 ? &win_mem64 : &win_mem32;
	u64 end = io ? 0x10000 : is64 ? ~0UL : win_mem32_end;
	u64 pa = ALIGN_UP(*win, size);

	if (pa + size > end || pa + size < pa)
		return 0;
	*win = pa + size;
	return pa;
}

/* Size BAR i (decoding is off); assign it if the firmware did not. */
static int size_bar(struct pci_dev *d, int i)
{
	u32 off = PCI_BAR0 + 4 * i, lo = pci_read32(d, off), hi = 0, szhi;
	bool io = lo & 1, is64 = !io && ((lo >> 1) & 3) == 2;
	u64 mask, pa;

	pci_write32(d, off, ~0u);
	mask = pci_read32(d, off) & (io ? ~3u : ~0xfu);
	pci_write32(d, off, lo);
	pa = lo & (io ? ~3u : ~0xfu);
	if (is64 && i < 5) {
		hi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, ~0u);
		szhi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, hi);
		mask |= (u64)szhi << 32;
		pa |= (u64)hi << 32;
	} else {
		mask |= io ? 0xffffffffffff0000UL : 0xffffffff00000000UL;
	}
	if (mask == ~0UL << 32 || !(mask & (io ? ~3UL : ~0xfUL)))
		return is64 ? 2 : 1; /* not implemented */
	d->bar[i].size = ~mask + 1;
	d->bar[i].io = io;
	if (!pa) {
		pa = bar_alloc(d->bar[i].size, io, is64);
		if (!pa)
			pr_warn("pci: %02x:%02x.%u: no room for BAR%d (%lu "
				"bytes)",
				d->bus, d->dev, d->fn, i, d->bar[i].size);
		pci_write32(d, off, (u32)pa | (lo & (io ? 3 : 0xf)));
		if (is64)
			pci_write32(d, off + 4, pa >> 32);
	}
	d->bar[i].pa = pa;
	if (!pa)
		d->bar[i].size = 0;
	return is64 ? 2 : 1;
}

static void size_bars(struct pci_dev *d)
{
	u16 cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (int i = 0; i < 6;)
		i += size_bar(d, i);
	pci_write16(d, PCI_COMMAND, cmd);
}

static void add_device(u8 bus, u8 dev, u8 fn)
{
	struct pci_dev *d = kzalloc(sizeof(*d)), **tail = &devices;

	if (!d)
		return;
	d->bus = bus, d->dev = dev, d->fn = fn;
	u32 id = pci_read32(d, PCI_VENDOR_ID);
	d->vendor = id, d->device = id >> 16;
	d->class_rev = pci_read32(d, PCI_CLASS_REV);
	d->irq_line = pci_read8(d, PCI_INTERRUPT_LINE);
	d->irq_pin = pci_read8(d, PCI_INTERRUPT_PIN);
	if ((pci_read8(d, PCI_HEADER_TYPE) & 0x7f) == 0) {
		size_bars(d);
		d->msix_cap = pci_find_cap(d, PCI_CAP_MSIX, 0);
	}
	pr_debug("pci: %02x:%02x.%u %04x:%04x class %06x irq pin %u line %u",
		 bus, dev, fn, d->vendor, d->device, d->class_rev >> 8,
		 d->irq_pin, d->irq_line);
	for (int i = 0; i < 6; i++)
		if (d->bar[i].size)
			pr_debug("pci: %02x:%02x.%u BAR%d %s %lx size %lx", bus,
				 dev, fn, i, d->bar[i].io ? "io" : "mem",
				 d->bar[i].pa, d->bar[i].size);
	while (*tail)
		tail = &(*tail)->next;
	*tail = d;
}

static void scan_bus(u8 bus, int depth)
{
	for (u8 dev = 0; dev < 32; dev++) {
		if ((cfg_read32(bus, dev, 0, 0) & 0xffff) == 0xffff)
			continue;
		u8 type = cfg_read32(bus, dev, 0, 0xc) >> 16;
		for (u8 fn = 0; fn < ((type & 0x80) ? 8 : 1); fn++) {
			if ((cfg_read32(bus, dev, fn, 0) & 0xffff) == 0xffff)
				continue;
			add_device(bus, dev, fn);
			u32 hdr = cfg_read32(bus, dev, fn, 0xc) >> 16;
			u8 sec = cfg_read32(bus, dev, fn, 0x18) >> 8;
			if ((hdr & 0x7f) == 1 && sec > bus && depth < 8)
				scan_bus(sec, depth + 1);
		}
	}
}

/* Where unassigned BARs may go: above RAM, below the I/O APIC. */
static void set_windows(void)
{
	u64 ram = pmm_highest_ram();

	win_mem32 = ram < 0xc0000000 ? ALIGN_UP(ram, 256UL << 20) : 0xe0000000;
	if (have_ecam) {
		u64 ecam_end =
			platform.mcfg_pa + ((u64)(platform.mcfg_bus_end + 1 -
						  platform.mcfg_bus_start)
					    << 20);
		if (ecam_end <= 0xfec00000)
			win_mem32 = MAX(win_mem32, ecam_end);
	}
	win_mem32_end = 0xfec00000;
	win_mem64 = ALIGN_UP(MAX(ram, 4 * GiB), GiB);
}

static void probe(struct pci_dev *d)
{
	for (size_t i = 0; i < ARRAY_SIZE(pci_drivers); i++) {
		const struct pci_driver *drv = pci_drivers[i];
		if (d->vendor != drv->vendor || d->device < drv->device_min ||
		    d->device > drv->device_max)
			continue;
		int ret = drv->probe(d);
		if (ret && ret != -ENODEV)
			pr_warn("pci: %02x:%02x.%u %04x:%04x: %s: error %d",
				d->bus, d->dev, d->fn, d->vendor, d->device,
				drv->name, -ret);
		if (!ret)
			return;
	}
}

void pci_init(void)
{
	have_ecam = platform.mcfg_pa != 0;
	if (!have_ecam && (cfg_read32(0, 0, 0, 0) & 0xffff) == 0xffff)
		return; /* no PCI (microvm, Firecracker) */
	set_windows();
	scan_bus(have_ecam ? platform.mcfg_bus_start : 0, 0);
	for (struct pci_dev *d = devices; d; d = d->next)
		probe(d);
}

void pci_enable(struct pci_dev *d)
{
	u16 cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND,
		    cmd | PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
}

u8 pci_find_cap(struct pci_dev *d, u8 id, u8 prev)
{
	u8 off;

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	off = prev ? pci_read8(d, prev + 1) : pci_read8(d, PCI_CAP_PTR);
	for (int n = 0; off >= 0x40 && n < 48; n++) {
		off &= ~3;
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1);
	}
	return 0;
}

void *pci_map_bar(struct pci_dev *d, int i, u64 off, u64 len)
{
	struct pci_bar *b = &d->bar[i];

	if (i < 0 || i > 5 || b->io || !b->size || off + len > b->size ||
	    off + len < off)
		return NULL;
	return ioremap(b->pa + off, len);
}

int pci_msix_count(struct pci_dev *d)
{
	if (!d->msix_cap || pci_nomsix)
		return 0;
	return (pci_read16(d, d->msix_cap + 2) & 0x7ff) + 1;
}

int pci_msix_enable(struct pci_dev *d, const int *vectors, int n)
{
	int count = pci_msix_count(d);
	u16 ctl;

	if (n > count || n <= 0)
		return -ENODEV;
	ctl = pci_read16(d, d->msix_cap + 2);
	pci_write16(d, d->msix_cap + 2, ctl | MSIX_CTL_ENABLE | MSIX_CTL_FMASK);
	u32 tab = pci_read32(d, d->msix_cap + 4);
	if (!d->msix_tab)
		d->msix_tab = pci_map_bar(d, tab & 7, tab & ~7u, count * 16);
	if (!d->msix_tab) {
		pci_write16(d, d->msix_cap + 2, ctl & ~MSIX_CTL_ENABLE);
		return -ENODEV;
	}
	for (int i = 0; i < count; i++) {
		volatile u32 *e = d->msix_tab + 4 * i;
		e[3] = 1; /* masked */
		if (i >= n)
			continue;
		u64 addr;
		u32 data;
		irq_msi_compose(vectors[i], &addr, &data);
		e[0] = addr;
		e[1] = addr >> 32;
		e[2] = data;
		e[3] = 0;
	}
	pci_write16(d, PCI_COMMAND,
		    pci_read16(d, PCI_COMMAND) | PCI_CMD_INTX_OFF);
	pci_write16(d, d->msix_cap + 2,
		    (ctl | MSIX_CTL_ENABLE) & ~MSIX_CTL_FMASK);
	return 0;
}

/*
 * QEMU's q35 (ICH9) in APIC mode raises PIRQ n on GSI 16 + n, whatever
 * the firmware wrote in the interrupt-line register (qboot writes the
 * PIC IRQ it expects, which the I/O APIC never sees). Slots 0-24 of bus 0
 * go to PIRQ E-H by (slot + pin), slots 25-31 to PIRQ A-D by pin: the
 * chipset defaults QEMU's own ACPI _PRT describes. -1 elsewhere.
 */
static int q35_intx_gsi(struct pci_dev *d)
{
	static int is_q35 = -1;

	if (is_q35 < 0)
		is_q35 = cfg_read32(0, 0, 0, 0) == 0x29c08086;
	if (!is_q35 || d->bus != 0 || d->irq_pin > 4)
		return -1;
	if (d->dev >= 25)
		return 16 + d->irq_pin - 1;
	return 20 + ((d->dev + d->irq_pin - 1) & 3);
}

int pci_intx_attach(struct pci_dev *d, irq_handler_t handler, void *arg,
		    const char *name)
{
	u8 line = d->irq_line;
	int gsi = q35_intx_gsi(d);

	if (!d->irq_pin || ((!line || line == 0xff) && gsi < 0))
		return -ENODEV;
	pci_write16(d, PCI_COMMAND,
		    pci_read16(d, PCI_COMMAND) & ~PCI_CMD_INTX_OFF);
	if (gsi >= 0)
		return irq_attach_gsi(gsi, true, true, handler, arg, name);
	/* The firmware's line is an ISA IRQ (PIRQ routing) or a GSI. */
	if (line < 16)
		return irq_attach_isa(line, true, handler, arg, name);
	return irq_attach_gsi(line, true, true, handler, arg, name);
}
