// SPDX-License-Identifier: MIT
/*
 * splice, tee and vmsplice: bytes between a pipe and another file (a
 * regular file of the tree, read through its pages and written through
 * tmpfs; a socket; another pipe) or user memory, through one kernel
 * buffer of at most a pipe's capacity (pipe.h says how nothing is lost
 * when one side takes less). The checks and their order are Linux's
 * (fs/splice.c): ESPIPE for an offset on a pipe, EBADF for an end that
 * cannot be read or written, EINVAL without a pipe or for the same pipe
 * twice. SPLICE_F_NONBLOCK (or O_NONBLOCK on the pipe) makes the pipe
 * side non-blocking; the other file blocks as its own flags say.
 * SPLICE_F_MOVE, MORE and GIFT are hints and change nothing here.
 */
#include <kernel/string.h>
#include <uapi/errno.h>
#include "file.h"
#include "pipe.h"
#include "uio.h"
#include "vfs.h"
#include "mm/kheap.h"
#include "mm/pmm.h"

static bool readable(struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY && !(f->flags & O_PATH);
}

static bool writable(struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY && !(f->flags & O_PATH);
}

/* A regular file read through its pages (the image's, tmpfs). */
static bool has_pages(struct file *f)
{
	return f->vn && S_ISREG(f->vn->mode) && f->ops->get_page &&
	       f->ops->seekable;
}

/* Up to n bytes of in at *pos (advanced) into buf; 0 at the end. */
static ssize_t splice_read(struct file *in, u64 *pos, u8 *buf, size_t n)
{
	if (!has_pages(in)) {
		struct kiovec v = {(u64)buf, n};
		struct uio u;
		uio_init_kernel(&u, &v, 1);
		return in->ops->read_iter(in, &u, pos);
	}
	size_t done = 0;
	while (done < n) {
		u64 p = *pos + done, size = READ_ONCE(in->vn->size);
		paddr_t pa;
		if (p >= size)
			break;
		int err = in->ops->get_page(in, p >> PAGE_SHIFT, &pa);
		if (err == -EFAULT)
			break; /* it shrank */
		if (err)
			return done ? (ssize_t)done : err;
		size_t off = p & (PAGE_SIZE - 1);
		size_t k = MIN(MIN(n - done, size - p), PAGE_SIZE - off);
		memcpy(buf + done, (u8 *)P2V(pa) + off, k);
		page_put(pa);
		done += k;
	}
	*pos += done;
	return done;
}

/* n bytes of buf to out at *pos (advanced): a socket or a tmpfs file. */
static ssize_t splice_write(struct file *out, u64 *pos, const u8 *buf, size_t n)
{
	if (out->ops == &tmpfs_fops)
		return tmpfs_write_kernel(out, buf, n, pos);
	struct kiovec v = {(u64)buf, n};
	struct uio u;
	uio_init_kernel(&u, &v, 1);
	return out->ops->write_iter(out, &u, pos);
}

/* The position splice uses: *off, or f's own (locked) when off is NULL. */
static u64 pos_begin(struct file *f, u64 *off)
{
	if (off)
		return *off;
	if (!f->ops->seekable)
		return 0;
	file_pos_lock(f);
	return f->pos;
}

static void pos_end(struct file *f, u64 *off, u64 pos)
{
	if (off) {
		*off = pos;
	} else if (f->ops->seekable) {
		f->pos = pos;
		file_pos_unlock(f);
	}
}

/* From the pipe p to out: what p holds, up to len, waiting for some. */
static ssize_t from_pipe(struct pipe *p, struct file *out, u64 *off, size_t len,
			 bool nonblock)
{
	if (off && !out->ops->seekable)
		return -EINVAL; /* a socket: no pwrite */
	if ((out->flags & O_APPEND) ||
	    (out->ops != &tmpfs_fops && !out->ops->write_iter))
		return -EINVAL;
	if (off && (s64)*off < 0)
		return -EINVAL;
	u8 *buf = kmalloc(MIN(len, PIPE_SIZE));
	if (!buf)
		return -ENOMEM;
	size_t done = 0;
	ssize_t ret = 0;
	u64 pos = pos_begin(out, off);
	while (done < len) {
		/* once some bytes went, an empty pipe ends the call */
		ret = pipe_wait_data(p, nonblock || done);
		if (ret <= 0 || (ret = pipe_consumer_lock(p)))
			break;
		u32 k = pipe_copy_out(p, buf, MIN(len - done, PIPE_SIZE),
				      false);
		ssize_t w = k ? splice_write(out, &pos, buf, k) : 0;
		if (w > 0)
			pipe_consume(p, w);
		pipe_consumer_unlock(p);
		if (w < 0) {
			ret = w;
			break;
		}
		done += w;
		if ((u32)w < k)
			break;
	}
	pos_end(out, off, pos);
	kfree(buf);
	return done ? (ssize_t)done : ret;
}

