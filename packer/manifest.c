// SPDX-License-Identifier: MIT
/*
 * The guest root filesystem as a list of entries (see manifest.h).
 *
 * Entries live in an unsorted array and are found by linear search: a
 * release has a few thousand files, so this stays far below a second.
 * mf_write_cpio() sorts them by path (a parent sorts before its children)
 * and numbers inodes in that order, so the archive depends only on the
 * entries. Regular-file data is page-aligned by cpio_write_header().
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpio_write.h"
#include "manifest.h"
#include "strv.h"

#define MF_MAX_SYMLINKS 40

/* Read SOURCE_DATE_EPOCH, the reproducible-builds timestamp, if set. */
void mf_init(struct manifest *m)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	unsigned long long v;

	memset(m, 0, sizeof(*m));
	if (!s || !*s)
		return;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || *s == '-')
		return; /* cpio_write.c warns about it for rootfs builds */
	m->have_epoch = true;
	m->epoch = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void mf_free(struct manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].path);
		free(m->e[i].src);
		free(m->e[i].data);
	}
	free(m->e);
	memset(m, 0, sizeof(*m));
}

/* The mtime to record for a host file's st_mtime (0 for generated). */
static uint32_t mf_mtime(const struct manifest *m, long long t)
{
	if (t < 0)
		t = 0;
	if (m->have_epoch && (t == 0 || (unsigned long long)t > m->epoch))
		return m->epoch;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static struct mf_entry *mf_find(const struct manifest *m, const char *rel)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->e[i].path, rel) == 0)
			return &m->e[i];
	}
	return NULL;
}

/* Cut p at its last '/' (or to "" if it has none): its parent. */
static void mf_parent(char *p)
{
	char *slash = strrchr(p, '/');

	*(slash ? slash : p) = '\0';
}

/*
 * Resolve the parents of the guest path through the manifest's symlinks
 * and return the resulting relative path ("usr/bin/sh"), or NULL if there
 * are too many symlinks.
 */
static char *mf_resolve(const struct manifest *m, const char *path)
{
	char *todo = xstrdup(path), *done = xstrdup("");
	int links = 0;

	while (*todo) {
		char *comp = todo + strspn(todo, "/");
		char *slash = strchr(comp, '/');
		char *rest = xstrdup(slash ? slash + 1 : "");
		const struct mf_entry *e = NULL;
		char *cur;

		if (slash)
			*slash = '\0';
		cur = xstrdup(done);
		if (!strcmp(comp, ".."))
			mf_parent(cur);
		else if (*comp && strcmp(comp, ".")) {
			free(cur);
			cur = xasprintf("%s%s%s", done, *done ? "/" : "", comp);
			if (rest[strspn(rest, "/")])
				e = mf_find(m, cur);
		}
		if (e && S_ISLNK(e->mode)) {
			char *next = xasprintf("%s/%s", e->data, rest);

			free(rest);
			rest = next;
			if (e->data[0] == '/')
				cur[0] = '\0';
			else
				mf_parent(cur);
			if (++links > MF_MAX_SYMLINKS) {
				free(cur);
				cur = NULL;
				rest[0] = '\0';
			}
		}
		free(todo);
		todo = rest;
		free(done);
		done = cur;
		if (!done)
			break;
	}
	free(todo);
	return done;
}

/* Append an entry (the manifest takes ownership of path/src/data). */
static struct mf_entry *mf_push(struct manifest *m, char *path, uint32_t mode,
				uint32_t mtime)
{
	struct mf_entry *e;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;

		e = realloc(m->e, cap * sizeof(*e));
		if (!e)
			err(1, "out of memory");
		m->e = e;
		m->cap = cap;
	}
	e = &m->e[m->n++];
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->mode = mode;
	e->mtime = mtime;
	return e;
}

/* Create the parent directories of the relative path rel. */
static int mf_parents(struct manifest *m, const char *rel)
{
	char *p = xstrdup(rel), *slash = p;
	int ret = 0;

	while (!ret && (slash = strchr(slash, '/'))) {
		const struct mf_entry *e;

		*slash = '\0';
		e = mf_find(m, p);
		if (!e) {
			mf_push(m, xstrdup(p), S_IFDIR | 0755, mf_mtime(m, 0));
		} else if (!S_ISDIR(e->mode)) {
			warnx("/%s: cannot put /%s inside it, it is not a "
			      "directory in the image (check --add paths)",
			      p, rel);
			ret = -ENOTDIR;
		}
		*slash++ = '/';
	}
	free(p);
	return ret;
}

