// SPDX-License-Identifier: MIT
/*
 * poll and select. The first pass calls every file's ->poll with a table
 * that hooks a callback waiter on each queue it names; the callback wakes
 * the polling thread, which then looks at every file again, until one is
 * ready, the deadline passes or a signal arrives. A wakeup that lands
 * between the last look and sched_block() is kept by the scheduler, so
 * nothing is missed. Each hook holds a reference on its file, so a close
 * in another thread cannot free a queue we sit on.
 */
#include <kernel/string.h>
#include "file.h"
#include "waitfd.h"
#include "mm/kheap.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "sched/time.h"
#include "sched/timer.h"
#include "sched/waitq.h"
#include "arch/x86_64/percpu.h"

/* What a file without ->poll reports, as Linux. */
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
#define POLLIN_SET	 (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET	 (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET	 POLLPRI
#define HOOKS_PER_CHUNK	 32

struct poll_hook {
	struct waiter w; /* callback waiter; thread: the poller */
	struct waitq *wq;
	struct file *file; /* counted */
};

struct poll_chunk {
	struct poll_chunk *next;
	int n;
	struct poll_hook hooks[HOOKS_PER_CHUNK];
};

struct poll_wqueues {
	struct poll_table pt;
	struct file *cur; /* the file whose ->poll is running */
	struct poll_chunk *chunks;
	int error;
};

static void poll_wake(struct waiter *w, u32 events)
{
	(void)events;
	sched_wake(w->thread);
}

static void poll_queue(struct poll_table *pt, struct waitq *wq)
{
	struct poll_wqueues *pw = container_of(pt, struct poll_wqueues, pt);
	struct poll_chunk *c = pw->chunks;

	if (!c || c->n == HOOKS_PER_CHUNK) {
		c = kmalloc(sizeof(*c));
		if (!c) {
			pw->error = -ENOMEM;
			return;
		}
		c->n = 0;
		c->next = pw->chunks;
		pw->chunks = c;
	}
	struct poll_hook *h = &c->hooks[c->n++];
	waiter_init(&h->w, current);
	h->w.func = poll_wake;
	h->wq = wq;
	h->file = pw->cur;
	file_get(h->file);
	waitq_add(wq, &h->w);
}

static void poll_init(struct poll_wqueues *pw)
{
	pw->pt.queue = poll_queue;
	pw->cur = NULL;
	pw->chunks = NULL;
	pw->error = 0;
}

/* Unhook everything and drop the file references. */
static void poll_freewait(struct poll_wqueues *pw)
{
	struct poll_chunk *c;

	while ((c = pw->chunks)) {
		pw->chunks = c->next;
		for (int i = 0; i < c->n; i++) {
			waitq_remove(c->hooks[i].wq, &c->hooks[i].w);
			file_put(c->hooks[i].file);
		}
		kfree(c);
	}
}

/* The events of fd (POLLNVAL if it is not open), hooking its queues if
 * reg. */
static u32 poll_one(struct poll_wqueues *pw, int fd, bool reg)
{
	struct file *f = fd_get(current->proc->files, fd);

	if (!f)
		return POLLNVAL;
	u32 mask = DEFAULT_POLLMASK;
	if (f->ops->poll) {
		pw->cur = f;
		mask = f->ops->poll(f, reg ? &pw->pt : NULL);
	}
	file_put(f);
	return mask;
}

static void poll_timeout(struct ktimer *t)
{
	sched_wake(t->arg);
}

/*
 * Between passes: 0 to look again, -EINTR on a signal, -ETIMEDOUT when
 * the deadline has passed; otherwise sleep until a hook or the deadline
 * wakes us.
 */
static int poll_sleep(u64 deadline)
{
	struct thread *t = current;

	if (thread_interrupted(t))
		return -EINTR;
	if (deadline == WAIT_NONE ||
	    (deadline != WAIT_FOREVER && clock_monotonic_ns() >= deadline))
		return -ETIMEDOUT;
	if (deadline != WAIT_FOREVER) {
		timer_init(&t->sleep_timer, poll_timeout, t);
		timer_add(&t->sleep_timer, deadline);
	}
	sched_block();
	if (deadline != WAIT_FOREVER)
		timer_cancel(&t->sleep_timer);
	return 0;
}

