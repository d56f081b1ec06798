/* SPDX-License-Identifier: MIT */
/*
 * Kiln image assembly and inspection (the format is include/kiln/image.h).
 *
 * image_build_payload() lays out the payload (header, argv, envp, cmdline,
 * page-aligned cpio archive); image_assemble() appends it to a kernel ELF as
 * one more PT_LOAD and patches the kernel's boot descriptor; image_parse()
 * reads an image back and checks everything the kernel will rely on (used
 * by `kiln inspect`, `kiln run` and the unit tests).
 */
#ifndef PACKER_IMAGE_H
#define PACKER_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <kiln/image.h>
#include "lib/elf.h"
#include "disk.h"
#include "util.h"

#define IMAGE_PAGE_SIZE	    4096
#define IMAGE_PAYLOAD_ALIGN (2ULL << 20) /* payload_paddr alignment */

/* What the guest is started with. */
struct image_args {
	const char *const *argv; /* argv[0] is the program's guest path */
	size_t argc;
	const char *const *envp; /* "K=V" strings */
	size_t envc;
	const char *cmdline;	 /* default kernel options, may be "" */
	enum disk_format format; /* image_write: ELF, or a disk around it */
};

/* A parsed image; pointers point into the caller's buffer. */
struct image_view {
	struct kiln_boot_desc desc;
	const struct elf64_phdr *payload_phdr;
	const uint8_t *payload;
	size_t payload_size;
	struct kiln_payload_hdr hdr;
	const char *argv; /* hdr.argv_size bytes of NUL-terminated strings */
	size_t argc;
	const char *envp;
	size_t envc;
	const char *cmdline;
	const uint8_t *cpio;
	size_t cpio_size;
	size_t nfiles; /* cpio entries before the trailer */
};

int image_build_payload(struct buf *out, const struct image_args *args,
			const void *cpio, size_t cpio_size);
int image_assemble(struct buf *out, const char *kernel_name, const void *kernel,
		   size_t kernel_size, const void *payload,
		   size_t payload_size);
int image_parse(const void *buf, size_t len, struct image_view *v,
		const char **why);

/*
 * The last stages of kiln build: the payload around cpio, the kernel at
 * kernel_path, the image written atomically to output (as args->format), then
 * the size report (app_name: the release's application, or NULL). 0 or -errno.
 */
int image_write(const char *output, const char *kernel_path,
		const struct image_args *args, const struct buf *cpio,
		const char *app_name);

#endif
