// SPDX-License-Identifier: MIT
/*
 * splice, tee and vmsplice: argument decoding; the mechanism is in
 * fs/splice.c over the pipe primitives of fs/pipe.c.
 */
#include "syscall.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/pipe.h"
#include "fs/uio.h"
#include "sys_fs.h"
#include "mm/uaccess.h"
#include "proc/proc.h"

static struct fdtable *files(void)
{
	return current->proc->files;
}

long sys_splice(u64 fd_in, u64 uoff_in, u64 fd_out, u64 uoff_out, u64 len,
		u64 flags)
{
	struct copy_offsets o;

	if (!len)
		return 0;
	if ((u32)flags & ~SPLICE_F_ALL)
		return -EINVAL;
	struct file *in = fd_get(files(), (int)fd_in);
	struct file *out = in ? fd_get(files(), (int)fd_out) : NULL;
	long ret = -EBADF;
	if (in && out)
		ret = copy_offsets_in(&o, uoff_in, uoff_out);
	if (!ret)
		ret = copy_offsets_out(&o, splice_files(in, o.pin, out, o.pout,
							len, (u32)flags));
	return sys_put_copy_files(in, out, ret);
}

long sys_tee(u64 fd_in, u64 fd_out, u64 len, u64 flags, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	if ((u32)flags & ~SPLICE_F_ALL)
		return -EINVAL;
	if (!len)
		return 0;
	struct file *in = fd_get(files(), (int)fd_in);
	struct file *out = in ? fd_get(files(), (int)fd_out) : NULL;
	long ret = -EBADF;
	if (in && out)
		ret = splice_tee(in, out, len, (u32)flags);
	return sys_put_copy_files(in, out, ret);
}

long sys_vmsplice(u64 fd, u64 uiov, u64 nr_segs, u64 flags, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct kiovec stack[UIO_STACK], *iov;
	struct uio u;

	if ((u32)flags & ~SPLICE_F_ALL)
		return -EINVAL;
	struct file *f = fd_get(files(), (int)fd);
	if (!f)
		return -EBADF;
	long ret = uio_import(uiov, nr_segs, stack, &iov, &u);
	if (!ret)
		ret = splice_vmsplice(f, &u, (u32)flags);
	uio_iov_free(iov, stack);
	file_put(f);
	return ret;
}
