/* SPDX-License-Identifier: MIT */
/*
 * links: hard links (link, linkat) in the writable tree, in a directory of
 * its own under /tmp: link counts in stat and fstat, one inode behind two
 * names, unlink of one name keeping the other and the data, the errors
 * (EEXIST, ENOENT, ENOTDIR, EPERM for directories, EXDEV out of /proc,
 * EINVAL for bad flags), links to symlinks and AT_SYMLINK_FOLLOW, naming
 * an O_TMPFILE file through /proc/self/fd, rename between two names of
 * one file, getdents, and a link made by a child seen by its parent.
 * The *at calls relative to a directory fd (symlinkat, readlinkat,
 * fchmodat, fchownat with and without AT_SYMLINK_NOFOLLOW) act on the
 * name in that directory, not in the cwd. Only behaviour is printed: no inode
 * numbers or host paths.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static char top[64]; /* /tmp/kiln-links-PID */

/* top/name into a static buffer (three in rotation). */
static const char *P(const char *name)
{
	static char buf[3][256];
	static int i;

	i = (i + 1) % 3;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, name);
	return buf[i];
}

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

static long nlink_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? -errno : (long)st.st_nlink;
}

static bool same_inode(const char *a, const char *b)
{
	struct stat sa, sb;

	return !lstat(a, &sa) && !lstat(b, &sb) && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

static void test_basic(void)
{
	write_file(P("a"), "hello");
	check_zero(link(P("a"), P("b")), "link a b");
	check(nlink_of(P("a")) == 2 && nlink_of(P("b")) == 2, "nlink 2",
	      "a %ld b %ld", nlink_of(P("a")), nlink_of(P("b")));
	check(same_inode(P("a"), P("b")), "one inode", "differ");
	check(!strcmp(read_file(P("b")), "hello"), "read through b", "'%s'",
	      read_file(P("b")));

	int fd = open(P("b"), O_WRONLY | O_APPEND);
	check(fd >= 0 && write(fd, " world", 6) == 6, "append through b",
	      "errno %d", errno);
	struct stat st;
	check(!fstat(fd, &st) && st.st_nlink == 2, "fstat nlink 2", "%ld",
	      (long)st.st_nlink);
	close(fd);
	check(!strcmp(read_file(P("a")), "hello world"), "a sees the append",
	      "'%s'", read_file(P("a")));

	check_zero(link(P("b"), P("c")), "link b c");
	check(nlink_of(P("a")) == 3, "nlink 3", "%ld", nlink_of(P("a")));

	fd = open(P("a"), O_RDONLY);
	check_zero(unlink(P("a")), "unlink a");
	check_errno(access(P("a"), F_OK), -1, ENOENT, "a is gone");
	check(nlink_of(P("b")) == 2, "nlink 2 after unlink", "%ld",
	      nlink_of(P("b")));
	check(!fstat(fd, &st) && st.st_nlink == 2, "fstat of the open a", "%ld",
	      (long)st.st_nlink);
	check(!strcmp(read_file(P("c")), "hello world"), "data kept", "'%s'",
	      read_file(P("c")));
	check_zero(unlink(P("b")), "unlink b");
	check_zero(unlink(P("c")), "unlink c");
	check(!fstat(fd, &st) && st.st_nlink == 0, "fstat nlink 0", "%ld",
	      (long)st.st_nlink);
	char buf[16] = {0};
	check(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "hello", 5),
	      "open file readable after the last unlink", "'%s'", buf);
	check_errno(linkat(fd, "", AT_FDCWD, P("again"), AT_EMPTY_PATH), -1,
		    ENOENT, "linkat of an unlinked file");
	close(fd);
}

