// SPDX-License-Identifier: MIT
/*
 * cpio "newc" writer for the image's root filesystem.
 *
 * cpio_write_tree() walks a host directory depth-first in byte order of the
 * names (so the output depends only on the tree's contents), emitting
 * directories, regular files and symlinks with uid/gid 0 and sequential
 * inode numbers. Hard links become separate files; sockets, devices and
 * fifos are skipped with a warning. Entry names are relative to the
 * directory ("bin", "bin/hello"); the root itself is not an entry.
 *
 * A regular file's data starts at an offset that is a multiple of 4096
 * from the archive start: the name field is padded with extra NULs (the
 * newc namesize then exceeds strlen + 1, which cpio readers accept).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kiln/image.h>

#include "lib/cpio.h"
#include "cpio_write.h"
#include "zpack.h"

#define CPIO_HDR_SIZE 110

/* State of one directory walk. */
struct cpio_walk {
	struct buf *out;
	const char *root; /* host directory, without trailing slashes */
	int zlevel;
	uint32_t next_ino;
	bool have_epoch;
	uint64_t epoch; /* SOURCE_DATE_EPOCH: clamp mtimes to it */
};

/*
 * Append the header and name of e, padding the name so that the data that
 * follows is 4-byte aligned and, for a non-empty regular file, lands on a
 * CPIO_WRITE_DATA_ALIGN boundary. Offsets count from the start of out,
 * which must be the start of the archive.
 */
int cpio_write_header(struct buf *out, const struct cpio_wentry *e)
{
	size_t namelen = strlen(e->name);
	uint64_t name_end, data_off;
	char hdr[CPIO_HDR_SIZE + 1];
	size_t namesize;
	bool in_place = (e->mode & S_IFMT) == S_IFREG && e->size > 0 &&
			e->check != KILN_CPIO_ZSTD;
	int ret;

	if (e->size > UINT32_MAX)
		return -EFBIG;
	name_end = (uint64_t)out->len + CPIO_HDR_SIZE + namelen + 1;
	if (in_place)
		ret = util_align_up(name_end, CPIO_WRITE_DATA_ALIGN, &data_off);
	else
		ret = util_align_up(name_end, 4, &data_off);
	if (ret)
		return ret;
	/* Extra name padding goes into namesize; the 4-byte pad does not. */
	namesize = namelen + 1;
	if (in_place)
		namesize = data_off - out->len - CPIO_HDR_SIZE;

	snprintf(hdr, sizeof(hdr),
		 "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X",
		 CPIO_NEWC_MAGIC, e->ino, e->mode, 0, 0, e->nlink, e->mtime,
		 (uint32_t)e->size, 0, 0, 0, 0, namesize, e->check);
	ret = buf_put(out, hdr, CPIO_HDR_SIZE);
	if (!ret)
		ret = buf_put(out, e->name, namelen);
	if (!ret)
		ret = buf_put_zeros(out, data_off - out->len);
	return ret;
}

int cpio_write_may_compress(const char *name)
{
	return strcmp(name, ".kiln") && strncmp(name, ".kiln/", 6);
}

/*
 * A regular file's compressed form, if it takes less room than the file
 * would stored in place (whole pages): 1 and *z filled, 0 to store it, or
 * -errno. Small files that do not compress (zstd keeps them as raw
 * blocks) so lose their page padding; big ones stay mappable in place.
 */
static int cpio_try_compress(const struct cpio_wentry *e, const void *data,
			     struct buf *z)
{
	if ((e->mode & S_IFMT) != S_IFREG || !e->size || e->zlevel <= 0 ||
	    !cpio_write_may_compress(e->name))
		return 0;
	z->len = 0;
	int ret = zpack_file(z, data, e->size, e->zlevel);
	if (ret) {
		warnx("%s: cannot compress it (%s)", e->name, strerror(-ret));
		return ret;
	}
	return z->len < ((e->size + CPIO_WRITE_DATA_ALIGN - 1) &
			 ~(uint64_t)(CPIO_WRITE_DATA_ALIGN - 1));
}

