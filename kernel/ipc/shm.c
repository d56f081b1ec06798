// SPDX-License-Identifier: MIT
/*
 * System V shared memory. A segment's pages are a tmpfs file, the same
 * object as MAP_SHARED anonymous memory (tmpfs_create_shmem). Each shmat
 * makes a small file of its own (shm_file_ops, as Linux's shm_file_data)
 * that hands out the segment's pages and is opened read-only or
 * read-write, so mprotect honours SHM_RDONLY; its VMA holds it.
 *
 * shm_nattch counts VMAs, as on Linux: the mapping hook (file_ops
 * vma_count) hears of every VMA that comes (fork, split) or goes (munmap,
 * exit, exec). A segment removed with IPC_RMID while attached keeps its
 * id (key IPC_PRIVATE, SHM_DEST) until the last VMA goes.
 *
 * Locking: shm_ids.lock guards every segment's fields; the hook takes it
 * under the mm lock, so nothing here takes an mm lock while holding it.
 * Lifetime: a segment is referenced by the table and by each shmat file.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "ipc.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "proc/proc.h"

/* Linux's defaults (include/uapi/linux/shm.h). */
#define SHMLBA PAGE_SIZE

struct shm_seg {
	struct ipc_obj obj; /* first: ipc.c sees only this */
	u64 size;	    /* as asked (shm_segsz) */
	struct file *shmem; /* the pages; fixed */
	u64 nattch;	    /* VMAs mapping it; shm_ids.lock */
	s64 atime, dtime, ctime;
	int cpid, lpid;
};

static void shm_free(struct ipc_obj *o);
static struct ipc_ids shm_ids = IPC_IDS_INIT(shm_ids, SHMMNI, shm_free);
static u64 shm_tot; /* pages of all segments; shm_ids.lock */

static struct shm_seg *to_seg(struct ipc_obj *o)
{
	return container_of(o, struct shm_seg, obj);
}

static void shm_free(struct ipc_obj *o)
{
	struct shm_seg *s = to_seg(o);

	spin_lock(&shm_ids.lock);
	shm_tot -= ALIGN_UP(s->size, PAGE_SIZE) >> PAGE_SHIFT;
	spin_unlock(&shm_ids.lock);
	file_put(s->shmem);
	kfree(s);
}

/* Destroy s if it is marked and nobody maps it; true if the caller must
 * drop the table's reference (with ipc_put, once unlocked). */
static bool shm_maybe_destroy_locked(struct shm_seg *s)
{
	if (s->obj.deleted || s->nattch || !(s->obj.mode & SHM_DEST))
		return false;
	ipc_remove_locked(&shm_ids, &s->obj);
	return true;
}

/* A VMA of a shmat file came or went (under the mm lock). */
static void shm_vma_count(struct file *f, int delta)
{
	struct shm_seg *s = f->priv;

	spin_lock(&shm_ids.lock);
	s->nattch += delta;
	if (delta > 0)
		s->atime = ipc_now();
	else
		s->dtime = ipc_now();
	s->lpid = ipc_pid();
	bool put = shm_maybe_destroy_locked(s);
	spin_unlock(&shm_ids.lock);
	if (put)
		ipc_put(&shm_ids, &s->obj); /* a shmat file still holds one */
}

static int shm_get_page(struct file *f, u64 pgoff, paddr_t *pa)
{
	struct shm_seg *s = f->priv;

	return s->shmem->ops->get_page(s->shmem, pgoff, pa);
}

static void shm_release(struct file *f)
{
	ipc_put(&shm_ids, &((struct shm_seg *)f->priv)->obj);
}

static const struct file_ops shm_file_ops = {
	.get_page = shm_get_page,
	.release = shm_release,
	.vma_count = shm_vma_count,
};

static struct ipc_obj *shm_create(s32 key, int flags, void *arg, int *err)
{
	u64 size = *(u64 *)arg;
	u64 pages = ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT;

