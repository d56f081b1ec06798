// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the packer's image reader (packer/image.c:
 * image_parse, as kiln inspect and kiln run use it on any file they are
 * given): the ELF, the boot descriptor, the payload header, its strings,
 * the cpio archive and every compressed file's chunk table; for a raw
 * disk (packer/disk.c), the image its parameter sector names. On success
 * every string and file area it reports is touched, so AddressSanitizer
 * catches a range outside the input.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cpio.h"
#include "lib/zfile.h"
#include "packer/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_view v;
	volatile uint8_t sink = 0;
	const char *why = NULL;
	/* image_parse wants an 8-byte aligned buffer, like an mmap */
	uint8_t *buf = malloc(size ? size : 1);

	const void *img = buf;
	size_t img_len = size;

	memcpy(buf, data, size);
	if (disk_kind(buf, size) == DISK_KIND_RAW &&
	    !disk_image(buf, size, &img, &img_len)) {
		free(buf);
		return 0;
	}
	if (image_parse(img, img_len, &v, &why)) {
		assert(why != NULL);
		free(buf);
		return 0;
	}
	for (size_t i = 0; i < v.hdr.argv_size; i++)
		sink ^= (uint8_t)v.argv[i];
	for (size_t i = 0; i < v.hdr.envp_size; i++)
		sink ^= (uint8_t)v.envp[i];
	struct cpio_iter it;
	struct cpio_entry e;
	cpio_iter_init(&it, v.cpio, v.cpio_size);
	while (cpio_next(&it, &e) == 1) {
		struct zfile_view z;
		if (S_ISREG(e.mode) && e.check == KILN_CPIO_ZSTD &&
		    !zfile_parse(e.data, e.size, &z))
			sink ^= z.data[z.len - 1];
	}
	(void)sink;
	free(buf);
	return 0;
}
