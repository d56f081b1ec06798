// SPDX-License-Identifier: MIT
/*
 * Unit-test helpers: the fake kernel ELF (a few hand-assembled 32-bit
 * instructions behind a Xen PVH note, plus a .kiln_desc section), scratch
 * directories, and capture of a child's output.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kiln/image.h>
#include <zstd.h>

#include "lib/zfile.h"
#include "lib/elf.h"
#include "helpers.h"

#define FK_NOTE_OFF  0x100
#define FK_SHSTR_OFF 0x2100
#define FK_SHDR_OFF  0x2200
#define FK_NSECT     4

static const char fk_shstrtab[] = "\0.text\0.kiln_desc\0.shstrtab";

/* Emit "out the bytes at pa (len of them) to port". */
static size_t fk_outs(uint8_t *code, uint32_t pa, uint32_t len, uint16_t port)
{
	size_t n = 0;

	code[n++] = 0xbe; /* mov $pa, %esi */
	memcpy(code + n, &pa, 4);
	n += 4;
	code[n++] = 0xb9; /* mov $len, %ecx */
	memcpy(code + n, &len, 4);
	n += 4;
	code[n++] = 0x66; /* mov $port, %dx */
	code[n++] = 0xba;
	memcpy(code + n, &port, 2);
	n += 2;
	memcpy(code + n, "\xac\xee\xe2\xfc", 4); /* lodsb; out; loop */
	return n + 4;
}

#define FK_CODE_LEN 64 /* the messages follow the code */

/* Assemble the entry code for o into code; returns its length. */
static size_t fk_code(const struct fk_opts *o, uint8_t *code)
{
	char msg[64], report[32];
	size_t n = 0, msglen = 0, replen = 0;

	code[n++] = 0xfa; /* cli */
	code[n++] = 0xfc; /* cld */
	if (o->action == FK_STATUS_LINE || o->action == FK_SPOOF) {
		/* the console line (a spoof claims 0 and reports nothing) */
		msglen = (size_t)snprintf(
			msg, sizeof(msg), "booting\n[kiln] exit status %d\n",
			o->action == FK_SPOOF ? 0 : o->status);
		n += fk_outs(code + n, (uint32_t)FK_TEXT_PADDR + FK_CODE_LEN,
			     (uint32_t)msglen, 0x3f8);
	}
	if (o->action == FK_STATUS_LINE) {
		/* the out-of-band report on COM2 */
		replen = (size_t)snprintf(report, sizeof(report),
					  "kiln-exit %d\n", o->status);
		n += fk_outs(code + n,
			     (uint32_t)(FK_TEXT_PADDR + FK_CODE_LEN + msglen),
			     (uint32_t)replen, 0x2f8);
	}
	if (o->action != FK_HANG) {
		code[n++] = 0xb0; /* mov $status, %al */
		code[n++] = (uint8_t)o->status;
		code[n++] = 0xe6; /* out %al, $0xf4 */
		code[n++] = 0xf4;
	}
	while (n < FK_CODE_LEN - 3)
		code[n++] = 0x90;	     /* nop */
	memcpy(code + n, "\xf4\xeb\xfd", 3); /* 1: hlt; jmp 1b */
	n += 3;
	assert(n == FK_CODE_LEN);
	memcpy(code + n, msg, msglen);
	n += msglen;
	memcpy(code + n, report, replen);
	n += replen;
	return n;
}

static void fk_phdrs(uint8_t *f, size_t code_len)
{
	struct elf64_phdr ph[3] = {
		{.p_type = ELF_PT_LOAD,
		 .p_flags = ELF_PF_R | ELF_PF_X,
		 .p_offset = FK_TEXT_OFF,
		 .p_vaddr = FK_VMA + FK_TEXT_PADDR,
		 .p_paddr = FK_TEXT_PADDR,
		 .p_filesz = code_len,
		 .p_memsz = 0x1000,
		 .p_align = 0x1000},
		{.p_type = ELF_PT_LOAD,
		 .p_flags = ELF_PF_R | ELF_PF_W,
		 .p_offset = FK_DATA_OFF,
		 .p_vaddr = FK_VMA + FK_DATA_PADDR,
		 .p_paddr = FK_DATA_PADDR,
		 .p_filesz = 0x40,
		 .p_memsz = FK_DATA_MEMSZ,
		 .p_align = 0x1000},
		{.p_type = ELF_PT_NOTE,
		 .p_flags = ELF_PF_R,
		 .p_offset = FK_NOTE_OFF,
		 .p_filesz = 24,
		 .p_align = 4},
	};
	/* XEN_ELFNOTE_PHYS32_ENTRY: name "Xen", 8-byte desc (as Linux). */
	uint32_t note[6] = {4, 8, 18, 0x006e6558, (uint32_t)FK_TEXT_PADDR, 0};

	memcpy(f + sizeof(struct elf64_ehdr), ph, sizeof(ph));
	memcpy(f + FK_NOTE_OFF, note, sizeof(note));
}

