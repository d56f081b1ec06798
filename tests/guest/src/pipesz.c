// SPDX-License-Identifier: MIT
/*
 * Pipe capacity: F_GETPIPE_SZ and F_SETPIPE_SZ as pipe(7) and fcntl(2)
 * describe them. A new pipe holds 65536 bytes; a new size is rounded up to
 * a power-of-two number of pages (at least one), and a full pipe of that
 * size takes exactly that many bytes before O_NONBLOCK writes fail with
 * EAGAIN. Shrinking below the bytes held is EBUSY (their order survives a
 * resize that fits), above 2^31 is EINVAL, growing past
 * /proc/sys/fs/pipe-max-size without CAP_SYS_RESOURCE is EPERM (checked in
 * a child that became nobody), and a file that is not a pipe is EBADF.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define NOBODY 65534

/* Is CAP_SYS_RESOURCE in the effective set (/proc/self/status)? */
static bool has_sys_resource(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	char *eff = strstr(buf, "CapEff:\t");
	return eff && (strtoull(eff + 8, NULL, 16) >> 24 & 1);
}

/* Bytes a non-blocking write end takes before EAGAIN. */
static long fill(int wfd)
{
	static char buf[65536];
	long total = 0;

	for (;;) {
		ssize_t n = write(wfd, buf, sizeof(buf));
		if (n < 0)
			return errno == EAGAIN ? total : -errno;
		total += n;
	}
}

static long drain(int rfd)
{
	static char buf[65536];
	long total = 0;

	for (;;) {
		ssize_t n = read(rfd, buf, sizeof(buf));
		if (n <= 0)
			return n < 0 && errno != EAGAIN ? -errno : total;
		total += n;
	}
}

static void test_sizes(void)
{
	int p[2];

	if (pipe2(p, O_NONBLOCK)) {
		check(false, "pipesz: pipe2", "errno %d", errno);
		return;
	}
	check(fcntl(p[0], F_GETPIPE_SZ) == 65536, "pipesz: default 65536",
	      "got %d", fcntl(p[0], F_GETPIPE_SZ));
	long n = fill(p[1]);
	check(n == 65536, "pipesz: default pipe takes 65536 bytes", "took %ld",
	      n);
	check(drain(p[0]) == n, "pipesz: drained", "%s", "");

	static const struct {
		int arg, want;
	} cases[] = {{0, 4096},		 {1, 4096},	 {4096, 4096},
		     {4097, 8192},	 {12288, 16384}, {100000, 131072},
		     {1048576, 1048576}, {65536, 65536}};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[96];
		int got = fcntl(p[1], F_SETPIPE_SZ, cases[i].arg);
		snprintf(what, sizeof(what), "pipesz: F_SETPIPE_SZ %d is %d",
			 cases[i].arg, cases[i].want);
		check(got == cases[i].want, what, "got %d errno %d", got,
		      errno);
		snprintf(what, sizeof(what),
			 "pipesz: F_GETPIPE_SZ on the other end is %d",
			 cases[i].want);
		check(fcntl(p[0], F_GETPIPE_SZ) == cases[i].want, what,
		      "got %d", fcntl(p[0], F_GETPIPE_SZ));
		if (cases[i].want > 65536 && cases[i].want != 1048576)
			continue;
		n = fill(p[1]);
		snprintf(what, sizeof(what),
			 "pipesz: a %d-byte pipe takes exactly that",
			 cases[i].want);
		check(n == cases[i].want, what, "took %ld", n);
		check(drain(p[0]) == n, "pipesz: drained", "%s", "");
	}
	close(p[0]);
	close(p[1]);
}

