// SPDX-License-Identifier: MIT
/*
 * virtio-net (virtio spec 5.1): one receive and one transmit queue behind
 * the netdev seam (net/netdev.h). Receive buffers are whole pages, posted
 * up front and re-posted once their frame has been handed to dev->rx;
 * the interrupt only suppresses further interrupts and wakes the stack,
 * whose thread calls poll. Transmit copies the frame into a buffer of its
 * own per descriptor and kicks once per frame; completions never
 * interrupt and are reclaimed by the next xmit. poll, rx_irq_enable and
 * xmit run under the stack lock, which serialises both queues.
 * The "netselftest" boot option sends an ARP request for the QEMU
 * user-network gateway and logs the reply (a device check without lwIP).
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "virtio.h"
#include "virtqueue.h"
#include "lib/csum.h"
#include "drivers/drivers.h"
#include "drivers/random.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "net/netdev.h"
#include "net/netstack.h"
#include "arch/x86_64/percpu.h"
#include "sched/kthread.h"
#include "sched/time.h"
#include "sched/waitq.h"

#define VIRTIO_NET_F_CSUM	(1ULL << 0)
#define VIRTIO_NET_F_GUEST_CSUM (1ULL << 1)
#define VIRTIO_NET_F_MTU	(1ULL << 3)
#define VIRTIO_NET_F_MAC	(1ULL << 5)
#define VIRTIO_NET_F_MRG_RXBUF	(1ULL << 15)

#define HDR_F_NEEDS_CSUM 1
#define HDR_F_DATA_VALID 2

#define CFG_MAC	 0
#define CFG_MTU	 10
#define RX_SIZE	 128
#define TX_SIZE	 128
#define ETH_HLEN 14

struct virtio_net_hdr {
	u8 flags;
	u8 gso_type;
	u16 hdr_len;
	u16 gso_size;
	u16 csum_start;
	u16 csum_offset;
	u16 num_buffers;
} __packed;
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio 1.x net header");

struct vnet {
	struct netdev nd;
	struct virtio_device *vd;
	struct virtqueue *vqs[2]; /* rx, tx */
	u8 *rx_frame;		  /* a frame spread over buffers, joined */
	u8 **tx_free;		  /* transmit buffers not in the ring */
	int ntx_free;
	u16 watch_used[2]; /* used indices at the last stack pass */
	u32 tx_buf_size;
};

bool virtio_net_selftest;

static void rx_post(struct vnet *vn, u8 *buf)
{
	struct virtq_buf b = {V2P(buf), PAGE_SIZE};

	virtq_add(vn->vqs[0], &b, 0, 1, buf);
}

/* The rest of a frame that arrived in n > 1 buffers, after first. */
static u32 rx_join(struct vnet *vn, u8 *first, u32 len, u16 n)
{
	u32 max = vn->nd.mtu + ETH_HLEN, got = MIN(len, max);

	memcpy(vn->rx_frame, first, got);
	for (u16 i = 1; i < n; i++) {
		u8 *buf = virtq_get(vn->vqs[0], &len);
		if (!buf)
			return 0; /* the device broke the rules: drop it */
		len = MIN(len, (u32)PAGE_SIZE);
		u32 k = MIN(len, max - got);
		memcpy(vn->rx_frame + got, buf, k);
		got += k;
		rx_post(vn, buf);
	}
	return got;
}

/*
 * A frame with NEEDS_CSUM carries only the pseudo-header sum in its L4
 * checksum field (a host or peer that offloads checksums, e.g. a tap):
 * finish it here, as a NIC would, so the stack sees a valid frame. Bad
 * offsets from the device leave the frame alone (the stack drops it).
 */
static void rx_finish_csum(u8 *frame, u32 len, u16 start, u16 off)
{
	if (start >= len || off > len - start || len - start - off < 2)
		return;
	/* the sum in the machine's order stores as is, as network order */
	u16 sum = (u16)~csum_native(frame + start, len - start);
	__builtin_memcpy(frame + start + off, &sum, 2);
}

