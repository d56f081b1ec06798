// SPDX-License-Identifier: MIT
/*
 * Unit tests for the cpio newc reader (lib/cpio.c) and writer
 * (packer/cpio_write.c). Archives are made in the test, byte by byte, so
 * the reader is checked against the format rather than against our writer.
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

#include <cmocka.h>

#include "lib/cpio.h"
#include "packer/cpio_write.h"

/* Append a newc entry; namesize 0 means strlen(name) + 1. */
static void put_entry(struct buf *b, const char *name, uint32_t namesize,
		      uint32_t mode, const void *data, uint32_t size)
{
	char hdr[111];
	size_t nlen = strlen(name);

	if (namesize == 0)
		namesize = (uint32_t)nlen + 1;
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 7u, mode, 1u, 2u, 1u, 1234u, size, 0u, 0u, 0u, 0u, namesize,
		 0u);
	assert_int_equal(buf_put(b, hdr, 110), 0);
	assert_int_equal(buf_put(b, name, nlen < namesize ? nlen : namesize),
			 0);
	if (namesize > nlen)
		assert_int_equal(buf_put_zeros(b, namesize - nlen), 0);
	assert_int_equal(buf_align(b, 4), 0);
	assert_int_equal(buf_put(b, data, size), 0);
	assert_int_equal(buf_align(b, 4), 0);
}

static void put_trailer(struct buf *b)
{
	put_entry(b, CPIO_TRAILER, 0, 0, NULL, 0);
}

/* A small valid archive: a directory, a file, a symlink, the trailer. */
static void make_archive(struct buf *b)
{
	put_entry(b, "bin", 0, 040755, NULL, 0);
	put_entry(b, "bin/hello", 0, 0100755, "hello world\n", 12);
	put_entry(b, "sh", 0, 0120777, "bin/hello", 9);
	put_trailer(b);
}

/* Walk a copy of the first len bytes (exact-size heap copy for ASan). */
static int walk(const void *data, size_t len, int *count)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct cpio_iter it;
	struct cpio_entry e;
	int ret;

	memcpy(copy, data, len);
	*count = 0;
	cpio_iter_init(&it, copy, len);
	while ((ret = cpio_next(&it, &e)) == 1)
		(*count)++;
	free(copy);
	return ret;
}

static void test_valid(void **state)
{
	struct buf b = {0};
	struct cpio_iter it;
	struct cpio_entry e;

	(void)state;
	make_archive(&b);
	cpio_iter_init(&it, b.data, b.len);

	assert_int_equal(cpio_next(&it, &e), 1);
	assert_string_equal(e.name, "bin");
	assert_int_equal(e.namelen, 3);
	assert_int_equal(e.mode, 040755);
	assert_int_equal(e.ino, 7);
	assert_int_equal(e.uid, 1);
	assert_int_equal(e.gid, 2);
	assert_int_equal(e.nlink, 1);
	assert_int_equal(e.mtime, 1234);
	assert_int_equal(e.size, 0);

	assert_int_equal(cpio_next(&it, &e), 1);
	assert_string_equal(e.name, "bin/hello");
	assert_int_equal(e.mode, 0100755);
	assert_int_equal(e.size, 12);
	assert_memory_equal(e.data, "hello world\n", 12);
	assert_ptr_equal(e.data, b.data + e.data_off);
	assert_int_equal(e.data_off % 4, 0);

	assert_int_equal(cpio_next(&it, &e), 1);
	assert_string_equal(e.name, "sh");
	assert_int_equal(e.size, 9);
	assert_memory_equal(e.data, "bin/hello", 9);

	assert_int_equal(cpio_next(&it, &e), 0);
	assert_int_equal(cpio_next(&it, &e), 0); /* sticky */
	buf_free(&b);
}

static void test_truncated_everywhere(void **state)
{
	struct buf b = {0};
	int count;

	(void)state;
	make_archive(&b);
	assert_int_equal(walk(b.data, b.len, &count), 0);
	assert_int_equal(count, 3);
	for (size_t len = 0; len < b.len; len++)
		assert_int_equal(walk(b.data, len, &count), -EINVAL);
	buf_free(&b);
}

static void test_empty_and_null(void **state)
{
	struct cpio_iter it;
	struct cpio_entry e;

	(void)state;
	cpio_iter_init(&it, NULL, 100);
	assert_int_equal(cpio_next(&it, &e), -EINVAL);
	cpio_iter_init(&it, "", 0);
	assert_int_equal(cpio_next(&it, &e), -EINVAL);
}

static void test_bad_magic(void **state)
{
	struct buf b = {0};
	int count;

	(void)state;
	make_archive(&b);
	b.data[5] = '2'; /* 070702: newc with checksums */
	assert_int_equal(walk(b.data, b.len, &count), -EINVAL);
	assert_int_equal(count, 0);
	b.data[5] = '7'; /* 070707: old portable format */
	assert_int_equal(walk(b.data, b.len, &count), -EINVAL);
	buf_free(&b);
}

static void test_bad_hex(void **state)
{
	struct buf b = {0};
	int count;

	(void)state;
	make_archive(&b);
	/* Every field of the first header, one at a time. */
	for (size_t off = 6; off < 110; off++) {
		uint8_t saved = b.data[off];

		b.data[off] = 'g';
		assert_int_equal(walk(b.data, b.len, &count), -EINVAL);
		b.data[off] = ' ';
		assert_int_equal(walk(b.data, b.len, &count), -EINVAL);
		b.data[off] = saved;
	}
	/* Lower-case hex digits are fine. */
	memcpy(b.data + 14, "000041ed", 8); /* mode 040755 */
	assert_int_equal(walk(b.data, b.len, &count), 0);
	assert_int_equal(count, 3);
	buf_free(&b);
}

