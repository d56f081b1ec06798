// SPDX-License-Identifier: MIT
/*
 * inotify: the events a file watcher sees, printed in the order they are
 * read, so any difference from Linux shows up in the diff. A directory
 * watch and file watches through create, write, open O_TRUNC, rename (one
 * cookie for MOVED_FROM/TO), rename over a file, unlink (also of an open
 * file: DELETE_SELF comes with the last close), rmdir, link, chmod,
 * chown, utimes, truncate, readdir, mkfifo/mkdir/symlink; coalescing of
 * repeated events; IN_ONESHOT, IN_MASK_ADD, IN_MASK_CREATE,
 * IN_EXCL_UNLINK, IN_ONLYDIR, IN_DONT_FOLLOW; watch descriptors;
 * read(2) with a buffer too small (EINVAL), FIONREAD, O_NONBLOCK, poll,
 * epoll, a read that blocks until a child creates a file; the queue
 * limit (IN_Q_OVERFLOW); argument errors; threads creating and deleting
 * files while another reads and others open and close instances.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define MS 1000000LL

static int in;
static void *volatile bad_ptr = (void *)8; /* volatile: no compiler check */
static uint32_t cookies[64];
static int ncookies;

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * MS};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A cookie as the order it was first seen in (values differ by kernel). */
static int cookie_id(uint32_t c)
{
	if (!c)
		return 0;
	for (int i = 0; i < ncookies; i++)
		if (cookies[i] == c)
			return i + 1;
	if (ncookies < 64)
		cookies[ncookies++] = c;
	return ncookies;
}

static void print_mask(uint32_t m)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{IN_ACCESS, "ACCESS"},
		{IN_MODIFY, "MODIFY"},
		{IN_ATTRIB, "ATTRIB"},
		{IN_CLOSE_WRITE, "CLOSE_WRITE"},
		{IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"},
		{IN_OPEN, "OPEN"},
		{IN_MOVED_FROM, "MOVED_FROM"},
		{IN_MOVED_TO, "MOVED_TO"},
		{IN_CREATE, "CREATE"},
		{IN_DELETE, "DELETE"},
		{IN_DELETE_SELF, "DELETE_SELF"},
		{IN_MOVE_SELF, "MOVE_SELF"},
		{IN_UNMOUNT, "UNMOUNT"},
		{IN_Q_OVERFLOW, "Q_OVERFLOW"},
		{IN_IGNORED, "IGNORED"},
		{IN_ISDIR, "ISDIR"},
	};
	const char *sep = "";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (m & names[i].bit) {
			printf("%s%s", sep, names[i].name);
			sep = "|";
			m &= ~names[i].bit;
		}
	}
	if (m)
		printf("%s0x%x", sep, m);
}

/* Print the events of one read of buf[0..n). */
static void print_events(const char *buf, ssize_t n)
{
	for (ssize_t off = 0; off < n;) {
		const struct inotify_event *e = (const void *)(buf + off);
		bool padded = true;
		for (uint32_t i = e->len ? strlen(e->name) : 0; i < e->len; i++)
			padded &= e->name[i] == 0;
		printf("  wd=%d ", e->wd);
		print_mask(e->mask);
		printf(" cookie=%d len=%u name=%s%s\n", cookie_id(e->cookie),
		       e->len, e->len ? e->name : "",
		       padded ? "" : " (padding not zeroed)");
		off += sizeof(*e) + e->len;
	}
}

/* Read what is queued (the fd is non-blocking) and print it. */
static void drain(const char *what)
{
	char buf[16384] __attribute__((aligned(8)));
	int n = -1;

	ioctl(in, FIONREAD, &n);
	ssize_t k = read(in, buf, sizeof(buf));
	if (k < 0 && errno == EAGAIN) {
		printf("%s: none (FIONREAD %d)\n", what, n);
		return;
	}
	printf("%s: %zd bytes (FIONREAD %d)\n", what, k, n);
	print_events(buf, k);
}

static void touch(const char *name)
{
	close(open(name, O_CREAT | O_WRONLY, 0644));
}

