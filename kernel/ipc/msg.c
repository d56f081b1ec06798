// SPDX-License-Identifier: MIT
/*
 * System V message queues. A message is copied into the kernel before
 * msgsnd takes msg_ids.lock and out after msgrcv has dequeued it (a fault
 * then loses the message, as on Linux). Senders waiting for room and
 * receivers waiting for a message sleep on the queue's one wait queue;
 * every change wakes them all and each retries.
 * Lock order: msg_ids.lock -> a queue's wq.lock -> sched_lock.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "ipc.h"
#include "arch/x86_64/percpu.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "sched/waitq.h"

/* Linux's defaults (include/uapi/linux/msg.h). */
#define MSGPOOL (MSGMNI * MSGMNB / 1024)
#define MSGTQL	MSGMNB
#define MSGMAP	MSGMNB
#define MSGSSZ	16
#define MSGSEG	0xffff

struct msg {
	struct list_head node;
	s64 type;
	u64 len;
	u8 text[];
};

struct msg_queue {
	struct ipc_obj obj;    /* first: ipc.c sees only this */
	struct list_head msgs; /* oldest first */
	u64 cbytes, qnum, qbytes;
	s64 stime, rtime, ctime;
	int lspid, lrpid;
	struct waitq wq; /* senders and receivers */
};

static void msq_free(struct ipc_obj *o);
static struct ipc_ids msg_ids = IPC_IDS_INIT(msg_ids, MSGMNI, msq_free);
static u64 msg_hdrs, msg_bytes; /* all queues; msg_ids.lock */

static struct msg_queue *to_msq(struct ipc_obj *o)
{
	return container_of(o, struct msg_queue, obj);
}

static void msq_free(struct ipc_obj *o)
{
	struct msg_queue *q = to_msq(o);
	struct msg *m, *n;

	list_for_each_entry_safe(m, n, &q->msgs, node) kfree(m);
	kfree(q);
}

static struct ipc_obj *msq_create(s32 key, int flags, void *arg, int *err)
{
	(void)arg;
	struct msg_queue *q = kzalloc(sizeof(*q));
	if (!q) {
		*err = -ENOMEM;
		return NULL;
	}
	ipc_init_perm(&q->obj, key, flags);
	list_init(&q->msgs);
	q->qbytes = MSGMNB;
	q->ctime = ipc_now();
	waitq_init(&q->wq);
	return &q->obj;
}

static int msq_check(struct ipc_obj *o, void *arg)
{
	(void)o, (void)arg;
	return 0;
}

static const struct ipc_get_ops msg_get_ops = {msq_create, msq_check};

long msg_get(s32 key, int flags)
{
	return ipc_get(&msg_ids, key, flags, &msg_get_ops, NULL);
}

/* Sleep on q's queue (dropping msg_ids.lock) and take the lock again. */
static int msq_sleep_locked(struct msg_queue *q)
{
	struct waiter w;

	waiter_init(&w, current);
	u64 f = spin_lock_irqsave(&q->wq.lock);
	spin_unlock(&msg_ids.lock);
	int ret = waitq_block_locked(&q->wq, &w, 0, f);
	spin_lock(&msg_ids.lock);
	return ret;
}

/* The queue with this id, referenced and locked, checked for access. */
static int msq_lock(int id, int flag, struct msg_queue **out)
{
	spin_lock(&msg_ids.lock);
	struct ipc_obj *o = ipc_lookup_locked(&msg_ids, id);
	int ret = o ? ipc_check_perm(o, flag) : -EINVAL;
	if (ret) {
		spin_unlock(&msg_ids.lock);
		return ret;
	}
	ipc_get_ref(o);
	*out = to_msq(o);
	return 0;
}

static void msq_unlock(struct msg_queue *q)
{
	spin_unlock(&msg_ids.lock);
	ipc_put(&msg_ids, &q->obj);
}

