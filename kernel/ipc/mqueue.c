// SPDX-License-Identifier: MIT
/*
 * POSIX message queues, as Linux's ipc/mqueue.c: a flat namespace of
 * queues ("/name", the leading slash stripped by libc), each a list of
 * messages ordered by priority (FIFO within one), opened as files whose
 * ops give poll readiness (POLLIN: a message waits; POLLOUT: room) and
 * whose status flags carry O_NONBLOCK. A queue lives while it is named
 * or open. A message is copied into the kernel before the queue is
 * locked and out after it was taken off (a fault then loses it, as on
 * Linux). Senders waiting for room, receivers waiting for a message and
 * pollers share the queue's one wait queue; every change wakes them all
 * and each retries.
 *
 * Locking: mq_mutex (sleeping) guards the name table and serialises
 * creation, so the queue count and per-user bytes (atomics, which a
 * freed queue lowers without it) cannot overshoot; a queue's wq.lock (a
 * spinlock, interrupts off) guards its messages, counts and notification.
 * Order: mq_mutex -> q->wq.lock -> sched_lock. Signals are sent, processes
 * released and user memory touched with no lock held.
 * (docs/decisions/posix-mqueue.md)
 */
#include <kernel/list.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include "mqueue.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "proc/cred.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/mutex.h"
#include "sched/waitq.h"

/* RLIMIT_MSGQUEUE's default: bytes of queues one user may create. Fixed
 * until per-process rlimits reach here. */
#define MQ_BYTES_LIMIT 819200
/* Linux's accounting per message and per priority (x86_64 msg_msg and
 * posix_msg_tree_node), so the limit bites where it does on Linux. */
#define MQ_MSG_OVERHEAD	 48
#define MQ_PRIO_OVERHEAD 48

struct mq_msg {
	struct list_head node; /* q->msgs */
	u32 prio;
	u64 len;
	u8 text[];
};

struct mqueue {
	struct list_head node;	     /* mq_names while linked; mq_mutex */
	char name[VFS_NAME_MAX + 1]; /* fixed */
	bool linked;		     /* mq_mutex: reachable by name */
	int refcount;		     /* atomic: the name + open files */
	u32 uid, gid, mode;	     /* fixed: owner and 0777 bits */
	struct mq_user *user;	     /* fixed: charged for bytes */
	u64 bytes;		     /* fixed: what is charged */
	s64 maxmsg, msgsize;	     /* fixed */
	struct waitq wq;	     /* its lock guards what follows */
	struct list_head msgs;	     /* highest priority first */
	s64 curmsgs;
	int recv_waiting;		 /* receivers asleep */
	struct process *notify_owner;	 /* referenced; NULL: none */
	struct mq_notify_req notify_req; /* while notify_owner is set */
};

/* Bytes of queues charged to one user (never freed). */
struct mq_user {
	struct list_head node; /* mq_users; mq_mutex */
	u32 uid;
	u64 bytes; /* atomic; grown under mq_mutex */
};

static struct mutex mq_mutex = {
	.wq = {SPINLOCK_INIT, LIST_HEAD_INIT(mq_mutex.wq.waiters)},
	.owner = NULL};
static struct list_head mq_names = LIST_HEAD_INIT(mq_names); /* mq_mutex */
static struct list_head mq_users = LIST_HEAD_INIT(mq_users); /* mq_mutex */
static int mq_count; /* queues alive: atomic; grown under mq_mutex */

static const struct file_ops mq_fops;

bool mq_is_queue(struct file *f)
{
	return f && f->ops == &mq_fops;
}

/* The accounting of user uid, made on first use (NULL: no memory). */
static struct mq_user *mq_user_locked(u32 uid)
{
	struct mq_user *u;

	list_for_each_entry(u, &mq_users, node) if (u->uid == uid) return u;
	if (!(u = kzalloc(sizeof(*u))))
		return NULL;
	u->uid = uid;
	list_add_tail(&u->node, &mq_users);
	return u;
}

