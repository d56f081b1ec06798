/* SPDX-License-Identifier: MIT */
/*
 * files: the writable file tree and /proc. Works in its own directory
 * under /tmp (removed at the end, so host runs repeat): create, read,
 * write, O_APPEND, pread/pwrite, lseek, truncate, sparse files, unlink of
 * open files, O_TMPFILE, rename (replace, across dirs, NOREPLACE,
 * EXCHANGE), mkdir,
 * rmdir, symlinks, getdents (sorted, and while unlinking), chmod/chown,
 * utimensat, access, statx, statfs, close_range, flock, memfd_create with
 * two MAP_SHARED views (the JIT's pattern), /dev/shm, fork sharing the
 * offset, concurrent appenders, bad pointers. Only behaviour is printed:
 * no inode numbers, times or host paths.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE	 2
#endif
#define MFD_CLOEXEC_	     1
#define CLOSE_RANGE_CLOEXEC_ 4
#define STATX_BASIC_STATS_   0x7ff

/* Linux's struct linux_dirent64 and struct statx, as libcs differ. */
struct kdirent {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad;
	uint64_t ino, size, blocks, attributes_mask;
	struct {
		int64_t sec;
		uint32_t nsec;
		int32_t pad;
	} atime, btime, ctime, mtime;
	uint32_t rest[36];
};

static int kstatx(int dirfd, const char *path, int flags, struct kstatx *sx)
{
	return syscall(SYS_statx, dirfd, path, flags, STATX_BASIC_STATS_, sx);
}

static char top[64]; /* our directory: /tmp/kiln-files-PID */

/* top/name into a static buffer (two in rotation). */
static const char *P(const char *name)
{
	static char buf[2][256];
	static int i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, name);
	return buf[i];
}

/* rm -rf of a directory we made (no symlink following). */
static void rmtree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR)
			rmtree(sub);
		else
			unlink(sub);
	}
	closedir(d);
	rmdir(path);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		check(false, "write_file", "%s errno %d", path, errno);
	close(fd);
}