long msg_send(int id, u64 umsg, u64 size, int flags)
{
	struct msg_queue *q;
	s64 type;
	int ret;

	if (size > MSGMAX || id < 0)
		return -EINVAL;
	if (get_user(type, umsg))
		return -EFAULT;
	if (type < 1)
		return -EINVAL;
	struct msg *m = kmalloc(sizeof(*m) + size);
	if (!m)
		return -ENOMEM;
	m->type = type;
	m->len = size;
	if (copy_from_user(m->text, umsg + 8, size)) {
		kfree(m);
		return -EFAULT;
	}
	if ((ret = msq_lock(id, 0200, &q))) {
		kfree(m);
		return ret;
	}
	for (;;) {
		if (q->obj.deleted) {
			ret = -EIDRM;
			break;
		}
		if (size + q->cbytes <= q->qbytes && q->qnum + 1 <= q->qbytes)
			break;
		if (flags & IPC_NOWAIT) {
			ret = -EAGAIN;
			break;
		}
		if (msq_sleep_locked(q) && !q->obj.deleted) {
			ret = -ERESTARTNOHAND; /* EINTR once a handler ran */
			break;
		}
	}
	if (!ret) {
		list_add_tail(&m->node, &q->msgs);
		q->cbytes += size;
		q->qnum++;
		msg_hdrs++;
		msg_bytes += size;
		q->lspid = ipc_pid();
		q->stime = ipc_now();
		waitq_wake(&q->wq, 0, -1);
		m = NULL;
	}
	msq_unlock(q);
	kfree(m);
	return ret;
}

/* The message msgrcv wants (Linux's find_msg), or NULL. */
static struct msg *msq_find_locked(struct msg_queue *q, s64 type, int flags)
{
	struct msg *m, *best = NULL;
	s64 n = 0;

	list_for_each_entry(m, &q->msgs, node)
	{
		if (flags & MSG_COPY) {
			if (n++ == type)
				return m;
		} else if (type == 0) {
			return m;
		} else if (type > 0) {
			if ((m->type == type) != !!(flags & MSG_EXCEPT))
				return m;
		} else if (m->type <= -type &&
			   (!best || m->type < best->type)) {
			best = m;
		}
	}
	return best;
}

long msg_recv(int id, u64 umsg, u64 size, s64 type, int flags)
{
	struct msg_queue *q;
	struct msg *m;
	int ret;

	if (id < 0 || (s64)size < 0)
		return -EINVAL;
	if ((flags & MSG_COPY) &&
	    ((flags & MSG_EXCEPT) || !(flags & IPC_NOWAIT)))
		return -EINVAL;
	/* as Linux: msgtyp LONG_MIN means -LONG_MAX (negating it overflows) */
	if (type == (s64)(1ULL << 63))
		type = -0x7fffffffffffffffLL;
	if ((ret = msq_lock(id, 0400, &q)))
		return ret;
	for (;;) {
		if (q->obj.deleted) {
			ret = -EIDRM;
			break;
		}
		m = msq_find_locked(q, type, flags);
		if (m) {
			if (size < m->len && !(flags & MSG_NOERROR))
				ret = -E2BIG;
			break;
		}
		if (flags & IPC_NOWAIT) {
			ret = -ENOMSG;
			break;
		}
		if (msq_sleep_locked(q) && !q->obj.deleted) {
			ret = -ERESTARTNOHAND;
			break;
		}
	}
	u64 len = 0;
	struct msg *copy = NULL;
	if (!ret) {
		len = MIN(size, m->len);
		if (flags & MSG_COPY) { /* a copy: the message stays */
			copy = kmalloc(sizeof(*copy) + len);
			if (copy) {
				copy->type = m->type;
				memcpy(copy->text, m->text, len);
			} else {
				ret = -ENOMEM;
			}
		} else {
			list_del(&m->node);
			q->cbytes -= m->len;
			q->qnum--;
			msg_hdrs--;
			msg_bytes -= m->len;
			q->lrpid = ipc_pid();
			q->rtime = ipc_now();
			waitq_wake(&q->wq, 0, -1);
			copy = m;
		}
	}
	msq_unlock(q);
	if (ret)
		return ret;
	if (put_user(copy->type, umsg) ||
	    copy_to_user(umsg + 8, copy->text, len))
		ret = -EFAULT;
	kfree(copy);
	return ret ? ret : (long)len;
}

static void msq_fill_locked(struct msg_queue *q, struct msqid64_ds *d)
{
	memset(d, 0, sizeof(*d));
	ipc_fill_perm(&q->obj, &d->msg_perm);
	d->msg_stime = q->stime;
	d->msg_rtime = q->rtime;
	d->msg_ctime = q->ctime;
	d->msg_cbytes = q->cbytes;
	d->msg_qnum = q->qnum;
	d->msg_qbytes = q->qbytes;
	d->msg_lspid = q->lspid;
	d->msg_lrpid = q->lrpid;
}

