/* SPDX-License-Identifier: MIT */
/*
 * perms: credentials and the permission checks that follow from them. As
 * root, build a tree under /tmp (a 0600 file, a 0755 and a 0777 and a
 * sticky directory, a directory without search permission, a group-only
 * file); then children drop to nobody (65534) with setgroups, setgid and
 * setuid, as the Linux Test Project does, and must meet EACCES and EPERM
 * where Linux gives them: open, create, unlink in a sticky directory,
 * rename, chmod, chown, utimensat, truncate, access, exec, chdir, path
 * search, inotify, unix socket bind, raising a hard rlimit, kill of a
 * root process, setuid back to 0. Others check the
 * saved-set-uid dance (setresuid(-1, 65534, 0), back with seteuid(0)),
 * setfsuid's return values and its effect, getgroups after setgroups
 * (sorted), membership through a supplementary group, the owner and
 * group of new files (set-group-id directories), and chown by root
 * clearing the set-id bits. Raw syscalls where libc might interfere.
 * Every check fails if the credential calls are no-ops.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define NOBODY 65534
#define GRP    4242

static char base[64];

/* base/name in a static buffer (one of four, so calls can nest). */
static const char *at(const char *name)
{
	static char bufs[4][128];
	static int i;
	char *b = bufs[i++ & 3];

	snprintf(b, 128, "%s/%s", base, name);
	return b;
}

static void make_file(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
	int fd = open(at(name), O_CREAT | O_WRONLY | O_TRUNC, 0600);

	check(fd >= 0 && write(fd, "#!/bin/sh\n", 10) == 10 &&
		      !fchown(fd, uid, gid) && !fchmod(fd, mode) && !close(fd),
	      "setup file", "%s errno %d", name, errno);
}

static void make_dir(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
	check(!mkdir(at(name), 0700) && !chown(at(name), uid, gid) &&
		      !chmod(at(name), mode),
	      "setup dir", "%s errno %d", name, errno);
}

static unsigned ids[3];

static bool resuid_is(unsigned r, unsigned e, unsigned s)
{
	return !syscall(SYS_getresuid, &ids[0], &ids[1], &ids[2]) &&
	       ids[0] == r && ids[1] == e && ids[2] == s;
}

static bool status_has(const char *line)
{
	static char buf[8192];
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return strstr(buf, line) != NULL;
}

