// SPDX-License-Identifier: MIT
/*
 * cpio "newc" (070701) reader, shared by the kernel (which serves the image's
 * root filesystem in place) and by the packer and its tests.
 *
 * An entry is a 110-byte ASCII header, the name (namesize bytes including
 * its NUL, possibly followed by more NUL padding), padding to 4 bytes, the
 * data and padding to 4 bytes again. Every number comes from untrusted
 * bytes, so every offset is checked against the buffer before it is used and
 * every sum is checked for overflow. No allocation, no globals: the caller
 * owns the iterator.
 */
#include "cpio.h"

#define CPIO_HDR_SIZE  110
#define CPIO_FIELD_LEN 8

/* Field indices, in header order after the 6-byte magic. */
enum cpio_field {
	CPIO_F_INO,
	CPIO_F_MODE,
	CPIO_F_UID,
	CPIO_F_GID,
	CPIO_F_NLINK,
	CPIO_F_MTIME,
	CPIO_F_FILESIZE,
	CPIO_F_DEVMAJOR,
	CPIO_F_DEVMINOR,
	CPIO_F_RDEVMAJOR,
	CPIO_F_RDEVMINOR,
	CPIO_F_NAMESIZE,
	CPIO_F_CHECK,
	CPIO_NFIELDS,
};

_Static_assert(6 + CPIO_NFIELDS * CPIO_FIELD_LEN == CPIO_HDR_SIZE,
	       "newc header layout");

/* Decode the 8-hex-digit header field idx of the header at hdr. */
static int cpio_field(const uint8_t *hdr, enum cpio_field idx, uint32_t *out)
{
	const uint8_t *p = hdr + 6 + (size_t)idx * CPIO_FIELD_LEN;
	uint32_t v = 0;

	for (int i = 0; i < CPIO_FIELD_LEN; i++) {
		int d = lib_hex_digit(p[i]);

		if (d < 0)
			return -EINVAL;
		v = (v << 4) | (uint32_t)d;
	}
	*out = v;
	return 0;
}

/* Round x up to a multiple of 4; fails if that would overflow. */
static int cpio_align4(size_t x, size_t *out)
{
	if (x > SIZE_MAX - 3)
		return -EINVAL;
	*out = (x + 3) & ~(size_t)3;
	return 0;
}

/* Start iterating over the archive of len bytes at buf. */
void cpio_iter_init(struct cpio_iter *it, const void *buf, size_t len)
{
	it->base = buf;
	it->len = buf ? len : 0;
	it->off = 0;
}

/* Decode all numeric header fields of the entry at hdr into e. */
static int cpio_decode_header(const uint8_t *hdr, struct cpio_entry *e,
			      uint32_t *namesize)
{
	uint32_t v[CPIO_NFIELDS];

	if (memcmp(hdr, CPIO_NEWC_MAGIC, 6) != 0)
		return -EINVAL;
	for (int i = 0; i < CPIO_NFIELDS; i++) {
		if (cpio_field(hdr, (enum cpio_field)i, &v[i]))
			return -EINVAL;
	}
	e->ino = v[CPIO_F_INO];
	e->mode = v[CPIO_F_MODE];
	e->uid = v[CPIO_F_UID];
	e->gid = v[CPIO_F_GID];
	e->nlink = v[CPIO_F_NLINK];
	e->mtime = v[CPIO_F_MTIME];
	e->size = v[CPIO_F_FILESIZE];
	e->check = v[CPIO_F_CHECK];
	*namesize = v[CPIO_F_NAMESIZE];
	return 0;
}

/*
 * Decode the entry at the iterator's position into *e and advance past it.
 * Returns 1 for an entry, 0 at the trailer (and again on every later call)
 * and -EINVAL for a malformed or truncated archive (the iterator then stays
 * put, so later calls fail the same way). The entry, including its padding,
 * must lie wholly inside the buffer.
 */
int cpio_next(struct cpio_iter *it, struct cpio_entry *e)
{
	struct cpio_entry ent;
	const uint8_t *hdr;
	uint32_t namesize;
	size_t name_off, data_off, end, next;

	if (it->off > it->len || it->len - it->off < CPIO_HDR_SIZE)
		return -EINVAL;
	hdr = it->base + it->off;
	if (cpio_decode_header(hdr, &ent, &namesize))
		return -EINVAL;

	name_off = it->off + CPIO_HDR_SIZE;
	if (namesize == 0 || namesize > it->len - name_off)
		return -EINVAL;
	ent.name = (const char *)(it->base + name_off);
	ent.namelen = strnlen(ent.name, namesize);
	if (ent.namelen == namesize)
		return -EINVAL; /* not NUL-terminated inside namesize */

	if (cpio_align4(name_off + namesize, &data_off) || data_off > it->len)
		return -EINVAL;
	if (ent.size > it->len - data_off)
		return -EINVAL;
	end = data_off + (size_t)ent.size;
	if (cpio_align4(end, &next) || next > it->len)
		return -EINVAL;

	if (ent.namelen == sizeof(CPIO_TRAILER) - 1 &&
	    memcmp(ent.name, CPIO_TRAILER, ent.namelen) == 0)
		return 0;

	ent.data = it->base + data_off;
	ent.data_off = data_off;
	*e = ent;
	it->off = next;
	return 1;
}