static int vnet_poll(struct netdev *nd, int budget)
{
	struct vnet *vn = nd->priv;
	int n = 0;
	u32 len;
	u8 *buf;

	while (n < budget && (buf = virtq_get(vn->vqs[0], &len))) {
		struct virtio_net_hdr *h = (void *)buf;
		bool csum_ok = h->flags & (HDR_F_DATA_VALID | HDR_F_NEEDS_CSUM);
		u16 nbuf = virtio_has(vn->vd, VIRTIO_NET_F_MRG_RXBUF)
				   ? h->num_buffers
				   : 1;
		len = MIN(len, (u32)PAGE_SIZE);
		if (len > sizeof(*h) && nbuf <= 1) {
			if (h->flags & HDR_F_NEEDS_CSUM)
				rx_finish_csum(buf + sizeof(*h),
					       len - sizeof(*h), h->csum_start,
					       h->csum_offset);
			nd->rx(nd, buf + sizeof(*h), len - sizeof(*h), csum_ok);
		} else if (len > sizeof(*h)) {
			u16 flags = h->flags, cs = h->csum_start,
			    co = h->csum_offset;
			u32 flen = rx_join(vn, buf + sizeof(*h),
					   len - sizeof(*h), nbuf);
			if (flen && (flags & HDR_F_NEEDS_CSUM))
				rx_finish_csum(vn->rx_frame, flen, cs, co);
			if (flen)
				nd->rx(nd, vn->rx_frame, flen, csum_ok);
		}
		rx_post(vn, buf);
		n++;
	}
	if (n)
		virtq_kick(vn->vqs[0]);
	return n;
}

/*
 * Once per pass of the stack thread: a queue that has not moved since the
 * last pass may have lost its kick (virtqueue.c explains how), so kick it
 * again: transmit when it still has frames out; receive always, since a
 * device that thinks it has no buffers holds frames back until kicked
 * and the ring cannot tell us so. A busy queue moves between passes and
 * costs nothing; an idle one one notification per timer wakeup.
 */
static void vnet_watch(struct vnet *vn)
{
	for (int i = 0; i < 2; i++) {
		struct virtqueue *vq = vn->vqs[i];
		u16 used = virtq_used_idx(vq);
		if (used == vn->watch_used[i] &&
		    (i == 0 || used != vq->avail_idx))
			virtq_notify(vq);
		vn->watch_used[i] = used;
	}
}

static void vnet_rx_irq_enable(struct netdev *nd)
{
	struct vnet *vn = nd->priv;

	vnet_watch(vn);
	if (!virtq_enable_cb(vn->vqs[0])) {
		virtq_disable_cb(vn->vqs[0]);
		netdev_rx_ready(nd); /* frames came in meanwhile */
	}
}

/* Interrupt: a frame arrived. Quiet the queue, wake the stack. */
static void vnet_rx_irq(struct virtqueue *vq)
{
	struct vnet *vn = vq->vdev->priv;

	virtq_disable_cb(vq);
	netdev_rx_ready(&vn->nd);
}

static void vnet_tx_irq(struct virtqueue *vq)
{
	virtq_disable_cb(vq); /* not expected: completions are polled */
}

static int vnet_xmit(struct netdev *nd, const struct netdev_seg *segs, int nseg,
		     u16 csum_start, u16 csum_offset)
{
	struct vnet *vn = nd->priv;
	struct virtio_net_hdr *h;
	u8 *buf;
	u32 len = sizeof(*h);

	while ((buf = virtq_get(vn->vqs[1], NULL)))
		vn->tx_free[vn->ntx_free++] = buf;
	for (int i = 0; i < nseg; i++) {
		if (segs[i].len > vn->tx_buf_size - len)
			return -EMSGSIZE;
		len += segs[i].len;
	}
	if (!vn->ntx_free) {
		virtq_notify(vn->vqs[1]); /* the ring is full: is it moving? */
		return -ENOBUFS;
	}
	buf = vn->tx_free[--vn->ntx_free];
	h = (void *)buf;
	memset(h, 0, sizeof(*h));
	if (csum_start && nd->tx_csum) {
		h->flags = HDR_F_NEEDS_CSUM;
		h->csum_start = csum_start;
		h->csum_offset = csum_offset;
	}
	u32 off = sizeof(*h);
	for (int i = 0; i < nseg; i++) {
		memcpy(buf + off, segs[i].data, segs[i].len);
		off += segs[i].len;
	}
	struct virtq_buf b = {V2P(buf), len};
	virtq_add(vn->vqs[1], &b, 1, 0, buf);
	virtq_kick(vn->vqs[1]);
	return 0;
}

