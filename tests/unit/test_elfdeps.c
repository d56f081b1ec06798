// SPDX-License-Identifier: MIT
/*
 * Tests for the shared-library closure (packer/elfdeps.c) and the image
 * manifest (packer/manifest.c): hand-made ELF files with DT_NEEDED,
 * DT_RUNPATH/DT_RPATH and $ORIGIN, malformed dynamic sections, real host
 * binaries (/bin/ls needs libc.so.6 and ld-linux), and symlinks followed
 * in guest paths.
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
#include <unistd.h>

#include <cmocka.h>

#include "lib/cpio.h"
#include "lib/elf.h"
#include "packer/elfdeps.h"
#include "packer/manifest.h"
#include "helpers.h"

#define DT_NEEDED  1
#define DT_STRTAB  5
#define DT_STRSZ   10
#define DT_RPATH   15
#define DT_RUNPATH 29

/* What a hand-made ELF file declares. */
struct fake_elf {
	const char *needed[4];
	const char *runpath;
	const char *rpath;
	const char *interp;
	bool bad_strtab; /* DT_STRTAB outside every PT_LOAD */
};

/* Build an ELF64 x86_64 shared object: ehdr, 3 phdrs, strings, dynamic. */
static uint8_t *fake_elf_build(const struct fake_elf *fe, size_t *len)
{
	enum { PH_OFF = 64, STR_OFF = 256, DYN_OFF = 1024, SIZE = 2048 };
	uint8_t *f = calloc(1, SIZE);
	struct elf64_ehdr eh = {
		.e_ident = {0x7f, 'E', 'L', 'F', 2, 1, 1},
		.e_type = ELF_ET_DYN,
		.e_machine = ELF_EM_X86_64,
		.e_version = 1,
		.e_phoff = PH_OFF,
		.e_ehsize = 64,
		.e_phentsize = sizeof(struct elf64_phdr),
		.e_phnum = 3,
	};
	struct elf64_phdr ph[3] = {
		{.p_type = ELF_PT_LOAD,
		 .p_flags = ELF_PF_R,
		 .p_filesz = SIZE,
		 .p_memsz = SIZE,
		 .p_align = 0x1000},
		{.p_type = ELF_PT_DYNAMIC,
		 .p_flags = ELF_PF_R,
		 .p_offset = DYN_OFF,
		 .p_vaddr = DYN_OFF,
		 .p_filesz = 16 * 16,
		 .p_memsz = 16 * 16,
		 .p_align = 8},
		{.p_type = fe->interp ? ELF_PT_INTERP : ELF_PT_NOTE,
		 .p_offset = STR_OFF + 512,
		 .p_vaddr = STR_OFF + 512,
		 .p_filesz = fe->interp ? strlen(fe->interp) + 1 : 0,
		 .p_align = 1},
	};
	uint64_t dyn[32], str = 1, strsz;
	size_t nd = 0;

	assert_non_null(f);
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + PH_OFF, ph, sizeof(ph));
	if (fe->interp)
		strcpy((char *)f + STR_OFF + 512, fe->interp);
#define ADD_STR(tag, s)                                                        \
	do {                                                                   \
		strcpy((char *)f + STR_OFF + str, s);                          \
		dyn[nd++] = tag;                                               \
		dyn[nd++] = str;                                               \
		str += strlen(s) + 1;                                          \
	} while (0)
	for (size_t i = 0; i < 4 && fe->needed[i]; i++)
		ADD_STR(DT_NEEDED, fe->needed[i]);
	if (fe->runpath)
		ADD_STR(DT_RUNPATH, fe->runpath);
	if (fe->rpath)
		ADD_STR(DT_RPATH, fe->rpath);
#undef ADD_STR
	strsz = str;
	dyn[nd++] = DT_STRTAB;
	dyn[nd++] = fe->bad_strtab ? 0x100000 : STR_OFF;
	dyn[nd++] = DT_STRSZ;
	dyn[nd++] = strsz;
	dyn[nd++] = 0;
	dyn[nd++] = 0;
	memcpy(f + DYN_OFF, dyn, nd * sizeof(dyn[0]));
	*len = SIZE;
	return f;
}