static void test_errors(void)
{
	check_errno(inotify_init1(1), -1, EINVAL, "errors: init1 bad flags");
	check_errno(inotify_add_watch(in, ".", 0), -1, EINVAL,
		    "errors: mask 0");
	check_errno(inotify_add_watch(in, ".", 0x00100000 | IN_CREATE), -1,
		    EINVAL, "errors: unknown mask bit");
	check_errno(inotify_add_watch(in, ".",
				      IN_MASK_ADD | IN_MASK_CREATE | IN_CREATE),
		    -1, EINVAL, "errors: MASK_ADD with MASK_CREATE");
	check_errno(inotify_add_watch(99, ".", IN_CREATE), -1, EBADF,
		    "errors: add_watch bad fd");
	check_errno(inotify_add_watch(0, ".", IN_CREATE), -1, EINVAL,
		    "errors: add_watch on a non-inotify fd");
	check_errno(inotify_add_watch(in, "missing", IN_CREATE), -1, ENOENT,
		    "errors: missing path");
	check_errno(inotify_add_watch(in, "", IN_CREATE), -1, ENOENT,
		    "errors: empty path");
	check_errno(inotify_add_watch(in, (const char *)8, IN_CREATE), -1,
		    EFAULT, "errors: bad path pointer");
	check_errno(inotify_rm_watch(in, 1), -1, EINVAL,
		    "errors: rm_watch unknown wd");
	check_errno(inotify_rm_watch(99, 1), -1, EBADF,
		    "errors: rm_watch bad fd");
	check_errno(inotify_rm_watch(0, 1), -1, EINVAL,
		    "errors: rm_watch on a non-inotify fd");
	check_errno(write(in, "x", 1), -1, EBADF, "errors: write");
	check_errno(ioctl(in, FIONREAD, bad_ptr), -1, EFAULT,
		    "errors: FIONREAD to a bad pointer");
	struct stat st;
	check(fstat(in, &st) == 0 && (st.st_mode & 07777) == 0600 &&
		      !(st.st_mode & S_IFMT),
	      "errors: fstat is an anonymous inode", "mode %o", st.st_mode);
	check(fcntl(in, F_GETFL) & O_NONBLOCK, "errors: IN_NONBLOCK",
	      "flags %x", fcntl(in, F_GETFL));
	check(fcntl(in, F_GETFD) == FD_CLOEXEC, "errors: IN_CLOEXEC",
	      "flags %x", fcntl(in, F_GETFD));
	touch("f");
	check_errno(inotify_add_watch(in, "f", IN_ONLYDIR | IN_ALL_EVENTS), -1,
		    ENOTDIR, "errors: IN_ONLYDIR on a file");
	unlink("f");
	drain("errors");
}

static void test_dir(void)
{
	int d = inotify_add_watch(in, ".", IN_ALL_EVENTS);
	printf("dir watch wd %d\n", d);
	check(inotify_add_watch(in, ".", IN_ALL_EVENTS) == d,
	      "dir: the same watch again", "errno %d", errno);
	check_errno(inotify_add_watch(in, ".", IN_MASK_CREATE | IN_CREATE), -1,
		    EEXIST, "dir: IN_MASK_CREATE on a watched dir");
	drain("dir: add_watch");

	int f = open("a", O_CREAT | O_WRONLY, 0644);
	check(write(f, "x", 1) == 1, "dir: write", "errno %d", errno);
	close(f);
	drain("create and write");

	int fa = inotify_add_watch(in, "a", IN_ALL_EVENTS);
	printf("file watch wd %d\n", fa);
	close(open("a", O_WRONLY | O_TRUNC));
	drain("open O_TRUNC");

	char c[4];
	f = open("a", O_RDWR);
	check(write(f, "abc", 3) == 3, "dir: write 3", "errno %d", errno);
	lseek(f, 0, SEEK_SET);
	check(read(f, c, 4) == 3, "dir: read 3", "errno %d", errno);
	check(read(f, c, 4) == 0, "dir: read at EOF", "errno %d", errno);
	close(f);
	drain("read and write");

	check_zero(rename("a", "b"), "dir: rename");
	drain("rename");
	check_zero(chmod("b", 0600), "dir: chmod");
	check_zero(chown("b", -1, -1), "dir: chown -1 -1");
	check_zero(chown("b", 0, -1), "dir: chown");
	drain("chmod, chown");
	check_zero(truncate("b", 1), "dir: truncate");
	struct timespec ts[2] = {{0, UTIME_OMIT}, {5, 0}};
	check_zero(utimensat(AT_FDCWD, "b", ts, 0), "dir: utimes mtime");
	ts[0] = (struct timespec){5, 0};
	ts[1].tv_nsec = UTIME_OMIT;
	check_zero(utimensat(AT_FDCWD, "b", ts, 0), "dir: utimes atime");
	check_zero(utimensat(AT_FDCWD, "b", NULL, 0), "dir: utimes now");
	drain("truncate, utimes");
	f = open("b", O_PATH);
	close(f);
	drain("O_PATH");
	check_zero(link("b", "b2"), "dir: link");
	drain("link");
	check_zero(unlink("b2"), "dir: unlink one link");
	check_zero(unlink("b"), "dir: unlink the last");
	drain("unlink");
	check_zero(chmod(".", 0755), "dir: chmod the dir");
	f = open(".", O_RDONLY | O_DIRECTORY);
	DIR *dd = fdopendir(f);
	while (readdir(dd))
		;
	closedir(dd);
	drain("chmod and readdir of the dir");
}

