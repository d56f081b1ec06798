// SPDX-License-Identifier: MIT
/*
 * inotify: watches on vnodes and the queue of events an inotify file
 * reads, behind the fsnotify hooks (fsnotify.h) the VFS calls. A watch
 * links one instance to one vnode (vn->watches); the vnode does not keep
 * it alive: when the vnode is freed (its last name gone and its last file
 * closed, as Linux's inode eviction) the watch reports IN_DELETE_SELF and
 * IN_IGNORED and goes. Events are struct inotify_event records with the
 * name NUL-padded to a multiple of 16 bytes (Linux rounds to the record
 * size); an event equal to the last one queued is dropped (coalesced);
 * past INOTIFY_MAX_EVENTS one IN_Q_OVERFLOW stands for what is lost.
 *
 * Locking: one global spinlock, fsnotify_lock, guards every watch list
 * (the vnodes' and the instances'), each instance's queue and its wd
 * numbering. It is taken after vfs_lock and before a wait queue's lock;
 * user memory is copied outside it. A first version: one lock is plenty
 * for a file watcher and nothing is taken when nobody watches.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "file.h"
#include "fsnotify.h"
#include "inotify.h"
#include "vfs.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "sched/waitq.h"
#include "arch/x86_64/percpu.h" /* current, for waitq_wait_event */

#define FIONREAD 0x541b

/* What a watch keeps of the inotify_add_watch mask. */
#define WATCH_BITS (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK)

/* Events a directory's watches see for its children (Linux's
 * FS_EVENTS_POSS_ON_CHILD). */
#define ON_CHILD                                                               \
	(IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |                  \
	 IN_CLOSE_NOWRITE | IN_OPEN)

u32 fsnotify_interest; /* fsnotify_lock; read freely */
static struct spinlock fsnotify_lock = SPINLOCK_INIT;
static int nwatches;	/* fsnotify_lock */
static int ninstances;	/* atomic */
static u32 next_cookie; /* atomic */

/* A queued event. */
struct kevent {
	struct list_head link; /* in ino->events */
	s32 wd;
	u32 mask, cookie;
	u32 namelen; /* without padding; 0: no name */
	char name[];
};

/* An inotify file (f->priv). */
struct inotify {
	struct waitq wq;	  /* readers and pollers */
	struct list_head events;  /* struct kevent, oldest first */
	struct list_head watches; /* struct inotify_watch */
	u32 qlen;		  /* events queued; read freely */
	int last_wd;		  /* the last watch descriptor given */
	bool wrapped;		  /* last_wd has gone past INT32_MAX */
	struct kevent *overflow;  /* queued when the queue is full */
};

/* One watch: instance ino watches vn. */
struct inotify_watch {
	struct list_head vnode_link; /* in vn->watches */
	struct list_head inst_link;  /* in ino->watches */
	struct inotify *ino;
	struct vnode *vn; /* not counted: the watch goes with the vnode */
	int wd;
	u32 mask; /* WATCH_BITS */
};

static const struct file_ops inotify_fops;

/* The size read(2) gives ev: header plus padded name. */
static u32 kevent_size(const struct kevent *ev)
{
	u32 pad = ev->namelen ? ALIGN_UP(ev->namelen + 1,
					 (u32)sizeof(struct inotify_event))
			      : 0;
	return sizeof(struct inotify_event) + pad;
}

/* Would ev repeat the last event queued (Linux's inotify_merge)? */
static bool is_repeat_locked(struct inotify *ino, const struct kevent *ev)
{
	if (list_empty(&ino->events))
		return false;
	struct kevent *last = list_entry(ino->events.prev, struct kevent, link);
	return !(last->mask & IN_IGNORED) && last->mask == ev->mask &&
	       last->wd == ev->wd && last->namelen == ev->namelen &&
	       !memcmp(last->name, ev->name, ev->namelen);
}

/*
 * Queue an event for ino (fsnotify_lock held) and wake its readers. A full
 * queue gets the overflow event instead, once.
 */
static void queue_locked(struct inotify *ino, s32 wd, u32 mask, u32 cookie,
			 const char *name, size_t len)
{
	struct kevent *ev;

	if (ino->qlen >= INOTIFY_MAX_EVENTS) {
		if (!list_empty(&ino->overflow->link))
			return;
		ev = ino->overflow;
	} else {
		/* as Linux, an event that cannot be allocated is lost */
		ev = kmalloc(sizeof(*ev) + len);
		if (!ev)
			return;
		ev->wd = wd;
		ev->mask = mask;
		ev->cookie = cookie;
		ev->namelen = len;
		memcpy(ev->name, name, len);
		if (is_repeat_locked(ino, ev)) {
			kfree(ev);
			return;
		}
	}
	list_add_tail(&ev->link, &ino->events);
	WRITE_ONCE(ino->qlen, ino->qlen + 1);
	waitq_wake(&ino->wq, POLLIN | POLLRDNORM, -1);
}

