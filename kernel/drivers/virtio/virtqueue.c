// SPDX-License-Identifier: MIT
/*
 * The split virtqueue (see virtqueue.h). The descriptor table gets one
 * page and the two rings share another (queues of at most 256 entries),
 * so every ring is physically contiguous. x86 keeps stores in order, so
 * publishing needs only compiler barriers; a store followed by a load of
 * what the device wrote (the event-index checks) needs a full fence.
 *
 * That fence is not always real: QEMU's TCG with one vCPU drops guest
 * fences (no other vCPU to order against), yet its device model runs in
 * another host thread. The guest's load of avail_event can then pass its
 * own store of avail->idx while the device, going idle, stores
 * avail_event and reloads the index: both miss, the device sleeps with
 * work queued, and no later kick is ever "needed" again because the event
 * index is already behind. So a kick also goes out when the device's
 * event index has not moved since the last decision while we are past it
 * (a device that stopped, or a slow one: one spare notification), and
 * drivers can force one (virtq_notify) when a queue makes no progress.
 * docs/decisions/devices.md.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "virtqueue.h"
#include "virtio.h"
#include "mm/kheap.h"
#include "mm/pmm.h"

#define VIRTQ_MAX_SIZE	     256
#define VRING_DESC_F_NEXT    1
#define VRING_DESC_F_WRITE   2
#define VRING_AVAIL_F_NO_INT 1
#define VRING_USED_F_NO_NOTE 1
#define USED_RING_OFF	     1024 /* in the rings page */

#define barrier() __asm__ volatile("" ::: "memory")
#define mb()	  __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* avail: [0] flags, [1] idx, [2 + i] ring, [2 + size] used_event */
static volatile u16 *used_event(struct virtqueue *vq)
{
	return &vq->avail[2 + vq->size];
}

static volatile u16 *used_idx(struct virtqueue *vq)
{
	return (volatile u16 *)(vq->used + 2);
}

static volatile u16 *avail_event(struct virtqueue *vq)
{
	return (volatile u16 *)(vq->used + 4 + 8 * vq->size);
}

struct virtqueue *virtq_alloc(struct virtio_device *vd, u16 index, u16 size)
{
	struct virtqueue *vq;
	paddr_t desc, rings;

	if (size > VIRTQ_MAX_SIZE)
		size = VIRTQ_MAX_SIZE;
	if (!size || (size & (size - 1)))
		return NULL; /* split rings are a power of two */
	vq = kzalloc(sizeof(*vq));
	desc = pmm_alloc_zeroed();
	rings = pmm_alloc_zeroed();
	if (vq)
		vq->tokens = kzalloc(size * sizeof(void *));
	if (!vq || !desc || !rings || !vq->tokens) {
		if (vq)
			kfree(vq->tokens);
		kfree(vq);
		if (desc)
			page_put(desc);
		if (rings)
			page_put(rings);
		return NULL;
	}
	vq->vdev = vd;
	vq->index = index;
	vq->size = size;
	vq->desc = P2V(desc);
	vq->avail = P2V(rings);
	vq->used = (u8 *)P2V(rings) + USED_RING_OFF;
	vq->desc_pa = desc;
	vq->avail_pa = rings;
	vq->used_pa = rings + USED_RING_OFF;
	vq->event_idx = virtio_has(vd, VIRTIO_F_EVENT_IDX);
	for (u16 i = 0; i < size; i++)
		vq->desc[i].next = i + 1;
	vq->num_free = size;
	return vq;
}

int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, int nout,
	      int nin, void *token)
{
	int n = nout + nin;
	u16 head = vq->free_head, i = head, last = head;

	if (n <= 0 || n > vq->num_free)
		return -ENOSPC;
	for (int k = 0; k < n; k++) {
		struct vring_desc *d = &vq->desc[i];
		d->addr = bufs[k].pa;
		d->len = bufs[k].len;
		d->flags = (k >= nout ? VRING_DESC_F_WRITE : 0) |
			   (k + 1 < n ? VRING_DESC_F_NEXT : 0);
		last = i;
		i = d->next;
	}
	vq->free_head = vq->desc[last].next;
	vq->num_free -= n;
	vq->tokens[head] = token;
	vq->avail[2 + (vq->avail_idx & (vq->size - 1))] = head;
	barrier(); /* the entry before the index */
	vq->avail[1] = ++vq->avail_idx;
	return 0;
}