static void test_names(void)
{
	check_zero(mkfifo("p", 0600), "names: mkfifo");
	check_zero(mkdir("s", 0700), "names: mkdir");
	check_zero(symlink("x", "sl"), "names: symlink");
	int us = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX, .sun_path = "u"};
	check_zero(bind(us, (struct sockaddr *)&sun, sizeof(sun)),
		   "names: bind a unix socket");
	close(us);
	check_zero(unlink("u"), "names: unlink the socket");
	drain("mkfifo, mkdir, symlink, bind");

	int ws = inotify_add_watch(in, "s", IN_ALL_EVENTS);
	touch("s/x");
	check_zero(rename("s/x", "moved"), "names: rename across dirs");
	check_zero(rename("sl", "s/sl"), "names: rename a symlink in");
	check_zero(unlink("s/sl"), "names: unlink in s");
	check_zero(rmdir("s"), "names: rmdir a watched dir");
	printf("subdir watch wd %d\n", ws);
	drain("subdir");

	touch("e");
	touch("g");
	int wg = inotify_add_watch(in, "g", IN_ALL_EVENTS);
	printf("watch on g: wd %d\n", wg);
	check_zero(rename("e", "g"), "names: rename over a watched file");
	drain("rename over");

	check_zero(mkdir("d1", 0700) || mkdir("d2", 0700), "names: mkdirs");
	int w1 = inotify_add_watch(in, "d1", IN_ALL_EVENTS);
	int w2 = inotify_add_watch(in, "d2", IN_ALL_EVENTS);
	printf("watches on d1 d2: wd %d %d\n", w1, w2);
	check_zero(rename("d1", "d2"), "names: rename a dir over a dir");
	drain("dir over dir");
	check_zero(rmdir("d2"), "names: rmdir");
	drain("rmdir d2");

	touch("h");
	int wh = inotify_add_watch(in, "h", IN_ALL_EVENTS);
	int f = open("h", O_RDONLY);
	check_zero(unlink("h"), "names: unlink an open file");
	drain("unlink while open");
	close(f);
	drain("then close");
	(void)wh;

	touch("x1");
	touch("x2");
	check_zero(syscall(SYS_renameat2, AT_FDCWD, "x1", AT_FDCWD, "x2", 2),
		   "names: RENAME_EXCHANGE");
	drain("exchange");
	unlink("x1");
	unlink("x2");
	unlink("p");
	unlink("g");
	unlink("moved");
	drain("cleanup");
}

static void test_flags(void)
{
	check_zero(mkdir("t", 0700), "flags: mkdir");
	int w = inotify_add_watch(in, "t", IN_CREATE | IN_ONESHOT);
	touch("t/a");
	touch("t/b");
	printf("oneshot wd %d\n", w);
	drain("oneshot");
	w = inotify_add_watch(in, "t", IN_CREATE);
	check(inotify_add_watch(in, "t", IN_DELETE | IN_MASK_ADD) == w,
	      "flags: IN_MASK_ADD keeps the wd", "errno %d", errno);
	check_zero(unlink("t/a"), "flags: unlink");
	touch("t/c");
	drain("mask add");
	check(inotify_add_watch(in, "t", IN_DELETE) == w,
	      "flags: replacing the mask keeps the wd", "errno %d", errno);
	touch("t/d");
	check_zero(unlink("t/d"), "flags: unlink d");
	drain("replace");
	int wb = inotify_add_watch(in, "t/b", IN_CLOSE_WRITE | IN_EXCL_UNLINK);
	int f = open("t/b", O_WRONLY);
	check_zero(unlink("t/b"), "flags: unlink b");
	close(f);
	printf("excl_unlink wd %d\n", wb);
	drain("excl_unlink");
	check_zero(inotify_rm_watch(in, w), "flags: rm_watch");
	check_errno(inotify_rm_watch(in, w), -1, EINVAL,
		    "flags: rm_watch twice");
	drain("rm_watch");
	touch("t/f");
	check_zero(symlink("f", "t/l"), "flags: symlink");
	int wl = inotify_add_watch(in, "t/l", IN_DONT_FOLLOW | IN_ATTRIB);
	int wf = inotify_add_watch(in, "t/l", IN_ATTRIB);
	check(wl != wf && inotify_add_watch(in, "t/f", IN_ATTRIB) == wf,
	      "flags: IN_DONT_FOLLOW watches the link", "wd %d %d", wl, wf);
	printf("new wds %d %d (never reused)\n", wl, wf);
	check_zero(chmod("t/l", 0600), "flags: chmod through the link");
	drain("dont_follow");

	/* identical consecutive events are coalesced, others are not */
	int wt = inotify_add_watch(in, "t", IN_MODIFY);
	f = open("t/f", O_WRONLY);
	for (int i = 0; i < 3; i++)
		check(write(f, "z", 1) == 1, "flags: write", "errno %d", errno);
	close(f);
	touch("t/g");
	f = open("t/g", O_WRONLY);
	check(write(f, "z", 1) == 1, "flags: write g", "errno %d", errno);
	close(f);
	f = open("t/f", O_WRONLY);
	check(write(f, "z", 1) == 1, "flags: write f", "errno %d", errno);
	close(f);
	printf("coalesce wd %d\n", wt);
	drain("coalesce");
	unlink("t/f");
	unlink("t/g");
	unlink("t/l");
	unlink("t/c");
	rmdir("t");
	drain("cleanup t");
}