static void fake_elf_write(const char *path, const struct fake_elf *fe)
{
	size_t len;
	uint8_t *f = fake_elf_build(fe, &len);
	FILE *out = fopen(path, "wb");

	assert_non_null(out);
	assert_int_equal(fwrite(f, 1, len, out), len);
	fclose(out);
	free(f);
}

static bool found_suffix(const struct elfdeps *d, const char *suffix)
{
	size_t sl = strlen(suffix);

	for (size_t i = 0; i < d->found.n; i++) {
		size_t l = strlen(d->found.v[i]);

		if (l >= sl && !strcmp(d->found.v[i] + l - sl, suffix))
			return true;
	}
	return false;
}

/* Child: closure of argv[1]; strict unless argv[0] is "lenient". */
static int closure_child(int argc, char **argv)
{
	struct elfdeps d;
	int ret;

	(void)argc;
	elfdeps_init(&d, NULL);
	ret = elfdeps_add(&d, argv[1], argv[1], strcmp(argv[0], "lenient"));
	elfdeps_free(&d);
	return ret == -ENOENT ? 7 : ret ? 1 : 0;
}

static void test_parse_fake(void **state)
{
	struct fake_elf fe = {.needed = {"libone.so.1", "libtwo.so"},
			      .runpath = "$ORIGIN/../lib:/opt/x:${ORIGIN}",
			      .interp = "/lib64/ld-linux-x86-64.so.2"};
	struct elfdeps_dyn d;
	const char *why;
	size_t len;
	uint8_t *f = fake_elf_build(&fe, &len);

	(void)state;
	assert_int_equal(elfdeps_parse(f, len, "/o", &d, &why), 0);
	assert_true(d.has_dynamic);
	assert_string_equal(d.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_int_equal(d.needed.n, 2);
	assert_string_equal(d.needed.v[0], "libone.so.1");
	assert_string_equal(d.needed.v[1], "libtwo.so");
	assert_int_equal(d.runpath.n, 3);
	assert_string_equal(d.runpath.v[0], "/o/../lib");
	assert_string_equal(d.runpath.v[1], "/opt/x");
	assert_string_equal(d.runpath.v[2], "/o");
	assert_int_equal(d.rpath.n, 0);
	elfdeps_dyn_free(&d);
	free(f);
}

/* Every corruption is refused with a reason, never read out of bounds. */
static void test_parse_malformed(void **state)
{
	struct fake_elf fe = {.needed = {"libone.so.1"}};
	struct elfdeps_dyn d;
	const char *why = NULL;
	size_t len;
	uint8_t *f = fake_elf_build(&fe, &len);
	uint64_t big = 1ULL << 40;

	(void)state;
	/* DT_NEEDED pointing past DT_STRSZ */
	memcpy(f + 1024 + 8, &big, 8);
	assert_int_equal(elfdeps_parse(f, len, "/", &d, &why), -EINVAL);
	assert_non_null(why);
	free(f);

	fe.bad_strtab = true;
	f = fake_elf_build(&fe, &len);
	assert_int_equal(elfdeps_parse(f, len, "/", &d, &why), -EINVAL);
	free(f);

	fe.bad_strtab = false;
	f = fake_elf_build(&fe, &len);
	/* PT_DYNAMIC beyond the end of the file */
	memcpy(f + 64 + 56 + 8, &big, 8);
	assert_int_not_equal(elfdeps_parse(f, len, "/", &d, &why), 0);
	free(f);

	f = fake_elf_build(&fe, &len);
	f[18] = 183; /* aarch64 */
	assert_int_equal(elfdeps_parse(f, len, "/", &d, &why), -ENOEXEC);
	assert_string_equal(why, "not an x86_64 ELF program or library");
	for (size_t cut = 0; cut < len; cut += 61) {
		uint8_t *g = malloc(cut + 1);

		memcpy(g, f, cut);
		if (elfdeps_parse(g, cut, "/", &d, &why) == 0)
			elfdeps_dyn_free(&d);
		free(g);
	}
	free(f);
}

/* /bin/ls on the host: libc.so.6 and the dynamic loader, like ldd. */
static void test_closure_host_binary(void **state)
{
	struct elfdeps d;

	(void)state;
	if (!elfdeps_is_elf("/bin/ls"))
		SKIP_MISSING("an ELF /bin/ls");
	elfdeps_init(&d, "/etc/ld.so.conf");
	assert_int_equal(elfdeps_add(&d, "/bin/ls", "/bin/ls", true), 0);
	assert_true(found_suffix(&d, "/libc.so.6"));
	assert_true(strv_contains(&d.found, "/lib64/ld-linux-x86-64.so.2"));
	/* Every path found exists and is listed once. */
	for (size_t i = 0; i < d.found.n; i++) {
		assert_true(path_exists(d.found.v[i]));
		for (size_t j = i + 1; j < d.found.n; j++)
			assert_string_not_equal(d.found.v[i], d.found.v[j]);
	}
	elfdeps_free(&d);
}

/* $ORIGIN RUNPATH, the RPATH chain, and RUNPATH not being inherited. */
static void test_closure_origin(void **state)
{
	char *dir = tmp_dir(), *p;
	struct fake_elf prog = {.needed = {"libkilna.so"},
				.runpath = "$ORIGIN/../lib"};
	struct fake_elf prog_rpath = {.needed = {"libkilna.so"},
				      .rpath = "$ORIGIN/../lib"};
	struct fake_elf liba = {.needed = {"libkilnb.so"}};
	struct fake_elf libb = {0};
	struct elfdeps d;
	struct captured c;

	(void)state;
	tmp_file(dir, "bin/.keep", "", 0644);
	tmp_file(dir, "lib/.keep", "", 0644);
	p = path_join(dir, "bin/prog");
	fake_elf_write(p, &prog_rpath);
	free(p);
	p = path_join(dir, "bin/prog_runpath");
	fake_elf_write(p, &prog);
	free(p);
	p = path_join(dir, "lib/libkilna.so");
	fake_elf_write(p, &liba);
	free(p);
	p = path_join(dir, "lib/libkilnb.so");
	fake_elf_write(p, &libb);
	free(p);

	/* DT_RPATH: libkilna's own need is found through prog's RPATH. */
	elfdeps_init(&d, NULL);
	p = path_join(dir, "bin/prog");
	assert_int_equal(elfdeps_add(&d, p, "prog", true), 0);
	free(p);
	assert_true(found_suffix(&d, "/bin/../lib/libkilna.so"));
	assert_true(found_suffix(&d, "/bin/../lib/libkilnb.so"));
	elfdeps_free(&d);

	/* DT_RUNPATH applies to prog's own needs only, as in ld.so. */
	p = path_join(dir, "bin/prog_runpath");
	run_captured(closure_child, (char *[]){"child", p, NULL}, &c);
	assert_int_equal(c.status, 7);
	assert_non_null(strstr(c.err, "libkilna.so: needs libkilnb.so"));
	captured_free(&c);
	free(p);

	/* A needed library that is nowhere: an error naming both. */
	p = path_join(dir, "lib/libkilna.so");
	run_captured(closure_child, (char *[]){"child", p, NULL}, &c);
	assert_int_equal(c.status, 7);
	assert_non_null(strstr(c.err, "needs libkilnb.so, which is not on"));
	captured_free(&c);
	free(p);
	tmp_remove(dir);
	free(dir);
}

/* A malformed root: an error if strict, else a warning naming it. */
static void test_closure_malformed_root(void **state)
{
	char *dir = tmp_dir();
	char *p = path_join(dir, "bad.so");
	struct fake_elf fe = {0};
	uint64_t far = 1ULL << 40;
	struct captured c;
	FILE *f;

	(void)state;
	fake_elf_write(p, &fe);
	f = fopen(p, "r+b");
	assert_non_null(f);
	fseek(f, 32, SEEK_SET); /* e_phoff */
	fwrite(&far, 8, 1, f);
	fclose(f);
	assert_true(elfdeps_is_elf(p));
	run_captured(closure_child, (char *[]){"child", p, NULL}, &c);
	assert_int_equal(c.status, 1);
	assert_non_null(strstr(c.err, "bad.so: malformed ELF headers"));
	captured_free(&c);
	run_captured(closure_child, (char *[]){"lenient", p, NULL}, &c);
	assert_int_equal(c.status, 0);
	assert_non_null(strstr(c.err, "warning: "));
	assert_non_null(strstr(c.err, "bad.so: malformed ELF headers; copied"));
	captured_free(&c);
	free(p);
	tmp_remove(dir);
	free(dir);
}

/* Guest paths follow the manifest's symlinks; later files replace. */
static void test_manifest_symlinks(void **state)
{
	struct manifest m;
	const struct mf_entry *e;

	(void)state;
	mf_init(&m);
	assert_int_equal(mf_add_dir(&m, "/usr/bin", 0755), 0);
	assert_int_equal(mf_add_symlink(&m, "/bin", "usr/bin"), 0);
	assert_int_equal(mf_add_data(&m, "/bin/busybox", "bb", 0755), 0);
	assert_int_equal(mf_add_symlink(&m, "/bin/sh", "busybox"), 0);
	e = mf_lookup(&m, "/usr/bin/sh");
	assert_non_null(e);
	assert_true(S_ISLNK(e->mode));
	assert_string_equal(e->path, "usr/bin/sh");
	assert_non_null(mf_lookup(&m, "/bin/busybox"));
	assert_non_null(mf_lookup(&m, "/a/../usr/./bin/busybox"));
	/* Absolute targets restart at the root. */
	assert_int_equal(mf_add_symlink(&m, "/lib64", "/usr/lib64"), 0);
	assert_int_equal(mf_add_data(&m, "/lib64/ld.so", "x", 0755), 0);
	assert_non_null(mf_lookup(&m, "/usr/lib64/ld.so"));
	/* A file replaces a file; a directory cannot replace one. */
	assert_int_equal(mf_add_data(&m, "/etc/hosts", "a", 0644), 0);
	assert_int_equal(mf_add_data(&m, "/etc/hosts", "bb", 0644), 0);
	assert_int_equal(mf_lookup(&m, "/etc/hosts")->size, 2);
	assert_int_equal(mf_add_dir(&m, "/etc/hosts", 0755), -EEXIST);
	/* A symlink loop is refused, not followed forever. */
	assert_int_equal(mf_add_symlink(&m, "/loop", "/loop"), 0);
	assert_int_equal(mf_add_data(&m, "/loop/x", "", 0644), -EINVAL);
	mf_free(&m);
}

/* A host path arrives with each symlink met on the way, then the file. */
static void test_manifest_host_path(void **state)
{
	char *dir = tmp_dir(), *link, *target, *file;
	struct manifest m;
	struct buf cpio = {0};
	struct cpio_iter it;
	struct cpio_entry ce;
	size_t n = 0;

	(void)state;
	tmp_file(dir, "real/lib/libx.so.1.2", "library", 0644);
	link = path_join(dir, "lib");
	assert_int_equal(symlink("real/lib", link), 0);
	target = path_join(dir, "real/lib/libx.so.1");
	assert_int_equal(symlink("libx.so.1.2", target), 0);
	file = path_join(dir, "lib/libx.so.1");
	mf_init(&m);
	assert_int_equal(mf_add_host_path(&m, file), 0);
	assert_true(S_ISLNK(mf_lookup(&m, link)->mode));
	assert_true(S_ISLNK(mf_lookup(&m, target)->mode));
	assert_ptr_equal(mf_lookup(&m, file), mf_lookup(&m, target));
	free(file);
	file = path_join(dir, "real/lib/libx.so.1.2");
	assert_true(S_ISREG(mf_lookup(&m, file)->mode));
	assert_int_equal(mf_write_cpio(&m, &cpio, 0), 0);
	cpio_iter_init(&it, cpio.data, cpio.len);
	while (cpio_next(&it, &ce) == 1) {
		if (S_ISREG(ce.mode) && ce.size) {
			assert_int_equal(
				((const uint8_t *)ce.data - cpio.data) % 4096,
				0);
			assert_memory_equal(ce.data, "library", 7);
		}
		n++;
	}
	assert_int_equal(n, m.n);
	buf_free(&cpio);
	mf_free(&m);
	free(link);
	free(target);
	free(file);
	tmp_remove(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fake),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_closure_host_binary),
		cmocka_unit_test(test_closure_origin),
		cmocka_unit_test(test_closure_malformed_root),
		cmocka_unit_test(test_manifest_symlinks),
		cmocka_unit_test(test_manifest_host_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
