// SPDX-License-Identifier: MIT
/*
 * File syscalls: argument decoding and checks only; the mechanism is in
 * fs/ (vfs.c, file.c, console.c, devices.c).
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "syscall.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "proc/proc.h"

#define AT_FDCWD -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EMPTY_PATH 0x1000
#define PATH_MAX 4096
#define IOV_MAX 1024

struct iovec {
	u64 base;
	u64 len;
};

static struct fdtable *files(void)
{
	return current->proc->files;
}

/* Copy a user path into a kmalloc'd buffer. */
static long get_path(u64 upath, char **out)
{
	char *buf = kmalloc(PATH_MAX);

	if (!buf)
		return -ENOMEM;
	long n = strncpy_from_user(buf, upath, PATH_MAX);
	if (n < 0) {
		kfree(buf);
		return n;
	}
	*out = buf;
	return n;
}

/* Resolve (dirfd, path) to a vnode; only AT_FDCWD or absolute paths and
 * directory fds are supported. */
static int lookup_at(int dirfd, u64 upath, int flags, struct vnode **out)
{
	char *path, cwdbuf[256];
	const char *cwd = current->proc->cwd;
	long n = get_path(upath, &path);

	if (n < 0)
		return n;
	if (n == 0 && !(flags & AT_EMPTY_PATH)) {
		kfree(path);
		return -ENOENT;
	}
	int ret = 0;
	if (path[0] != '/' && dirfd != AT_FDCWD) {
		struct file *d = fd_get(files(), dirfd);
		if (!d) {
			ret = -EBADF;
			goto out;
		}
		if (n == 0) { /* AT_EMPTY_PATH: the fd itself */
			*out = d->vn;
			file_put(d);
			ret = *out ? 0 : -EBADF;
			goto out;
		}
		ret = d->vn && S_ISDIR(d->vn->mode)
			      ? vfs_path_of(d->vn, cwdbuf, sizeof(cwdbuf))
			      : -ENOTDIR;
		file_put(d);
		if (ret)
			goto out;
		cwd = cwdbuf;
	}
	ret = vfs_lookup(cwd, path,
			 (flags & AT_SYMLINK_NOFOLLOW) ? LOOKUP_NOFOLLOW : 0,
			 out);
out:
	kfree(path);
	return ret;
}

