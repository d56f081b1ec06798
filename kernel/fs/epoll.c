// SPDX-License-Identifier: MIT
/*
 * epoll. An epoll file keeps one item per watched (file, fd) in a hash
 * table. Each item hooks a callback waiter on the wait queues its file's
 * ->poll names; a wakeup puts the item on the ready list and wakes one
 * epoll_wait sleeper. epoll_wait harvests the ready list, asking ->poll
 * again for each item: level-triggered items go back on the list while
 * they stay ready, edge-triggered ones wait for their next wakeup, and
 * one-shot ones are disabled until EPOLL_CTL_MOD re-arms them.
 *
 * Locking, outermost first:
 *   ep_global    every file's item list (file->epitems) and the nesting of
 *                epoll files: ADD, DEL, and the release of watched files
 *                and of epoll files;
 *   ep->mtx      the item set, hooks, and harvesting. Held across ->poll
 *                calls and copies to the user, never with interrupts off
 *                (so ->poll must not sleep);
 *   ep->wq.lock  the ready list and item->events. Taken by the callbacks,
 *                which run under the watched file's queue lock, perhaps in
 *                interrupt context.
 * Items hold no reference on their file: file_put() calls
 * epoll_release_file() before a file goes, and that removes them.
 */
#include <kernel/string.h>
#include "file.h"
#include "waitfd.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "sched/waitq.h"
#include "arch/x86_64/percpu.h" /* current, for waitq_wait_event */

#define EP_PRIVATE (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_EXCLUSIVE_OK                                                        \
	(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLERR | POLLHUP |      \
	 EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
#define EP_MAX_NESTS   4
#define EP_MIN_BUCKETS 16

struct eventpoll {
	struct waitq wq;	/* epoll_wait sleepers and pollers of this fd */
	struct list_head ready; /* items that may have events; wq.lock */
	struct spinlock mtx;
	struct epitem **hash; /* chains; changed under ep_global and mtx */
	u32 nbuckets;	      /* a power of two */
	u32 nitems;
};

/* One wait queue an item listens on. */
struct ep_hook {
	struct waiter w; /* callback waiter; data: the item */
	struct waitq *wq;
	struct ep_hook *next;
};

struct epitem {
	struct eventpoll *ep;
	struct file *file; /* not counted, see above */
	int fd;
	u32 events;		/* wq.lock; EPOLLERR|EPOLLHUP always in */
	u64 data;		/* mtx */
	bool on_ready;		/* on ep->ready or a scan list; wq.lock */
	struct list_head rdl;	/* wq.lock */
	struct list_head fnode; /* in file->epitems; ep_global */
	struct epitem *hnext;	/* hash chain */
	struct ep_hook *hooks;	/* mtx */
};

static struct spinlock ep_global = SPINLOCK_INIT;
static const struct file_ops epoll_fops;

bool is_epoll_file(struct file *f)
{
	return f->ops == &epoll_fops;
}

static u32 ep_bucket(struct eventpoll *ep, struct file *f, int fd)
{
	u64 h = ((u64)f >> 4) ^ ((u64)(u32)fd << 32);

	h *= 0x9e3779b97f4a7c15ULL;
	return (h >> 32) & (ep->nbuckets - 1);
}

static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	struct epitem *it = ep->hash[ep_bucket(ep, f, fd)];

	while (it && (it->file != f || it->fd != fd))
		it = it->hnext;
	return it;
}

/* Double the table; if memory is short the chains just grow longer. */
static void ep_grow(struct eventpoll *ep)
{
	u32 oldn = ep->nbuckets;
	struct epitem **old = ep->hash, *it;
	struct epitem **h = kzalloc(2 * oldn * sizeof(*h));

	if (!h)
		return;
	ep->hash = h;
	ep->nbuckets = 2 * oldn;
	for (u32 i = 0; i < oldn; i++) {
		while ((it = old[i])) {
			old[i] = it->hnext;
			u32 b = ep_bucket(ep, it->file, it->fd);
			it->hnext = h[b];
			h[b] = it;
		}
	}
	kfree(old);
}

static void ep_hash_add(struct eventpoll *ep, struct epitem *it)
{
	if (ep->nitems >= 2 * ep->nbuckets)
		ep_grow(ep);
	u32 b = ep_bucket(ep, it->file, it->fd);
	it->hnext = ep->hash[b];
	ep->hash[b] = it;
	ep->nitems++;
}

static void ep_hash_del(struct eventpoll *ep, struct epitem *it)
{
	struct epitem **pp = &ep->hash[ep_bucket(ep, it->file, it->fd)];

	while (*pp != it)
		pp = &(*pp)->hnext;
	*pp = it->hnext;
	ep->nitems--;
}

