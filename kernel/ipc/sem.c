// SPDX-License-Identifier: MIT
/*
 * System V semaphore arrays. semop applies its operations all or none,
 * under sem_ids.lock. A caller that must wait records which semaphore
 * blocked it (for GETNCNT/GETZCNT) and sleeps on the array's wait queue;
 * every change to a value wakes all sleepers, and each retries its own
 * operations (simpler than Linux's per-semaphore queues with the same
 * results; only the order in which competing waiters win may differ).
 *
 * SEM_UNDO: each process keeps a list of struct sem_undo (one per array
 * it used with SEM_UNDO), also linked on the array; sem_exit applies
 * them when the process's last thread leaves. IPC_RMID frees the array's
 * undo entries. All of it is guarded by sem_ids.lock.
 * Lock order: sem_ids.lock -> an array's wq.lock -> sched_lock.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "ipc.h"
#include "arch/x86_64/percpu.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "sched/time.h"
#include "sched/waitq.h"

/* Linux's defaults (include/uapi/linux/sem.h). */
#define SEMAEM SEMVMX
#define SEMUME SEMOPM
#define SEMMNU SEMMNS
#define SEMMAP SEMMNS
#define SEMUSZ 20

struct sem {
	u16 val;
	int pid; /* of the last operation */
};

struct sem_array {
	struct ipc_obj obj; /* first: ipc.c sees only this */
	int nsems;
	s64 otime, ctime;
	struct waitq wq;	  /* semop sleepers */
	struct list_head pending; /* struct sem_waiter */
	struct list_head undos;	  /* struct sem_undo.array_node */
	struct sem sems[];
};

/* A sleeping semop: what it waits for. */
struct sem_waiter {
	struct list_head node;
	int num;
	bool zero; /* for the value to be zero, else to grow */
};

struct sem_undo {
	struct list_head proc_node;  /* sem_undo_list.undos */
	struct list_head array_node; /* sem_array.undos */
	struct sem_array *sma;
	int semid;
	s32 adj[]; /* one per semaphore */
};

struct sem_undo_list {
	struct list_head undos;
};

static void sem_free(struct ipc_obj *o);
static struct ipc_ids sem_ids = IPC_IDS_INIT(sem_ids, SEMMNI, sem_free);
static u64 used_sems; /* sem_ids.lock */

static struct sem_array *to_sma(struct ipc_obj *o)
{
	return container_of(o, struct sem_array, obj);
}

static void sem_free(struct ipc_obj *o)
{
	spin_lock(&sem_ids.lock);
	used_sems -= to_sma(o)->nsems;
	spin_unlock(&sem_ids.lock);
	kfree(to_sma(o));
}

static struct ipc_obj *sem_create(s32 key, int flags, void *arg, int *err)
{
	int nsems = *(int *)arg;

	if (nsems <= 0 || nsems > SEMMSL) {
		*err = -EINVAL;
		return NULL;
	}
	if (READ_ONCE(used_sems) + nsems > SEMMNS) {
		*err = -ENOSPC;
		return NULL;
	}
	struct sem_array *a =
		kzalloc(sizeof(*a) + sizeof(struct sem) * (u64)nsems);
	if (!a) {
		*err = -ENOMEM;
		return NULL;
	}
	ipc_init_perm(&a->obj, key, flags);
	a->nsems = nsems;
	a->ctime = ipc_now();
	waitq_init(&a->wq);
	list_init(&a->pending);
	list_init(&a->undos);
	spin_lock(&sem_ids.lock);
	used_sems += nsems;
	spin_unlock(&sem_ids.lock);
	return &a->obj;
}

static int sem_check(struct ipc_obj *o, void *arg)
{
	return to_sma(o)->nsems < *(int *)arg ? -EINVAL : 0;
}

static const struct ipc_get_ops sem_get_ops = {sem_create, sem_check};

long sem_get(s32 key, int nsems, int flags)
{
	if (nsems < 0 || nsems > SEMMSL)
		return -EINVAL;
	return ipc_get(&sem_ids, key, flags, &sem_get_ops, &nsems);
}

/* The caller's undo entry for a, made if missing; NULL: no memory. */
static struct sem_undo *undo_find_locked(struct sem_array *a)
{
	struct process *p = current->proc;
	struct sem_undo *u;

	if (!p->semundo) {
		p->semundo = kzalloc(sizeof(*p->semundo));
		if (!p->semundo)
			return NULL;
		list_init(&p->semundo->undos);
	}
	list_for_each_entry(u, &p->semundo->undos, proc_node)
	{
		if (u->semid == a->obj.id)
			return u;
	}
	u = kzalloc(sizeof(*u) + sizeof(s32) * (u64)a->nsems);
	if (!u)
		return NULL;
	u->sma = a;
	u->semid = a->obj.id;
	list_add(&u->proc_node, &p->semundo->undos);
	list_add(&u->array_node, &a->undos);
	return u;
}

