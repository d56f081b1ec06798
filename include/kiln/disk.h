/* SPDX-License-Identifier: MIT */
/*
 * The disk image format written by `kiln build --format raw|qcow2`
 * (docs/decisions/disk-image.md). A BIOS boots sector 0; the Kiln loader
 * (loader/disk.S, 8 sectors) reads the image's PT_LOAD segments with
 * INT 13h, builds a PVH hvm_start_info from the E820 map and enters the
 * kernel's PVH entry in 32-bit protected mode, as QEMU's -kernel would.
 *
 *   LBA 0          MBR: loader code, one partition (type 0xda) over the rest
 *   LBA 1          struct kiln_disk_params, filled in by kiln build
 *   LBA 2..7       loader code
 *   LBA 8..        the ELF image made by kiln build, byte for byte
 *   ...            zeros up to a whole MiB
 *
 * Shared by the loader (assembler: constants only) and the packer.
 */
#ifndef KILN_DISK_H
#define KILN_DISK_H

#define KILN_DISK_MAGIC		 "KILNDSK1"
#define KILN_DISK_LOADER_SECTORS 8 /* the loader, LBA 0..7 */
#define KILN_DISK_IMAGE_LBA	 8 /* the ELF image starts here */
#define KILN_DISK_MAX_SEGS	 8
#define KILN_DISK_CMDLINE_SIZE	 224
#define KILN_DISK_PART_TYPE	 0xda /* "non-FS data" */

/* Offsets in struct kiln_disk_params, for the loader. */
#define KILN_DISK_P_ENTRY   8
#define KILN_DISK_P_NSEG    12
#define KILN_DISK_P_SEGS    32
#define KILN_DISK_P_CMDLINE 288
#define KILN_DISK_SEG_SIZE  32

#ifndef __ASSEMBLER__
#include <stdint.h>

/* One PT_LOAD segment: sectors from disk to paddr, then zeros. */
struct kiln_disk_seg {
	uint32_t lba;	     /* first sector of the segment's file bytes */
	uint32_t sectors;    /* sectors to copy to paddr (may be 0) */
	uint32_t paddr;	     /* physical destination */
	uint32_t zero_paddr; /* paddr + p_filesz */
	uint32_t zero_words; /* 16-bit words of zeros from zero_paddr */
	uint32_t reserved[3];
};

/* LBA 1 of the disk. */
struct kiln_disk_params {
	char magic[8];	     /* KILN_DISK_MAGIC */
	uint32_t entry;	     /* PVH entry (XEN_ELFNOTE_PHYS32_ENTRY) */
	uint32_t nseg;	     /* used entries of seg[], by ascending paddr */
	uint32_t image_lba;  /* KILN_DISK_IMAGE_LBA */
	uint32_t image_size; /* bytes of the ELF image */
	uint32_t reserved[2];
	struct kiln_disk_seg seg[KILN_DISK_MAX_SEGS];
	char cmdline[KILN_DISK_CMDLINE_SIZE]; /* NUL-terminated, may be "" */
};

_Static_assert(sizeof(struct kiln_disk_seg) == KILN_DISK_SEG_SIZE, "seg");
_Static_assert(sizeof(struct kiln_disk_params) == 512, "params");
_Static_assert(__builtin_offsetof(struct kiln_disk_params, entry) ==
		       KILN_DISK_P_ENTRY,
	       "entry");
_Static_assert(__builtin_offsetof(struct kiln_disk_params, nseg) ==
		       KILN_DISK_P_NSEG,
	       "nseg");
_Static_assert(__builtin_offsetof(struct kiln_disk_params, seg) ==
		       KILN_DISK_P_SEGS,
	       "segs");
_Static_assert(__builtin_offsetof(struct kiln_disk_params, cmdline) ==
		       KILN_DISK_P_CMDLINE,
	       "cmdline");
#endif

#endif