static long do_open(int dirfd, u64 upath, u64 flags, u64 mode)
{
	struct vnode *vn;
	struct file *f;
	(void)mode;

	int ret = lookup_at(dirfd, upath,
			    (flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0,
			    &vn);
	if (ret == -ENOENT && (flags & O_CREAT))
		return -EROFS; /* no writable filesystem yet */
	if (ret)
		return ret;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if ((flags & O_NOFOLLOW) && S_ISLNK(vn->mode))
		return -ELOOP;
	ret = file_open_vnode(vn, flags, &f);
	if (ret)
		return ret;
	int fd = fd_install(files(), f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

long sys_open(u64 path, u64 flags, u64 mode, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_open(AT_FDCWD, path, flags, mode);
}

long sys_openat(u64 dirfd, u64 path, u64 flags, u64 mode, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	return do_open((int)dirfd, path, flags, mode);
}

long sys_close(u64 fd, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return fd_close(files(), (int)fd);
}

/* read/write at the file position (or at *at when at != NULL). */
static long do_rw(int fd, u64 buf, u64 len, bool write, u64 *at)
{
	struct file *f = fd_get(files(), fd);
	long ret;

	if (!f)
		return -EBADF;
	u32 acc = f->flags & O_ACCMODE;
	if ((write && acc == O_RDONLY) || (!write && acc == O_WRONLY)) {
		ret = -EBADF;
		goto out;
	}
	if ((s64)len < 0) {
		ret = -EINVAL;
		goto out;
	}
	if (at && !f->ops->seekable) {
		ret = -ESPIPE;
		goto out;
	}
	ssize_t (*op)(struct file *, u64, size_t, u64 *) =
		write ? f->ops->write : f->ops->read;
	if (!op) {
		ret = -EINVAL;
		goto out;
	}
	u64 pos = at ? *at : f->pos;
	ret = op(f, buf, len, &pos);
	if (!at && ret > 0)
		f->pos = pos;
out:
	file_put(f);
	return ret;
}

long sys_read(u64 fd, u64 buf, u64 len, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_rw((int)fd, buf, len, false, NULL);
}

long sys_write(u64 fd, u64 buf, u64 len, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_rw((int)fd, buf, len, true, NULL);
}

long sys_pread64(u64 fd, u64 buf, u64 len, u64 off, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	if ((s64)off < 0)
		return -EINVAL;
	return do_rw((int)fd, buf, len, false, &off);
}

static long do_rwv(int fd, u64 uiov, u64 cnt, bool write)
{
	struct iovec iov;
	long total = 0;

	if (cnt > IOV_MAX)
		return -EINVAL;
	for (u64 i = 0; i < cnt; i++) {
		if (copy_from_user(&iov, uiov + i * sizeof(iov), sizeof(iov)))
			return total ? total : -EFAULT;
		if (!iov.len)
			continue; /* zero-length entries may be NULL */
		long n = do_rw(fd, iov.base, iov.len, write, NULL);
		if (n < 0)
			return total ? total : n;
		total += n;
		if ((u64)n < iov.len)
			break;
	}
	return total;
}

long sys_readv(u64 fd, u64 iov, u64 cnt, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_rwv((int)fd, iov, cnt, false);
}

long sys_writev(u64 fd, u64 iov, u64 cnt, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_rwv((int)fd, iov, cnt, true);
}

long sys_lseek(u64 fd, u64 off, u64 whence, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct file *f = fd_get(files(), (int)fd);
	long ret;

	if (!f)
		return -EBADF;
	if (!f->ops->seekable) {
		file_put(f);
		return -ESPIPE;
	}
	spin_lock(&f->lock);
	s64 base = whence == 0 ? 0
		   : whence == 1 ? (s64)f->pos
		   : whence == 2 ? (s64)(f->vn ? f->vn->size : 0)
				 : -1;
	if (whence > 2 || base < 0)
		ret = -EINVAL;
	else if (base + (s64)off < 0)
		ret = -EINVAL;
	else
		ret = f->pos = base + (s64)off;
	spin_unlock(&f->lock);
	file_put(f);
	return ret;
}

static long stat_vnode(struct vnode *vn, u64 ust)
{
	struct linux_stat st;

	file_fill_stat(vn, &st);
	return copy_to_user(ust, &st, sizeof(st));
}

long sys_fstat(u64 fd, u64 ust, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f = fd_get(files(), (int)fd);
	long ret;

	if (!f)
		return -EBADF;
	if (f->vn) {
		ret = stat_vnode(f->vn, ust);
	} else {
		struct linux_stat st = {0};
		st.st_mode = S_IFIFO | 0600;
		st.st_blksize = 4096;
		ret = copy_to_user(ust, &st, sizeof(st));
	}
	file_put(f);
	return ret;
}

long sys_newfstatat(u64 dirfd, u64 path, u64 ust, u64 flags, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct vnode *vn;

	if (flags & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800))
		return -EINVAL;
	if (flags & AT_EMPTY_PATH) {
		char c;
		if (copy_from_user(&c, path, 1))
			return -EFAULT;
		if (!c)
			return sys_fstat(dirfd, ust, 0, 0, 0, 0);
	}
	int ret = lookup_at((int)dirfd, path, (int)flags, &vn);
	return ret ? ret : stat_vnode(vn, ust);
}

long sys_stat(u64 path, u64 ust, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_newfstatat((u64)AT_FDCWD, path, ust, 0, 0, 0);
}

long sys_lstat(u64 path, u64 ust, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_newfstatat((u64)AT_FDCWD, path, ust, AT_SYMLINK_NOFOLLOW, 0,
			      0);
}

long sys_faccessat2(u64 dirfd, u64 path, u64 mode, u64 flags, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct vnode *vn;

	if (mode & ~7u)
		return -EINVAL;
	int ret = lookup_at((int)dirfd, path, (int)flags, &vn);
	if (ret)
		return ret;
	/* root may read and write anything; the image itself is read-only */
	if ((mode & 2) && !vn->fops && !S_ISDIR(vn->mode))
		return -EROFS;
	if ((mode & 1) && !S_ISDIR(vn->mode) && !(vn->mode & 0111))
		return -EACCES;
	return 0;
}

long sys_faccessat(u64 dirfd, u64 path, u64 mode, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return sys_faccessat2(dirfd, path, mode, 0, 0, 0);
}

long sys_access(u64 path, u64 mode, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_faccessat2((u64)AT_FDCWD, path, mode, 0, 0, 0);
}

long sys_readlinkat(u64 dirfd, u64 path, u64 buf, u64 size, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct vnode *vn;
	char *p;

	if ((s64)size <= 0)
		return -EINVAL;
	long n = get_path(path, &p);
	if (n < 0)
		return n;
	if (!strcmp(p, "/proc/self/exe")) {
		const char *exe = current->proc->exe;
		size_t len = MIN(strlen(exe), size);
		kfree(p);
		return copy_to_user(buf, exe, len) ? -EFAULT : (long)len;
	}
	kfree(p);
	int ret = lookup_at((int)dirfd, path, AT_SYMLINK_NOFOLLOW, &vn);
	if (ret)
		return ret;
	if (!S_ISLNK(vn->mode))
		return -EINVAL;
	size_t len = MIN(vn->size, size);
	return copy_to_user(buf, vn->data, len) ? -EFAULT : (long)len;
}

long sys_readlink(u64 path, u64 buf, u64 size, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return sys_readlinkat((u64)AT_FDCWD, path, buf, size, 0, 0);
}

long sys_getcwd(u64 buf, u64 size, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	const char *cwd = current->proc->cwd;
	size_t len = strlen(cwd) + 1;

	if (size < len)
		return -ERANGE;
	return copy_to_user(buf, cwd, len) ? -EFAULT : (long)len;
}

long sys_chdir(u64 path, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct vnode *vn;
	char buf[256];
	int ret = lookup_at(AT_FDCWD, path, 0, &vn);

	if (ret)
		return ret;
	if (!S_ISDIR(vn->mode))
		return -ENOTDIR;
	ret = vfs_path_of(vn, buf, sizeof(buf));
	if (ret)
		return ret;
	strlcpy(current->proc->cwd, buf, sizeof(current->proc->cwd));
	return 0;
}

long sys_getdents64(u64 fd, u64 buf, u64 size, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct file *f = fd_get(files(), (int)fd);

	if (!f)
		return -EBADF;
	long ret = f->ops->getdents ? f->ops->getdents(f, buf, size)
				    : -ENOTDIR;
	file_put(f);
	return ret;
}

long sys_ioctl(u64 fd, u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct file *f = fd_get(files(), (int)fd);

	if (!f)
		return -EBADF;
	long ret = -ENOTTY;
	if ((u32)cmd == 0x5421) { /* FIONBIO */
		int on;
		ret = get_user(on, arg);
		if (!ret)
			f->flags = on ? f->flags | O_NONBLOCK
				      : f->flags & ~O_NONBLOCK;
	} else if ((u32)cmd == 0x5451 || (u32)cmd == 0x5450) {
		ret = 0; /* FIOCLEX/FIONCLEX: handled by fcntl semantics */
	} else if (f->ops->ioctl) {
		ret = f->ops->ioctl(f, (u32)cmd, arg);
	}
	file_put(f);
	return ret;
}

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1

long sys_fcntl(u64 fd, u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct fdtable *t = files();
	struct file *f = fd_get(t, (int)fd);
	long ret = 0;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if ((s64)arg < 0 || arg >= FD_MAX_DEFAULT) {
			ret = -EINVAL;
			break;
		}
		file_get(f);
		ret = fd_install(t, f, (int)arg, cmd == F_DUPFD_CLOEXEC);
		if (ret < 0)
			file_put(f);
		break;
	case F_GETFD:
		ret = t->cloexec[fd] ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		t->cloexec[fd] = arg & FD_CLOEXEC;
		break;
	case F_GETFL:
		ret = f->flags;
		break;
	case F_SETFL:
		f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) |
			   (arg & (O_APPEND | O_NONBLOCK));
		break;
	default:
		ret = -EINVAL;
	}
	file_put(f);
	return ret;
}

long sys_dup(u64 fd, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f = fd_get(files(), (int)fd);

	if (!f)
		return -EBADF;
	int nfd = fd_install(files(), f, 0, false);
	if (nfd < 0)
		file_put(f);
	return nfd;
}

long sys_dup3(u64 oldfd, u64 newfd, u64 flags, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	if (flags & ~(u64)O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	return fd_dup2(files(), (int)oldfd, (int)newfd, flags & O_CLOEXEC);
}

long sys_dup2(u64 oldfd, u64 newfd, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (oldfd == newfd) {
		struct file *f = fd_get(files(), (int)oldfd);
		if (!f)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return fd_dup2(files(), (int)oldfd, (int)newfd, false);
}
