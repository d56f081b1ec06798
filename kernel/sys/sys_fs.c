// SPDX-License-Identifier: MIT
/*
 * File syscalls: argument decoding and checks only; the mechanism is in
 * fs/ (vfs.c: lookup; tmpfs.c: namespace changes and file contents;
 * file.c: open files and fd tables; procfs.c, console.c, devices.c).
 * Paths relative to a dirfd start from that directory's vnode; relative
 * to the cwd, from the vnode the cwd string names.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "syscall.h"
#include "sys_fs.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/fsnotify.h"
#include "fs/locks.h"
#include "fs/memfd.h"
#include "fs/pipe.h"
#include "fs/uio.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include <uapi/fcntl.h>
#include <uapi/mman.h>

static struct fdtable *files(void)
{
	return current->proc->files;
}

long fsarg_copy_path(u64 upath, char **out)
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

/* The directory a path starts from: referenced, or NULL for the root. */
static int base_dir(int dirfd, const char *path, struct vnode **out)
{
	*out = NULL;
	if (path[0] == '/')
		return 0;
	if (dirfd == AT_FDCWD)
		return vfs_lookup_at(NULL, current->proc->cwd, LOOKUP_NOPERM,
				     out);
	struct file *d = fd_get(files(), dirfd);
	if (!d)
		return -EBADF;
	int ret = -ENOTDIR;
	if (d->vn && S_ISDIR(d->vn->mode)) {
		vnode_get(d->vn);
		*out = d->vn;
		ret = 0;
	}
	file_put(d);
	return ret;
}

int fsarg_get(int dirfd, u64 uptr, struct fsarg_path *p)
{
	long n = fsarg_copy_path(uptr, &p->path);

	if (n < 0)
		return n;
	int ret = n ? base_dir(dirfd, p->path, &p->base) : -ENOENT;
	if (ret)
		kfree(p->path);
	return ret;
}

void fsarg_put(struct fsarg_path *p)
{
	if (p->base)
		vnode_put(p->base);
	kfree(p->path);
}

int fsarg_fd_vnode(int fd, struct vnode **out)
{
	if (fd == AT_FDCWD)
		return vfs_lookup_at(NULL, current->proc->cwd, LOOKUP_NOPERM,
				     out);
	struct file *f = fd_get(files(), fd);
	if (!f)
		return -EBADF;
	int ret = f->vn ? 0 : -EBADF;
	if (f->vn) {
		vnode_get(f->vn);
		*out = f->vn;
	}
	file_put(f);
	return ret;
}

/* With AT_EMPTY_PATH an empty path names dirfd itself. */
int fsarg_lookup(int dirfd, u64 upath, int flags, struct vnode **out)
{
	char *path;
	struct vnode *base;
	long n = fsarg_copy_path(upath, &path);

	if (n < 0)
		return n;
	int ret = -ENOENT;
	if (n == 0 && (flags & AT_EMPTY_PATH))
		ret = fsarg_fd_vnode(dirfd, out);
	else if (n && !(ret = base_dir(dirfd, path, &base))) {
		ret = vfs_lookup_at(
			base, path,
			(flags & AT_SYMLINK_NOFOLLOW) ? LOOKUP_NOFOLLOW : 0,
			out);
		if (base)
			vnode_put(base);
	}
	kfree(path);
	return ret;
}

u32 fsarg_mode(u64 mode)
{
	return mode & 07777 & ~current->proc->umask;
}

