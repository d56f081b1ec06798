// SPDX-License-Identifier: MIT
/*
 * Compressed image files: validation of the header and chunk table. The
 * table is read byte by byte (little-endian), so the data needs no
 * alignment.
 */
#include "zfile.h"
#include <kiln/image.h>

static uint32_t zfile_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t zfile_le64(const uint8_t *p)
{
	return (uint64_t)zfile_le32(p) | (uint64_t)zfile_le32(p + 4) << 32;
}

int zfile_parse(const void *data, uint64_t len, struct zfile_view *v)
{
	const uint8_t *p = data;
	struct zfile_view z;

	if (!p || len < sizeof(struct kiln_zfile_hdr))
		return -EINVAL;
	if (zfile_le32(p) != KILN_ZFILE_MAGIC || zfile_le32(p + 20) != 0)
		return -EINVAL;
	z.data = p;
	z.len = len;
	z.chunk_shift = zfile_le32(p + 4);
	z.size = zfile_le64(p + 8);
	z.nchunks = zfile_le32(p + 16);
	if (z.chunk_shift < KILN_ZFILE_MIN_SHIFT ||
	    z.chunk_shift > KILN_ZFILE_MAX_SHIFT ||
	    z.nchunks > KILN_ZFILE_MAX_CHUNKS)
		return -EINVAL;
	uint64_t chunk = 1ULL << z.chunk_shift;
	if (z.size > (uint64_t)KILN_ZFILE_MAX_CHUNKS << z.chunk_shift ||
	    (z.size + chunk - 1) >> z.chunk_shift != z.nchunks)
		return -EINVAL;
	uint64_t start = sizeof(struct kiln_zfile_hdr) + 4ULL * z.nchunks;
	if (start > len)
		return -EINVAL;
	z.table = p + sizeof(struct kiln_zfile_hdr);
	uint64_t prev = start;
	for (uint32_t i = 0; i < z.nchunks; i++) {
		uint64_t end = zfile_le32(z.table + 4ULL * i);
		if (end <= prev || end > len)
			return -EINVAL;
		prev = end;
	}
	if (prev != len)
		return -EINVAL;
	*v = z;
	return 0;
}

void zfile_frame(const struct zfile_view *v, uint32_t i, uint64_t *off,
		 uint64_t *len)
{
	uint64_t start = i ? zfile_le32(v->table + 4ULL * (i - 1))
			   : sizeof(struct kiln_zfile_hdr) + 4ULL * v->nchunks;
	*off = start;
	*len = zfile_le32(v->table + 4ULL * i) - start;
}

uint64_t zfile_chunk_bytes(const struct zfile_view *v, uint32_t i)
{
	uint64_t lo = (uint64_t)i << v->chunk_shift;
	uint64_t chunk = 1ULL << v->chunk_shift;

	return v->size - lo < chunk ? v->size - lo : chunk;
}
