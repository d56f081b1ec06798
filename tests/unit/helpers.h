/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers for the unit tests: a fake Kiln kernel ELF built from
 * bytes (bootable under QEMU's PVH loader), temporary directories, and
 * running a function in a child process with its output captured.
 */
#ifndef TESTS_UNIT_HELPERS_H
#define TESTS_UNIT_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the fake kernel's 32-bit PVH entry does. */
enum fk_action {
	FK_STATUS_LINE, /* print "[kiln] exit status N", report N on COM2,
			   then exit with N through port 0xf4 */
	FK_PORT_ONLY,	/* exit with N through port 0xf4, print nothing */
	FK_SPOOF,	/* print "[kiln] exit status 0" (a program could),
			   report nothing, exit with N through port 0xf4 */
	FK_HANG,	/* halt forever with interrupts off */
};

struct fk_opts {
	enum fk_action action;
	int status;
	bool no_desc;	       /* omit the .kiln_desc section */
	uint64_t desc_magic;   /* 0: KILN_DESC_MAGIC */
	uint64_t payload_size; /* pre-set desc.payload_size */
};

/* File layout of the fake kernel, for tests that poke at it. */
#define FK_TEXT_OFF   0x1000
#define FK_DATA_OFF   0x2000 /* .kiln_desc lives here */
#define FK_DATA_MEMSZ 0x3000
#define FK_TEXT_PADDR 0x100000ULL
#define FK_DATA_PADDR 0x101000ULL
#define FK_VMA	      0xffffffff80000000ULL

/* malloc'd fake kernel ELF of *len bytes. */
uint8_t *fk_build(const struct fk_opts *o, size_t *len);
/* Write the fake kernel to dir/name; returns the malloc'd path. */
char *fk_write(const char *dir, const char *name, const struct fk_opts *o);

/*
 * Skip a test that needs something missing here (what: e.g. "qemu-img"),
 * except under CI=true, where scripts/deps.sh has installed every tool:
 * there the test fails instead of passing by skipping. Needs cmocka.h.
 */
bool ci_strict(void);
#define SKIP_MISSING(what)                                                     \
	do {                                                                   \
		if (ci_strict())                                               \
			fail_msg(                                              \
				"%s is missing, and a test may not skip "      \
				"under CI=true (scripts/deps.sh installs it)", \
				what);                                         \
		skip();                                                        \
	} while (0)

/* mkdtemp under $TMPDIR; returns the malloc'd path. */
char *tmp_dir(void);
/* rm -rf path. */
void tmp_remove(const char *path);
/* Create a file (and its parents) with the given contents and mode. */
void tmp_file(const char *dir, const char *rel, const char *data, int mode);
char *path_join(const char *a, const char *b);
bool path_exists(const char *path);

/* Output and status of a child run by run_captured(). */
struct captured {
	int status; /* exit status, or 128 + signal */
	char *out;  /* stdout, NUL-terminated */
	char *err;  /* stderr, NUL-terminated */
};

/* Run fn(argc, argv) in a child with stdout and stderr captured. */
void run_captured(int (*fn)(int, char **), char **argv, struct captured *c);
void captured_free(struct captured *c);

/*
 * A compressed image file's bytes (include/kiln/image.h), every chunk
 * decompressed with libzstd: a malloc'd buffer of *size bytes, or NULL if
 * the data is malformed.
 */
void *zfile_inflate(const void *data, size_t len, size_t *size);

#endif
