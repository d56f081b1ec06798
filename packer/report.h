/* SPDX-License-Identifier: MIT */
/*
 * What `kiln build` prints: a line per stage, and the size report (what
 * each part of the image weighs, as files and as stored in the image).
 */
#ifndef PACKER_REPORT_H
#define PACKER_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "util.h"

/* "kiln: [n/N] what" on stderr. */
void report_stage(int n, int total, const char *what);

/*
 * The size report of an image: kernel, ERTS, the release's own
 * application app_name (NULL for a --rootfs image), the other libraries,
 * shared libraries and the rest, each as files and as stored, then the
 * image's total.
 */
void report_sizes(FILE *f, const void *cpio, size_t cpio_len, size_t kernel_len,
		  size_t image_len, const char *app_name);

#endif
