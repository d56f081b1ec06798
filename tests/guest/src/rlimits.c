/* SPDX-License-Identifier: MIT */
/*
 * rlimits: resource limits are per process and enforced. A child's
 * setrlimit leaves its parent's limits alone; fork and execve keep them;
 * prlimit64 reads and sets another process's limits (ESRCH, EPERM for
 * another user's process, EINVAL for soft > hard or a bad resource);
 * RLIMIT_NOFILE stops fd allocation (EMFILE, dup2 EBADF, F_DUPFD EINVAL,
 * poll EINVAL); RLIMIT_FSIZE shortens a write to the limit and fails the
 * next one with EFBIG and SIGXFSZ (write, pwrite, writev, ftruncate,
 * truncate, fallocate; unhandled, SIGXFSZ kills); RLIMIT_NPROC stops fork
 * and thread creation of a non-root user; RLIMIT_AS stops mmap and
 * mremap, RLIMIT_DATA brk; RLIMIT_STACK sizes the stack of a new program.
 * Limits are only lowered (soft ones, or hard ones in children), so the
 * program runs the same as root without CAP_SYS_RESOURCE. Every check
 * fails on a kernel with one shared limit table that enforces nothing.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define NOBODY 65534

static char dir[64];

static long prlimit_raw(pid_t pid, int res, const struct rlimit *new,
			struct rlimit *old)
{
	return syscall(SYS_prlimit64, pid, res, new, old);
}

static void set_soft(int res, rlim_t cur)
{
	struct rlimit r;

	getrlimit(res, &r);
	r.rlim_cur = cur;
	if (setrlimit(res, &r)) /* silent when it works: some callers _exit */
		check(false, "setrlimit soft", "res %d errno %d", res, errno);
}

/* Fork, run fn in the child, return its wait status. */
static int child_status(void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	return st;
}

/* exec'd as "rlimits nofile-is N": exit 0 if the soft NOFILE is N. */
static int exec_mode(int argc, char **argv)
{
	struct rlimit r;

	if (argc == 3 && !strcmp(argv[1], "nofile-is"))
		return getrlimit(RLIMIT_NOFILE, &r) ||
		       r.rlim_cur != strtoul(argv[2], NULL, 10);
	if (argc == 2 && !strcmp(argv[1], "deep")) {
		/* 4 MiB of stack in 4 KiB frames */
		volatile char frame[4096];
		static int depth;
		frame[0] = (char)depth;
		if (++depth < 1024) {
			char *args[] = {argv[0], argv[1], NULL};
			exec_mode(2, args);
		}
		return frame[0] == 1;
	}
	return 2;
}

static void inherit_child(void)
{
	set_soft(RLIMIT_NOFILE, 100);
	struct rlimit r;
	pid_t pid = fork();
	if (pid == 0)
		_exit(getrlimit(RLIMIT_NOFILE, &r) || r.rlim_cur != 100);
	int st = -1;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && !WEXITSTATUS(st), "fork keeps the limit",
	      "status %#x", st);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *args[] = {"rlimits", "nofile-is", "100", NULL};
		execv("/proc/self/exe", args);
		_exit(3);
	}
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && !WEXITSTATUS(st), "execve keeps the limit",
	      "status %#x", st);
}

static void per_process(void)
{
	struct rlimit before, after;

	getrlimit(RLIMIT_NOFILE, &before);
	guest_in_child("child lowers NOFILE", inherit_child);
	getrlimit(RLIMIT_NOFILE, &after);
	check(before.rlim_cur == after.rlim_cur &&
		      before.rlim_max == after.rlim_max,
	      "parent's NOFILE unchanged", "%lu/%lu -> %lu/%lu",
	      (unsigned long)before.rlim_cur, (unsigned long)before.rlim_max,
	      (unsigned long)after.rlim_cur, (unsigned long)after.rlim_max);

	/* prlimit64 on a child: read and lower its limit */
	int p2c[2], c2p[2];
	if (pipe(p2c) || pipe(c2p))
		return;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		struct rlimit r;
		set_soft(RLIMIT_NOFILE, 50);
		if (write(c2p[1], "x", 1) != 1 || read(p2c[0], &c, 1) != 1)
			_exit(5);
		_exit(getrlimit(RLIMIT_NOFILE, &r) ? 6
		      : r.rlim_cur == 40	   ? 0
						   : 7);
	}
	char c;
	struct rlimit r = {0}, n;
	check(read(c2p[0], &c, 1) == 1 &&
		      !prlimit_raw(pid, RLIMIT_NOFILE, NULL, &r) &&
		      r.rlim_cur == 50,
	      "prlimit reads a child's limit", "cur %lu",
	      (unsigned long)r.rlim_cur);
	n = r;
	n.rlim_cur = 40;
	check_zero(prlimit_raw(pid, RLIMIT_NOFILE, &n, NULL),
		   "prlimit sets a child's limit");
	n.rlim_cur = n.rlim_max + 1;
	check_errno(prlimit_raw(pid, RLIMIT_NOFILE, &n, NULL), -1, EINVAL,
		    "prlimit soft above hard");
	check_errno(prlimit_raw(0, 16, NULL, &r), -1, EINVAL,
		    "prlimit resource 16");
	check_errno(prlimit_raw(0x7fffffff, RLIMIT_NOFILE, NULL, &r), -1, ESRCH,
		    "prlimit missing pid");
	n.rlim_cur = n.rlim_max = 1UL << 40;
	check_errno(prlimit_raw(0, RLIMIT_NOFILE, &n, NULL), -1, EPERM,
		    "NOFILE above the fd maximum");
	if (write(p2c[1], "x", 1) != 1)
		return;
	int st = -1;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && !WEXITSTATUS(st), "child sees the new limit",
	      "status %#x", st);
	close(p2c[0]), close(p2c[1]), close(c2p[0]), close(c2p[1]);
}

