// SPDX-License-Identifier: MIT
/*
 * The virtio MMIO transport, version 2 (virtio spec 4.2.2), for QEMU
 * microvm and Firecracker. There is no bus to enumerate: the devices come
 * on the kernel command line as virtio_mmio.device=<size>@<base>:<irq>,
 * the form Linux reads and these hypervisors write, or (microvm with
 * ACPI) from the DSDT, which acpi.c scans for them. Each device has one
 * interrupt line (level, active high); its handler acknowledges the
 * interrupt status and runs every queue's callback.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "virtio.h"
#include "virtqueue.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/irq.h"
#include "mm/kheap.h"
#include "mm/vmm.h"

#define MMIO_MAGIC	   0x000
#define MMIO_VERSION	   0x004
#define MMIO_DEVICE_ID	   0x008
#define MMIO_DEV_FEATURES  0x010
#define MMIO_DEV_FEAT_SEL  0x014
#define MMIO_DRV_FEATURES  0x020
#define MMIO_DRV_FEAT_SEL  0x024
#define MMIO_QUEUE_SEL	   0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM	   0x038
#define MMIO_QUEUE_READY   0x044
#define MMIO_QUEUE_NOTIFY  0x050
#define MMIO_INT_STATUS	   0x060
#define MMIO_INT_ACK	   0x064
#define MMIO_STATUS	   0x070
#define MMIO_QUEUE_DESC	   0x080
#define MMIO_QUEUE_AVAIL   0x090
#define MMIO_QUEUE_USED	   0x0a0
#define MMIO_CONFIG	   0x100
#define MMIO_MAGIC_VALUE   0x74726976 /* "virt" */
#define MMIO_MAX_DEVICES   16

struct virtio_mmio {
	struct virtio_device vd;
	volatile u8 *regs;
	u64 base, size;
	u32 irq;
	struct virtqueue **vqs;
	int nvqs;
	char where[32];
};

static struct {
	u64 base, size;
	u32 irq;
} params[MMIO_MAX_DEVICES];
static int nparams;

static struct virtio_mmio *to_vm(struct virtio_device *vd)
{
	return vd->transport;
}

static u32 rd(struct virtio_mmio *vm, u32 off)
{
	return *(volatile u32 *)(vm->regs + off);
}

static void wr(struct virtio_mmio *vm, u32 off, u32 v)
{
	*(volatile u32 *)(vm->regs + off) = v;
}

static u8 vm_get_status(struct virtio_device *vd)
{
	return rd(to_vm(vd), MMIO_STATUS);
}

static void vm_set_status(struct virtio_device *vd, u8 status)
{
	wr(to_vm(vd), MMIO_STATUS, status);
}

static u64 vm_get_features(struct virtio_device *vd)
{
	struct virtio_mmio *vm = to_vm(vd);

	wr(vm, MMIO_DEV_FEAT_SEL, 0);
	u64 lo = rd(vm, MMIO_DEV_FEATURES);
	wr(vm, MMIO_DEV_FEAT_SEL, 1);
	return lo | (u64)rd(vm, MMIO_DEV_FEATURES) << 32;
}

static void vm_set_features(struct virtio_device *vd, u64 f)
{
	struct virtio_mmio *vm = to_vm(vd);

	wr(vm, MMIO_DRV_FEAT_SEL, 0);
	wr(vm, MMIO_DRV_FEATURES, f);
	wr(vm, MMIO_DRV_FEAT_SEL, 1);
	wr(vm, MMIO_DRV_FEATURES, f >> 32);
}

static void vm_read_config(struct virtio_device *vd, u32 off, void *buf,
			   u32 len)
{
	struct virtio_mmio *vm = to_vm(vd);
	u8 *p = buf;

	for (u32 i = 0; i < len; i++)
		p[i] = MMIO_CONFIG + off + i < vm->size
			       ? vm->regs[MMIO_CONFIG + off + i]
			       : 0;
}

static u16 vm_queue_max(struct virtio_device *vd, u16 idx)
{
	struct virtio_mmio *vm = to_vm(vd);

	wr(vm, MMIO_QUEUE_SEL, idx);
	if (rd(vm, MMIO_QUEUE_READY))
		return 0;
	return MIN(rd(vm, MMIO_QUEUE_NUM_MAX), 0xffffu);
}

static void vm_notify(struct virtio_device *vd, struct virtqueue *vq)
{
	wr(to_vm(vd), MMIO_QUEUE_NOTIFY, vq->index);
}

static void vm_irq(void *arg)
{
	struct virtio_mmio *vm = arg;
	u32 status = rd(vm, MMIO_INT_STATUS);

	if (!status)
		return;
	wr(vm, MMIO_INT_ACK, status);
	if (status & 1)
		for (int i = 0; i < vm->nvqs; i++)
			vm->vqs[i]->callback(vm->vqs[i]);
}

