// SPDX-License-Identifier: MIT
/*
 * inotify syscalls: argument checks in Linux's order (the mask, then the
 * fd, then the path); the watches and events are in fs/inotify.c.
 */
#include <uapi/inotify.h>
#include "syscall.h"
#include "sys_fs.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/inotify.h"
#include "fs/vfs.h"
#include "proc/proc.h"

static struct fdtable *files(void)
{
	return current->proc->files;
}

long sys_inotify_init1(u64 flags, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f;

	if (flags & ~(u64)(IN_NONBLOCK | IN_CLOEXEC))
		return -EINVAL;
	int ret = inotify_open((u32)flags, &f);
	if (ret)
		return ret;
	int fd = fd_install(files(), f, 0, flags & IN_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

long sys_inotify_init(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return sys_inotify_init1(0, 0, 0, 0, 0, 0);
}

long sys_inotify_add_watch(u64 fd, u64 path, u64 umask, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	u32 mask = (u32)umask;
	struct vnode *vn;

	if ((mask & ~(u32)IN_ALL_BITS) || !mask)
		return -EINVAL;
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
		return -EINVAL;
	struct file *f = fd_get(files(), (int)fd);
	if (!f)
		return -EBADF;
	long ret = -EINVAL;
	if (!is_inotify_file(f))
		goto out;
	ret = fsarg_lookup(AT_FDCWD, path,
			   (mask & IN_DONT_FOLLOW) ? AT_SYMLINK_NOFOLLOW : 0,
			   &vn);
	if (ret)
		goto out;
	if ((mask & IN_ONLYDIR) && !S_ISDIR(vn->mode))
		ret = -ENOTDIR;
	else if (!(ret = vfs_permission(vn, MAY_READ))) /* as Linux */
		ret = inotify_watch(f, vn, mask);
	vnode_put(vn);
out:
	file_put(f);
	return ret;
}

long sys_inotify_rm_watch(u64 fd, u64 wd, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f = fd_get(files(), (int)fd);

	if (!f)
		return -EBADF;
	long ret = inotify_unwatch(f, (int)wd);
	file_put(f);
	return ret;
}
