/* SPDX-License-Identifier: MIT */
/*
 * cpio "newc" writer: turns a host directory into the image's root
 * filesystem archive. Regular-file data is placed at offsets that are a
 * multiple of 4096 from the archive start (by padding the name field with
 * NULs), so the kernel can map file pages in place. lib/cpio.c reads it.
 * With a zstd level, a regular file that gets smaller is stored
 * compressed instead (include/kiln/image.h), 4-byte aligned.
 */
#ifndef PACKER_CPIO_WRITE_H
#define PACKER_CPIO_WRITE_H

#include <stdint.h>

#include "util.h"

#define CPIO_WRITE_DATA_ALIGN 4096

/* One archive member; name is relative, without a leading "/" or "./". */
struct cpio_wentry {
	const char *name;
	uint32_t ino;
	uint32_t mode; /* S_IFMT bits + permissions */
	uint32_t nlink;
	uint32_t mtime;
	uint64_t size;	/* bytes of data that will follow the header */
	uint32_t check; /* c_check: KILN_CPIO_ZSTD for compressed data */
	int zlevel;	/* cpio_write_entry: compress at this zstd level */
};

/* Entries never compressed (read in place by the kernel): /.kiln. */
int cpio_write_may_compress(const char *name);

int cpio_write_header(struct buf *out, const struct cpio_wentry *e);
int cpio_write_entry(struct buf *out, const struct cpio_wentry *e,
		     const void *data);
int cpio_write_trailer(struct buf *out);
/* zlevel: 0 stores files as they are; 1..22 compresses them. */
int cpio_write_tree(struct buf *out, const char *dir, int zlevel);

#endif