	if (size < SHMMIN || size > SHMMAX) {
		*err = -EINVAL;
		return NULL;
	}
	if (READ_ONCE(shm_tot) + pages > SHMALL) {
		*err = -ENOSPC;
		return NULL;
	}
	struct shm_seg *s = kzalloc(sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = tmpfs_create_shmem(pages << PAGE_SHIFT, &s->shmem);
	if (*err) {
		kfree(s);
		if (*err == -EFBIG)
			*err = -ENOMEM;
		return NULL;
	}
	ipc_init_perm(&s->obj, key, flags);
	s->size = size;
	s->ctime = ipc_now();
	s->cpid = ipc_pid();
	spin_lock(&shm_ids.lock);
	shm_tot += pages;
	spin_unlock(&shm_ids.lock);
	return &s->obj;
}

static int shm_check(struct ipc_obj *o, void *arg)
{
	return to_seg(o)->size < *(u64 *)arg ? -EINVAL : 0;
}

static const struct ipc_get_ops shm_get_ops = {shm_create, shm_check};

long shm_get(s32 key, u64 size, int flags)
{
	return ipc_get(&shm_ids, key, flags, &shm_get_ops, &size);
}

/* The segment with this id, referenced, checked for the access asked. */
static int shm_lookup(int id, int flag, struct shm_seg **out)
{
	struct ipc_obj *o = ipc_lookup(&shm_ids, id);

	if (!o)
		return -EINVAL;
	spin_lock(&shm_ids.lock);
	int err = ipc_check_perm(o, flag);
	spin_unlock(&shm_ids.lock);
	if (err) {
		ipc_put(&shm_ids, o);
		return err;
	}
	*out = to_seg(o);
	return 0;
}

long shm_attach(int id, u64 addr, int flags)
{
	bool rdonly = flags & SHM_RDONLY;
	struct mm *mm = current->proc->mm;
	enum vm_place place = VM_HINT;
	struct shm_seg *s;
	u64 out;

	if (addr & (SHMLBA - 1)) {
		if (!(flags & SHM_RND))
			return -EINVAL;
		addr &= ~(SHMLBA - 1);
	}
	if (addr)
		place = (flags & SHM_REMAP) ? VM_FIXED : VM_FIXED_NOREPLACE;
	else if (flags & SHM_REMAP)
		return -EINVAL;
	int err = shm_lookup(id, rdonly ? 0400 : 0600, &s);
	if (err)
		return err;
	struct file *f = file_alloc(&shm_file_ops, s->shmem->vn,
				    rdonly ? O_RDONLY : O_RDWR);
	if (!f) {
		ipc_put(&shm_ids, &s->obj);
		return -ENOMEM;
	}
	f->priv = s; /* the lookup's reference is now the file's */
	u32 prot = PROT_READ | (rdonly ? 0 : PROT_WRITE) |
		   ((flags & SHM_EXEC) ? PROT_EXEC : 0);
	/* counted before the VMA exists, so an munmap racing with us
	 * cannot take the count below zero */
	shm_vma_count(f, 1);
	err = vm_mmap(mm, addr, ALIGN_UP(s->size, PAGE_SIZE), prot, VMA_SHARED,
		      place, f, 0, &out);
	if (err) {
		shm_vma_count(f, -1);
		file_put(f);
		/* Linux: an address in use without SHM_REMAP is EINVAL */
		return err == -EEXIST ? -EINVAL : err;
	}
	return (long)out;
}

/* The size of the segment a shmat file maps (vm_detach). */
static u64 shm_file_len(struct file *f)
{
	return ((struct shm_seg *)f->priv)->size;
}

long shm_detach(u64 addr)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	return vm_detach(current->proc->mm, addr, &shm_file_ops, shm_file_len);
}

static void shm_fill_locked(struct shm_seg *s, struct shmid64_ds *d)
{
	memset(d, 0, sizeof(*d));
	ipc_fill_perm(&s->obj, &d->shm_perm);
	d->shm_segsz = s->size;
	d->shm_atime = s->atime;
	d->shm_dtime = s->dtime;
	d->shm_ctime = s->ctime;
	d->shm_cpid = s->cpid;
	d->shm_lpid = s->lpid;
	d->shm_nattch = s->nattch;
}

static long shm_info(int cmd, u64 ubuf)
{
	if (cmd == IPC_INFO) {
		struct shminfo64 i = {.shmmax = SHMMAX,
				      .shmmin = SHMMIN,
				      .shmmni = SHMMNI,
				      .shmseg = SHMMNI,
				      .shmall = SHMALL};
		if (copy_to_user(ubuf, &i, sizeof(i)))
			return -EFAULT;
	} else {
		struct shm_info i = {0};
		spin_lock(&shm_ids.lock);
		i.used_ids = shm_ids.in_use;
		i.shm_tot = shm_tot;
		i.shm_rss = shm_tot; /* no swap: all of it can be resident */
		spin_unlock(&shm_ids.lock);
		if (copy_to_user(ubuf, &i, sizeof(i)))
			return -EFAULT;
	}
	return ipc_max_index(&shm_ids);
}