/*
 * Make room for a new entry of type fmt at path: resolve it, create its
 * parents, and drop an earlier file or symlink there (the later one
 * wins). Sets *rel to the resolved path, or to NULL if a directory is
 * already there and fmt is a directory too.
 */
static int mf_prepare(struct manifest *m, const char *path, uint32_t fmt,
		      char **rel)
{
	struct mf_entry *e;
	char *r = mf_resolve(m, path);
	int ret;

	*rel = NULL;
	if (!r || !*r) {
		warnx("%s: not a usable path in the image (too many symlinks, "
		      "or the root itself)",
		      path);
		free(r);
		return -EINVAL;
	}
	ret = mf_parents(m, r);
	e = ret ? NULL : mf_find(m, r);
	if (e && S_ISDIR(e->mode) && fmt == S_IFDIR) {
		free(r);
		return 0;
	}
	if (e && (S_ISDIR(e->mode) || fmt == S_IFDIR)) {
		warnx("%s: already in the image as a %s (check --add paths)",
		      path, S_ISDIR(e->mode) ? "directory" : "file");
		ret = -EEXIST;
	} else if (e) {
		free(e->path);
		free(e->src);
		free(e->data);
		*e = m->e[--m->n];
	}
	if (ret)
		free(r);
	else
		*rel = r;
	return ret;
}

/* Add a directory (and its parents). */
int mf_add_dir(struct manifest *m, const char *path, uint32_t perm)
{
	char *rel;
	int ret = mf_prepare(m, path, S_IFDIR, &rel);

	if (!ret && rel)
		mf_push(m, rel, S_IFDIR | (perm & 07777), mf_mtime(m, 0));
	return ret;
}

/* Add the host regular file src (described by st) at path. */
int mf_add_file(struct manifest *m, const char *path, const char *src,
		const struct stat *st)
{
	struct mf_entry *e;
	char *rel;
	int ret;

	if ((uint64_t)st->st_size > UINT32_MAX) {
		warnx("%s: file too large for the image (4 GiB max)", src);
		return -EFBIG;
	}
	ret = mf_prepare(m, path, S_IFREG, &rel);
	if (ret)
		return ret;
	e = mf_push(m, rel, S_IFREG | (st->st_mode & 07777),
		    mf_mtime(m, st->st_mtime));
	e->src = xstrdup(src);
	e->size = (uint64_t)st->st_size;
	return 0;
}

/* Add a generated file with the NUL-terminated contents data. */
int mf_add_data(struct manifest *m, const char *path, const char *data,
		uint32_t perm)
{
	struct mf_entry *e;
	char *rel;
	int ret = mf_prepare(m, path, S_IFREG, &rel);

	if (ret)
		return ret;
	e = mf_push(m, rel, S_IFREG | (perm & 07777), mf_mtime(m, 0));
	e->data = xstrdup(data);
	e->size = strlen(data);
	return 0;
}

/* Add a symlink at path pointing to target (kept verbatim). */
int mf_add_symlink(struct manifest *m, const char *path, const char *target)
{
	struct mf_entry *e;
	char *rel;
	int ret = mf_prepare(m, path, S_IFLNK, &rel);

	if (ret)
		return ret;
	e = mf_push(m, rel, S_IFLNK | 0777, mf_mtime(m, 0));
	e->data = xstrdup(target);
	e->size = strlen(target);
	return 0;
}

/* Add one host path at the same guest path: a file, symlink or dir. */
static int mf_add_lstat(struct manifest *m, const char *guest, const char *host,
			const struct stat *st)
{
	char target[PATH_MAX];
	ssize_t n;

	if (S_ISDIR(st->st_mode))
		return mf_add_dir(m, guest, st->st_mode);
	if (S_ISREG(st->st_mode))
		return mf_add_file(m, guest, host, st);
	if (!S_ISLNK(st->st_mode)) {
		warnx("warning: %s: skipping it (the image holds only files, "
		      "directories and symlinks)",
		      host);
		return 0;
	}
	n = readlink(host, target, sizeof(target) - 1);
	if (n < 0) {
		warn("%s", host);
		return -errno;
	}
	target[n] = '\0';
	return mf_add_symlink(m, guest, target);
}

/*
 * Add the host file host_path at the same path in the guest, with every
 * symlink met on the way to it (in any component), so that the guest
 * resolves the path exactly as the host does. E.g. /lib64/ld-linux-
 * x86-64.so.2 on a merged-/usr Debian brings /lib64 -> usr/lib64, the
 * symlink /usr/lib64/ld-linux-x86-64.so.2, /lib -> usr/lib and the file.
 */
