/* SPDX-License-Identifier: MIT */
/*
 * io: writing to stdout and the fd table, through raw write/writev as well
 * as stdio. stdout is a pipe on the host and the serial console on Kiln, so
 * nothing that tells them apart (isatty, fstat, F_GETFL) is printed. stdio
 * is flushed before every raw write so the output order is fixed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "guest.h"

/* write(2) all of S on FD, after flushing stdio. */
static ssize_t raw_write(int fd, const char *s)
{
	fflush(stdout);
	return write(fd, s, strlen(s));
}

static void test_write(void)
{
	const char *msg = "io: raw write\n";
	struct iovec iov[4] = {
		{.iov_base = "io: writev ", .iov_len = 11},
		{.iov_base = NULL, .iov_len = 0},
		{.iov_base = "in three", .iov_len = 8},
		{.iov_base = " parts\n", .iov_len = 7},
	};
	struct iovec bad_iov = {.iov_base = (void *)16, .iov_len = 4};
	ssize_t r;

	r = raw_write(1, msg);
	check(r == (ssize_t)strlen(msg), "write: returns the length", "%zd", r);
	fflush(stdout);
	r = writev(1, iov, 4);
	check(r == 26, "writev: zero-length NULL entry, returns the total",
	      "%zd", r);
	check(write(1, NULL, 0) == 0, "write: zero length returns 0",
	      "errno %d", errno);
	check(writev(1, iov, 0) == 0, "writev: zero entries returns 0",
	      "errno %d", errno);
	/* Raw syscalls: the compiler rejects these arguments to the libc calls.
	 */
	check_errno(syscall(SYS_writev, 1, iov, -1), -1, EINVAL,
		    "writev: negative count EINVAL");
	check_errno(syscall(SYS_writev, 1, iov, 1025), -1, EINVAL,
		    "writev: count above IOV_MAX EINVAL");
	check_errno(syscall(SYS_write, 1, 16, 4), -1, EFAULT,
		    "write: bad buffer EFAULT");
	check_errno(writev(1, &bad_iov, 1), -1, EFAULT,
		    "writev: bad buffer EFAULT");
	check_errno(write(100, "x", 1), -1, EBADF, "write: unopened fd EBADF");
	check_errno(write(-1, "x", 1), -1, EBADF, "write: fd -1 EBADF");
	check_errno(syscall(SYS_read, 100, msg, 1), -1, EBADF,
		    "read: unopened fd EBADF");
}

static void test_fds(void)
{
	int fd, flags;

	fd = dup(1);
	check(fd == 3, "dup: lowest free fd", "got %d", fd);
	check(raw_write(fd, "io: through dup\n") == 16, "dup: writes to stdout",
	      "errno %d", errno);
	check_zero(close(fd), "close: the dup");
	check(dup2(1, 10) == 10, "dup2: to fd 10", "errno %d", errno);
	check(fcntl(10, F_GETFD) == 0, "dup2: no FD_CLOEXEC", "flags");
	check(raw_write(10, "io: through dup2\n") == 17,
	      "dup2: writes to stdout", "errno %d", errno);
	check_zero(close(10), "close: fd 10");
	check_errno(close(10), -1, EBADF, "close: again EBADF");
	check_errno(write(10, "x", 1), -1, EBADF, "write: closed fd EBADF");
	check(dup2(1, 1) == 1, "dup2: onto itself", "errno %d", errno);
	check_errno(dup3(1, 1, 0), -1, EINVAL, "dup3: onto itself EINVAL");
	fd = dup3(1, 11, O_CLOEXEC);
	flags = fd == 11 ? fcntl(11, F_GETFD) : -1;
	check(fd == 11 && flags == FD_CLOEXEC, "dup3: O_CLOEXEC", "fd %d", fd);
	close(11);
	fd = fcntl(1, F_DUPFD_CLOEXEC, 20);
	flags = fd == 20 ? fcntl(20, F_GETFD) : -1;
	check(fd == 20 && flags == FD_CLOEXEC, "fcntl: F_DUPFD_CLOEXEC from 20",
	      "fd %d", fd);
	check_zero(fcntl(20, F_SETFD, 0), "fcntl: F_SETFD");
	check(fcntl(20, F_GETFD) == 0, "fcntl: F_GETFD after F_SETFD", "set");
	close(20);
	check_errno(fcntl(20, F_GETFD), -1, EBADF, "fcntl: closed fd EBADF");
}

/* 16 KiB in one write(), then 256 lines through stdio. */
static void test_bulk(void)
{
	static char buf[256 * 64 + 1];
	unsigned long sum = 0;
	ssize_t r;

	for (int i = 0; i < 256; i++)
		snprintf(buf + i * 64, 65, "io: bulk %03d %050d\n", i,
			 i * 7919);
	r = raw_write(1, buf);
	check(r == 256 * 64, "write: 16 KiB at once", "%zd", r);
	for (int i = 0; i < 256; i++) {
		printf("io: stdio line %d of 256\n", i + 1);
		sum += (unsigned long)i;
	}
	check(sum == 255 * 256 / 2, "stdio: 256 lines", "sum");
}

int main(void)
{
	test_write();
	test_fds();
	test_bulk();
	guest_exit("io");
}
