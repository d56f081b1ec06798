// SPDX-License-Identifier: MIT
/*
 * Unit tests for compressed image files: the packer's writer
 * (packer/zpack.c), the checked view the kernel reads them through
 * (lib/zfile.c), and the cpio writer's choice of what to compress. Every
 * chunk is decompressed with Debian's libzstd, the same decoder the kernel
 * builds from Debian's zstd source.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <cmocka.h>

#include <kiln/image.h>

#include "lib/cpio.h"
#include "lib/zfile.h"
#include "packer/cpio_write.h"
#include "packer/zpack.h"

/* Text-like bytes (compressible) with a random-ish stretch in the middle. */
static uint8_t *make_data(size_t n, uint32_t seed)
{
	uint8_t *d = malloc(n ? n : 1);
	uint32_t x = seed;

	assert_non_null(d);
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		if (i % 50000 < 20000)
			d[i] = (uint8_t)("kiln zstd chunk "[i % 16]);
		else
			d[i] = (uint8_t)(x >> 16);
	}
	return d;
}

/* Decompress every chunk of blob with libzstd; must give data back. */
static void check_roundtrip(const struct buf *blob, const uint8_t *data,
			    size_t n)
{
	struct zfile_view v;
	uint8_t *out = malloc((1u << ZPACK_CHUNK_SHIFT) + 1);

	assert_int_equal(zfile_parse(blob->data, blob->len, &v), 0);
	assert_int_equal(v.size, n);
	assert_int_equal(v.chunk_shift, ZPACK_CHUNK_SHIFT);
	for (uint32_t i = 0; i < v.nchunks; i++) {
		uint64_t off, len;
		zfile_frame(&v, i, &off, &len);
		assert_true(off + len <= blob->len);
		/* each frame states its size: the kernel relies on it */
		assert_int_equal(
			ZSTD_getFrameContentSize(blob->data + off, len),
			zfile_chunk_bytes(&v, i));
		ZSTD_frameHeader fh;
		assert_int_equal(
			ZSTD_getFrameHeader(&fh, blob->data + off, len), 0);
		assert_int_equal(fh.checksumFlag, 1); /* damage is detected */
		size_t got = ZSTD_decompress(out, (1u << ZPACK_CHUNK_SHIFT) + 1,
					     blob->data + off, len);
		assert_false(ZSTD_isError(got));
		assert_int_equal(got, zfile_chunk_bytes(&v, i));
		assert_memory_equal(out, data + ((size_t)i << v.chunk_shift),
				    got);
	}
	free(out);
}

static void test_roundtrip_sizes(void **state)
{
	static const size_t sizes[] = {1,      4095,   4096,
				       4097,   131071, 131072,
				       131073, 400000, 3 * 131072};
	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *d = make_data(sizes[i], (uint32_t)i);
		struct buf a = {0}, b = {0};

		assert_int_equal(zpack_file(&a, d, sizes[i], 3), 0);
		check_roundtrip(&a, d, sizes[i]);
		/* the same input and level give the same bytes */
		assert_int_equal(zpack_file(&b, d, sizes[i], 3), 0);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		buf_free(&a);
		buf_free(&b);
		free(d);
	}
}

/* A flipped bit anywhere in a frame, its checksum included, fails. */
static void test_damage_detected(void **state)
{
	uint8_t *d = make_data(100000, 5), out[100001];
	struct buf b = {0};
	struct zfile_view v;
	uint64_t off, len;

	(void)state;
	assert_int_equal(zpack_file(&b, d, 100000, 3), 0);
	assert_int_equal(zfile_parse(b.data, b.len, &v), 0);
	zfile_frame(&v, 0, &off, &len);
	for (uint64_t i = 0; i < len; i += len / 7 + 1) {
		uint64_t at = i ? off + i : off + len - 1; /* checksum */
		b.data[at] ^= 0x10;
		size_t got =
			ZSTD_decompress(out, sizeof(out), b.data + off, len);
		/* an error, or (damage that changes nothing) the same bytes:
		 * never different bytes */
		assert_true(ZSTD_isError(got) ||
			    (got == 100000 && !memcmp(out, d, 100000)));
		b.data[at] ^= 0x10;
	}
	buf_free(&b);
	free(d);
}

