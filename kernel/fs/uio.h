/* SPDX-License-Identifier: MIT */
/*
 * User I/O vectors: a kernel copy of a user iovec array and a position in
 * it, for readv/writev, sendmsg/recvmsg and the files' read_iter/write_iter
 * ops, so a vectored call reaches a file as one operation (one atomic pipe
 * write, one socket send).
 */
#ifndef FS_UIO_H
#define FS_UIO_H

#include <kernel/types.h>

#define UIO_MAX_RW  0x7ffff000UL /* Linux's MAX_RW_COUNT */
#define UIO_IOV_MAX 1024	 /* Linux's UIO_MAXIOV */
#define UIO_STACK   8		 /* iovec entries kept on the caller's stack */

/* struct iovec, as the user passes it. */
struct kiovec {
	u64 base;
	u64 len;
};

/* A position in a user I/O vector. */
struct uio {
	const struct kiovec *iov;
	u32 cnt, idx;
	u64 off;      /* into iov[idx] */
	size_t resid; /* bytes left */
	bool kernel;  /* the bases are kernel addresses (sendfile) */
};

/* Start at the beginning; the total is clamped to UIO_MAX_RW, as Linux. */
void uio_init(struct uio *u, const struct kiovec *iov, u32 cnt);
/* The same over kernel memory (sendfile's pages), copied with memcpy. */
void uio_init_kernel(struct uio *u, const struct kiovec *iov, u32 cnt);
/* Copy the vector's next n bytes in or out, advancing it; 0 or -EFAULT. */
int uio_copyin(struct uio *u, void *dst, size_t n);
int uio_copyout(struct uio *u, const void *src, size_t n);

/*
 * Copy in and check the user's iovec array of cnt entries: -EINVAL past
 * UIO_IOV_MAX or for a negative length, -EFAULT for an unreadable array or
 * a buffer outside user space. Lengths are clamped so the total stays
 * within UIO_MAX_RW. Up to UIO_STACK entries go to stack[]; more are
 * kmalloc'd into *iov (release with uio_iov_free).
 */
int uio_import(u64 uiov, u64 cnt, struct kiovec *stack, struct kiovec **iov,
	       struct uio *u);
void uio_iov_free(struct kiovec *iov, struct kiovec *stack);

struct file;
/* read/write ops for files whose ops are the vectored forms: one buffer
 * passed to read_iter/write_iter as a one-entry vector. */
ssize_t uio_read_one(struct file *f, u64 ubuf, size_t n, u64 *pos);
ssize_t uio_write_one(struct file *f, u64 ubuf, size_t n, u64 *pos);

#endif
