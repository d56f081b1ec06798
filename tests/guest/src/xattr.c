// SPDX-License-Identifier: MIT
/*
 * Extended attributes on tmpfs (/dev/shm, a tmpfs on the host as on
 * Kiln): set, get and list them by path, without following a symlink and
 * by fd, in the user., trusted. and security. namespaces; XATTR_CREATE and
 * XATTR_REPLACE; the size-0 length query, ERANGE, E2BIG, ENODATA; user.
 * refused on symlinks and FIFOs; unknown namespaces EOPNOTSUPP; values
 * gone with the file; /proc refusing them. Lists are sorted before they
 * are compared (their order is not part of the ABI).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "guest.h"

#define D "/dev/shm/xattr.d"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of a listxattr buffer, sorted, joined by ',' into out. */
static void names(const char *buf, ssize_t len, char *out, size_t size)
{
	const char *v[64];
	int n = 0;

	for (ssize_t i = 0; i < len && n < 64; i += strlen(buf + i) + 1)
		v[n++] = buf + i;
	qsort(v, n, sizeof(v[0]), cmp);
	out[0] = 0;
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s",
			 i ? "," : "", v[i]);
}

static void check_list(ssize_t len, const char *buf, const char *want,
		       const char *what)
{
	char got[1024];

	if (len < 0) {
		check(false, what, "errno %d", errno);
		return;
	}
	names(buf, len, got, sizeof(got));
	check(!strcmp(got, want), what, "got [%s] want [%s]", got, want);
}

static void basics(void)
{
	const char *f = D "/file";
	char buf[256], list[1024];
	int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0600);

	check(listxattr(f, list, sizeof(list)) == 0,
	      "xattr: a new file has none", "some");
	check_zero(setxattr(f, "user.color", "blue", 4, 0), "xattr: set user.");
	check_zero(setxattr(f, "trusted.t", "T", 1, 0), "xattr: set trusted.");
	check_zero(setxattr(f, "security.s", "S", 1, 0),
		   "xattr: set security.");
	check_zero(fsetxattr(fd, "user.empty", "", 0, 0), "xattr: fset empty");
	memset(buf, 0, sizeof(buf));
	ssize_t n = getxattr(f, "user.color", buf, sizeof(buf));
	check(n == 4 && !memcmp(buf, "blue", 4), "xattr: get", "n %zd %s", n,
	      buf);
	check(getxattr(f, "user.color", NULL, 0) == 4, "xattr: size 0 = length",
	      "no");
	check_errno(getxattr(f, "user.color", buf, 3), -1, ERANGE,
		    "xattr: get into a small buffer ERANGE");
	check(fgetxattr(fd, "user.empty", buf, sizeof(buf)) == 0,
	      "xattr: an empty value", "not empty");
	check_errno(getxattr(f, "user.none", buf, sizeof(buf)), -1, ENODATA,
		    "xattr: get a missing one ENODATA");
	n = listxattr(f, list, sizeof(list));
	check_list(n, list, "security.s,trusted.t,user.color,user.empty",
		   "xattr: list");
	check(listxattr(f, NULL, 0) == n && flistxattr(fd, NULL, 0) == n,
	      "xattr: list size 0 = length", "no");
	check_errno(listxattr(f, list, n - 1), -1, ERANGE,
		    "xattr: list into a small buffer ERANGE");

	/* XATTR_CREATE / XATTR_REPLACE */
	check_errno(setxattr(f, "user.color", "red", 3, XATTR_CREATE), -1,
		    EEXIST, "xattr: CREATE an existing one EEXIST");
	check_errno(setxattr(f, "user.shape", "x", 1, XATTR_REPLACE), -1,
		    ENODATA, "xattr: REPLACE a missing one ENODATA");
	check_zero(setxattr(f, "user.color", "green", 5, XATTR_REPLACE),
		   "xattr: REPLACE");
	check(getxattr(f, "user.color", buf, sizeof(buf)) == 5 &&
		      !memcmp(buf, "green", 5),
	      "xattr: the value was replaced", "no");
	check_zero(setxattr(f, "user.shape", "round", 5, XATTR_CREATE),
		   "xattr: CREATE");
	check_errno(setxattr(f, "user.x", "1", 1, 4), -1, EINVAL,
		    "xattr: unknown flags EINVAL");

	/* remove */
	check_zero(removexattr(f, "user.color"), "xattr: remove");
	check_errno(getxattr(f, "user.color", buf, sizeof(buf)), -1, ENODATA,
		    "xattr: removed one ENODATA");
	check_errno(fremovexattr(fd, "user.color"), -1, ENODATA,
		    "xattr: remove a missing one ENODATA");
	n = flistxattr(fd, list, sizeof(list));
	check_list(n, list, "security.s,trusted.t,user.empty,user.shape",
		   "xattr: list after remove");

	/* names and sizes */
	check_errno(setxattr(f, "system.x", "1", 1, 0), -1, EOPNOTSUPP,
		    "xattr: set system. EOPNOTSUPP");
	check_errno(setxattr(f, "other.x", "1", 1, 0), -1, EOPNOTSUPP,
		    "xattr: set other. EOPNOTSUPP");
	check_errno(getxattr(f, "other.x", buf, sizeof(buf)), -1, EOPNOTSUPP,
		    "xattr: get other. EOPNOTSUPP");
	check_errno(removexattr(f, "other.x"), -1, EOPNOTSUPP,
		    "xattr: remove other. EOPNOTSUPP");
	check_errno(setxattr(f, "user.", "1", 1, 0), -1, EINVAL,
		    "xattr: an empty name after user. EINVAL");
	check_errno(setxattr(f, "", "1", 1, 0), -1, ERANGE,
		    "xattr: an empty name ERANGE");
	char name[300] = "user.";
	memset(name + 5, 'n', 250);
	check_zero(setxattr(f, name, "1", 1, 0), "xattr: a 255-byte name");
	name[255] = 'n';
	check_errno(setxattr(f, name, "1", 1, 0), -1, ERANGE,
		    "xattr: a 256-byte name ERANGE");
	char *big = calloc(1, 65537);
	check_zero(setxattr(f, "user.big", big, 65536, 0),
		   "xattr: a 64 KiB value");
	check(getxattr(f, "user.big", NULL, 0) == 65536, "xattr: its length",
	      "no");
	check_errno(setxattr(f, "user.big", big, 65537, 0), -1, E2BIG,
		    "xattr: over 64 KiB E2BIG");
	free(big);
	check_errno(setxattr(D "/nofile", "user.x", "1", 1, 0), -1, ENOENT,
		    "xattr: no such file ENOENT");
	check_errno(fsetxattr(99, "user.x", "1", 1, 0), -1, EBADF,
		    "xattr: bad fd EBADF");
	close(fd);
	unlink(f);
}

