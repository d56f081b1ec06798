// SPDX-License-Identifier: MIT
/* User I/O vectors (see uio.h). */
#include <kernel/string.h>
#include <uapi/errno.h>
#include "uio.h"
#include "file.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"

void uio_init(struct uio *u, const struct kiovec *iov, u32 cnt)
{
	u->iov = iov;
	u->cnt = cnt;
	u->idx = 0;
	u->off = 0;
	u->resid = 0;
	u->kernel = false;
	for (u32 i = 0; i < cnt; i++)
		u->resid += MIN(iov[i].len, UIO_MAX_RW - u->resid);
}

/* Copy n bytes between kbuf and the vector's next bytes, advancing it. */
static int uio_move(struct uio *u, void *kbuf, size_t n, bool out)
{
	u8 *p = kbuf;

	if (n > u->resid)
		return -EFAULT;
	while (n) {
		const struct kiovec *v = &u->iov[u->idx];
		if (u->off >= v->len) {
			u->idx++;
			u->off = 0;
			continue;
		}
		size_t k = MIN(v->len - u->off, n);
		int ret = 0;
		if (u->kernel && out)
			memcpy((void *)(v->base + u->off), p, k);
		else if (u->kernel)
			memcpy(p, (const void *)(v->base + u->off), k);
		else
			ret = out ? copy_to_user(v->base + u->off, p, k)
				  : copy_from_user(p, v->base + u->off, k);
		if (ret)
			return -EFAULT;
		u->off += k;
		u->resid -= k;
		p += k;
		n -= k;
	}
	return 0;
}

void uio_init_kernel(struct uio *u, const struct kiovec *iov, u32 cnt)
{
	uio_init(u, iov, cnt);
	u->kernel = true;
}

int uio_copyin(struct uio *u, void *dst, size_t n)
{
	return uio_move(u, dst, n, false);
}

int uio_copyout(struct uio *u, const void *src, size_t n)
{
	return uio_move(u, (void *)src, n, true);
}

int uio_import(u64 uiov, u64 cnt, struct kiovec *stack, struct kiovec **iov,
	       struct uio *u)
{
	*iov = stack;
	if (cnt > UIO_IOV_MAX)
		return -EINVAL;
	if (cnt > UIO_STACK && !(*iov = kmalloc(cnt * sizeof(**iov)))) {
		*iov = stack;
		return -ENOMEM;
	}
	if (copy_from_user(*iov, uiov, cnt * sizeof(**iov)))
		return -EFAULT;
	u64 total = 0;
	for (u64 i = 0; i < cnt; i++) {
		struct kiovec *v = &(*iov)[i];
		if ((s64)v->len < 0)
			return -EINVAL;
		v->len = MIN(v->len, UIO_MAX_RW - total);
		if (!user_range_ok(v->base, v->len))
			return -EFAULT;
		total += v->len;
	}
	uio_init(u, *iov, cnt);
	return 0;
}

ssize_t uio_read_one(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	struct kiovec iov = {ubuf, n};
	struct uio u;

	uio_init(&u, &iov, 1);
	return f->ops->read_iter(f, &u, pos);
}

ssize_t uio_write_one(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	struct kiovec iov = {ubuf, n};
	struct uio u;

	uio_init(&u, &iov, 1);
	return f->ops->write_iter(f, &u, pos);
}

void uio_iov_free(struct kiovec *iov, struct kiovec *stack)
{
	if (iov != stack)
		kfree(iov);
}
