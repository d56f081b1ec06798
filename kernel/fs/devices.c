// SPDX-License-Identifier: MIT
/*
 * /dev: null, zero, full, random, urandom, console, tty; the tmpfs
 * directory /dev/shm; /dev/fd and /dev/std{in,out,err} as links into
 * /proc/self/fd.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "file.h"
#include "vfs.h"
#include "drivers/random.h"
#include "mm/uaccess.h"

static ssize_t null_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	(void)f;
	(void)ubuf;
	(void)n;
	(void)pos;
	return 0;
}

static ssize_t sink_write(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	(void)f;
	(void)ubuf;
	(void)pos;
	return n;
}

static ssize_t zero_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	(void)f;
	(void)pos;
	return clear_user(ubuf, n) ? -EFAULT : (ssize_t)n;
}

static ssize_t full_write(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	(void)f;
	(void)ubuf;
	(void)n;
	(void)pos;
	return -ENOSPC;
}

static ssize_t random_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	u8 tmp[256];
	size_t done = 0;
	(void)f;
	(void)pos;

	while (done < n) {
		size_t k = MIN(n - done, sizeof(tmp));
		random_bytes(tmp, k);
		if (copy_to_user(ubuf + done, tmp, k))
			return done ? (ssize_t)done : -EFAULT;
		done += k;
	}
	return done;
}

static const struct file_ops null_fops = {.read = null_read,
					  .write = sink_write};
static const struct file_ops zero_fops = {.read = zero_read,
					  .write = sink_write};
static const struct file_ops full_fops = {.read = zero_read,
					  .write = full_write};
static const struct file_ops random_fops = {.read = random_read,
					    .write = sink_write};

static void mkdev(struct vnode *dev, const char *name, u32 major, u32 minor,
		  const struct file_ops *ops)
{
	struct vnode *vn = vfs_mknode(dev, name, S_IFCHR | 0666);

	BUG_ON(!vn);
	vn->mode = S_IFCHR | 0666;
	vn->rdev = (major << 8) | minor;
	vn->fops = ops;
}

/* A symlink to a constant target (not freed: not VN_TMPFS). */
static void mklink(struct vnode *dev, const char *name, const char *target)
{
	struct vnode *vn = vfs_mknode(dev, name, S_IFLNK | 0777);

	BUG_ON(!vn || !S_ISLNK(vn->mode));
	vn->data = (const u8 *)target;
	vn->size = strlen(target);
}

void devices_init(void)
{
	struct vnode *dev = vfs_mknode(vfs_root, "dev", S_IFDIR | 0755);

	BUG_ON(!dev || !S_ISDIR(dev->mode));
	dev->flags |= VN_MOUNT;
	struct vnode *shm = vfs_mknode(dev, "shm", S_IFDIR | 01777);
	BUG_ON(!shm || !S_ISDIR(shm->mode));
	shm->flags |= VN_MOUNT;
	mklink(dev, "fd", "/proc/self/fd");
	mklink(dev, "stdin", "/proc/self/fd/0");
	mklink(dev, "stdout", "/proc/self/fd/1");
	mklink(dev, "stderr", "/proc/self/fd/2");
	mkdev(dev, "null", 1, 3, &null_fops);
	mkdev(dev, "zero", 1, 5, &zero_fops);
	mkdev(dev, "full", 1, 7, &full_fops);
	mkdev(dev, "random", 1, 8, &random_fops);
	mkdev(dev, "urandom", 1, 9, &random_fops);
	mkdev(dev, "console", 5, 1, &console_fops);
	mkdev(dev, "tty", 5, 0, &console_fops);
}
