// SPDX-License-Identifier: MIT
/*
 * Image round trip: archive a scratch rootfs (packer/cpio_write.c), lay
 * out the payload and append it to a fake Kiln kernel (packer/image.c),
 * then read the result back byte by byte and through image_parse(). Also
 * checks that GNU cpio lists and extracts our page-padded archives, and
 * that kernels that are not Kiln kernels are refused.
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/cpio.h"
#include "packer/cpio_write.h"
#include "packer/image.h"
#include "helpers.h"

/* Names in the order the archive must hold them (byte order, depth first). */
static const char *const tree_names[] = {
	"B",	   "a",	     "a/b",   "a/b/c", "a/b/c/deep", "bin",
	"bin/big", "bin/sh", "empty", "etc",   "etc/conf",   "hello",
};
#define TREE_N (sizeof(tree_names) / sizeof(tree_names[0]))

static const char *const test_argv[] = {"/hello", "arg one", ""};
static const char *const test_envp[] = {"A=B", "C="};

struct fixture {
	char *dir;    /* scratch directory */
	char *rootfs; /* dir/rootfs */
	char *big;    /* contents of bin/big */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char *p;

	fx->dir = tmp_dir();
	fx->rootfs = path_join(fx->dir, "rootfs");
	fx->big = malloc(10001);
	for (int i = 0; i < 10000; i++)
		fx->big[i] = (char)('a' + i % 26);
	fx->big[10000] = '\0';
	tmp_file(fx->rootfs, "hello", "hello\n", 0755);
	tmp_file(fx->rootfs, "B", "upper case sorts first\n", 0644);
	tmp_file(fx->rootfs, "a/b/c/deep", "deep\n", 0600);
	tmp_file(fx->rootfs, "bin/big", fx->big, 0755);
	tmp_file(fx->rootfs, "etc/conf", "x=1\n", 0640);
	tmp_file(fx->rootfs, "empty", "", 0644);
	p = path_join(fx->rootfs, "bin/sh");
	assert_int_equal(symlink("../hello", p), 0);
	free(p);
	p = path_join(fx->rootfs, "etc");
	assert_int_equal(chmod(p, 0750), 0);
	free(p);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	tmp_remove(fx->dir);
	free(fx->dir);
	free(fx->rootfs);
	free(fx->big);
	free(fx);
	return 0;
}

/* Build an image of the fixture's rootfs on kernel k into out. */
static int build(struct fixture *fx, const uint8_t *k, size_t klen,
		 struct buf *out, struct buf *payload)
{
	struct buf cpio = {0};
	struct image_args args = {
		.argv = test_argv,
		.argc = 3,
		.envp = test_envp,
		.envc = 2,
		.cmdline = "console=ttyS0",
	};
	int ret;

	assert_int_equal(cpio_write_tree(&cpio, fx->rootfs, 0), 0);
	assert_int_equal(
		image_build_payload(payload, &args, cpio.data, cpio.len), 0);
	ret = image_assemble(out, "fake-kernel", k, klen, payload->data,
			     payload->len);
	buf_free(&cpio);
	return ret;
}

/* The host file behind archive member name, read whole. */
static void assert_same_as_host(struct fixture *fx, const struct cpio_entry *e)
{
	char *p = path_join(fx->rootfs, e->name);
	struct buf host = {0};

	assert_int_equal(util_read_file(p, &host), 0);
	assert_int_equal(host.len, e->size);
	if (e->size)
		assert_memory_equal(host.data, e->data, e->size);
	buf_free(&host);
	free(p);
}

