/* SPDX-License-Identifier: MIT */
/*
 * The seam between network drivers and the stack. A driver (virtio-net)
 * fills a struct netdev and registers it; the stack (net/netif.c, lwIP)
 * never sees a virtqueue and the driver never includes lwIP.
 *
 * Receive: the driver's interrupt only wakes the stack's thread
 * (netdev_rx_ready); that thread calls ops->poll, which hands each frame
 * to dev->rx(dev, frame, len, csum_ok) and returns how many it delivered.
 * The frame is only valid during the call (the stack copies it).
 * Transmit: ops->xmit sends one Ethernet frame (gathered from segments),
 * called from the stack's thread or a syscall with the stack lock held;
 * it never sleeps and returns 0 or -ENOBUFS when the ring is full.
 */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include <kernel/types.h>

#define NETDEV_NAME_MAX 16
#define ETH_ALEN	6

struct netdev;

/* One piece of an outgoing frame. */
struct netdev_seg {
	const void *data;
	u32 len;
};

struct netdev_ops {
	/* Send one frame made of nseg segments (total <= mtu + 14). When
	 * csum_start is nonzero the device may finish the L4 checksum:
	 * offset of the L4 header and of its checksum field (NEEDS_CSUM). */
	int (*xmit)(struct netdev *dev, const struct netdev_seg *segs, int nseg,
		    u16 csum_start, u16 csum_offset);
	/* Deliver up to budget received frames through dev->rx; the count. */
	int (*poll)(struct netdev *dev, int budget);
	/* Interrupts for received frames on (after a poll found nothing):
	 * the end of each pass of the stack thread, where a driver may also
	 * look after its transmit queue. */
	void (*rx_irq_enable)(struct netdev *dev);
	/* Print the queues' state (the NMI dump; no locks); may be NULL. */
	void (*dump)(struct netdev *dev);
};

struct netdev {
	char name[NETDEV_NAME_MAX]; /* eth0, eth1... */
	u8 mac[ETH_ALEN];
	u16 mtu;      /* IP MTU, 1500 unless the device says */
	bool tx_csum; /* the device completes checksums (xmit csum_*) */
	bool rx_csum; /* frames may arrive checksum-verified */
	const struct netdev_ops *ops;
	void *priv; /* the driver's */
	/* Set by the stack before the first poll. */
	void (*rx)(struct netdev *dev, const void *frame, u32 len,
		   bool csum_ok);
	void *stack;	/* the stack's (its netif) */
	u64 tx_dropped; /* frames the device had no room for (stats) */
};

/* Drivers: register a probed device (name assigned here); 0 or -errno. */
int netdev_register(struct netdev *dev);
/* Drivers, from the interrupt handler: frames wait; wake the stack. */
void netdev_rx_ready(struct netdev *dev);
/* The stack: the registered devices, in order. */
int netdev_count(void);
struct netdev *netdev_get(int i);

#endif
