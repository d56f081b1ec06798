/* SPDX-License-Identifier: MIT */
/*
 * The Kiln image format, shared by the kernel and the packer.
 *
 * An image is the kernel ELF (build/kernel.elf) with one extra PT_LOAD
 * segment appended by `kiln build`: the payload. The packer appends the
 * payload page-aligned at the end of the file, writes a new program header
 * table (the old entries plus one) after it, points e_phoff at it, and fills
 * in the boot descriptor that lives in the kernel's `.kiln_desc` section
 * (found through the section headers). The loader (QEMU, Firecracker, Cloud
 * Hypervisor) then places the payload at desc.payload_paddr.
 *
 * The payload starts with struct kiln_payload_hdr; all offsets in it are
 * relative to the payload start. The root filesystem is a cpio "newc"
 * archive whose regular-file data is page-aligned within the payload, so
 * the kernel can map file pages in place.
 *
 * A compressed regular file (cpio c_check field = KILN_CPIO_ZSTD, which is
 * always 0 in plain newc) has as its cpio data a struct kiln_zfile_hdr,
 * the chunk table, then the chunks: the file's bytes cut into pieces of
 * 1 << chunk_shift bytes (the last one shorter), each compressed as one
 * zstd frame with its content size and checksum, so any chunk decompresses
 * (and is verified) on its own
 * (docs/decisions/compressed-files.md). Its data need not be aligned.
 */
#ifndef KILN_IMAGE_H
#define KILN_IMAGE_H

#include <stdint.h>

#define KILN_DESC_MAGIC	   0x435345444e4c494bULL /* "KILNDESC" */
#define KILN_PAYLOAD_MAGIC 0x4c5941504e4c494bULL /* "KILNPAYL" */
#define KILN_IMAGE_VERSION 1
#define KILN_DESC_SECTION  ".kiln_desc"

/* Lives in the kernel's .kiln_desc section; patched by the packer. */
struct kiln_boot_desc {
	uint64_t magic;		/* KILN_DESC_MAGIC */
	uint32_t version;	/* KILN_IMAGE_VERSION */
	uint32_t flags;		/* reserved, 0 */
	uint64_t payload_paddr; /* physical load address, 0 = no payload */
	uint64_t payload_size;	/* bytes */
};

/* At the start of the payload. */
struct kiln_payload_hdr {
	uint64_t magic;	   /* KILN_PAYLOAD_MAGIC */
	uint32_t version;  /* KILN_IMAGE_VERSION */
	uint32_t hdr_size; /* sizeof(struct kiln_payload_hdr) */
	uint64_t cpio_off; /* page-aligned cpio newc archive */
	uint64_t cpio_size;
	uint64_t argv_off;  /* argv strings, each NUL-terminated */
	uint64_t argv_size; /* total bytes; argc = number of NULs */
	uint64_t envp_off;  /* environment "K=V" strings, NUL-terminated */
	uint64_t envp_size;
	uint64_t cmdline_off; /* default kernel options, NUL-terminated */
	uint64_t cmdline_size;
	uint64_t reserved[4];
};

#define KILN_CPIO_ZSTD	      1
#define KILN_ZFILE_MAGIC      0x3146465a /* "ZFF1" */
#define KILN_ZFILE_MIN_SHIFT  12	 /* chunks of 4 KiB ... */
#define KILN_ZFILE_MAX_SHIFT  17	 /* ... to 128 KiB */
#define KILN_ZFILE_MAX_CHUNKS (1U << 20) /* files up to 4 GiB at 4 KiB */

/* At the start of a compressed file's cpio data. */
struct kiln_zfile_hdr {
	uint32_t magic;	      /* KILN_ZFILE_MAGIC */
	uint32_t chunk_shift; /* chunk size is 1 << chunk_shift */
	uint64_t size;	      /* the file's size, uncompressed */
	uint32_t nchunks;     /* ceil(size / chunk size) */
	uint32_t reserved;    /* 0 */
	/* then uint32_t end[nchunks]: chunk i's frame is [end[i-1], end[i])
	 * of the cpio data (end[-1]: the end of this table), ascending */
};

_Static_assert(sizeof(struct kiln_zfile_hdr) == 24, "zfile hdr size");
_Static_assert(sizeof(struct kiln_boot_desc) == 32, "desc size");
_Static_assert(sizeof(struct kiln_payload_hdr) == 112, "payload hdr size");

#endif