static void test_read(void)
{
	char buf[64] __attribute__((aligned(8)));
	int n = -1;

	int w = inotify_add_watch(in, ".", IN_CREATE);
	touch("longername1234567");
	touch("b");
	check(ioctl(in, FIONREAD, &n) == 0 && n == 16 + 32 + 16 + 16,
	      "read: FIONREAD 80", "got %d", n);
	check_errno(read(in, buf, 16), -1, EINVAL,
		    "read: a buffer smaller than the event");
	check_errno(read(in, buf, 47), -1, EINVAL, "read: 47 bytes for 48");
	check(read(in, buf, 64) == 48, "read: only whole events", "errno %d",
	      errno);
	print_events(buf, 48);
	check(read(in, buf, 64) == 32, "read: the next", "errno %d", errno);
	print_events(buf, 32);
	check_errno(read(in, buf, 64), -1, EAGAIN, "read: empty EAGAIN");
	touch("c");
	check_errno(read(in, bad_ptr, 64), -1, EFAULT, "read: EFAULT");
	check_errno(read(in, buf, 64), -1, EAGAIN, "read: that event is gone");

	struct pollfd pf = {in, POLLIN, 0};
	check(poll(&pf, 1, 0) == 0, "read: poll nothing", "revents %x",
	      pf.revents);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET}, out;
	check_zero(epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev), "read: epoll add");
	check(epoll_wait(ep, &out, 1, 0) == 0, "read: epoll nothing",
	      "events %x", out.events);

	/* a blocking read waits for an event from another process */
	int blk = inotify_init();
	check(blk >= 0 && !(fcntl(blk, F_GETFL) & O_NONBLOCK),
	      "read: inotify_init blocks", "errno %d", errno);
	int wb = inotify_add_watch(blk, ".", IN_CREATE);
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(100);
		touch("from-child");
		_exit(0);
	}
	ssize_t k = read(blk, buf, sizeof(buf));
	check(k == 32 && !strcmp(((struct inotify_event *)buf)->name,
				 "from-child"),
	      "read: a blocking read gets the child's create", "got %zd", k);
	printf("blocking wd %d\n", wb);
	waitpid(pid, NULL, 0);
	close(blk);
	check(poll(&pf, 1, 1000) == 1 && pf.revents == POLLIN,
	      "read: poll POLLIN", "revents %x", pf.revents);
	check(epoll_wait(ep, &out, 1, 1000) == 1 && out.events == EPOLLIN,
	      "read: epoll EPOLLIN", "events %x", out.events);
	close(ep);
	drain("the child's create");
	unlink("from-child");
	unlink("longername1234567");
	unlink("b");
	unlink("c");
	inotify_rm_watch(in, w);
	drain("read cleanup");
}

#define NTHREADS   4
#define PER_THREAD 200

static volatile int churn_errors;

/* Create and delete PER_THREAD files of its own. */
static void *creator(void *arg)
{
	char name[32];

	for (int i = 0; i < PER_THREAD; i++) {
		snprintf(name, sizeof(name), "w%d-%d", (int)(intptr_t)arg, i);
		touch(name);
		unlink(name);
	}
	return NULL;
}

