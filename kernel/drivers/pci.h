/* SPDX-License-Identifier: MIT */
/*
 * PCI: configuration space (ECAM from the ACPI MCFG, else ports
 * 0xcf8/0xcfc), enumeration of every bus reachable from bus 0, BAR sizing
 * and assignment (64-bit BARs above 4 GiB when the firmware left them
 * unassigned, as qboot does), the capability list, MSI-X with INTx as the
 * fallback, and a table of drivers matched by vendor and device id.
 * Devices are found and probed once, at boot, from drivers_init.
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <kernel/types.h>
#include "arch/x86_64/irq.h"

#define PCI_VENDOR_ID	   0x00
#define PCI_DEVICE_ID	   0x02
#define PCI_COMMAND	   0x04
#define PCI_STATUS	   0x06
#define PCI_CLASS_REV	   0x08
#define PCI_HEADER_TYPE	   0x0e
#define PCI_BAR0	   0x10
#define PCI_SECONDARY_BUS  0x19
#define PCI_CAP_PTR	   0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d

#define PCI_CMD_IO	    (1 << 0)
#define PCI_CMD_MEM	    (1 << 1)
#define PCI_CMD_MASTER	    (1 << 2)
#define PCI_CMD_INTX_OFF    (1 << 10)
#define PCI_STATUS_CAP_LIST (1 << 4)

#define PCI_CAP_MSIX   0x11
#define PCI_CAP_VENDOR 0x09

struct pci_bar {
	u64 pa;	  /* bus address (= physical: no IOMMU) */
	u64 size; /* 0: not implemented */
	bool io;  /* an I/O port range */
};

struct pci_dev {
	u8 bus, dev, fn;
	u16 vendor, device;
	u32 class_rev;
	u8 irq_line, irq_pin; /* firmware's INTx routing; pin 0: none */
	struct pci_bar bar[6];
	u16 msix_cap;		/* config offset of MSI-X; 0: none */
	volatile u32 *msix_tab; /* mapped table, once enabled */
	struct pci_dev *next;
};

struct pci_driver {
	const char *name;
	u16 vendor;
	u16 device_min, device_max;
	int (*probe)(struct pci_dev *d);
};

/* The "nomsix" boot option: drivers get INTx instead of MSI-X. */
extern bool pci_nomsix;

/* Find every device and probe the drivers that match. */
void pci_init(void);

u32 pci_read32(struct pci_dev *d, u32 off);
u16 pci_read16(struct pci_dev *d, u32 off);
u8 pci_read8(struct pci_dev *d, u32 off);
void pci_write32(struct pci_dev *d, u32 off, u32 v);
void pci_write16(struct pci_dev *d, u32 off, u16 v);

/* Memory, I/O decoding and bus mastering on. */
void pci_enable(struct pci_dev *d);
/* The next capability id after offset prev (0: the first); 0 if none. */
u8 pci_find_cap(struct pci_dev *d, u8 id, u8 prev);
/* Map len bytes at off in memory BAR i (uncached); NULL if out of range. */
void *pci_map_bar(struct pci_dev *d, int i, u64 off, u64 len);
/* MSI-X table size (entries), 0 without MSI-X or with nomsix. */
int pci_msix_count(struct pci_dev *d);
/* Entry i raises vectors[i] for i < n; INTx off. 0 or -errno. */
int pci_msix_enable(struct pci_dev *d, const int *vectors, int n);
/* The INTx line to handler (shared, level); the vector or -errno. */
int pci_intx_attach(struct pci_dev *d, irq_handler_t handler, void *arg,
		    const char *name);

#endif
