// SPDX-License-Identifier: MIT
/*
 * sendfile and copy_file_range: this program's own binary (on Kiln a
 * compressed image file; on the host /proc/self/exe) sent to a tmpfs
 * file, to a pipe and to a stream socket read by another thread, with an
 * offset pointer (the file position stays) and without (it moves); then
 * copy_file_range between files at offsets, and the errors Linux gives.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

static unsigned char *ref;
static size_t size;

struct sink {
	int fd;
	unsigned char *buf;
	size_t got;
};

static void *drain(void *arg)
{
	struct sink *s = arg;
	ssize_t n;

	while ((n = read(s->fd, s->buf + s->got, size + 1 - s->got)) > 0)
		s->got += n;
	return NULL;
}

static bool same_as_ref(const char *path, size_t off, size_t len)
{
	int fd = open(path, O_RDONLY);
	unsigned char *b = malloc(len + 1);
	ssize_t n = fd < 0 ? -1 : pread(fd, b, len + 1, 0);
	bool ok = n == (ssize_t)len && !memcmp(b, ref + off, len);

	close(fd);
	free(b);
	return ok;
}

/* sendfile to a reader thread through fd pair p[0] (read) / p[1]. */
static void to_stream(int in, int p[2], const char *what)
{
	struct sink s = {p[0], malloc(size + 1), 0};
	pthread_t th;
	size_t sent = 0;
	off_t off = 0;

	pthread_create(&th, NULL, drain, &s);
	while (sent < size) {
		ssize_t n = sendfile(p[1], in, &off, size - sent);
		if (n <= 0)
			break;
		sent += n;
	}
	close(p[1]);
	pthread_join(th, NULL);
	check(sent == size && s.got == size && !memcmp(s.buf, ref, size), what,
	      "sent %zu got %zu of %zu", sent, s.got, size);
	close(p[0]);
	free(s.buf);
}

int main(int argc, char **argv)
{
	const char *self =
		access(argv[0], R_OK) == 0 ? argv[0] : "/proc/self/exe";
	int in = open(self, O_RDONLY);
	struct stat st;

	(void)argc;
	fstat(in, &st);
	size = st.st_size;
	ref = malloc(size);
	check(pread(in, ref, size, 0) == (ssize_t)size, "sendfile: read self",
	      "short");

	/* to a tmpfs file, with an offset: the position stays at 0 */
	int out = open("/tmp/sf.out", O_RDWR | O_CREAT | O_TRUNC, 0600);
	off_t off = 100;
	ssize_t n = sendfile(out, in, &off, size);
	check(n == (ssize_t)size - 100 && off == (off_t)size &&
		      lseek(in, 0, SEEK_CUR) == 0,
	      "sendfile: offset pointer moves, file position stays",
	      "n %zd off %ld pos %ld", n, (long)off,
	      (long)lseek(in, 0, SEEK_CUR));
	check(same_as_ref("/tmp/sf.out", 100, size - 100),
	      "sendfile: the tmpfs file has the bytes", "differs");
	check(sendfile(out, in, &off, 10) == 0, "sendfile: 0 at the end",
	      "not 0");

	/* without: the position moves, in pieces */
	ftruncate(out, 0);
	lseek(out, 0, SEEK_SET);
	lseek(in, 0, SEEK_SET);
	size_t sent = 0;
	while ((n = sendfile(out, in, NULL, 12345)) > 0)
		sent += n;
	check(sent == size && lseek(in, 0, SEEK_CUR) == (off_t)size &&
		      same_as_ref("/tmp/sf.out", 0, size),
	      "sendfile: without an offset the position moves", "sent %zu",
	      sent);

	int p[2];
	pipe(p);
	to_stream(in, p, "sendfile: to a pipe");
	socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	int tmp = p[0];
	p[0] = p[1];
	p[1] = tmp;
	to_stream(in, p, "sendfile: to a stream socket");

	/* copy_file_range between files, at offsets */
	int dst = open("/tmp/cfr.out", O_RDWR | O_CREAT | O_TRUNC, 0600);
	loff_t oi = 4096, oo = 0;
	n = copy_file_range(in, &oi, dst, &oo, 20000, 0);
	check(n == 20000 && oi == 4096 + 20000 && oo == 20000,
	      "copy_file_range: offsets move", "n %zd oi %lld oo %lld", n,
	      (long long)oi, (long long)oo);
	check(same_as_ref("/tmp/cfr.out", 4096, 20000),
	      "copy_file_range: the bytes", "differ");
	oi = 0;
	oo = 10;
	check_errno(copy_file_range(dst, &oi, dst, &oo, 100, 0), -1, EINVAL,
		    "copy_file_range: overlap in one file");
	check_errno(copy_file_range(in, NULL, dst, NULL, 10, 1), -1, EINVAL,
		    "copy_file_range: flags");
	int app = open("/tmp/cfr.out", O_WRONLY | O_APPEND);
	check_errno(copy_file_range(in, NULL, app, NULL, 10, 0), -1, EBADF,
		    "copy_file_range: O_APPEND destination");

	/* sendfile errors */
	check_errno(sendfile(app, in, NULL, 10), -1, EINVAL,
		    "sendfile: O_APPEND destination");
	pipe(p);
	check_errno(sendfile(out, p[0], NULL, 10), -1, EINVAL,
		    "sendfile: from a pipe");
	check_errno(sendfile(in, out, NULL, 10), -1, EBADF,
		    "sendfile: to a read-only file");
	check_errno(sendfile(out, 999, NULL, 10), -1, EBADF,
		    "sendfile: bad fd");
	off = -1;
	check_errno(sendfile(out, in, &off, 10), -1, EINVAL,
		    "sendfile: negative offset");
	unlink("/tmp/sf.out");
	unlink("/tmp/cfr.out");
	guest_exit("sendfile");
}
