// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for lib/cpio.c: walk an arbitrary archive and touch
 * every byte of every name and data area it reports, so AddressSanitizer
 * catches any range that is not inside the input.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/cpio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpio_iter it;
	struct cpio_entry e;
	volatile uint8_t sink = 0;
	int ret, n = 0;

	cpio_iter_init(&it, data, size);
	while ((ret = cpio_next(&it, &e)) == 1) {
		const uint8_t *d = e.data;

		assert(strlen(e.name) == e.namelen);
		assert(e.data_off + e.size <= size);
		assert(d == data + e.data_off);
		for (uint64_t i = 0; i < e.size; i++)
			sink ^= d[i];
		/* Each entry is at least a 112-byte header: no endless loop. */
		assert(++n <= (int)(size / 112));
	}
	assert(ret == 0 || ret == -EINVAL);
	/* The iterator is sticky at the trailer or at an error. */
	assert(cpio_next(&it, &e) == ret);
	(void)sink;
	return 0;
}
