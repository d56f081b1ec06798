// SPDX-License-Identifier: MIT
/*
 * eventfd: a 64-bit counter as a file. write adds to it (waiting while the
 * sum would pass 2^64-2), read returns and clears it, or in semaphore mode
 * returns 1 and decrements it. One wait queue serves readers, writers and
 * pollers; its lock guards the counter, so sleepers test it exactly.
 */
#include <kernel/string.h>
#include "file.h"
#include "waitfd.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "sched/waitq.h"
#include "arch/x86_64/percpu.h" /* current, for waitq_wait_event */

#define EVENTFD_MAX 0xfffffffffffffffeULL

struct eventfd {
	struct waitq wq; /* its lock guards count */
	u64 count;
	bool semaphore;
};

static ssize_t eventfd_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	struct eventfd *e = f->priv;
	(void)pos;

	if (n < sizeof(u64))
		return -EINVAL;
	for (;;) {
		u64 fl = spin_lock_irqsave(&e->wq.lock);
		u64 val = e->semaphore && e->count ? 1 : e->count;
		e->count -= val;
		spin_unlock_irqrestore(&e->wq.lock, fl);
		if (val) {
			waitq_wake(&e->wq, POLLOUT | POLLWRNORM, -1);
			/* as Linux: the value is consumed even on a fault */
			return put_user(val, ubuf) ? -EFAULT : (ssize_t)8;
		}
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int ret = waitq_wait_event(&e->wq, e->count != 0, 0);
		if (ret)
			return ret;
	}
}

static ssize_t eventfd_write(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	struct eventfd *e = f->priv;
	u64 val;
	(void)pos;

	if (n < sizeof(u64))
		return -EINVAL;
	if (get_user(val, ubuf))
		return -EFAULT;
	if (val == ~0ULL)
		return -EINVAL;
	for (;;) {
		u64 fl = spin_lock_irqsave(&e->wq.lock);
		bool fits = EVENTFD_MAX - e->count >= val;
		if (fits)
			e->count += val;
		spin_unlock_irqrestore(&e->wq.lock, fl);
		if (fits) {
			waitq_wake(&e->wq, POLLIN | POLLRDNORM, -1);
			return 8;
		}
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int ret = waitq_wait_event(&e->wq,
					   EVENTFD_MAX - e->count >= val, 0);
		if (ret)
			return ret;
	}
}

static u32 eventfd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = f->priv;
	u32 mask = 0;

	poll_wait(&e->wq, pt);
	u64 count = READ_ONCE(e->count);
	if (count)
		mask |= POLLIN | POLLRDNORM;
	if (count < EVENTFD_MAX)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

static void eventfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_fops = {
	.read = eventfd_read,
	.write = eventfd_write,
	.poll = eventfd_poll,
	.stat = file_anon_stat,
	.release = eventfd_release,
};

int eventfd_open(u32 initval, u32 flags, struct file **out)
{
	struct eventfd *e = kzalloc(sizeof(*e));

	if (!e)
		return -ENOMEM;
	waitq_init(&e->wq);
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	struct file *f =
		file_alloc(&eventfd_fops, NULL, O_RDWR | (flags & O_NONBLOCK));
	if (!f) {
		kfree(e);
		return -ENOMEM;
	}
	f->priv = e;
	*out = f;
	return 0;
}
