// SPDX-License-Identifier: MIT
/*
 * struct file lifetime, fd tables (grown on demand up to FD_MAX_DEFAULT),
 * and the file ops of the image's regular files and of directories. An
 * open file holds a reference on its vnode.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "file.h"
#include "fsnotify.h"
#include "locks.h"
#include "vfs.h"
#include "waitfd.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "proc/resource.h"
#include "sched/time.h"

struct file *file_alloc(const struct file_ops *ops, struct vnode *vn, u32 flags)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->refcount = 1;
	f->ops = ops;
	f->vn = vn;
	f->flags = flags;
	spin_init(&f->lock);
	mutex_init(&f->pos_lock);
	list_init(&f->epitems);
	if (vn)
		vnode_get(vn);
	return f;
}

void file_get(struct file *f)
{
	__atomic_add_fetch(&f->refcount, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
	if (__atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	if (f->vn)
		fsnotify_close(f);
	if (!list_empty(&f->epitems))
		epoll_release_file(f);
	locks_release_file(f);
	locks_count_open(f, -1);
	if (f->ops->release)
		f->ops->release(f);
	if (f->vn)
		vnode_put(f->vn);
	kfree(f);
}

void file_close(struct file *f, struct fdtable *t)
{
	if (f->ops->flush)
		f->ops->flush(f);
	locks_remove_posix(f, t);
	file_put(f);
}

int file_anon_stat(struct file *f, struct linux_stat *st)
{
	(void)f;
	memset(st, 0, sizeof(*st));
	st->st_nlink = 1;
	st->st_mode = 0600;
	st->st_blksize = 4096;
	return 0;
}

void file_pos_lock(struct file *f)
{
	if (f->ops->seekable)
		mutex_lock(&f->pos_lock);
}

void file_pos_unlock(struct file *f)
{
	if (f->ops->seekable)
		mutex_unlock(&f->pos_lock);
}

void file_change_flags(struct file *f, u32 clear, u32 set)
{
	spin_lock(&f->lock);
	WRITE_ONCE(f->flags, (f->flags & ~clear) | set);
	spin_unlock(&f->lock);
}

struct fdtable *fdtable_create(void)
{
	struct fdtable *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	spin_init(&t->lock);
	t->size = 64;
	t->fds = kzalloc(t->size * sizeof(*t->fds));
	t->cloexec = kzalloc(t->size);
	if (!t->fds || !t->cloexec) {
		kfree(t->fds);
		kfree(t->cloexec);
		kfree(t);
		return NULL;
	}
	return t;
}

/* Make room for fd; t->lock held. */
static int grow_locked(struct fdtable *t, int fd)
{
	if (fd < t->size)
		return 0;
	if (fd >= FD_MAX_DEFAULT)
		return -EMFILE;
	int n = t->size;
	while (n <= fd)
		n *= 2;
	struct file **fds = kzalloc(n * sizeof(*fds));
	u8 *ce = kzalloc(n);
	if (!fds || !ce) {
		kfree(fds);
		kfree(ce);
		return -ENOMEM;
	}
	memcpy(fds, t->fds, t->size * sizeof(*fds));
	memcpy(ce, t->cloexec, t->size);
	kfree(t->fds);
	kfree(t->cloexec);
	t->fds = fds;
	t->cloexec = ce;
	t->size = n;
	return 0;
}

int fd_install(struct fdtable *t, struct file *f, int min, bool cloexec)
{
	int limit = rlimit_nofile();
	u64 fl = spin_lock_irqsave(&t->lock);
	int fd = min;

	while (fd < t->size && t->fds[fd])
		fd++;
	int ret = fd >= limit ? -EMFILE : grow_locked(t, fd);
	if (ret) {
		spin_unlock_irqrestore(&t->lock, fl);
		return ret;
	}
	t->fds[fd] = f;
	t->cloexec[fd] = cloexec;
	spin_unlock_irqrestore(&t->lock, fl);
	return fd;
}

struct file *fd_get(struct fdtable *t, int fd)
{
	struct file *f = NULL;
	u64 fl = spin_lock_irqsave(&t->lock);

