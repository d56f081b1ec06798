/* SPDX-License-Identifier: MIT */
/*
 * Shared-library closure of ELF programs, like ldd but without running
 * anything: reads PT_INTERP and the dynamic section (DT_NEEDED, DT_RPATH,
 * DT_RUNPATH with $ORIGIN) of each program, and resolves every needed
 * library the way glibc's ld.so does on the build host (RPATH chain,
 * RUNPATH, the directories of /etc/ld.so.conf, the system directories).
 * The headers are checked by lib/elf.c; the dynamic section is checked
 * here against the file before any string is read.
 */
#ifndef PACKER_ELFDEPS_H
#define PACKER_ELFDEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "strv.h"

/* What one ELF file asks of the dynamic loader. */
struct elfdeps_dyn {
	char *interp;	     /* PT_INTERP path, or NULL */
	struct strv needed;  /* DT_NEEDED names, in order */
	struct strv rpath;   /* DT_RPATH directories, $ORIGIN expanded */
	struct strv runpath; /* DT_RUNPATH directories, $ORIGIN expanded */
	bool has_dynamic;    /* has PT_DYNAMIC (not a static program) */
};

int elfdeps_parse(const void *buf, size_t len, const char *origin,
		  struct elfdeps_dyn *out, const char **why);
void elfdeps_dyn_free(struct elfdeps_dyn *d);

/* A closure being computed: the search path and what was found. */
struct elfdeps {
	struct strv confdirs; /* from ld.so.conf (the host's ld.so.cache) */
	struct strv sysdirs;  /* ld.so's built-in system directories */
	struct strv found;    /* libraries and interpreters, as ld.so opens
				 them (e.g. /lib/x86_64-linux-gnu/libc.so.6) */
	struct strv found_by; /* for each found[i], the file that needs it */
	struct strv scanned;  /* realpaths of files already read */
};

void elfdeps_init(struct elfdeps *d, const char *ld_so_conf);
void elfdeps_free(struct elfdeps *d);
int elfdeps_add(struct elfdeps *d, const char *path, const char *label,
		bool strict);
bool elfdeps_is_elf(const char *path);

#endif