static void wr64(struct virtio_mmio *vm, u32 off, u64 v)
{
	wr(vm, off, v);
	wr(vm, off + 4, v >> 32);
}

static int vm_setup_queues(struct virtio_device *vd, struct virtqueue **vqs,
			   int n)
{
	struct virtio_mmio *vm = to_vm(vd);
	int ret;

	vm->vqs = vqs;
	vm->nvqs = n;
	for (int i = 0; i < n; i++) {
		wr(vm, MMIO_QUEUE_SEL, i);
		wr(vm, MMIO_QUEUE_NUM, vqs[i]->size);
		wr64(vm, MMIO_QUEUE_DESC, vqs[i]->desc_pa);
		wr64(vm, MMIO_QUEUE_AVAIL, vqs[i]->avail_pa);
		wr64(vm, MMIO_QUEUE_USED, vqs[i]->used_pa);
		wr(vm, MMIO_QUEUE_READY, 1);
	}
	ret = irq_attach_gsi(vm->irq, true, false, vm_irq, vm, vm->where);
	return ret < 0 ? ret : 0;
}

static const struct virtio_transport vm_transport = {
	.get_status = vm_get_status,
	.set_status = vm_set_status,
	.get_features = vm_get_features,
	.set_features = vm_set_features,
	.read_config = vm_read_config,
	.queue_max = vm_queue_max,
	.setup_queues = vm_setup_queues,
	.notify = vm_notify,
};

/* A number in C notation with an optional K/M/G suffix; end set. */
static u64 parse_num(const char *s, const char *end, const char **stop)
{
	u64 v = 0, base = 10;

	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2, base = 16;
	for (; s < end; s++) {
		int d = *s >= '0' && *s <= '9'	 ? *s - '0'
			: *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
			: *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
						 : 99;
		if (d >= (int)base)
			break;
		v = v * base + d;
	}
	if (s < end && (*s == 'K' || *s == 'k'))
		v <<= 10, s++;
	else if (s < end && (*s == 'M' || *s == 'm'))
		v <<= 20, s++;
	else if (s < end && (*s == 'G' || *s == 'g'))
		v <<= 30, s++;
	*stop = s;
	return v;
}

/* Remember a device once (the command line is read twice, and the DSDT
 * may name the same ones). */
static int add_device(u64 base, u64 size, u32 irq)
{
	for (int i = 0; i < nparams; i++)
		if (params[i].base == base)
			return 0;
	if (nparams == MMIO_MAX_DEVICES)
		return -ENOSPC;
	params[nparams].base = base;
	params[nparams].size = size;
	params[nparams].irq = irq;
	nparams++;
	return 0;
}

int virtio_mmio_param(const char *s, size_t len)
{
	const char *end = s + len, *p;
	u64 size = parse_num(s, end, &p), base, irq;

	if (p >= end || *p != '@')
		return -EINVAL;
	base = parse_num(p + 1, end, &p);
	if (p >= end || *p != ':')
		return -EINVAL;
	irq = parse_num(p + 1, end, &p);
	if (!size || !base || (p < end && *p != ':'))
		return -EINVAL;
	return add_device(base, size, irq);
}

static void probe_one(u64 base, u64 size, u32 irq)
{
	struct virtio_mmio *vm = kzalloc(sizeof(*vm));

	if (!vm)
		return;
	vm->regs = ioremap(base, size);
	vm->base = base, vm->size = size, vm->irq = irq;
	snprintf(vm->where, sizeof(vm->where), "mmio 0x%lx", base);
	if (rd(vm, MMIO_MAGIC) != MMIO_MAGIC_VALUE || !rd(vm, MMIO_DEVICE_ID)) {
		kfree(vm); /* not a device, or an empty slot */
		return;
	}
	if (rd(vm, MMIO_VERSION) != 2) {
		pr_warn("virtio: %s: legacy virtio-mmio (version %u) is not "
			"supported (QEMU: -global "
			"virtio-mmio.force-legacy=false)",
			vm->where, rd(vm, MMIO_VERSION));
		kfree(vm);
		return;
	}
	vm->vd.ops = &vm_transport;
	vm->vd.transport = vm;
	vm->vd.where = vm->where;
	vm->vd.id = rd(vm, MMIO_DEVICE_ID);
	if (virtio_probe(&vm->vd) && !vm->vqs)
		kfree(vm);
}

void virtio_mmio_init(void)
{
	for (u32 i = 0; i < platform.nvirtio_mmio; i++)
		add_device(platform.virtio_mmio[i].pa,
			   platform.virtio_mmio[i].size,
			   platform.virtio_mmio[i].irq);
	for (int i = 0; i < nparams; i++)
		probe_one(params[i].base, params[i].size, params[i].irq);
}