/* Move every entry of from to the front (or back) of to. */
static void list_move_all(struct list_head *from, struct list_head *to,
			  bool front)
{
	if (list_empty(from))
		return;
	struct list_head *first = from->next, *last = from->prev;
	struct list_head *prev = front ? to : to->prev;
	struct list_head *next = prev->next;
	prev->next = first;
	first->prev = prev;
	last->next = next;
	next->prev = last;
	list_init(from);
}

/* Put it on the ready list unless it is there already; wq.lock held. */
static void ready_locked(struct eventpoll *ep, struct epitem *it)
{
	if (!it->on_ready) {
		list_add_tail(&it->rdl, &ep->ready);
		it->on_ready = true;
	}
}

static void ep_make_ready(struct eventpoll *ep, struct epitem *it)
{
	u64 fl = spin_lock_irqsave(&ep->wq.lock);
	ready_locked(ep, it);
	spin_unlock_irqrestore(&ep->wq.lock, fl);
	waitq_wake(&ep->wq, POLLIN | POLLRDNORM, 1);
}

/* A watched queue was woken (its lock held; maybe interrupt context). */
static void ep_callback(struct waiter *w, u32 events)
{
	struct epitem *it = w->data;
	struct eventpoll *ep = it->ep;
	u64 fl = spin_lock_irqsave(&ep->wq.lock);
	bool hit = (it->events & ~EP_PRIVATE) &&
		   (!events || (events & it->events));

	if (hit)
		ready_locked(ep, it);
	spin_unlock_irqrestore(&ep->wq.lock, fl);
	if (hit)
		waitq_wake(&ep->wq, POLLIN | POLLRDNORM, 1);
}

struct ep_pqueue {
	struct poll_table pt;
	struct epitem *it;
	int error;
};

/* poll_table queue for ADD: hook the item on wq. */
static void ep_queue(struct poll_table *pt, struct waitq *wq)
{
	struct ep_pqueue *q = container_of(pt, struct ep_pqueue, pt);
	struct ep_hook *h = kmalloc(sizeof(*h));

	if (!h) {
		q->error = -ENOMEM;
		return;
	}
	waiter_init(&h->w, NULL);
	h->w.func = ep_callback;
	h->w.data = q->it;
	h->wq = wq;
	h->next = q->it->hooks;
	q->it->hooks = h;
	waitq_add(wq, &h->w);
}

/* Unhook it; once this returns no callback runs on it. */
static void ep_unhook(struct epitem *it)
{
	struct ep_hook *h;

	while ((h = it->hooks)) {
		it->hooks = h->next;
		waitq_remove(h->wq, &h->w);
		kfree(h);
	}
}

static void ep_unready(struct eventpoll *ep, struct epitem *it)
{
	u64 fl = spin_lock_irqsave(&ep->wq.lock);
	if (it->on_ready)
		list_del(&it->rdl);
	it->on_ready = false;
	spin_unlock_irqrestore(&ep->wq.lock, fl);
}

/* Unhook, unlink and free it; ep_global and ep->mtx held. */
static void ep_remove(struct eventpoll *ep, struct epitem *it)
{
	ep_unhook(it);
	ep_unready(ep, it);
	list_del(&it->fnode);
	ep_hash_del(ep, it);
	kfree(it);
}

/* Does from reach to through nested epoll files, or nest too deep? */
static bool ep_reaches(struct eventpoll *from, struct eventpoll *to, int depth)
{
	if (from == to || depth > EP_MAX_NESTS)
		return true;
	for (u32 b = 0; b < from->nbuckets; b++)
		for (struct epitem *it = from->hash[b]; it; it = it->hnext)
			if (is_epoll_file(it->file) &&
			    ep_reaches(it->file->priv, to, depth + 1))
				return true;
	return false;
}

static int ep_insert(struct eventpoll *ep, struct file *tf, int fd,
		     const struct epoll_event *ev)
{
	struct epitem *it = kzalloc(sizeof(*it));

	if (!it)
		return -ENOMEM;
	it->ep = ep;
	it->file = tf;
	it->fd = fd;
	it->data = ev->data;
	it->events = ev->events | POLLERR | POLLHUP;
	list_init(&it->rdl);
	struct ep_pqueue q = {{ep_queue}, it, 0};
	u32 rev = tf->ops->poll(tf, &q.pt) & it->events;
	if (q.error) {
		ep_unhook(it);
		ep_unready(ep, it);
		kfree(it);
		return q.error;
	}
	list_add_tail(&it->fnode, &tf->epitems);
	ep_hash_add(ep, it);
	if (rev)
		ep_make_ready(ep, it);
	return 0;
}

