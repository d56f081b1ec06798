// SPDX-License-Identifier: MIT
/*
 * virtio-rng (virtio spec 5.4): one queue of device-writable buffers the
 * device fills with random bytes. At probe the driver asks for 64 bytes
 * and waits for them (interrupts are still off), so the pool is seeded
 * before the first program runs; afterwards random.c asks again every
 * minute and the interrupt mixes the answer in. lock guards the queue.
 */
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include "virtio.h"
#include "virtqueue.h"
#include "drivers/random.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "sched/time.h"

#define RNG_BYTES 64

static struct {
	struct virtqueue *vq;
	struct spinlock lock;
	u8 *buf;
	bool busy; /* lock: a request is in the ring */
} rng = {.lock = SPINLOCK_INIT};

/* Take the device's answer into the pool (lock held). */
static bool rng_collect(void)
{
	u32 len;
	bool got = false;

	while (virtq_get(rng.vq, &len)) {
		random_add_entropy(rng.buf, MIN(len, (u32)RNG_BYTES));
		rng.busy = false;
		got = true;
	}
	return got;
}

static void rng_irq(struct virtqueue *vq)
{
	(void)vq;
	spin_lock(&rng.lock);
	rng_collect();
	spin_unlock(&rng.lock);
}

/* Ask the device for RNG_BYTES more (any context). */
static void rng_request(void)
{
	struct virtq_buf b = {V2P(rng.buf), RNG_BYTES};
	u64 f = spin_lock_irqsave(&rng.lock);

	if (!rng.busy && !virtq_add(rng.vq, &b, 0, 1, rng.buf)) {
		rng.busy = true;
		virtq_kick(rng.vq);
	}
	spin_unlock_irqrestore(&rng.lock, f);
}

int virtio_rng_probe(struct virtio_device *vd)
{
	static const u16 size = 4;
	static void (*const cb)(struct virtqueue *) = rng_irq;
	int ret;
	bool got = false;

	if (rng.vq)
		return -EBUSY; /* one is enough */
	ret = virtio_negotiate(vd, 0);
	if (ret)
		return ret;
	rng.buf = kmalloc(RNG_BYTES);
	ret = rng.buf ? virtio_setup_queues(vd, 1, &rng.vq, &size, &cb)
		      : -ENOMEM;
	if (ret) {
		virtio_fail(vd);
		return ret;
	}
	virtio_ready(vd);
	rng_request();
	for (int i = 0; i < 2000 && !got; i++) {
		time_delay_us(100);
		u64 f = spin_lock_irqsave(&rng.lock);
		got = rng_collect();
		spin_unlock_irqrestore(&rng.lock, f);
	}
	random_register_source(rng_request);
	pr_info("random: virtio-rng at %s%s", vd->where,
		got ? "" : " (no answer at boot yet)");
	return 0;
}
