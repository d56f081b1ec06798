/* SPDX-License-Identifier: MIT */
/*
 * fileio3: file calls ordinary programs and OTP make beyond read/write:
 * fallocate (mode 0 extends, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE zeroes, and
 * the errors), posix_fadvise, preadv/pwritev at an offset (the position
 * stays) and preadv2/pwritev2 (offset -1: the position; unknown flags).
 * Works in /dev/shm, a tmpfs on the host as on Kiln, so both answer as
 * tmpfs does. Only behaviour is printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "guest.h"

#define KEEP_SIZE  0x01
#define PUNCH_HOLE 0x02
#define ZERO_RANGE 0x10

static char path[64];

static long falloc(int fd, int mode, long off, long len)
{
	return syscall(SYS_fallocate, fd, mode, off, len);
}

static long size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : (long)st.st_size;
}

static bool all_zero(int fd, long off, long len)
{
	char buf[4096];

	while (len > 0) {
		long n = len < (long)sizeof(buf) ? len : (long)sizeof(buf);
		if (pread(fd, buf, n, off) != n)
			return false;
		for (long i = 0; i < n; i++)
			if (buf[i])
				return false;
		off += n;
		len -= n;
	}
	return true;
}

static void test_fallocate(void)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	char buf[8] = {0};

	check_zero(falloc(fd, 0, 0, 10000), "fallocate extends");
	check(size_of(fd) == 10000 && all_zero(fd, 0, 10000),
	      "size 10000, zeros", "size %ld", size_of(fd));
	check(pwrite(fd, "abc", 3, 0) == 3, "write", "errno %d", errno);
	check_zero(falloc(fd, 0, 0, 5), "fallocate inside");
	check(size_of(fd) == 10000 && pread(fd, buf, 3, 0) == 3 &&
		      !memcmp(buf, "abc", 3),
	      "data and size kept", "size %ld '%s'", size_of(fd), buf);
	check_zero(falloc(fd, KEEP_SIZE, 9000, 5000), "KEEP_SIZE");
	check(size_of(fd) == 10000, "KEEP_SIZE keeps the size", "%ld",
	      size_of(fd));
	check_zero(falloc(fd, 0, 20000, 100), "fallocate past the end");
	check(size_of(fd) == 20100 && all_zero(fd, 10000, 10100),
	      "extended with zeros", "size %ld", size_of(fd));
	check_zero(falloc(fd, PUNCH_HOLE | KEEP_SIZE, 1, 1), "punch a hole");
	memset(buf, 'x', sizeof(buf));
	check(pread(fd, buf, 3, 0) == 3 && !memcmp(buf, "a\0c", 3) &&
		      size_of(fd) == 20100,
	      "the hole reads zero", "'%.3s' size %ld", buf, size_of(fd));
	check_zero(falloc(fd, PUNCH_HOLE | KEEP_SIZE, 19000, 5000),
		   "punch past the end");
	check(size_of(fd) == 20100, "size unchanged", "%ld", size_of(fd));

	check_errno(falloc(fd, PUNCH_HOLE, 0, 1), -1, EOPNOTSUPP,
		    "PUNCH_HOLE without KEEP_SIZE");
	check_errno(falloc(fd, ZERO_RANGE, 0, 1), -1, EOPNOTSUPP,
		    "ZERO_RANGE on tmpfs");
	check_errno(falloc(fd, 0, 0, 0), -1, EINVAL, "fallocate len 0");
	check_errno(falloc(fd, 0, -1, 10), -1, EINVAL, "fallocate off -1");
	check_errno(falloc(fd, 0, 0x7fffffffffffff00L, 0x1000), -1, EFBIG,
		    "fallocate overflow");
	check_errno(falloc(-1, 0, 0, 1), -1, EBADF, "fallocate bad fd");
	int ro = open(path, O_RDONLY);
	check_errno(falloc(ro, 0, 0, 1), -1, EBADF, "fallocate O_RDONLY");
	close(ro);
	int p[2];
	if (pipe(p) == 0) {
		check_errno(falloc(p[1], 0, 0, 1), -1, ESPIPE,
			    "fallocate on a pipe");
		check(posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL) == ESPIPE,
		      "fadvise on a pipe", "no ESPIPE");
		close(p[0]);
		close(p[1]);
	}
	check(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0,
	      "fadvise SEQUENTIAL", "failed");
	check(posix_fadvise(fd, 0, 100, POSIX_FADV_DONTNEED) == 0,
	      "fadvise DONTNEED", "failed");
	check(posix_fadvise(fd, 0, 0, 99) == EINVAL, "fadvise bad advice",
	      "no EINVAL");
	check(posix_fadvise(fd, 0, -1, POSIX_FADV_NORMAL) == EINVAL,
	      "fadvise negative len", "no EINVAL");
	check(posix_fadvise(-1, 0, 0, POSIX_FADV_NORMAL) == EBADF,
	      "fadvise bad fd", "no EBADF");
	close(fd);
}

static void test_vectors(void)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	char a[4] = "abcd", b[3] = "efg", ra[4], rb[3];
	struct iovec w[2] = {{a, 4}, {b, 3}}, r[2] = {{ra, 4}, {rb, 3}};

	check(syscall(SYS_pwritev, fd, w, 2, 100L, 0L) == 7, "pwritev",
	      "errno %d", errno);
	check(lseek(fd, 0, SEEK_CUR) == 0 && size_of(fd) == 107,
	      "pwritev leaves the position", "pos %ld size %ld",
	      (long)lseek(fd, 0, SEEK_CUR), size_of(fd));
	check(syscall(SYS_preadv, fd, r, 2, 100L, 0L) == 7 &&
		      !memcmp(ra, "abcd", 4) && !memcmp(rb, "efg", 3),
	      "preadv", "errno %d", errno);
	check(syscall(SYS_preadv, fd, r, 2, 105L, 0L) == 2, "preadv at EOF-2",
	      "errno %d", errno);
	check_errno(syscall(SYS_preadv, fd, r, 2, -1L, 0L), -1, EINVAL,
		    "preadv offset -1");
	lseek(fd, 100, SEEK_SET);
	check(syscall(SYS_preadv2, fd, r, 2, -1L, 0L, 0) == 7 &&
		      lseek(fd, 0, SEEK_CUR) == 107,
	      "preadv2 at the position", "errno %d", errno);
	check(syscall(SYS_pwritev2, fd, w, 1, 0L, 0L, 0) == 4 &&
		      lseek(fd, 0, SEEK_CUR) == 107,
	      "pwritev2 at an offset", "errno %d", errno);
	check_errno(syscall(SYS_preadv2, fd, r, 2, 0L, 0L, 0x1000), -1,
		    EOPNOTSUPP, "preadv2 unknown flag");
	check(syscall(SYS_preadv2, fd, r, 1, 0L, 0L, 0x4) == 4 &&
		      !memcmp(ra, "abcd", 4),
	      "preadv2 RWF_SYNC", "errno %d", errno);
	int p[2];
	if (pipe(p) == 0) {
		check_errno(syscall(SYS_preadv, p[0], r, 1, 0L, 0L), -1, ESPIPE,
			    "preadv on a pipe");
		check(syscall(SYS_pwritev2, p[1], w, 2, -1L, 0L, 0) == 7,
		      "pwritev2 -1 on a pipe", "errno %d", errno);
		close(p[0]);
		close(p[1]);
	}
	close(fd);
}

/* The old time setters by number: utime (seconds), utimes and
 * futimesat (microseconds), and fsync's EINVAL on a pipe. */
