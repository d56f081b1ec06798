// SPDX-License-Identifier: MIT
/*
 * Unit tests for the ELF parser (lib/elf.c). A small valid executable is
 * built in the test; each test breaks one thing and checks the verdict.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/elf.h"
#include "helpers.h"

#define BASE	   0x400000ULL
#define NPH	   6
#define PH_OFF	   64
#define INTERP_OFF (PH_OFF + NPH * 56)
#define INTERP	   "/lib/ld-musl-x86_64.so.1"
#define FILE_LEN   0x1100

/* Indices of the program headers in the test ELF. */
enum { PH_PHDR, PH_INTERP, PH_TEXT, PH_DATA, PH_STACK, PH_NOTE };

/* An 8-byte aligned buffer holding the test ELF. */
struct elf_file {
	union {
		uint8_t b[FILE_LEN];
		uint64_t align;
	};
	size_t len;
};

static struct elf64_ehdr *eh(struct elf_file *f)
{
	return (struct elf64_ehdr *)f->b;
}

static struct elf64_phdr *ph(struct elf_file *f, int i)
{
	return (struct elf64_phdr *)(f->b + PH_OFF) + i;
}

/*
 * A PIE-like executable: PT_PHDR, PT_INTERP, text PT_LOAD covering the
 * headers, data PT_LOAD (with bss) ending at the end of the file,
 * PT_GNU_STACK (RW) and a PT_NOTE.
 */
static void make_elf(struct elf_file *f)
{
	struct elf64_ehdr h = {
		.e_ident = {0x7f, 'E', 'L', 'F', 2, 1, 1},
		.e_type = ELF_ET_DYN,
		.e_machine = ELF_EM_X86_64,
		.e_version = 1,
		.e_entry = BASE + 0x200,
		.e_phoff = PH_OFF,
		.e_ehsize = 64,
		.e_phentsize = 56,
		.e_phnum = NPH,
	};
	struct elf64_phdr p[NPH] = {
		[PH_PHDR] = {ELF_PT_PHDR, ELF_PF_R, PH_OFF, BASE + PH_OFF,
			     BASE + PH_OFF, NPH * 56, NPH * 56, 8},
		[PH_INTERP] = {ELF_PT_INTERP, ELF_PF_R, INTERP_OFF,
			       BASE + INTERP_OFF, BASE + INTERP_OFF,
			       sizeof(INTERP), sizeof(INTERP), 1},
		[PH_TEXT] = {ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0, BASE, BASE,
			     0x800, 0x800, 0x1000},
		[PH_DATA] = {ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x1000,
			     BASE + 0x3000, BASE + 0x3000, FILE_LEN - 0x1000,
			     0x5000, 0x1000},
		[PH_STACK] = {ELF_PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0,
			      0, 16},
		[PH_NOTE] = {ELF_PT_NOTE, ELF_PF_R, 0x400, BASE + 0x400,
			     BASE + 0x400, 0x20, 0x20, 4},
	};

	memset(f, 0, sizeof(*f));
	f->len = FILE_LEN;
	memcpy(f->b, &h, sizeof(h));
	memcpy(f->b + PH_OFF, p, sizeof(p));
	memcpy(f->b + INTERP_OFF, INTERP, sizeof(INTERP));
}

/* Parse a heap copy of the first len bytes, so ASan sees the real end. */
static int parse_len(const struct elf_file *f, size_t len,
		     struct elf_info *info)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct elf_info tmp;
	int ret;

	memcpy(copy, f->b, len);
	ret = elf_parse(copy, len, info ? info : &tmp);
	free(copy);
	return ret;
}

static int parse(struct elf_file *f)
{
	struct elf_info info;

	return elf_parse(f->b, f->len, &info);
}

static void test_valid(void **state)
{
	struct elf_file f;
	struct elf_info info;

	(void)state;
	make_elf(&f);
	assert_int_equal(elf_parse(f.b, f.len, &info), 0);
	assert_ptr_equal(info.ehdr, f.b);
	assert_ptr_equal(info.phdr, f.b + PH_OFF);
	assert_int_equal(info.phnum, NPH);
	assert_int_equal(info.type, ELF_ET_DYN);
	assert_int_equal(info.entry, BASE + 0x200);
	assert_non_null(info.interp);
	assert_string_equal(info.interp, INTERP);
	assert_int_equal(info.phdr_vaddr, BASE + PH_OFF);
	assert_int_equal(info.min_vaddr, BASE);
	assert_int_equal(info.max_vaddr, BASE + 0x8000);
	assert_false(info.exec_stack);

	ph(&f, PH_STACK)->p_flags |= ELF_PF_X;
	assert_int_equal(elf_parse(f.b, f.len, &info), 0);
	assert_true(info.exec_stack);
}