/* IPC_STAT, SHM_STAT (id is a table index) and SHM_STAT_ANY. */
static long shm_stat(int id, int cmd, u64 ubuf)
{
	struct shmid64_ds d;
	struct ipc_obj *o = cmd == IPC_STAT ? ipc_lookup(&shm_ids, id)
					    : ipc_lookup_index(&shm_ids, id);
	if (!o)
		return -EINVAL;
	spin_lock(&shm_ids.lock);
	int ret = cmd == SHM_STAT_ANY ? 0 : ipc_check_perm(o, 0400);
	if (!ret)
		shm_fill_locked(to_seg(o), &d);
	spin_unlock(&shm_ids.lock);
	if (!ret && copy_to_user(ubuf, &d, sizeof(d)))
		ret = -EFAULT;
	if (!ret && cmd != IPC_STAT)
		ret = o->id;
	ipc_put(&shm_ids, o);
	return ret;
}

/* IPC_SET, IPC_RMID, SHM_LOCK and SHM_UNLOCK. */
static long shm_change(int id, int cmd, const struct shmid64_ds *d)
{
	struct ipc_obj *o = ipc_lookup(&shm_ids, id);
	bool put = false;

	if (!o)
		return -EINVAL;
	spin_lock(&shm_ids.lock);
	int ret = ipc_check_owner(o);
	if (!ret && cmd == IPC_SET) {
		ipc_set_perm(o, &d->shm_perm);
		to_seg(o)->ctime = ipc_now();
	} else if (!ret && cmd == IPC_RMID) {
		o->mode |= SHM_DEST;
		o->key = IPC_PRIVATE; /* shmget no longer finds it */
		put = shm_maybe_destroy_locked(to_seg(o));
	} else if (!ret && cmd == SHM_LOCK) {
		o->mode |= SHM_LOCKED; /* nothing is ever swapped out */
	} else if (!ret) {
		o->mode &= ~SHM_LOCKED;
	}
	spin_unlock(&shm_ids.lock);
	if (put)
		ipc_put(&shm_ids, o);
	ipc_put(&shm_ids, o);
	return ret;
}

long shm_ctl(int id, int cmd, u64 ubuf)
{
	struct shmid64_ds d;

	if (id < 0 && cmd != IPC_INFO && cmd != SHM_INFO)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case SHM_INFO:
		return shm_info(cmd, ubuf);
	case IPC_STAT:
	case SHM_STAT:
	case SHM_STAT_ANY:
		return shm_stat(id, cmd, ubuf);
	case IPC_SET:
		if (copy_from_user(&d, ubuf, sizeof(d)))
			return -EFAULT;
		return shm_change(id, cmd, &d);
	case IPC_RMID:
	case SHM_LOCK:
	case SHM_UNLOCK:
		return shm_change(id, cmd, NULL);
	default:
		return -EINVAL;
	}
}

void shm_proc_show(void (*emit)(void *ctx, const char *line), void *ctx)
{
	char line[224], mode[8];

	emit(ctx,
	     "       key      shmid perms                  size  cpid  lpid "
	     "nattch   uid   gid  cuid  cgid      atime      dtime      "
	     "ctime                   rss                  swap\n");
	spin_lock(&shm_ids.lock);
	for (int i = 0; i < shm_ids.cap; i++) {
		struct ipc_obj *o = shm_ids.slots[i];
		if (!o)
			continue;
		struct shm_seg *s = to_seg(o);
		ipc_mode_octal(o->mode, mode);
		/* rss: no per-segment page count is kept; swap: none */
		snprintf(line, sizeof(line),
			 "%10d %10d  %s %21lu %5u %5u  %5lu %5u %5u %5u %5u "
			 "%10ld %10ld %10ld %21lu %21lu\n",
			 o->key, o->id, mode, s->size, s->cpid, s->lpid,
			 s->nattch, o->uid, o->gid, o->cuid, o->cgid, s->atime,
			 s->dtime, s->ctime, 0UL, 0UL);
		emit(ctx, line);
	}
	spin_unlock(&shm_ids.lock);
}
