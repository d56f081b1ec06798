/* SPDX-License-Identifier: MIT */
/*
 * Every access to user memory goes through these: they check the range is
 * in the user half and return -EFAULT (never crash) on a bad pointer.
 */
#ifndef MM_UACCESS_H
#define MM_UACCESS_H

#include <kernel/types.h>
#include "arch/x86_64/layout.h"

size_t __copy_user(void *dst, const void *src, size_t n);
size_t __clear_user(void *dst, size_t n);
int __user_cmpxchg32(u32 *uaddr, u32 old, u32 new, u32 *actual);

static inline bool user_range_ok(u64 addr, u64 n)
{
	return addr + n >= addr && addr + n <= USER_TOP;
}

static inline int copy_from_user(void *dst, u64 src, size_t n)
{
	if (!user_range_ok(src, n))
		return -EFAULT;
	return __copy_user(dst, (const void *)src, n) ? -EFAULT : 0;
}

static inline int copy_to_user(u64 dst, const void *src, size_t n)
{
	if (!user_range_ok(dst, n))
		return -EFAULT;
	return __copy_user((void *)dst, src, n) ? -EFAULT : 0;
}

static inline int clear_user(u64 dst, size_t n)
{
	if (!user_range_ok(dst, n))
		return -EFAULT;
	return __clear_user((void *)dst, n) ? -EFAULT : 0;
}

static inline int user_cmpxchg32(u64 uaddr, u32 old, u32 new, u32 *actual)
{
	if ((uaddr & 3) || !user_range_ok(uaddr, 4))
		return -EFAULT;
	return __user_cmpxchg32((u32 *)uaddr, old, new, actual);
}

#define get_user(dst, uaddr) copy_from_user(&(dst), (uaddr), sizeof(dst))
#define put_user(val, uaddr)                                                   \
	({                                                                     \
		__typeof__(val) __v = (val);                                   \
		copy_to_user((uaddr), &__v, sizeof(__v));                      \
	})

/*
 * Copy a NUL-terminated string of at most max bytes (including the NUL).
 * Returns its length, -EFAULT, or -ENAMETOOLONG.
 */
long strncpy_from_user(char *dst, u64 src, size_t max);

/* Fixup address for a faulting kernel rip, or 0. */
u64 uaccess_fixup(u64 rip);

#endif
