// SPDX-License-Identifier: MIT
/*
 * File syscalls on names and attributes: mkdir, rmdir, unlink, symlink,
 * rename, chmod, chown, utimensat, truncate, statx, statfs. Argument
 * decoding only; the mechanism is in fs/tmpfs.c and fs/vfs.c, the
 * permission checks in fs/perm.c.
 */
#include <kernel/string.h>
#include "syscall.h"
#include "sys_fs.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/fsnotify.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "sched/time.h"
#include <uapi/fcntl.h>

/* Linux's struct statx (include/uapi/linux/stat.h). */
struct statx_timestamp {
	s64 tv_sec;
	u32 tv_nsec;
	s32 reserved;
};

struct linux_statx {
	u32 stx_mask, stx_blksize;
	u64 stx_attributes;
	u32 stx_nlink, stx_uid, stx_gid;
	u16 stx_mode, spare0;
	u64 stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	u32 stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	u64 stx_mnt_id;
	u32 stx_dio_mem_align, stx_dio_offset_align;
	u64 spare3[12];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx size");
_Static_assert(offsetof(struct linux_statx, stx_mtime) == 112,
	       "stx_mtime offset");
_Static_assert(offsetof(struct linux_statx, stx_mnt_id) == 144,
	       "stx_mnt_id offset");

/* Linux's struct statfs on x86_64. */
struct linux_statfs {
	s64 f_type, f_bsize;
	u64 f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	s32 f_fsid[2];
	s64 f_namelen, f_frsize, f_flags, f_spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "struct statfs size");

#define STATX_BASIC_STATS 0x7ff
#define STATX_RESERVED	  0x80000000u
#define TMPFS_MAGIC	  0x01021994
#define PROC_SUPER_MAGIC  0x9fa0
#define UTIME_NOW	  ((1L << 30) - 1)
#define UTIME_OMIT	  ((1L << 30) - 2)

long sys_mkdirat(u64 dirfd, u64 path, u64 mode, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct fsarg_path p;
	int ret = fsarg_get((int)dirfd, path, &p);

	if (ret)
		return ret;
	ret = vfs_mkdir(p.base, p.path, fsarg_mode(mode));
	fsarg_put(&p);
	return ret;
}

long sys_mkdir(u64 path, u64 mode, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_mkdirat((u64)AT_FDCWD, path, mode, 0, 0, 0);
}

/* mknod: FIFOs, sockets and regular files; device nodes EPERM. */
long sys_mknodat(u64 dirfd, u64 path, u64 mode, u64 dev, u64 a4, u64 a5)
{
	(void)dev, (void)a4, (void)a5;
	struct fsarg_path p;
	u32 type = (u16)mode & S_IFMT; /* mode is a umode_t, as Linux */

	switch (type) {
	case 0:
		type = S_IFREG;
		break;
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
	case S_IFCHR:
	case S_IFBLK:
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	int ret = fsarg_get((int)dirfd, path, &p);
	if (ret)
		return ret;
	ret = vfs_mknod(p.base, p.path, type | fsarg_mode(mode));
	fsarg_put(&p);
	return ret;
}

long sys_mknod(u64 path, u64 mode, u64 dev, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return sys_mknodat((u64)AT_FDCWD, path, mode, dev, 0, 0);
}

long sys_unlinkat(u64 dirfd, u64 path, u64 flags, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct fsarg_path p;

	if (flags & ~(u64)AT_REMOVEDIR)
		return -EINVAL;
	int ret = fsarg_get((int)dirfd, path, &p);
	if (ret)
		return ret;
	ret = vfs_unlink(p.base, p.path, flags & AT_REMOVEDIR);
	fsarg_put(&p);
	return ret;
}

long sys_unlink(u64 path, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return sys_unlinkat((u64)AT_FDCWD, path, 0, 0, 0, 0);
}

long sys_rmdir(u64 path, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return sys_unlinkat((u64)AT_FDCWD, path, AT_REMOVEDIR, 0, 0, 0);
}

long sys_symlinkat(u64 target, u64 dirfd, u64 path, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct fsarg_path p;
	char *t;
	long n = fsarg_copy_path(target, &t);

	if (n < 0)
		return n;
	int ret = fsarg_get((int)dirfd, path, &p);
	if (!ret) {
		ret = vfs_symlink(t, p.base, p.path);
		fsarg_put(&p);
	}
	kfree(t);
	return ret;
}

long sys_symlink(u64 target, u64 path, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_symlinkat(target, (u64)AT_FDCWD, path, 0, 0, 0);
}

/* A new name for a file; the old name is not followed unless asked. */
long sys_linkat(u64 odirfd, u64 opath, u64 ndirfd, u64 npath, u64 flags, u64 a5)
{
	(void)a5;
	struct fsarg_path p;
	struct vnode *vn;

	if (flags & ~(u64)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int lflags = (flags & AT_EMPTY_PATH) |
		     ((flags & AT_SYMLINK_FOLLOW) ? 0 : AT_SYMLINK_NOFOLLOW);
	int ret = fsarg_lookup((int)odirfd, opath, lflags, &vn);
	if (ret)
		return ret;
	ret = fsarg_get((int)ndirfd, npath, &p);
	if (!ret) {
		ret = vfs_link(vn, p.base, p.path);
		fsarg_put(&p);
	}
	vnode_put(vn);
	return ret;
}

long sys_link(u64 opath, u64 npath, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_linkat((u64)AT_FDCWD, opath, (u64)AT_FDCWD, npath, 0, 0);
}

long sys_renameat2(u64 odirfd, u64 opath, u64 ndirfd, u64 npath, u64 flags,
		   u64 a5)
{
	(void)a5;
	struct fsarg_path o, n;

	if (flags >> 32)
		return -EINVAL;
	int ret = fsarg_get((int)odirfd, opath, &o);
	if (ret)
		return ret;
	ret = fsarg_get((int)ndirfd, npath, &n);
	if (!ret) {
		ret = vfs_rename(o.base, o.path, n.base, n.path, (u32)flags);
		fsarg_put(&n);
	}
	fsarg_put(&o);
	return ret;
}

long sys_renameat(u64 odirfd, u64 opath, u64 ndirfd, u64 npath, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	return sys_renameat2(odirfd, opath, ndirfd, npath, 0, 0);
}

long sys_rename(u64 opath, u64 npath, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_renameat2((u64)AT_FDCWD, opath, (u64)AT_FDCWD, npath, 0, 0);
}

/* /proc's attributes are fixed. */
static int may_change(struct vnode *vn)
{
	return (vn->flags & VN_PROC) ? -EPERM : 0;
}

static int set_mode(struct vnode *vn, u32 mode)
{
	int ret = may_change(vn);

	if (!ret)
		ret = vfs_setattr_mode(vn, mode);
	if (!ret)
		fsnotify_change(vn, IN_ATTRIB);
	return ret;
}

/* chown; -1 leaves an id (both -1: no event, as Linux). */
static int set_owner(struct vnode *vn, u32 uid, u32 gid)
{
	int ret = may_change(vn);

	if (!ret)
		ret = vfs_setattr_owner(vn, uid, gid);
	if (!ret && (uid != (u32)-1 || gid != (u32)-1))
		fsnotify_change(vn, IN_ATTRIB);
	return ret;
}

/* The event of a utimes (Linux's fsnotify_change): both times IN_ATTRIB,
 * one IN_ACCESS or IN_MODIFY, none nothing. */
static u32 utimes_event(u64 at, u64 mt)
{
	if (at != VFS_TIME_OMIT && mt != VFS_TIME_OMIT)
		return IN_ATTRIB;
	if (at != VFS_TIME_OMIT)
		return IN_ACCESS;
	return mt != VFS_TIME_OMIT ? IN_MODIFY : 0;
}

long sys_fchmodat(u64 dirfd, u64 path, u64 mode, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct vnode *vn;
	int ret = fsarg_lookup((int)dirfd, path, 0, &vn);

	if (ret)
		return ret;
	ret = set_mode(vn, mode);
	vnode_put(vn);
	return ret;
}

long sys_chmod(u64 path, u64 mode, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_fchmodat((u64)AT_FDCWD, path, mode, 0, 0, 0);
}

long sys_fchmod(u64 fd, u64 mode, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct vnode *vn;
	struct file *f = fd_get(current->proc->files, (int)fd);

	if (!f)
		return -EBADF;
	file_put(f);
	if (fsarg_fd_vnode((int)fd, &vn))
		return 0; /* pipes, sockets: nothing to keep */
	int ret = set_mode(vn, mode);
	vnode_put(vn);
	return ret;
}

long sys_fchownat(u64 dirfd, u64 path, u64 uid, u64 gid, u64 flags, u64 a5)
{
	(void)a5;
	struct vnode *vn;

	if (flags & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int ret = fsarg_lookup((int)dirfd, path, (int)flags, &vn);
	if (ret)
		return ret;
	ret = set_owner(vn, (u32)uid, (u32)gid);
	vnode_put(vn);
	return ret;
}

long sys_chown(u64 path, u64 uid, u64 gid, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return sys_fchownat((u64)AT_FDCWD, path, uid, gid, 0, 0);
}

long sys_lchown(u64 path, u64 uid, u64 gid, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return sys_fchownat((u64)AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW,
			    0);
}

long sys_fchown(u64 fd, u64 uid, u64 gid, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct vnode *vn;
	struct file *f = fd_get(current->proc->files, (int)fd);

	if (!f)
		return -EBADF;
	file_put(f);
	if (fsarg_fd_vnode((int)fd, &vn))
		return 0;
	int ret = set_owner(vn, (u32)uid, (u32)gid);
	vnode_put(vn);
	return ret;
}

/* One utimensat timespec to ns (VFS_TIME_OMIT to leave it), or -EINVAL. */
static int utime_ns(const s64 ts[2], u64 now, u64 *out)
{
	if (ts[1] == UTIME_NOW)
		*out = now;
	else if (ts[1] == UTIME_OMIT)
		*out = VFS_TIME_OMIT;
	else if (ts[1] < 0 || ts[1] >= (s64)NSEC_PER_SEC)
		return -EINVAL;
	else if (ts[0] < 0) /* before 1970: not representable here */
		*out = 0;
	else if ((u64)ts[0] > (VFS_TIME_OMIT - 1) / NSEC_PER_SEC - 1)
		*out = VFS_TIME_OMIT - 1;
	else
		*out = (u64)ts[0] * NSEC_PER_SEC + ts[1];
	return 0;
}

/* utimensat; a NULL path means dirfd itself (futimens). */
/* utimensat's work, with the times already in the kernel (NULL: now). */
static long do_utimens(int dirfd, u64 path, s64 (*ts)[2], u64 flags)
{
	u64 now = vfs_now_ns(), at = now, mt = now;
	struct vnode *vn;
	int ret;

	if (flags & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (ts && ((ret = utime_ns(ts[0], now, &at)) ||
		   (ret = utime_ns(ts[1], now, &mt))))
		return ret;
	if (!path)
		ret = dirfd == AT_FDCWD ? -EFAULT : fsarg_fd_vnode(dirfd, &vn);
	else
		ret = fsarg_lookup(dirfd, path, (int)flags, &vn);
	if (ret)
		return ret;
	/* NULL or both UTIME_NOW: a touch, which write permission allows */
	bool touch = !ts || (ts[0][1] == UTIME_NOW && ts[1][1] == UTIME_NOW);
	if (!(ret = may_change(vn)) &&
	    !(ret = vfs_setattr_times(vn, at, mt, touch)))
		fsnotify_change(vn, utimes_event(at, mt));
	vnode_put(vn);
	return ret;
}

long sys_utimensat(u64 dirfd, u64 path, u64 utimes, u64 flags, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	s64 ts[2][2];

	if (utimes && copy_from_user(ts, utimes, sizeof(ts)))
		return -EFAULT;
	return do_utimens((int)dirfd, path, utimes ? ts : NULL, flags);
}

/* futimesat and utimes: two struct timevals (NULL: now); Linux refuses
 * microseconds outside [0, 1000000). */
long sys_futimesat(u64 dirfd, u64 path, u64 utv, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	s64 tv[2][2];

	if (!utv)
		return do_utimens((int)dirfd, path, NULL, 0);
	if (copy_from_user(tv, utv, sizeof(tv)))
		return -EFAULT;
	for (int i = 0; i < 2; i++) {
		if (tv[i][1] < 0 || tv[i][1] >= 1000000)
			return -EINVAL;
		tv[i][1] *= 1000;
	}
	return do_utimens((int)dirfd, path, tv, 0);
}

long sys_utimes(u64 path, u64 utv, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_futimesat((u64)(s64)AT_FDCWD, path, utv, 0, 0, 0);
}

/* utime: struct utimbuf {actime, modtime} in whole seconds. */
long sys_utime(u64 path, u64 ubuf, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	s64 buf[2], ts[2][2];

	if (!ubuf)
		return do_utimens(AT_FDCWD, path, NULL, 0);
	if (copy_from_user(buf, ubuf, sizeof(buf)))
		return -EFAULT;
	ts[0][0] = buf[0], ts[0][1] = 0;
	ts[1][0] = buf[1], ts[1][1] = 0;
	return do_utimens(AT_FDCWD, path, ts, 0);
}

long sys_truncate(u64 path, u64 len, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct vnode *vn;

	if ((s64)len < 0)
		return -EINVAL;
	int ret = fsarg_lookup(AT_FDCWD, path, 0, &vn);
	if (ret)
		return ret;
	ret = vfs_truncate_path(vn, len);
	if (!ret)
		fsnotify_change(vn, IN_MODIFY);
	vnode_put(vn);
	return ret;
}

static void statx_time(struct statx_timestamp *t, u64 sec, u64 nsec)
{
	t->tv_sec = sec;
	t->tv_nsec = nsec;
}

long sys_statx(u64 dirfd, u64 path, u64 flags, u64 mask, u64 ubuf, u64 a5)
{
	(void)a5;
	struct linux_stat st;
	struct linux_statx sx;
	int ret;

	if (flags & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH |
			   AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) ||
	    (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE ||
	    (mask & STATX_RESERVED))
		return -EINVAL;
	if ((ret = fsarg_stat_at((int)dirfd, path, flags, &st)))
		return ret;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = st.st_blksize;
	sx.stx_nlink = st.st_nlink;
	sx.stx_uid = st.st_uid;
	sx.stx_gid = st.st_gid;
	sx.stx_mode = st.st_mode;
	sx.stx_ino = st.st_ino;
	sx.stx_size = st.st_size;
	sx.stx_blocks = st.st_blocks;
	statx_time(&sx.stx_atime, st.st_atime_sec, st.st_atime_nsec);
	statx_time(&sx.stx_mtime, st.st_mtime_sec, st.st_mtime_nsec);
	statx_time(&sx.stx_ctime, st.st_ctime_sec, st.st_ctime_nsec);
	sx.stx_rdev_major = st.st_rdev >> 8;
	sx.stx_rdev_minor = st.st_rdev & 0xff;
	sx.stx_dev_minor = st.st_dev;
	return copy_to_user(ubuf, &sx, sizeof(sx));
}

/* statfs: the tree is one tmpfs (and /proc, /sys a procfs) in RAM. */
static long fill_statfs(struct vnode *vn, u64 ubuf)
{
	struct linux_statfs s;

	memset(&s, 0, sizeof(s));
	s.f_type =
		(vn && (vn->flags & VN_PROC)) ? PROC_SUPER_MAGIC : TMPFS_MAGIC;
	s.f_bsize = s.f_frsize = PAGE_SIZE;
	s.f_blocks = pmm_total_pages();
	s.f_bfree = s.f_bavail = pmm_free_pages();
	s.f_files = s.f_ffree = 1 << 20;
	s.f_namelen = VFS_NAME_MAX;
	s.f_flags = 0x1020; /* ST_VALID | ST_RELATIME */
	return copy_to_user(ubuf, &s, sizeof(s));
}

long sys_statfs(u64 path, u64 ubuf, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct vnode *vn;
	int ret = fsarg_lookup(AT_FDCWD, path, 0, &vn);

	if (ret)
		return ret;
	ret = fill_statfs(vn, ubuf);
	vnode_put(vn);
	return ret;
}

long sys_fstatfs(u64 fd, u64 ubuf, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f = fd_get(current->proc->files, (int)fd);

	if (!f)
		return -EBADF;
	long ret = fill_statfs(f->vn, ubuf);
	file_put(f);
	return ret;
}

/* sysfs(2): 1 a type's index by name, 2 the name at an index, 3 the number
 * of types (/proc/filesystems' list). */
long sys_sysfs(u64 option, u64 arg1, u64 arg2, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	char name[32];
	u32 i = 0;

	switch ((int)option) {
	case 1: {
		long n = strncpy_from_user(name, arg1, sizeof(name));
		if (n < 0) /* a longer name is no type's */
			return n == -ENAMETOOLONG ? -EINVAL : n;
		for (const char *t; (t = procfs_fs_type(i)); i++)
			if (!strcmp(t, name))
				return i;
		return -EINVAL;
	}
	case 2: {
		const char *t = procfs_fs_type((u32)arg1);
		if (!t)
			return -EINVAL;
		return copy_to_user(arg2, t, strlen(t) + 1) ? -EFAULT : 0;
	}
	case 3:
		while (procfs_fs_type(i))
			i++;
		return i;
	default:
		return -EINVAL;
	}
}