static void test_old_times(void)
{
	struct stat st;
	int fd = open(path, O_CREAT | O_RDWR, 0600);
	long ut[2] = {1000000000, 1100000000};

	check_zero(syscall(SYS_utime, path, ut), "utime");
	check(stat(path, &st) == 0 && st.st_atime == 1000000000 &&
		      st.st_mtime == 1100000000 && st.st_mtim.tv_nsec == 0,
	      "utime: whole seconds", "%ld %ld", (long)st.st_atime,
	      (long)st.st_mtime);
	struct timeval tv[2] = {{1200000000, 5}, {1300000000, 999999}};
	check_zero(syscall(SYS_utimes, path, tv), "utimes");
	check(stat(path, &st) == 0 && st.st_mtime == 1300000000 &&
		      st.st_mtim.tv_nsec == 999999000 &&
		      st.st_atim.tv_nsec == 5000,
	      "utimes: microseconds", "%ld.%09ld", (long)st.st_mtime,
	      st.st_mtim.tv_nsec);
	tv[1].tv_usec = 1000000;
	check_errno(syscall(SYS_utimes, path, tv), -1, EINVAL,
		    "utimes: 10^6 microseconds EINVAL");
	int dir = open("/dev/shm", O_RDONLY | O_DIRECTORY);
	tv[1] = (struct timeval){1400000000, 0};
	check_zero(syscall(SYS_futimesat, dir, path + 9, tv),
		   "futimesat: relative to a directory fd");
	check(stat(path, &st) == 0 && st.st_mtime == 1400000000,
	      "futimesat: set", "%ld", (long)st.st_mtime);
	check_zero(syscall(SYS_futimesat, dir, path + 9, NULL),
		   "futimesat: NULL is now");
	check(stat(path, &st) == 0 && st.st_mtime > 1600000000,
	      "futimesat: now", "%ld", (long)st.st_mtime);
	close(dir);
	check_zero(fsync(fd), "fsync: a file");
	int p[2];
	if (pipe(p) == 0) {
		check_errno(fsync(p[0]), -1, EINVAL, "fsync: a pipe EINVAL");
		check_errno(fdatasync(p[1]), -1, EINVAL,
			    "fdatasync: a pipe EINVAL");
		close(p[0]);
		close(p[1]);
	}
	close(fd);
}