static void vnet_dump(struct netdev *nd)
{
	struct vnet *vn = nd->priv;

	virtq_dump(vn->vqs[0], "rx");
	virtq_dump(vn->vqs[1], "tx");
	kprintf(" %s: %d transmit buffers free", nd->name, vn->ntx_free);
}

static const struct netdev_ops vnet_ops = {
	.xmit = vnet_xmit,
	.poll = vnet_poll,
	.rx_irq_enable = vnet_rx_irq_enable,
	.dump = vnet_dump,
};

/* Buffers: every receive slot gets a page, every transmit slot a copy
 * buffer; the receive ring starts full. */
static int vnet_alloc_buffers(struct vnet *vn)
{
	struct virtqueue *rx = vn->vqs[0], *tx = vn->vqs[1];

	vn->tx_buf_size = sizeof(struct virtio_net_hdr) + ETH_HLEN + vn->nd.mtu;
	vn->tx_free = kzalloc(tx->size * sizeof(u8 *));
	vn->rx_frame = kmalloc(vn->nd.mtu + ETH_HLEN);
	if (!vn->tx_free || !vn->rx_frame)
		return -ENOMEM;
	for (u16 i = 0; i < tx->size; i++) {
		u8 *b = kmalloc(vn->tx_buf_size);
		if (!b)
			return -ENOMEM;
		vn->tx_free[vn->ntx_free++] = b;
	}
	for (u16 i = 0; i < rx->size; i++) {
		paddr_t pa = pmm_alloc();
		if (!pa)
			return -ENOMEM;
		rx_post(vn, P2V(pa));
	}
	return 0;
}

/* MAC and MTU from the device when it gives them. */
static void vnet_read_config(struct vnet *vn)
{
	struct virtio_device *vd = vn->vd;
	u16 mtu = 1500;

	if (virtio_has(vd, VIRTIO_NET_F_MAC)) {
		virtio_read_config(vd, CFG_MAC, vn->nd.mac, ETH_ALEN);
	} else {
		random_bytes(vn->nd.mac, ETH_ALEN);
		vn->nd.mac[0] = (vn->nd.mac[0] & 0xfe) | 0x02; /* local */
	}
	if (virtio_has(vd, VIRTIO_NET_F_MTU))
		virtio_read_config(vd, CFG_MTU, &mtu, 2);
	/* without merged buffers a frame must fit one receive page */
	if (!virtio_has(vd, VIRTIO_NET_F_MRG_RXBUF))
		mtu = MIN(mtu,
			  PAGE_SIZE - ETH_HLEN - sizeof(struct virtio_net_hdr));
	vn->nd.mtu = MAX(mtu, 68);
	vn->nd.tx_csum = virtio_has(vd, VIRTIO_NET_F_CSUM);
	vn->nd.rx_csum = virtio_has(vd, VIRTIO_NET_F_GUEST_CSUM);
}

static void vnet_selftest_start(struct vnet *vn);

int virtio_net_probe(struct virtio_device *vd)
{
	static const u16 sizes[2] = {RX_SIZE, TX_SIZE};
	static void (*const cbs[2])(struct virtqueue *) = {vnet_rx_irq,
							   vnet_tx_irq};
	struct vnet *vn = kzalloc(sizeof(*vn));
	int ret;

	if (!vn)
		return -ENOMEM;
	vn->vd = vd;
	vd->priv = vn;
	ret = virtio_negotiate(vd, VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM |
					   VIRTIO_NET_F_MTU | VIRTIO_NET_F_MAC |
					   VIRTIO_NET_F_MRG_RXBUF |
					   VIRTIO_F_EVENT_IDX);
	if (ret)
		return ret;
	vnet_read_config(vn);
	ret = virtio_setup_queues(vd, 2, vn->vqs, sizes, cbs);
	if (!ret)
		ret = vnet_alloc_buffers(vn);
	if (ret) {
		virtio_fail(vd);
		pr_warn("virtio-net: %s: setup failed: error %d", vd->where,
			-ret);
		return ret;
	}
	virtq_disable_cb(vn->vqs[1]);
	vn->nd.ops = &vnet_ops;
	vn->nd.priv = vn;
	virtio_ready(vd);
	virtq_kick(vn->vqs[0]);
	ret = netdev_register(&vn->nd);
	if (ret)
		return ret;
	if (virtio_net_selftest)
		vnet_selftest_start(vn);
	return 0;
}

