// SPDX-License-Identifier: MIT
/*
 * sendfile and copy_file_range: bytes of a regular file (the image's,
 * compressed or not, or tmpfs) moved to another file without passing
 * through user memory. The source is read through its pages (get_page),
 * up to SF_BATCH pages at a time; they go to a socket or pipe as one
 * kernel I/O vector (write_iter: one send), or to a tmpfs file through
 * tmpfs_write_kernel. Other destinations (devices, /proc) are refused
 * with EINVAL, as Linux does for files without splice support.
 */
#include <kernel/string.h>
#include <uapi/errno.h>
#include "file.h"
#include "uio.h"
#include "vfs.h"
#include "mm/pmm.h"
#include "sched/sched.h"

#define SF_BATCH 16

/* Can out take kernel memory? */
static bool sf_out_ok(struct file *out)
{
	return out->ops->write_iter || out->ops == &tmpfs_fops;
}

/*
 * Move up to count bytes of in, from *inpos, to out at *outpos (its
 * position for streams). Returns the bytes moved (0 at the end of in) or
 * -errno if none were.
 */
static ssize_t sf_copy(struct file *out, u64 *outpos, struct file *in,
		       u64 *inpos, size_t count)
{
	size_t done = 0;
	ssize_t err = 0;

	count = MIN(count, UIO_MAX_RW);
	while (done < count) {
		u64 size = READ_ONCE(in->vn->size);
		u64 pos = *inpos;
		if (pos >= size)
			break;
		struct kiovec iov[SF_BATCH];
		paddr_t pages[SF_BATCH];
		u32 n = 0;
		size_t want = MIN(count - done, size - pos), got = 0;
		while (n < SF_BATCH && got < want) {
			u64 p = pos + got;
			err = in->ops->get_page(in, p >> PAGE_SHIFT, &pages[n]);
			if (err) {
				err = err == -EFAULT ? 0 : err; /* shrank */
				break;
			}
			size_t in_page = p & (PAGE_SIZE - 1);
			size_t k = MIN(want - got, PAGE_SIZE - in_page);
			iov[n].base = (u64)P2V(pages[n]) + in_page;
			iov[n].len = k;
			got += k;
			n++;
		}
		ssize_t w = 0;
		if (n) {
			if (out->ops->write_iter) {
				struct uio u;
				uio_init_kernel(&u, iov, n);
				w = out->ops->write_iter(out, &u, outpos);
			} else {
				for (u32 i = 0; i < n; i++) {
					ssize_t r = tmpfs_write_kernel(
						out, (void *)iov[i].base,
						iov[i].len, outpos);
					if (r <= 0) {
						w = w ? w : r;
						break;
					}
					w += r;
					if ((size_t)r < iov[i].len)
						break;
				}
			}
		}
		for (u32 i = 0; i < n; i++)
			page_put(pages[i]);
		if (w < 0) {
			err = w;
			break;
		}
		done += w;
		*inpos += w;
		if ((size_t)w < got || err || !n)
			break;
		if (done < count && sched_has_runnable())
			sched_yield_cpu(); /* a long copy lets others run */
	}
	return done ? (ssize_t)done : err;
}

/* Readable regular file with pages, for reading. */
static int sf_in_check(struct file *in)
{
	if ((in->flags & O_ACCMODE) == O_WRONLY || (in->flags & O_PATH))
		return -EBADF;
	if (!in->vn || !S_ISREG(in->vn->mode) || !in->ops->get_page ||
	    !in->ops->seekable)
		return -EINVAL;
	return 0;
}

ssize_t file_sendfile(struct file *out, struct file *in, u64 *offset,
		      size_t count)
{
	int ret = sf_in_check(in);

	if (ret)
		return ret;
	if ((out->flags & O_ACCMODE) == O_RDONLY || (out->flags & O_PATH))
		return -EBADF;
	if ((out->flags & O_APPEND) || !sf_out_ok(out))
		return -EINVAL;
	if (!count)
		return 0;
	u64 inpos = offset ? *offset : 0;
	if (!offset)
		file_pos_lock(in);
	if (!offset)
		inpos = in->pos;
	if (out != in)
		file_pos_lock(out);
	u64 outpos = out->pos;
	ssize_t n = sf_copy(out, &outpos, in, &inpos, count);
	if (n > 0 && out->ops->seekable)
		out->pos = outpos;
	if (out != in)
		file_pos_unlock(out);
	if (!offset) {
		in->pos = inpos;
		file_pos_unlock(in);
	} else {
		*offset = inpos;
	}
	return n;
}

ssize_t file_copy_range(struct file *in, u64 *off_in, struct file *out,
			u64 *off_out, size_t len)
{
	int ret = sf_in_check(in);

	if (ret)
		return ret == -EINVAL && in->vn && S_ISDIR(in->vn->mode)
			       ? -EISDIR
			       : ret;
	if ((out->flags & O_ACCMODE) == O_RDONLY || (out->flags & O_PATH) ||
	    (out->flags & O_APPEND))
		return -EBADF;
	if (!out->vn || !S_ISREG(out->vn->mode))
		return out->vn && S_ISDIR(out->vn->mode) ? -EISDIR : -EINVAL;
	if (out->ops != &tmpfs_fops)
		return -EINVAL;
	if (!len)
		return 0;
	if (!off_in)
		file_pos_lock(in);
	if (!off_out && out != in)
		file_pos_lock(out);
	u64 ip = off_in ? *off_in : in->pos;
	u64 op = off_out ? *off_out : out->pos;
	ssize_t n;
	/* the same file: the ranges must not overlap (as Linux) */
	if (in->vn == out->vn && ip < op + len && op < ip + len)
		n = -EINVAL;
	else
		n = sf_copy(out, &op, in, &ip, len);
	if (n > 0) {
		if (off_in)
			*off_in = ip;
		else
			in->pos = ip;
		if (off_out)
			*off_out = op;
		else
			out->pos = op;
	}
	if (!off_out && out != in)
		file_pos_unlock(out);
	if (!off_in)
		file_pos_unlock(in);
	return n;
}