static void kinds(void)
{
	char buf[64], list[256];

	mkdir(D "/dir", 0755);
	check_zero(setxattr(D "/dir", "user.d", "dir", 3, 0),
		   "xattr: user. on a directory");
	check_list(listxattr(D "/dir", list, sizeof(list)), list, "user.d",
		   "xattr: a directory's list");

	int fd = open(D "/target", O_RDWR | O_CREAT | O_TRUNC, 0600);
	close(fd);
	symlink("target", D "/link");
	check_zero(setxattr(D "/link", "user.via", "1", 1, 0),
		   "xattr: set through a symlink");
	check_errno(lsetxattr(D "/link", "user.l", "1", 1, 0), -1, EPERM,
		    "xattr: user. on a symlink itself EPERM");
	check_zero(lsetxattr(D "/link", "trusted.l", "1", 1, 0),
		   "xattr: trusted. on a symlink itself");
	check_list(llistxattr(D "/link", list, sizeof(list)), list, "trusted.l",
		   "xattr: the symlink's own list");
	check_list(listxattr(D "/link", list, sizeof(list)), list, "user.via",
		   "xattr: the target's list");
	check(lgetxattr(D "/link", "trusted.l", buf, sizeof(buf)) == 1,
	      "xattr: lget", "no");
	check_errno(lgetxattr(D "/link", "user.via", buf, sizeof(buf)), -1,
		    ENODATA, "xattr: lget of user. on a symlink ENODATA");
	check_errno(lremovexattr(D "/link", "user.via"), -1, EPERM,
		    "xattr: lremove of user. on a symlink EPERM");
	check_zero(lremovexattr(D "/link", "trusted.l"), "xattr: lremove");

	mkfifo(D "/fifo", 0600);
	check_errno(setxattr(D "/fifo", "user.f", "1", 1, 0), -1, EPERM,
		    "xattr: user. on a FIFO EPERM");
	check_zero(setxattr(D "/fifo", "trusted.f", "1", 1, 0),
		   "xattr: trusted. on a FIFO");

	/* a file's attributes go with it; a new file of that name has none */
	unlink(D "/target");
	fd = open(D "/target", O_RDWR | O_CREAT, 0600);
	check(flistxattr(fd, list, sizeof(list)) == 0,
	      "xattr: a new file by the old name has none", "some");
	/* an open unlinked file keeps them */
	fsetxattr(fd, "user.k", "kept", 4, 0);
	unlink(D "/target");
	check(fgetxattr(fd, "user.k", buf, sizeof(buf)) == 4,
	      "xattr: an unlinked open file keeps them", "no");
	close(fd);

	/* /proc files take none */
	check_errno(setxattr("/proc/self/status", "user.x", "1", 1, 0), -1,
		    EOPNOTSUPP, "xattr: /proc EOPNOTSUPP");
	check_errno(getxattr("/proc/self/status", "user.x", buf, sizeof(buf)),
		    -1, EOPNOTSUPP, "xattr: get on /proc EOPNOTSUPP");
	check(listxattr("/proc/self/status", list, sizeof(list)) == 0,
	      "xattr: /proc lists none", "some");

	/* an executable file (on Kiln one of the image's) has none of ours */
	check_errno(getxattr("/proc/self/exe", "user.none", buf, sizeof(buf)),
		    -1, ENODATA, "xattr: the program's file ENODATA");

	unlink(D "/link");
	unlink(D "/fifo");
	removexattr(D "/dir", "user.d");
	rmdir(D "/dir");
}

int main(void)
{
	mkdir(D, 0755);
	basics();
	kinds();
	rmdir(D);
	guest_exit("xattr");
}
