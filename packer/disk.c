// SPDX-License-Identifier: MIT
/*
 * Bootable disk images: the Kiln BIOS loader (loader/disk.S, linked in as
 * kiln_loader[]), a parameter sector naming the ELF image's PT_LOAD
 * segments and PVH entry, then the ELF image itself, byte for byte, so
 * that kiln run and kiln inspect can read it back. qcow2 is the raw disk
 * converted by qemu-img. Layout: include/kiln/disk.h; design:
 * docs/decisions/disk-image.md.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kiln/disk.h>
#include "lib/elf.h"
#include "disk.h"
#include "image.h"

#define DISK_SECTOR	512
#define DISK_LOADER	(KILN_DISK_LOADER_SECTORS * DISK_SECTOR)
#define DISK_ROUND	(1u << 20) /* disks are whole MiB */
#define DISK_LOW_LIMIT	0x100000   /* the loader and BIOS live below */
#define XEN_PHYS32_NOTE 18	   /* XEN_ELFNOTE_PHYS32_ENTRY */

extern const unsigned char kiln_loader[], kiln_loader_end[];
extern char **environ;

int disk_format_parse(const char *s, enum disk_format *out)
{
	static const char *const names[] = {"elf", "raw", "qcow2"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum disk_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* The PVH entry from the kernel's Xen note; 0 if there is none. */
static uint64_t disk_pvh_entry(const uint8_t *img, size_t len,
			       const struct elf_info *ei)
{
	for (uint16_t i = 0; i < ei->phnum; i++) {
		const struct elf64_phdr *ph = &ei->phdr[i];
		uint64_t off = ph->p_offset, end = off + ph->p_filesz;

		if (ph->p_type != ELF_PT_NOTE || end < off || end > len)
			continue;
		while (end - off >= 12) {
			uint32_t n[3];
			uint64_t name, desc, next;

			memcpy(n, img + off, sizeof(n));
			name = off + 12;
			desc = name + ((n[0] + 3ULL) & ~3ULL);
			next = desc + ((n[1] + 3ULL) & ~3ULL);
			if (next > end)
				break;
			if (n[0] == 4 && memcmp(img + name, "Xen", 4) == 0 &&
			    n[2] == XEN_PHYS32_NOTE &&
			    (n[1] == 4 || n[1] == 8)) {
				uint64_t e = 0;

				memcpy(&e, img + desc, n[1]);
				return e;
			}
			off = next;
		}
	}
	return 0;
}

/* The segment table of the parameter sector, by ascending paddr. */
static int disk_segments(const struct elf_info *ei, size_t len,
			 struct kiln_disk_params *p, const char **why)
{
	for (uint16_t i = 0; i < ei->phnum; i++) {
		const struct elf64_phdr *ph = &ei->phdr[i];
		struct kiln_disk_seg s = {0};
		uint32_t k;

		if (ph->p_type != ELF_PT_LOAD || ph->p_memsz == 0)
			continue;
		if (p->nseg == KILN_DISK_MAX_SEGS) {
			*why = "more PT_LOAD segments than the loader takes";
			return -EINVAL;
		}
		if (ph->p_offset % DISK_SECTOR || ph->p_filesz > ph->p_memsz ||
		    ph->p_offset + ph->p_filesz > len ||
		    ph->p_paddr < DISK_LOW_LIMIT ||
		    ph->p_paddr + ph->p_memsz > 0xffff0000ULL) {
			*why = "a PT_LOAD segment the loader cannot place "
			       "(sector-aligned, 1 MiB..4 GiB)";
			return -EINVAL;
		}
		s.lba = (uint32_t)(KILN_DISK_IMAGE_LBA +
				   ph->p_offset / DISK_SECTOR);
		s.sectors = (uint32_t)((ph->p_filesz + DISK_SECTOR - 1) /
				       DISK_SECTOR);
		s.paddr = (uint32_t)ph->p_paddr;
		s.zero_paddr = (uint32_t)(ph->p_paddr + ph->p_filesz);
		s.zero_words = (uint32_t)((ph->p_memsz - ph->p_filesz + 1) / 2);
		/* insertion by paddr: later segments overwrite the
		 * sector tail an earlier one spills past its end */
		for (k = p->nseg; k > 0 && p->seg[k - 1].paddr > s.paddr; k--)
			p->seg[k] = p->seg[k - 1];
		p->seg[k] = s;
		p->nseg++;
	}
	if (p->nseg == 0) {
		*why = "no PT_LOAD segments";
		return -EINVAL;
	}
	return 0;
}

/* A disk signature that depends only on the image (reproducible). */
static uint32_t disk_signature(const uint8_t *img, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i += 4093)
		h = (h ^ img[i]) * 16777619u;
	h = (h ^ (uint32_t)len) * 16777619u;
	return h ? h : 1;
}

int disk_make(const void *img, size_t len, struct buf *out, const char **why)
{
	const uint8_t *b = img;
	struct kiln_disk_params p = {0};
	struct image_view v;
	struct elf_info ei;
	uint64_t entry, total;
	uint32_t sig, lba_count;
	uint8_t *part;
	int ret;

	if ((size_t)(kiln_loader_end - kiln_loader) != DISK_LOADER) {
		*why = "the loader linked into kiln is not 8 sectors";
		return -EINVAL;
	}
	ret = image_parse(img, len, &v, why);
	if (ret)
		return ret;
	if (elf_parse(img, len, &ei)) {
		*why = "not an ELF image";
		return -EINVAL;
	}
	entry = disk_pvh_entry(b, len, &ei);
	if (entry < DISK_LOW_LIMIT || entry > 0xffffffffULL) {
		*why = "the kernel has no PVH entry note below 4 GiB";
		return -EINVAL;
	}
	ret = disk_segments(&ei, len, &p, why);
	if (ret)
		return ret;
	total = DISK_LOADER + (uint64_t)len;
	total = (total + DISK_ROUND - 1) / DISK_ROUND * DISK_ROUND;
	if (total / DISK_SECTOR > 0xffffffffULL || len > 0xffffffffULL) {
		*why = "the image is too large for a disk";
		return -EINVAL;
	}
	memcpy(p.magic, KILN_DISK_MAGIC, sizeof(p.magic));
	p.entry = (uint32_t)entry;
	p.image_lba = KILN_DISK_IMAGE_LBA;
	p.image_size = (uint32_t)len;

	out->len = 0;
	if (buf_reserve(out, total) || buf_put(out, kiln_loader, DISK_LOADER) ||
	    buf_put(out, img, len) || buf_put_zeros(out, total - out->len)) {
		*why = "out of memory";
		return -ENOMEM;
	}
	memcpy(out->data + DISK_SECTOR, &p, sizeof(p));
	sig = disk_signature(b, len);
	memcpy(out->data + 440, &sig, 4);
	/* one partition over everything after the loader, LBA only
	 * (CHS fields say "use LBA"), so partitioning tools see no free
	 * space to reuse */
	part = out->data + 446;
	lba_count = (uint32_t)(total / DISK_SECTOR - KILN_DISK_IMAGE_LBA);
	part[0] = 0x80;
	memcpy(part + 1, "\xfe\xff\xff", 3);
	part[4] = KILN_DISK_PART_TYPE;
	memcpy(part + 5, "\xfe\xff\xff", 3);
	memcpy(part + 8, &(uint32_t){KILN_DISK_IMAGE_LBA}, 4);
	memcpy(part + 12, &lba_count, 4);
	return 0;
}

/* qemu-img convert raw to qcow2; 0 or -errno with a message. */
static int disk_qemu_img(const char *raw, const char *qcow2)
{
	char *argv[] = {"qemu-img",    "convert", "-q",	   "-f",
			"raw",	       "-O",	  "qcow2", (char *)raw,
			(char *)qcow2, NULL};
	int status, ret;
	pid_t pid;

	ret = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (ret) {
		if (ret == ENOENT)
			warnx("qemu-img not found: --format qcow2 needs it "
			      "(apt-get install qemu-utils), or use "
			      "--format raw");
		else
			warnx("cannot run qemu-img: %s", strerror(ret));
		return -ret;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		warnx("qemu-img convert failed (its message is above)");
		return -EIO;
	}
	return 0;
}

int disk_write(const char *output, const struct buf *image,
	       enum disk_format fmt)
{
	struct buf disk = {0};
	const char *why = NULL;
	char *raw = NULL, *tmp = NULL;
	int ret;

	if (fmt == DISK_FORMAT_ELF)
		return util_write_atomic(output, image->data, image->len);
	ret = disk_make(image->data, image->len, &disk, &why);
	if (ret) {
		warnx("%s: cannot make a disk: %s", output, why);
		goto out;
	}
	if (fmt == DISK_FORMAT_RAW) {
		ret = util_write_atomic(output, disk.data, disk.len);
		goto out;
	}
	if (asprintf(&raw, "%s.raw", output) < 0 ||
	    asprintf(&tmp, "%s.qcow2.tmp", output) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	ret = util_write_atomic(raw, disk.data, disk.len);
	if (!ret)
		ret = disk_qemu_img(raw, tmp);
	if (!ret && rename(tmp, output) < 0) {
		ret = -errno;
		warn("%s: cannot write the output file", output);
	}
	unlink(raw);
	if (ret)
		unlink(tmp);
out:
	buf_free(&disk);
	free(raw);
	free(tmp);
	return ret;
}

enum disk_kind disk_kind(const void *head, size_t len)
{
	const uint8_t *b = head;

	if (len >= 4 && memcmp(b, "QFI\xfb", 4) == 0)
		return DISK_KIND_QCOW2;
	if (len >= 2 * DISK_SECTOR && b[510] == 0x55 && b[511] == 0xaa &&
	    memcmp(b + DISK_SECTOR, KILN_DISK_MAGIC, 8) == 0)
		return DISK_KIND_RAW;
	return DISK_KIND_OTHER;
}

bool disk_image(const void *disk, size_t len, const void **img, size_t *img_len)
{
	struct kiln_disk_params p;

	if (disk_kind(disk, len) != DISK_KIND_RAW)
		return false;
	memcpy(&p, (const uint8_t *)disk + DISK_SECTOR, sizeof(p));
	if (p.image_lba != KILN_DISK_IMAGE_LBA || p.image_size == 0 ||
	    p.image_size > len - DISK_LOADER)
		return false;
	*img = (const uint8_t *)disk + DISK_LOADER;
	*img_len = p.image_size;
	return true;
}