static void test_static_exec(void **state)
{
	struct elf_file f;
	struct elf_info info;

	(void)state;
	make_elf(&f);
	eh(&f)->e_type = ELF_ET_EXEC;
	ph(&f, PH_INTERP)->p_type = ELF_PT_NULL;
	ph(&f, PH_PHDR)->p_type = ELF_PT_NULL;
	/* Unaligned bounds are rounded out to pages. */
	ph(&f, PH_TEXT)->p_vaddr = BASE + 0x10;
	ph(&f, PH_TEXT)->p_offset = 0x10;
	ph(&f, PH_TEXT)->p_filesz = 0x7f0;
	ph(&f, PH_TEXT)->p_memsz = 0x7f0;
	ph(&f, PH_DATA)->p_memsz = 0x5001;
	assert_int_equal(elf_parse(f.b, f.len, &info), 0);
	assert_int_equal(info.type, ELF_ET_EXEC);
	assert_null(info.interp);
	/* No PT_PHDR: found through the text PT_LOAD that maps offset 64. */
	assert_int_equal(info.phdr_vaddr, BASE + PH_OFF);
	assert_int_equal(info.min_vaddr, BASE);
	assert_int_equal(info.max_vaddr, BASE + 0x9000);
}

static void test_phdr_not_mapped(void **state)
{
	struct elf_file f;
	struct elf_info info;

	(void)state;
	make_elf(&f);
	ph(&f, PH_PHDR)->p_type = ELF_PT_NULL;
	ph(&f, PH_TEXT)->p_offset = 0x1000;
	ph(&f, PH_TEXT)->p_filesz = 0x10;
	assert_int_equal(elf_parse(f.b, f.len, &info), 0);
	assert_int_equal(info.phdr_vaddr, 0);
}

static void test_truncated_everywhere(void **state)
{
	struct elf_file f;
	struct elf_info info;

	(void)state;
	make_elf(&f);
	assert_int_equal(parse_len(&f, f.len, &info), 0);
	for (size_t len = 0; len < f.len; len++) {
		int ret = parse_len(&f, len, NULL);

		if (len < sizeof(struct elf64_ehdr))
			assert_int_equal(ret, -ENOEXEC);
		else
			assert_int_equal(ret, -EINVAL);
	}
}

static void test_not_elf(void **state)
{
	struct elf_file f;

	(void)state;
	make_elf(&f);
	f.b[0] = 0;
	assert_int_equal(parse(&f), -ENOEXEC);
	make_elf(&f);
	f.b[4] = 1; /* ELFCLASS32 */
	assert_int_equal(parse(&f), -ENOEXEC);
	make_elf(&f);
	f.b[5] = 2; /* big-endian */
	assert_int_equal(parse(&f), -ENOEXEC);
	make_elf(&f);
	eh(&f)->e_machine = 183; /* EM_AARCH64 */
	assert_int_equal(parse(&f), -ENOEXEC);
	make_elf(&f);
	eh(&f)->e_type = 1; /* ET_REL */
	assert_int_equal(parse(&f), -ENOEXEC);
	make_elf(&f);
	eh(&f)->e_type = 4; /* ET_CORE */
	assert_int_equal(parse(&f), -ENOEXEC);
}

static void test_phdr_table_bounds(void **state)
{
	struct elf_file f;

	(void)state;
	make_elf(&f);
	eh(&f)->e_phoff = FILE_LEN - 56 * NPH + 8;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	eh(&f)->e_phoff = UINT64_MAX - 7;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	eh(&f)->e_phnum = 0xffff;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	eh(&f)->e_phnum = 0;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	eh(&f)->e_phentsize = 32;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	eh(&f)->e_phoff = PH_OFF + 4; /* misaligned table */
	assert_int_equal(parse(&f), -EINVAL);
}