/* readahead and sync_file_range: success on a file, Linux's errors
 * elsewhere. */
static void test_hints(void)
{
	int fd = open(path, O_CREAT | O_RDWR, 0600);
	int wo = open(path, O_WRONLY);
	int p[2];

	check_zero(syscall(SYS_readahead, fd, 0, 4096), "readahead: a file");
	check_errno(syscall(SYS_readahead, wo, 0, 4096), -1, EBADF,
		    "readahead: write-only EBADF");
	check_zero(syscall(SYS_sync_file_range, fd, 0, 4096, 7),
		   "sync_file_range: a file");
	check_errno(syscall(SYS_sync_file_range, fd, 0, 4096, 8), -1, EINVAL,
		    "sync_file_range: bad flags EINVAL");
	check_errno(syscall(SYS_sync_file_range, fd, -1L, 4096L, 0), -1, EINVAL,
		    "sync_file_range: negative offset EINVAL");
	if (pipe(p) == 0) {
		check_errno(syscall(SYS_readahead, p[0], 0, 4096), -1, EINVAL,
			    "readahead: a pipe EINVAL");
		check_errno(syscall(SYS_sync_file_range, p[0], 0, 1, 0), -1,
			    ESPIPE, "sync_file_range: a pipe ESPIPE");
		close(p[0]);
		close(p[1]);
	}
	check_errno(syscall(SYS_readahead, 999, 0, 1), -1, EBADF,
		    "readahead: a closed fd EBADF");
	close(wo);
	close(fd);
}

int main(void)
{
	snprintf(path, sizeof(path), "/dev/shm/kiln-fileio3-%d", getpid());
	test_fallocate();
	test_vectors();
	test_old_times();
	test_hints();
	unlink(path);
	guest_exit("fileio3");
}