/* Check the ELF side: headers, the new PT_LOAD, the patched descriptor. */
static void check_elf(const uint8_t *k, size_t klen, const struct buf *img,
		      size_t payload_len)
{
	const struct elf64_ehdr *oh = (const void *)k, *nh = (void *)img->data;
	const struct elf64_phdr *np, *last;
	struct kiln_boot_desc desc;
	uint64_t payload_off = (klen + 4095) & ~4095ULL;

	assert_int_equal(nh->e_phnum, oh->e_phnum + 1);
	assert_int_equal(nh->e_phoff % 8, 0);
	assert_int_equal(nh->e_phoff, (payload_off + payload_len + 7) & ~7ULL);
	assert_int_equal(img->len, nh->e_phoff + nh->e_phnum * 56);
	np = (const void *)(img->data + nh->e_phoff);
	assert_memory_equal(np, k + oh->e_phoff, oh->e_phnum * 56);
	last = &np[oh->e_phnum];
	assert_int_equal(last->p_type, ELF_PT_LOAD);
	assert_int_equal(last->p_flags, ELF_PF_R);
	assert_int_equal(last->p_offset, payload_off);
	assert_int_equal(last->p_paddr, 0x200000);
	assert_int_equal(last->p_vaddr, 0x200000);
	assert_int_equal(last->p_filesz, payload_len);
	assert_int_equal(last->p_memsz, payload_len);
	assert_int_equal(last->p_align, 4096);

	memcpy(&desc, img->data + FK_DATA_OFF, sizeof(desc));
	assert_true(desc.magic == KILN_DESC_MAGIC);
	assert_int_equal(desc.version, KILN_IMAGE_VERSION);
	assert_int_equal(desc.flags, 0);
	assert_int_equal(desc.payload_paddr, 0x200000);
	assert_int_equal(desc.payload_size, payload_len);

	/* Everything else of the kernel is unchanged. */
	assert_memory_equal(img->data + 64, k + 64, FK_DATA_OFF - 64);
	assert_memory_equal(img->data + FK_DATA_OFF + 32, k + FK_DATA_OFF + 32,
			    klen - FK_DATA_OFF - 32);
	for (size_t i = klen; i < payload_off; i++)
		assert_int_equal(img->data[i], 0);
}

static void check_payload(const struct image_view *v)
{
	static const char argv_bytes[] = "/hello\0arg one\0";
	static const char envp_bytes[] = "A=B\0C=";

	assert_true(v->hdr.magic == KILN_PAYLOAD_MAGIC);
	assert_int_equal(v->hdr.version, KILN_IMAGE_VERSION);
	assert_int_equal(v->hdr.hdr_size, sizeof(struct kiln_payload_hdr));
	assert_int_equal(v->hdr.argv_off, sizeof(struct kiln_payload_hdr));
	assert_int_equal(v->argc, 3);
	assert_int_equal(v->hdr.argv_size, sizeof(argv_bytes));
	assert_memory_equal(v->argv, argv_bytes, sizeof(argv_bytes));
	assert_int_equal(v->envc, 2);
	assert_int_equal(v->hdr.envp_size, sizeof(envp_bytes));
	assert_memory_equal(v->envp, envp_bytes, sizeof(envp_bytes));
	assert_string_equal(v->cmdline, "console=ttyS0");
	assert_int_equal(v->hdr.cmdline_size, sizeof("console=ttyS0"));
	assert_int_equal(v->hdr.cpio_off % 4096, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(v->hdr.reserved[i], 0);
}

static void check_cpio(struct fixture *fx, const struct image_view *v)
{
	struct cpio_iter it;
	struct cpio_entry e;
	size_t n = 0;
	uint64_t paddr = v->desc.payload_paddr + v->hdr.cpio_off;

	cpio_iter_init(&it, v->cpio, v->cpio_size);
	while (cpio_next(&it, &e) == 1) {
		struct stat st;
		char *p = path_join(fx->rootfs, e.name);

		assert_true(n < TREE_N);
		assert_string_equal(e.name, tree_names[n]);
		assert_int_equal(lstat(p, &st), 0);
		assert_int_equal(e.mode, st.st_mode);
		assert_int_equal(e.uid, 0);
		assert_int_equal(e.gid, 0);
		assert_int_equal(e.ino, n + 1);
		if (S_ISREG(e.mode))
			assert_same_as_host(fx, &e);
		if (S_ISREG(e.mode) && e.size)
			assert_int_equal((paddr + e.data_off) % 4096, 0);
		if (S_ISLNK(e.mode)) {
			assert_int_equal(e.size, 8);
			assert_memory_equal(e.data, "../hello", 8);
		}
		free(p);
		n++;
	}
	assert_int_equal(n, TREE_N);
	assert_int_equal(v->nfiles, TREE_N);
}

static void test_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct fk_opts o = {.action = FK_HANG};
	struct buf img = {0}, payload = {0};
	struct image_view v;
	const char *why = NULL;
	size_t klen;
	uint8_t *k = fk_build(&o, &klen);

	assert_int_equal(build(fx, k, klen, &img, &payload), 0);
	check_elf(k, klen, &img, payload.len);
	assert_int_equal(image_parse(img.data, img.len, &v, &why), 0);
	assert_null(why);
	assert_int_equal(v.payload_size, payload.len);
	assert_memory_equal(v.payload, payload.data, payload.len);
	check_payload(&v);
	check_cpio(fx, &v);
	buf_free(&img);
	buf_free(&payload);
	free(k);
}