/* Unlink and free w (fsnotify_lock held), queueing IN_IGNORED if asked. */
static void watch_remove_locked(struct inotify_watch *w, bool ignored)
{
	if (ignored)
		queue_locked(w->ino, w->wd, IN_IGNORED, 0, NULL, 0);
	list_del(&w->vnode_link);
	list_del(&w->inst_link);
	kfree(w);
	if (!--nwatches)
		WRITE_ONCE(fsnotify_interest, 0);
}

/*
 * Deliver mask to the watches on vn that want it (fsnotify_lock held),
 * with the child's name when vn is its directory. path: the event comes
 * through an open file (IN_EXCL_UNLINK applies); deleted: that file has
 * no name any more.
 */
static void deliver_locked(struct vnode *vn, u32 mask, u32 cookie,
			   const char *name, size_t len, bool path,
			   bool deleted)
{
	struct inotify_watch *w, *tmp;

	list_for_each_entry_safe(w, tmp, &vn->watches, vnode_link)
	{
		if (!(w->mask & mask & IN_ALL_EVENTS))
			continue;
		if (path && deleted && (w->mask & IN_EXCL_UNLINK))
			continue;
		queue_locked(w->ino, w->wd, mask, cookie, name, len);
		if (w->mask & IN_ONESHOT)
			watch_remove_locked(w, true);
	}
}

static bool has_watches(struct vnode *vn)
{
	return !list_empty(&vn->watches);
}

static u32 isdir(struct vnode *vn)
{
	return S_ISDIR(vn->mode) ? IN_ISDIR : 0;
}

/* An event on vn: its directory's watches (with its name), then its own. */
static void notify_parent_and_self(struct vnode *vn, u32 mask, bool path)
{
	mask |= isdir(vn);
	spin_lock(&vfs_lock);
	struct dentry *d = vn->dname;
	struct vnode *dir = d ? d->dir : NULL;
	bool deleted = vn->flags & VN_DELETED;
	if ((dir && has_watches(dir)) || has_watches(vn)) {
		spin_lock(&fsnotify_lock);
		if (dir && (mask & ON_CHILD))
			deliver_locked(dir, mask, 0, d->name, d->namelen, path,
				       deleted);
		deliver_locked(vn, mask, 0, NULL, 0, path, deleted);
		spin_unlock(&fsnotify_lock);
	}
	spin_unlock(&vfs_lock);
}

void fsnotify_file_event(struct file *f, u32 mask)
{
	if (f->vn && !(f->flags & O_PATH))
		notify_parent_and_self(f->vn, mask, true);
}

void fsnotify_close(struct file *f)
{
	u32 mask = (f->flags & O_ACCMODE) == O_RDONLY ? IN_CLOSE_NOWRITE
						      : IN_CLOSE_WRITE;
	fsnotify_file(f, mask);
}

void fsnotify_change_event(struct vnode *vn, u32 mask)
{
	notify_parent_and_self(vn, mask, false);
}

/* mask to vn's own watches, as it is (Linux sets no IN_ISDIR on
 * IN_MOVE_SELF and IN_DELETE_SELF). */
static void notify_self(struct vnode *vn, u32 mask)
{
	if (!has_watches(vn))
		return;
	spin_lock(&fsnotify_lock);
	deliver_locked(vn, mask, 0, NULL, 0, false, false);
	spin_unlock(&fsnotify_lock);
}

void fsnotify_inode_event(struct vnode *vn, u32 mask)
{
	notify_self(vn, mask | isdir(vn));
}

void fsnotify_dirent_event(struct vnode *dir, const char *name, size_t len,
			   u32 mode, u32 mask, u32 cookie)
{
	if (!has_watches(dir))
		return;
	if (S_ISDIR(mode))
		mask |= IN_ISDIR;
	spin_lock(&fsnotify_lock);
	deliver_locked(dir, mask, cookie, name, len, false, false);
	spin_unlock(&fsnotify_lock);
}