int mf_add_host_path(struct manifest *m, const char *host_path)
{
	char *todo = xstrdup(host_path), *done = xstrdup("");
	int links = 0, ret = 0;

	while (!ret && *todo) {
		char *comp = todo + strspn(todo, "/");
		char *slash = strchr(comp, '/');
		char *rest = xstrdup(slash ? slash + 1 : "");
		char *cur = xstrdup(done), target[PATH_MAX];
		struct stat st;
		ssize_t n;

		if (slash)
			*slash = '\0';
		if (!strcmp(comp, ".."))
			mf_parent(cur);
		if (!*comp || !strcmp(comp, ".") || !strcmp(comp, ".."))
			goto next;
		free(cur);
		cur = xasprintf("%s/%s", done, comp);
		if (lstat(cur, &st) < 0) {
			ret = -errno;
			warn("%s (while adding %s)", cur, host_path);
			goto next;
		}
		if (!S_ISREG(st.st_mode) || !rest[strspn(rest, "/")])
			ret = mf_add_lstat(m, cur, cur, &st);
		if (ret || !S_ISLNK(st.st_mode))
			goto next;
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0 || ++links > MF_MAX_SYMLINKS) {
			warnx("%s: cannot follow this symlink", cur);
			ret = -ELOOP;
			goto next;
		}
		target[n] = '\0';
		free(rest);
		rest = xasprintf("%s/%s", target, slash ? slash + 1 : "");
		if (target[0] == '/')
			cur[0] = '\0';
		else
			mf_parent(cur);
	next:
		free(todo);
		todo = rest;
		free(done);
		done = cur;
	}
	free(todo);
	free(done);
	return ret;
}

static int mf_not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

static int mf_name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Add host_dir (a file, symlink or directory tree) at the guest path. */
int mf_add_tree(struct manifest *m, const char *path, const char *host_dir)
{
	struct dirent **list;
	struct stat st;
	int n, ret;

	if (lstat(host_dir, &st) < 0) {
		ret = -errno;
		warn("%s", host_dir);
		return ret;
	}
	ret = mf_add_lstat(m, path, host_dir, &st);
	if (ret || !S_ISDIR(st.st_mode))
		return ret;
	n = scandir(host_dir, &list, mf_not_dots, mf_name_cmp);
	if (n < 0) {
		ret = -errno;
		warn("%s: cannot list the directory", host_dir);
		return ret;
	}
	for (int i = 0; i < n; i++) {
		char *g = xasprintf("%s/%s", path, list[i]->d_name);
		char *h = xasprintf("%s/%s", host_dir, list[i]->d_name);

		if (!ret)
			ret = mf_add_tree(m, g, h);
		free(g);
		free(h);
		free(list[i]);
	}
	free(list);
	return ret;
}

/* The entry at guest path (parents resolved), or NULL. */
const struct mf_entry *mf_lookup(const struct manifest *m, const char *path)
{
	char *rel = mf_resolve(m, path);
	const struct mf_entry *e = rel ? mf_find(m, rel) : NULL;

	free(rel);
	return e;
}

static int mf_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mf_entry *)a)->path,
		      ((const struct mf_entry *)b)->path);
}

/* Write the whole manifest as a cpio newc archive, sorted by path. */
int mf_write_cpio(struct manifest *m, struct buf *out, int zlevel)
{
	struct buf data = {0};
	int ret = 0;

	qsort(m->e, m->n, sizeof(m->e[0]), mf_entry_cmp);
	for (size_t i = 0; !ret && i < m->n; i++) {
		const struct mf_entry *e = &m->e[i];
		struct cpio_wentry w = {
			.name = e->path,
			.ino = (uint32_t)i + 1,
			.mode = e->mode,
			.nlink = S_ISDIR(e->mode) ? 2 : 1,
			.mtime = e->mtime,
			.size = e->size,
			.zlevel = zlevel,
		};
		const void *bytes = e->data;

		if (e->src) {
			ret = util_read_file(e->src, &data);
			if (!ret && data.len != e->size) {
				warnx("%s: changed while the image was being "
				      "built",
				      e->src);
				ret = -EAGAIN;
			}
			bytes = data.data;
		}
		if (!ret)
			ret = cpio_write_entry(out, &w, bytes);
	}
	buf_free(&data);
	if (!ret)
		ret = cpio_write_trailer(out);
	return ret;
}
