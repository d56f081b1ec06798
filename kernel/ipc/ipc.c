// SPDX-License-Identifier: MIT
/*
 * The System V IPC namespace (see ipc.h): keys, ids, the table each kind
 * keeps, reference counts and the permission checks. There is one
 * namespace (no IPC namespaces), as for a process that never unshared.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "ipc.h"
#include "mm/kheap.h"
#include "proc/proc.h"
#include "sched/time.h"
#include "arch/x86_64/percpu.h"

#define IPC_MIN_CYCLE 64 /* Linux: indices cycle over at least this many */
#define IPC_SEQ_MAX   (0x7fffffff / IPC_MNI)

/* Room for index idx in the table (grown by doubling). */
static int ids_grow_locked(struct ipc_ids *ids, int idx)
{
	if (idx < ids->cap)
		return 0;
	int cap = ids->cap ? ids->cap : 16;
	while (cap <= idx)
		cap *= 2;
	cap = MIN(cap, ids->mni);
	struct ipc_obj **s = kzalloc(sizeof(*s) * cap);
	if (!s)
		return -ENOMEM;
	if (ids->slots)
		memcpy(s, ids->slots, sizeof(*s) * ids->cap);
	kfree(ids->slots);
	ids->slots = s;
	ids->cap = cap;
	return 0;
}

/*
 * Give o a free index and its id, as Linux's ipc_idr_alloc: indices go
 * round over max(in_use * 3/2, 64) slots (at most mni), and the sequence
 * moves on each time they wrap, so a freed index comes back with a new id.
 */
static int ids_add_locked(struct ipc_ids *ids, struct ipc_obj *o)
{
	if (ids->in_use >= ids->mni)
		return -ENOSPC;
	int range = MIN(MAX(ids->in_use * 3 / 2, IPC_MIN_CYCLE), ids->mni);
	int idx = -1;
	for (int i = 1; i <= range; i++) {
		int c = (ids->last_idx + i) % range;
		if (c >= ids->cap || !ids->slots[c]) {
			idx = c;
			break;
		}
	}
	if (idx < 0)
		return -ENOSPC;
	int err = ids_grow_locked(ids, idx);
	if (err)
		return err;
	if (idx <= ids->last_idx && ++ids->seq >= IPC_SEQ_MAX)
		ids->seq = 0;
	ids->last_idx = idx;
	ids->slots[idx] = o;
	ids->in_use++;
	o->id = ids->seq * IPC_MNI + idx;
	o->refcount = 1; /* the table's */
	o->deleted = false;
	return 0;
}

static struct ipc_obj *find_key_locked(struct ipc_ids *ids, s32 key)
{
	for (int i = 0; i < ids->cap; i++) {
		struct ipc_obj *o = ids->slots[i];
		if (o && o->key == key)
			return o;
	}
	return NULL;
}

int ipc_get(struct ipc_ids *ids, s32 key, int flags,
	    const struct ipc_get_ops *ops, void *arg)
{
	int ret;

	mutex_lock(&ids->get_mutex);
	if (key != IPC_PRIVATE) {
		spin_lock(&ids->lock);
		struct ipc_obj *o = find_key_locked(ids, key);
		if (o) {
			if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
				ret = -EEXIST;
			else if ((ret = ops->check(o, arg)) == 0 &&
				 (ret = ipc_check_perm(o, flags & 0777)) == 0)
				ret = o->id;
			spin_unlock(&ids->lock);
			goto out;
		}
		spin_unlock(&ids->lock);
		if (!(flags & IPC_CREAT)) {
			ret = -ENOENT;
			goto out;
		}
	}
	struct ipc_obj *n = ops->create(key, flags, arg, &ret);
	if (!n)
		goto out;
	spin_lock(&ids->lock);
	ret = ids_add_locked(ids, n);
	if (!ret)
		ret = n->id;
	spin_unlock(&ids->lock);
	if (ret < 0)
		ids->free(n);
out:
	mutex_unlock(&ids->get_mutex);
	return ret;
}

struct ipc_obj *ipc_lookup_locked(struct ipc_ids *ids, int id)
{
	spin_assert_held(&ids->lock);
	if (id < 0)
		return NULL;
	int idx = id % IPC_MNI;
	if (idx >= ids->cap || !ids->slots[idx] || ids->slots[idx]->id != id)
		return NULL;
	return ids->slots[idx];
}

struct ipc_obj *ipc_lookup(struct ipc_ids *ids, int id)
{
	spin_lock(&ids->lock);
	struct ipc_obj *o = ipc_lookup_locked(ids, id);
	if (o)
		ipc_get_ref(o);
	spin_unlock(&ids->lock);
	return o;
}

struct ipc_obj *ipc_lookup_index(struct ipc_ids *ids, int idx)
{
	struct ipc_obj *o = NULL;

	spin_lock(&ids->lock);
	if (idx >= 0 && idx < ids->cap && ids->slots[idx]) {
		o = ids->slots[idx];
		ipc_get_ref(o);
	}
	spin_unlock(&ids->lock);
	return o;
}