static pid_t root_pid;

static void nobody_prlimit(void)
{
	struct rlimit r, n;

	guest_drop_to(NOBODY, 0, NULL);
	check_errno(prlimit_raw(root_pid, RLIMIT_NOFILE, NULL, &r), -1, EPERM,
		    "prlimit of root's process as nobody");
	getrlimit(RLIMIT_NOFILE, &n);
	n.rlim_max -= 1;
	n.rlim_cur = n.rlim_max;
	check_zero(setrlimit(RLIMIT_NOFILE, &n), "lower the hard limit");
	n.rlim_max += 1;
	check_errno(setrlimit(RLIMIT_NOFILE, &n), -1, EPERM,
		    "raise the hard limit");
}

static void nofile_child(void)
{
	set_soft(RLIMIT_NOFILE, 16);
	int fd, last = -1;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		last = fd;
	check(fd == -1 && errno == EMFILE && last == 15, "open: EMFILE at 16",
	      "fd %d errno %d last %d", fd, errno, last);
	check_errno(dup(0), -1, EMFILE, "dup at the limit");
	check_errno(dup2(0, 16), -1, EBADF, "dup2 to the limit");
	check_errno(dup3(0, 100, O_CLOEXEC), -1, EBADF, "dup3 past the limit");
	check_errno(fcntl(0, F_DUPFD, 16), -1, EINVAL, "F_DUPFD at the limit");
	check_errno(fcntl(0, F_DUPFD_CLOEXEC, 3), -1, EMFILE,
		    "F_DUPFD below the limit, none free");
	int p[2];
	check_errno(pipe(p), -1, EMFILE, "pipe at the limit");
	close(5);
	check(dup(0) == 5, "dup takes the freed fd", "errno %d", errno);
	check(dup2(0, 15) == 15, "dup2 below the limit", "errno %d", errno);
	struct pollfd pfd[17] = {{0}};
	for (int i = 0; i < 17; i++)
		pfd[i].fd = -1;
	check_errno(poll(pfd, 17, 0), -1, EINVAL, "poll of more fds");
	check(poll(pfd, 16, 0) == 0, "poll of as many fds", "errno %d", errno);
}

static volatile sig_atomic_t xfsz;

static void on_xfsz(int sig)
{
	(void)sig;
	xfsz++;
}

static void fsize_child(void)
{
	char path[96], buf[1500];
	snprintf(path, sizeof(path), "%s/f", dir);
	memset(buf, 'a', sizeof(buf));
	signal(SIGXFSZ, on_xfsz);
	set_soft(RLIMIT_FSIZE, 1000);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	check(write(fd, buf, 1500) == 1000 && !xfsz,
	      "write shortened to the limit", "xfsz %d", (int)xfsz);
	check_errno(write(fd, buf, 10), -1, EFBIG, "write at the limit");
	check(xfsz == 1, "SIGXFSZ after write", "%d", (int)xfsz);
	check(write(fd, buf, 0) == 0 && xfsz == 1, "empty write at the limit",
	      "%d", (int)xfsz);
	check_errno(pwrite(fd, buf, 10, 5000), -1, EFBIG, "pwrite past");
	check(pwrite(fd, buf, 10, 995) == 5 && xfsz == 2, "pwrite shortened",
	      "%d", (int)xfsz);
	struct iovec iov[2] = {{buf, 100}, {buf, 100}};
	check(pwritev(fd, iov, 2, 950) == 50 && xfsz == 2,
	      "pwritev shortened, no signal", "%d", (int)xfsz);
	check_zero(ftruncate(fd, 500), "ftruncate shrinks");
	check_zero(ftruncate(fd, 1000), "ftruncate to the limit");
	check_errno(ftruncate(fd, 1001), -1, EFBIG, "ftruncate past");
	check_errno(truncate(path, 4096), -1, EFBIG, "truncate past");
	check(xfsz == 4, "SIGXFSZ after truncates", "%d", (int)xfsz);
	check_zero(ftruncate(fd, 10), "ftruncate small");
	check_errno(fallocate(fd, 0, 0, 8192), -1, EFBIG, "fallocate past");
	check(xfsz == 5, "SIGXFSZ after fallocate", "%d", (int)xfsz);
	int afd = open(path, O_WRONLY | O_APPEND);
	check(write(afd, buf, 1500) == 990, "O_APPEND write shortened",
	      "errno %d", errno);
	close(afd);
	struct stat st;
	check(!fstat(fd, &st) && st.st_size == 1000, "file size at the limit",
	      "%ld", (long)st.st_size);
	int pfd[2];
	if (!pipe(pfd)) {
		check(write(pfd[1], buf, 1500) == 1500 && xfsz == 5,
		      "pipes have no file size limit", "%d", (int)xfsz);
		close(pfd[0]), close(pfd[1]);
	}
	close(fd);
	unlink(path);
}