/* The last reference went: uncharge, free messages and the queue.
 * Takes no sleeping lock: a file's last reference may go anywhere. */
static void mq_free(struct mqueue *q)
{
	struct mq_msg *m, *n;

	__atomic_sub_fetch(&q->user->bytes, q->bytes, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&mq_count, 1, __ATOMIC_RELAXED);
	list_for_each_entry_safe(m, n, &q->msgs, node) kfree(m);
	if (q->notify_owner)
		process_put(q->notify_owner);
	kfree(q);
}

static void mq_put(struct mqueue *q)
{
	if (__atomic_sub_fetch(&q->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		mq_free(q);
}

static struct mqueue *mq_lookup_locked(const char *name)
{
	struct mqueue *q;

	list_for_each_entry(q, &mq_names,
			    node) if (!strcmp(q->name, name)) return q;
	return NULL;
}

/*
 * Linux's lookup_one_len on the mqueue root: "", ".", ".." and names
 * with a '/' are refused (EACCES), then names past NAME_MAX.
 */
static int mq_check_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strchr(name, '/'))
		return -EACCES;
	return len > VFS_NAME_MAX ? -ENAMETOOLONG : 0;
}

/* generic_permission for a queue (a regular file): MAY_READ/WRITE. */
static int mq_permission(const struct mqueue *q, int mask)
{
	struct fs_cred fc;
	u32 mode = q->mode;

	cred_fs(&fc);
	if (q->uid == fc.fsuid)
		mode >>= 6;
	else if (cred_in_group(q->gid))
		mode >>= 3;
	if (!(mask & ~mode & 7))
		return 0;
	if (mask == MAY_READ && (fc.caps & (1ULL << CAP_DAC_READ_SEARCH)))
		return 0;
	return (fc.caps & (1ULL << CAP_DAC_OVERRIDE)) ? 0 : -EACCES;
}

/* Linux's mq_attr_ok and the queue-size charge of mqueue_get_inode. */
static int mq_check_attr(s64 maxmsg, s64 msgsize, u64 *bytes)
{
	if (maxmsg <= 0 || msgsize <= 0)
		return -EINVAL;
	if (cred_capable(CAP_SYS_RESOURCE)) {
		if (maxmsg > MQ_HARD_MSGMAX || msgsize > MQ_HARD_MSGSIZEMAX)
			return -EINVAL;
	} else if (maxmsg > MQ_MSG_MAX || msgsize > MQ_MSGSIZE_MAX) {
		return -EINVAL;
	}
	*bytes = (u64)maxmsg * MQ_MSG_OVERHEAD +
		 (u64)MIN(maxmsg, MQ_PRIO_MAX) * MQ_PRIO_OVERHEAD +
		 (u64)maxmsg * (u64)msgsize;
	return 0;
}

/* A new queue for name (mq_mutex held), charged to the caller. */
static int mq_create_locked(const char *name, u32 mode,
			    const struct mq_attr *attr, struct mqueue **out)
{
	struct cred c;
	s64 maxmsg = attr ? attr->mq_maxmsg : MQ_MSG_DEFAULT;
	s64 msgsize = attr ? attr->mq_msgsize : MQ_MSGSIZE_DEFAULT;
	u64 bytes;

	if (READ_ONCE(mq_count) >= MQ_QUEUES_MAX &&
	    !cred_capable(CAP_SYS_RESOURCE))
		return -ENOSPC;
	int ret = mq_check_attr(maxmsg, msgsize, &bytes);
	if (ret)
		return ret;
	cred_current(&c);
	struct mq_user *u = mq_user_locked(c.uid);
	if (!u)
		return -ENOMEM;
	if (READ_ONCE(u->bytes) + bytes > MQ_BYTES_LIMIT)
		return -EMFILE;
	struct mqueue *q = kzalloc(sizeof(*q));
	if (!q)
		return -ENOMEM;
	memcpy(q->name, name, strlen(name) + 1);
	q->refcount = 1; /* the name's */
	q->linked = true;
	q->uid = c.fsuid;
	q->gid = c.fsgid;
	q->mode = mode & ~current->proc->umask & 0777;
	q->user = u;
	q->bytes = bytes;
	q->maxmsg = maxmsg;
	q->msgsize = msgsize;
	waitq_init(&q->wq);
	list_init(&q->msgs);
	__atomic_add_fetch(&u->bytes, bytes, __ATOMIC_RELAXED);
	__atomic_add_fetch(&mq_count, 1, __ATOMIC_RELAXED);
	list_add_tail(&q->node, &mq_names);
	*out = q;
	return 0;
}

