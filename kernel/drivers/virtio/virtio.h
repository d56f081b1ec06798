/* SPDX-License-Identifier: MIT */
/*
 * virtio 1.x in three layers a driver cannot see past:
 *   transport  virtio_pci.c (modern PCI) and virtio_mmio.c (MMIO v2): how
 *              status, features, config space, queues and interrupts reach
 *              the device (struct virtio_transport);
 *   ring       virtqueue.c: the split virtqueue with event-index
 *              suppression of interrupts and notifications;
 *   device     virtio_net.c, virtio_rng.c: use only this header.
 * A transport finds a device, fills a struct virtio_device and calls
 * virtio_probe, which hands it to the driver for its device type.
 */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include <kernel/types.h>

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_RNG 4

#define VIRTIO_STATUS_ACK	  1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_FAILED	  128

#define VIRTIO_F_EVENT_IDX (1ULL << 29)
#define VIRTIO_F_VERSION_1 (1ULL << 32)

struct virtio_device;
struct virtqueue;
struct pci_driver;

struct virtio_transport {
	u8 (*get_status)(struct virtio_device *vd);
	void (*set_status)(struct virtio_device *vd, u8 status);
	u64 (*get_features)(struct virtio_device *vd);
	void (*set_features)(struct virtio_device *vd, u64 features);
	/* Read len bytes of the device-specific configuration at off. */
	void (*read_config)(struct virtio_device *vd, u32 off, void *buf,
			    u32 len);
	/* The largest size queue idx may have; 0: no such queue. */
	u16 (*queue_max)(struct virtio_device *vd, u16 idx);
	/* Give the device the rings of vqs[0..n) and route interrupts. */
	int (*setup_queues)(struct virtio_device *vd, struct virtqueue **vqs,
			    int n);
	/* Tell the device vq has new available buffers. */
	void (*notify)(struct virtio_device *vd, struct virtqueue *vq);
};

struct virtio_device {
	const struct virtio_transport *ops;
	u32 id;		   /* device type: VIRTIO_ID_* */
	u64 features;	   /* negotiated */
	const char *where; /* for messages: "pci 00:02.0", "mmio 0xfeb00000" */
	void *transport;   /* the transport's */
	void *priv;	   /* the driver's */
};

/* PCI devices of vendor 0x1af4 reach virtio through this (pci.c). */
extern const struct pci_driver virtio_pci_driver;

/* The "virtio_mmio.device=SIZE@BASE:IRQ" option (value only); 0/-errno. */
int virtio_mmio_param(const char *s, size_t len);
/* Probe the virtio-mmio devices the command line named. */
void virtio_mmio_init(void);
/* The "netselftest" option (virtio_net.c). */
extern bool virtio_net_selftest;

/* Transports: a device was found; bind the driver for its type. */
int virtio_probe(struct virtio_device *vd);
/*
 * Drivers: reset, acknowledge and negotiate: the device must offer
 * VERSION_1 and the result is vd->features (wanted & offered). 0 or -errno.
 */
int virtio_negotiate(struct virtio_device *vd, u64 wanted);
/*
 * Drivers: create n queues, queue i of at most max_size[i] entries with
 * callback cb[i] (run in interrupt context) and hand them to the device.
 */
int virtio_setup_queues(struct virtio_device *vd, int n, struct virtqueue **vqs,
			const u16 *max_size,
			void (*const *cb)(struct virtqueue *vq));
/* Drivers: the device is ready (DRIVER_OK). */
void virtio_ready(struct virtio_device *vd);
/* Drivers: give up on the device (FAILED). */
void virtio_fail(struct virtio_device *vd);
static inline bool virtio_has(struct virtio_device *vd, u64 feature)
{
	return (vd->features & feature) != 0;
}
void virtio_read_config(struct virtio_device *vd, u32 off, void *buf, u32 len);

/* The device drivers' probe functions (virtio_probe's table). */
int virtio_net_probe(struct virtio_device *vd);
int virtio_rng_probe(struct virtio_device *vd);

#endif
