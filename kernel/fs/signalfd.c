// SPDX-License-Identifier: MIT
/*
 * signalfd: the signals of a mask, read as struct signalfd_siginfo. As on
 * Linux, a read or poll sees the signals pending for the calling thread
 * and its process (whoever created the file), and dequeues them as
 * sigwaitinfo would.
 *
 * Each signalfd has its own wait queue. Every signal queued to any
 * process wakes them all (signalfd_notify, after the sender dropped the
 * process lock), and they look again: signalfds are few and signals rare
 * enough that no finer bookkeeping pays, and no wait queue lives in a
 * process that could go away under a waiter (an epoll set shared across
 * fork, say). The readiness test reads the pending masks without the
 * process lock, so the wait queue lock is never taken inside it.
 */
#include <kernel/string.h>
#include "file.h"
#include "waitfd.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/waitq.h"
#include "arch/x86_64/percpu.h"
#include <uapi/signal.h>

#define SIGBIT(s) (1ULL << ((s)-1))

struct signalfd {
	struct waitq wq;
	struct list_head node; /* sfd_all */
	u64 mask;	       /* never SIGKILL or SIGSTOP */
};

static struct spinlock sfd_lock = SPINLOCK_INIT;
static LIST_HEAD(sfd_all); /* sfd_lock */
static int nsfd;	   /* atomic */

struct signalfd_siginfo {
	u32 signo;
	s32 errno_;
	s32 code;
	u32 pid;
	u32 uid;
	s32 fd;
	u32 tid;
	u32 band;
	u32 overrun;
	u32 trapno;
	s32 status;
	s32 int_;
	u64 ptr;
	u64 utime;
	u64 stime;
	u64 addr;
	u16 addr_lsb;
	u16 pad2;
	s32 syscall;
	u64 call_addr;
	u32 arch;
	u8 pad[28];
};
_Static_assert(sizeof(struct signalfd_siginfo) == 128, "signalfd_siginfo");

void signalfd_notify(void)
{
	struct signalfd *s;

	if (!__atomic_load_n(&nsfd, __ATOMIC_ACQUIRE))
		return;
	u64 f = spin_lock_irqsave(&sfd_lock);
	list_for_each_entry(s, &sfd_all, node)
		waitq_wake(&s->wq, POLLIN | POLLRDNORM, -1);
	spin_unlock_irqrestore(&sfd_lock, f);
}

/* Is a signal of mask pending for the caller? (no locks: a hint) */
static bool sfd_ready(u64 mask)
{
	return (READ_ONCE(current->sigpending) |
		READ_ONCE(current->proc->sigpending)) &
	       mask;
}

static void to_ssi(const struct siginfo *k, struct signalfd_siginfo *o)
{
	memset(o, 0, sizeof(*o));
	o->signo = k->signo;
	o->errno_ = k->errno_;
	o->code = k->code;
	if (k->code == SI_TIMER) {
		o->tid = k->timer.tid;
		o->overrun = k->timer.overrun;
		o->ptr = k->timer.value;
		o->int_ = (s32)k->timer.value;
		return;
	}
	o->pid = k->kill.pid;
	o->uid = k->kill.uid;
	if (si_code_has_value(k->code)) {
		o->ptr = k->timer.value;
		o->int_ = (s32)k->timer.value;
	}
	if (k->signo == SIGCHLD)
		o->status = k->kill.status;
}

static ssize_t sfd_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	struct signalfd *s = f->priv;
	size_t done = 0;
	(void)pos;

	if (n < sizeof(struct signalfd_siginfo))
		return -EINVAL;
	while (done + sizeof(struct signalfd_siginfo) <= n) {
		struct siginfo k;
		struct signalfd_siginfo o;
		int sig = signal_dequeue_set(current, READ_ONCE(s->mask), &k);
		if (!sig) {
			if (done)
				break;
			if (f->flags & O_NONBLOCK)
				return -EAGAIN;
			int ret = waitq_wait_event(
				&s->wq, sfd_ready(READ_ONCE(s->mask)), 0);
			if (ret)
				return ret;
			continue;
		}
		to_ssi(&k, &o);
		/* a fault loses the signal, as on Linux */
		if (copy_to_user(ubuf + done, &o, sizeof(o)))
			return done ? (ssize_t)done : -EFAULT;
		done += sizeof(o);
	}
	return done;
}

static ssize_t sfd_write(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	(void)f, (void)ubuf, (void)n, (void)pos;
	return -EINVAL;
}

static u32 sfd_poll(struct file *f, struct poll_table *pt)
{
	struct signalfd *s = f->priv;

	poll_wait(&s->wq, pt);
	return sfd_ready(READ_ONCE(s->mask)) ? POLLIN | POLLRDNORM : 0;
}

static void sfd_release(struct file *f)
{
	struct signalfd *s = f->priv;
	u64 fl = spin_lock_irqsave(&sfd_lock);

	list_del(&s->node);
	__atomic_sub_fetch(&nsfd, 1, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&sfd_lock, fl);
	kfree(s);
}

static const struct file_ops signalfd_fops = {
	.read = sfd_read,
	.write = sfd_write,
	.poll = sfd_poll,
	.stat = file_anon_stat,
	.release = sfd_release,
};

static u64 sfd_clean(u64 mask)
{
	return mask & ~(SIGBIT(9) | SIGBIT(19)); /* SIGKILL, SIGSTOP */
}

int signalfd_open(u64 mask, u32 flags, struct file **out)
{
	struct signalfd *s = kzalloc(sizeof(*s));

	if (!s)
		return -ENOMEM;
	waitq_init(&s->wq);
	s->mask = sfd_clean(mask);
	struct file *f =
		file_alloc(&signalfd_fops, NULL, O_RDWR | (flags & O_NONBLOCK));
	if (!f) {
		kfree(s);
		return -ENOMEM;
	}
	f->priv = s;
	u64 fl = spin_lock_irqsave(&sfd_lock);
	list_add_tail(&s->node, &sfd_all);
	__atomic_add_fetch(&nsfd, 1, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&sfd_lock, fl);
	*out = f;
	return 0;
}

int signalfd_set_mask(struct file *f, u64 mask)
{
	struct signalfd *s = f->priv;

	if (f->ops != &signalfd_fops)
		return -EINVAL;
	WRITE_ONCE(s->mask, sfd_clean(mask));
	waitq_wake(&s->wq, POLLIN | POLLRDNORM, -1);
	return 0;
}