static void test_deterministic(void **state)
{
	struct fixture *fx = *state;
	struct fk_opts o = {.action = FK_HANG};
	struct buf a = {0}, b = {0}, pa = {0}, pb = {0};
	size_t klen;
	uint8_t *k = fk_build(&o, &klen);

	assert_int_equal(build(fx, k, klen, &a, &pa), 0);
	assert_int_equal(build(fx, k, klen, &b, &pb), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	buf_free(&a);
	buf_free(&b);
	buf_free(&pa);
	buf_free(&pb);
	free(k);
}

static void test_source_date_epoch(void **state)
{
	struct fixture *fx = *state;
	struct buf cpio = {0};
	struct cpio_iter it;
	struct cpio_entry e;

	setenv("SOURCE_DATE_EPOCH", "100", 1);
	assert_int_equal(cpio_write_tree(&cpio, fx->rootfs, 0), 0);
	unsetenv("SOURCE_DATE_EPOCH");
	cpio_iter_init(&it, cpio.data, cpio.len);
	while (cpio_next(&it, &e) == 1)
		assert_int_equal(e.mtime, 100);
	buf_free(&cpio);
}

/* Run a shell command; returns its exit status. */
static int sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int ret;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	ret = system(cmd);
	free(cmd);
	return WIFEXITED(ret) ? WEXITSTATUS(ret) : -1;
}

static void test_gnu_cpio_reads_it(void **state)
{
	struct fixture *fx = *state;
	struct buf cpio = {0}, listing = {0}, want = {0};
	char *arc = path_join(fx->dir, "rootfs.cpio");
	char *lst = path_join(fx->dir, "listing.txt");
	char *out = path_join(fx->dir, "extracted");

	if (sh("command -v cpio >/dev/null") != 0)
		SKIP_MISSING("cpio");
	assert_int_equal(cpio_write_tree(&cpio, fx->rootfs, 0), 0);
	assert_int_equal(util_write_atomic(arc, cpio.data, cpio.len), 0);

	assert_int_equal(sh("cpio -it --quiet < '%s' > '%s'", arc, lst), 0);
	assert_int_equal(util_read_file(lst, &listing), 0);
	for (size_t i = 0; i < TREE_N; i++) {
		assert_int_equal(
			buf_put(&want, tree_names[i], strlen(tree_names[i])),
			0);
		assert_int_equal(buf_put(&want, "\n", 1), 0);
	}
	assert_int_equal(listing.len, want.len);
	assert_memory_equal(listing.data, want.data, want.len);

	/* GNU cpio extracts the same tree, contents and symlink included. */
	assert_int_equal(mkdir(out, 0755), 0);
	assert_int_equal(sh("cd '%s' && cpio -id --quiet < '%s'", out, arc), 0);
	assert_int_equal(
		sh("diff -r --no-dereference '%s' '%s'", fx->rootfs, out), 0);
	buf_free(&cpio);
	buf_free(&listing);
	buf_free(&want);
	free(arc);
	free(lst);
	free(out);
}