void fsnotify_move(struct vnode *odir, const char *oname, size_t olen,
		   struct vnode *ndir, const char *nname, size_t nlen,
		   struct vnode *moved, struct vnode *victim)
{
	if (!fsnotify_wanted(IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB |
			     IN_MOVE_SELF))
		return;
	u32 cookie = __atomic_add_fetch(&next_cookie, 1, __ATOMIC_RELAXED);
	fsnotify_dirent_event(odir, oname, olen, moved->mode, IN_MOVED_FROM,
			      cookie);
	fsnotify_dirent_event(ndir, nname, nlen, moved->mode, IN_MOVED_TO,
			      cookie);
	if (victim)
		fsnotify_inode_event(victim, IN_ATTRIB);
	notify_self(moved, IN_MOVE_SELF);
}

void fsnotify_vnode_free(struct vnode *vn)
{
	struct inotify_watch *w, *tmp;

	spin_lock(&fsnotify_lock);
	deliver_locked(vn, IN_DELETE_SELF, 0, NULL, 0, false, false);
	list_for_each_entry_safe(w, tmp, &vn->watches, vnode_link)
		watch_remove_locked(w, true);
	spin_unlock(&fsnotify_lock);
}

/* Take the oldest event if it fits in n bytes: 1 (taken), 0 (none) or
 * -EINVAL (too big). */
static int take_event(struct inotify *ino, size_t n, struct kevent **out)
{
	int ret = 0;

	spin_lock(&fsnotify_lock);
	if (!list_empty(&ino->events)) {
		struct kevent *ev =
			list_first_entry(&ino->events, struct kevent, link);
		ret = -EINVAL;
		if (kevent_size(ev) <= n) {
			list_del(&ev->link);
			WRITE_ONCE(ino->qlen, ino->qlen - 1);
			*out = ev;
			ret = 1;
		}
	}
	spin_unlock(&fsnotify_lock);
	return ret;
}

/* Copy ev to the user at ubuf; its size or -EFAULT. Frees ev. */
static ssize_t copy_event(struct inotify *ino, struct kevent *ev, u64 ubuf)
{
	u32 size = kevent_size(ev);
	struct inotify_event h = {.wd = ev->wd,
				  .mask = ev->mask,
				  .cookie = ev->cookie,
				  .len = size - sizeof(h)};
	int err = copy_to_user(ubuf, &h, sizeof(h));

	if (!err && ev->namelen)
		err = copy_to_user(ubuf + sizeof(h), ev->name, ev->namelen);
	if (!err && h.len)
		err = clear_user(ubuf + sizeof(h) + ev->namelen,
				 h.len - ev->namelen);
	if (ev != ino->overflow)
		kfree(ev);
	return err ? -EFAULT : (ssize_t)size;
}

/*
 * As many whole events as fit; blocks (unless O_NONBLOCK) until there is
 * one. EINVAL when the first does not fit; an event is lost on EFAULT.
 */
static ssize_t inotify_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	struct inotify *ino = f->priv;
	size_t done = 0;
	(void)pos;

	for (;;) {
		struct kevent *ev = NULL;
		int ret = take_event(ino, n - done, &ev);
		if (ret == 1) {
			ssize_t k = copy_event(ino, ev, ubuf + done);
			if (k < 0)
				return k;
			done += k;
			continue;
		}
		if (done)
			return done;
		if (ret)
			return ret;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		ret = waitq_wait_event(&ino->wq, READ_ONCE(ino->qlen) != 0, 0);
		if (ret)
			return ret;
	}
}

static u32 inotify_poll(struct file *f, struct poll_table *pt)
{
	struct inotify *ino = f->priv;

	poll_wait(&ino->wq, pt);
	return READ_ONCE(ino->qlen) ? POLLIN | POLLRDNORM : 0;
}

/* FIONREAD: the bytes the queued events take. */
static int inotify_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct inotify *ino = f->priv;
	struct kevent *ev;
	int n = 0;

	if (cmd != FIONREAD)
		return -ENOTTY;
	spin_lock(&fsnotify_lock);
	list_for_each_entry(ev, &ino->events, link) n += kevent_size(ev);
	spin_unlock(&fsnotify_lock);
	return copy_to_user(arg, &n, sizeof(n));
}

static void inotify_release(struct file *f)
{
	struct inotify *ino = f->priv;
	struct inotify_watch *w, *wtmp;
	struct kevent *ev, *etmp;

	spin_lock(&fsnotify_lock);
	list_for_each_entry_safe(w, wtmp, &ino->watches, inst_link)
		watch_remove_locked(w, false);
	spin_unlock(&fsnotify_lock);
	list_for_each_entry_safe(ev, etmp, &ino->events, link)
	{
		if (ev != ino->overflow)
			kfree(ev);
	}
	kfree(ino->overflow);
	kfree(ino);
	__atomic_sub_fetch(&ninstances, 1, __ATOMIC_RELAXED);
}