static long do_open(int dirfd, u64 upath, u64 flags, u64 mode)
{
	struct fsarg_path p;
	struct file *f;
	int ret = fsarg_get(dirfd, upath, &p);

	if (ret)
		return ret;
	ret = vfs_open(p.base, p.path, flags, fsarg_mode(mode), &f);
	fsarg_put(&p);
	if (ret)
		return ret;
	int fd = fd_install(files(), f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

long sys_creat(u64 path, u64 mode, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
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

/* The file behind fd if it may be read (written), or NULL and *err. */
static struct file *rw_file(int fd, bool write, u64 *at, long *err)
{
	struct file *f = fd_get(files(), fd);

	*err = -EBADF;
	if (!f)
		return NULL;
	/* positional I/O on a pipe is ESPIPE whichever end (Linux checks
	 * FMODE_PREAD/PWRITE before the access mode) */
	*err = -ESPIPE;
	if (at && !f->ops->seekable && !(f->flags & O_PATH))
		goto fail;
	*err = -EBADF;
	u32 acc = f->flags & O_ACCMODE;
	if ((write && acc == O_RDONLY) || (!write && acc == O_WRONLY))
		goto fail;
	*err = -EINVAL;
	if (!(write ? f->ops->write : f->ops->read))
		goto fail;
	return f;
fail:
	file_put(f);
	return NULL;
}

/* read/write at the file position (or at *at when at != NULL). */
static long do_rw(int fd, u64 buf, u64 len, bool write, u64 *at)
{
	long ret;
	struct file *f = rw_file(fd, write, at, &ret);

	if (!f)
		return ret;
	if ((s64)len < 0) {
		file_put(f);
		return -EINVAL;
	}
	if (!at)
		file_pos_lock(f);
	u64 pos = at ? *at : f->pos;
	ret = (write ? f->ops->write : f->ops->read)(f, buf, len, &pos);
	if (!at) {
		if (ret > 0)
			f->pos = pos;
		file_pos_unlock(f);
	}
	if (ret > 0)
		fsnotify_file(f, write ? IN_MODIFY : IN_ACCESS);
	file_put(f);
	return ret;
}

long sys_put_copy_files(struct file *a, struct file *b, long ret)
{
	if (ret > 0) {
		fsnotify_file(a, IN_ACCESS);
		fsnotify_file(b, IN_MODIFY);
	}
	if (a)
		file_put(a);
	if (b)
		file_put(b);
	return ret;
}

int copy_offsets_in(struct copy_offsets *o, u64 uin, u64 uout)
{
	*o = (struct copy_offsets){.uin = uin, .uout = uout};
	if ((uin && copy_from_user(&o->in, uin, sizeof(o->in))) ||
	    (uout && copy_from_user(&o->out, uout, sizeof(o->out))))
		return -EFAULT;
	o->pin = uin ? &o->in : NULL;
	o->pout = uout ? &o->out : NULL;
	return 0;
}

long copy_offsets_out(const struct copy_offsets *o, long ret)
{
	if (ret > 0 &&
	    ((o->uin && copy_to_user(o->uin, &o->in, sizeof(o->in))) ||
	     (o->uout && copy_to_user(o->uout, &o->out, sizeof(o->out)))))
		return -EFAULT;
	return ret;
}

long sys_sendfile(u64 out_fd, u64 in_fd, u64 uoff, u64 count, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct file *out = fd_get(files(), (int)out_fd);
	struct file *in = fd_get(files(), (int)in_fd);
	u64 off = 0;
	long ret = -EBADF;

	if (!in || !out)
		goto done;
	ret = -EFAULT;
	if (uoff && copy_from_user(&off, uoff, sizeof(off)))
		goto done;
	ret = -EINVAL;
	if ((s64)off < 0 || (s64)count < 0)
		goto done;
	ret = file_sendfile(out, in, uoff ? &off : NULL, count);
	if (uoff && ret >= 0 && copy_to_user(uoff, &off, sizeof(off)))
		ret = -EFAULT;
done:
	return sys_put_copy_files(in, out, ret);
}

long sys_copy_file_range(u64 fd_in, u64 uoff_in, u64 fd_out, u64 uoff_out,
			 u64 len, u64 flags)
{
	struct file *in = fd_get(files(), (int)fd_in);
	struct file *out = fd_get(files(), (int)fd_out);
	struct copy_offsets o;
	long ret = -EBADF;

	if (!in || !out)
		goto done;
	ret = copy_offsets_in(&o, uoff_in, uoff_out);
	if (ret)
		goto done;
	ret = -EINVAL;
	if (flags || (s64)o.in < 0 || (s64)o.out < 0)
		goto done;
	ret = copy_offsets_out(&o,
			       file_copy_range(in, o.pin, out, o.pout, len));
done:
	return sys_put_copy_files(in, out, ret);
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

long sys_pwrite64(u64 fd, u64 buf, u64 len, u64 off, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	if ((s64)off < 0)
		return -EINVAL;
	return do_rw((int)fd, buf, len, true, &off);
}

/* A writev into a regular file that reached RLIMIT_FSIZE stops there:
 * Linux checks the whole length once, shortening it without a second
 * SIGXFSZ. */
static bool fsize_reached(struct file *f, u64 pos)
{
	return f->vn && S_ISREG(f->vn->mode) && pos >= rlimit_cur(RLIMIT_FSIZE);
}

/* Without read_iter/write_iter: one read/write per iovec entry. */
static long rwv_each(struct file *f, const struct kiovec *iov, u32 cnt,
		     bool write, u64 *pos)
{
	ssize_t (*op)(struct file *, u64, size_t, u64 *) =
		write ? f->ops->write : f->ops->read;
	long total = 0;

	for (u32 i = 0; i < cnt; i++) {
		if (!iov[i].len)
			continue; /* zero-length entries may be NULL */
		if (write && total && fsize_reached(f, *pos))
			break;
		long n = op(f, iov[i].base, iov[i].len, pos);
		if (n < 0)
			return total ? total : n;
		total += n;
		if ((u64)n < iov[i].len)
			break;
	}
	return total;
}

/* readv/writev at the file position, or at *at (preadv/pwritev). */
static long do_rwv(int fd, u64 uiov, u64 cnt, bool write, u64 *at)
{
	struct kiovec stack[UIO_STACK], *iov;
	struct uio u;
	long ret;
	struct file *f = rw_file(fd, write, at, &ret);

	if (!f)
		return ret;
	ret = uio_import(uiov, cnt, stack, &iov, &u);
	if (!ret) {
		ssize_t (*iter)(struct file *, struct uio *, u64 *) =
			write ? f->ops->write_iter : f->ops->read_iter;
		if (!at)
			file_pos_lock(f);
		u64 pos = at ? *at : f->pos;
		ret = iter ? iter(f, &u, &pos)
			   : rwv_each(f, iov, u.cnt, write, &pos);
		if (!at) {
			if (ret > 0)
				f->pos = pos;
			file_pos_unlock(f);
		}
	}
	if (ret > 0)
		fsnotify_file(f, write ? IN_MODIFY : IN_ACCESS);
	uio_iov_free(iov, stack);
	file_put(f);
	return ret;
}

long sys_readv(u64 fd, u64 iov, u64 cnt, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_rwv((int)fd, iov, cnt, false, NULL);
}

long sys_writev(u64 fd, u64 iov, u64 cnt, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_rwv((int)fd, iov, cnt, true, NULL);
}

#define RWF_HIPRI  0x01
#define RWF_DSYNC  0x02
#define RWF_SYNC   0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10

/*
 * preadv2/pwritev2 (and preadv/pwritev with flags 0): at pos_l, or at the
 * file position when pos_l is -1 (the *2 forms only). On x86_64 pos_h is
 * not used: pos_l holds the whole offset, as in Linux's pos_from_hilo.
 */
static long do_prwv2(u64 fd, u64 iov, u64 cnt, u64 pos_l, u64 flags, bool write,
		     bool v2)
{
	u64 pos = pos_l;

	if (flags & ~(u64)(RWF_HIPRI | RWF_DSYNC | RWF_SYNC))
		return -EOPNOTSUPP; /* NOWAIT and APPEND are not supported */
	if (v2 && (s64)pos == -1)
		return do_rwv((int)fd, iov, cnt, write, NULL);
	if ((s64)pos < 0)
		return -EINVAL;
	return do_rwv((int)fd, iov, cnt, write, &pos);
}

long sys_preadv(u64 fd, u64 iov, u64 cnt, u64 pos_l, u64 pos_h, u64 a5)
{
	(void)pos_h, (void)a5;
	return do_prwv2(fd, iov, cnt, pos_l, 0, false, false);
}

long sys_pwritev(u64 fd, u64 iov, u64 cnt, u64 pos_l, u64 pos_h, u64 a5)
{
	(void)pos_h, (void)a5;
	return do_prwv2(fd, iov, cnt, pos_l, 0, true, false);
}

long sys_preadv2(u64 fd, u64 iov, u64 cnt, u64 pos_l, u64 pos_h, u64 flags)
{
	(void)pos_h;
	return do_prwv2(fd, iov, cnt, pos_l, flags, false, true);
}

long sys_pwritev2(u64 fd, u64 iov, u64 cnt, u64 pos_l, u64 pos_h, u64 flags)
{
	(void)pos_h;
	return do_prwv2(fd, iov, cnt, pos_l, flags, true, true);
}

#define POSIX_FADV_NOREUSE 5

/* fadvise64: advice is checked and ignored (files live in memory). */
long sys_fadvise64(u64 fd, u64 off, u64 len, u64 advice, u64 a4, u64 a5)
{
	(void)off, (void)a4, (void)a5;
	struct file *f = fd_get(files(), (int)fd);

	if (!f)
		return -EBADF;
	long ret = 0;
	if (!f->vn || !f->ops->seekable)
		ret = -ESPIPE; /* pipes, sockets */
	else if ((s64)len < 0 || (u32)advice > POSIX_FADV_NOREUSE ||
		 advice >> 32)
		ret = -EINVAL;
	file_put(f);
	return ret;
}

/* fallocate: tmpfs files (modes 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE). */
long sys_fallocate(u64 fd, u64 mode, u64 off, u64 len, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct file *f = fd_get(files(), (int)fd);

	if (!f)
		return -EBADF;
	long ret;
	if ((s64)off < 0 || (s64)len <= 0)
		ret = -EINVAL;
	else if ((mode & ~(u64)(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) ||
		 ((mode & FALLOC_FL_PUNCH_HOLE) &&
		  !(mode & FALLOC_FL_KEEP_SIZE)))
		ret = -EOPNOTSUPP; /* tmpfs has only these two */
	else if ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_PATH))
		ret = -EBADF;
	else if (!f->vn)
		ret = -ESPIPE; /* pipes; sockets and the like would be ENODEV */
	else if (S_ISDIR(f->vn->mode))
		ret = -EISDIR;
	else if (!S_ISREG(f->vn->mode))
		ret = -ENODEV;
	else
		ret = vfs_fallocate(f->vn, (u32)mode, off, len);
	if (!ret)
		fsnotify_file(f, IN_MODIFY);
	file_put(f);
	return ret;
}

#define SEEK_DATA 3
#define SEEK_HOLE 4

long sys_lseek(u64 fd, u64 off, u64 whence, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct file *f = fd_get(files(), (int)fd);
	s64 size, base, ret;

	if (!f)
		return -EBADF;
	if (!f->ops->seekable) {
		file_put(f);
		return -ESPIPE;
	}
	size = f->vn ? (s64)READ_ONCE(f->vn->size) : 0;
	file_pos_lock(f);
	switch (whence) {
	case 0:
		base = 0;
		break;
	case 1:
		base = f->pos;
		break;
	case 2:
		base = size;
		break;
	case SEEK_DATA: /* no holes reported: data runs to EOF */
	case SEEK_HOLE:
		base = 0;
		if ((s64)off >= size)
			base = -ENXIO;
		else if (whence == SEEK_HOLE)
			off = size;
		break;
	default:
		base = -EINVAL;
	}
	if (base < 0)
		ret = base;
	else if ((s64)off > 0 && base > INT64_MAX - (s64)off)
		ret = -EOVERFLOW;
	else if (base + (s64)off < 0)
		ret = -EINVAL;
	else
		ret = f->pos = base + (s64)off;
	file_pos_unlock(f);
	file_put(f);
	return ret;
}

int fsarg_stat_fd(int fd, struct linux_stat *st)
{
	struct file *f = fd_get(files(), fd);
	int ret = 0;

	if (!f)
		return -EBADF;
	if (f->vn) {
		file_fill_stat(f->vn, st);
	} else if (f->ops->stat) {
		ret = f->ops->stat(f, st);
	} else {
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFIFO | 0600;
		st->st_blksize = 4096;
	}
	file_put(f);
	return ret;
}

int fsarg_stat_at(int dirfd, u64 upath, u64 flags, struct linux_stat *st)
{
	struct vnode *vn;

	if (flags & AT_EMPTY_PATH) {
		char c;
		if (copy_from_user(&c, upath, 1))
			return -EFAULT;
		if (!c && dirfd != AT_FDCWD)
			return fsarg_stat_fd(dirfd, st);
	}
	int ret = fsarg_lookup(dirfd, upath, (int)flags, &vn);
	if (ret)
		return ret;
	file_fill_stat(vn, st);
	vnode_put(vn);
	return 0;
}

long sys_fstat(u64 fd, u64 ust, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct linux_stat st;
	int ret = fsarg_stat_fd((int)fd, &st);

	return ret ? ret : copy_to_user(ust, &st, sizeof(st));
}

long sys_newfstatat(u64 dirfd, u64 path, u64 ust, u64 flags, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct linux_stat st;

	if (flags &
	    ~(u64)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	int ret = fsarg_stat_at((int)dirfd, path, flags, &st);
	return ret ? ret : copy_to_user(ust, &st, sizeof(st));
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

/* No one may write to the image's files or to /proc; otherwise the
 * permission bits decide (root: everything but executing a file without
 * any x bit). */
static int may_access(struct vnode *vn, u64 mode)
{
	if (mode & 2) {
		if (vn->flags & (VN_PROC | VN_NOCREATE))
			return -EACCES;
		if (S_ISREG(vn->mode) && !(vn->flags & VN_TMPFS) && !vn->fops)
			return -EROFS;
	}
	return mode ? vfs_permission(vn, (int)mode) : 0;
}

long sys_faccessat2(u64 dirfd, u64 path, u64 mode, u64 flags, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct vnode *vn;

	if (mode & ~7u)
		return -EINVAL;
	if (flags & ~(u64)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct fs_cred real;
	if (!(flags & AT_EACCESS))
		cred_override_access(&real); /* the lookup uses them too */
	int ret = fsarg_lookup((int)dirfd, path, (int)flags, &vn);
	if (!ret) {
		ret = may_access(vn, mode);
		vnode_put(vn);
	}
	cred_revert();
	return ret;
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

	if ((s64)size <= 0)
		return -EINVAL;
	int ret = fsarg_lookup((int)dirfd, path, AT_SYMLINK_NOFOLLOW, &vn);
	if (ret)
		return ret;
	char *k = kmalloc(PATH_MAX);
	ret = k ? vfs_readlink(vn, k, MIN(size, PATH_MAX)) : -ENOMEM;
	vnode_put(vn);
	if (ret > 0 && copy_to_user(buf, k, ret))
		ret = -EFAULT;
	kfree(k);
	return ret;
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

/* Make vn (a directory) the cwd. */
static int set_cwd(struct vnode *vn)
{
	char buf[sizeof(current->proc->cwd)];

	if (!S_ISDIR(vn->mode))
		return -ENOTDIR;
	int ret = vfs_permission(vn, MAY_EXEC);
	if (ret)
		return ret;
	ret = vfs_path_of(vn, buf, sizeof(buf));
	if (ret)
		return ret == -ERANGE ? -ENAMETOOLONG : ret;
	if (vn->flags & VN_DELETED)
		return -ENOENT;
	strlcpy(current->proc->cwd, buf, sizeof(current->proc->cwd));
	return 0;
}

long sys_chdir(u64 path, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct vnode *vn;
	int ret = fsarg_lookup(AT_FDCWD, path, 0, &vn);

	if (ret)
		return ret;
	ret = set_cwd(vn);
	vnode_put(vn);
	return ret;
}

long sys_fchdir(u64 fd, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct vnode *vn;
	int ret = fsarg_fd_vnode((int)fd, &vn);

	if (ret)
		return ret;
	ret = set_cwd(vn);
	vnode_put(vn);
	return ret;
}

long sys_getdents64(u64 fd, u64 buf, u64 size, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct file *f = fd_get(files(), (int)fd);

	if (!f)
		return -EBADF;
	long ret = f->ops->getdents ? f->ops->getdents(f, buf, size) : -ENOTDIR;
	if (f->ops->getdents && f->vn && !(f->vn->flags & VN_DELETED))
		fsnotify_file(f, IN_ACCESS); /* whatever came of it, as Linux */
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
			file_change_flags(f, O_NONBLOCK, on ? O_NONBLOCK : 0);
	} else if ((u32)cmd == 0x5451 || (u32)cmd == 0x5450) {
		/* FIOCLEX / FIONCLEX */
		ret = fd_set_cloexec(files(), (int)fd, (u32)cmd == 0x5451);
	} else if (f->ops->ioctl) {
		ret = f->ops->ioctl(f, (u32)cmd, arg);
	}
	file_put(f);
	return ret;
}

/* A struct flock's range into r (Linux's flock64_to_posix_lock). */
static int flock_range(struct file *f, const struct linux_flock *fl,
		       struct lock_range *r)
{
	s64 start;

	switch (fl->l_whence) {
	case 0:
		start = 0;
		break;
	case 1:
		start = (s64)READ_ONCE(f->pos);
		break;
	case 2:
		start = f->vn ? (s64)READ_ONCE(f->vn->size) : 0;
		break;
	default:
		return -EINVAL;
	}
	if (fl->l_start > 0 && start > LOCKS_OFFSET_MAX - fl->l_start)
		return -EOVERFLOW;
	start += fl->l_start;
	if (start < 0)
		return -EINVAL;
	s64 end = LOCKS_OFFSET_MAX;
	if (fl->l_len > 0) {
		if (fl->l_len - 1 > LOCKS_OFFSET_MAX - start)
			return -EOVERFLOW;
		end = start + fl->l_len - 1;
	} else if (fl->l_len < 0) {
		end = start - 1;
		start += fl->l_len;
		if (start < 0)
			return -EINVAL;
	}
	r->start = start;
	r->end = end;
	return 0;
}

/* fcntl's record locks: F_GETLK, F_SETLK(W) and their OFD forms. */
static long do_record_lock(struct file *f, int cmd, u64 arg)
{
	struct linux_flock fl;
	struct lock_range r;
	bool ofd = cmd >= F_OFD_GETLK;
	bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;

	if (copy_from_user(&fl, arg, sizeof(fl)))
		return -EFAULT;
	/* The checks in Linux's order (fcntl_getlk, fcntl_setlk). */
	bool valid = fl.l_type == F_RDLCK || fl.l_type == F_WRLCK;
	if (get && !valid)
		return -EINVAL;
	int ret = flock_range(f, &fl, &r);
	if (ret)
		return ret;
	if (!valid && fl.l_type != F_UNLCK)
		return -EINVAL;
	r.type = fl.l_type;
	if (get) {
		if (ofd && fl.l_pid)
			return -EINVAL;
		locks_get(f, ofd, &r);
		fl.l_type = (s16)r.type;
		if (r.type != F_UNLCK) {
			fl.l_whence = 0;
			fl.l_start = (s64)r.start;
			fl.l_len = r.end == LOCKS_OFFSET_MAX
					   ? 0
					   : (s64)(r.end - r.start + 1);
			fl.l_pid = r.pid;
		}
		return copy_to_user(arg, &fl, sizeof(fl)) ? -EFAULT : 0;
	}
	u32 acc = f->flags & O_ACCMODE;
	if ((fl.l_type == F_RDLCK && acc == O_WRONLY) ||
	    (fl.l_type == F_WRLCK && acc == O_RDONLY) || (f->flags & O_PATH))
		return -EBADF;
	if (ofd && fl.l_pid)
		return -EINVAL;
	return locks_set(f, ofd, &r, cmd == F_SETLKW || cmd == F_OFD_SETLKW);
}

/* Does a process (type F_OWNER_PID, F_OWNER_TID taken as its process),
 * or a process group, of this id exist? */
struct owner_probe {
	int type, id;
	bool found;
};

static void owner_visit(struct process *p, void *arg)
{
	struct owner_probe *o = arg;

	if (!p->zombie && o->id > 0 &&
	    (o->type == F_OWNER_PGRP ? p->pgid == o->id : p->pid == o->id))
		o->found = true;
}

/* F_SETOWN(_EX): whom f's lease breaks signal (id 0: nobody). Kiln has no
 * signal-driven I/O (O_ASYNC); the owner is kept for leases and
 * F_GETOWN. */
static int file_set_owner(struct file *f, int type, int id)
{
	struct owner_probe o = {type, id, false};

	if (type != F_OWNER_TID && type != F_OWNER_PID && type != F_OWNER_PGRP)
		return -EINVAL;
	if (id) {
		if (type ==
		    F_OWNER_TID) /* a thread of ours, or a main thread */
			o.found = proc_has_thread(current->proc, id);
		if (!o.found)
			proc_for_each(owner_visit, &o);
		if (!o.found)
			return -ESRCH;
	}
	u64 fl = spin_lock_irqsave(&f->lock);
	f->owner_type = type;
	f->owner = id;
	spin_unlock_irqrestore(&f->lock, fl);
	return 0;
}

static long fcntl_owner_ex(struct file *f, int cmd, u64 arg)
{
	struct {
		s32 type, pid;
	} ex;

	if (cmd == F_GETOWN_EX) {
		u64 fl = spin_lock_irqsave(&f->lock);
		ex.type = f->owner_type;
		ex.pid = f->owner;
		spin_unlock_irqrestore(&f->lock, fl);
		return copy_to_user(arg, &ex, sizeof(ex)) ? -EFAULT : 0;
	}
	if (copy_from_user(&ex, arg, sizeof(ex)))
		return -EFAULT;
	if (ex.pid < 0)
		return -EINVAL;
	return file_set_owner(f, ex.type, ex.pid);
}

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
		if ((s64)arg < 0 || arg >= (u64)rlimit_nofile()) {
			ret = -EINVAL;
			break;
		}
		file_get(f);
		ret = fd_install(t, f, (int)arg, cmd == F_DUPFD_CLOEXEC);
		if (ret < 0)
			file_put(f);
		break;
	case F_GETFD:
		ret = fd_get_cloexec(t, (int)fd);
		break;
	case F_SETFD:
		ret = fd_set_cloexec(t, (int)fd, arg & FD_CLOEXEC);
		break;
	case F_GETLK:
	case F_OFD_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		ret = do_record_lock(f, (int)cmd, arg);
		break;
	case F_GETFL:
		ret = f->flags;
		break;
	case F_SETFL:
		file_change_flags(f, O_APPEND | O_NONBLOCK,
				  arg & (O_APPEND | O_NONBLOCK));
		break;
	case F_ADD_SEALS:
		ret = arg >> 32 ? -EINVAL : memfd_add_seals(f, arg);
		break;
	case F_GET_SEALS:
		ret = memfd_get_seals(f);
		break;
	case F_SETLEASE:
		ret = locks_set_lease(f, (int)arg);
		if (!ret &&
		    (int)arg != F_UNLCK) /* Linux: f's owner is now us */
			ret = file_set_owner(f, F_OWNER_PID,
					     current->proc->pid);
		break;
	case F_GETLEASE:
		ret = locks_get_lease(f);
		break;
	case F_SETOWN:
		ret = file_set_owner(f,
				     (int)arg < 0 ? F_OWNER_PGRP : F_OWNER_PID,
				     (int)arg < 0 ? -(int)arg : (int)arg);
		break;
	case F_GETOWN: /* a process group as its negated id */
		ret = READ_ONCE(f->owner_type) == F_OWNER_PGRP
			      ? -READ_ONCE(f->owner)
			      : READ_ONCE(f->owner);
		break;
	case F_SETOWN_EX:
	case F_GETOWN_EX:
		ret = fcntl_owner_ex(f, (int)cmd, arg);
		break;
	case F_SETSIG:
		if (arg > NSIG)
			ret = -EINVAL;
		else
			WRITE_ONCE(f->sig, (int)arg);
		break;
	case F_GETSIG:
		ret = READ_ONCE(f->sig);
		break;
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
		ret = pipe_fcntl(f, (u32)cmd, arg);
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

#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4

/* The fd table is never shared between processes, so UNSHARE is moot. */
long sys_close_range(u64 first, u64 last, u64 flags, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	if (flags & ~(u64)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if ((u32)first > (u32)last)
		return -EINVAL;
	return fd_close_range(files(), (u32)first, (u32)last,
			      flags & CLOSE_RANGE_CLOEXEC);
}

/* memfd_create: an unnamed tmpfs file; sealable with MFD_ALLOW_SEALING. */
long sys_memfd_create(u64 uname, u64 flags, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	char name[MFD_NAME_MAX + 1];
	struct file *f;

	if (flags & ~(u64)(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -EINVAL; /* MFD_HUGETLB and the exec-seal flags */
	long n = strncpy_from_user(name, uname, sizeof(name));
	if (n < 0)
		return n == -ENAMETOOLONG ? -EINVAL : n;
	int ret = tmpfs_create_unnamed(name, &f);
	if (ret)
		return ret;
	if (flags & MFD_ALLOW_SEALING)
		memfd_allow_sealing(f->vn);
	int fd = fd_install(files(), f, 0, flags & MFD_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

long sys_ftruncate(u64 fd, u64 len, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f;

	if ((s64)len < 0)
		return -EINVAL;
	if (!(f = fd_get(files(), (int)fd)))
		return -EBADF;
	long ret = -EINVAL;
	if (f->ops->truncate && (f->flags & O_ACCMODE) != O_RDONLY &&
	    !(f->flags & O_PATH))
		ret = f->ops->truncate(f, len);
	else if (f->flags & O_PATH)
		ret = -EBADF;
	if (!ret && f->vn)
		fsnotify_change(f->vn, IN_MODIFY);
	file_put(f);
	return ret;
}

/* readahead: the pages are in memory already; Linux's checks only (a
 * file not open for reading EBADF, not a regular file EINVAL). */
long sys_readahead(u64 fd, u64 off, u64 count, u64 a3, u64 a4, u64 a5)
{
	(void)off, (void)count, (void)a3, (void)a4, (void)a5;
	struct file *f = fd_get(files(), (int)fd);

	if (!f)
		return -EBADF;
	long ret = 0;
	if ((f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_PATH))
		ret = -EBADF;
	else if (!f->vn || !S_ISREG(f->vn->mode))
		ret = -EINVAL;
	file_put(f);
	return ret;
}

/* sync_file_range: nothing to write back; Linux's argument checks. */
long sys_sync_file_range(u64 fd, u64 off, u64 n, u64 flags, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	if (flags & ~7ULL || (s64)off < 0 || (s64)n < 0 ||
	    (s64)(off + n) < (s64)off)
		return -EINVAL;
	struct file *f = fd_get(files(), (int)fd);
	if (!f)
		return -EBADF;
	u32 type = f->vn ? f->vn->mode & S_IFMT : 0;
	long ret = type == S_IFREG || type == S_IFDIR || type == S_IFLNK
			   ? 0
			   : -ESPIPE;
	file_put(f);
	return ret;
}

/* fsync, fdatasync, syncfs: everything is in memory; only check fd. */
static long check_fd(u64 fd)
{
	struct file *f = fd_get(files(), (int)fd);

	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

/* fsync and fdatasync: nothing to write back, but as Linux only files
 * with an fsync operation (regular files, directories) accept them;
 * pipes, sockets, FIFOs and devices are EINVAL. */
static long check_sync_fd(u64 fd)
{
	struct file *f = fd_get(files(), (int)fd);

	if (!f)
		return -EBADF;
	u32 type = f->vn ? f->vn->mode & S_IFMT : 0;
	bool ok = type == S_IFREG || type == S_IFDIR;
	file_put(f);
	return ok ? 0 : -EINVAL;
}

long sys_fsync(u64 fd, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return check_sync_fd(fd);
}

long sys_fdatasync(u64 fd, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return check_sync_fd(fd);
}

long sys_syncfs(u64 fd, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return check_fd(fd);
}

long sys_sync(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return 0;
}

/* flock: whole-file locks of the open file description (fs/locks.c). */
long sys_flock(u64 fd, u64 op, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f = fd_get(files(), (int)fd);

	if (!f)
		return -EBADF;
	long ret = (f->flags & O_PATH) ? -EBADF : locks_flock(f, (int)op);
	file_put(f);
	return ret;
}