/* zpack_file appends: what was in the buffer stays. */
static void test_appends(void **state)
{
	uint8_t *d = make_data(200000, 7);
	struct buf b = {0}, blob;

	(void)state;
	assert_int_equal(buf_put(&b, "prefix", 6), 0);
	assert_int_equal(zpack_file(&b, d, 200000, 1), 0);
	assert_memory_equal(b.data, "prefix", 6);
	blob = (struct buf){.data = b.data + 6, .len = b.len - 6};
	check_roundtrip(&blob, d, 200000);
	buf_free(&b);
	free(d);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Every kind of damage to a valid blob is refused. */
static void test_parse_rejects(void **state)
{
	uint8_t *d = make_data(300000, 3);
	struct buf b = {0};
	struct zfile_view v;

	(void)state;
	assert_int_equal(zpack_file(&b, d, 300000, 1), 0);
	assert_int_equal(zfile_parse(b.data, b.len, &v), 0);
	assert_int_equal(v.nchunks, 3);

	/* any truncation (the last end no longer matches the length) */
	for (size_t len = 0; len < b.len; len += len < 64 ? 1 : 997)
		assert_int_equal(zfile_parse(b.data, len, &v), -EINVAL);
	assert_int_equal(zfile_parse(NULL, 100, &v), -EINVAL);

	struct {
		size_t off;
		uint32_t val;
	} bad[] = {
		{0, 0x12345678},	   /* magic */
		{4, 11},		   /* chunk shift below 4 KiB */
		{4, 18},		   /* above 128 KiB */
		{8, 1},			   /* size no longer fits nchunks */
		{12, 1},		   /* size's high word */
		{16, 2},		   /* nchunks */
		{16, 0xffffffff},	   /* nchunks huge */
		{20, 1},		   /* reserved */
		{24, 10},		   /* first end inside the table */
		{28, 0},		   /* ends not ascending */
		{32, (uint32_t)b.len + 1}, /* last end past the data */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *copy = malloc(b.len);
		memcpy(copy, b.data, b.len);
		put32(copy + bad[i].off, bad[i].val);
		assert_int_equal(zfile_parse(copy, b.len, &v), -EINVAL);
		free(copy);
	}
	buf_free(&b);
	free(d);
}

/* An empty file is zero chunks; the header and table must still check. */
static void test_empty_and_short(void **state)
{
	uint8_t hdr[sizeof(struct kiln_zfile_hdr)] = {0};
	struct zfile_view v;

	(void)state;
	put32(hdr, KILN_ZFILE_MAGIC);
	put32(hdr + 4, 17);
	assert_int_equal(zfile_parse(hdr, sizeof(hdr), &v), 0);
	assert_int_equal(v.size, 0);
	assert_int_equal(v.nchunks, 0);
	assert_int_equal(zfile_parse(hdr, sizeof(hdr) - 1, &v), -EINVAL);
	assert_int_equal(zfile_parse(hdr, sizeof(hdr) + 4, &v), -EINVAL);
}

/* Find name in the archive. */
static int find(const struct buf *b, const char *name, struct cpio_entry *e)
{
	struct cpio_iter it;

	cpio_iter_init(&it, b->data, b->len);
	while (cpio_next(&it, e) == 1)
		if (!strcmp(e->name, name))
			return 1;
	return 0;
}

/*
 * The writer compresses what takes less room than whole pages (4-byte
 * aligned, c_check set), stores what does not (page-aligned, in place),
 * and never compresses /.kiln, which the kernel reads in place.
 */
static void test_writer_choices(void **state)
{
	size_t n = 25 * 4096;
	uint8_t *text = make_data(n, 1), *noise = malloc(n);
	struct buf b = {0};
	struct cpio_entry e;
	uint32_t x = 99;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		x = x * 1664525 + 1013904223;
		noise[i] = (uint8_t)(x >> 24);
	}
	struct cpio_wentry ents[] = {
		{.name = "text",
		 .mode = S_IFREG | 0644,
		 .size = n,
		 .zlevel = 3},
		{.name = "noise",
		 .mode = S_IFREG | 0644,
		 .size = n,
		 .zlevel = 3},
		{.name = ".kiln/services",
		 .mode = S_IFREG | 0644,
		 .size = n,
		 .zlevel = 3},
		{.name = "plain", .mode = S_IFREG | 0644, .size = n},
	};
	const void *data[] = {text, noise, text, text};
	for (size_t i = 0; i < 4; i++) {
		ents[i].ino = (uint32_t)i + 1;
		ents[i].nlink = 1;
		assert_int_equal(cpio_write_entry(&b, &ents[i], data[i]), 0);
	}
	assert_int_equal(cpio_write_trailer(&b), 0);

	assert_true(find(&b, "text", &e));
	assert_int_equal(e.check, KILN_CPIO_ZSTD);
	assert_true(e.size < n * 3 / 4); /* 60% of it is noise */
	struct buf blob = {.data = (uint8_t *)e.data, .len = e.size};
	check_roundtrip(&blob, text, n);

	const char *stored[] = {"noise", ".kiln/services", "plain"};
	for (size_t i = 0; i < 3; i++) {
		assert_true(find(&b, stored[i], &e));
		assert_int_equal(e.check, 0);
		assert_int_equal(e.size, n);
		assert_int_equal(e.data_off % CPIO_WRITE_DATA_ALIGN, 0);
	}
	buf_free(&b);

	/* a small file that does not compress still loses its padding */
	struct cpio_wentry small = {.name = "small",
				    .mode = S_IFREG | 0644,
				    .size = 1000,
				    .zlevel = 3,
				    .ino = 1,
				    .nlink = 1};
	assert_int_equal(cpio_write_entry(&b, &small, noise), 0);
	assert_true(find(&b, "small", &e));
	assert_int_equal(e.check, KILN_CPIO_ZSTD);
	blob = (struct buf){.data = (uint8_t *)e.data, .len = e.size};
	check_roundtrip(&blob, noise, 1000);
	buf_free(&b);
	free(text);
	free(noise);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_sizes),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_damage_detected),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_empty_and_short),
		cmocka_unit_test(test_writer_choices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