static void test_errors(void)
{
	write_file(P("f"), "x");
	write_file(P("g"), "y");
	check_zero(mkdir(P("d"), 0755), "mkdir d");
	check_errno(link(P("f"), P("g")), -1, EEXIST, "link onto a file");
	check_errno(link(P("f"), P("d")), -1, EEXIST, "link onto a dir");
	check_errno(link(P("f"), P("f")), -1, EEXIST, "link onto itself");
	check_errno(link(P("missing"), P("h")), -1, ENOENT, "link of missing");
	check_errno(link(P("f"), P("nodir/h")), -1, ENOENT,
		    "link into a missing dir");
	check_errno(link(P("f"), P("g/h")), -1, ENOTDIR, "link under a file");
	check_errno(link(P("f/"), P("h")), -1, ENOTDIR,
		    "link of file with slash");
	check_errno(link(P("f"), P("h/")), -1, ENOENT,
		    "link to a name with slash");
	check_errno(link(P("d"), P("d2")), -1, EPERM, "link of a directory");
	check_errno(link(P("d/"), P("d2")), -1, EPERM,
		    "link of a directory with slash");
	check_errno(link(P("f"), P("d/.")), -1, EEXIST, "link onto dot");
	check_errno(
		linkat(AT_FDCWD, P("f"), AT_FDCWD, P("h"), AT_SYMLINK_NOFOLLOW),
		-1, EINVAL, "linkat bad flags");
	check_errno(link("/proc/self/status", P("status")), -1, EXDEV,
		    "link out of /proc");
	check_errno(access(P("h"), F_OK), -1, ENOENT, "no h made");
	check(nlink_of(P("f")) == 1, "f nlink still 1", "%ld",
	      nlink_of(P("f")));
	struct stat st;
	check(!stat(P("d"), &st) && st.st_nlink == 2, "dir nlink 2", "%ld",
	      (long)st.st_nlink);
	unlink(P("f"));
	unlink(P("g"));
	rmdir(P("d"));
}

static void test_dirs_and_symlinks(void)
{
	write_file(P("t"), "target");
	check_zero(mkdir(P("sub"), 0755), "mkdir sub");
	check_zero(link(P("t"), P("sub/t2")), "link across dirs");
	check_errno(rmdir(P("sub")), -1, ENOTEMPTY, "rmdir with a link in it");
	check(!strcmp(read_file(P("sub/t2")), "target"), "read across dirs",
	      "'%s'", read_file(P("sub/t2")));

	int dfd = open(P("sub"), O_RDONLY | O_DIRECTORY);
	check_zero(linkat(dfd, "t2", dfd, "t3", 0), "linkat with dirfds");
	check(nlink_of(P("t")) == 3, "nlink 3 via linkat", "%ld",
	      nlink_of(P("t")));
	close(dfd);

	check_zero(symlink("t", P("s")), "symlink s -> t");
	check_zero(link(P("s"), P("s2")), "link of a symlink");
	struct stat st;
	check(!lstat(P("s2"), &st) && S_ISLNK(st.st_mode) && st.st_nlink == 2,
	      "the link is the symlink", "mode %o nlink %ld", st.st_mode,
	      (long)st.st_nlink);
	char buf[16] = {0};
	check(readlink(P("s2"), buf, sizeof(buf)) == 1 && buf[0] == 't',
	      "readlink of the link", "'%s'", buf);
	check_zero(
		linkat(AT_FDCWD, P("s"), AT_FDCWD, P("s3"), AT_SYMLINK_FOLLOW),
		"linkat AT_SYMLINK_FOLLOW");
	check(!lstat(P("s3"), &st) && S_ISREG(st.st_mode) && st.st_nlink == 4,
	      "followed to the file", "mode %o nlink %ld", st.st_mode,
	      (long)st.st_nlink);

	/* rename between two names of one file does nothing */
	check_zero(rename(P("t"), P("s3")), "rename onto its own link");
	check(!access(P("t"), F_OK) && !access(P("s3"), F_OK),
	      "both names stay", "errno %d", errno);
	check(nlink_of(P("t")) == 4, "nlink still 4", "%ld", nlink_of(P("t")));
	/* rename another file over one name */
	write_file(P("other"), "other");
	check_zero(rename(P("other"), P("s3")), "rename over a link");
	check(nlink_of(P("t")) == 3, "nlink 3 after", "%ld", nlink_of(P("t")));
	check(!strcmp(read_file(P("s3")), "other"), "s3 is the other file",
	      "'%s'", read_file(P("s3")));
	check(!strcmp(read_file(P("sub/t3")), "target"), "t3 unchanged", "'%s'",
	      read_file(P("sub/t3")));
	/* rename a link away: the inode keeps its count */
	check_zero(rename(P("sub/t3"), P("t4")), "rename a link");
	check(nlink_of(P("t4")) == 3 && same_inode(P("t"), P("t4")),
	      "renamed link same inode", "%ld", nlink_of(P("t4")));

	/* getdents lists every name */
	int n = 0;
	DIR *d = opendir(P("sub"));
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += !strcmp(e->d_name, "t2");
	if (d)
		closedir(d);
	check(n == 1, "getdents shows the link", "%d", n);
}