static void fk_sections(uint8_t *f, size_t code_len, bool with_desc)
{
	struct elf64_shdr sh[FK_NSECT] = {
		{0},
		{.sh_name = 1,
		 .sh_type = 1,
		 .sh_flags = 6,
		 .sh_addr = FK_VMA + FK_TEXT_PADDR,
		 .sh_offset = FK_TEXT_OFF,
		 .sh_size = code_len},
		{.sh_name = with_desc ? 7 : 1,
		 .sh_type = 1,
		 .sh_flags = 3,
		 .sh_addr = FK_VMA + FK_DATA_PADDR,
		 .sh_offset = FK_DATA_OFF,
		 .sh_size = sizeof(struct kiln_boot_desc),
		 .sh_addralign = 64},
		{.sh_name = 18,
		 .sh_type = 3,
		 .sh_offset = FK_SHSTR_OFF,
		 .sh_size = sizeof(fk_shstrtab)},
	};

	memcpy(f + FK_SHSTR_OFF, fk_shstrtab, sizeof(fk_shstrtab));
	memcpy(f + FK_SHDR_OFF, sh, sizeof(sh));
}

uint8_t *fk_build(const struct fk_opts *o, size_t *len)
{
	size_t size = FK_SHDR_OFF + FK_NSECT * sizeof(struct elf64_shdr);
	uint8_t *f = calloc(1, size);
	struct elf64_ehdr eh = {
		.e_ident = {0x7f, 'E', 'L', 'F', 2, 1, 1},
		.e_type = ELF_ET_EXEC,
		.e_machine = ELF_EM_X86_64,
		.e_version = 1,
		.e_entry = FK_VMA + FK_TEXT_PADDR,
		.e_phoff = sizeof(struct elf64_ehdr),
		.e_shoff = FK_SHDR_OFF,
		.e_ehsize = sizeof(struct elf64_ehdr),
		.e_phentsize = sizeof(struct elf64_phdr),
		.e_phnum = 3,
		.e_shentsize = sizeof(struct elf64_shdr),
		.e_shnum = FK_NSECT,
		.e_shstrndx = FK_NSECT - 1,
	};
	struct kiln_boot_desc desc = {
		.magic = o->desc_magic ? o->desc_magic : KILN_DESC_MAGIC,
		.version = KILN_IMAGE_VERSION,
		.payload_size = o->payload_size,
	};
	size_t code_len;

	assert(f);
	memcpy(f, &eh, sizeof(eh));
	code_len = fk_code(o, f + FK_TEXT_OFF);
	fk_phdrs(f, code_len);
	memcpy(f + FK_DATA_OFF, &desc, sizeof(desc));
	fk_sections(f, code_len, !o->no_desc);
	*len = size;
	return f;
}

char *path_join(const char *a, const char *b)
{
	char *p;

	assert(asprintf(&p, "%s/%s", a, b) > 0);
	return p;
}

char *fk_write(const char *dir, const char *name, const struct fk_opts *o)
{
	char *path = path_join(dir, name);
	size_t len;
	uint8_t *k = fk_build(o, &len);
	FILE *f = fopen(path, "wb");

	assert(f);
	assert(fwrite(k, 1, len, f) == len);
	assert(fclose(f) == 0);
	free(k);
	return path;
}

char *tmp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *p;

	assert(asprintf(&p, "%s/kiln-unit-XXXXXX", base ? base : "/tmp") > 0);
	assert(mkdtemp(p));
	return p;
}

static int tmp_remove_one(const char *path, const struct stat *st, int flag,
			  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tmp_remove(const char *path)
{
	nftw(path, tmp_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdir -p the parents of path. */
static void tmp_parents(const char *path)
{
	char *p = strdup(path);

	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	free(p);
}

void tmp_file(const char *dir, const char *rel, const char *data, int mode)
{
	char *path = path_join(dir, rel);
	int fd;

	tmp_parents(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert(fd >= 0);
	assert(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	assert(fchmod(fd, mode) == 0);
	close(fd);
	free(path);
}

bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Read all of fd into a malloc'd NUL-terminated string. */
static char *slurp(int fd)
{
	size_t len = 0, cap = 4096;
	char *s = malloc(cap);
	ssize_t n;

	assert(s);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, s + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			cap *= 2;
			s = realloc(s, cap);
			assert(s);
		}
	}
	s[len] = '\0';
	return s;
}

void run_captured(int (*fn)(int, char **), char **argv, struct captured *c)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int argc = 0, ws;
	pid_t pid;

	assert(out && err);
	while (argv[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert(pid >= 0);
	if (pid == 0) {
		int status;

		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		status = fn(argc, argv);
		fflush(stdout);
		fflush(stderr);
		_exit(status);
	}
	assert(waitpid(pid, &ws, 0) == pid);
	c->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	c->out = slurp(fileno(out));
	c->err = slurp(fileno(err));
	fclose(out);
	fclose(err);
}

void captured_free(struct captured *c)
{
	free(c->out);
	free(c->err);
}

void *zfile_inflate(const void *data, size_t len, size_t *size)
{
	struct zfile_view v;
	uint8_t *out;

	if (zfile_parse(data, len, &v))
		return NULL;
	out = malloc(v.size ? v.size : 1);
	if (!out)
		return NULL;
	for (uint32_t i = 0; i < v.nchunks; i++) {
		uint64_t off, n, want = zfile_chunk_bytes(&v, i);
		zfile_frame(&v, i, &off, &n);
		size_t got = ZSTD_decompress(out + ((size_t)i << v.chunk_shift),
					     want, v.data + off, n);
		if (ZSTD_isError(got) || got != want) {
			free(out);
			return NULL;
		}
	}
	*size = v.size;
	return out;
}

bool ci_strict(void)
{
	const char *ci = getenv("CI");

	return ci && !strcmp(ci, "true");
}