static void undo_free_locked(struct sem_undo *u)
{
	list_del(&u->proc_node);
	list_del(&u->array_node);
	kfree(u);
}

/* SETVAL/SETALL: the adjustments of semaphore num (all: -1) go. */
static void undo_clear_locked(struct sem_array *a, int num)
{
	struct sem_undo *u;

	list_for_each_entry(u, &a->undos, array_node)
	{
		if (num >= 0)
			u->adj[num] = 0;
		else
			memset(u->adj, 0, sizeof(s32) * (u64)a->nsems);
	}
}

static void sem_wake_locked(struct sem_array *a)
{
	waitq_wake(&a->wq, 0, -1);
}

/*
 * Try all of sops at once (Linux's perform_atomic_semop): 0 done, 1 must
 * wait (*w says for what), -EAGAIN (IPC_NOWAIT on the blocking
 * operation) or -ERANGE; nothing changes unless it returns 0.
 */
static int sem_try_locked(struct sem_array *a, struct sembuf *sops, u32 n,
			  struct sem_undo *u, struct sem_waiter *w)
{
	u32 i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		struct sembuf *op = &sops[i];
		struct sem *s = &a->sems[op->sem_num];
		int v = s->val;
		if ((!op->sem_op && v) || v + op->sem_op < 0) {
			w->num = op->sem_num;
			w->zero = !op->sem_op;
			ret = (op->sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
			break;
		}
		v += op->sem_op;
		if (v > SEMVMX) {
			ret = -ERANGE;
			break;
		}
		if (op->sem_flg & SEM_UNDO) {
			int adj = u->adj[op->sem_num] - op->sem_op;
			if (adj < -SEMAEM - 1 || adj > SEMAEM) {
				ret = -ERANGE;
				break;
			}
			u->adj[op->sem_num] = adj;
		}
		s->val = (u16)v;
	}
	if (ret) {
		while (i--) { /* put back what was done */
			struct sembuf *op = &sops[i];
			a->sems[op->sem_num].val -= op->sem_op;
			if (op->sem_flg & SEM_UNDO)
				u->adj[op->sem_num] += op->sem_op;
		}
		return ret;
	}
	bool changed = false;
	for (i = 0; i < n; i++) {
		a->sems[sops[i].sem_num].pid = ipc_pid();
		changed |= sops[i].sem_op != 0;
	}
	a->otime = ipc_now();
	if (changed)
		sem_wake_locked(a);
	return 0;
}

/* Sleep on a's queue (dropping sem_ids.lock) and take the lock again. */
static int sem_sleep_locked(struct sem_array *a, struct sem_waiter *sw,
			    u64 deadline)
{
	struct waiter w;

	waiter_init(&w, current);
	list_add_tail(&sw->node, &a->pending);
	u64 f = spin_lock_irqsave(&a->wq.lock);
	spin_unlock(&sem_ids.lock);
	int ret = waitq_block_locked(&a->wq, &w, deadline, f);
	spin_lock(&sem_ids.lock);
	list_del(&sw->node);
	return ret;
}

long sem_op(int id, struct sembuf *sops, u32 nsops, u64 deadline)
{
	bool undo = false, alter = false;
	struct sem_undo *u = NULL;
	struct sem_waiter sw;
	int max = 0, ret;

	for (u32 i = 0; i < nsops; i++) {
		max = MAX(max, sops[i].sem_num);
		undo |= sops[i].sem_flg & SEM_UNDO;
		alter |= sops[i].sem_op != 0;
	}
	spin_lock(&sem_ids.lock);
	struct ipc_obj *o = ipc_lookup_locked(&sem_ids, id);
	if (!o) {
		spin_unlock(&sem_ids.lock);
		return -EINVAL;
	}
	struct sem_array *a = to_sma(o);
	if (max >= a->nsems)
		ret = -EFBIG;
	else if ((ret = ipc_check_perm(o, alter ? 0200 : 0400)))
		;
	else if (undo && !(u = undo_find_locked(a)))
		ret = -ENOMEM;
	if (ret) {
		spin_unlock(&sem_ids.lock);
		return ret;
	}
	ipc_get_ref(o);
	while ((ret = sem_try_locked(a, sops, nsops, u, &sw)) == 1) {
		int r = sem_sleep_locked(a, &sw, deadline);
		if (o->deleted) {
			ret = -EIDRM;
			break;
		}
		if (r) {
			/* an operation that became possible wins */
			ret = sem_try_locked(a, sops, nsops, u, &sw);
			if (ret == 1)
				ret = r == -ETIMEDOUT ? -EAGAIN : -EINTR;
			break;
		}
	}
	spin_unlock(&sem_ids.lock);
	ipc_put(&sem_ids, o);
	return ret;
}

