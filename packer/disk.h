/* SPDX-License-Identifier: MIT */
/*
 * Bootable disk images (kiln build --format raw|qcow2): the ELF image made
 * by kiln build behind the Kiln BIOS loader (include/kiln/disk.h).
 */
#ifndef PACKER_DISK_H
#define PACKER_DISK_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum disk_format {
	DISK_FORMAT_ELF, /* no disk: the ELF image itself (default) */
	DISK_FORMAT_RAW,
	DISK_FORMAT_QCOW2,
};

/* "elf", "raw" or "qcow2"; 0 or -EINVAL. */
int disk_format_parse(const char *s, enum disk_format *out);

/*
 * A raw disk for the ELF image img (made by kiln build: validated
 * again here) into out; 0, or -EINVAL with *why saying what is wrong.
 */
int disk_make(const void *img, size_t len, struct buf *out, const char **why);

/*
 * Write the ELF image at output in fmt (raw and qcow2 through a raw disk;
 * qcow2 with qemu-img). 0 or -errno, with a message.
 */
int disk_write(const char *output, const struct buf *image,
	       enum disk_format fmt);

/* What a file holds, from its first bytes (at least 1024 if it has them). */
enum disk_kind {
	DISK_KIND_OTHER,
	DISK_KIND_RAW,	 /* a raw disk written by kiln build */
	DISK_KIND_QCOW2, /* any qcow2 file */
};
enum disk_kind disk_kind(const void *head, size_t len);

/*
 * The ELF image inside a raw Kiln disk of len bytes; false if the
 * parameter sector does not describe one that fits.
 */
bool disk_image(const void *disk, size_t len, const void **img,
		size_t *img_len);

#endif
