/* SPDX-License-Identifier: MIT */
/*
 * Device discovery at boot: PCI devices (pci.c) and virtio-mmio devices
 * named on the command line, each bound to its driver. Runs after irq_init
 * and before the network stack starts, so NICs are registered by then.
 */
#ifndef DRIVERS_DRIVERS_H
#define DRIVERS_DRIVERS_H

#include <kernel/types.h>

/* Find and probe every device; report the entropy sources. */
void drivers_init(void);
/* A boot option for the drivers (nomsix, netselftest,
 * virtio_mmio.device=...): true if it was one. */
bool drivers_option(const char *word, size_t len);

#endif