/*
 * Append a whole entry: header, name, data and padding; a regular file
 * compressed if e->zlevel asks and it gets smaller.
 */
int cpio_write_entry(struct buf *out, const struct cpio_wentry *e,
		     const void *data)
{
	struct buf z = {0};
	int ret = cpio_try_compress(e, data, &z);

	if (ret == 1) {
		struct cpio_wentry c = *e;
		c.size = z.len;
		c.check = KILN_CPIO_ZSTD;
		c.zlevel = 0;
		ret = cpio_write_entry(out, &c, z.data);
		buf_free(&z);
		return ret;
	}
	buf_free(&z);
	if (ret)
		return ret;
	ret = cpio_write_header(out, e);

	if (!ret)
		ret = buf_put(out, data, e->size);
	if (!ret)
		ret = buf_align(out, 4);
	return ret;
}

/* Append the TRAILER!!! entry and pad the archive to 512 bytes, like cpio. */
int cpio_write_trailer(struct buf *out)
{
	struct cpio_wentry e = {.name = CPIO_TRAILER, .nlink = 1};
	int ret = cpio_write_entry(out, &e, NULL);

	if (!ret)
		ret = buf_align(out, 512);
	return ret;
}

/* The mtime to record: the file's, clamped to 32 bits and the epoch. */
static uint32_t cpio_mtime(const struct cpio_walk *w, const struct stat *st)
{
	uint64_t t = st->st_mtime < 0 ? 0 : (uint64_t)st->st_mtime;

	if (w->have_epoch && t > w->epoch)
		t = w->epoch;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

/* Fill the fields of e that come from st. */
static void cpio_fill(struct cpio_walk *w, struct cpio_wentry *e,
		      const char *rel, const struct stat *st)
{
	e->name = rel;
	e->ino = w->next_ino++;
	e->mode = (st->st_mode & S_IFMT) | (st->st_mode & 07777);
	e->nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	e->mtime = cpio_mtime(w, st);
	e->size = 0;
	e->check = 0;
	e->zlevel = w->zlevel;
}

/* Emit a regular file. */
static int cpio_add_file(struct cpio_walk *w, const char *path, const char *rel,
			 const struct stat *st)
{
	struct cpio_wentry e;
	struct buf data = {0};
	int ret;

	cpio_fill(w, &e, rel, st);
	e.size = (uint64_t)st->st_size;
	if (e.size > UINT32_MAX) {
		warnx("%s: file too large for a cpio newc archive (4 GiB max); "
		      "remove it from the rootfs",
		      path);
		return -EFBIG;
	}
	ret = util_read_file(path, &data);
	if (!ret && data.len != e.size) {
		warnx("%s: changed while the image was being built", path);
		ret = -EAGAIN;
	}
	if (!ret)
		ret = cpio_write_entry(w->out, &e, data.data);
	buf_free(&data);
	return ret;
}

/* Emit a symlink; its data is the target path, without a NUL. */
static int cpio_add_symlink(struct cpio_walk *w, const char *path,
			    const char *rel, const struct stat *st)
{
	struct cpio_wentry e;
	size_t cap = (size_t)st->st_size + 1;
	char *target = malloc(cap);
	ssize_t n;
	int ret;

	if (!target)
		return -ENOMEM;
	n = readlink(path, target, cap);
	if (n < 0 || (size_t)n >= cap) {
		ret = n < 0 ? -errno : -EAGAIN;
		warnx("%s: cannot read the symlink%s", path,
		      n < 0 ? "" : " (it changed while being read)");
		free(target);
		return ret;
	}
	cpio_fill(w, &e, rel, st);
	e.size = (uint64_t)n;
	ret = cpio_write_entry(w->out, &e, target);
	free(target);
	return ret;
}

/* Name of an unsupported file type, for the warning. */
static const char *cpio_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFSOCK:
		return "socket";
	case S_IFIFO:
		return "fifo";
	case S_IFCHR:
		return "character device";
	case S_IFBLK:
		return "block device";
	default:
		return "file of unknown type";
	}
}

