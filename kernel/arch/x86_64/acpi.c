// SPDX-License-Identifier: MIT
/*
 * ACPI table parsing, just what the kernel needs: MADT (CPUs, I/O APIC,
 * interrupt source overrides), FADT (PM1a control block or the hardware-
 * reduced sleep control register), the \_S5 sleep type from the DSDT and,
 * on hardware-reduced machines (QEMU microvm), the Generic Event Device
 * that carries the power button.
 * Falls back to the MP table. Every table is checksummed before use.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "acpi.h"
#include "cpu.h"
#include "irq.h"
#include "mm/vmm.h"
#include "proc/proc.h"
#include "proc/signal.h"

struct platform_info platform;

struct sdt_header {
	char sig[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem[6];
	char oem_table[8];
	u32 oem_rev;
	u32 creator;
	u32 creator_rev;
} __packed;

struct iso {
	u8 irq;
	u32 gsi;
	u16 flags;
};
static struct iso isos[16];
static int nisos;

static u32 pm1a_cnt, pm1b_cnt;
static u32 pm1a_evt, smi_cmd;
static u8 pm1_evt_len, acpi_enable_val;
static u16 sci_irq;
static u64 sleep_ctl_pa; /* hardware-reduced ACPI (microvm) */
static u8 sleep_ctl_space;
static u16 slp_typa, slp_typb;
static bool s5_known;
/* the Generic Event Device (ACPI0013, hardware-reduced ACPI) */
static u32 ged_evt_pa, ged_irq;
static volatile u32 *ged_evt;

static bool checksum_ok(const void *p, size_t len)
{
	u8 sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += ((const u8 *)p)[i];
	return sum == 0;
}

static const struct sdt_header *map_table(u64 pa)
{
	const struct sdt_header *h = phys_map(pa, sizeof(*h));

	if (h->length < sizeof(*h) || h->length > (1 << 24))
		return NULL;
	h = phys_map(pa, h->length);
	return checksum_ok(h, h->length) ? h : NULL;
}

static void add_ioapic(u64 pa, u32 gsi_base)
{
	platform.ioapics[platform.nioapics].pa = pa;
	platform.ioapics[platform.nioapics].gsi_base = gsi_base;
	platform.nioapics++;
}

/* MCFG: the ECAM window of PCI segment 0. */
static void parse_mcfg(const struct sdt_header *h)
{
	const u8 *p = (const u8 *)h + 44, *end = (const u8 *)h + h->length;

	for (; p + 16 <= end; p += 16) {
		u16 seg;
		memcpy(&seg, p + 8, 2);
		if (seg != 0)
			continue;
		memcpy(&platform.mcfg_pa, p, 8);
		platform.mcfg_bus_start = p[10];
		platform.mcfg_bus_end = p[11];
		return;
	}
}

static void parse_madt(const struct sdt_header *h)
{
	const u8 *p = (const u8 *)h + 44, *end = (const u8 *)h + h->length;

	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		u32 flags;
		switch (p[0]) {
		case 0: /* processor local APIC */
			memcpy(&flags, p + 4, 4);
			if ((flags & 3) && platform.ncpus < ACPI_MAX_CPUS)
				platform.apic_ids[platform.ncpus++] = p[3];
			break;
		case 1: /* I/O APIC */
			if (platform.nioapics < ACPI_MAX_IOAPICS) {
				u32 addr, base;
				memcpy(&addr, p + 4, 4);
				memcpy(&base, p + 8, 4);
				add_ioapic(addr, base);
			}
			break;
		case 2: /* interrupt source override */
			if (nisos < (int)ARRAY_SIZE(isos)) {
				isos[nisos].irq = p[3];
				memcpy(&isos[nisos].gsi, p + 4, 4);
				memcpy(&isos[nisos].flags, p + 8, 2);
				nisos++;
			}
			break;
		case 9: /* processor local x2APIC */
			memcpy(&flags, p + 8, 4);
			if ((flags & 3) && platform.ncpus < ACPI_MAX_CPUS) {
				u32 id;
				memcpy(&id, p + 4, 4);
				platform.apic_ids[platform.ncpus++] = id;
			}
			break;
		}
		p += p[1];
	}
}

