/* SPDX-License-Identifier: MIT */
/*
 * Small helpers for the kiln command: a growable byte buffer (the packer
 * assembles archives and images in memory) and whole-file I/O, including
 * the atomic "write IMAGE.tmp, then rename" used for every output file.
 * Functions return 0 or -errno and have already printed a message naming
 * the file when they fail.
 */
#ifndef PACKER_UTIL_H
#define PACKER_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer; zero-initialise it before use. */
struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

int buf_reserve(struct buf *b, size_t extra);
int buf_put(struct buf *b, const void *data, size_t len);
int buf_put_zeros(struct buf *b, size_t len);
int buf_align(struct buf *b, size_t align);
void buf_free(struct buf *b);

/* Round x up to a power-of-two alignment; -EOVERFLOW if it cannot. */
/* A decimal number in [min, max] (digits only); 0 or -EINVAL. */
int util_parse_uint(const char *s, unsigned int min, unsigned int max,
		    unsigned int *out);
int util_align_up(uint64_t x, uint64_t align, uint64_t *out);

int util_read_file(const char *path, struct buf *out);
int util_write_atomic(const char *path, const void *data, size_t len);

#endif
