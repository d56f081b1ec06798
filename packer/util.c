// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the kiln subcommands: the growable buffer in which
 * archives and images are assembled, and file I/O that never leaves a
 * partial output file behind (write PATH.tmp, then rename it over PATH).
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Make room for extra more bytes, growing geometrically. */
int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	if (extra > SIZE_MAX - b->len)
		return -ENOMEM;
	need = b->len + extra;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p) {
		warnx("out of memory (%zu bytes)", cap);
		return -ENOMEM;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

/* Append len bytes. */
int buf_put(struct buf *b, const void *data, size_t len)
{
	int ret = buf_reserve(b, len);

	if (ret)
		return ret;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

/* Append len zero bytes. */
int buf_put_zeros(struct buf *b, size_t len)
{
	int ret = buf_reserve(b, len);

	if (ret)
		return ret;
	memset(b->data + b->len, 0, len);
	b->len += len;
	return 0;
}

/* Pad with zeros to a multiple of align (a power of two). */
int buf_align(struct buf *b, size_t align)
{
	return buf_put_zeros(b, (align - (b->len & (align - 1))) & (align - 1));
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int util_align_up(uint64_t x, uint64_t align, uint64_t *out)
{
	if (x > UINT64_MAX - (align - 1))
		return -EOVERFLOW;
	*out = (x + align - 1) & ~(align - 1);
	return 0;
}

/* Read the whole of the regular file at path into out (replacing it). */
int util_read_file(const char *path, struct buf *out)
{
	struct stat st;
	size_t done = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		warn("%s", path);
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		warn("%s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		warnx("%s: not a regular file", path);
		goto out;
	}
	out->len = 0;
	ret = buf_reserve(out, (size_t)st.st_size);
	if (ret)
		goto out;
	while (done < (size_t)st.st_size) {
		ssize_t n =
			read(fd, out->data + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			warnx("%s: %s", path,
			      n < 0 ? strerror(errno)
				    : "file shrank while it was being read");
			goto out;
		}
		done += (size_t)n;
	}
	out->len = done;
out:
	close(fd);
	return ret;
}

/* Write all of data to fd. */
static int util_write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Write data to path atomically: to "path.tmp" first, renamed over path
 * only once it is complete, so a failure never leaves a partial file.
 */
int util_write_atomic(const char *path, const void *data, size_t len)
{
	char *tmp;
	int fd, ret;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		warnx("out of memory");
		return -ENOMEM;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		warn("%s: cannot create the output file (check the -o path)",
		     tmp);
		goto out;
	}
	ret = util_write_all(fd, data, len);
	if (!ret && fsync(fd) < 0 && errno != EINVAL)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		warnx("%s: cannot write the output file: %s", path,
		      strerror(-ret));
		unlink(tmp);
	}
out:
	free(tmp);
	return ret;
}

int util_parse_uint(const char *s, unsigned int min, unsigned int max,
		    unsigned int *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}