	if (fd >= 0 && fd < t->size && t->fds[fd]) {
		f = t->fds[fd];
		file_get(f);
	}
	spin_unlock_irqrestore(&t->lock, fl);
	return f;
}

int fd_peek(struct fdtable *t, int fd, struct vnode **vn, struct linux_stat *st)
{
	u64 fl = spin_lock_irqsave(&t->lock);
	struct file *f = fd >= 0 && fd < t->size ? t->fds[fd] : NULL;

	if (f) {
		*vn = f->vn;
		if (f->vn)
			vnode_get(f->vn);
		else if (st && f->ops->stat)
			f->ops->stat(f, st); /* pipes and sockets: no locks */
	}
	spin_unlock_irqrestore(&t->lock, fl);
	return f ? 0 : -EBADF;
}

int fd_close(struct fdtable *t, int fd)
{
	u64 fl = spin_lock_irqsave(&t->lock);
	struct file *f = NULL;

	if (fd >= 0 && fd < t->size) {
		f = t->fds[fd];
		t->fds[fd] = NULL;
	}
	spin_unlock_irqrestore(&t->lock, fl);
	if (!f)
		return -EBADF;
	file_close(f, t);
	return 0;
}

int fd_dup2(struct fdtable *t, int oldfd, int newfd, bool cloexec)
{
	if (newfd < 0 || newfd >= rlimit_nofile())
		return -EBADF;
	u64 fl = spin_lock_irqsave(&t->lock);
	if (oldfd < 0 || oldfd >= t->size || !t->fds[oldfd]) {
		spin_unlock_irqrestore(&t->lock, fl);
		return -EBADF;
	}
	int ret = grow_locked(t, newfd);
	if (ret) {
		spin_unlock_irqrestore(&t->lock, fl);
		return ret;
	}
	struct file *old = t->fds[newfd];
	t->fds[newfd] = t->fds[oldfd];
	file_get(t->fds[newfd]);
	t->cloexec[newfd] = cloexec;
	spin_unlock_irqrestore(&t->lock, fl);
	if (old)
		file_close(old, t);
	return newfd;
}

int fd_install_console(struct fdtable *t)
{
	struct vnode *vn = NULL;

	vfs_lookup("/", "/dev/console", 0, &vn);
	struct file *f = file_alloc(&console_fops, vn, O_RDWR);
	if (vn)
		vnode_put(vn);
	if (!f)
		return -ENOMEM;
	for (int i = 0; i < 3; i++) {
		if (i)
			file_get(f);
		fd_install(t, f, i, false);
	}
	return 0;
}

int fd_get_cloexec(struct fdtable *t, int fd)
{
	u64 fl = spin_lock_irqsave(&t->lock);
	int ret = -EBADF;

	if (fd >= 0 && fd < t->size && t->fds[fd])
		ret = t->cloexec[fd];
	spin_unlock_irqrestore(&t->lock, fl);
	return ret;
}

int fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
	u64 fl = spin_lock_irqsave(&t->lock);
	int ret = -EBADF;

	if (fd >= 0 && fd < t->size && t->fds[fd]) {
		t->cloexec[fd] = on;
		ret = 0;
	}
	spin_unlock_irqrestore(&t->lock, fl);
	return ret;
}

int fd_close_range(struct fdtable *t, u32 first, u32 last, bool cloexec)
{
	for (u64 fd = first; fd <= last; fd++) {
		struct file *victim = NULL;
		u64 fl = spin_lock_irqsave(&t->lock);
		if (fd >= (u64)t->size) {
			spin_unlock_irqrestore(&t->lock, fl);
			break;
		}
		if (cloexec && t->fds[fd]) {
			t->cloexec[fd] = 1;
		} else if (t->fds[fd]) {
			victim = t->fds[fd];
			t->fds[fd] = NULL;
			t->cloexec[fd] = 0;
		}
		spin_unlock_irqrestore(&t->lock, fl);
		if (victim)
			file_close(victim, t);
	}
	return 0;
}

static ssize_t image_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	struct vnode *vn = f->vn;

	if (*pos >= vn->size)
		return 0;
	n = MIN(n, vn->size - *pos);
	if (copy_to_user(ubuf, vn->data + *pos, n))
		return -EFAULT;
	*pos += n;
	return n;
}