/* MOD: new events and data, and a fresh look at the file. */
static int ep_modify(struct eventpoll *ep, struct epitem *it,
		     const struct epoll_event *ev)
{
	u64 fl = spin_lock_irqsave(&ep->wq.lock);
	it->events = ev->events | POLLERR | POLLHUP;
	spin_unlock_irqrestore(&ep->wq.lock, fl);
	it->data = ev->data;
	if (it->file->ops->poll(it->file, NULL) & it->events)
		ep_make_ready(ep, it);
	return 0;
}

/* The checks Linux makes before looking the item up, in its order. */
static int ep_check(struct file *epf, int op, struct file *tf,
		    const struct epoll_event *ev)
{
	if (!tf->ops->poll)
		return -EPERM;
	if (epf == tf || !is_epoll_file(epf))
		return -EINVAL;
	if (ev && (ev->events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD)
			return -EINVAL;
		if (op == EPOLL_CTL_ADD &&
		    (is_epoll_file(tf) || (ev->events & ~EP_EXCLUSIVE_OK)))
			return -EINVAL;
	}
	return 0;
}

int epoll_control(struct file *epf, int op, int fd, struct file *tf,
		  const struct epoll_event *ev)
{
	int ret = ep_check(epf, op, tf, ev);

	if (ret)
		return ret;
	struct eventpoll *ep = epf->priv;
	bool topo = op != EPOLL_CTL_MOD; /* may change file->epitems */
	if (topo)
		spin_lock(&ep_global);
	spin_lock(&ep->mtx);
	struct epitem *it = ep_find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (is_epoll_file(tf) && ep_reaches(tf->priv, ep, 0))
			ret = -ELOOP;
		else
			ret = it ? -EEXIST : ep_insert(ep, tf, fd, ev);
		break;
	case EPOLL_CTL_DEL:
		ret = it ? 0 : -ENOENT;
		if (it)
			ep_remove(ep, it);
		break;
	case EPOLL_CTL_MOD:
		ret = !it			      ? -ENOENT
		      : (it->events & EPOLLEXCLUSIVE) ? -EINVAL
						      : ep_modify(ep, it, ev);
		break;
	default:
		ret = -EINVAL;
	}
	spin_unlock(&ep->mtx);
	if (topo)
		spin_unlock(&ep_global);
	return ret;
}

/* Take the first item off a scan list (it stays off the ready list until
 * re-queued or woken); returns its events. */
static u32 ep_take(struct eventpoll *ep, struct epitem *it)
{
	u64 fl = spin_lock_irqsave(&ep->wq.lock);
	list_del(&it->rdl);
	it->on_ready = false;
	u32 want = it->events;
	spin_unlock_irqrestore(&ep->wq.lock, fl);
	return want;
}

/* Put a scan list back at the front of the ready list; true if the ready
 * list is not empty. */
static bool ep_scan_done(struct eventpoll *ep, struct list_head *tx)
{
	u64 fl = spin_lock_irqsave(&ep->wq.lock);
	list_move_all(tx, &ep->ready, true);
	bool more = !list_empty(&ep->ready);
	spin_unlock_irqrestore(&ep->wq.lock, fl);
	return more;
}

/* Report up to maxevents ready items to the user; ep->mtx held. */
static int ep_send_events(struct eventpoll *ep, struct list_head *tx,
			  u64 uevents, int maxevents)
{
	int n = 0;

	while (!list_empty(tx) && n < maxevents) {
		struct epitem *it = list_first_entry(tx, struct epitem, rdl);
		u32 want = ep_take(ep, it); /* before ->poll: no lost wakeup */
		u32 rev = it->file->ops->poll(it->file, NULL) & want;
		if (!rev)
			continue; /* back on the list at its next wakeup */
		struct epoll_event ev = {rev, it->data};
		u64 fl;
		if (copy_to_user(uevents + n * sizeof(ev), &ev, sizeof(ev))) {
			fl = spin_lock_irqsave(&ep->wq.lock);
			ready_locked(ep, it);
			spin_unlock_irqrestore(&ep->wq.lock, fl);
			return n ? n : -EFAULT;
		}
		n++;
		fl = spin_lock_irqsave(&ep->wq.lock);
		if (it->events & EPOLLONESHOT)
			it->events &= EP_PRIVATE;
		else if (!(it->events & EPOLLET))
			ready_locked(ep, it); /* level: look again next time */
		spin_unlock_irqrestore(&ep->wq.lock, fl);
	}
	return n;
}