static void test_unaligned_buffer(void **state)
{
	struct elf_file f;
	uint8_t *buf = malloc(FILE_LEN + 1);
	struct elf_info info;

	(void)state;
	make_elf(&f);
	memcpy(buf + 1, f.b, FILE_LEN);
	assert_int_equal(elf_parse(buf + 1, FILE_LEN, &info), -EINVAL);
	free(buf);
}

static void test_load_checks(void **state)
{
	struct elf_file f;

	(void)state;
	make_elf(&f);
	ph(&f, PH_DATA)->p_filesz += 1; /* past the end of the file */
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	ph(&f, PH_DATA)->p_memsz = ph(&f, PH_DATA)->p_filesz - 1;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	ph(&f, PH_DATA)->p_offset = UINT64_MAX - 0x10; /* offset + size wraps */
	ph(&f, PH_DATA)->p_vaddr = BASE + 0x3000 - 0x11;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	ph(&f, PH_DATA)->p_filesz = UINT64_MAX;
	ph(&f, PH_DATA)->p_memsz = UINT64_MAX;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	ph(&f, PH_DATA)->p_vaddr = UINT64_MAX - 0x1000 + 1; /* vaddr wraps */
	ph(&f, PH_DATA)->p_offset = 0x1000;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	ph(&f, PH_DATA)->p_vaddr = 0xfffffffffffff000ULL; /* page end wraps */
	ph(&f, PH_DATA)->p_memsz = 0x800;
	ph(&f, PH_DATA)->p_filesz = 0x100;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	ph(&f, PH_DATA)->p_vaddr += 0x10; /* offset % align != vaddr % align */
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	ph(&f, PH_DATA)->p_align = 0x1800; /* not a power of two */
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	ph(&f, PH_DATA)->p_align = 0; /* 0 and 1 mean "no constraint" */
	ph(&f, PH_DATA)->p_vaddr += 0x10;
	assert_int_equal(parse(&f), 0);
}

static void test_no_load(void **state)
{
	struct elf_file f;

	(void)state;
	make_elf(&f);
	ph(&f, PH_TEXT)->p_type = ELF_PT_NULL;
	ph(&f, PH_DATA)->p_type = ELF_PT_NULL;
	assert_int_equal(parse(&f), -EINVAL);
}

static void test_interp(void **state)
{
	struct elf_file f;

	(void)state;
	make_elf(&f);
	ph(&f, PH_INTERP)->p_filesz = strlen(INTERP); /* NUL left out */
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	ph(&f, PH_INTERP)->p_filesz = 0;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	ph(&f, PH_INTERP)->p_offset = FILE_LEN - 4;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	ph(&f, PH_INTERP)->p_offset = UINT64_MAX;
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	*ph(&f, PH_NOTE) = *ph(&f, PH_INTERP); /* two PT_INTERP */
	assert_int_equal(parse(&f), -EINVAL);
	make_elf(&f);
	/* The path may end before p_filesz: only a NUL inside is needed. */
	ph(&f, PH_INTERP)->p_filesz += 8;
	assert_int_equal(parse(&f), 0);
}

/*
 * elf_parse_head: the headers and PT_INTERP from the first bytes only,
 * the segments checked against the whole file's size (exec of files whose
 * bytes are not in memory: compressed image files, tmpfs).
 */
static void test_parse_head(void **state)
{
	struct elf_file f;
	struct elf_info info, whole;
	size_t head = INTERP_OFF + sizeof(INTERP);

	(void)state;
	make_elf(&f);
	assert_int_equal(elf_parse(f.b, f.len, &whole), 0);
	assert_int_equal(elf_parse_head(f.b, head, f.len, &info), 0);
	assert_string_equal(info.interp, INTERP);
	assert_int_equal(info.phdr_vaddr, whole.phdr_vaddr);
	assert_int_equal(info.max_vaddr, whole.max_vaddr);
	/* the PT_INTERP path cut by the head: refused */
	assert_int_equal(elf_parse_head(f.b, head - 1, f.len, &info), -EINVAL);
	/* the program headers past the head: refused */
	assert_int_equal(elf_parse_head(f.b, PH_OFF + 56, f.len, &info),
			 -EINVAL);
	/* a segment past the file's end: refused, whatever the head */
	assert_int_equal(elf_parse_head(f.b, head, f.len - 1, &info), -EINVAL);
	/* a head longer than the file cannot be */
	assert_int_equal(elf_parse_head(f.b, f.len, f.len - 1, &info), -EINVAL);
}