static void nobody_checks(void)
{
	unsigned r, e, s;

	guest_drop_to(NOBODY, 0, NULL);
	check(resuid_is(NOBODY, NOBODY, NOBODY), "getresuid nobody", "%u %u %u",
	      ids[0], ids[1], ids[2]);
	check(!syscall(SYS_getresgid, &r, &e, &s) && r == NOBODY &&
		      e == NOBODY && s == NOBODY,
	      "getresgid nobody", "%u %u %u", r, e, s);
	check(syscall(SYS_getgroups, 0, NULL) == 0, "no groups left", "%ld",
	      syscall(SYS_getgroups, 0, NULL));
	check(status_has("Uid:\t65534\t65534\t65534\t65534\n") &&
		      status_has("Gid:\t65534\t65534\t65534\t65534\n"),
	      "/proc/self/status ids", "not shown");
	check(status_has("CapEff:\t0000000000000000\n"), "no capabilities",
	      "CapEff not 0");

	check_errno(open(at("secret"), O_RDONLY), -1, EACCES,
		    "open 0600 root file");
	check_errno(open(at("pub"), O_WRONLY), -1, EACCES,
		    "open 0644 root file for writing");
	int fd = open(at("pub"), O_RDONLY);
	check(fd >= 0, "open 0644 root file for reading", "errno %d", errno);
	close(fd);
	check_errno(open(at("pub"), O_RDONLY | O_NOATIME), -1, EPERM,
		    "O_NOATIME on another's file");
	check_errno(open(at("rodir/new"), O_CREAT | O_WRONLY, 0644), -1, EACCES,
		    "create in 0755 root dir");
	check_errno(mkdir(at("rodir/newdir"), 0755), -1, EACCES,
		    "mkdir in 0755 root dir");
	check_errno(unlink(at("rodir/f")), -1, EACCES,
		    "unlink in 0755 root dir");
	check_errno(rename(at("rodir/f"), at("open/f")), -1, EACCES,
		    "rename out of 0755 root dir");
	fd = open(at("open/mine"), O_CREAT | O_WRONLY, 0640);
	struct stat st;
	check(fd >= 0 && !fstat(fd, &st) && st.st_uid == NOBODY &&
		      st.st_gid == NOBODY,
	      "create in 0777 dir: owned by nobody", "fd %d uid %u gid %u", fd,
	      st.st_uid, st.st_gid);
	close(fd);
	check_errno(unlink(at("sticky/rootfile")), -1, EPERM,
		    "unlink another's file in sticky dir");
	check_errno(rename(at("sticky/rootfile"), at("sticky/x")), -1, EPERM,
		    "rename another's file in sticky dir");
	fd = open(at("sticky/own"), O_CREAT | O_WRONLY, 0600);
	check(fd >= 0 && !close(fd) && !unlink(at("sticky/own")),
	      "own file in sticky dir: create and unlink", "errno %d", errno);

	check_errno(chmod(at("secret"), 0666), -1, EPERM,
		    "chmod another's file");
	check_errno(chown(at("secret"), NOBODY, NOBODY), -1, EPERM,
		    "chown another's file");
	check_errno(chown(at("open/mine"), 0, -1), -1, EPERM,
		    "give own file away");
	check_errno(chown(at("open/mine"), -1, 0), -1, EPERM,
		    "chgrp own file to a group not ours");
	check_zero(chown(at("open/mine"), -1, NOBODY),
		   "chgrp own file to own group");
	check_zero(chmod(at("open/mine"), 0600), "chmod own file");
	check_zero(chmod(at("open/mine"), 02600), "chmod own file S_ISGID");
	check(!stat(at("open/mine"), &st) && (st.st_mode & 07777) == 02600,
	      "S_ISGID kept in own group", "mode %o", st.st_mode);

	check_errno(utimensat(AT_FDCWD, at("secret"), NULL, 0), -1, EACCES,
		    "utimensat now on another's file");
	struct timespec t[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
	check_errno(utimensat(AT_FDCWD, at("pub"), t, 0), -1, EPERM,
		    "utimensat explicit on another's file");
	check_zero(utimensat(AT_FDCWD, at("open/mine"), NULL, 0),
		   "utimensat own file");
	check_errno(truncate(at("pub"), 0), -1, EACCES,
		    "truncate another's file");
	check_errno(access(at("secret"), R_OK), -1, EACCES,
		    "access R_OK 0600 root file");
	check_zero(access(at("open"), W_OK | X_OK), "access W_OK 0777 dir");
	check_errno(access(at("pub"), W_OK), -1, EACCES,
		    "access W_OK 0644 root file");
	check_errno(stat(at("hidden/f"), &st), -1, EACCES,
		    "stat through a 0700 root dir");
	check_errno(chdir(at("hidden")), -1, EACCES, "chdir into 0700 dir");
	check_errno(open(at("grp"), O_RDONLY), -1, EACCES,
		    "open 0040 file of another group");
	char *argv[] = {"x", NULL};
	check_errno(execve(at("rootexec"), argv, argv + 1), -1, EACCES,
		    "exec 0744 root file");

	check_errno(
		inotify_add_watch(inotify_init1(0), at("secret"), IN_MODIFY),
		-1, EACCES, "inotify watch on a 0600 root file");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", at("rodir/sock"));
	int sk = socket(AF_UNIX, SOCK_STREAM, 0);
	check_errno(bind(sk, (struct sockaddr *)&sa, sizeof(sa)), -1, EACCES,
		    "bind a socket in 0755 root dir");
	close(sk);
	fd = open(at("open/suid"), O_CREAT | O_WRONLY, 0755);
	check(fd >= 0 && !fchmod(fd, 06755) && write(fd, "x", 1) == 1 &&
		      !fstat(fd, &st) && (st.st_mode & 07777) == 0755,
	      "write clears own file's set-id bits", "mode %o errno %d",
	      st.st_mode, errno);
	close(fd);

	struct rlimit rl;
	check(!getrlimit(RLIMIT_MEMLOCK, &rl), "getrlimit", "errno %d", errno);
	if (rl.rlim_max == RLIM_INFINITY) {
		rl.rlim_cur = rl.rlim_max = 8 << 20; /* lowering is allowed */
		check_zero(setrlimit(RLIMIT_MEMLOCK, &rl),
			   "lower a hard limit");
	}
	rl.rlim_max++;
	check_errno(setrlimit(RLIMIT_MEMLOCK, &rl), -1, EPERM,
		    "raise a hard limit");

	check_errno(kill(getppid(), 0), -1, EPERM, "kill a root process");
	int pfd = syscall(434 /* pidfd_open */, getppid(), 0);
	check_errno(syscall(424 /* pidfd_send_signal */, pfd, 0, NULL, 0), -1,
		    EPERM, "pidfd_send_signal to a root process");
	close(pfd);
	check_errno(syscall(SYS_setuid, 0), -1, EPERM, "setuid 0 after drop");
	check_errno(syscall(SYS_setgid, 0), -1, EPERM, "setgid 0 after drop");
	check_errno(syscall(SYS_setresuid, -1, 0, -1), -1, EPERM,
		    "seteuid 0 after drop");
	check_errno(syscall(SYS_setgroups, 0, NULL), -1, EPERM,
		    "setgroups after drop");
	check(syscall(SYS_setfsuid, 0) == NOBODY &&
		      syscall(SYS_setfsuid, -1) == NOBODY,
	      "setfsuid 0 refused", "fsuid %ld", syscall(SYS_setfsuid, -1));
	check_zero(syscall(SYS_setuid, NOBODY), "setuid to own uid");
}

/* A member of GRP by a supplementary group reads the 0040 file. */
static void member_checks(void)
{
	gid_t g[2] = {GRP, 7};

	guest_drop_to(NOBODY, 2, g);
	int fd = open(at("grp"), O_RDONLY);
	check(fd >= 0, "open 0040 file as a group member", "errno %d", errno);
	close(fd);
	gid_t got[4] = {0};
	check(syscall(SYS_getgroups, 4, got) == 2 && got[0] == 7 &&
		      got[1] == GRP,
	      "getgroups after drop", "%u %u", got[0], got[1]);
	check(status_has("Groups:\t7 4242 \n"), "/proc/self/status groups",
	      "not shown");
	check_zero(chown(at("open/mine2"), -1, GRP),
		   "chgrp own file to a supplementary group");
}

/* The saved set-user-id: leave euid 0 and come back. */
static void saved_uid_checks(void)
{
	check_zero(syscall(SYS_setresuid, -1, NOBODY, 0),
		   "setresuid -1 nobody 0");
	check(resuid_is(0, NOBODY, 0), "getresuid 0 nobody 0", "%u %u %u",
	      ids[0], ids[1], ids[2]);
	check_errno(open(at("secret"), O_RDONLY), -1, EACCES,
		    "open as euid nobody");
	check_zero(access(at("secret"), R_OK), "access uses the real uid 0");
	check_errno(syscall(439 /* faccessat2 */, AT_FDCWD, at("secret"), R_OK,
			    AT_EACCESS),
		    -1, EACCES, "faccessat2 AT_EACCESS uses the euid");
	check_zero(syscall(SYS_setresuid, -1, 0, -1), "seteuid 0 via saved");
	int fd = open(at("secret"), O_RDONLY);
	check(fd >= 0, "open as euid 0 again", "errno %d", errno);
	close(fd);
	check_zero(syscall(SYS_setreuid, NOBODY, NOBODY), "setreuid nobody");
	check(resuid_is(NOBODY, NOBODY, NOBODY), "setreuid sets saved",
	      "%u %u %u", ids[0], ids[1], ids[2]);
	check_errno(syscall(SYS_setreuid, -1, 0), -1, EPERM,
		    "no way back after setreuid");
}

/* setfsuid returns the old fsuid; the fs capabilities follow it. */
static void fsuid_checks(void)
{
	check(syscall(SYS_setfsuid, NOBODY) == 0, "setfsuid returns 0", "%s",
	      "");
	check(syscall(SYS_setfsuid, NOBODY) == NOBODY,
	      "setfsuid returns nobody", "%s", "");
	check_errno(open(at("secret"), O_RDONLY), -1, EACCES,
		    "open as fsuid nobody");
	int fd = open(at("open/fsfile"), O_CREAT | O_WRONLY, 0600);
	struct stat st;
	check(fd >= 0 && !fstat(fd, &st) && st.st_uid == NOBODY &&
		      st.st_gid == 0,
	      "new file owned by fsuid", "uid %u gid %u", st.st_uid, st.st_gid);
	close(fd);
	check(syscall(SYS_setfsuid, 0) == NOBODY &&
		      syscall(SYS_setfsuid, 0) == 0,
	      "setfsuid back to 0", "%s", "");
	fd = open(at("secret"), O_RDONLY);
	check(fd >= 0, "open as fsuid 0 again", "errno %d", errno);
	close(fd);
	check(syscall(SYS_setfsgid, 5) == 0 && syscall(SYS_setfsgid, -1) == 5,
	      "setfsgid returns the old fsgid", "%s", "");
	check_zero(syscall(SYS_setresuid, -1, NOBODY, -1), "seteuid nobody");
	check(syscall(SYS_setfsuid, -1) == NOBODY, "fsuid follows euid", "%s",
	      "");
	check(syscall(SYS_setfsgid, 0) == 5 && syscall(SYS_setfsgid, 9) == 0 &&
		      syscall(SYS_setfsgid, -1) == 0,
	      "setfsgid: own gid only without CAP_SETGID", "%s", "");
}

static void groups_checks(void)
{
	gid_t g[3] = {100, 5, 3}, got[3] = {0};

	check_zero(syscall(SYS_setgroups, 3, g), "setgroups 3");
	check(syscall(SYS_getgroups, 0, NULL) == 3, "getgroups count 3", "%ld",
	      syscall(SYS_getgroups, 0, NULL));
	check(syscall(SYS_getgroups, 3, got) == 3 && got[0] == 3 &&
		      got[1] == 5 && got[2] == 100,
	      "getgroups sorted", "%u %u %u", got[0], got[1], got[2]);
	check_errno(syscall(SYS_getgroups, 2, got), -1, EINVAL,
		    "getgroups list too small");
	check_errno(syscall(SYS_setgroups, 65537, g), -1, EINVAL,
		    "setgroups over NGROUPS_MAX");
	check(status_has("Groups:\t3 5 100 \n"), "status groups", "not shown");
}

/* As root: set-id bits cleared by chown, new nodes in a setgid dir. */
static void root_checks(void)
{
	struct stat st;

	make_file("suid", 04755, 0, 0);
	check_zero(chown(at("suid"), NOBODY, NOBODY), "root chown suid file");
	check(!stat(at("suid"), &st) && (st.st_mode & 07777) == 0755 &&
		      st.st_uid == NOBODY,
	      "chown cleared S_ISUID", "mode %o uid %u", st.st_mode, st.st_uid);
	make_file("sgidx", 02755, 0, 0);
	check_zero(chown(at("sgidx"), -1, -1), "root chown -1 -1");
	check(!stat(at("sgidx"), &st) && (st.st_mode & 07777) == 0755,
	      "chown cleared group-exec S_ISGID", "mode %o", st.st_mode);
	make_file("sgid", 02745, 0, 0);
	check_zero(chown(at("sgid"), 0, 0), "root chown sgid no gx");
	check(!stat(at("sgid"), &st) && (st.st_mode & 07777) == 02745,
	      "S_ISGID without group-exec kept", "mode %o", st.st_mode);
	make_dir("sgdir", 02775, 0, GRP);
	check_zero(mkdir(at("sgdir/sub"), 0755), "mkdir in setgid dir");
	check(!stat(at("sgdir/sub"), &st) && st.st_gid == GRP &&
		      (st.st_mode & 07777) == 02755,
	      "subdir inherits group and S_ISGID", "mode %o gid %u", st.st_mode,
	      st.st_gid);
	int fd = open(at("sgdir/f"), O_CREAT | O_WRONLY, 0644);
	check(fd >= 0 && !fstat(fd, &st) && st.st_gid == GRP &&
		      (st.st_mode & 07777) == 0644,
	      "file inherits group", "mode %o gid %u", st.st_mode, st.st_gid);
	close(fd);
	check_zero(mkdir(at("setid"), 06755), "mkdir 06755");
	check(!stat(at("setid"), &st) && (st.st_mode & 07777) == 0755,
	      "mkdir drops set-id bits", "mode %o", st.st_mode);
}

/* Copy this program to base/name, owned by uid:gid with mode. */
static void copy_self(const char *name, uid_t uid, gid_t gid, mode_t mode)
{
	static char buf[4 << 20];
	int in = open("/proc/self/exe", O_RDONLY);
	ssize_t n = in < 0 ? -1 : read(in, buf, sizeof(buf));
	int out = open(at(name), O_CREAT | O_WRONLY | O_TRUNC, 0700);

	check(n > 0 && n < (ssize_t)sizeof(buf) && out >= 0 &&
		      write(out, buf, n) == n && !fchown(out, uid, gid) &&
		      !fchmod(out, mode),
	      "copy self", "n %zd errno %d", n, errno);
	close(in);
	close(out);
}

static void run_setid(const char *prog, const char *mode)
{
	char *argv[] = {"perms", (char *)mode, base, NULL};

	fflush(stdout);
	execv(at(prog), argv);
	check(false, "exec set-id program", "errno %d", errno);
}

static void exec_suid_nobody(void)
{
	run_setid("suid-nobody", "as-nobody");
}

static void exec_suid_root(void)
{
	guest_drop_to(NOBODY, 0, NULL);
	run_setid("suid-root", "as-root");
}

/* The set-id program: what execve gave it. */
static int setid_main(const char *mode)
{
	int fd;

	if (!strcmp(mode, "as-nobody")) {
		check(resuid_is(0, NOBODY, NOBODY), "set-user-id exec",
		      "%u %u %u", ids[0], ids[1], ids[2]);
		unsigned r, e, s;
		check(!syscall(SYS_getresgid, &r, &e, &s) && r == 0 &&
			      e == GRP && s == GRP,
		      "set-group-id exec", "%u %u %u", r, e, s);
		check(getauxval(AT_SECURE) == 1, "AT_SECURE set", "%lu",
		      getauxval(AT_SECURE));
		check_errno(open(at("secret"), O_RDONLY), -1, EACCES,
			    "open as set-user-id nobody");
		check_zero(syscall(SYS_setresuid, -1, 0, -1),
			   "back to euid 0 (the real uid)");
		fd = open(at("secret"), O_RDONLY);
		check(fd >= 0, "open as euid 0", "errno %d", errno);
	} else {
		check(resuid_is(NOBODY, 0, 0), "set-user-id root exec",
		      "%u %u %u", ids[0], ids[1], ids[2]);
		fd = open(at("secret"), O_RDONLY);
		check(fd >= 0, "open as set-user-id root", "errno %d", errno);
		check_zero(syscall(SYS_setuid, 0), "setuid 0 as euid 0");
		check(resuid_is(0, 0, 0), "all root again", "%u %u %u", ids[0],
		      ids[1], ids[2]);
	}
	close(fd);
	fflush(stdout);
	return guest_failures ? 1 : 0;
}

static void cleanup(void)
{
	static const char *files[] = {
		"open/suid",   "suid-nobody",
		"suid-root",   "secret",
		"pub",	       "rodir/f",
		"open/mine",   "open/mine2",
		"open/fsfile", "sticky/rootfile",
		"hidden/f",    "grp",
		"rootexec",    "suid",
		"sgidx",       "sgid",
		"sgdir/f",
	};
	static const char *dirs[] = {"rodir",	  "open",  "sticky", "hidden",
				     "sgdir/sub", "sgdir", "setid"};

	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++)
		unlink(at(files[i]));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		rmdir(at(dirs[i]));
	check_zero(rmdir(base), "cleanup");
}