void sem_exit(struct process *p)
{
	struct sem_undo *u, *n;

	if (!p->semundo)
		return;
	spin_lock(&sem_ids.lock);
	list_for_each_entry_safe(u, n, &p->semundo->undos, proc_node)
	{
		struct sem_array *a = u->sma;
		for (int i = 0; i < a->nsems; i++) {
			if (!u->adj[i])
				continue;
			/* clamped as Linux's exit_sem does */
			int v = a->sems[i].val + u->adj[i];
			a->sems[i].val = (u16)(v < 0 ? 0 : MIN(v, SEMVMX));
			a->sems[i].pid = p->pid;
		}
		sem_wake_locked(a);
		undo_free_locked(u);
	}
	spin_unlock(&sem_ids.lock);
	kfree(p->semundo);
	p->semundo = NULL;
}

static void sem_fill_locked(struct sem_array *a, struct semid64_ds *d)
{
	memset(d, 0, sizeof(*d));
	ipc_fill_perm(&a->obj, &d->sem_perm);
	d->sem_otime = a->otime;
	d->sem_ctime = a->ctime;
	d->sem_nsems = a->nsems;
}

static long sem_info(int cmd, u64 ubuf)
{
	struct seminfo i = {.semmap = SEMMAP,
			    .semmni = SEMMNI,
			    .semmns = SEMMNS,
			    .semmnu = SEMMNU,
			    .semmsl = SEMMSL,
			    .semopm = SEMOPM,
			    .semume = SEMUME,
			    .semusz = SEMUSZ,
			    .semvmx = SEMVMX,
			    .semaem = SEMAEM};
	if (cmd == SEM_INFO) {
		spin_lock(&sem_ids.lock);
		i.semusz = sem_ids.in_use;
		i.semaem = (s32)used_sems;
		spin_unlock(&sem_ids.lock);
	}
	if (copy_to_user(ubuf, &i, sizeof(i)))
		return -EFAULT;
	return ipc_max_index(&sem_ids);
}

/* IPC_STAT, SEM_STAT (id is a table index), SEM_STAT_ANY. */
static long sem_stat(int id, int cmd, u64 ubuf)
{
	struct semid64_ds d;
	struct ipc_obj *o = cmd == IPC_STAT ? ipc_lookup(&sem_ids, id)
					    : ipc_lookup_index(&sem_ids, id);
	if (!o)
		return -EINVAL;
	spin_lock(&sem_ids.lock);
	int ret = cmd == SEM_STAT_ANY ? 0 : ipc_check_perm(o, 0400);
	if (!ret)
		sem_fill_locked(to_sma(o), &d);
	spin_unlock(&sem_ids.lock);
	if (!ret && copy_to_user(ubuf, &d, sizeof(d)))
		ret = -EFAULT;
	if (!ret && cmd != IPC_STAT)
		ret = o->id;
	ipc_put(&sem_ids, o);
	return ret;
}

/* IPC_SET and IPC_RMID. */
static long sem_change(int id, int cmd, const struct semid64_ds *d)
{
	spin_lock(&sem_ids.lock);
	struct ipc_obj *o = ipc_lookup_locked(&sem_ids, id);
	if (!o) {
		spin_unlock(&sem_ids.lock);
		return -EINVAL;
	}
	struct sem_array *a = to_sma(o);
	int ret = ipc_check_owner(o);
	if (!ret && cmd == IPC_SET) {
		ipc_set_perm(o, &d->sem_perm);
		a->ctime = ipc_now();
	} else if (!ret) {
		struct sem_undo *u, *n;
		list_for_each_entry_safe(u, n, &a->undos, array_node)
			undo_free_locked(u);
		ipc_remove_locked(&sem_ids, o);
		sem_wake_locked(a); /* sleepers see o->deleted: EIDRM */
	}
	spin_unlock(&sem_ids.lock);
	if (!ret && cmd == IPC_RMID)
		ipc_put(&sem_ids, o); /* the table's */
	return ret;
}