static ssize_t bad_rw(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	(void)f;
	(void)ubuf;
	(void)n;
	(void)pos;
	return -EBADF; /* image files open read-only; O_PATH files not at all */
}

/*
 * mmap of an image file: its data is page-aligned in the payload, so full
 * pages are mapped in place (payload pages are reserved: no refcount);
 * the last partial page is a fresh copy with the bytes past EOF zeroed.
 */
static int image_get_page(struct file *f, u64 pgoff, paddr_t *pa)
{
	struct vnode *vn = f->vn;
	u64 off = pgoff << PAGE_SHIFT;

	if (pgoff >= ALIGN_UP(vn->size, PAGE_SIZE) >> PAGE_SHIFT)
		return -EFAULT;
	const u8 *src = vn->data + off;
	if (IS_ALIGNED((u64)src, PAGE_SIZE) && vn->size - off >= PAGE_SIZE) {
		*pa = V2P(src);
		page_get(*pa);
		return 0;
	}
	paddr_t p = pmm_alloc_zeroed();
	if (!p)
		return -ENOMEM;
	memcpy(P2V(p), src, MIN(PAGE_SIZE, vn->size - off));
	*pa = p;
	return 0;
}

static const struct file_ops image_fops = {
	.read = image_read,
	.write = bad_rw,
	.get_page = image_get_page,
	.seekable = true,
};

static const struct file_ops path_fops = {
	.read = bad_rw,
	.write = bad_rw,
};

#define DIR_DYNAMIC (1ULL << 40) /* getdents positions of /proc entries */

struct dirent_buf {
	u8 *buf;
	size_t used, cap;
	u64 pos; /* position after the last entry stored */
};

/* Append one linux_dirent64; false when it does not fit. */
static bool emit(struct dirent_buf *b, const char *name, size_t nl, u64 ino,
		 u32 mode, u64 next)
{
	size_t reclen = ALIGN_UP(19 + nl + 1, 8);

	if (b->used + reclen > b->cap)
		return false;
	struct linux_dirent64 *d = (void *)(b->buf + b->used);
	memset(d, 0, reclen);
	d->d_ino = ino;
	d->d_off = next;
	d->d_reclen = reclen;
	d->d_type = (mode & S_IFMT) >> 12;
	memcpy(d->d_name, name, nl);
	b->used += reclen;
	b->pos = next;
	return true;
}

/* Fill b from position pos: ".", "..", the children by cookie, then the
 * dynamic entries of /proc directories (vfs_lock held). False when an
 * entry did not fit. */
static bool fill_dir_locked(struct vnode *dir, u64 pos, struct dirent_buf *b)
{
	struct vnode *parent = vnode_parent(dir) ? vnode_parent(dir) : dir;
	struct dentry *c;
	char name[VFS_NAME_MAX + 1];
	u32 mode;

	if (pos == 0 && !emit(b, ".", 1, dir->ino, S_IFDIR, 1))
		return false;
	if (pos <= 1 && !emit(b, "..", 2, parent->ino, S_IFDIR, 2))
		return false;
	list_for_each_entry(c, &dir->children, sibling)
	{
		if (c->cookie >= pos &&
		    !emit(b, c->name, c->namelen, c->vn->ino, c->vn->mode,
			  c->cookie + 1))
			return false;
	}
	if (!dir->vops || !dir->vops->readdir)
		return true;
	u64 i = pos > DIR_DYNAMIC ? pos - DIR_DYNAMIC : 0;
	for (; dir->vops->readdir(dir, &i, name, sizeof(name), &mode); i++) {
		u64 ino = (dir->ino << 20) + i + 1;
		if (!emit(b, name, strlen(name), ino, mode,
			  DIR_DYNAMIC + i + 1))
			return false;
	}
	return true;
}

