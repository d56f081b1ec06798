// SPDX-License-Identifier: MIT
/* User string copies and the exception-table lookup. */
#include "uaccess.h"
#include <uapi/errno.h>

extern const u64 __ex_table_start[], __ex_table_end[];

long strncpy_from_user(char *dst, u64 src, size_t max)
{
	size_t n = 0;

	while (n < max) {
		/* copy up to the end of the source page in one go */
		size_t chunk = PAGE_SIZE - ((src + n) & (PAGE_SIZE - 1));
		if (chunk > max - n)
			chunk = max - n;
		if (copy_from_user(dst + n, src + n, chunk))
			return -EFAULT;
		for (size_t i = 0; i < chunk; i++)
			if (!dst[n + i])
				return n + i;
		n += chunk;
	}
	return -ENAMETOOLONG;
}

u64 uaccess_fixup(u64 rip)
{
	for (const u64 *e = __ex_table_start; e < __ex_table_end; e += 2)
		if (e[0] == rip)
			return e[1];
	return 0;
}
