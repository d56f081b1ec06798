/* SPDX-License-Identifier: MIT */
/*
 * Common definitions for lib/: pure code compiled both into the kernel
 * (freestanding, -D__KILN_KERNEL__) and into host programs (packer, tests).
 * Functions return 0 or a negative Linux errno value.
 */
#ifndef LIB_LIBDEFS_H
#define LIB_LIBDEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __KILN_KERNEL__
#include <uapi/errno.h>
#include <kernel/string.h>
#else
#include <errno.h>
#include <string.h>
#endif

/* The value of one hex digit, or -1 if c is not one. */
static inline int lib_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
