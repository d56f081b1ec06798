// SPDX-License-Identifier: MIT
/*
 * The transport-independent part of virtio (see virtio.h): binding a
 * device to its driver, the status and feature handshake of virtio 1.x
 * (3.1.1), and queue creation.
 */
#include <kernel/printk.h>
#include "virtio.h"
#include "virtqueue.h"
#include "arch/x86_64/cpu.h"

static const struct {
	u32 id;
	int (*probe)(struct virtio_device *vd);
} drivers[] = {
	{VIRTIO_ID_NET, virtio_net_probe},
	{VIRTIO_ID_RNG, virtio_rng_probe},
};

int virtio_probe(struct virtio_device *vd)
{
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
		if (drivers[i].id == vd->id)
			return drivers[i].probe(vd);
	pr_debug("virtio: %s: device type %u has no driver", vd->where, vd->id);
	return -ENODEV;
}

int virtio_negotiate(struct virtio_device *vd, u64 wanted)
{
	const struct virtio_transport *t = vd->ops;

	t->set_status(vd, 0);
	for (int i = 0; i < 1000000 && t->get_status(vd); i++)
		cpu_relax();
	t->set_status(vd, VIRTIO_STATUS_ACK);
	t->set_status(vd, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
	u64 offered = t->get_features(vd);
	if (!(offered & VIRTIO_F_VERSION_1)) {
		pr_warn("virtio: %s: legacy-only device (no VERSION_1): "
			"not supported",
			vd->where);
		virtio_fail(vd);
		return -ENODEV;
	}
	vd->features = offered & (wanted | VIRTIO_F_VERSION_1);
	t->set_features(vd, vd->features);
	u8 s = VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER |
	       VIRTIO_STATUS_FEATURES_OK;
	t->set_status(vd, s);
	if (!(t->get_status(vd) & VIRTIO_STATUS_FEATURES_OK)) {
		pr_warn("virtio: %s: features %lx refused", vd->where,
			vd->features);
		virtio_fail(vd);
		return -ENODEV;
	}
	return 0;
}

int virtio_setup_queues(struct virtio_device *vd, int n, struct virtqueue **vqs,
			const u16 *max_size,
			void (*const *cb)(struct virtqueue *vq))
{
	for (int i = 0; i < n; i++) {
		u16 size = vd->ops->queue_max(vd, i);
		if (!size)
			return -ENODEV;
		while (size & (size - 1)) /* a power of two */
			size &= size - 1;
		while (size > max_size[i])
			size >>= 1;
		vqs[i] = virtq_alloc(vd, i, size);
		if (!vqs[i])
			return -ENOMEM;
		vqs[i]->callback = cb[i];
	}
	return vd->ops->setup_queues(vd, vqs, n);
}

void virtio_ready(struct virtio_device *vd)
{
	vd->ops->set_status(vd,
			    vd->ops->get_status(vd) | VIRTIO_STATUS_DRIVER_OK);
}

void virtio_fail(struct virtio_device *vd)
{
	vd->ops->set_status(vd, vd->ops->get_status(vd) | VIRTIO_STATUS_FAILED);
}

void virtio_read_config(struct virtio_device *vd, u32 off, void *buf, u32 len)
{
	vd->ops->read_config(vd, off, buf, len);
}
