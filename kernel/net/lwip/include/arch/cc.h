/* SPDX-License-Identifier: MIT */
/* lwIP's compiler and platform glue for the Kiln kernel. */
#ifndef KILN_LWIP_ARCH_CC_H
#define KILN_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H	   1
#define X8_F		   "02x"
#define U16_F		   "u"
#define S16_F		   "d"
#define X16_F		   "x"
#define U32_F		   "u"
#define S32_F		   "d"
#define X32_F		   "x"
#define SZT_F		   "lu"

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_ERR_T int

void kiln_lwip_diag(const char *fmt, ...);
__attribute__((noreturn)) void kiln_lwip_assert(const char *msg,
						const char *file, int line);
#define LWIP_PLATFORM_DIAG(x)	kiln_lwip_diag x
#define LWIP_PLATFORM_ASSERT(x) kiln_lwip_assert(x, __FILE__, __LINE__)

#define lwip_htons(x) __builtin_bswap16(x)
#define lwip_htonl(x) __builtin_bswap32(x)

#endif
