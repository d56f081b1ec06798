// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for lib/zfile.c, the check the kernel runs on every
 * compressed file of an image before trusting its chunk table: on success
 * every frame must lie inside the input, in order, and the chunk sizes
 * must add up to the file's size. Touches every frame byte, so
 * AddressSanitizer catches any range outside the input.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/zfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zfile_view v;
	volatile uint8_t sink = 0;
	uint64_t total = 0, prev_end = 0;

	if (zfile_parse(data, size, &v))
		return 0;
	assert(v.data == data && v.len == size);
	for (uint32_t i = 0; i < v.nchunks; i++) {
		uint64_t off, len;

		zfile_frame(&v, i, &off, &len);
		assert(len > 0 && off + len <= size && off >= prev_end);
		prev_end = off + len;
		for (uint64_t k = 0; k < len; k++)
			sink ^= data[off + k];
		uint64_t n = zfile_chunk_bytes(&v, i);
		assert(n > 0 && n <= (1ULL << v.chunk_shift));
		total += n;
	}
	assert(total == v.size);
	assert(prev_end == size || v.nchunks == 0);
	(void)sink;
	return 0;
}