/* Find "_S5_" in the DSDT AML and read its first two package elements. */
static void parse_s5(const struct sdt_header *dsdt)
{
	const u8 *p = (const u8 *)dsdt + sizeof(*dsdt);
	const u8 *end = (const u8 *)dsdt + dsdt->length;

	for (; p + 12 < end; p++) {
		if (memcmp(p, "_S5_", 4) || p[4] != 0x12)
			continue;
		const u8 *q = p + 5;
		q += ((*q >> 6) & 3) + 1; /* PkgLength */
		q++;			  /* NumElements */
		u16 v[2];
		for (int i = 0; i < 2; i++) {
			if (*q == 0x0a) /* BytePrefix */
				q++;
			v[i] = *q == 0x01 ? 1 : *q; /* OneOp */
			q++;
		}
		slp_typa = v[0];
		slp_typb = v[1];
		s5_known = true;
		return;
	}
}

/*
 * virtio-mmio devices in the DSDT (QEMU microvm with ACPI): each is a
 * Device with _HID "LNRO0005" whose _CRS holds a Memory32Fixed (0x86)
 * and an Extended Interrupt (0x89) descriptor. Found by pattern, as _S5_
 * is: we have no AML interpreter.
 */
static void parse_virtio_mmio(const struct sdt_header *dsdt)
{
	const u8 *p = (const u8 *)dsdt + sizeof(*dsdt);
	const u8 *end = (const u8 *)dsdt + dsdt->length;

	for (; p + 8 <= end; p++) {
		if (memcmp(p, "LNRO0005", 8))
			continue;
		u32 base = 0, size = 0, irq = 0, found = 0;
		const u8 *q = p + 8, *lim = MIN(p + 96, end);
		for (; q + 12 <= lim && found != 3; q++) {
			if (!(found & 1) && q[0] == 0x86 && q[1] == 9 &&
			    !q[2]) {
				memcpy(&base, q + 4, 4);
				memcpy(&size, q + 8, 4);
				found |= 1;
				q += 11;
			} else if (!(found & 2) && q[0] == 0x89 && q[4] >= 1) {
				memcpy(&irq, q + 5, 4);
				found |= 2;
				q += 8;
			}
		}
		if (found == 3 && size &&
		    platform.nvirtio_mmio < ACPI_MAX_VIRTIO_MMIO) {
			int i = platform.nvirtio_mmio++;
			platform.virtio_mmio[i].pa = base;
			platform.virtio_mmio[i].size = size;
			platform.virtio_mmio[i].irq = irq;
		}
		p = q - 1;
	}
}

/*
 * QEMU's Generic Event Device (docs/specs/acpi_hw_reduced_hotplug.rst):
 * Device _HID "ACPI0013" with an Extended Interrupt in its _CRS, and
 * OperationRegion (EREG, SystemMemory, ADDR, 4) holding the event
 * selector, which reads (and clears) the pending events. By pattern.
 */
static void parse_ged(const struct sdt_header *dsdt)
{
	static const u8 ereg[] = {0x5b, 0x80, 'E', 'R', 'E', 'G', 0x00, 0x0c};
	const u8 *p = (const u8 *)dsdt + sizeof(*dsdt);
	const u8 *end = (const u8 *)dsdt + dsdt->length;

	for (; p + 8 <= end; p++) {
		if (memcmp(p, "ACPI0013", 8))
			continue;
		for (const u8 *q = p + 8; q + 9 <= MIN(p + 96, end); q++) {
			if (q[0] == 0x89 && q[4] >= 1) {
				memcpy(&ged_irq, q + 5, 4);
				break;
			}
		}
		for (const u8 *q = p + 8; q + 12 <= MIN(p + 512, end); q++) {
			if (!memcmp(q, ereg, sizeof(ereg))) {
				memcpy(&ged_evt_pa, q + 8, 4);
				break;
			}
		}
		return;
	}
}