int main(int argc, char **argv)
{
	if (argc > 2) {
		snprintf(base, sizeof(base), "%s", argv[2]);
		return setid_main(argv[1]);
	}
	snprintf(base, sizeof(base), "/tmp/kiln-perms.%d", (int)getpid());
	umask(022);
	make_dir("", 0755, 0, 0);
	make_file("secret", 0600, 0, 0);
	make_file("pub", 0644, 0, 0);
	make_dir("rodir", 0755, 0, 0);
	make_file("rodir/f", 0644, 0, 0);
	make_dir("open", 0777, 0, 0);
	make_file("open/mine2", 0644, NOBODY, NOBODY);
	make_dir("sticky", 01777, 0, 0);
	make_file("sticky/rootfile", 0666, 0, 0);
	make_dir("hidden", 0700, 0, 0);
	make_file("hidden/f", 0644, 0, 0);
	make_file("grp", 0040, 0, GRP);
	make_file("rootexec", 0744, 0, 0);

	guest_in_child("nobody child", nobody_checks);
	guest_in_child("member child", member_checks);
	guest_in_child("saved uid child", saved_uid_checks);
	guest_in_child("fsuid child", fsuid_checks);
	guest_in_child("groups child", groups_checks);
	copy_self("suid-nobody", NOBODY, GRP, 06755);
	guest_in_child("set-id exec child", exec_suid_nobody);
	copy_self("suid-root", 0, 0, 04755);
	guest_in_child("set-user-id root exec child", exec_suid_root);
	root_checks();
	check(!kill(getpid(), 0), "root may signal itself", "errno %d", errno);
	cleanup();
	guest_exit("perms");
}
