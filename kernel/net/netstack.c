// SPDX-License-Identifier: MIT
/*
 * The network stack's thread and lock (see netstack.h). Placeholder until
 * lwIP lands: the net thread drains every device and counts the frames.
 */
#include <kernel/printk.h>
#include "netstack.h"
#include "netdev.h"
#include "arch/x86_64/percpu.h"
#include "sched/kthread.h"
#include "sched/mutex.h"
#include "sched/waitq.h"

static struct mutex stack_lock;
static struct waitq net_wq;
static bool net_kicked; /* net_wq.lock */
static u64 rx_frames;

void net_lock(void)
{
	mutex_lock(&stack_lock);
}

void net_unlock(void)
{
	mutex_unlock(&stack_lock);
}

bool net_lock_held(void)
{
	return mutex_is_held(&stack_lock);
}

void netstack_kick(void)
{
	u64 f = spin_lock_irqsave(&net_wq.lock);
	net_kicked = true;
	spin_unlock_irqrestore(&net_wq.lock, f);
	waitq_wake(&net_wq, 0, 1);
}

static void count_rx(struct netdev *dev, const void *frame, u32 len,
		     bool csum_ok)
{
	(void)dev, (void)frame, (void)len, (void)csum_ok;
	rx_frames++;
}

static void net_thread(void *arg)
{
	(void)arg;
	for (;;) {
		waitq_wait_event(&net_wq,
				 net_kicked && !(net_kicked = false), 0);
		net_lock();
		for (int i = 0; i < netdev_count(); i++) {
			struct netdev *d = netdev_get(i);
			while (d->ops->poll(d, 64) > 0)
				;
			d->ops->rx_irq_enable(d);
		}
		net_unlock();
	}
}

void netstack_init(void)
{
	mutex_init(&stack_lock);
	waitq_init(&net_wq);
	for (int i = 0; i < netdev_count(); i++)
		netdev_get(i)->rx = count_rx;
	if (!kthread_create(net_thread, NULL, "net"))
		panic("net: no memory for the net thread");
}
