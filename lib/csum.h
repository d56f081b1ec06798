/* SPDX-License-Identifier: MIT */
/*
 * The Internet checksum (RFC 1071) of a buffer, eight bytes per step:
 * what lwIP calls for every segment it sends or checks (LWIP_CHKSUM) and
 * what virtio-net uses to finish a checksum a peer left to us.
 */
#ifndef LIB_CSUM_H
#define LIB_CSUM_H

#include "libdefs.h"

/*
 * The ones'-complement sum of len bytes at p, folded to 16 bits, not
 * inverted, in the byte order of the machine: the 16-bit words are read
 * in place (p may have any alignment) and an odd last byte counts as the
 * low byte of a word, exactly as lwIP's lwip_standard_chksum.
 */
uint16_t csum_native(const void *p, size_t len);

#endif