static void test_refuse_bad_kernels(void **state)
{
	struct fixture *fx = *state;
	struct fk_opts nodesc = {.no_desc = true};
	struct fk_opts badmagic = {.desc_magic = 0x1234};
	struct fk_opts full = {.payload_size = 4096};
	struct fk_opts good = {0};
	struct buf img = {0}, img2 = {0}, payload = {0};
	size_t klen;
	uint8_t *k;

	k = fk_build(&nodesc, &klen);
	assert_int_equal(build(fx, k, klen, &img, &payload), -ENOEXEC);
	free(k);
	buf_free(&payload);
	k = fk_build(&badmagic, &klen);
	assert_int_equal(build(fx, k, klen, &img, &payload), -ENOEXEC);
	free(k);
	buf_free(&payload);
	k = fk_build(&full, &klen);
	assert_int_equal(build(fx, k, klen, &img, &payload), -EEXIST);
	free(k);
	buf_free(&payload);

	/* Not an ELF at all. */
	k = calloc(1, 4096);
	assert_int_equal(build(fx, k, 4096, &img, &payload), -ENOEXEC);
	free(k);
	buf_free(&payload);

	/* An image cannot be the kernel of another image. */
	k = fk_build(&good, &klen);
	assert_int_equal(build(fx, k, klen, &img, &payload), 0);
	buf_free(&payload);
	assert_int_equal(build(fx, img.data, img.len, &img2, &payload),
			 -EEXIST);
	buf_free(&payload);
	buf_free(&img);
	buf_free(&img2);
	free(k);
}

static void test_parse_rejects_damage(void **state)
{
	struct fixture *fx = *state;
	struct fk_opts o = {0};
	struct buf img = {0}, payload = {0};
	struct image_view v;
	const char *why;
	size_t klen, poff;
	uint8_t *k = fk_build(&o, &klen), *copy;

	assert_int_equal(build(fx, k, klen, &img, &payload), 0);
	poff = (klen + 4095) & ~4095UL;

	/* A bare kernel has no payload. */
	assert_int_equal(image_parse(k, klen, &v, &why), -ENOENT);
	assert_non_null(why);

	/* Truncation anywhere: an error, never a crash. */
	for (size_t len = 0; len < img.len; len += 13) {
		copy = malloc(len ? len : 1);
		memcpy(copy, img.data, len);
		assert_int_not_equal(image_parse(copy, len, &v, NULL), 0);
		free(copy);
	}

	/* Damage to the payload header and the archive. */
	img.data[poff] ^= 1; /* payload magic */
	assert_int_equal(image_parse(img.data, img.len, &v, &why), -EINVAL);
	img.data[poff] ^= 1;
	img.data[poff + offsetof(struct kiln_payload_hdr, argv_size)] += 1;
	assert_int_equal(image_parse(img.data, img.len, &v, &why), -EINVAL);
	img.data[poff + offsetof(struct kiln_payload_hdr, argv_size)] -= 1;
	img.data[poff + offsetof(struct kiln_payload_hdr, cpio_off)] += 4;
	assert_int_equal(image_parse(img.data, img.len, &v, &why), -EINVAL);
	img.data[poff + offsetof(struct kiln_payload_hdr, cpio_off)] -= 4;
	img.data[poff + 4096 + 3] = 'x'; /* the first cpio magic */
	assert_int_equal(image_parse(img.data, img.len, &v, &why), -EINVAL);
	img.data[poff + 4096 + 3] = '7';
	assert_int_equal(image_parse(img.data, img.len, &v, &why), 0);

	buf_free(&img);
	buf_free(&payload);
	free(k);
}

static void test_payload_args(void **state)
{
	struct buf p = {0};
	struct image_args none = {.argc = 0};
	const char *argv[] = {"/x"};
	struct image_args one = {.argv = argv, .argc = 1};
	struct kiln_payload_hdr h;

	(void)state;
	assert_int_equal(image_build_payload(&p, &none, "", 0), -EINVAL);
	assert_int_equal(image_build_payload(&p, &one, "abc", 3), 0);
	memcpy(&h, p.data, sizeof(h));
	assert_int_equal(h.argv_size, 3);
	assert_int_equal(h.envp_size, 0);
	assert_int_equal(h.envp_off, h.argv_off + 3);
	assert_int_equal(h.cmdline_size, 1); /* "" */
	assert_int_equal(h.cpio_off, 4096);
	assert_int_equal(h.cpio_size, 3);
	assert_int_equal(p.len, 4099);
	buf_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_source_date_epoch),
		cmocka_unit_test(test_gnu_cpio_reads_it),
		cmocka_unit_test(test_refuse_bad_kernels),
		cmocka_unit_test(test_parse_rejects_damage),
		cmocka_unit_test(test_payload_args),
	};

	return cmocka_run_group_tests_name("image", tests, setup, teardown);
}
