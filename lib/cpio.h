/* SPDX-License-Identifier: MIT */
/*
 * Reader for cpio "newc" (070701) archives, used by the kernel to serve the
 * image's root filesystem in place and by the packer and tests. Every field
 * is bounds- and overflow-checked: a malformed archive yields -EINVAL, never
 * a read outside the buffer.
 */
#ifndef LIB_CPIO_H
#define LIB_CPIO_H

#include "libdefs.h"

#define CPIO_NEWC_MAGIC "070701"
#define CPIO_TRAILER	"TRAILER!!!"

struct cpio_entry {
	const char *name; /* NUL-terminated inside the archive */
	size_t namelen;	  /* strlen(name) */
	uint32_t ino;
	uint32_t mode; /* S_IFMT bits + permissions */
	uint32_t uid;
	uint32_t gid;
	uint32_t nlink;
	uint32_t mtime;
	uint32_t check;	   /* c_check: 0 in newc; Kiln: KILN_CPIO_ZSTD */
	const void *data;  /* file data (or symlink target, not terminated) */
	uint64_t size;	   /* bytes of data */
	uint64_t data_off; /* offset of data from the archive start */
};

struct cpio_iter {
	const uint8_t *base;
	size_t len;
	size_t off;
};

void cpio_iter_init(struct cpio_iter *it, const void *buf, size_t len);
/* 1: *e filled; 0: reached the trailer; -EINVAL: malformed/truncated. */
int cpio_next(struct cpio_iter *it, struct cpio_entry *e);

#endif