static void test_tmpfile(void)
{
	int fd = open(top, O_TMPFILE | O_RDWR, 0600);

	if (fd < 0) {
		check(false, "O_TMPFILE", "errno %d", errno);
		return;
	}
	check(write(fd, "tmp", 3) == 3, "write the tmpfile", "errno %d", errno);
	struct stat st;
	check(!fstat(fd, &st) && st.st_nlink == 0, "tmpfile nlink 0", "%ld",
	      (long)st.st_nlink);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	check_zero(
		linkat(AT_FDCWD, proc, AT_FDCWD, P("named"), AT_SYMLINK_FOLLOW),
		"linkat names the tmpfile");
	check(!fstat(fd, &st) && st.st_nlink == 1, "tmpfile nlink 1", "%ld",
	      (long)st.st_nlink);
	check(!strcmp(read_file(P("named")), "tmp"), "tmpfile data", "'%s'",
	      read_file(P("named")));
	close(fd);

	fd = open(top, O_TMPFILE | O_RDWR | O_EXCL, 0600);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	check_errno(linkat(AT_FDCWD, proc, AT_FDCWD, P("named2"),
			   AT_SYMLINK_FOLLOW),
		    -1, ENOENT, "O_EXCL tmpfile cannot be named");
	close(fd);
}

static void test_fork(void)
{
	write_file(P("shared"), "s");
	pid_t pid = fork();
	if (pid == 0)
		_exit(link(P("shared"), P("child-made")) ? 1 : 0);
	int status = -1;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child made a link", "status %d", status);
	check(nlink_of(P("shared")) == 2 &&
		      same_inode(P("shared"), P("child-made")),
	      "parent sees it", "%ld", nlink_of(P("shared")));
}

/* symlinkat, readlinkat, fchmodat, fchownat relative to a directory fd
 * (the cwd stays elsewhere), checked through stat and lstat. */
static void test_at_calls(void)
{
	struct stat st, lst;
	char buf[64];

	check_zero(mkdir(P("at"), 0755), "at: mkdir");
	int dfd = open(P("at"), O_RDONLY | O_DIRECTORY);
	write_file(P("at/f"), "at");
	check_zero(symlinkat("f", dfd, "l"), "symlinkat");
	ssize_t n = readlinkat(dfd, "l", buf, sizeof(buf));
	check(n == 1 && buf[0] == 'f', "readlinkat: the target", "%zd", n);
	check(lstat(P("at/l"), &lst) == 0 && S_ISLNK(lst.st_mode),
	      "symlinkat: made in the directory", "errno %d", errno);
	check_errno(readlinkat(dfd, "f", buf, sizeof(buf)), -1, EINVAL,
		    "readlinkat of a file: EINVAL");

	check_zero(fchmodat(dfd, "f", 0604, 0), "fchmodat");
	check(stat(P("at/f"), &st) == 0 && (st.st_mode & 07777) == 0604,
	      "fchmodat: stat shows the mode", "%o", st.st_mode & 07777);
	check_zero(fchmodat(dfd, "l", 0640, 0), "fchmodat through a symlink");
	check(stat(P("at/f"), &st) == 0 && (st.st_mode & 07777) == 0640,
	      "fchmodat: the symlink's target changes", "%o",
	      st.st_mode & 07777);

	check_zero(fchownat(dfd, "f", 123, 456, 0), "fchownat");
	check(stat(P("at/f"), &st) == 0 && st.st_uid == 123 && st.st_gid == 456,
	      "fchownat: stat shows the owner", "%u %u", st.st_uid, st.st_gid);
	check_zero(fchownat(dfd, "l", 77, 88, AT_SYMLINK_NOFOLLOW),
		   "fchownat AT_SYMLINK_NOFOLLOW");
	check(lstat(P("at/l"), &lst) == 0 && lst.st_uid == 77 &&
		      lst.st_gid == 88 && stat(P("at/f"), &st) == 0 &&
		      st.st_uid == 123,
	      "fchownat AT_SYMLINK_NOFOLLOW: the link, not the target",
	      "link %u target %u", lst.st_uid, st.st_uid);
	check_zero(fchownat(dfd, "l", -1, 9, 0), "fchownat through a symlink");
	check(stat(P("at/f"), &st) == 0 && st.st_uid == 123 && st.st_gid == 9,
	      "fchownat: -1 keeps the uid, the target's gid changes", "%u %u",
	      st.st_uid, st.st_gid);
	check_errno(fchownat(dfd, "none", 1, 1, 0), -1, ENOENT,
		    "fchownat of a missing name: ENOENT");
	close(dfd);
}

int main(void)
{
	snprintf(top, sizeof(top), "/tmp/kiln-links-%d", getpid());
	rmtree(top);
	check_zero(mkdir(top, 0755), "mkdir our dir");
	test_basic();
	test_errors();
	test_dirs_and_symlinks();
	test_tmpfile();
	test_fork();
	test_at_calls();
	rmtree(top);
	check(access(top, F_OK) == -1, "cleaned up", "errno %d", errno);
	guest_exit("links");
}