static void fsize_kill_child(void)
{
	char path[96], buf[16] = {0};
	snprintf(path, sizeof(path), "%s/g", dir);
	set_soft(RLIMIT_FSIZE, 8);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (write(fd, buf, 8) != 8)
		_exit(3);
	ssize_t n = write(fd, buf, 1); /* dies here */
	(void)n;
	_exit(4);
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void nproc_child(void)
{
	guest_drop_to(NOBODY, 0, NULL);
	set_soft(RLIMIT_NPROC, 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	check(pid == -1 && errno == EAGAIN, "fork as nobody over NPROC",
	      "pid %d errno %d", pid, errno);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	pthread_t t;
	int err = pthread_create(&t, NULL, thread_fn, NULL);
	check(err == EAGAIN, "thread as nobody over NPROC", "%d", err);
	if (!err)
		pthread_join(t, NULL);
}

static void nproc_root_child(void)
{
	set_soft(RLIMIT_NPROC, 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	check(pid > 0, "fork as root over NPROC", "errno %d", errno);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void as_child(void)
{
	set_soft(RLIMIT_AS, 64UL << 20);
	void *p = mmap(NULL, 128UL << 20, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(p == MAP_FAILED && errno == ENOMEM, "mmap past RLIMIT_AS",
	      "errno %d", errno);
	p = mmap(NULL, 1UL << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(p != MAP_FAILED, "mmap within RLIMIT_AS", "errno %d", errno);
	void *q = mremap(p, 1UL << 20, 100UL << 20, MREMAP_MAYMOVE);
	check(q == MAP_FAILED && errno == ENOMEM, "mremap past RLIMIT_AS",
	      "errno %d", errno);
}

static void data_child(void)
{
	set_soft(RLIMIT_DATA, 1UL << 20);
	long cur = syscall(SYS_brk, 0);
	check(syscall(SYS_brk, cur + (8L << 20)) == cur, "brk past RLIMIT_DATA",
	      "moved");
	check(syscall(SYS_brk, cur + 4096) == cur + 4096,
	      "brk within RLIMIT_DATA", "not moved");
}

/* exec ourselves with the given stack limit, recursing 4 MiB deep */
static int deep_status(rlim_t stack)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit r;
		getrlimit(RLIMIT_STACK, &r);
		r.rlim_cur = stack;
		if (setrlimit(RLIMIT_STACK, &r))
			_exit(9);
		char *args[] = {"rlimits", "deep", NULL};
		execv("/proc/self/exe", args);
		_exit(8);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	return st;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return exec_mode(argc, argv);
	snprintf(dir, sizeof(dir), "/tmp/rlimits.%d", (int)getpid());
	if (mkdir(dir, 0777) || chmod(dir, 0777))
		printf("mkdir %s failed\n", dir);
	root_pid = getpid();

	per_process();
	guest_in_child("nobody and prlimit", nobody_prlimit);
	guest_in_child("NOFILE", nofile_child);
	guest_in_child("FSIZE", fsize_child);
	int st = child_status(fsize_kill_child);
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ,
	      "unhandled SIGXFSZ kills", "status %#x", st);
	guest_in_child("NPROC as nobody", nproc_child);
	guest_in_child("NPROC as root", nproc_root_child);
	guest_in_child("AS", as_child);
	guest_in_child("DATA", data_child);
	st = deep_status(8UL << 20);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "4 MiB deep in 8 MiB",
	      "status %#x", st);
	st = deep_status(1UL << 20);
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	      "4 MiB deep in 1 MiB: SIGSEGV", "status %#x", st);
	rmdir(dir);
	guest_exit("rlimits");
}
