// SPDX-License-Identifier: MIT
/*
 * File seals (memfd.h), as Linux's mm/memfd.c and mm/shmem.c: F_SEAL_SEAL
 * stops further seals, SHRINK and GROW the size changes they name,
 * WRITE every change of the contents (and new writable shared mappings;
 * it is refused with EBUSY while one exists), FUTURE_WRITE the same for
 * new writes and mappings only, EXEC (on an executable file) all four.
 *
 * Locking: vn->seals and vn->mmap_writable are atomics. A mapping counts
 * itself first, then looks at the seals; F_SEAL_WRITE is set first, then
 * the count looked at (and the seal withdrawn if there is one): one of
 * the two always sees the other. vn->lock serializes F_ADD_SEALS.
 */
#include <uapi/errno.h>
#include "file.h"
#include "memfd.h"
#include "vfs.h"

#define WRITE_SEALS (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)

static u32 seals_of(struct vnode *vn)
{
	return __atomic_load_n(&vn->seals, __ATOMIC_SEQ_CST);
}

/* A file that has seals: a tmpfs regular file. */
static bool is_sealable(struct file *f)
{
	return f->vn && S_ISREG(f->vn->mode) && (f->vn->flags & VN_TMPFS);
}

int memfd_get_seals(struct file *f)
{
	return is_sealable(f) ? (int)seals_of(f->vn) : -EINVAL;
}

int memfd_add_seals(struct file *f, u64 seals)
{
	struct vnode *vn = f->vn;
	int ret = 0;

	if ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_PATH))
		return -EPERM;
	if (seals & ~(u64)F_SEAL_ALL)
		return -EINVAL;
	if (!is_sealable(f))
		return -EINVAL;
	spin_lock(&vn->lock);
	u32 old = seals_of(vn);
	bool write = (seals & F_SEAL_WRITE) && !(old & F_SEAL_WRITE);
	if (old & F_SEAL_SEAL) {
		ret = -EPERM;
		goto out;
	}
	if ((seals & F_SEAL_EXEC) && (vn->mode & 0111))
		seals |= F_SEAL_SHRINK | F_SEAL_GROW | WRITE_SEALS;
	__atomic_or_fetch(&vn->seals, (u32)seals, __ATOMIC_SEQ_CST);
	if (write &&
	    __atomic_load_n(&vn->mmap_writable, __ATOMIC_SEQ_CST) > 0) {
		__atomic_store_n(&vn->seals, old, __ATOMIC_SEQ_CST);
		ret = -EBUSY; /* a writable shared mapping exists */
	}
out:
	spin_unlock(&vn->lock);
	return ret;
}

void memfd_allow_sealing(struct vnode *vn)
{
	__atomic_and_fetch(&vn->seals, ~(u32)F_SEAL_SEAL, __ATOMIC_SEQ_CST);
}

int memfd_check_write(struct vnode *vn, u64 start, size_t *n)
{
	u32 s = seals_of(vn);

	if (!*n || !(s & (WRITE_SEALS | F_SEAL_GROW)))
		return 0;
	if (s & WRITE_SEALS)
		return -EPERM;
	u64 size = READ_ONCE(vn->size);
	if (start >= size)
		return -EPERM;
	*n = MIN(*n, size - start); /* as Linux: up to the end, no further */
	return 0;
}

int memfd_check_resize(struct vnode *vn, u64 len)
{
	u32 s = seals_of(vn);
	u64 size = READ_ONCE(vn->size);

	if ((len < size && (s & F_SEAL_SHRINK)) ||
	    (len > size && (s & F_SEAL_GROW)))
		return -EPERM;
	return 0;
}

int memfd_check_fallocate(struct vnode *vn, bool punch, u64 end)
{
	u32 s = seals_of(vn);

	if (punch)
		return (s & WRITE_SEALS) ? -EPERM : 0;
	return (s & F_SEAL_GROW) && end > READ_ONCE(vn->size) ? -EPERM : 0;
}

bool memfd_may_map_writable(struct vnode *vn)
{
	return !(seals_of(vn) & WRITE_SEALS);
}

int memfd_map_writable(struct vnode *vn, bool check)
{
	__atomic_add_fetch(&vn->mmap_writable, 1, __ATOMIC_SEQ_CST);
	if (check && !memfd_may_map_writable(vn)) {
		memfd_unmap_writable(vn);
		return -EPERM;
	}
	return 0;
}

void memfd_unmap_writable(struct vnode *vn)
{
	__atomic_sub_fetch(&vn->mmap_writable, 1, __ATOMIC_SEQ_CST);
}