static void test_find_section(void **state)
{
	struct fk_opts o = {.action = FK_HANG};
	const struct elf64_shdr *sh;
	struct elf64_ehdr *h;
	size_t len;
	uint8_t *k = fk_build(&o, &len);

	(void)state;
	assert_int_equal(elf_find_section(k, len, ".kiln_desc", &sh), 0);
	assert_int_equal(sh->sh_offset, FK_DATA_OFF);
	assert_int_equal(elf_find_section(k, len, ".text", &sh), 0);
	assert_int_equal(sh->sh_offset, FK_TEXT_OFF);
	assert_int_equal(elf_find_section(k, len, ".kiln", &sh), -ENOENT);
	assert_int_equal(elf_find_section(k, len, ".kiln_desc2", &sh), -ENOENT);

	h = (struct elf64_ehdr *)k;
	h->e_shstrndx = h->e_shnum;
	assert_int_equal(elf_find_section(k, len, ".text", &sh), -EINVAL);
	h->e_shstrndx = h->e_shnum - 1;
	h->e_shoff += 8;
	assert_int_equal(elf_find_section(k, len, ".text", &sh), -EINVAL);
	h->e_shoff -= 8;
	h->e_shentsize = 40;
	assert_int_equal(elf_find_section(k, len, ".text", &sh), -EINVAL);
	h->e_shentsize = 64;
	h->e_shnum = 0;
	assert_int_equal(elf_find_section(k, len, ".text", &sh), -ENOENT);
	free(k);
}

static void test_find_section_corrupt(void **state)
{
	struct fk_opts o = {.action = FK_HANG};
	const struct elf64_shdr *sh;
	struct elf64_shdr *shdrs;
	size_t len;
	uint8_t *k = fk_build(&o, &len);
	struct elf64_ehdr *h = (struct elf64_ehdr *)k;

	(void)state;
	shdrs = (struct elf64_shdr *)(k + h->e_shoff);
	shdrs[1].sh_name = 0x1000; /* outside .shstrtab */
	assert_int_equal(elf_find_section(k, len, ".kiln_desc", &sh), -EINVAL);
	shdrs[1].sh_name = 1;
	shdrs[2].sh_offset = len; /* the found section leaves the file */
	assert_int_equal(elf_find_section(k, len, ".kiln_desc", &sh), -EINVAL);
	shdrs[2].sh_type = 8; /* ... fine for SHT_NOBITS */
	assert_int_equal(elf_find_section(k, len, ".kiln_desc", &sh), 0);
	shdrs[2].sh_type = 1;
	shdrs[2].sh_offset = FK_DATA_OFF;
	/* .shstrtab without its final NUL: the last name is unterminated. */
	shdrs[3].sh_size -= 1;
	assert_int_equal(elf_find_section(k, len, ".nothere", &sh), -EINVAL);
	shdrs[3].sh_size = UINT64_MAX;
	assert_int_equal(elf_find_section(k, len, ".text", &sh), -EINVAL);
	free(k);
}

static void test_find_section_truncated(void **state)
{
	struct fk_opts o = {.action = FK_HANG};
	const struct elf64_shdr *sh;
	size_t len;
	uint8_t *k = fk_build(&o, &len);

	(void)state;
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		int ret;

		memcpy(copy, k, n);
		ret = elf_find_section(copy, n, ".kiln_desc", &sh);
		assert_true(ret == -EINVAL || ret == -ENOEXEC);
		free(copy);
	}
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_static_exec),
		cmocka_unit_test(test_phdr_not_mapped),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_phdr_table_bounds),
		cmocka_unit_test(test_unaligned_buffer),
		cmocka_unit_test(test_load_checks),
		cmocka_unit_test(test_no_load),
		cmocka_unit_test(test_interp),
		cmocka_unit_test(test_parse_head),
		cmocka_unit_test(test_find_section),
		cmocka_unit_test(test_find_section_corrupt),
		cmocka_unit_test(test_find_section_truncated),
	};

	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
