// SPDX-License-Identifier: MIT
/*
 * fifo: mknod/mknodat and named pipes. mkfifo and mknod's types and
 * errors (EEXIST, EPERM for directories, EINVAL for bad types, sockets
 * that open with ENXIO, regular files); FIFO opens: O_RDONLY|O_NONBLOCK
 * at once, O_WRONLY|O_NONBLOCK ENXIO without a reader, O_RDWR never
 * waiting, blocking opens that wait for the other side across fork (and
 * EINTR from a signal); data, EOF, EPIPE and SIGPIPE through the pipe;
 * poll and epoll readiness (no POLLHUP before the first writer); unlink
 * while open; the contents go with the last close.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define MS 1000000LL

static char dir[64], path[96];
static void *volatile bad_ptr = (void *)8; /* volatile: no compiler check */

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * MS};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static const char *at(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static void test_mknod(void)
{
	struct stat st;

	check_zero(mkfifo(at("f"), 0666), "mkfifo: create");
	check(stat(at("f"), &st) == 0 && S_ISFIFO(st.st_mode) &&
		      (st.st_mode & 07777) == 0644 && st.st_size == 0 &&
		      st.st_nlink == 1,
	      "mkfifo: S_IFIFO 0644 (umask 022), empty", "mode %o size %ld",
	      st.st_mode, (long)st.st_size);
	check_errno(mkfifo(at("f"), 0600), -1, EEXIST, "mkfifo: EEXIST");
	check_errno(mknod(at("f"), S_IFREG | 0600, 0), -1, EEXIST,
		    "mknod: EEXIST on a FIFO");
	check_errno(mkfifo(at("nodir/f"), 0600), -1, ENOENT,
		    "mkfifo: missing parent ENOENT");
	check_errno(mkfifo(at("g/"), 0600), -1, ENOENT,
		    "mkfifo: trailing slash ENOENT");
	check_zero(mknodat(AT_FDCWD, at("r"), S_IFREG | 0640, 0),
		   "mknod: S_IFREG");
	check(stat(at("r"), &st) == 0 && S_ISREG(st.st_mode) &&
		      (st.st_mode & 0777) == 0640 && st.st_size == 0,
	      "mknod: an empty regular file", "mode %o", st.st_mode);
	check_zero(mknod(at("z"), 0600, 0), "mknod: type 0");
	check(stat(at("z"), &st) == 0 && S_ISREG(st.st_mode),
	      "mknod: type 0 is a regular file", "mode %o", st.st_mode);
	check_errno(mknod(at("d"), S_IFDIR | 0700, 0), -1, EPERM,
		    "mknod: S_IFDIR EPERM");
	check_errno(mknod(at("b"), 0030000 | 0600, 0), -1, EINVAL,
		    "mknod: bad type EINVAL");
	check_errno(mknod(at("f"), S_IFDIR | 0700, 0), -1, EPERM,
		    "mknod: S_IFDIR checked before EEXIST");
	check_errno(mknod((const char *)bad_ptr, S_IFIFO | 0600, 0), -1, EFAULT,
		    "mknod: bad path pointer EFAULT");
	check_zero(mknod(at("s"), S_IFSOCK | 0600, 0), "mknod: S_IFSOCK");
	check(lstat(at("s"), &st) == 0 && S_ISSOCK(st.st_mode),
	      "mknod: a socket node", "mode %o", st.st_mode);
	check_errno(open(at("s"), O_RDONLY), -1, ENXIO,
		    "mknod: opening a socket node ENXIO");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	check_zero(mknodat(dfd, "f2", S_IFIFO | 0600, 0), "mknodat: dirfd");
	check(fstatat(dfd, "f2", &st, 0) == 0 && S_ISFIFO(st.st_mode),
	      "mknodat: a FIFO", "mode %o", st.st_mode);
	check_errno(open(at("f2"), O_RDONLY | O_DIRECTORY), -1, ENOTDIR,
		    "fifo: O_DIRECTORY ENOTDIR");
	check_errno(truncate(at("f2"), 0), -1, EINVAL, "fifo: truncate EINVAL");
	unlinkat(dfd, "f2", 0);
	close(dfd);
	unlink(at("r"));
	unlink(at("z"));
	unlink(at("s"));
}

static void test_nonblock(void)
{
	char buf[16] = {0};
	int n = -1;

	check_errno(open(at("f"), O_WRONLY | O_NONBLOCK), -1, ENXIO,
		    "nonblock: writer without a reader ENXIO");
	int r = open(at("f"), O_RDONLY | O_NONBLOCK);
	check(r >= 0, "nonblock: reader opens at once", "errno %d", errno);
	check(read(r, buf, sizeof(buf)) == 0, "nonblock: read with no writer 0",
	      "errno %d", errno);
	struct pollfd pf = {r, POLLIN, 0};
	check(poll(&pf, 1, 0) == 0, "nonblock: no POLLHUP before a writer",
	      "revents %x", pf.revents);
	int w = open(at("f"), O_WRONLY | O_NONBLOCK);
	check(w >= 0, "nonblock: writer opens with a reader", "errno %d",
	      errno);
	check_errno(read(r, buf, sizeof(buf)), -1, EAGAIN,
		    "nonblock: empty read EAGAIN with a writer");
	pf = (struct pollfd){w, POLLOUT, 0};
	check(poll(&pf, 1, 0) == 1 && pf.revents == POLLOUT,
	      "nonblock: writer POLLOUT", "revents %x", pf.revents);
	check(write(w, "abc", 3) == 3, "nonblock: write", "errno %d", errno);
	check(ioctl(r, FIONREAD, &n) == 0 && n == 3, "nonblock: FIONREAD 3",
	      "got %d", n);
	pf = (struct pollfd){r, POLLIN, 0};
	check(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN,
	      "nonblock: reader POLLIN", "revents %x", pf.revents);
	check(read(r, buf, sizeof(buf)) == 3 && !memcmp(buf, "abc", 3),
	      "nonblock: read it", "got '%s'", buf);
	struct stat st;
	check(fstat(w, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_size == 0,
	      "nonblock: fstat S_IFIFO", "mode %o", st.st_mode);
	check_errno(lseek(r, 0, SEEK_SET), -1, ESPIPE, "nonblock: lseek");
	check_errno(pread(r, buf, 1, 0), -1, ESPIPE, "nonblock: pread");
	check_errno(write(r, "x", 1), -1, EBADF, "nonblock: write read end");
	close(w);
	check(poll(&pf, 1, 0) == 1 && pf.revents == POLLHUP,
	      "nonblock: POLLHUP after the writer", "revents %x", pf.revents);
	check(read(r, buf, sizeof(buf)) == 0, "nonblock: then EOF", "errno %d",
	      errno);
	close(r);
}

static void test_rdwr(void)
{
	char buf[16] = {0};

	int fd = open(at("f"), O_RDWR | O_TRUNC);
	check(fd >= 0, "rdwr: opens at once (O_TRUNC ignored)", "errno %d",
	      errno);
	struct pollfd pf = {fd, POLLIN | POLLOUT, 0};
	check(poll(&pf, 1, 0) == 1 && pf.revents == POLLOUT,
	      "rdwr: POLLOUT only", "revents %x", pf.revents);
	check(write(fd, "xyz", 3) == 3, "rdwr: write", "errno %d", errno);
	check(poll(&pf, 1, 0) == 1 && pf.revents == (POLLIN | POLLOUT),
	      "rdwr: POLLIN|POLLOUT", "revents %x", pf.revents);
	check(read(fd, buf, 2) == 2 && !memcmp(buf, "xy", 2), "rdwr: read back",
	      "got '%s'", buf);
	int fd2 = open(at("f"), O_CREAT | O_RDWR | O_NONBLOCK, 0600);
	check(fd2 >= 0, "rdwr: O_CREAT opens the existing FIFO", "errno %d",
	      errno);
	check(read(fd2, buf, sizeof(buf)) == 1 && buf[0] == 'z',
	      "rdwr: a second open shares the pipe", "got %c", buf[0]);
	check(write(fd2, "q", 1) == 1, "rdwr: write before closing", "errno %d",
	      errno);
	close(fd);
	close(fd2);
	fd = open(at("f"), O_RDWR | O_NONBLOCK);
	check_errno(read(fd, buf, sizeof(buf)), -1, EAGAIN,
		    "rdwr: data went with the last close");
	close(fd);
}

/* Blocking opens wait for the other side, here a child process. */
static void test_blocking(void)
{
	char buf[64] = {0};
	int status = -1;

	pid_t pid = fork();
	if (pid == 0) {
		int w = open(at("f"), O_WRONLY); /* waits for the reader */
		_exit(w >= 0 && write(w, "hello from the child", 20) == 20 ? 0
									   : 1);
	}
	sleep_ms(100);
	int r = open(at("f"), O_RDONLY);
	check(r >= 0, "block: reader meets a waiting writer", "errno %d",
	      errno);
	ssize_t n, got = 0;
	while ((n = read(r, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	check(got == 20 && !strcmp(buf, "hello from the child"),
	      "block: child's data, then EOF", "got %zd '%s'", got, buf);
	check(waitpid(pid, &status, 0) == pid && status == 0,
	      "block: child done", "status %x", status);
	close(r);

	/* A reader blocked in open already counts: O_NONBLOCK writers get
	 * in, and the reader is released. */
	pid = fork();
	if (pid == 0) {
		int rr = open(at("f"), O_RDONLY);
		char c = 0;
		_exit(rr >= 0 && read(rr, &c, 1) == 1 && c == '!' ? 0 : 1);
	}
	int w = -1;
	for (int i = 0; i < 500 && w < 0; i++) {
		w = open(at("f"), O_WRONLY | O_NONBLOCK);
		if (w < 0 && errno != ENXIO)
			break;
		if (w < 0)
			sleep_ms(10);
	}
	check(w >= 0, "block: a waiting reader lets a writer in", "errno %d",
	      errno);
	check(write(w, "!", 1) == 1, "block: write to it", "errno %d", errno);
	check(waitpid(pid, &status, 0) == pid && status == 0,
	      "block: the reader's open returned", "status %x", status);
	close(w);

	/* The writer waits for a reader that comes later. */
	pid = fork();
	if (pid == 0) {
		sleep_ms(100);
		int rr = open(at("f"), O_RDONLY);
		char c = 0;
		_exit(rr >= 0 && read(rr, &c, 1) == 1 && c == 'w' ? 0 : 1);
	}
	w = open(at("f"), O_WRONLY);
	check(w >= 0, "block: writer meets a later reader", "errno %d", errno);
	check(write(w, "w", 1) == 1, "block: write", "errno %d", errno);
	check(waitpid(pid, &status, 0) == pid && status == 0,
	      "block: reader got it", "status %x", status);
	close(w);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_eintr(void)
{
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */

	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	check_errno(open(at("f"), O_RDONLY), -1, EINTR,
		    "eintr: a blocked open is interrupted");
	alarm(0);
	check_errno(open(at("f"), O_WRONLY | O_NONBLOCK), -1, ENXIO,
		    "eintr: the reader did not stay");
}

static void test_epipe(void)
{
	int status = -1;

	int r = open(at("f"), O_RDONLY | O_NONBLOCK);
	int w = open(at("f"), O_WRONLY | O_NONBLOCK);
	check(r >= 0 && w >= 0, "epipe: both ends", "errno %d", errno);
	close(r);
	signal(SIGPIPE, SIG_IGN);
	check_errno(write(w, "x", 1), -1, EPIPE, "epipe: EPIPE");
	struct pollfd pf = {w, POLLOUT, 0};
	check(poll(&pf, 1, 0) == 1 && pf.revents == (POLLOUT | POLLERR),
	      "epipe: POLLOUT|POLLERR", "revents %x", pf.revents);
	signal(SIGPIPE, SIG_DFL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(write(w, "x", 1) == 1);
	check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
		      WTERMSIG(status) == SIGPIPE,
	      "epipe: SIGPIPE kills by default", "status %x", status);
	signal(SIGPIPE, SIG_IGN);
	close(w);
}

static void test_unlink_epoll(void)
{
	struct epoll_event ev = {.events = EPOLLIN}, out[2];
	struct stat st;
	char buf[8] = {0};

	int r = open(at("f"), O_RDONLY | O_NONBLOCK);
	int w = open(at("f"), O_WRONLY);
	check(r >= 0 && w >= 0, "unlink: both ends", "errno %d", errno);
	check_zero(unlink(at("f")), "unlink: while open");
	check_errno(stat(at("f"), &st), -1, ENOENT, "unlink: name gone");
	check(fstat(r, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_nlink == 0,
	      "unlink: fstat nlink 0", "nlink %lu", (unsigned long)st.st_nlink);
	int ep = epoll_create1(0);
	ev.data.fd = r;
	check_zero(epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev), "epoll: add reader");
	check(epoll_wait(ep, out, 2, 0) == 0, "epoll: nothing yet", "events %x",
	      out[0].events);
	check(write(w, "ok", 2) == 2, "unlink: write still works", "errno %d",
	      errno);
	check(epoll_wait(ep, out, 2, 1000) == 1 && out[0].events == EPOLLIN &&
		      out[0].data.fd == r,
	      "epoll: EPOLLIN", "events %x", out[0].events);
	check(read(r, buf, sizeof(buf)) == 2 && !memcmp(buf, "ok", 2),
	      "unlink: read still works", "got '%s'", buf);
	close(w);
	check(epoll_wait(ep, out, 2, 1000) == 1 && out[0].events == EPOLLHUP,
	      "epoll: EPOLLHUP when the writer goes", "events %x",
	      out[0].events);
	close(ep);
	close(r);
	check_zero(mkfifo(at("f"), 0600), "unlink: the name can be reused");
	unlink(at("f"));
}

int main(void)
{
	umask(022);
	snprintf(dir, sizeof(dir), "/tmp/kiln-fifo-%d", (int)getpid());
	if (mkdir(dir, 0755)) {
		printf("mkdir %s FAILED: errno %d\n", dir, errno);
		return 1;
	}
	test_mknod();
	test_nonblock();
	test_rdwr();
	test_blocking();
	test_eintr();
	test_epipe();
	test_unlink_epoll();
	rmdir(dir);
	guest_exit("fifo");
}
