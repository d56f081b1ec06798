/* SPDX-License-Identifier: MIT */
/*
 * The split virtqueue (virtio 1.x, 2.7): a descriptor table, the
 * available ring the driver fills and the used ring the device fills.
 * With VIRTIO_F_EVENT_IDX both sides say at which index they next want to
 * hear from the other, which suppresses interrupts and notifications.
 * A virtqueue has no lock: its driver serialises every call, except
 * virtq_disable_cb, which is safe from the queue's interrupt handler.
 */
#ifndef DRIVERS_VIRTQUEUE_H
#define DRIVERS_VIRTQUEUE_H

#include <kernel/types.h>

struct virtio_device;

struct vring_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct virtqueue {
	struct virtio_device *vdev;
	u16 index, size;
	struct vring_desc *desc;
	volatile u16 *avail; /* flags, idx, ring[size], used_event */
	volatile u8 *used;   /* flags, idx, ring[size] {id, len}, avail_event */
	paddr_t desc_pa, avail_pa, used_pa;
	u16 free_head, num_free;
	u16 last_used;	  /* next used entry to take */
	u16 avail_idx;	  /* our copy of avail->idx */
	u16 notified_idx; /* avail_idx at the last notify decision */
	u16 kick_event;	  /* avail_event read at that decision */
	bool event_idx;	  /* VIRTIO_F_EVENT_IDX negotiated */
	bool cb_off;	  /* interrupts not wanted */
	bool broken;	  /* the device misbehaved: no more completions */
	void **tokens;	  /* per chain head: the caller's cookie */
	void (*callback)(struct virtqueue *vq);
	void *priv;	   /* the driver's */
	void *notify_addr; /* the transport's */
	u16 notify_data;
};

/* One buffer of a chain: physical address and length. */
struct virtq_buf {
	paddr_t pa;
	u32 len;
};

struct virtqueue *virtq_alloc(struct virtio_device *vd, u16 index, u16 size);
/*
 * Post a chain of nout device-readable then nin device-writable buffers;
 * token (not NULL) comes back from virtq_get. 0 or -ENOSPC.
 */
int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, int nout,
	      int nin, void *token);
/* Print the rings' indices (the NMI dump). */
void virtq_dump(struct virtqueue *vq, const char *what);
/* Notify the device of new buffers, unless it said it need not be. */
void virtq_kick(struct virtqueue *vq);
/* Notify the device now, whatever it asked (a queue that stopped moving). */
void virtq_notify(struct virtqueue *vq);
/* The used index the device has published (no ordering). */
u16 virtq_used_idx(struct virtqueue *vq);
/* The next completed chain's token (len: bytes written), or NULL. */
void *virtq_get(struct virtqueue *vq, u32 *len);
bool virtq_has_used(struct virtqueue *vq);
/*
 * Ask for no interrupts until virtq_enable_cb (best effort: a stray one
 * may still come). Safe in the queue's interrupt handler. A queue whose
 * completions are reclaimed lazily (transmit) stays like this.
 */
void virtq_disable_cb(struct virtqueue *vq);
/* Ask for an interrupt on the next completion; false if one is already
 * waiting (the caller should poll again). */
bool virtq_enable_cb(struct virtqueue *vq);

#endif
