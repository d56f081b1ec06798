/* SPDX-License-Identifier: MIT */
/*
 * Compressed image files (include/kiln/image.h): a file's bytes cut into
 * chunks, each one zstd frame (libzstd). Same input and level, same bytes.
 */
#ifndef PACKER_ZPACK_H
#define PACKER_ZPACK_H

#include <stdint.h>

#include "util.h"

#define ZPACK_CHUNK_SHIFT   17 /* 128 KiB chunks */
#define ZPACK_DEFAULT_LEVEL 19
#define ZPACK_MAX_LEVEL	    22

/* Append the compressed form of data[0..size) to out. 0 or -errno. */
int zpack_file(struct buf *out, const void *data, uint64_t size, int level);

#endif