static int ep_harvest(struct eventpoll *ep, u64 uevents, int maxevents)
{
	LIST_HEAD(tx);

	if (list_empty(&ep->ready))
		return 0;
	spin_lock(&ep->mtx);
	u64 fl = spin_lock_irqsave(&ep->wq.lock);
	list_move_all(&ep->ready, &tx, false);
	spin_unlock_irqrestore(&ep->wq.lock, fl);
	int n = ep_send_events(ep, &tx, uevents, maxevents);
	bool more = ep_scan_done(ep, &tx);
	spin_unlock(&ep->mtx);
	if (more && n > 0)
		waitq_wake(&ep->wq, POLLIN | POLLRDNORM, 1); /* next sleeper */
	return n;
}

long epoll_wait_events(struct file *epf, u64 uevents, int maxevents,
		       u64 deadline)
{
	if (!is_epoll_file(epf))
		return -EINVAL;
	struct eventpoll *ep = epf->priv;
	u64 dl = deadline == WAIT_FOREVER ? 0 : deadline;

	for (;;) {
		int n = ep_harvest(ep, uevents, maxevents);
		if (n)
			return n;
		if (deadline == WAIT_NONE)
			return 0;
		int ret =
			waitq_wait_event(&ep->wq, !list_empty(&ep->ready), dl);
		if (ret == -ETIMEDOUT)
			return 0;
		if (ret)
			return -EINTR;
	}
}

/*
 * Readiness of an epoll file (nested epoll, poll, select): does a ready
 * item really have events? Items that do not are dropped from the ready
 * list until their next wakeup, as Linux does.
 */
static u32 ep_poll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->priv;
	LIST_HEAD(tx);
	bool found = false;

	poll_wait(&ep->wq, pt);
	if (list_empty(&ep->ready))
		return 0;
	spin_lock(&ep->mtx);
	u64 fl = spin_lock_irqsave(&ep->wq.lock);
	list_move_all(&ep->ready, &tx, false);
	spin_unlock_irqrestore(&ep->wq.lock, fl);
	while (!found && !list_empty(&tx)) {
		struct epitem *it = list_first_entry(&tx, struct epitem, rdl);
		u32 want = ep_take(ep, it);
		if (it->file->ops->poll(it->file, NULL) & want) {
			found = true;
			fl = spin_lock_irqsave(&ep->wq.lock);
			if (!it->on_ready) {
				list_add(&it->rdl, &tx);
				it->on_ready = true;
			}
			spin_unlock_irqrestore(&ep->wq.lock, fl);
		}
	}
	ep_scan_done(ep, &tx);
	spin_unlock(&ep->mtx);
	return found ? POLLIN | POLLRDNORM : 0;
}

void epoll_release_file(struct file *f)
{
	spin_lock(&ep_global);
	while (!list_empty(&f->epitems)) {
		struct epitem *it =
			list_first_entry(&f->epitems, struct epitem, fnode);
		struct eventpoll *ep = it->ep;
		spin_lock(&ep->mtx);
		ep_remove(ep, it);
		spin_unlock(&ep->mtx);
	}
	spin_unlock(&ep_global);
}

/* The epoll file itself goes: drop all its items. */
static void ep_release(struct file *f)
{
	struct eventpoll *ep = f->priv;

	spin_lock(&ep_global);
	spin_lock(&ep->mtx);
	for (u32 b = 0; b < ep->nbuckets; b++)
		while (ep->hash[b])
			ep_remove(ep, ep->hash[b]);
	spin_unlock(&ep->mtx);
	spin_unlock(&ep_global);
	kfree(ep->hash);
	kfree(ep);
}

static int ep_stat(struct file *f, struct linux_stat *st)
{
	(void)f;
	memset(st, 0, sizeof(*st));
	st->st_nlink = 1;
	st->st_mode = 0600; /* an anonymous inode, as on Linux */
	st->st_blksize = 4096;
	return 0;
}

static const struct file_ops epoll_fops = {
	.poll = ep_poll,
	.stat = ep_stat,
	.release = ep_release,
};

int epoll_open(struct file **out)
{
	struct eventpoll *ep = kzalloc(sizeof(*ep));

	if (!ep)
		return -ENOMEM;
	waitq_init(&ep->wq);
	list_init(&ep->ready);
	spin_init(&ep->mtx);
	ep->nbuckets = EP_MIN_BUCKETS;
	ep->hash = kzalloc(ep->nbuckets * sizeof(*ep->hash));
	struct file *f = file_alloc(&epoll_fops, NULL, O_RDWR);
	if (!ep->hash || !f) {
		kfree(ep->hash);
		kfree(ep);
		kfree(f);
		return -ENOMEM;
	}
	f->priv = ep;
	*out = f;
	return 0;
}