static void parse_fadt(const struct sdt_header *h)
{
	const u8 *f = (const u8 *)h;
	u32 dsdt32 = 0;
	u64 dsdt64 = 0;

	memcpy(&dsdt32, f + 40, 4);
	memcpy(&sci_irq, f + 46, 2);
	memcpy(&smi_cmd, f + 48, 4);
	acpi_enable_val = f[52];
	memcpy(&pm1a_evt, f + 56, 4);
	pm1_evt_len = f[88];
	memcpy(&pm1a_cnt, f + 64, 4);
	memcpy(&pm1b_cnt, f + 68, 4);
	if (h->length >= 148)
		memcpy(&dsdt64, f + 140, 8);
	if (h->length >= 256) { /* SLEEP_CONTROL_REG (GAS) */
		sleep_ctl_space = f[244];
		memcpy(&sleep_ctl_pa, f + 248, 8);
	}
	const struct sdt_header *dsdt = map_table(dsdt64 ? dsdt64 : dsdt32);
	if (dsdt) {
		parse_s5(dsdt);
		parse_virtio_mmio(dsdt);
		parse_ged(dsdt);
	}
}

static bool mptable_scan_range(u64 pa, u64 len)
{
	const u8 *p = phys_map(pa, len);

	for (u64 off = 0; off + 16 <= len; off += 16) {
		if (memcmp(p + off, "_MP_", 4) || !checksum_ok(p + off, 16))
			continue;
		u32 cfg_pa;
		memcpy(&cfg_pa, p + off + 4, 4);
		if (!cfg_pa)
			return false;
		const u8 *cfg = phys_map(cfg_pa, 44);
		u16 len16, count;
		memcpy(&len16, cfg + 4, 2);
		memcpy(&count, cfg + 34, 2);
		if (memcmp(cfg, "PCMP", 4))
			return false;
		cfg = phys_map(cfg_pa, len16);
		const u8 *e = cfg + 44, *end = cfg + len16;
		for (u16 i = 0; i < count && e < end; i++) {
			if (e[0] == 0) { /* processor */
				if ((e[3] & 1) &&
				    platform.ncpus < ACPI_MAX_CPUS)
					platform.apic_ids[platform.ncpus++] =
						e[1];
				e += 20;
			} else if (e[0] == 2) { /* I/O APIC */
				u32 addr;
				memcpy(&addr, e + 4, 4);
				if (!platform.nioapics)
					add_ioapic(addr, 0);
				e += 8;
			} else {
				e += 8;
			}
		}
		return true;
	}
	return false;
}

static u64 rsdp_scan(void)
{
	const u8 *p = phys_map(0xe0000, 0x20000);

	for (u64 off = 0; off < 0x20000; off += 16)
		if (!memcmp(p + off, "RSD PTR ", 8) && checksum_ok(p + off, 20))
			return 0xe0000 + off;
	return 0;
}

void acpi_init(u64 rsdp_pa)
{
	if (!rsdp_pa)
		rsdp_pa = rsdp_scan();
	const u8 *rsdp = rsdp_pa ? phys_map(rsdp_pa, 36) : NULL;
	if (rsdp && !memcmp(rsdp, "RSD PTR ", 8) && checksum_ok(rsdp, 20)) {
		u32 rsdt_pa;
		u64 xsdt_pa = 0;
		memcpy(&rsdt_pa, rsdp + 16, 4);
		if (rsdp[15] >= 2)
			memcpy(&xsdt_pa, rsdp + 24, 8);
		const struct sdt_header *root =
			map_table(xsdt_pa ? xsdt_pa : rsdt_pa);
		int esz = xsdt_pa ? 8 : 4;
		if (root) {
			int n = (root->length - sizeof(*root)) / esz;
			const u8 *ents = (const u8 *)(root + 1);
			for (int i = 0; i < n; i++) {
				u64 pa = 0;
				memcpy(&pa, ents + i * esz, esz);
				const struct sdt_header *t = map_table(pa);
				if (!t)
					continue;
				if (!memcmp(t->sig, "APIC", 4))
					parse_madt(t);
				else if (!memcmp(t->sig, "FACP", 4))
					parse_fadt(t);
				else if (!memcmp(t->sig, "MCFG", 4))
					parse_mcfg(t);
			}
			platform.from_acpi = platform.ncpus > 0;
		}
	}
	if (!platform.ncpus) {
		u16 ebda_seg = *(u16 *)phys_map(0x40e, 2);
		if (!(ebda_seg && mptable_scan_range((u64)ebda_seg << 4, 1024)))
			mptable_scan_range(0xf0000, 0x10000);
	}
	if (!platform.ncpus) {
		platform.ncpus = 1;
		platform.apic_ids[0] = 0;
	}
	pr_info("acpi: %u cpus (%s), %u ioapic(s) at %lx, ecam %lx, s5 %s",
		platform.ncpus, platform.from_acpi ? "madt" : "mp table/none",
		platform.nioapics, platform.ioapics[0].pa, platform.mcfg_pa,
		s5_known ? "yes" : "no");
}