void ipc_remove_locked(struct ipc_ids *ids, struct ipc_obj *o)
{
	spin_assert_held(&ids->lock);
	if (o->deleted)
		return;
	ids->slots[o->id % IPC_MNI] = NULL;
	ids->in_use--;
	o->deleted = true;
}

void ipc_get_ref(struct ipc_obj *o)
{
	__atomic_add_fetch(&o->refcount, 1, __ATOMIC_RELAXED);
}

void ipc_put(struct ipc_ids *ids, struct ipc_obj *o)
{
	if (!__atomic_sub_fetch(&o->refcount, 1, __ATOMIC_ACQ_REL))
		ids->free(o);
}

int ipc_max_index(struct ipc_ids *ids)
{
	int max = 0;

	spin_lock(&ids->lock);
	for (int i = 0; i < ids->cap; i++)
		if (ids->slots[i])
			max = i;
	spin_unlock(&ids->lock);
	return max;
}

int ipc_in_use(struct ipc_ids *ids)
{
	return READ_ONCE(ids->in_use);
}

/* The caller's effective ids (everyone is root until credentials). */
static void cur_ids(u32 *uid, u32 *gid)
{
	*uid = 0;
	*gid = 0;
}

/* Does the caller hold the capability (root holds them all)? */
static bool cur_capable(void)
{
	u32 uid, gid;

	cur_ids(&uid, &gid);
	return uid == 0;
}

int ipc_check_perm(const struct ipc_obj *o, int flag)
{
	u32 uid, gid, granted = o->mode;
	int requested = (flag >> 6) | (flag >> 3) | flag;

	cur_ids(&uid, &gid);
	if (uid == o->cuid || uid == o->uid)
		granted >>= 6;
	else if (gid == o->cgid || gid == o->gid)
		granted >>= 3;
	if ((requested & ~granted & 07) && !cur_capable())
		return -EACCES;
	return 0;
}

int ipc_check_owner(const struct ipc_obj *o)
{
	u32 uid, gid;

	cur_ids(&uid, &gid);
	if (uid == o->uid || uid == o->cuid || cur_capable())
		return 0;
	return -EPERM;
}

void ipc_init_perm(struct ipc_obj *o, s32 key, int flags)
{
	u32 uid, gid;

	cur_ids(&uid, &gid);
	o->key = key;
	o->uid = o->cuid = uid;
	o->gid = o->cgid = gid;
	o->mode = flags & 0777;
}

void ipc_fill_perm(const struct ipc_obj *o, struct ipc64_perm *p)
{
	memset(p, 0, sizeof(*p));
	p->key = o->key;
	p->uid = o->uid;
	p->gid = o->gid;
	p->cuid = o->cuid;
	p->cgid = o->cgid;
	p->mode = o->mode;
	p->seq = (u16)(o->id / IPC_MNI);
}

void ipc_set_perm(struct ipc_obj *o, const struct ipc64_perm *p)
{
	o->uid = p->uid;
	o->gid = p->gid;
	o->mode = (o->mode & ~0777u) | (p->mode & 0777);
}

s64 ipc_now(void)
{
	return (s64)(clock_realtime_ns() / NSEC_PER_SEC);
}

int ipc_pid(void)
{
	return current->proc ? current->proc->pid : 0;
}

void ipc_mode_octal(u32 mode, char out[8])
{
	char d[5];
	int n = 0;

	mode &= 07777;
	do {
		d[n++] = (char)('0' + (mode & 7));
		mode >>= 3;
	} while (mode);
	int i = 0;
	while (i < 4 - n)
		out[i++] = ' ';
	while (n)
		out[i++] = d[--n];
	out[i] = 0;
}

void ipc_proc_show(const char *name, void (*emit)(void *ctx, const char *line),
		   void *ctx)
{
	char line[80] = "";

	if (!strcmp(name, "sysvipc/shm"))
		shm_proc_show(emit, ctx);
	else if (!strcmp(name, "sysvipc/sem"))
		sem_proc_show(emit, ctx);
	else if (!strcmp(name, "sysvipc/msg"))
		msg_proc_show(emit, ctx);
	else if (!strcmp(name, "sys/kernel/shmmax"))
		snprintf(line, sizeof(line), "%lu\n", SHMMAX);
	else if (!strcmp(name, "sys/kernel/shmall"))
		snprintf(line, sizeof(line), "%lu\n", SHMALL);
	else if (!strcmp(name, "sys/kernel/shmmni"))
		snprintf(line, sizeof(line), "%d\n", SHMMNI);
	else if (!strcmp(name, "sys/kernel/sem"))
		snprintf(line, sizeof(line), "%d\t%d\t%d\t%d\n", SEMMSL, SEMMNS,
			 SEMOPM, SEMMNI);
	else if (!strcmp(name, "sys/kernel/msgmax"))
		snprintf(line, sizeof(line), "%d\n", MSGMAX);
	else if (!strcmp(name, "sys/kernel/msgmnb"))
		snprintf(line, sizeof(line), "%d\n", MSGMNB);
	else if (!strcmp(name, "sys/kernel/msgmni"))
		snprintf(line, sizeof(line), "%d\n", MSGMNI);
	if (line[0])
		emit(ctx, line);
}
