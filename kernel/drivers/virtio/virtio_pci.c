// SPDX-License-Identifier: MIT
/*
 * The virtio 1.x PCI transport (virtio spec 4.1), modern interface only:
 * the vendor capabilities locate the common, notify, ISR and device
 * configuration structures in memory BARs, so devices work with
 * disable-legacy=on. Each queue gets its own MSI-X vector; without enough
 * MSI-X entries (or with the nomsix option) one INTx handler reads the
 * ISR and runs every queue's callback.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "virtio.h"
#include "virtqueue.h"
#include "drivers/pci.h"
#include "mm/kheap.h"

#define VIRTIO_PCI_CAP_COMMON 1
#define VIRTIO_PCI_CAP_NOTIFY 2
#define VIRTIO_PCI_CAP_ISR    3
#define VIRTIO_PCI_CAP_DEVICE 4

/* struct virtio_pci_common_cfg */
#define CC_DFSELECT 0x00
#define CC_DF	    0x04
#define CC_GFSELECT 0x08
#define CC_GF	    0x0c
#define CC_MSIX	    0x10
#define CC_STATUS   0x14
#define CC_Q_SELECT 0x16
#define CC_Q_SIZE   0x18
#define CC_Q_MSIX   0x1a
#define CC_Q_ENABLE 0x1c
#define CC_Q_NOFF   0x1e
#define CC_Q_DESC   0x20
#define CC_Q_AVAIL  0x28
#define CC_Q_USED   0x30
#define NO_VECTOR   0xffff

struct virtio_pci {
	struct virtio_device vd;
	struct pci_dev *pci;
	volatile u8 *common, *isr, *device, *notify;
	u32 notify_mult, notify_len, device_len;
	struct virtqueue **vqs;
	int nvqs;
	char where[24];
};

static struct virtio_pci *to_vp(struct virtio_device *vd)
{
	return vd->transport;
}

#define CC(vp, type, off) (*(volatile type *)((vp)->common + (off)))

/* 64-bit fields as two 32-bit writes (all a device must accept). */
static void cc_write64(struct virtio_pci *vp, u32 off, u64 v)
{
	CC(vp, u32, off) = v;
	CC(vp, u32, off + 4) = v >> 32;
}

static u8 vp_get_status(struct virtio_device *vd)
{
	return CC(to_vp(vd), u8, CC_STATUS);
}

static void vp_set_status(struct virtio_device *vd, u8 status)
{
	CC(to_vp(vd), u8, CC_STATUS) = status;
}

static u64 vp_get_features(struct virtio_device *vd)
{
	struct virtio_pci *vp = to_vp(vd);

	CC(vp, u32, CC_DFSELECT) = 0;
	u64 lo = CC(vp, u32, CC_DF);
	CC(vp, u32, CC_DFSELECT) = 1;
	return lo | (u64)CC(vp, u32, CC_DF) << 32;
}

static void vp_set_features(struct virtio_device *vd, u64 f)
{
	struct virtio_pci *vp = to_vp(vd);

	CC(vp, u32, CC_GFSELECT) = 0;
	CC(vp, u32, CC_GF) = f;
	CC(vp, u32, CC_GFSELECT) = 1;
	CC(vp, u32, CC_GF) = f >> 32;
}

static void vp_read_config(struct virtio_device *vd, u32 off, void *buf,
			   u32 len)
{
	struct virtio_pci *vp = to_vp(vd);
	u8 *p = buf;

	for (u32 i = 0; i < len; i++)
		p[i] = off + i < vp->device_len ? vp->device[off + i] : 0;
}

static u16 vp_queue_max(struct virtio_device *vd, u16 idx)
{
	struct virtio_pci *vp = to_vp(vd);

	CC(vp, u16, CC_Q_SELECT) = idx;
	return CC(vp, u16, CC_Q_SIZE);
}

static void vp_notify(struct virtio_device *vd, struct virtqueue *vq)
{
	(void)vd;
	*(volatile u16 *)vq->notify_addr = vq->notify_data;
}

/* MSI-X: one queue's vector. */
static void vp_vq_irq(void *arg)
{
	struct virtqueue *vq = arg;

	vq->callback(vq);
}

/* INTx: reading the ISR acknowledges (and lowers the line). */
static void vp_intx_irq(void *arg)
{
	struct virtio_pci *vp = arg;
	if (!(*vp->isr & 1))
		return; /* another device on the line, or config change */
	for (int i = 0; i < vp->nvqs; i++)
		vp->vqs[i]->callback(vp->vqs[i]);
}

/* A vector per queue, or -errno to fall back to INTx. */
static int vp_setup_msix(struct virtio_pci *vp, int *vec, int n)
{
	if (pci_msix_count(vp->pci) < n)
		return -ENODEV;
	for (int i = 0; i < n; i++) {
		vec[i] = irq_alloc_vector();
		if (vec[i] < 0)
			return vec[i];
		int ret =
			irq_register(vec[i], vp_vq_irq, vp->vqs[i], vp->where);
		if (ret)
			return ret;
	}
	return pci_msix_enable(vp->pci, vec, n);
}

