/* SPDX-License-Identifier: MIT */
/*
 * A compressed image file's header and chunk table (include/kiln/image.h),
 * checked before use: the kernel, `kiln inspect` and the tests read
 * compressed files only through this view.
 */
#ifndef LIB_ZFILE_H
#define LIB_ZFILE_H

#include "libdefs.h"

struct zfile_view {
	const uint8_t *data; /* the cpio data: header, table, frames */
	uint64_t len;
	uint64_t size;	      /* uncompressed */
	uint32_t chunk_shift; /* chunk i holds [i << shift, (i+1) << shift) */
	uint32_t nchunks;
	const uint8_t *table; /* nchunks little-endian u32 frame ends */
};

/*
 * Check the len bytes at data as a compressed file: magic, chunk size in
 * range, nchunks matching size, frame ends ascending, non-empty and
 * inside len, the last one at len. 0 or -EINVAL.
 */
int zfile_parse(const void *data, uint64_t len, struct zfile_view *v);

/* Chunk i's frame: *off and *len within v->data (i < v->nchunks). */
void zfile_frame(const struct zfile_view *v, uint32_t i, uint64_t *off,
		 uint64_t *len);

/* Uncompressed bytes in chunk i (the last one may be short). */
uint64_t zfile_chunk_bytes(const struct zfile_view *v, uint32_t i);

#endif