int mq_open_name(const char *name, int oflag, u32 mode,
		 const struct mq_attr *attr, struct file **out)
{
	static const int acc[4] = {MAY_READ, MAY_WRITE, MAY_READ | MAY_WRITE,
				   0};
	int ret = mq_check_name(name);
	if (ret)
		return ret;
	mutex_lock(&mq_mutex);
	struct mqueue *q = mq_lookup_locked(name);
	if (!q && !(oflag & O_CREAT)) {
		ret = -ENOENT;
	} else if (!q) {
		ret = mq_create_locked(name, mode, attr, &q);
	} else if ((oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		ret = -EEXIST;
	} else if ((oflag & O_ACCMODE) == O_ACCMODE) {
		ret = -EINVAL;
	} else {
		ret = mq_permission(q, acc[oflag & O_ACCMODE]);
	}
	struct file *f = NULL;
	if (!ret) {
		f = file_alloc(&mq_fops, NULL,
			       oflag & (O_ACCMODE | O_NONBLOCK));
		if (f) {
			__atomic_add_fetch(&q->refcount, 1, __ATOMIC_RELAXED);
			f->priv = q;
		} else {
			ret = -ENOMEM; /* a new queue stays, as on Linux */
		}
	}
	mutex_unlock(&mq_mutex);
	*out = f;
	return ret;
}

int mq_unlink_name(const char *name)
{
	int ret = mq_check_name(name);
	if (ret)
		return ret;
	mutex_lock(&mq_mutex);
	struct mqueue *q = mq_lookup_locked(name);
	struct fs_cred fc;
	cred_fs(&fc);
	if (!q)
		ret = -ENOENT;
	/* the root is 01777 and root's: the sticky-bit rule (EPERM) */
	else if (q->uid != fc.fsuid && fc.fsuid != 0 &&
		 !(fc.caps & (1ULL << CAP_FOWNER)))
		ret = -EPERM;
	if (!ret) {
		list_del(&q->node);
		q->linked = false;
	}
	mutex_unlock(&mq_mutex);
	if (!ret)
		mq_put(q); /* the name's reference */
	return ret;
}

/* Is the file open for reading (O_RDONLY, O_RDWR) / writing? */
static bool can_read(struct file *f)
{
	u32 acc = f->flags & O_ACCMODE;
	return acc == O_RDONLY || acc == O_RDWR;
}

static bool can_write(struct file *f)
{
	u32 acc = f->flags & O_ACCMODE;
	return acc == O_WRONLY || acc == O_RDWR;
}

/* Put m in priority order (after every message of its priority or
 * higher). */
static void mq_insert_locked(struct mqueue *q, struct mq_msg *m)
{
	struct mq_msg *it;

	list_for_each_entry(it, &q->msgs, node)
	{
		if (it->prio < m->prio) {
			list_add_tail(&m->node, &it->node);
			goto added;
		}
	}
	list_add_tail(&m->node, &q->msgs);
added:
	q->curmsgs++;
}

/* The sigqueue info of a message notification sent by the caller. */
static void mq_notify_info(const struct mq_notify_req *r, struct ksiginfo *info)
{
	struct cred c;

	cred_current(&c);
	memset(info, 0, sizeof(*info));
	info->code = SI_MESGQ;
	info->pid = current->proc->pid;
	info->uid = c.uid;
	info->value = r->value;
}

long mq_send(struct file *f, u64 ubuf, u64 len, u32 prio, u64 deadline)
{
	struct mqueue *q = f->priv;
	struct process *owner = NULL;
	struct mq_notify_req req = {0};
	struct waiter w;
	int ret = 0;

	if (!can_write(f))
		return -EBADF;
	if (len > (u64)q->msgsize)
		return -EMSGSIZE;
	struct mq_msg *m = kmalloc(sizeof(*m) + len);
	if (!m)
		return -ENOMEM;
	m->prio = prio;
	m->len = len;
	if (copy_from_user(m->text, ubuf, len)) {
		kfree(m);
		return -EFAULT;
	}
	u64 fl = spin_lock_irqsave(&q->wq.lock);
	while (q->curmsgs >= q->maxmsg) {
		if (f->flags & O_NONBLOCK)
			ret = -EAGAIN;
		if (ret)
			break;
		waiter_init(&w, current);
		ret = waitq_block_locked(&q->wq, &w, deadline, fl);
		fl = spin_lock_irqsave(&q->wq.lock);
	}
	if (q->curmsgs < q->maxmsg) { /* room that raced a signal wins */
		ret = 0;
		mq_insert_locked(q, m);
		m = NULL;
		/* Linux hands the message to a waiting receiver and only
		 * notifies when none waits and the queue was empty. */
		if (q->curmsgs == 1 && !q->recv_waiting && q->notify_owner) {
			owner = q->notify_owner;
			req = q->notify_req;
			q->notify_owner = NULL;
		}
	}
	spin_unlock_irqrestore(&q->wq.lock, fl);
	kfree(m);
	if (ret)
		return ret;
	waitq_wake(&q->wq, POLLIN | POLLRDNORM, -1);
	if (owner) {
		if (req.notify == SIGEV_SIGNAL && req.signo) {
			struct ksiginfo info;
			mq_notify_info(&req, &info);
			signal_send_process_info(owner, req.signo, &info);
		}
		process_put(owner);
	}
	return 0;
}

long mq_receive(struct file *f, u64 ubuf, u64 len, u64 uprio, u64 deadline)
{
	struct mqueue *q = f->priv;
	struct mq_msg *m = NULL;
	struct waiter w;
	int ret = 0;

	if (!can_read(f))
		return -EBADF;
	if (len < (u64)q->msgsize)
		return -EMSGSIZE;
	u64 fl = spin_lock_irqsave(&q->wq.lock);
	while (!q->curmsgs) {
		if (f->flags & O_NONBLOCK)
			ret = -EAGAIN;
		if (ret)
			break;
		waiter_init(&w, current);
		q->recv_waiting++;
		ret = waitq_block_locked(&q->wq, &w, deadline, fl);
		fl = spin_lock_irqsave(&q->wq.lock);
		q->recv_waiting--;
	}
	if (q->curmsgs) { /* a message that raced a signal wins */
		ret = 0;
		m = list_first_entry(&q->msgs, struct mq_msg, node);
		list_del(&m->node);
		q->curmsgs--;
	}
	spin_unlock_irqrestore(&q->wq.lock, fl);
	if (ret)
		return ret;
	waitq_wake(&q->wq, POLLOUT | POLLWRNORM, -1);
	long n = (long)m->len;
	if ((uprio && put_user(m->prio, uprio)) ||
	    copy_to_user(ubuf, m->text, m->len))
		n = -EFAULT;
	kfree(m);
	return n;
}

long mq_notify_set(struct file *f, const struct mq_notify_req *req)
{
	struct mqueue *q = f->priv;
	struct process *self = current->proc, *drop = NULL;
	long ret = 0;

	u64 fl = spin_lock_irqsave(&q->wq.lock);
	if (!req) {
		if (q->notify_owner == self) {
			drop = self;
			q->notify_owner = NULL;
		}
	} else if (q->notify_owner) {
		ret = -EBUSY;
	} else {
		process_get(self);
		q->notify_owner = self;
		q->notify_req = *req;
	}
	spin_unlock_irqrestore(&q->wq.lock, fl);
	if (drop)
		process_put(drop);
	return ret;
}

long mq_getsetattr(struct file *f, const struct mq_attr *set,
		   struct mq_attr *old)
{
	struct mqueue *q = f->priv;

	if (old) {
		memset(old, 0, sizeof(*old));
		old->mq_flags = f->flags & O_NONBLOCK;
		old->mq_maxmsg = q->maxmsg;
		old->mq_msgsize = q->msgsize;
		old->mq_curmsgs = READ_ONCE(q->curmsgs);
	}
	if (set)
		file_change_flags(f, O_NONBLOCK, set->mq_flags & O_NONBLOCK);
	return 0;
}

static u32 mq_poll(struct file *f, struct poll_table *pt)
{
	struct mqueue *q = f->priv;
	u32 mask = 0;

	poll_wait(&q->wq, pt);
	s64 n = READ_ONCE(q->curmsgs);
	if (n)
		mask |= POLLIN | POLLRDNORM;
	if (n < q->maxmsg)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

/*
 * read: one line on the queue, as Linux's mqueue_read_file: the bytes
 * queued, the notification (sigev_notify, its signal, the owner's pid),
 * read from the file position.
 */
static ssize_t mq_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	struct mqueue *q = f->priv;
	struct mq_msg *m;
	char line[96];
	u64 size = 0;
	int notify = 0, signo = 0, pid = 0;

	u64 fl = spin_lock_irqsave(&q->wq.lock);
	list_for_each_entry(m, &q->msgs, node) size += m->len;
	if (q->notify_owner) {
		notify = q->notify_req.notify;
		signo = notify == SIGEV_SIGNAL ? q->notify_req.signo : 0;
		pid = q->notify_owner->pid;
	}
	spin_unlock_irqrestore(&q->wq.lock, fl);
	int len = snprintf(line, sizeof(line),
			   "QSIZE:%-10lu NOTIFY:%-5d SIGNO:%-5d "
			   "NOTIFY_PID:%-6d\n",
			   size, notify, signo, pid);
	if (*pos >= (u64)len)
		return 0;
	n = MIN(n, (u64)len - *pos);
	if (copy_to_user(ubuf, line + *pos, n))
		return -EFAULT;
	*pos += n;
	return (ssize_t)n;
}

/* Closing any descriptor of the queue removes the caller's process's
 * notification, as Linux's mqueue_flush_file (so does its exit). */
static void mq_flush(struct file *f)
{
	struct mqueue *q = f->priv;

	if (READ_ONCE(q->notify_owner) == current->proc)
		mq_notify_set(f, NULL);
}

/* fstat: a regular file of the queue's owner and mode (Linux's mqueue
 * inode), its size the bytes queued. */
static int mq_stat(struct file *f, struct linux_stat *st)
{
	struct mqueue *q = f->priv;
	struct mq_msg *m;
	u64 size = 0;

	file_anon_stat(f, st);
	st->st_mode = S_IFREG | q->mode;
	st->st_uid = q->uid;
	st->st_gid = q->gid;
	u64 fl = spin_lock_irqsave(&q->wq.lock);
	list_for_each_entry(m, &q->msgs, node) size += m->len;
	spin_unlock_irqrestore(&q->wq.lock, fl);
	st->st_size = (s64)size;
	return 0;
}

static void mq_release(struct file *f)
{
	mq_put(f->priv);
}

static const struct file_ops mq_fops = {
	.read = mq_read,
	.poll = mq_poll,
	.flush = mq_flush,
	.stat = mq_stat,
	.release = mq_release,
	.seekable = true,
};