bool acpi_isa_override(u32 irq, u32 *gsi, u32 *flags)
{
	*gsi = irq;
	*flags = 0;
	for (int i = 0; i < nisos; i++)
		if (isos[i].irq == irq) {
			*gsi = isos[i].gsi;
			*flags = isos[i].flags;
			return true;
		}
	return false;
}

/* QEMU's GED takes S5 as sleep type 5 when the DSDT has no \_S5_. */
#define GED_SLP_TYP_S5 5

void acpi_poweroff(void)
{
	u8 typ = s5_known ? (slp_typa & 7) : GED_SLP_TYP_S5;

	if (sleep_ctl_pa && sleep_ctl_space == 1) /* system I/O */
		outb(sleep_ctl_pa, typ << 2 | 1 << 5);
	else if (sleep_ctl_pa && sleep_ctl_space == 0)
		*(volatile u8 *)phys_map(sleep_ctl_pa, 1) = typ << 2 | 1 << 5;
	if (pm1a_cnt && s5_known) {
		outw(pm1a_cnt, (slp_typa << 10) | (1 << 13));
		if (pm1b_cnt)
			outw(pm1b_cnt, (slp_typb << 10) | (1 << 13));
	}
}

#define PM1_PWRBTN (1 << 8)
#define PM1_SCI_EN 1

static void power_button(void)
{
	if (init_process) {
		pr_info("acpi: power button: SIGTERM to pid %d",
			init_process->pid);
		signal_send_process(init_process, SIGTERM);
	}
}

/* SCI handler: the power button becomes SIGTERM to PID 1. */
static void sci_irq_handler(void *arg)
{
	u16 sts = inw(pm1a_evt);

	(void)arg;
	if (!(sts & PM1_PWRBTN))
		return;
	outw(pm1a_evt, PM1_PWRBTN);
	power_button();
}

#define GED_PWR_DOWN_EVT (1u << 1) /* QEMU ACPI_GED_PWR_DOWN_EVT */

/* GED handler: reading the selector takes (and clears) its events. */
static void ged_irq_handler(void *arg)
{
	(void)arg;
	if (*ged_evt & GED_PWR_DOWN_EVT)
		power_button();
}

/*
 * Power button: enable the fixed power-button event and take the SCI
 * (level, shared, through the MADT overrides), so `system_powerdown` (or a
 * hypervisor's ACPI shutdown) reaches the program as SIGTERM.
 */
void acpi_power_button_init(void)
{
	if (ged_evt_pa && ged_irq && irq_have_ioapic()) {
		ged_evt = phys_map(ged_evt_pa, 4);
		(void)*ged_evt; /* drop a stale event */
		if (irq_attach_gsi(ged_irq, false, false, ged_irq_handler, NULL,
				   "acpi-ged") < 0)
			ged_evt = NULL;
		else
			pr_info("acpi: power button: GED at %x, gsi %u",
				ged_evt_pa, ged_irq);
		return;
	}
	if (!pm1a_evt || pm1_evt_len < 4 || !sci_irq || !irq_have_ioapic())
		return;
	if (smi_cmd && acpi_enable_val && pm1a_cnt &&
	    !(inw(pm1a_cnt) & PM1_SCI_EN)) {
		outb(smi_cmd, acpi_enable_val);
		for (int i = 0; i < 100000 && !(inw(pm1a_cnt) & PM1_SCI_EN);
		     i++)
			cpu_relax();
	}
	if (irq_attach_isa(sci_irq, true, sci_irq_handler, NULL, "acpi-sci") <
	    0)
		return;
	outw(pm1a_evt, PM1_PWRBTN); /* clear a stale status */
	outw(pm1a_evt + pm1_evt_len / 2, PM1_PWRBTN);
}