static void test_busy(void)
{
	int p[2];
	char buf[20000], back[20000];

	if (pipe2(p, O_NONBLOCK)) {
		check(false, "pipesz: pipe2", "errno %d", errno);
		return;
	}
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + i / 251);
	/* the ring wraps before the resize: 60000 in, 55000 out */
	static char junk[60000];
	check(write(p[1], junk, sizeof(junk)) == sizeof(junk),
	      "pipesz: write 60000", "%s", "");
	check(read(p[0], junk, 55000) == 55000, "pipesz: read 55000", "%s", "");
	check(write(p[1], buf, sizeof(buf)) == sizeof(buf),
	      "pipesz: write 20000 across the wrap", "%s", "");
	/* 25000 bytes held */
	check_errno(fcntl(p[1], F_SETPIPE_SZ, 16384), -1, EBUSY,
		    "pipesz: shrink below the bytes held is EBUSY");
	check(fcntl(p[0], F_GETPIPE_SZ) == 65536,
	      "pipesz: size unchanged after EBUSY", "%s", "");
	check(fcntl(p[1], F_SETPIPE_SZ, 32768) == 32768,
	      "pipesz: shrink to 32768 with 25000 held", "%s", "");
	check(read(p[0], junk, 5000) == 5000, "pipesz: read the 5000 left",
	      "%s", "");
	check(read(p[0], back, sizeof(back)) == sizeof(back) &&
		      !memcmp(buf, back, sizeof(buf)),
	      "pipesz: bytes in order after the resize", "%s", "");
	check(fill(p[1]) == 32768, "pipesz: then holds 32768", "%s", "");
	check(fcntl(p[1], F_SETPIPE_SZ, 4096 * 16 + 1) == 131072,
	      "pipesz: grow a full pipe", "%s", "");
	check(fill(p[1]) == 131072 - 32768, "pipesz: grown pipe takes more",
	      "%s", "");
	check(drain(p[0]) == 131072, "pipesz: drained 131072", "%s", "");
	close(p[0]);
	close(p[1]);
}

static void test_errors(void)
{
	int p[2];

	if (pipe(p)) {
		check(false, "pipesz: pipe", "errno %d", errno);
		return;
	}
	check_errno(fcntl(p[0], F_SETPIPE_SZ, (1U << 31) + 1), -1, EINVAL,
		    "pipesz: above 2^31 is EINVAL");
	check_errno(fcntl(p[0], F_SETPIPE_SZ, -1), -1, EINVAL,
		    "pipesz: -1 is EINVAL");
	int fd = open("/proc/self/exe", O_RDONLY);
	check_errno(fcntl(fd, F_GETPIPE_SZ), -1, EBADF,
		    "pipesz: F_GETPIPE_SZ on a file is EBADF");
	check_errno(fcntl(fd, F_SETPIPE_SZ, 4096), -1, EBADF,
		    "pipesz: F_SETPIPE_SZ on a file is EBADF");
	close(fd);

	char max[32] = "";
	fd = open("/proc/sys/fs/pipe-max-size", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, max, sizeof(max) - 1) : -1;
	check(n > 0 && !strcmp(max, "1048576\n"),
	      "pipesz: /proc/sys/fs/pipe-max-size is 1048576", "read %zd %s", n,
	      max);
	if (fd >= 0)
		close(fd);

	/* with CAP_SYS_RESOURCE (Kiln's root; not every container's) the
	 * size may go past it, without it that is EPERM */
	errno = 0;
	int got = fcntl(p[0], F_SETPIPE_SZ, 2097152);
	check(has_sys_resource() ? got == 2097152 : got == -1 && errno == EPERM,
	      "pipesz: past pipe-max-size needs CAP_SYS_RESOURCE",
	      "got %d errno %d", got, errno);
	check(fcntl(p[0], F_SETPIPE_SZ, 65536) == 65536,
	      "pipesz: and back to 65536", "%s", "");

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (syscall(SYS_setuid, NOBODY))
			_exit(10);
		if (fcntl(p[0], F_SETPIPE_SZ, 2097152) != -1 || errno != EPERM)
			_exit(11);
		if (fcntl(p[0], F_SETPIPE_SZ, 1048576) != 1048576)
			_exit(12);
		if (fcntl(p[0], F_SETPIPE_SZ, 4096) != 4096)
			_exit(13);
		_exit(0);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "pipesz: nobody gets EPERM past pipe-max-size, not at it",
	      "status %#x", status);
	check(fcntl(p[1], F_GETPIPE_SZ) == 4096,
	      "pipesz: the child's resize is the pipe's", "%s", "");
	close(p[0]);
	close(p[1]);
}

/* A FIFO opened O_RDWR has the same capacity calls. */
static void test_fifo(void)
{
	const char *path = "/tmp/pipesz-fifo";

	unlink(path);
	if (mkfifo(path, 0600)) {
		check(false, "pipesz: mkfifo", "errno %d", errno);
		return;
	}
	int fd = open(path, O_RDWR | O_NONBLOCK);
	check(fcntl(fd, F_GETPIPE_SZ) == 65536, "pipesz: FIFO default 65536",
	      "%s", "");
	check(fcntl(fd, F_SETPIPE_SZ, 8192) == 8192, "pipesz: FIFO resized",
	      "%s", "");
	check(fill(fd) == 8192, "pipesz: FIFO takes 8192", "%s", "");
	close(fd);
	unlink(path);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_sizes();
	test_busy();
	test_errors();
	test_fifo();
	guest_exit("pipesz");
}