/* getdents64: f->pos is the position cookie of the next entry. */
static int dir_getdents(struct file *f, u64 ubuf, size_t n)
{
	struct dirent_buf b = {.cap = MIN(n, 32768)};

	b.buf = kmalloc(b.cap ? b.cap : 1);
	if (!b.buf)
		return -ENOMEM;
	file_pos_lock(f);
	b.pos = f->pos;
	spin_lock(&vfs_lock);
	bool done = fill_dir_locked(f->vn, b.pos, &b);
	spin_unlock(&vfs_lock);
	int ret = b.used;
	if (!b.used && !done)
		ret = -EINVAL; /* the next entry does not fit */
	else if (b.used && copy_to_user(ubuf, b.buf, b.used))
		ret = -EFAULT;
	if (ret > 0)
		f->pos = b.pos;
	file_pos_unlock(f);
	kfree(b.buf);
	return ret;
}

static ssize_t dir_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	(void)f;
	(void)ubuf;
	(void)n;
	(void)pos;
	return -EISDIR;
}

static const struct file_ops dir_fops = {
	.read = dir_read,
	.getdents = dir_getdents,
	.seekable = true,
};

/* The ops for opening vn with flags into *ops, or -errno. */
static int open_ops(struct vnode *vn, u32 flags, const struct file_ops **ops)
{
	u32 acc = flags & O_ACCMODE;

	if (flags & O_PATH) {
		*ops = &path_fops;
	} else if (S_ISDIR(vn->mode)) {
		if (acc != O_RDONLY)
			return -EISDIR;
		*ops = &dir_fops;
	} else if (flags & O_DIRECTORY) {
		return -ENOTDIR;
	} else if (vn->fops) {
		if ((vn->flags & VN_PROC) && acc != O_RDONLY)
			return -EACCES;
		*ops = vn->fops;
	} else if (S_ISREG(vn->mode) && (vn->flags & VN_TMPFS)) {
		*ops = &tmpfs_fops;
	} else if (S_ISREG(vn->mode)) {
		if (acc != O_RDONLY || (flags & O_TRUNC))
			return -EROFS; /* the image's files are immutable */
		*ops = vn->zimg ? &zimage_fops : &image_fops;
	} else {
		return -ENXIO;
	}
	return 0;
}

int file_open_vnode(struct vnode *vn, u32 flags, struct file **out)
{
	const struct file_ops *ops;

	if ((vn->mode & S_IFMT) == S_IFIFO && !(flags & (O_PATH | O_DIRECTORY)))
		return pipe_fifo_open(
			vn, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC),
			out);
	int ret = open_ops(vn, flags, &ops);

	if (ret)
		return ret;
	struct file *f = file_alloc(
		ops, vn, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC));
	if (!f)
		return -ENOMEM;
	if (ops == &zimage_fops)
		zimage_open(vn->zimg); /* its release is zimage_fops' */
	locks_count_open(f, 1);
	ret = locks_break_lease(f);
	if (ret) {
		file_put(f);
		return ret;
	}
	if (vn->vops && vn->vops->generate && !(flags & O_PATH)) {
		ret = procfs_open_file(f);
		if (ret) {
			file_put(f);
			return ret;
		}
	}
	*out = f;
	return 0;
}

void file_fill_stat(struct vnode *vn, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = (vn->flags & VN_PROC) ? 3 : 1;
	st->st_ino = vn->ino;
	st->st_nlink = vn->nlink;
	st->st_mode = vn->mode;
	st->st_uid = vn->uid;
	st->st_gid = vn->gid;
	st->st_rdev = vn->rdev;
	st->st_size = S_ISDIR(vn->mode) ? 4096 : vn->size;
	st->st_blksize = 4096;
	st->st_blocks = ALIGN_UP((u64)st->st_size, 4096) / 512;
	spin_lock(&vn->lock);
	st->st_atime_sec = vn->atime_ns / NSEC_PER_SEC;
	st->st_atime_nsec = vn->atime_ns % NSEC_PER_SEC;
	st->st_mtime_sec = vn->mtime_ns / NSEC_PER_SEC;
	st->st_mtime_nsec = vn->mtime_ns % NSEC_PER_SEC;
	st->st_ctime_sec = vn->ctime_ns / NSEC_PER_SEC;
	st->st_ctime_nsec = vn->ctime_ns % NSEC_PER_SEC;
	spin_unlock(&vn->lock);
}
