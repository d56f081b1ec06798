// SPDX-License-Identifier: MIT
/*
 * struct file lifetime, fd tables (grown on demand up to FD_MAX_DEFAULT),
 * and the file ops of the image's regular files and directories.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "file.h"
#include "vfs.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"

struct file *file_alloc(const struct file_ops *ops, struct vnode *vn,
			u32 flags)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->refcount = 1;
	f->ops = ops;
	f->vn = vn;
	f->flags = flags;
	spin_init(&f->lock);
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
	if (f->ops->release)
		f->ops->release(f);
	kfree(f);
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
	u64 fl = spin_lock_irqsave(&t->lock);
	int fd = min;

	while (fd < t->size && t->fds[fd])
		fd++;
	int ret = grow_locked(t, fd);
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
	file_put(f);
	return 0;
}

int fd_dup2(struct fdtable *t, int oldfd, int newfd, bool cloexec)
{
	if (newfd < 0 || newfd >= FD_MAX_DEFAULT)
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
		file_put(old);
	return newfd;
}

int fd_install_console(struct fdtable *t)
{
	struct vnode *vn = NULL;

	vfs_lookup("/", "/dev/console", 0, &vn);
	struct file *f = file_alloc(&console_fops, vn, O_RDWR);
	if (!f)
		return -ENOMEM;
	for (int i = 0; i < 3; i++) {
		if (i)
			file_get(f);
		fd_install(t, f, i, false);
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

static ssize_t image_write(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	(void)f;
	(void)ubuf;
	(void)n;
	(void)pos;
	return -EBADF; /* opened read-only: the image is immutable */
}

static const struct file_ops image_fops = {
	.read = image_read,
	.write = image_write,
	.seekable = true,
};

static u8 dtype(u32 mode)
{
	return (mode & S_IFMT) >> 12;
}

/* getdents64: f->pos counts entries already returned (".", "..", kids). */
static int dir_getdents(struct file *f, u64 ubuf, size_t n)
{
	struct vnode *dir = f->vn, *c;
	u64 idx = 0, written = 0;
	u8 buf[280];

	spin_lock(&f->lock);
	u64 start = f->pos;
	struct vnode *dots[2] = {dir, dir->parent};
	const char *dotnames[2] = {".", ".."};
	struct list_head *it = dir->children.next;
	for (;; idx++) {
		struct vnode *vn;
		const char *name;
		if (idx < 2) {
			vn = dots[idx];
			name = dotnames[idx];
		} else {
			if (it == &dir->children)
				break;
			c = list_entry(it, struct vnode, sibling);
			it = it->next;
			vn = c;
			name = c->name;
		}
		if (idx < start)
			continue;
		size_t nl = strlen(name);
		size_t reclen = ALIGN_UP(19 + nl + 1, 8);
		if (written + reclen > n)
			break;
		struct linux_dirent64 *d = (void *)buf;
		memset(buf, 0, reclen);
		d->d_ino = vn->ino;
		d->d_off = idx + 1;
		d->d_reclen = reclen;
		d->d_type = dtype(vn->mode);
		memcpy(d->d_name, name, nl);
		if (copy_to_user(ubuf + written, buf, reclen)) {
			spin_unlock(&f->lock);
			return -EFAULT;
		}
		written += reclen;
		f->pos = idx + 1;
	}
	spin_unlock(&f->lock);
	if (!written && idx >= start && it != &dir->children)
		return -EINVAL; /* buffer too small for one entry */
	return written;
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

int file_open_vnode(struct vnode *vn, u32 flags, struct file **out)
{
	const struct file_ops *ops;

	if (S_ISDIR(vn->mode)) {
		if ((flags & O_ACCMODE) != O_RDONLY)
			return -EISDIR;
		ops = &dir_fops;
	} else if (vn->fops) {
		ops = vn->fops;
	} else if (S_ISREG(vn->mode)) {
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
			return -EROFS;
		ops = &image_fops;
	} else {
		return -ENXIO;
	}
	if ((flags & O_DIRECTORY) && !S_ISDIR(vn->mode))
		return -ENOTDIR;
	struct file *f = file_alloc(ops, vn, flags & ~(O_CREAT | O_EXCL |
						      O_TRUNC | O_CLOEXEC));
	if (!f)
		return -ENOMEM;
	*out = f;
	return 0;
}

void file_fill_stat(struct vnode *vn, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 1;
	st->st_ino = vn->ino;
	st->st_nlink = vn->nlink;
	st->st_mode = vn->mode;
	st->st_rdev = vn->rdev;
	st->st_size = vn->size;
	st->st_blksize = 4096;
	st->st_blocks = (vn->size + 511) / 512;
	st->st_mtime_sec = st->st_atime_sec = st->st_ctime_sec =
		vn->mtime_ns / 1000000000ULL;
}