static long msq_info(int cmd, u64 ubuf)
{
	struct msginfo i = {.msgpool = MSGPOOL,
			    .msgmap = MSGMAP,
			    .msgmax = MSGMAX,
			    .msgmnb = MSGMNB,
			    .msgmni = MSGMNI,
			    .msgssz = MSGSSZ,
			    .msgtql = MSGTQL,
			    .msgseg = MSGSEG};
	if (cmd == MSG_INFO) {
		spin_lock(&msg_ids.lock);
		i.msgpool = msg_ids.in_use;
		i.msgmap = (s32)MIN(msg_hdrs, 0x7fffffffu);
		i.msgtql = (s32)MIN(msg_bytes, 0x7fffffffu);
		spin_unlock(&msg_ids.lock);
	}
	if (copy_to_user(ubuf, &i, sizeof(i)))
		return -EFAULT;
	return ipc_max_index(&msg_ids);
}

/* IPC_STAT, MSG_STAT (id is a table index), MSG_STAT_ANY. */
static long msq_stat(int id, int cmd, u64 ubuf)
{
	struct msqid64_ds d;
	struct ipc_obj *o = cmd == IPC_STAT ? ipc_lookup(&msg_ids, id)
					    : ipc_lookup_index(&msg_ids, id);
	if (!o)
		return -EINVAL;
	spin_lock(&msg_ids.lock);
	int ret = cmd == MSG_STAT_ANY ? 0 : ipc_check_perm(o, 0400);
	if (!ret)
		msq_fill_locked(to_msq(o), &d);
	spin_unlock(&msg_ids.lock);
	if (!ret && copy_to_user(ubuf, &d, sizeof(d)))
		ret = -EFAULT;
	if (!ret && cmd != IPC_STAT)
		ret = o->id;
	ipc_put(&msg_ids, o);
	return ret;
}

/* IPC_SET and IPC_RMID. */
static long msq_change(int id, int cmd, const struct msqid64_ds *d)
{
	spin_lock(&msg_ids.lock);
	struct ipc_obj *o = ipc_lookup_locked(&msg_ids, id);
	if (!o) {
		spin_unlock(&msg_ids.lock);
		return -EINVAL;
	}
	struct msg_queue *q = to_msq(o);
	int ret = ipc_check_owner(o);
	if (!ret && cmd == IPC_SET) {
		/* above MSGMNB needs CAP_SYS_RESOURCE, which root has */
		ipc_set_perm(o, &d->msg_perm);
		q->qbytes = d->msg_qbytes;
		q->ctime = ipc_now();
	} else if (!ret) {
		ipc_remove_locked(&msg_ids, o);
		msg_hdrs -= q->qnum;
		msg_bytes -= q->cbytes;
	}
	if (!ret)
		waitq_wake(&q->wq, 0, -1); /* room, or EIDRM */
	spin_unlock(&msg_ids.lock);
	if (!ret && cmd == IPC_RMID)
		ipc_put(&msg_ids, o); /* the table's */
	return ret;
}

long msg_ctl(int id, int cmd, u64 ubuf)
{
	struct msqid64_ds d;

	if (id < 0 && cmd != IPC_INFO && cmd != MSG_INFO)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case MSG_INFO:
		return msq_info(cmd, ubuf);
	case IPC_STAT:
	case MSG_STAT:
	case MSG_STAT_ANY:
		return msq_stat(id, cmd, ubuf);
	case IPC_SET:
		if (copy_from_user(&d, ubuf, sizeof(d)))
			return -EFAULT;
		return msq_change(id, cmd, &d);
	case IPC_RMID:
		return msq_change(id, cmd, NULL);
	default:
		return -EINVAL;
	}
}

void msg_proc_show(void (*emit)(void *ctx, const char *line), void *ctx)
{
	char line[192], mode[8];

	emit(ctx, "       key      msqid perms      cbytes       qnum lspid "
		  "lrpid   uid   gid  cuid  cgid      stime      rtime      "
		  "ctime\n");
	spin_lock(&msg_ids.lock);
	for (int i = 0; i < msg_ids.cap; i++) {
		struct ipc_obj *o = msg_ids.slots[i];
		if (!o)
			continue;
		struct msg_queue *q = to_msq(o);
		ipc_mode_octal(o->mode, mode);
		snprintf(line, sizeof(line),
			 "%10d %10d  %s  %10lu %10lu %5u %5u %5u %5u %5u %5u "
			 "%10ld %10ld %10ld\n",
			 o->key, o->id, mode, q->cbytes, q->qnum, q->lspid,
			 q->lrpid, o->uid, o->gid, o->cuid, o->cgid, q->stime,
			 q->rtime, q->ctime);
		emit(ctx, line);
	}
	spin_unlock(&msg_ids.lock);
}