static int vp_setup_queues(struct virtio_device *vd, struct virtqueue **vqs,
			   int n)
{
	struct virtio_pci *vp = to_vp(vd);
	int vec[8];
	bool msix;

	if (n > (int)ARRAY_SIZE(vec))
		return -EINVAL;
	vp->vqs = vqs;
	vp->nvqs = n;
	msix = vp_setup_msix(vp, vec, n) == 0;
	if (!msix) {
		int ret = pci_intx_attach(vp->pci, vp_intx_irq, vp, vp->where);
		if (ret < 0) {
			pr_warn("virtio: %s: no interrupt (no MSI-X, INTx "
				"line %u)",
				vp->where, vp->pci->irq_line);
			return ret;
		}
	}
	CC(vp, u16, CC_MSIX) = NO_VECTOR;
	for (int i = 0; i < n; i++) {
		struct virtqueue *vq = vqs[i];
		CC(vp, u16, CC_Q_SELECT) = i;
		CC(vp, u16, CC_Q_SIZE) = vq->size;
		cc_write64(vp, CC_Q_DESC, vq->desc_pa);
		cc_write64(vp, CC_Q_AVAIL, vq->avail_pa);
		cc_write64(vp, CC_Q_USED, vq->used_pa);
		if (msix) {
			CC(vp, u16, CC_Q_MSIX) = i;
			if (CC(vp, u16, CC_Q_MSIX) != i)
				return -EIO;
		}
		u32 off = CC(vp, u16, CC_Q_NOFF) * vp->notify_mult;
		if (off + 2 > vp->notify_len)
			return -EIO;
		vq->notify_addr = (void *)(vp->notify + off);
		vq->notify_data = i;
		CC(vp, u16, CC_Q_ENABLE) = 1;
	}
	pr_debug("virtio: %s: %d queue(s), %s", vp->where, n,
		 msix ? "msi-x" : "intx");
	return 0;
}

static const struct virtio_transport vp_transport = {
	.get_status = vp_get_status,
	.set_status = vp_set_status,
	.get_features = vp_get_features,
	.set_features = vp_set_features,
	.read_config = vp_read_config,
	.queue_max = vp_queue_max,
	.setup_queues = vp_setup_queues,
	.notify = vp_notify,
};

/* Map the structure a virtio vendor capability at cap describes. */
static volatile u8 *map_cap(struct pci_dev *d, u8 cap, u32 *len)
{
	u8 bar = pci_read8(d, cap + 4);
	u32 off = pci_read32(d, cap + 8);

	*len = pci_read32(d, cap + 12);
	if (bar > 5)
		return NULL;
	return pci_map_bar(d, bar, off, *len);
}

static int vp_find_caps(struct virtio_pci *vp)
{
	struct pci_dev *d = vp->pci;
	u32 len;

	for (u8 cap = pci_find_cap(d, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(d, PCI_CAP_VENDOR, cap)) {
		switch (pci_read8(d, cap + 3)) {
		case VIRTIO_PCI_CAP_COMMON:
			if (!vp->common)
				vp->common = map_cap(d, cap, &len);
			break;
		case VIRTIO_PCI_CAP_NOTIFY:
			if (!vp->notify) {
				vp->notify = map_cap(d, cap, &vp->notify_len);
				vp->notify_mult = pci_read32(d, cap + 16);
			}
			break;
		case VIRTIO_PCI_CAP_ISR:
			if (!vp->isr)
				vp->isr = map_cap(d, cap, &len);
			break;
		case VIRTIO_PCI_CAP_DEVICE:
			if (!vp->device)
				vp->device = map_cap(d, cap, &vp->device_len);
			break;
		}
	}
	return vp->common && vp->notify && vp->isr ? 0 : -ENODEV;
}

static int vp_probe(struct pci_dev *d)
{
	struct virtio_pci *vp = kzalloc(sizeof(*vp));
	int ret;

	if (!vp)
		return -ENOMEM;
	vp->pci = d;
	snprintf(vp->where, sizeof(vp->where), "pci %02x:%02x.%u", d->bus,
		 d->dev, d->fn);
	pci_enable(d);
	ret = vp_find_caps(vp);
	if (ret) {
		pr_warn("virtio: %s: no modern (virtio 1.x) interface",
			vp->where);
		goto fail;
	}
	vp->vd.ops = &vp_transport;
	vp->vd.transport = vp;
	vp->vd.where = vp->where;
	/* 0x1040 + type (modern); transitional: the subsystem id */
	vp->vd.id =
		d->device >= 0x1040 ? d->device - 0x1040 : pci_read16(d, 0x2e);
	ret = virtio_probe(&vp->vd);
	if (ret)
		goto fail;
	return 0;
fail:
	if (!vp->vqs) /* else interrupt handlers may point at it */
		kfree(vp);
	return ret;
}

const struct pci_driver virtio_pci_driver = {
	.name = "virtio-pci",
	.vendor = 0x1af4,
	.device_min = 0x1000,
	.device_max = 0x107f,
	.probe = vp_probe,
};