static void test_name_not_terminated(void **state)
{
	struct buf b = {0};
	int count;

	(void)state;
	put_entry(&b, "abcd", 4, 0100644, "x", 1); /* namesize lacks the NUL */
	put_trailer(&b);
	assert_int_equal(walk(b.data, b.len, &count), -EINVAL);
	buf_free(&b);

	put_entry(&b, "abcd", 0, 0100644, "x", 1);
	put_trailer(&b);
	memcpy(b.data + 94, "00000000", 8); /* namesize 0 */
	assert_int_equal(walk(b.data, b.len, &count), -EINVAL);
	buf_free(&b);
}

static void test_huge_sizes(void **state)
{
	struct buf b = {0};
	int count;

	(void)state;
	put_entry(&b, "f", 0, 0100644, "data", 4);
	put_trailer(&b);
	memcpy(b.data + 54, "FFFFFFFF", 8); /* filesize */
	assert_int_equal(walk(b.data, b.len, &count), -EINVAL);
	memcpy(b.data + 54, "00000004", 8);
	memcpy(b.data + 94, "FFFFFFFF", 8); /* namesize */
	assert_int_equal(walk(b.data, b.len, &count), -EINVAL);
	memcpy(b.data + 94, "FFFFFFF0", 8);
	assert_int_equal(walk(b.data, b.len, &count), -EINVAL);
	memcpy(b.data + 94, "00000002", 8);
	assert_int_equal(walk(b.data, b.len, &count), 0);
	assert_int_equal(count, 1);
	buf_free(&b);
}

static void test_padded_names(void **state)
{
	struct buf b = {0};
	struct cpio_iter it;
	struct cpio_entry e;

	(void)state;
	/* namesize far beyond strlen + 1: the extra bytes are NULs. */
	put_entry(&b, "a/b", 200, 0100644, "payload", 7);
	put_trailer(&b);
	cpio_iter_init(&it, b.data, b.len);
	assert_int_equal(cpio_next(&it, &e), 1);
	assert_string_equal(e.name, "a/b");
	assert_int_equal(e.namelen, 3);
	assert_int_equal(e.data_off, 312); /* 110 + 200, rounded up to 4 */
	assert_memory_equal(e.data, "payload", 7);
	assert_int_equal(cpio_next(&it, &e), 0);
	buf_free(&b);
}

static void test_trailer_needs_exact_name(void **state)
{
	struct buf b = {0};
	int count;

	(void)state;
	put_entry(&b, "TRAILER!!!x", 0, 0100644, NULL, 0);
	put_entry(&b, "TRAILER!!", 0, 0100644, NULL, 0);
	put_trailer(&b);
	put_entry(&b, "after-trailer", 0, 0100644, NULL, 0);
	assert_int_equal(walk(b.data, b.len, &count), 0);
	assert_int_equal(count, 2);
	buf_free(&b);
}

static void test_error_is_sticky(void **state)
{
	struct buf b = {0};
	struct cpio_iter it;
	struct cpio_entry e;

	(void)state;
	put_entry(&b, "ok", 0, 0100644, NULL, 0);
	put_entry(&b, "bad", 0, 0100644, NULL, 0);
	b.data[116 + 10] = 'z'; /* the second header's ino */
	cpio_iter_init(&it, b.data, b.len);
	assert_int_equal(cpio_next(&it, &e), 1);
	assert_int_equal(cpio_next(&it, &e), -EINVAL);
	assert_int_equal(cpio_next(&it, &e), -EINVAL);
	buf_free(&b);
}

/* The writer's output reads back, with page-aligned regular-file data. */
static void test_writer_roundtrip(void **state)
{
	static const char big[5000] = {'x'};
	struct cpio_wentry ents[] = {
		{.name = "d", .ino = 1, .mode = S_IFDIR | 0755, .nlink = 2},
		{.name = "d/f", .ino = 2, .mode = S_IFREG | 0644, .size = 3},
		{.name = "empty", .ino = 3, .mode = S_IFREG | 0600},
		{.name = "g", .ino = 4, .mode = S_IFREG | 0755, .size = 5000},
		{.name = "l", .ino = 5, .mode = S_IFLNK | 0777, .size = 3},
	};
	const void *data[] = {NULL, "abc", NULL, big, "d/f"};
	struct buf b = {0};
	struct cpio_iter it;
	struct cpio_entry e;

	(void)state;
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(cpio_write_entry(&b, &ents[i], data[i]), 0);
	assert_int_equal(cpio_write_trailer(&b), 0);
	assert_int_equal(b.len % 512, 0);

	cpio_iter_init(&it, b.data, b.len);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(cpio_next(&it, &e), 1);
		assert_string_equal(e.name, ents[i].name);
		assert_int_equal(e.mode, ents[i].mode);
		assert_int_equal(e.ino, ents[i].ino);
		assert_int_equal(e.uid, 0);
		assert_int_equal(e.size, ents[i].size);
		if (e.size)
			assert_memory_equal(e.data, data[i], e.size);
		if (S_ISREG(e.mode) && e.size)
			assert_int_equal(e.data_off % 4096, 0);
	}
	assert_int_equal(cpio_next(&it, &e), 0);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_hex),
		cmocka_unit_test(test_name_not_terminated),
		cmocka_unit_test(test_huge_sizes),
		cmocka_unit_test(test_padded_names),
		cmocka_unit_test(test_trailer_needs_exact_name),
		cmocka_unit_test(test_error_is_sticky),
		cmocka_unit_test(test_writer_roundtrip),
	};

	return cmocka_run_group_tests_name("cpio", tests, NULL, NULL);
}