/*
 * The self-test: an ARP request for 10.0.2.2 from 10.0.2.15 (QEMU user
 * networking's gateway and default guest address), sent up to 4 times
 * from a kernel thread once the stack has attached the device; the reply
 * is caught by borrowing dev->rx (and passed on to the stack).
 */
static const u8 st_gateway[4] = {10, 0, 2, 2}, st_self[4] = {10, 0, 2, 15};
static struct waitq st_wq = {SPINLOCK_INIT, LIST_HEAD_INIT(st_wq.waiters)};
static u8 st_reply_mac[ETH_ALEN];
static bool st_done; /* st_wq.lock */
static void (*st_saved_rx)(struct netdev *, const void *, u32, bool);

static void st_rx(struct netdev *nd, const void *frame, u32 len, bool ok)
{
	const u8 *f = frame;

	if (len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2 &&
	    !memcmp(f + 28, st_gateway, 4)) {
		u64 fl = spin_lock_irqsave(&st_wq.lock);
		memcpy(st_reply_mac, f + 22, ETH_ALEN);
		st_done = true;
		spin_unlock_irqrestore(&st_wq.lock, fl);
		waitq_wake(&st_wq, 0, 1);
	}
	if (st_saved_rx)
		st_saved_rx(nd, frame, len, ok);
}

static void st_arp_request(struct netdev *nd, u8 *f)
{
	static const u8 arp_hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};

	memset(f, 0xff, ETH_ALEN);
	memcpy(f + 6, nd->mac, ETH_ALEN);
	f[12] = 0x08, f[13] = 0x06;
	memcpy(f + 14, arp_hdr, sizeof(arp_hdr));
	memcpy(f + 22, nd->mac, ETH_ALEN);
	memcpy(f + 28, st_self, 4);
	memset(f + 32, 0, ETH_ALEN);
	memcpy(f + 38, st_gateway, 4);
}

static void st_thread(void *arg)
{
	struct netdev *nd = &((struct vnet *)arg)->nd;
	u8 frame[42];
	struct netdev_seg seg = {frame, sizeof(frame)};
	int ret = 0;

	st_arp_request(nd, frame);
	/* the stack attaches the device (its rx hook, its lock) at boot */
	for (int i = 0; i < 1000 && !READ_ONCE(nd->stack); i++) {
		u64 deadline = clock_monotonic_ns() + 10000000;
		waitq_wait_event(&st_wq, st_done, deadline);
	}
	if (!READ_ONCE(nd->stack)) {
		pr_warn("net: %s: selftest: the stack never took the device",
			nd->name);
		return;
	}
	net_lock();
	st_saved_rx = nd->rx;
	nd->rx = st_rx;
	net_unlock();
	for (int i = 0; i < 4 && !READ_ONCE(st_done); i++) {
		net_lock();
		ret = nd->ops->xmit(nd, &seg, 1, 0, 0);
		net_unlock();
		/* evaluated once: the macro re-reads its deadline */
		u64 deadline = clock_monotonic_ns() + 500000000;
		waitq_wait_event(&st_wq, st_done, deadline);
	}
	net_lock();
	nd->rx = st_saved_rx;
	net_unlock();
	if (st_done)
		pr_info("net: %s: selftest: ARP reply from 10.0.2.2: "
			"%02x:%02x:%02x:%02x:%02x:%02x",
			nd->name, st_reply_mac[0], st_reply_mac[1],
			st_reply_mac[2], st_reply_mac[3], st_reply_mac[4],
			st_reply_mac[5]);
	else
		pr_warn("net: %s: selftest: no ARP reply from 10.0.2.2 "
			"(xmit %d)",
			nd->name, ret);
}

static void vnet_selftest_start(struct vnet *vn)
{
	static bool started;

	if (!started && kthread_create(st_thread, vn, "netselftest"))
		started = true;
}