/* GETVAL, GETPID, GETNCNT, GETZCNT, SETVAL for semaphore num. */
static long sem_one_locked(struct sem_array *a, int num, int cmd, int val)
{
	struct sem_waiter *w;
	long n = 0;

	if (ipc_check_perm(&a->obj, cmd == SETVAL ? 0200 : 0400))
		return -EACCES;
	if (num < 0 || num >= a->nsems)
		return -EINVAL;
	switch (cmd) {
	case GETVAL:
		return a->sems[num].val;
	case GETPID:
		return a->sems[num].pid;
	case GETNCNT:
	case GETZCNT:
		list_for_each_entry(w, &a->pending, node) n +=
			w->num == num && w->zero == (cmd == GETZCNT);
		return n;
	default: /* SETVAL */
		a->sems[num].val = (u16)val;
		a->sems[num].pid = ipc_pid();
		undo_clear_locked(a, num);
		a->ctime = ipc_now();
		sem_wake_locked(a);
		return 0;
	}
}

/* GETALL and SETALL: the whole array through a kernel buffer. */
static long sem_all(int id, int cmd, u64 ubuf)
{
	struct ipc_obj *o = ipc_lookup(&sem_ids, id);
	long ret = 0;

	if (!o)
		return -EINVAL;
	struct sem_array *a = to_sma(o);
	u64 len = sizeof(u16) * (u64)a->nsems; /* nsems never changes */
	u16 *v = kmalloc(len);
	if (!v) {
		ipc_put(&sem_ids, o);
		return -ENOMEM;
	}
	if (cmd == SETALL && copy_from_user(v, ubuf, len)) {
		ret = -EFAULT;
		goto out;
	}
	spin_lock(&sem_ids.lock);
	if (o->deleted)
		ret = -EIDRM;
	else
		ret = ipc_check_perm(o, cmd == SETALL ? 0200 : 0400);
	for (int i = 0; !ret && cmd == SETALL && i < a->nsems; i++)
		if (v[i] > SEMVMX)
			ret = -ERANGE;
	if (!ret && cmd == GETALL) {
		for (int i = 0; i < a->nsems; i++)
			v[i] = a->sems[i].val;
	} else if (!ret) {
		for (int i = 0; i < a->nsems; i++) {
			a->sems[i].val = v[i];
			a->sems[i].pid = ipc_pid();
		}
		undo_clear_locked(a, -1);
		a->ctime = ipc_now();
		sem_wake_locked(a);
	}
	spin_unlock(&sem_ids.lock);
	if (!ret && cmd == GETALL && copy_to_user(ubuf, v, len))
		ret = -EFAULT;
out:
	kfree(v);
	ipc_put(&sem_ids, o);
	return ret;
}

long sem_ctl(int id, int num, int cmd, u64 arg)
{
	struct semid64_ds d;

	if (id < 0 && cmd != IPC_INFO && cmd != SEM_INFO)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case SEM_INFO:
		return sem_info(cmd, arg);
	case IPC_STAT:
	case SEM_STAT:
	case SEM_STAT_ANY:
		return sem_stat(id, cmd, arg);
	case IPC_SET:
		if (copy_from_user(&d, arg, sizeof(d)))
			return -EFAULT;
		return sem_change(id, cmd, &d);
	case IPC_RMID:
		return sem_change(id, cmd, NULL);
	case GETALL:
	case SETALL:
		return sem_all(id, cmd, arg);
	case SETVAL:
		if ((int)arg < 0 || (int)arg > SEMVMX)
			return -ERANGE;
		/* fall through */
	case GETVAL:
	case GETPID:
	case GETNCNT:
	case GETZCNT: {
		spin_lock(&sem_ids.lock);
		struct ipc_obj *o = ipc_lookup_locked(&sem_ids, id);
		long ret = o ? sem_one_locked(to_sma(o), num, cmd, (int)arg)
			     : -EINVAL;
		spin_unlock(&sem_ids.lock);
		return ret;
	}
	default:
		return -EINVAL;
	}
}

void sem_proc_show(void (*emit)(void *ctx, const char *line), void *ctx)
{
	char line[160], mode[8];

	emit(ctx, "       key      semid perms      nsems   uid   gid  cuid  "
		  "cgid      otime      ctime\n");
	spin_lock(&sem_ids.lock);
	for (int i = 0; i < sem_ids.cap; i++) {
		struct ipc_obj *o = sem_ids.slots[i];
		if (!o)
			continue;
		struct sem_array *a = to_sma(o);
		ipc_mode_octal(o->mode, mode);
		snprintf(line, sizeof(line),
			 "%10d %10d  %s %10u %5u %5u %5u %5u %10ld %10ld\n",
			 o->key, o->id, mode, a->nsems, o->uid, o->gid, o->cuid,
			 o->cgid, a->otime, a->ctime);
		emit(ctx, line);
	}
	spin_unlock(&sem_ids.lock);
}