/* The contents of path (up to 255 bytes), or "" on error. */
static const char *read_file(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	return buf;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

static void test_create_rw(void)
{
	struct stat st;
	char buf[32];

	mode_t was = umask(077);
	int fd = open(P("u"), O_CREAT | O_EXCL | O_RDWR, 0666);
	check(fd >= 0 && !fstat(fd, &st) && (st.st_mode & 0777) == 0600 &&
		      umask(022) == 077,
	      "umask: applied, returns the old mask", "mode %o was %o",
	      st.st_mode & 0777, was);
	close(fd);
	fd = open(P("f"), O_CREAT | O_EXCL | O_RDWR, 0666);
	check(fd >= 0, "create O_EXCL", "errno %d", errno);
	check_errno(open(P("f"), O_CREAT | O_EXCL | O_RDWR, 0666), -1, EEXIST,
		    "create O_EXCL again: EEXIST");
	check(!fstat(fd, &st) && st.st_mode == (S_IFREG | 0644) &&
		      st.st_size == 0 && st.st_nlink == 1,
	      "umask applied, empty file", "mode %o", st.st_mode);
	check(write(fd, "hello", 5) == 5, "write", "errno %d", errno);
	check(pwrite(fd, "world", 5, 10) == 5, "pwrite past EOF", "errno %d",
	      errno);
	check(size_of(P("f")) == 15, "size after pwrite", "%ld",
	      (long)size_of(P("f")));
	memset(buf, 'x', sizeof(buf));
	check(pread(fd, buf, sizeof(buf), 0) == 15 &&
		      !memcmp(buf, "hello\0\0\0\0\0world", 15),
	      "pread with a hole", "got %.15s", buf);
	check(lseek(fd, 0, SEEK_CUR) == 5, "pwrite keeps the offset",
	      "errno %d", errno);
	check(lseek(fd, -3, SEEK_END) == 12 && read(fd, buf, 10) == 3 &&
		      !memcmp(buf, "rld", 3),
	      "lseek SEEK_END", "errno %d", errno);
	check_errno(lseek(fd, -100, SEEK_CUR), -1, EINVAL,
		    "lseek before 0: EINVAL");
	check(lseek(fd, 100, SEEK_SET) == 100 && read(fd, buf, 10) == 0,
	      "read past EOF", "errno %d", errno);
	close(fd);

	fd = open(P("f"), O_WRONLY | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	check(write(fd, "!", 1) == 1 && lseek(fd, 0, SEEK_CUR) == 16,
	      "O_APPEND writes at the end", "errno %d", errno);
	check(pwrite(fd, "?", 1, 0) == 1 && size_of(P("f")) == 17,
	      "pwrite on O_APPEND appends (Linux)", "errno %d", errno);
	check_errno(read(fd, buf, 1), -1, EBADF, "read on O_WRONLY: EBADF");
	close(fd);

	fd = open(P("f"), O_RDWR);
	check(!ftruncate(fd, 3) && size_of(P("f")) == 3, "ftruncate shrink",
	      "errno %d", errno);
	check(!ftruncate(fd, 8192), "ftruncate grow", "errno %d", errno);
	memset(buf, 'x', sizeof(buf));
	check(pread(fd, buf, 8, 0) == 8 && !memcmp(buf, "hel\0\0\0\0\0", 8),
	      "grown part reads zeros", "errno %d", errno);
	check(pread(fd, buf, 8, 8190) == 2, "read at the new EOF", "errno %d",
	      errno);
	check(!truncate(P("f"), 5) && size_of(P("f")) == 5, "truncate path",
	      "errno %d", errno);
	check_errno(ftruncate(fd, -1), -1, EINVAL, "ftruncate -1: EINVAL");
	close(fd);
	fd = open(P("f"), O_RDONLY);
	check_errno(ftruncate(fd, 0), -1, EINVAL,
		    "ftruncate on O_RDONLY: EINVAL");
	close(fd);
	check_errno(truncate(top, 0), -1, EISDIR, "truncate dir: EISDIR");
	fd = open(P("f"), O_RDWR | O_TRUNC);
	check(fd >= 0 && size_of(P("f")) == 0, "O_TRUNC", "errno %d", errno);
	close(fd);
	fd = creat(P("c"), 0600);
	check(fd >= 0 && write(fd, "x", 1) == 1 && read(fd, buf, 1) == -1,
	      "creat is O_WRONLY", "errno %d", errno);
	close(fd);
	check_errno(open(P("nodir/x"), O_CREAT | O_RDWR, 0644), -1, ENOENT,
		    "create in a missing dir: ENOENT");
	check_errno(open(P("f"), O_RDONLY | O_DIRECTORY), -1, ENOTDIR,
		    "O_DIRECTORY on a file: ENOTDIR");
	check_errno(open(top, O_WRONLY), -1, EISDIR, "dir O_WRONLY: EISDIR");
	int dfd = open(top, O_RDONLY);
	check_errno(read(dfd, buf, sizeof(buf)), -1, EISDIR,
		    "read a dir: EISDIR");
	close(dfd);
	check_errno(open(P("f/"), O_RDONLY), -1, ENOTDIR,
		    "file with a trailing slash: ENOTDIR");
}

/* A multi-page file, read back across page boundaries; a sparse 1 GiB. */
static void test_big_sparse(void)
{
	size_t n = 1 << 20;
	unsigned char *a = malloc(n), *b = malloc(n);
	int fd = open(P("big"), O_CREAT | O_RDWR, 0644);
	bool ok = true;

	for (size_t i = 0; i < n; i++)
		a[i] = (unsigned char)(i * 7 + i / 4096);
	check(write(fd, a, n) == (ssize_t)n, "write 1 MiB", "errno %d", errno);
	check(pread(fd, b, n, 0) == (ssize_t)n && !memcmp(a, b, n),
	      "read 1 MiB back", "errno %d", errno);
	for (size_t off = 4000; off < n - 9000; off += 65536 + 123)
		ok &= pread(fd, b, 9000, off) == 9000 &&
		      !memcmp(a + off, b, 9000);
	check(ok, "pread across pages", "errno %d", errno);
	close(fd);
	unlink(P("big"));

	fd = open(P("sparse"), O_CREAT | O_RDWR, 0644);
	check(!ftruncate(fd, 1L << 30) && size_of(P("sparse")) == 1L << 30,
	      "sparse 1 GiB", "errno %d", errno);
	memset(b, 1, 4096);
	check(pread(fd, b, 4096, 512L << 20) == 4096 && !b[0] && !b[4095],
	      "sparse hole reads zeros", "errno %d", errno);
	check(pwrite(fd, "deep", 4, 900L << 20) == 4 &&
		      pread(fd, b, 4, 900L << 20) == 4 && !memcmp(b, "deep", 4),
	      "write deep in a sparse file", "errno %d", errno);
	check(!ftruncate(fd, 0) && size_of(P("sparse")) == 0,
	      "truncate sparse to 0", "errno %d", errno);
	close(fd);
	unlink(P("sparse"));
	free(a);
	free(b);
}

static void test_unlink_open(void)
{
	struct stat st;
	char buf[8] = {0};

	write_file(P("u"), "alive");
	int fd = open(P("u"), O_RDWR);
	check_zero(unlink(P("u")), "unlink an open file");
	check_errno(stat(P("u"), &st), -1, ENOENT, "unlinked name: ENOENT");
	check(!fstat(fd, &st) && st.st_nlink == 0 && st.st_size == 5,
	      "fstat of unlinked: nlink 0", "nlink %ld", (long)st.st_nlink);
	check(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "alive", 5) &&
		      pwrite(fd, "!", 1, 5) == 1,
	      "unlinked file still reads and writes", "errno %d", errno);
	close(fd);
	check_errno(unlink(P("u")), -1, ENOENT, "unlink again: ENOENT");
	fd = open(top, O_TMPFILE | O_RDWR, 0600);
	check(fd >= 0 && write(fd, "tmp", 3) == 3 && !fstat(fd, &st) &&
		      st.st_nlink == 0 && st.st_size == 3 &&
		      (st.st_mode & 07777) == 0600,
	      "O_TMPFILE", "errno %d", errno);
	close(fd);
	check_errno(open(top, O_TMPFILE | O_RDONLY, 0600), -1, EINVAL,
		    "O_TMPFILE read-only: EINVAL");
	check_errno(unlink(top), -1, EISDIR, "unlink a dir: EISDIR");
}

static void test_rename(void)
{
	mkdir(P("d1"), 0755);
	mkdir(P("d2"), 0755);
	write_file(P("a"), "A");
	check(!rename(P("a"), P("b")) && !strcmp(read_file(P("b")), "A") &&
		      size_of(P("a")) == -1,
	      "rename in a dir", "errno %d", errno);
	check(!rename(P("b"), P("d1/b")) && !strcmp(read_file(P("d1/b")), "A"),
	      "rename across dirs", "errno %d", errno);
	write_file(P("d2/t"), "old target");
	int fd = open(P("d2/t"), O_RDONLY);
	check(!rename(P("d1/b"), P("d2/t")) &&
		      !strcmp(read_file(P("d2/t")), "A"),
	      "rename replaces", "errno %d", errno);
	char buf[16] = {0};
	check(read(fd, buf, 15) == 10 && !strcmp(buf, "old target"),
	      "replaced file lives on while open", "errno %d", errno);
	close(fd);
	write_file(P("d1/x"), "X");
	check_errno(rename(P("d2"), P("d1")), -1, ENOTEMPTY,
		    "dir onto non-empty dir: ENOTEMPTY");
	check_errno(rename(P("d2/t"), P("d1")), -1, EISDIR,
		    "file onto dir: EISDIR");
	check_errno(rename(P("d1"), P("d2/t")), -1, ENOTDIR,
		    "dir onto file: ENOTDIR");
	check_errno(rename(P("d1"), P("d1/sub")), -1, EINVAL,
		    "dir into itself: EINVAL");
	check_errno(rename(P("none"), P("z")), -1, ENOENT,
		    "rename missing: ENOENT");
	check(!rename(P("d2/t"), P("d2/t")), "rename onto itself", "errno %d",
	      errno);
	mkdir(P("e"), 0755);
	check(!rename(P("d1"), P("e")) && !strcmp(read_file(P("e/x")), "X"),
	      "dir onto empty dir", "errno %d", errno);
	write_file(P("p"), "P");
	write_file(P("q"), "Q");
	check_errno(syscall(SYS_renameat2, AT_FDCWD, P("p"), AT_FDCWD, P("q"),
			    RENAME_NOREPLACE),
		    -1, EEXIST, "RENAME_NOREPLACE: EEXIST");
	check(!syscall(SYS_renameat2, AT_FDCWD, P("p"), AT_FDCWD, P("q"),
		       RENAME_EXCHANGE) &&
		      !strcmp(read_file(P("p")), "Q") &&
		      !strcmp(read_file(P("q")), "P"),
	      "RENAME_EXCHANGE", "errno %d", errno);
	int dfd = open(top, O_RDONLY | O_DIRECTORY);
	check(!renameat(dfd, "p", dfd, "e/p2") &&
		      !strcmp(read_file(P("e/p2")), "Q"),
	      "renameat with dirfds", "errno %d", errno);
	close(dfd);
}

static void test_dirs(void)
{
	struct stat st = {0};

	check(!mkdir(P("m"), 0777) && !stat(P("m"), &st) &&
		      st.st_mode == (S_IFDIR | 0755),
	      "mkdir with umask", "mode %o", st.st_mode);
	check_errno(mkdir(P("m"), 0755), -1, EEXIST, "mkdir again: EEXIST");
	check_errno(mkdir(P("m/a/b"), 0755), -1, ENOENT,
		    "mkdir missing parent: ENOENT");
	write_file(P("m/f"), "1");
	check_errno(rmdir(P("m")), -1, ENOTEMPTY, "rmdir non-empty");
	check_errno(rmdir(P("m/f")), -1, ENOTDIR, "rmdir a file: ENOTDIR");
	check_errno(rmdir(P("m/.")), -1, EINVAL, "rmdir dot: EINVAL");
	check_errno(mkdir(P("m/f/x"), 0755), -1, ENOTDIR,
		    "mkdir under a file: ENOTDIR");
	unlink(P("m/f"));
	check_zero(rmdir(P("m/")), "rmdir with trailing slash");
	check_errno(rmdir(P("m")), -1, ENOENT, "rmdir gone: ENOENT");
	int dfd = open(top, O_RDONLY | O_DIRECTORY);
	check(!mkdirat(dfd, "n", 0700) && !unlinkat(dfd, "n", AT_REMOVEDIR),
	      "mkdirat/unlinkat AT_REMOVEDIR", "errno %d", errno);
	close(dfd);

	char cwd[256], want[256];
	snprintf(want, sizeof(want), "%s/e", top);
	check(!chdir(P("e")) && getcwd(cwd, sizeof(cwd)) &&
		      !strcmp(cwd, want) && !strcmp(read_file("x"), "X"),
	      "chdir and relative paths", "cwd %s", cwd);
	int fd = open("..", O_RDONLY | O_DIRECTORY);
	check(!fchdir(fd) && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, top),
	      "fchdir", "cwd %s", cwd);
	close(fd);
	chdir("/");
}

