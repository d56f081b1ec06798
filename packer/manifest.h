/* SPDX-License-Identifier: MIT */
/*
 * The guest's root filesystem as a list of entries (directories, files
 * read from the host or generated, symlinks) at guest paths, written out
 * as the image's cpio archive. Used by `kiln build RELEASE_DIR`, which
 * gathers files from several places (the release, host libraries, /etc
 * files it generates) without copying them into a staging directory.
 *
 * Paths are absolute guest paths ("/app/bin"). A parent that is a symlink
 * in the manifest is followed, as the guest kernel will follow it, so
 * "/bin/sh" lands in "/usr/bin" when "/bin" is a symlink to "usr/bin".
 * Missing parent directories are created. Functions return 0 or -errno
 * and print a message naming the path when they fail.
 */
#ifndef PACKER_MANIFEST_H
#define PACKER_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "util.h"

struct mf_entry {
	char *path;    /* resolved guest path without the leading '/' */
	uint32_t mode; /* S_IFMT bits and permissions */
	uint32_t mtime;
	char *src;     /* regular file: host file to copy, or NULL */
	char *data;    /* generated file contents or symlink target */
	uint64_t size; /* bytes of the file or of the symlink target */
};

struct manifest {
	struct mf_entry *e;
	size_t n, cap;
	bool have_epoch;
	uint32_t epoch; /* SOURCE_DATE_EPOCH: mtimes are clamped to it */
};

void mf_init(struct manifest *m);
void mf_free(struct manifest *m);

int mf_add_dir(struct manifest *m, const char *path, uint32_t perm);
int mf_add_file(struct manifest *m, const char *path, const char *src,
		const struct stat *st);
int mf_add_data(struct manifest *m, const char *path, const char *data,
		uint32_t perm);
int mf_add_symlink(struct manifest *m, const char *path, const char *target);
int mf_add_host_path(struct manifest *m, const char *host_path);
int mf_add_tree(struct manifest *m, const char *path, const char *host_dir);

const struct mf_entry *mf_lookup(const struct manifest *m, const char *path);
int mf_write_cpio(struct manifest *m, struct buf *out, int zlevel);

#endif