/* virtio 1.x 2.7.7.2: does an index move from old to new pass event? */
static bool need_event(u16 event, u16 new, u16 old)
{
	return (u16)(new - event - 1) < (u16)(new - old);
}

void virtq_kick(struct virtqueue *vq)
{
	u16 old = vq->notified_idx, new = vq->avail_idx;
	bool need;

	if (old == new)
		return;
	mb(); /* avail->idx is visible before we read the device's wish */
	vq->notified_idx = new;
	if (vq->event_idx) {
		u16 ev = *avail_event(vq);
		need = need_event(ev, new, old) ||
		       (ev == vq->kick_event && ev != old &&
			(u16)(old - ev) <= vq->size);
		vq->kick_event = ev;
	} else
		need = !(*(volatile u16 *)vq->used & VRING_USED_F_NO_NOTE);
	if (need)
		vq->vdev->ops->notify(vq->vdev, vq);
}

u16 virtq_used_idx(struct virtqueue *vq)
{
	return *used_idx(vq);
}

void virtq_notify(struct virtqueue *vq)
{
	if (!vq->broken)
		vq->vdev->ops->notify(vq->vdev, vq);
}

bool virtq_has_used(struct virtqueue *vq)
{
	return !vq->broken && *used_idx(vq) != vq->last_used;
}

void *virtq_get(struct virtqueue *vq, u32 *len)
{
	if (!virtq_has_used(vq))
		return NULL;
	barrier(); /* the entry after the index */
	u16 slot = vq->last_used & (vq->size - 1);
	volatile u32 *e = (volatile u32 *)(vq->used + 4 + 8 * slot);
	u32 head = e[0];
	if (head >= vq->size || !vq->tokens[head]) {
		/* a device breaking the protocol: stop using the queue */
		if (!vq->broken)
			pr_err("virtio: %s: queue %u: device returned bad "
			       "descriptor %u; queue disabled",
			       vq->vdev->where, vq->index, head);
		vq->broken = true;
		return NULL;
	}
	if (len)
		*len = e[1];
	void *token = vq->tokens[head];
	vq->tokens[head] = NULL;
	/* free the chain */
	u16 i = head, n = 1;
	while (vq->desc[i].flags & VRING_DESC_F_NEXT) {
		i = vq->desc[i].next;
		n++;
	}
	vq->desc[i].next = vq->free_head;
	vq->free_head = head;
	vq->num_free += n;
	vq->last_used++;
	if (vq->cb_off && vq->event_idx)
		*used_event(vq) = vq->last_used - 1;
	return token;
}

void virtq_disable_cb(struct virtqueue *vq)
{
	vq->cb_off = true;
	vq->avail[0] = VRING_AVAIL_F_NO_INT;
	/* an index the device reaches only after wrapping */
	if (vq->event_idx)
		*used_event(vq) = vq->last_used - 1;
}

bool virtq_enable_cb(struct virtqueue *vq)
{
	vq->cb_off = false;
	vq->avail[0] = 0;
	if (vq->event_idx)
		*used_event(vq) = vq->last_used;
	mb(); /* the wish is visible before we look at the used index */
	return !virtq_has_used(vq);
}

void virtq_dump(struct virtqueue *vq, const char *what)
{
	kprintf(" %s: %s queue %u: avail %u (flags %x, used_event %u), "
		"used %u (avail_event %u), taken %u, free %u, notified %u%s%s",
		vq->vdev->where, what, vq->index, vq->avail_idx, vq->avail[0],
		vq->event_idx ? *used_event(vq) : 0, *used_idx(vq),
		vq->event_idx ? *avail_event(vq) : 0, vq->last_used,
		vq->num_free, vq->notified_idx, vq->cb_off ? ", irq off" : "",
		vq->broken ? ", broken" : "");
}
