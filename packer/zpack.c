// SPDX-License-Identifier: MIT
/*
 * The packer's side of compressed image files: header, chunk table and one
 * zstd frame per chunk, with the content size in each frame header and a
 * content checksum (XXH64, 4 bytes), which the kernel's decoder checks:
 * a damaged image reads as EIO, never as wrong bytes. One
 * compression context is kept for the process and reset for every chunk,
 * so the output depends only on the input and the level.
 */
#include <err.h>
#include <errno.h>
#include <string.h>
#include <zstd.h>

#include <kiln/image.h>

#include "zpack.h"

static ZSTD_CCtx *zpack_ctx;

static void zpack_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int zpack_file(struct buf *out, const void *data, uint64_t size, int level)
{
	const uint64_t chunk = 1ULL << ZPACK_CHUNK_SHIFT;
	uint64_t nchunks = (size + chunk - 1) >> ZPACK_CHUNK_SHIFT;
	size_t start = out->len;
	uint8_t hdr[sizeof(struct kiln_zfile_hdr)];
	int ret;

	if (nchunks > KILN_ZFILE_MAX_CHUNKS)
		return -EFBIG;
	if (!zpack_ctx && !(zpack_ctx = ZSTD_createCCtx()))
		return -ENOMEM;
	zpack_le32(hdr, KILN_ZFILE_MAGIC);
	zpack_le32(hdr + 4, ZPACK_CHUNK_SHIFT);
	zpack_le32(hdr + 8, (uint32_t)size);
	zpack_le32(hdr + 12, (uint32_t)(size >> 32));
	zpack_le32(hdr + 16, (uint32_t)nchunks);
	zpack_le32(hdr + 20, 0);
	ret = buf_put(out, hdr, sizeof(hdr));
	if (!ret)
		ret = buf_put_zeros(out, 4 * nchunks);
	size_t bound = ZSTD_compressBound(chunk);
	for (uint64_t i = 0; !ret && i < nchunks; i++) {
		uint64_t n =
			size - i * chunk < chunk ? size - i * chunk : chunk;
		ret = buf_reserve(out, bound);
		if (ret)
			break;
		ZSTD_CCtx_reset(zpack_ctx, ZSTD_reset_session_and_parameters);
		ZSTD_CCtx_setParameter(zpack_ctx, ZSTD_c_compressionLevel,
				       level);
		ZSTD_CCtx_setParameter(zpack_ctx, ZSTD_c_contentSizeFlag, 1);
		ZSTD_CCtx_setParameter(zpack_ctx, ZSTD_c_checksumFlag, 1);
		size_t got =
			ZSTD_compress2(zpack_ctx, out->data + out->len, bound,
				       (const uint8_t *)data + i * chunk, n);
		if (ZSTD_isError(got)) {
			warnx("zstd: %s", ZSTD_getErrorName(got));
			ret = -EIO;
			break;
		}
		out->len += got;
		if (out->len - start > UINT32_MAX) {
			ret = -EFBIG;
			break;
		}
		zpack_le32(out->data + start + sizeof(hdr) + 4 * i,
			   (uint32_t)(out->len - start));
	}
	if (ret)
		out->len = start;
	return ret;
}
