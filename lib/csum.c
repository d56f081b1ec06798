// SPDX-License-Identifier: MIT
#include "csum.h"

/*
 * Sum 32-bit little-endian words into 64 bits: 2^16 is 1 modulo 0xffff,
 * so the fold of that sum equals the ones'-complement sum of the 16-bit
 * words. 2^32 words of 2^32 - 1 cannot overflow 64 bits for any buffer
 * this is given.
 */
uint16_t csum_native(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t sum = 0;

	while (len >= 16) {
		uint64_t v, w;
		__builtin_memcpy(&v, b, 8);
		__builtin_memcpy(&w, b + 8, 8);
		sum += (v & 0xffffffffu) + (v >> 32) + (w & 0xffffffffu) +
		       (w >> 32);
		b += 16;
		len -= 16;
	}
	if (len >= 8) {
		uint64_t v;
		__builtin_memcpy(&v, b, 8);
		sum += (v & 0xffffffffu) + (v >> 32);
		b += 8;
		len -= 8;
	}
	if (len >= 4) {
		uint32_t v;
		__builtin_memcpy(&v, b, 4);
		sum += v;
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t v;
		__builtin_memcpy(&v, b, 2);
		sum += v;
		b += 2;
		len -= 2;
	}
	if (len)
		sum += *b;
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