static void test_symlinks(void)
{
	struct stat st;
	char buf[64];

	write_file(P("target"), "T");
	check_zero(symlink("target", P("l")), "symlink");
	ssize_t n = readlink(P("l"), buf, sizeof(buf));
	check(n == 6 && !memcmp(buf, "target", 6), "readlink", "errno %d",
	      errno);
	check(!lstat(P("l"), &st) && S_ISLNK(st.st_mode) && st.st_size == 6,
	      "lstat a symlink", "errno %d", errno);
	check(!stat(P("l"), &st) && S_ISREG(st.st_mode) && st.st_size == 1,
	      "stat follows", "errno %d", errno);
	check(!strcmp(read_file(P("l")), "T"), "open through a symlink",
	      "errno %d", errno);
	check_errno(open(P("l"), O_RDONLY | O_NOFOLLOW), -1, ELOOP,
		    "O_NOFOLLOW: ELOOP");
	check_errno(symlink("x", P("l")), -1, EEXIST, "symlink exists");
	symlink("missing", P("dangling"));
	check_errno(stat(P("dangling"), &st), -1, ENOENT, "dangling: ENOENT");
	int fd = open(P("dangling"), O_CREAT | O_WRONLY, 0644);
	check(fd >= 0 && !stat(P("missing"), &st),
	      "O_CREAT through a dangling link", "errno %d", errno);
	close(fd);
	symlink("loop2", P("loop1"));
	symlink("loop1", P("loop2"));
	check_errno(open(P("loop1"), O_RDONLY), -1, ELOOP, "symlink loop");
	symlink("e", P("dl"));
	check(!strcmp(read_file(P("dl/x")), "X"), "symlink to a dir",
	      "errno %d", errno);
	check_errno(readlink(P("target"), buf, 8), -1, EINVAL,
		    "readlink a file: EINVAL");
	check_zero(unlink(P("dl")), "unlink a symlink");
	check(!stat(P("e"), &st), "its target stays", "errno %d", errno);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_getdents(void)
{
	char *names[16], line[1024] = "";
	int n = 0;

	mkdir(P("g"), 0755);
	write_file(P("g/b"), "");
	write_file(P("g/a"), "");
	mkdir(P("g/d"), 0755);
	symlink("a", P("g/s"));
	DIR *d = opendir(P("g"));
	struct dirent *e;
	while ((e = readdir(d)) && n < 16) {
		static char buf[16][300];
		snprintf(buf[n], 300, "%s:%c", e->d_name,
			 e->d_type == DT_DIR   ? 'd'
			 : e->d_type == DT_REG ? 'f'
			 : e->d_type == DT_LNK ? 'l'
					       : '?');
		names[n] = buf[n];
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (int i = 0; i < n; i++) {
		strcat(line, " ");
		strcat(line, names[i]);
	}
	printf("getdents:%s\n", line);

	/* unlink every entry while reading with a small buffer */
	mkdir(P("many"), 0755);
	for (int i = 0; i < 60; i++) {
		char name[32];
		snprintf(name, sizeof(name), "many/file-with-a-long-name-%02d",
			 i);
		write_file(P(name), "");
	}
	int fd = open(P("many"), O_RDONLY | O_DIRECTORY);
	char dbuf[200];
	int seen = 0;
	long got;
	while ((got = syscall(SYS_getdents64, fd, dbuf, sizeof(dbuf))) > 0) {
		for (long off = 0; off < got;) {
			struct kdirent *de = (void *)(dbuf + off);
			if (de->name[0] != '.') {
				unlinkat(fd, de->name, 0);
				seen++;
			}
			off += de->reclen;
		}
	}
	close(fd);
	check(seen == 60 && !rmdir(P("many")),
	      "getdents while unlinking sees all", "saw %d", seen);
	fd = open(P("g"), O_RDONLY | O_DIRECTORY);
	check_errno(syscall(SYS_getdents64, fd, dbuf, 10), -1, EINVAL,
		    "getdents tiny buffer: EINVAL");
	check_errno(syscall(SYS_getdents64, fd, (void *)8, 4096), -1, EFAULT,
		    "getdents bad buffer: EFAULT");
	close(fd);
	fd = open(P("g/a"), O_RDONLY);
	check_errno(syscall(SYS_getdents64, fd, dbuf, sizeof(dbuf)), -1,
		    ENOTDIR, "getdents on a file: ENOTDIR");
	close(fd);
}

static void test_attrs(void)
{
	struct stat st;
	struct statfs sf;

	write_file(P("m"), "mode");
	check(!chmod(P("m"), 0600) && !stat(P("m"), &st) &&
		      (st.st_mode & 07777) == 0600,
	      "chmod", "errno %d", errno);
	int fd = open(P("m"), O_RDWR | O_APPEND);
	check(!fchmod(fd, 0640) && !fstat(fd, &st) &&
		      (st.st_mode & 07777) == 0640,
	      "fchmod", "errno %d", errno);
	check(!chown(P("m"), 10, 20) && !stat(P("m"), &st) && st.st_uid == 10 &&
		      st.st_gid == 20,
	      "chown: stat shows the owner", "errno %d %u %u", errno, st.st_uid,
	      st.st_gid);
	check(!fchown(fd, 30, -1) && !fstat(fd, &st) && st.st_uid == 30 &&
		      st.st_gid == 20,
	      "fchown: -1 keeps the group", "errno %d %u %u", errno, st.st_uid,
	      st.st_gid);
	struct stat lst;
	check(!symlink("m", P("ml")) && !lchown(P("ml"), 40, 50) &&
		      !lstat(P("ml"), &lst) && lst.st_uid == 40 &&
		      lst.st_gid == 50 && !stat(P("m"), &st) && st.st_uid == 30,
	      "lchown: the link, not its target", "errno %d %u %u", errno,
	      lst.st_uid, st.st_uid);
	check(!chown(P("m"), getuid(), getgid()) && !unlink(P("ml")),
	      "chown back", "errno %d", errno);
	struct timespec ts[2] = {{1000000000, 5}, {1100000000, 7}};
	check(!utimensat(AT_FDCWD, P("m"), ts, 0) && !stat(P("m"), &st) &&
		      st.st_atim.tv_sec == 1000000000 &&
		      st.st_atim.tv_nsec == 5 &&
		      st.st_mtim.tv_sec == 1100000000 &&
		      st.st_mtim.tv_nsec == 7,
	      "utimensat sets times", "errno %d", errno);
	struct timespec omit[2] = {{0, UTIME_OMIT}, {42, 0}};
	check(!futimens(fd, omit) && !fstat(fd, &st) &&
		      st.st_atim.tv_sec == 1000000000 &&
		      st.st_mtim.tv_sec == 42,
	      "futimens with UTIME_OMIT", "errno %d", errno);
	check(write(fd, "x", 1) == 1 && !fstat(fd, &st) &&
		      st.st_mtim.tv_sec > 1100000000,
	      "write updates mtime", "errno %d", errno);
	struct timespec bad[2] = {{0, 2000000000}, {0, 0}};
	check_errno(utimensat(AT_FDCWD, P("m"), bad, 0), -1, EINVAL,
		    "utimensat bad nsec: EINVAL");
	check_zero(access(P("m"), R_OK | W_OK), "access R_OK|W_OK");
	check_errno(access(P("m"), X_OK), -1, EACCES, "access X_OK: EACCES");
	check_errno(access(P("nope"), F_OK), -1, ENOENT, "access: ENOENT");
	check_zero(faccessat(AT_FDCWD, top, W_OK | X_OK, 0),
		   "faccessat on our dir");

	struct kstatx sx;
	check(!kstatx(AT_FDCWD, P("m"), 0, &sx) &&
		      (sx.mask & STATX_BASIC_STATS_) == STATX_BASIC_STATS_ &&
		      sx.size == 5 && (sx.mode & 07777) == 0640 &&
		      S_ISREG(sx.mode) && sx.mtime.sec > 1100000000,
	      "statx", "mask %x size %llu", sx.mask,
	      (unsigned long long)sx.size);
	check(!kstatx(fd, "", AT_EMPTY_PATH, &sx) && sx.size == 5,
	      "statx AT_EMPTY_PATH", "errno %d", errno);
	check_errno(kstatx(AT_FDCWD, P("m"), 0x6000, &sx), -1, EINVAL,
		    "statx bad sync flags: EINVAL");
	struct statfs sp;
	memset(&sf, 0, sizeof(sf));
	memset(&sp, 0, sizeof(sp));
	check(!statfs(top, &sf) && sf.f_bsize > 0 && sf.f_namelen > 0 &&
		      sf.f_blocks >= sf.f_bfree && sf.f_bfree >= sf.f_bavail,
	      "statfs", "errno %d bsize %ld namelen %ld", errno,
	      (long)sf.f_bsize, (long)sf.f_namelen);
	memset(&sf, 0, sizeof(sf));
	check(!fstatfs(fd, &sf) && sf.f_bsize > 0 && sf.f_namelen > 0 &&
		      !statfs("/proc", &sp) && sp.f_type == 0x9fa0,
	      "fstatfs; statfs of /proc: PROC_SUPER_MAGIC", "errno %d %lx",
	      errno, (long)sp.f_type);
	check(!fsync(fd) && !fdatasync(fd), "fsync, fdatasync", "errno %d",
	      errno);
	/* sync and syncfs have nothing to show but their success and that
	 * the file is intact after */
	check(!syscall(SYS_sync) && !syscall(SYS_syncfs, fd) &&
		      !fstat(fd, &st) && st.st_size == 5,
	      "sync, syncfs", "errno %d size %lld", errno,
	      (long long)st.st_size);
	check(!flock(fd, LOCK_EX) && !flock(fd, LOCK_UN) &&
		      !flock(fd, LOCK_SH | LOCK_NB),
	      "flock", "errno %d", errno);
	check_errno(flock(fd, 0), -1, EINVAL, "flock bad op: EINVAL");
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	check(!fcntl(fd, F_SETLK, &fl) && !fcntl(fd, F_GETLK, &fl) &&
		      fl.l_type == F_UNLCK,
	      "fcntl locks", "errno %d", errno);
	close(fd);
}

static void test_fds(void)
{
	int fd = open(P("m"), O_RDONLY);

	check(dup2(fd, 100) == 100 && dup2(fd, 101) == 101 &&
		      dup2(fd, 103) == 103,
	      "dup2 high", "errno %d", errno);
	check(!syscall(SYS_close_range, 100, 102, CLOSE_RANGE_CLOEXEC_) &&
		      fcntl(100, F_GETFD) == FD_CLOEXEC &&
		      fcntl(101, F_GETFD) == FD_CLOEXEC &&
		      fcntl(103, F_GETFD) == 0,
	      "close_range CLOEXEC", "errno %d", errno);
	check(!syscall(SYS_close_range, 100, ~0U, 0) &&
		      fcntl(100, F_GETFD) == -1 && fcntl(103, F_GETFD) == -1 &&
		      fcntl(fd, F_GETFD) == 0,
	      "close_range", "errno %d", errno);
	check_errno(syscall(SYS_close_range, 5, 4, 0), -1, EINVAL,
		    "close_range first > last: EINVAL");
	check(!fcntl(fd, F_SETFD, FD_CLOEXEC) && fcntl(fd, F_GETFD) == 1,
	      "F_SETFD", "errno %d", errno);
	check(!ioctl(fd, FIONCLEX) && fcntl(fd, F_GETFD) == 0 &&
		      !ioctl(fd, FIOCLEX) && fcntl(fd, F_GETFD) == 1,
	      "FIOCLEX, FIONCLEX", "errno %d", errno);

	char link[256], want[256];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, want, sizeof(want) - 1);
	want[n > 0 ? n : 0] = 0;
	check(!strcmp(want, P("m")), "/proc/self/fd link", "got %s", want);
	check(!strcmp(read_file(link), "modex"), "open /proc/self/fd/N",
	      "errno %d", errno);
	DIR *d = opendir("/proc/self/fd");
	bool found = false;
	struct dirent *e;
	while (d && (e = readdir(d)))
		found |= atoi(e->d_name) == fd && e->d_name[0] != '.';
	if (d)
		closedir(d);
	check(found, "/proc/self/fd lists it", "errno %d", errno);
	close(fd);

	check_errno(fstat(999, &(struct stat){0}), -1, EBADF, "fstat: EBADF");
	check_errno(ftruncate(999, 0), -1, EBADF, "ftruncate: EBADF");
	check_errno(fchdir(999), -1, EBADF, "fchdir: EBADF");
	check_errno(fsync(999), -1, EBADF, "fsync: EBADF");
	check_errno(syscall(SYS_syncfs, 999), -1, EBADF, "syncfs: EBADF");
	check_errno(open((char *)8, O_RDONLY), -1, EFAULT, "open: EFAULT");
	check_errno(syscall(SYS_newfstatat, AT_FDCWD, P("m"), 8, 0), -1, EFAULT,
		    "stat: EFAULT");
	fd = open(P("m"), O_RDWR);
	check_errno(syscall(SYS_write, fd, 8, 10), -1, EFAULT, "write: EFAULT");
	check_errno(syscall(SYS_read, fd, 8, 10), -1, EFAULT, "read: EFAULT");
	check_errno(mkdir((char *)8, 0755), -1, EFAULT, "mkdir: EFAULT");
	check_errno(rename(P("m"), (char *)8), -1, EFAULT, "rename: EFAULT");
	close(fd);

	/* fork shares the file (and its offset) */
	fd = open(P("fork"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(write(fd, "child", 5) == 5 ? 0 : 1);
	int status;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && !WEXITSTATUS(status) &&
		      lseek(fd, 0, SEEK_CUR) == 5,
	      "fork shares the offset", "errno %d", errno);
	close(fd);
}

/* The JIT's pattern: one memfd, two MAP_SHARED views. */
static void test_memfd(void)
{
	size_t len = 16 << 20;
	int fd = syscall(SYS_memfd_create, "jit", MFD_CLOEXEC_);

	check(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "memfd_create",
	      "errno %d", errno);
	check_zero(ftruncate(fd, len), "memfd ftruncate 16 MiB");
	char *rx = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	char *rw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(rx != MAP_FAILED && rw != MAP_FAILED, "two shared views",
	      "errno %d", errno);
	if (rx == MAP_FAILED || rw == MAP_FAILED)
		return;
	strcpy(rw + 5 * 4096 + 7, "code");
	rw[len - 1] = 'z';
	check(!strcmp(rx + 5 * 4096 + 7, "code") && rx[len - 1] == 'z',
	      "writes show in the other view", "errno %d", errno);
	char buf[8] = {0};
	check(pread(fd, buf, 4, 5 * 4096 + 7) == 4 && !strcmp(buf, "code"),
	      "read sees mapped writes", "errno %d", errno);
	check(pwrite(fd, "data", 4, 4096) == 4 && !memcmp(rx + 4096, "data", 4),
	      "mapping sees written data", "errno %d", errno);
	char link[64], target[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = 0;
	check(!strcmp(target, "/memfd:jit (deleted)"), "memfd name", "got %s",
	      target);
	struct stat st;
	check(!fstat(fd, &st) && st.st_size == (off_t)len && st.st_nlink == 0,
	      "memfd fstat", "errno %d", errno);
	munmap(rx, len);
	munmap(rw, len);
	close(fd);

	/* the /dev/shm fallback, and a shared mapping of a named file */
	char shm[64];
	snprintf(shm, sizeof(shm), "/dev/shm/kiln-files-%d", getpid());
	fd = open(shm, O_CREAT | O_EXCL | O_RDWR, 0600);
	check(fd >= 0 && !unlink(shm) && !ftruncate(fd, 1 << 20),
	      "/dev/shm file", "errno %d", errno);
	char *m =
		mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(m != MAP_FAILED, "mmap /dev/shm file", "errno %d", errno);
	if (m != MAP_FAILED) {
		memcpy(m + 8192, "shm!", 4);
		check(pread(fd, buf, 4, 8192) == 4 && !memcmp(buf, "shm!", 4),
		      "/dev/shm shared mapping", "errno %d", errno);
		munmap(m, 1 << 20);
	}
	close(fd);
	check_errno(syscall(SYS_memfd_create, "x", 0x100), -1, EINVAL,
		    "memfd bad flags: EINVAL");
}

#define APPENDERS 4
#define RECORDS	  500

/* The appenders' file, named once: P's rotating buffers are not for
 * threads. */
static char log_path[256];

static void *appender(void *arg)
{
	int fd = open(log_path, O_WRONLY | O_APPEND);
	char rec[16];

	snprintf(rec, sizeof(rec), "thread %d ....\n", (int)(long)arg);
	for (int i = 0; i < RECORDS; i++)
		if (write(fd, rec, 16) != 16)
			break;
	close(fd);
	return NULL;
}

static void test_concurrent_append(void)
{
	pthread_t t[APPENDERS];
	int counts[APPENDERS] = {0}, bad = 0;

	snprintf(log_path, sizeof(log_path), "%s", P("log"));
	write_file(log_path, "");
	for (long i = 0; i < APPENDERS; i++)
		pthread_create(&t[i], NULL, appender, (void *)i);
	for (int i = 0; i < APPENDERS; i++)
		pthread_join(t[i], NULL);
	int fd = open(P("log"), O_RDONLY);
	char rec[16];
	while (read(fd, rec, 16) == 16) {
		int k = rec[7] - '0';
		if (k < 0 || k >= APPENDERS || memcmp(rec + 8, " ....\n", 6))
			bad++;
		else
			counts[k]++;
	}
	close(fd);
	bool ok = !bad && size_of(P("log")) == APPENDERS * RECORDS * 16;
	for (int i = 0; i < APPENDERS; i++)
		ok &= counts[i] == RECORDS;
	check(ok, "concurrent O_APPEND writers", "bad %d", bad);
}

/* The count of lines starting with prefix in a /proc or /sys file. */
static int count_lines(const char *path, const char *prefix)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, prefix, strlen(prefix));
	fclose(f);
	return n;
}

static void test_proc(void)
{
	char buf[256], want[128];
	struct utsname u;

	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	check(n >= 6 && buf[0] == '/' && !strcmp(buf + n - 6, "/files"),
	      "/proc/self/exe", "got %s", buf);
	check(count_lines("/proc/meminfo", "MemTotal:") == 1 &&
		      count_lines("/proc/meminfo", "MemAvailable:") == 1,
	      "/proc/meminfo", "errno %d", errno);
	check(count_lines("/proc/stat", "cpu ") == 1, "/proc/stat", "errno %d",
	      errno);
	const char *online = read_file("/sys/devices/system/cpu/online");
	int lo = 0, hi = 0;
	if (sscanf(online, "%d-%d", &lo, &hi) < 2)
		hi = lo;
	int ncpu = hi - lo + 1;
	check(count_lines("/proc/cpuinfo", "processor") == ncpu &&
		      count_lines("/proc/stat", "cpu") == ncpu + 1,
	      "cpuinfo and stat agree with cpu/online", "online %s", online);
	double up = 0, idle = 0;
	check(sscanf(read_file("/proc/uptime"), "%lf %lf", &up, &idle) == 2 &&
		      up > 0,
	      "/proc/uptime", "errno %d", errno);
	float l1, l5, l15;
	check(sscanf(read_file("/proc/loadavg"), "%f %f %f", &l1, &l5, &l15) ==
		      3,
	      "/proc/loadavg", "errno %d", errno);
	uname(&u);
	snprintf(want, sizeof(want), "%s\n", u.nodename);
	check(!strcmp(read_file("/proc/sys/kernel/hostname"), want),
	      "/proc/sys/kernel/hostname", "errno %d", errno);
	check(count_lines("/proc/self/mountinfo", "") >= 1 &&
		      count_lines("/proc/self/cgroup", "") >= 1,
	      "mountinfo, cgroup", "errno %d", errno);
	snprintf(want, sizeof(want), "/proc/%d/stat", getpid());
	int pid = 0;
	check(sscanf(read_file(want), "%d (", &pid) == 1 && pid == getpid(),
	      "/proc/PID/stat", "errno %d", errno);
	check(sscanf(read_file("/proc/self/stat"), "%d (", &pid) == 1 &&
		      pid == getpid(),
	      "/proc/self/stat", "errno %d", errno);
	check(access("/sys/devices/system/cpu/possible", R_OK) == 0 &&
		      access("/sys/devices/system/cpu/cpu0", F_OK) == 0,
	      "/sys/devices/system/cpu", "errno %d", errno);
	int core = -1;
	check(sscanf(read_file("/sys/devices/system/cpu/cpu0/topology/core_id"),
		     "%d", &core) == 1 &&
		      core >= 0,
	      "cpu0 topology", "errno %d", errno);
	check(sysconf(_SC_NPROCESSORS_CONF) >= 1, "nprocs conf", "errno %d",
	      errno);
	struct stat st;
	check(!stat("/proc/self/fd", &st) && S_ISDIR(st.st_mode) &&
		      !lstat("/proc/self/exe", &st) && S_ISLNK(st.st_mode),
	      "stat /proc nodes", "errno %d", errno);
	check(!stat("/tmp", &st) && S_ISDIR(st.st_mode) &&
		      !stat("/dev/shm", &st) && S_ISDIR(st.st_mode),
	      "/tmp and /dev/shm", "errno %d", errno);
}

int main(void)
{
	snprintf(top, sizeof(top), "/tmp/kiln-files-%d", getpid());
	rmtree(top);
	check_zero(mkdir(top, 0755), "mkdir our dir");
	test_create_rw();
	test_big_sparse();
	test_unlink_open();
	test_rename();
	test_dirs();
	test_symlinks();
	test_getdents();
	test_attrs();
	test_fds();
	test_memfd();
	test_concurrent_append();
	test_proc();
	rmtree(top);
	check(access(top, F_OK) == -1, "cleaned up", "errno %d", errno);
	guest_exit("files");
}