static const struct file_ops inotify_fops = {
	.read = inotify_read,
	.ioctl = inotify_ioctl,
	.poll = inotify_poll,
	.stat = file_anon_stat,
	.release = inotify_release,
};

int inotify_open(u32 flags, struct file **out)
{
	if (__atomic_add_fetch(&ninstances, 1, __ATOMIC_RELAXED) >
	    INOTIFY_MAX_INSTANCES) {
		__atomic_sub_fetch(&ninstances, 1, __ATOMIC_RELAXED);
		return -EMFILE;
	}
	struct inotify *ino = kzalloc(sizeof(*ino));
	struct kevent *ovf = kzalloc(sizeof(*ovf));
	struct file *f = file_alloc(&inotify_fops, NULL,
				    O_RDONLY | (flags & O_NONBLOCK));
	if (!ino || !ovf || !f) {
		kfree(ino);
		kfree(ovf);
		kfree(f);
		__atomic_sub_fetch(&ninstances, 1, __ATOMIC_RELAXED);
		return -ENOMEM;
	}
	waitq_init(&ino->wq);
	list_init(&ino->events);
	list_init(&ino->watches);
	list_init(&ovf->link);
	ovf->wd = -1;
	ovf->mask = IN_Q_OVERFLOW;
	ino->overflow = ovf;
	f->priv = ino;
	*out = f;
	return 0;
}

bool is_inotify_file(struct file *f)
{
	return f->ops == &inotify_fops;
}

/* The instance behind f, or NULL if f is not an inotify file. */
static struct inotify *inotify_of(struct file *f)
{
	return is_inotify_file(f) ? f->priv : NULL;
}

/* The next free watch descriptor, counting up from 1 as Linux's cyclic
 * idr; used ones are skipped once the count has wrapped (fsnotify_lock
 * held). */
static int next_wd_locked(struct inotify *ino)
{
	for (;;) {
		if (ino->last_wd == INT32_MAX) {
			ino->last_wd = 0;
			ino->wrapped = true;
		}
		int wd = ++ino->last_wd;
		struct inotify_watch *w;
		bool used = false;
		if (!ino->wrapped)
			return wd;
		list_for_each_entry(w, &ino->watches, inst_link) used |=
			w->wd == wd;
		if (!used)
			return wd;
	}
}

int inotify_watch(struct file *f, struct vnode *vn, u32 mask)
{
	struct inotify *ino = inotify_of(f);
	struct inotify_watch *w, *fresh = kzalloc(sizeof(*fresh));
	int ret;

	if (!ino) {
		kfree(fresh);
		return -EINVAL;
	}
	spin_lock(&fsnotify_lock);
	list_for_each_entry(w, &vn->watches, vnode_link)
	{
		if (w->ino != ino)
			continue;
		ret = -EEXIST;
		if (!(mask & IN_MASK_CREATE)) {
			u32 keep = (mask & IN_MASK_ADD) ? w->mask : 0;
			w->mask = keep | (mask & WATCH_BITS);
			fsnotify_interest |= w->mask;
			ret = w->wd;
		}
		goto out;
	}
	ret = -ENOMEM;
	if (!fresh)
		goto out;
	ret = -ENOSPC;
	if (nwatches >= INOTIFY_MAX_WATCHES)
		goto out;
	fresh->ino = ino;
	fresh->vn = vn;
	fresh->mask = mask & WATCH_BITS;
	fresh->wd = next_wd_locked(ino);
	list_add_tail(&fresh->vnode_link, &vn->watches);
	list_add_tail(&fresh->inst_link, &ino->watches);
	nwatches++;
	fsnotify_interest |= fresh->mask;
	ret = fresh->wd;
	fresh = NULL;
out:
	spin_unlock(&fsnotify_lock);
	kfree(fresh);
	return ret;
}

int inotify_unwatch(struct file *f, int wd)
{
	struct inotify *ino = inotify_of(f);
	struct inotify_watch *w;
	int ret = -EINVAL;

	if (!ino)
		return -EINVAL;
	spin_lock(&fsnotify_lock);
	list_for_each_entry(w, &ino->watches, inst_link)
	{
		if (w->wd == wd) {
			watch_remove_locked(w, true);
			ret = 0;
			break;
		}
	}
	spin_unlock(&fsnotify_lock);
	return ret;
}