static int cpio_walk_dir(struct cpio_walk *w, const char *rel);

/* Emit the tree member rel (relative to the root) and, for a directory,
 * everything below it. */
static int cpio_add(struct cpio_walk *w, const char *rel)
{
	struct stat st;
	char *path;
	int ret = 0;

	if (asprintf(&path, "%s/%s", w->root, rel) < 0)
		return -ENOMEM;
	if (lstat(path, &st) < 0) {
		ret = -errno;
		warn("%s", path);
	} else if (S_ISDIR(st.st_mode)) {
		struct cpio_wentry e;

		cpio_fill(w, &e, rel, &st);
		ret = cpio_write_entry(w->out, &e, NULL);
		if (!ret)
			ret = cpio_walk_dir(w, rel);
	} else if (S_ISREG(st.st_mode)) {
		ret = cpio_add_file(w, path, rel, &st);
	} else if (S_ISLNK(st.st_mode)) {
		ret = cpio_add_symlink(w, path, rel, &st);
	} else {
		warnx("%s: skipping %s (the rootfs can hold only files, "
		      "directories and symlinks)",
		      path, cpio_kind(st.st_mode));
	}
	free(path);
	return ret;
}

/* Byte-order comparison, so the archive does not depend on the locale. */
static int cpio_name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int cpio_not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Emit the members of directory rel ("" for the root), sorted by name. */
static int cpio_walk_dir(struct cpio_walk *w, const char *rel)
{
	struct dirent **list;
	char *path;
	int n, ret = 0;

	if (asprintf(&path, "%s%s%s", w->root, *rel ? "/" : "", rel) < 0)
		return -ENOMEM;
	n = scandir(path, &list, cpio_not_dots, cpio_name_cmp);
	if (n < 0) {
		ret = -errno;
		warn("%s: cannot list the directory", path);
		free(path);
		return ret;
	}
	for (int i = 0; i < n; i++) {
		char *child = NULL;

		if (!ret && asprintf(&child, "%s%s%s", rel, *rel ? "/" : "",
				     list[i]->d_name) < 0)
			ret = -ENOMEM;
		if (!ret)
			ret = cpio_add(w, child);
		free(child);
		free(list[i]);
	}
	free(list);
	free(path);
	return ret;
}

/* Read SOURCE_DATE_EPOCH, the reproducible-builds timestamp, if set. */
static void cpio_read_epoch(struct cpio_walk *w)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || *s == '-') {
		warnx("SOURCE_DATE_EPOCH=%s is not a number of seconds; "
		      "ignoring it",
		      s);
		return;
	}
	w->have_epoch = true;
	w->epoch = v;
}

/*
 * Append a newc archive of everything below the host directory dir (not
 * including dir itself), ending with the trailer.
 */
int cpio_write_tree(struct buf *out, const char *dir, int zlevel)
{
	struct cpio_walk w = {.out = out, .next_ino = 1, .zlevel = zlevel};
	struct stat st;
	char *root;
	size_t len;
	int ret;

	if (stat(dir, &st) < 0) {
		ret = -errno;
		warn("%s: cannot use it as the rootfs (pass an existing "
		     "directory to --rootfs)",
		     dir);
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		warnx("%s: not a directory (pass a directory to --rootfs)",
		      dir);
		return -ENOTDIR;
	}
	root = strdup(dir);
	if (!root)
		return -ENOMEM;
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		root[--len] = '\0';
	w.root = root;
	cpio_read_epoch(&w);
	ret = cpio_walk_dir(&w, "");
	if (!ret)
		ret = cpio_write_trailer(out);
	free(root);
	return ret;
}
