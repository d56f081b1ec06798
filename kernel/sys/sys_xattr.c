// SPDX-License-Identifier: MIT
/*
 * Extended attribute syscalls: {,l,f}{set,get,list,remove}xattr. They
 * copy names and values in and out and find the vnode (by path, following
 * a final symlink or not, or by fd); fs/xattr.c keeps the attributes.
 * Checks come in Linux's order: flags, name (ERANGE when empty or longer
 * than 255 bytes), value size (E2BIG over 64 KiB), then the file.
 */
#include "syscall.h"
#include "sys_fs.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/fsnotify.h"
#include "fs/vfs.h"
#include "fs/xattr.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "proc/proc.h"

/* Where the call is aimed: a path (followed or not) or an fd. */
struct xtarget {
	u64 upath; /* 0: by fd */
	int fd;
	bool nofollow;
};

/* The target's vnode (referenced), or *vn NULL for a file without one. */
static int target_vnode(const struct xtarget *t, struct vnode **vn)
{
	*vn = NULL;
	if (t->upath)
		return fsarg_lookup(AT_FDCWD, t->upath,
				    t->nofollow ? AT_SYMLINK_NOFOLLOW : 0, vn);
	struct file *f = fd_get(current->proc->files, t->fd);
	if (!f)
		return -EBADF;
	int ret = (f->flags & O_PATH) ? -EBADF : 0;
	if (!ret && f->vn) {
		vnode_get(f->vn);
		*vn = f->vn;
	}
	file_put(f);
	return ret;
}

/* Copy an attribute name in: -ERANGE if empty or too long. */
static int copy_name(u64 uname, char name[XATTR_NAME_MAX + 1])
{
	long n = strncpy_from_user(name, uname, XATTR_NAME_MAX + 1);

	if (n == 0 || n == -ENAMETOOLONG)
		return -ERANGE;
	return n < 0 ? n : 0;
}

static long do_setxattr(const struct xtarget *t, u64 uname, u64 uvalue,
			u64 size, u64 flags)
{
	char name[XATTR_NAME_MAX + 1];
	struct vnode *vn;
	void *value = NULL;

	if (flags & ~(u64)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	int ret = copy_name(uname, name);
	if (ret)
		return ret;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	if (!(value = kmalloc(size ? size : 1)))
		return -ENOMEM;
	if (copy_from_user(value, uvalue, size))
		ret = -EFAULT;
	if (!ret && !(ret = target_vnode(t, &vn))) {
		if (vn)
			ret = xattr_set(vn, name, value, size, (u32)flags);
		else
			ret = xattr_check_anon(name, true);
		if (vn && !ret)
			fsnotify_change(vn, IN_ATTRIB);
		if (vn)
			vnode_put(vn);
	}
	kfree(value);
	return ret;
}

static long do_getxattr(const struct xtarget *t, u64 uname, u64 uvalue,
			u64 size)
{
	char name[XATTR_NAME_MAX + 1];
	struct vnode *vn;
	void *buf = NULL;
	int ret = copy_name(uname, name);

	if (ret)
		return ret;
	size = MIN(size, XATTR_SIZE_MAX);
	if (size && !(buf = kmalloc(size)))
		return -ENOMEM;
	long n = target_vnode(t, &vn);
	if (!n) {
		n = vn ? xattr_get(vn, name, buf, size)
		       : xattr_check_anon(name, false);
		if (vn)
			vnode_put(vn);
	}
	if (n > 0 && size && copy_to_user(uvalue, buf, n))
		n = -EFAULT;
	kfree(buf);
	return n;
}

static long do_listxattr(const struct xtarget *t, u64 ulist, u64 size)
{
	struct vnode *vn;
	char *buf = NULL;

	size = MIN(size, XATTR_LIST_MAX);
	if (size && !(buf = kmalloc(size)))
		return -ENOMEM;
	long n = target_vnode(t, &vn);
	if (!n && vn) {
		n = xattr_list(vn, buf, size);
		vnode_put(vn);
	}
	if (n == -ERANGE && size >= XATTR_LIST_MAX)
		n = -E2BIG; /* longer than any list may be, as Linux */
	if (n > 0 && size && copy_to_user(ulist, buf, n))
		n = -EFAULT;
	kfree(buf);
	return n;
}

static long do_removexattr(const struct xtarget *t, u64 uname)
{
	char name[XATTR_NAME_MAX + 1];
	struct vnode *vn;
	int ret = copy_name(uname, name);

	if (ret || (ret = target_vnode(t, &vn)))
		return ret;
	if (!vn)
		return xattr_check_anon(name, true);
	ret = xattr_set(vn, name, NULL, 0, 0);
	if (!ret)
		fsnotify_change(vn, IN_ATTRIB);
	vnode_put(vn);
	return ret;
}

#define BY_PATH(p)  (&(struct xtarget){(p), 0, false})
#define BY_LPATH(p) (&(struct xtarget){(p), 0, true})
#define BY_FD(fd)   (&(struct xtarget){0, (int)(fd), false})

long sys_setxattr(u64 path, u64 name, u64 value, u64 size, u64 flags, u64 a5)
{
	(void)a5;
	return do_setxattr(BY_PATH(path), name, value, size, flags);
}

long sys_lsetxattr(u64 path, u64 name, u64 value, u64 size, u64 flags, u64 a5)
{
	(void)a5;
	return do_setxattr(BY_LPATH(path), name, value, size, flags);
}

long sys_fsetxattr(u64 fd, u64 name, u64 value, u64 size, u64 flags, u64 a5)
{
	(void)a5;
	return do_setxattr(BY_FD(fd), name, value, size, flags);
}

long sys_getxattr(u64 path, u64 name, u64 value, u64 size, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	return do_getxattr(BY_PATH(path), name, value, size);
}

long sys_lgetxattr(u64 path, u64 name, u64 value, u64 size, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	return do_getxattr(BY_LPATH(path), name, value, size);
}

long sys_fgetxattr(u64 fd, u64 name, u64 value, u64 size, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	return do_getxattr(BY_FD(fd), name, value, size);
}

long sys_listxattr(u64 path, u64 list, u64 size, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_listxattr(BY_PATH(path), list, size);
}

long sys_llistxattr(u64 path, u64 list, u64 size, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_listxattr(BY_LPATH(path), list, size);
}

long sys_flistxattr(u64 fd, u64 list, u64 size, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_listxattr(BY_FD(fd), list, size);
}

long sys_removexattr(u64 path, u64 name, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_removexattr(BY_PATH(path), name);
}

long sys_lremovexattr(u64 path, u64 name, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_removexattr(BY_LPATH(path), name);
}

long sys_fremovexattr(u64 fd, u64 name, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_removexattr(BY_FD(fd), name);
}