/* A bounce buffer of up to len bytes and room for *res of them in p
 * (pipe_reserve: p's consumer must then pipe_commit); *buf is freed on
 * failure. */
static int reserve_buf(struct pipe *p, size_t len, bool nonblock, u8 **buf,
		       u32 *res)
{
	u32 n = MIN(len, PIPE_SIZE);

	if (!(*buf = kmalloc(n)))
		return -ENOMEM;
	int ret = pipe_reserve(p, n, nonblock, res);
	if (ret)
		kfree(*buf);
	return ret;
}

/* From in to the pipe p: up to len bytes, as much as p has room for. */
static ssize_t to_pipe(struct file *in, u64 *off, struct pipe *p, size_t len,
		       bool nonblock)
{
	if (off && !in->ops->seekable)
		return -EINVAL;
	if (!has_pages(in) && !in->ops->read_iter)
		return -EINVAL;
	if (off && (s64)*off < 0)
		return -EINVAL;
	u32 res;
	u8 *buf;
	int ret = reserve_buf(p, len, nonblock, &buf, &res);
	if (ret)
		return ret;
	u64 pos = pos_begin(in, off);
	ssize_t got = splice_read(in, &pos, buf, res);
	pos_end(in, off, pos);
	pipe_commit(p, buf, got > 0 ? got : 0, res);
	kfree(buf);
	return got;
}

/*
 * From pipe ip to pipe op (consume) or a copy (tee): waits for bytes in
 * ip, then for room in op, and moves what both allow.
 */
static ssize_t pipe_to_pipe(struct pipe *ip, struct pipe *op, size_t len,
			    bool nonblock, bool consume)
{
	u32 n = MIN(len, PIPE_SIZE), res, k = 0;
	u8 *buf = kmalloc(n);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (!k) {
		ret = pipe_wait_data(ip, nonblock);
		if (ret <= 0)
			break;
		if ((ret = pipe_reserve(op, n, nonblock, &res)))
			break;
		if (consume && (ret = pipe_consumer_lock(ip))) {
			pipe_commit(op, buf, 0, res);
			break;
		}
		k = pipe_copy_out(ip, buf, res, consume);
		if (consume)
			pipe_consumer_unlock(ip);
		pipe_commit(op, buf, k, res);
	}
	kfree(buf);
	return k ? (ssize_t)k : ret;
}

ssize_t splice_files(struct file *in, u64 *off_in, struct file *out,
		     u64 *off_out, size_t len, u32 flags)
{
	struct pipe *ip = pipe_of(in), *op = pipe_of(out);
	bool nonblock = flags & SPLICE_F_NONBLOCK;

	if ((ip && off_in) || (op && off_out))
		return -ESPIPE;
	if (!readable(in) || !writable(out))
		return -EBADF;
	len = MIN(len, UIO_MAX_RW);
	if (ip && op) {
		if (ip == op)
			return -EINVAL;
		nonblock |= (in->flags | out->flags) & O_NONBLOCK;
		return pipe_to_pipe(ip, op, len, nonblock, true);
	}
	if (ip)
		return from_pipe(ip, out, off_out, len,
				 nonblock || (in->flags & O_NONBLOCK));
	if (op)
		return to_pipe(in, off_in, op, len,
			       nonblock || (out->flags & O_NONBLOCK));
	return -EINVAL;
}

ssize_t splice_tee(struct file *in, struct file *out, size_t len, u32 flags)
{
	struct pipe *ip = pipe_of(in), *op = pipe_of(out);
	bool nonblock = flags & SPLICE_F_NONBLOCK;

	if (!readable(in) || !writable(out))
		return -EBADF;
	if (!ip || !op || ip == op)
		return -EINVAL;
	nonblock |= (in->flags | out->flags) & O_NONBLOCK;
	return pipe_to_pipe(ip, op, MIN(len, UIO_MAX_RW), nonblock, false);
}

/* vmsplice into a pipe: copied now (Linux maps the pages: same bytes
 * unless the caller changes them before they are read). */
static ssize_t user_to_pipe(struct pipe *p, struct uio *u, bool nonblock)
{
	u32 res;
	u8 *buf;
	int ret = reserve_buf(p, u->resid, nonblock, &buf, &res);

	if (ret)
		return ret;
	bool fault = uio_copyin(u, buf, res);
	pipe_commit(p, buf, fault ? 0 : res, res);
	kfree(buf);
	return fault ? -EFAULT : (ssize_t)res;
}

ssize_t splice_vmsplice(struct file *f, struct uio *u, u32 flags)
{
	bool nonblock = flags & SPLICE_F_NONBLOCK;
	bool into = writable(f);
	struct pipe *p;

	if (!into && !readable(f))
		return -EBADF;
	if (!u->resid)
		return 0;
	if (!(p = pipe_of(f)))
		return -EBADF;
	return into ? user_to_pipe(p, u, nonblock)
		    : pipe_read_uio(p, u, nonblock);
}
