// SPDX-License-Identifier: MIT
/*
 * splice, tee and vmsplice: bytes moved between pipes and a tmpfs file
 * (with and without offset pointers), this program's own binary (an image
 * file on Kiln), a stream socket and another pipe, read back at the other
 * end; tee leaving its input in place; vmsplice both ways; and the errors
 * Linux gives (no pipe, the same pipe, offsets on pipes, SPLICE_F_NONBLOCK
 * on an empty or full pipe, wrong ends, O_APPEND, bad flags).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "guest.h"

#define N 10000

static unsigned char pat[N];

static int inpipe(int fd)
{
	int n = -1;

	ioctl(fd, FIONREAD, &n);
	return n;
}

/* Read exactly n bytes from fd (or less at EOF / error). */
static ssize_t read_all(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r <= 0)
			break;
		got += r;
	}
	return got;
}

static void pipe_and_file(void)
{
	int p[2];
	unsigned char buf[N];

	pipe(p);
	int fd = open("/tmp/splice.f", O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(p[1], pat, N);
	loff_t off = 100;
	ssize_t n = splice(p[0], NULL, fd, &off, N, 0);
	check(n == N && off == 100 + N && lseek(fd, 0, SEEK_CUR) == 0,
	      "splice: pipe to file at an offset, position stays",
	      "n %zd off %lld pos %ld", n, (long long)off,
	      (long)lseek(fd, 0, SEEK_CUR));
	memset(buf, 0, N);
	check(pread(fd, buf, N, 100) == N && !memcmp(buf, pat, N) &&
		      inpipe(p[0]) == 0,
	      "splice: the file has the bytes, the pipe is empty", "differs");

	write(p[1], pat, 3000);
	lseek(fd, 100 + N, SEEK_SET);
	n = splice(p[0], NULL, fd, NULL, 1000, SPLICE_F_MORE | SPLICE_F_MOVE);
	check(n == 1000 && lseek(fd, 0, SEEK_CUR) == 1100 + N &&
		      inpipe(p[0]) == 2000,
	      "splice: pipe to file without offset moves the position",
	      "n %zd pos %ld left %d", n, (long)lseek(fd, 0, SEEK_CUR),
	      inpipe(p[0]));
	read_all(p[0], buf, 2000);
	ftruncate(fd, 100 + N);

	/* file to pipe, at an offset: the position stays */
	off = 100;
	n = splice(fd, &off, p[1], NULL, 5000, 0);
	memset(buf, 0, N);
	check(n == 5000 && off == 5100 && lseek(fd, 0, SEEK_CUR) == 1100 + N &&
		      read_all(p[0], buf, 5000) == 5000 &&
		      !memcmp(buf, pat, 5000),
	      "splice: file to pipe at an offset", "n %zd off %lld", n,
	      (long long)off);
	lseek(fd, 100, SEEK_SET);
	n = splice(fd, NULL, p[1], NULL, N + 500, 0);
	check(n == N && lseek(fd, 0, SEEK_CUR) == 100 + N &&
		      read_all(p[0], buf, N) == N && !memcmp(buf, pat, N),
	      "splice: file to pipe moves the position, stops at EOF",
	      "n %zd pos %ld", n, (long)lseek(fd, 0, SEEK_CUR));
	check(splice(fd, NULL, p[1], NULL, 100, 0) == 0,
	      "splice: 0 at end of file", "not 0");
	off = 1 << 30;
	check(splice(fd, &off, p[1], NULL, 100, 0) == 0 && off == 1 << 30,
	      "splice: 0 past end of file", "not 0");

	/* errors */
	int fd2 = open("/tmp/splice.g", O_RDWR | O_CREAT | O_TRUNC, 0600);
	check_errno(splice(fd, NULL, fd2, NULL, 10, 0), -1, EINVAL,
		    "splice: no pipe EINVAL");
	write(p[1], "abc", 3);
	off = 0;
	check_errno(splice(p[0], &off, fd, NULL, 3, 0), -1, ESPIPE,
		    "splice: offset on the input pipe ESPIPE");
	check_errno(splice(fd, NULL, p[1], &off, 3, 0), -1, ESPIPE,
		    "splice: offset on the output pipe ESPIPE");
	check_errno(splice(p[0], NULL, p[1], NULL, 3, 0), -1, EINVAL,
		    "splice: a pipe into itself EINVAL");
	check_errno(splice(p[1], NULL, fd, NULL, 3, 0), -1, EBADF,
		    "splice: from a write end EBADF");
	check_errno(splice(fd, NULL, p[0], NULL, 3, 0), -1, EBADF,
		    "splice: into a read end EBADF");
	check_errno(splice(p[0], NULL, fd, NULL, 3, 0x100), -1, EINVAL,
		    "splice: unknown flags EINVAL");
	check_errno(splice(99, NULL, fd, NULL, 3, 0), -1, EBADF,
		    "splice: bad fd EBADF");
	check(splice(p[0], NULL, fd, NULL, 0, 0) == 0 && inpipe(p[0]) == 3,
	      "splice: length 0 moves nothing", "left %d", inpipe(p[0]));
	int ap = open("/tmp/splice.g", O_WRONLY | O_APPEND);
	check_errno(splice(p[0], NULL, ap, NULL, 3, 0), -1, EINVAL,
		    "splice: into an O_APPEND file EINVAL");
	int ro = open("/tmp/splice.g", O_RDONLY);
	check_errno(splice(p[0], NULL, ro, NULL, 3, 0), -1, EBADF,
		    "splice: into a read-only file EBADF");
	read_all(p[0], buf, 3);
	check_errno(splice(p[0], NULL, fd, NULL, 3, SPLICE_F_NONBLOCK), -1,
		    EAGAIN, "splice: empty pipe with SPLICE_F_NONBLOCK EAGAIN");
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	check_errno(splice(p[0], NULL, fd, NULL, 3, 0), -1, EAGAIN,
		    "splice: empty O_NONBLOCK pipe EAGAIN");
	fcntl(p[0], F_SETFL, 0);
	close(p[1]);
	check(splice(p[0], NULL, fd, NULL, 3, 0) == 0,
	      "splice: 0 from a pipe without writers", "not 0");
	close(p[0]);
	pipe(p);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	off = 0;
	check_errno(splice(fd, &off, p[1], NULL, 3, 0), -1, EPIPE,
		    "splice: into a pipe without readers EPIPE");
	close(p[1]);
	close(ap);
	close(ro);
	close(fd2);
	close(fd);
	unlink("/tmp/splice.f");
	unlink("/tmp/splice.g");
}

static void *late_writer(void *arg)
{
	int fd = *(int *)arg;

	usleep(50000);
	write(fd, "late", 4);
	return NULL;
}

static void pipe_and_pipe(void)
{
	int a[2], b[2];
	char buf[N];

	pipe(a);
	pipe(b);
	write(a[1], pat, 6000);
	ssize_t n = splice(a[0], NULL, b[1], NULL, 4000, 0);
	check(n == 4000 && inpipe(a[0]) == 2000 && inpipe(b[0]) == 4000 &&
		      read_all(b[0], buf, 4000) == 4000 &&
		      !memcmp(buf, pat, 4000),
	      "splice: pipe to pipe moves the bytes", "n %zd a %d b %d", n,
	      inpipe(a[0]), inpipe(b[0]));
	n = splice(a[0], NULL, b[1], NULL, N, 0);
	check(n == 2000 && read_all(b[0], buf, 2000) == 2000 &&
		      !memcmp(buf, pat + 4000, 2000),
	      "splice: pipe to pipe takes what there is", "n %zd", n);
	check_errno(splice(a[0], NULL, b[1], NULL, 10, SPLICE_F_NONBLOCK), -1,
		    EAGAIN, "splice: pipe to pipe, empty, NONBLOCK EAGAIN");

	/* a blocking splice waits for the writer */
	pthread_t th;
	pthread_create(&th, NULL, late_writer, &a[1]);
	n = splice(a[0], NULL, b[1], NULL, 100, 0);
	pthread_join(th, NULL);
	check(n == 4 && read_all(b[0], buf, 4) == 4 && !memcmp(buf, "late", 4),
	      "splice: a blocking splice waits for data", "n %zd", n);

	/* the output pipe full: NONBLOCK fails, the input keeps its bytes */
	fcntl(b[1], F_SETFL, O_NONBLOCK);
	while (write(b[1], pat, N) > 0)
		;
	fcntl(b[1], F_SETFL, 0);
	write(a[1], "xyz", 3);
	check_errno(splice(a[0], NULL, b[1], NULL, 3, SPLICE_F_NONBLOCK), -1,
		    EAGAIN, "splice: into a full pipe, NONBLOCK EAGAIN");
	check(inpipe(a[0]) == 3, "splice: the input keeps its bytes", "left %d",
	      inpipe(a[0]));
	close(b[0]);
	close(b[1]);

	/* tee: both pipes get the bytes, the input keeps them */
	pipe(b);
	n = tee(a[0], b[1], 100, 0);
	check(n == 3 && inpipe(a[0]) == 3 && inpipe(b[0]) == 3,
	      "tee: copies without consuming", "n %zd a %d b %d", n,
	      inpipe(a[0]), inpipe(b[0]));
	char x[4] = {0}, y[4] = {0};
	read_all(a[0], x, 3);
	read_all(b[0], y, 3);
	check(!memcmp(x, "xyz", 3) && !memcmp(y, "xyz", 3),
	      "tee: the same bytes on both sides", "%.3s %.3s", x, y);
	write(a[1], pat, 5000);
	n = tee(a[0], b[1], 1234, 0);
	check(n == 1234 && inpipe(a[0]) == 5000 &&
		      read_all(b[0], buf, 1234) == 1234 &&
		      !memcmp(buf, pat, 1234),
	      "tee: at most len bytes, from the start", "n %zd", n);
	read_all(a[0], buf, 5000);
	check_errno(tee(a[0], b[1], 10, SPLICE_F_NONBLOCK), -1, EAGAIN,
		    "tee: empty input, NONBLOCK EAGAIN");
	check_errno(tee(a[0], a[1], 10, 0), -1, EINVAL,
		    "tee: the same pipe EINVAL");
	int fd = open("/tmp/splice.t", O_RDWR | O_CREAT | O_TRUNC, 0600);
	check_errno(tee(fd, b[1], 10, 0), -1, EINVAL,
		    "tee: from a file EINVAL");
	check_errno(tee(a[0], fd, 10, 0), -1, EINVAL,
		    "tee: into a file EINVAL");
	check_errno(tee(a[0], b[1], 10, 0x100), -1, EINVAL,
		    "tee: unknown flags EINVAL");
	check(tee(a[0], b[1], 0, 0) == 0, "tee: length 0", "not 0");
	close(a[1]);
	check(tee(a[0], b[1], 10, 0) == 0, "tee: 0 from a pipe without writers",
	      "not 0");
	close(fd);
	unlink("/tmp/splice.t");
	close(a[0]);
	close(b[0]);
	close(b[1]);
}

struct sink {
	int fd;
	unsigned char *buf;
	size_t want, got;
};

static void *drain(void *arg)
{
	struct sink *s = arg;

	s->got = read_all(s->fd, s->buf, s->want);
	return NULL;
}

static void sockets_and_image(const char *self)
{
	int p[2], s[2];
	unsigned char buf[N];

	pipe(p);
	socketpair(AF_UNIX, SOCK_STREAM, 0, s);
	write(p[1], pat, N);
	size_t moved = 0;
	while (moved < N) {
		ssize_t n = splice(p[0], NULL, s[0], NULL, N - moved, 0);
		if (n <= 0)
			break;
		moved += n;
	}
	check(moved == N && read_all(s[1], buf, N) == N && !memcmp(buf, pat, N),
	      "splice: pipe to socket", "moved %zu", moved);
	loff_t off = 0;
	check_errno(splice(p[0], NULL, s[0], &off, 1, 0), -1, EINVAL,
		    "splice: offset on a socket EINVAL");

	write(s[1], pat, 3000);
	ssize_t n = splice(s[0], NULL, p[1], NULL, N, 0);
	check(n > 0 && n <= 3000, "splice: socket to pipe", "n %zd", n);
	moved = n > 0 ? n : 0;
	while (moved < 3000 &&
	       (n = splice(s[0], NULL, p[1], NULL, 3000 - moved, 0)) > 0)
		moved += n;
	check(moved == 3000 && read_all(p[0], buf, 3000) == 3000 &&
		      !memcmp(buf, pat, 3000),
	      "splice: socket to pipe has the bytes", "moved %zu", moved);
	close(s[0]);
	close(s[1]);

	/* this program's binary (on Kiln an image file) into a pipe */
	int in = open(self, O_RDONLY);
	struct stat st;
	fstat(in, &st);
	unsigned char *ref = malloc(st.st_size), *got = malloc(st.st_size);
	pread(in, ref, st.st_size, 0);
	struct sink k = {p[0], got, st.st_size, 0};
	pthread_t th;
	pthread_create(&th, NULL, drain, &k);
	moved = 0;
	off = 0;
	while (moved < (size_t)st.st_size &&
	       (n = splice(in, &off, p[1], NULL, st.st_size - moved, 0)) > 0)
		moved += n;
	pthread_join(th, NULL);
	check(moved == (size_t)st.st_size && k.got == moved &&
		      !memcmp(ref, got, moved) && off == st.st_size,
	      "splice: an executable file through a pipe", "moved %zu", moved);
	free(ref);
	free(got);
	close(in);
	close(p[0]);
	close(p[1]);
}

static void vmsplice_both_ways(void)
{
	int p[2];
	char a[] = "hello ", b[] = "vmsplice";
	struct iovec iov[2] = {{a, 6}, {b, 8}};

	pipe(p);
	ssize_t n = vmsplice(p[1], iov, 2, 0);
	check(n == 14 && inpipe(p[0]) == 14,
	      "vmsplice: user memory into a pipe", "n %zd", n);
	char o1[5] = {0}, o2[16] = {0};
	struct iovec rv[2] = {{o1, 4}, {o2, 16}};
	n = vmsplice(p[0], rv, 2, 0);
	check(n == 14 && !memcmp(o1, "hell", 4) &&
		      !memcmp(o2, "o vmsplice", 10),
	      "vmsplice: a pipe into user memory", "n %zd %s%s", n, o1, o2);
	check_errno(vmsplice(p[0], rv, 2, SPLICE_F_NONBLOCK), -1, EAGAIN,
		    "vmsplice: empty pipe, NONBLOCK EAGAIN");
	int fd = open("/tmp/splice.v", O_RDWR | O_CREAT | O_TRUNC, 0600);
	check_errno(vmsplice(fd, iov, 2, 0), -1, EBADF,
		    "vmsplice: not a pipe EBADF");
	check_errno(vmsplice(p[1], iov, 2, 0x100), -1, EINVAL,
		    "vmsplice: unknown flags EINVAL");
	check(vmsplice(p[1], iov, 0, 0) == 0, "vmsplice: no iovecs", "not 0");
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	while (write(p[1], pat, N) > 0)
		;
	fcntl(p[1], F_SETFL, 0);
	check_errno(vmsplice(p[1], iov, 2, SPLICE_F_NONBLOCK), -1, EAGAIN,
		    "vmsplice: full pipe, NONBLOCK EAGAIN");
	close(p[1]);
	close(p[0]);
	close(fd);
	unlink("/tmp/splice.v");
}

int main(int argc, char **argv)
{
	(void)argc;
	for (int i = 0; i < N; i++)
		pat[i] = (unsigned char)(i * 7 + i / 251);
	pipe_and_file();
	pipe_and_pipe();
	sockets_and_image(access(argv[0], R_OK) == 0 ? argv[0]
						     : "/proc/self/exe");
	vmsplice_both_ways();
	guest_exit("splice");
}
