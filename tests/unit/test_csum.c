// SPDX-License-Identifier: MIT
/* lib/csum.c against RFC 1071's two-bytes-at-a-time definition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/csum.h"

/* RFC 1071, in the machine's byte order, as lwip_standard_chksum. */
static uint16_t reference(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
	if (i < len)
		sum += p[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Every length up to 200 at every alignment, random and all-ones data
 * (which exercises the carries). */
static void test_matches_reference(void **state)
{
	(void)state;
	static uint8_t buf[256];
	srand(7);
	for (int fill = 0; fill < 3; fill++) {
		for (size_t i = 0; i < sizeof buf; i++)
			buf[i] = fill == 0   ? (uint8_t)rand()
				 : fill == 1 ? 0xff
					     : 0;
		for (size_t off = 0; off < 8; off++)
			for (size_t len = 0; len <= 200; len++)
				assert_int_equal(csum_native(buf + off, len),
						 reference(buf + off, len));
	}
}

/* A known IPv4 header (RFC 1071 style example): its checksum field
 * filled in makes the whole header sum to 0xffff. */
static void test_ipv4_header(void **state)
{
	(void)state;
	uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
			 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
			 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	assert_int_equal(csum_native(h, sizeof h), 0xffff);
	h[10] = h[11] = 0;
	uint16_t c = (uint16_t)~csum_native(h, sizeof h);
	assert_int_equal(c & 0xff, 0xb8); /* stored in network order */
	assert_int_equal(c >> 8, 0x61);
}

/* Large buffers: the 64-bit accumulator must not lose carries. */
static void test_large(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	uint8_t *b = malloc(n + 1);
	assert_non_null(b);
	for (size_t i = 0; i <= n; i++)
		b[i] = (uint8_t)(0xff - (i % 3));
	assert_int_equal(csum_native(b, n), reference(b, n));
	assert_int_equal(csum_native(b + 1, n - 1), reference(b + 1, n - 1));
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_reference),
		cmocka_unit_test(test_ipv4_header),
		cmocka_unit_test(test_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