long poll_fds(struct pollfd *fds, u32 nfds, u64 deadline)
{
	struct poll_wqueues pw;
	bool reg = deadline != WAIT_NONE;
	long count;

	poll_init(&pw);
	for (;;) {
		count = 0;
		for (u32 i = 0; i < nfds; i++) {
			u32 mask = 0;
			if (fds[i].fd >= 0) {
				u32 want = (u16)fds[i].events | POLLERR |
					   POLLHUP | POLLNVAL;
				mask = poll_one(&pw, fds[i].fd, reg) & want;
			}
			fds[i].revents = mask;
			if (mask) {
				count++;
				reg = false; /* we will not sleep */
			}
		}
		reg = false;
		if (count || pw.error)
			break;
		int ret = poll_sleep(deadline);
		if (ret) {
			count = ret == -EINTR ? -EINTR : 0;
			break;
		}
	}
	poll_freewait(&pw);
	return count ? count : pw.error;
}

/* Are all the fds named in the sets open? (Linux checks this first.) */
static int select_check(int nfds, u64 *sets[3])
{
	for (int fd = 0; fd < nfds; fd++) {
		u64 bit = 1ULL << (fd % 64);
		bool any = false;
		for (int s = 0; s < 3; s++)
			if (sets[s] && (sets[s][fd / 64] & bit))
				any = true;
		if (!any)
			continue;
		struct file *f = fd_get(current->proc->files, fd);
		if (!f)
			return -EBADF;
		file_put(f);
	}
	return 0;
}

/* One pass over the sets, recording ready fds in res; returns how many
 * bits are set. */
static long select_pass(struct poll_wqueues *pw, int nfds, u64 *sets[3],
			u64 *res[3], bool reg)
{
	static const u32 want[3] = {POLLIN_SET, POLLOUT_SET, POLLEX_SET};
	long count = 0;

	for (int fd = 0; fd < nfds; fd++) {
		u64 bit = 1ULL << (fd % 64);
		bool any = false;
		for (int s = 0; s < 3; s++)
			if (sets[s] && (sets[s][fd / 64] & bit))
				any = true;
		if (!any)
			continue;
		u32 mask = poll_one(pw, fd, reg);
		for (int s = 0; s < 3; s++) {
			if (sets[s] && (sets[s][fd / 64] & bit) &&
			    (mask & want[s])) {
				res[s][fd / 64] |= bit;
				count++;
				reg = false;
			}
		}
	}
	return count;
}

long select_fds(int nfds, u64 *in, u64 *out, u64 *ex, u64 deadline)
{
	u64 *sets[3] = {in, out, ex}, *res[3] = {NULL, NULL, NULL};
	size_t bytes = ALIGN_UP(nfds, 64) / 8;
	struct poll_wqueues pw;
	long count = select_check(nfds, sets);

	if (count)
		return count;
	for (int s = 0; s < 3; s++) {
		if (!sets[s])
			continue;
		res[s] = kzalloc(bytes ? bytes : 8);
		if (!res[s]) {
			count = -ENOMEM;
			goto out;
		}
	}
	poll_init(&pw);
	for (bool reg = deadline != WAIT_NONE;; reg = false) {
		count = select_pass(&pw, nfds, sets, res, reg);
		if (count || pw.error)
			break;
		int ret = poll_sleep(deadline);
		if (ret) {
			count = ret == -EINTR ? -EINTR : 0;
			break;
		}
	}
	poll_freewait(&pw);
	if (!count && pw.error)
		count = pw.error;
	for (int s = 0; s < 3 && count >= 0; s++)
		if (sets[s])
			memcpy(sets[s], res[s], bytes);
out:
	for (int s = 0; s < 3; s++)
		kfree(res[s]);
	return count;
}
