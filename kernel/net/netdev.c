// SPDX-License-Identifier: MIT
/*
 * The registry of network devices (see netdev.h). Drivers register at
 * probe time, before the stack starts; the stack asks for the list and
 * installs its receive hook. netdev_rx_ready is safe in interrupt context:
 * it leaves the frames to the interrupt's deferred work (sched_softirq_raise)
 * or, before the stack is up, wakes the net thread.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "netdev.h"
#include "netstack.h"
#include "sched/sched.h"

#define NETDEV_MAX 4

static struct netdev *devices[NETDEV_MAX];
static int ndevices;

int netdev_register(struct netdev *dev)
{
	if (ndevices == NETDEV_MAX) {
		pr_warn("net: more than %d network devices: %02x:%02x:%02x:"
			"%02x:%02x:%02x ignored",
			NETDEV_MAX, dev->mac[0], dev->mac[1], dev->mac[2],
			dev->mac[3], dev->mac[4], dev->mac[5]);
		return -ENOSPC;
	}
	snprintf(dev->name, sizeof(dev->name), "eth%d", ndevices);
	if (!dev->mtu)
		dev->mtu = 1500;
	devices[ndevices++] = dev;
	pr_info("net: %s: mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u", dev->name,
		dev->mac[0], dev->mac[1], dev->mac[2], dev->mac[3], dev->mac[4],
		dev->mac[5], dev->mtu);
	return 0;
}

void netdev_rx_ready(struct netdev *dev)
{
	(void)dev;
	if (!sched_softirq_raise())
		netstack_kick();
}

int netdev_count(void)
{
	return ndevices;
}

struct netdev *netdev_get(int i)
{
	return i >= 0 && i < ndevices ? devices[i] : NULL;
}