/* Instances that come and go while the others work. */
static void *churner(void *arg)
{
	char buf[4096];
	(void)arg;

	for (int i = 0; i < 50; i++) {
		int fd = inotify_init1(IN_NONBLOCK);
		if (fd < 0 || inotify_add_watch(fd, ".", IN_ALL_EVENTS) != 1)
			churn_errors++;
		if (read(fd, buf, sizeof(buf)) < 0 && errno != EAGAIN)
			churn_errors++;
		close(fd);
	}
	return NULL;
}

/* Each name's CREATE comes before its DELETE, and none is lost. */
static void test_threads(void)
{
	static char seen[NTHREADS][PER_THREAD];
	char buf[4096] __attribute__((aligned(8)));
	pthread_t t[NTHREADS + 1];
	int creates = 0, deletes = 0, bad = 0;

	int w = inotify_add_watch(in, ".", IN_CREATE | IN_DELETE);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, creator, (void *)(intptr_t)i);
	pthread_create(&t[NTHREADS], NULL, churner, NULL);
	while (deletes < NTHREADS * PER_THREAD && !bad) {
		struct pollfd pf = {in, POLLIN, 0};
		if (poll(&pf, 1, 10000) != 1)
			break;
		ssize_t k = read(in, buf, sizeof(buf));
		for (ssize_t off = 0; off < k;) {
			struct inotify_event *e = (void *)(buf + off);
			int id, i;
			off += sizeof(*e) + e->len;
			if (e->wd != w ||
			    sscanf(e->name, "w%d-%d", &id, &i) != 2 || id < 0 ||
			    id >= NTHREADS || i < 0 || i >= PER_THREAD) {
				bad++;
			} else if (e->mask == IN_CREATE && !seen[id][i]) {
				seen[id][i] = 1;
				creates++;
			} else if (e->mask == IN_DELETE && seen[id][i] == 1) {
				seen[id][i] = 2;
				deletes++;
			} else {
				bad++;
			}
		}
	}
	for (int i = 0; i <= NTHREADS; i++)
		pthread_join(t[i], NULL);
	check(creates == NTHREADS * PER_THREAD &&
		      deletes == NTHREADS * PER_THREAD && !bad,
	      "threads: 800 creates then deletes, in order, none lost",
	      "%d creates, %d deletes, %d unexpected", creates, deletes, bad);
	check(!churn_errors, "threads: instances opened and closed meanwhile",
	      "%d errors", churn_errors);
	inotify_rm_watch(in, w);
	drain("threads cleanup");
}

/* 16384 events queue; the next ones are one IN_Q_OVERFLOW. */
static void test_overflow(void)
{
	static char buf[65536] __attribute__((aligned(8)));
	long events = 0, overflows = 0, after = 0, other = 0;

	char lim[32] = {0};
	int fd = open("/proc/sys/fs/inotify/max_queued_events", O_RDONLY);
	check(fd >= 0 && read(fd, lim, sizeof(lim) - 1) > 0 &&
		      !strcmp(lim, "16384\n"),
	      "overflow: max_queued_events 16384", "got '%s'", lim);
	close(fd);
	touch("o1");
	touch("o2");
	int w = inotify_add_watch(in, ".", IN_ATTRIB);
	for (int i = 0; i < 16400; i++)
		chmod(i & 1 ? "o2" : "o1", 0600 | (i & 1));
	ssize_t k;
	while ((k = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < k;) {
			struct inotify_event *e = (void *)(buf + off);
			if (e->mask == IN_Q_OVERFLOW && e->wd == -1 && !e->len)
				overflows++;
			else if (overflows)
				after++;
			else if (e->mask == IN_ATTRIB && e->wd == w)
				events++;
			else
				other++;
			off += sizeof(*e) + e->len;
		}
	}
	check(events == 16384 && overflows == 1 && !after && !other,
	      "overflow: 16384 events, then one IN_Q_OVERFLOW",
	      "%ld events, %ld overflows, %ld after, %ld other", events,
	      overflows, after, other);
	chmod("o1", 0600);
	drain("after the overflow");
	inotify_rm_watch(in, w);
	unlink("o1");
	unlink("o2");
	drain("overflow cleanup");
}

int main(void)
{
	char dir[64];

	umask(022);
	snprintf(dir, sizeof(dir), "/tmp/kiln-inotify-%d", (int)getpid());
	if (mkdir(dir, 0755) || chdir(dir)) {
		printf("mkdir %s FAILED: errno %d\n", dir, errno);
		return 1;
	}
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	check(in >= 0, "inotify_init1", "errno %d", errno);
	test_errors();
	test_dir();
	test_names();
	test_flags();
	test_read();
	test_threads();
	test_overflow();
	check_zero(close(in), "close the instance");
	chdir("/");
	rmdir(dir);
	guest_exit("inotify");
}
