// SPDX-License-Identifier: MIT
/*
 * POSIX message queues: names and their errors, attributes and limits,
 * priority order, EMSGSIZE, access modes, O_NONBLOCK and mq_setattr,
 * absolute timeouts, poll/epoll/select readiness, descriptors across
 * dup, fork and exec (always close-on-exec), unlink while open,
 * permissions for another user, blocking across processes (a receiver
 * woken by a send, a sender woken by a receive), EINTR and SA_RESTART,
 * mq_notify (SI_MESGQ siginfo, also through a signalfd, once, EBUSY,
 * SIGEV_NONE, removed by the owner's close or exit, not sent to a queue
 * with a blocked receiver), read()'s status line and the limits in
 * /proc/sys/fs/mqueue.
 * Queue names carry the pid, so parallel runs on the host do not meet.
 */
#define _GNU_SOURCE
#include "guest.h"
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char qname[64];

/* "/kmq<pid>_<tag>" */
static const char *name_of(const char *tag)
{
	snprintf(qname, sizeof(qname), "/kmq%d_%s", (int)getpid(), tag);
	return qname;
}

static mqd_t make(const char *tag, long maxmsg, long msgsize)
{
	struct mq_attr a = {.mq_maxmsg = maxmsg, .mq_msgsize = msgsize};
	const char *n = name_of(tag);
	mq_unlink(n);
	mqd_t q = mq_open(n, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	check(q != (mqd_t)-1, tag, "mq_open errno %d", errno);
	return q;
}

static int child_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static pid_t fork_child(void)
{
	fflush(stdout);
	return fork();
}

/* Wait (up to ~10 s) until pid sleeps (state S in /proc/pid/stat). */
static bool wait_sleeping(pid_t pid)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 1000; i++) {
		FILE *f = fopen(path, "r");
		if (f) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[n] = 0;
			char *p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'S') {
				usleep(20000);
				return true;
			}
		}
		usleep(10000);
	}
	return false;
}

static long raw_open(const char *name, int flags)
{
	return syscall(SYS_mq_open, name, flags, 0600, NULL);
}

static void names(void)
{
	char longname[300];

	check_errno(mq_open(name_of("none"), O_RDWR), -1, ENOENT,
		    "mqueue: open missing ENOENT");
	/* the kernel's view of names (libc strips the leading '/') */
	check_errno(raw_open("a/b", O_RDWR | O_CREAT), -1, EACCES,
		    "mqueue: name with slash EACCES");
	check_errno(raw_open("", O_RDWR | O_CREAT), -1, ENOENT,
		    "mqueue: empty name ENOENT");
	check_errno(raw_open("..", O_RDWR | O_CREAT), -1, EACCES,
		    "mqueue: name .. EACCES");
	memset(longname, 'x', 256);
	longname[256] = 0;
	check_errno(raw_open(longname, O_RDWR | O_CREAT), -1, ENAMETOOLONG,
		    "mqueue: 256-byte name ENAMETOOLONG");
	check_errno(syscall(SYS_mq_unlink, longname), -1, ENAMETOOLONG,
		    "mqueue: unlink 256-byte name ENAMETOOLONG");
	snprintf(longname, sizeof(longname), "kmq%d_", (int)getpid());
	size_t l = strlen(longname);
	memset(longname + l, 'y', 255 - l);
	longname[255] = 0;
	long fd = raw_open(longname, O_RDWR | O_CREAT | O_EXCL);
	check(fd >= 0, "mqueue: 255-byte name", "errno %d", errno);
	check_zero(syscall(SYS_mq_unlink, longname),
		   "mqueue: unlink 255-byte name");
	close((int)fd);
	check_errno(syscall(SYS_mq_unlink, longname), -1, ENOENT,
		    "mqueue: unlink twice ENOENT");

	mqd_t q = make("excl", 4, 64);
	check_errno(
		mq_open(name_of("excl"), O_CREAT | O_EXCL | O_RDWR, 0600, NULL),
		-1, EEXIST, "mqueue: O_EXCL EEXIST");
	mqd_t q2 = mq_open(name_of("excl"), O_CREAT | O_RDWR, 0600, NULL);
	check(q2 != (mqd_t)-1, "mqueue: O_CREAT opens existing", "errno %d",
	      errno);
	struct mq_attr a;
	mq_getattr(q2, &a);
	check(a.mq_maxmsg == 4 && a.mq_msgsize == 64,
	      "mqueue: existing keeps its attr", "%ld %ld", a.mq_maxmsg,
	      a.mq_msgsize);
	check_errno(raw_open(name_of("excl") + 1, O_RDWR | O_WRONLY), -1,
		    EINVAL, "mqueue: O_ACCMODE 3 EINVAL");
	mq_close(q2);
	mq_close(q);
	mq_unlink(name_of("excl"));
}

static void attrs(void)
{
	struct mq_attr a = {0};
	const char *n = name_of("attr");

	mqd_t q = mq_open(n, O_CREAT | O_EXCL | O_RDWR, 0600, NULL);
	check(q != (mqd_t)-1, "mqueue: default attr open", "errno %d", errno);
	check_zero(mq_getattr(q, &a), "mqueue: getattr");
	check(a.mq_maxmsg == 10 && a.mq_msgsize == 8192 && a.mq_curmsgs == 0 &&
		      a.mq_flags == 0,
	      "mqueue: defaults 10 x 8192", "%ld %ld %ld %ld", a.mq_maxmsg,
	      a.mq_msgsize, a.mq_curmsgs, a.mq_flags);
	mq_close(q);
	mq_unlink(n);

	struct mq_attr bad[] = {
		{.mq_maxmsg = 0, .mq_msgsize = 8},
		{.mq_maxmsg = 1, .mq_msgsize = 0},
		{.mq_maxmsg = -1, .mq_msgsize = 8},
		{.mq_maxmsg = 65537, .mq_msgsize = 8},
		{.mq_maxmsg = 1, .mq_msgsize = 16 * 1024 * 1024 + 1}};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[64];
		snprintf(what, sizeof(what), "mqueue: bad attr %u EINVAL", i);
		check_errno(mq_open(n, O_CREAT | O_RDWR, 0600, &bad[i]), -1,
			    EINVAL, what);
	}
	/* (what CAP_SYS_RESOURCE may pass and RLIMIT_MSGQUEUE are not
	 * checked: the host's root may lack the capability) */
	a = (struct mq_attr){.mq_maxmsg = 10, .mq_msgsize = 8192};
	q = mq_open(n, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	check(q != (mqd_t)-1, "mqueue: msg_max x msgsize_max", "errno %d",
	      errno);
	mq_close(q);
	mq_unlink(n);
	check_errno(mq_open(n, O_RDWR), -1, ENOENT,
		    "mqueue: unlinked and closed");

	/* mq_setattr: only O_NONBLOCK */
	q = make("setattr", 2, 16);
	struct mq_attr set = {.mq_flags = O_NONBLOCK, .mq_maxmsg = 99}, old;
	check_zero(mq_setattr(q, &set, &old), "mqueue: setattr O_NONBLOCK");
	check(old.mq_flags == 0, "mqueue: setattr returns old flags", "%ld",
	      old.mq_flags);
	mq_getattr(q, &a);
	check(a.mq_flags == O_NONBLOCK && a.mq_maxmsg == 2,
	      "mqueue: flags set, maxmsg not", "%ld %ld", a.mq_flags,
	      a.mq_maxmsg);
	check((fcntl(q, F_GETFL) & O_NONBLOCK) != 0,
	      "mqueue: F_GETFL sees O_NONBLOCK", "flags %x", fcntl(q, F_GETFL));
	set.mq_flags = O_APPEND;
	check_errno(mq_setattr(q, &set, NULL), -1, EINVAL,
		    "mqueue: setattr other flag EINVAL");
	fcntl(q, F_SETFL, 0);
	mq_getattr(q, &a);
	check(a.mq_flags == 0, "mqueue: F_SETFL clears mq_flags", "%ld",
	      a.mq_flags);
	check_errno(mq_getattr(0, &a), -1, EBADF,
		    "mqueue: getattr on stdin EBADF");
	mq_close(q);
	mq_unlink(name_of("setattr"));
}

static void messages(void)
{
	mqd_t q = make("msgs", 8, 64);
	static const struct {
		const char *text;
		unsigned prio;
	} in[] = {{"a", 1},    {"bb", 5}, {"c", 1},
		  {"dddd", 0}, {"e", 5},  {"f", 32767}};
	char buf[128];
	unsigned prio;

	for (unsigned i = 0; i < 6; i++)
		mq_send(q, in[i].text, strlen(in[i].text), in[i].prio);
	struct mq_attr a;
	mq_getattr(q, &a);
	check(a.mq_curmsgs == 6, "mqueue: curmsgs 6", "%ld", a.mq_curmsgs);
	char order[512] = "";
	for (int i = 0; i < 6; i++) {
		ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
		if (n < 0)
			break;
		buf[n] = 0;
		snprintf(order + strlen(order), sizeof(order) - strlen(order),
			 "%s:%u ", buf, prio);
	}
	check(!strcmp(order, "f:32767 bb:5 e:5 a:1 c:1 dddd:0 "),
	      "mqueue: priority order, FIFO within one", "%s", order);
	check_errno(mq_send(q, "x", 1, 32768), -1, EINVAL,
		    "mqueue: prio 32768 EINVAL");
	memset(buf, 'z', sizeof(buf));
	check_errno(mq_send(q, buf, 65, 0), -1, EMSGSIZE,
		    "mqueue: send 65 > msgsize EMSGSIZE");
	check_zero(mq_send(q, buf, 64, 0), "mqueue: send msgsize");
	check_zero(mq_send(q, buf, 0, 0), "mqueue: send empty");
	check_errno(mq_receive(q, buf, 63, NULL), -1, EMSGSIZE,
		    "mqueue: receive buffer < msgsize EMSGSIZE");
	check(mq_receive(q, buf, 64, NULL) == 64, "mqueue: receive 64", "-");
	check(mq_receive(q, buf, 64, NULL) == 0, "mqueue: receive empty", "-");
	check_errno(mq_send(q, (const char *)8, 1, 0), -1, EFAULT,
		    "mqueue: send bad pointer EFAULT");

	/* access modes */
	mqd_t r = mq_open(name_of("msgs"), O_RDONLY);
	mqd_t w = mq_open(name_of("msgs"), O_WRONLY);
	check_errno(mq_send(r, "x", 1, 0), -1, EBADF,
		    "mqueue: send on O_RDONLY EBADF");
	check_zero(mq_send(w, "w", 1, 3), "mqueue: send on O_WRONLY");
	check_errno(mq_receive(w, buf, 64, NULL), -1, EBADF,
		    "mqueue: receive on O_WRONLY EBADF");
	check(mq_receive(r, buf, 64, &prio) == 1 && prio == 3,
	      "mqueue: receive on O_RDONLY", "-");
	int p[2];
	pipe(p);
	check_errno(mq_send(p[1], "x", 1, 0), -1, EBADF,
		    "mqueue: send on a pipe EBADF");
	check_errno(mq_send(99, "x", 1, 0), -1, EBADF,
		    "mqueue: send on closed fd EBADF");
	close(p[0]);
	close(p[1]);
	mq_close(r);
	mq_close(w);

	/* non-blocking and full */
	mqd_t nb = mq_open(name_of("msgs"), O_RDWR | O_NONBLOCK);
	check_errno(mq_receive(nb, buf, 64, NULL), -1, EAGAIN,
		    "mqueue: empty O_NONBLOCK receive EAGAIN");
	for (int i = 0; i < 8; i++)
		mq_send(nb, "m", 1, 0);
	check_errno(mq_send(nb, "m", 1, 0), -1, EAGAIN,
		    "mqueue: full O_NONBLOCK send EAGAIN");
	mq_close(nb);

	/* timeouts: absolute CLOCK_REALTIME */
	struct timespec ts = deadline_after(CLOCK_REALTIME, 100000000);
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	check_errno(mq_timedsend(q, "m", 1, 0, &ts), -1, ETIMEDOUT,
		    "mqueue: full timedsend ETIMEDOUT");
	check(now_ns(CLOCK_MONOTONIC) - t0 >= 80000000,
	      "mqueue: timedsend waited", "-");
	struct timespec past = {.tv_sec = 1, .tv_nsec = 0};
	check_errno(mq_timedsend(q, "m", 1, 0, &past), -1, ETIMEDOUT,
		    "mqueue: past deadline, full ETIMEDOUT");
	struct timespec badts = {.tv_sec = 0, .tv_nsec = 1000000000};
	check_errno(mq_timedsend(q, "m", 1, 0, &badts), -1, EINVAL,
		    "mqueue: bad timespec EINVAL");
	check(mq_timedreceive(q, buf, 64, NULL, &past) == 1,
	      "mqueue: past deadline, message ready", "-");
	check_errno(mq_timedreceive(q, buf, 64, NULL, &badts), -1, EINVAL,
		    "mqueue: bad timespec on ready queue EINVAL");
	while (mq_timedreceive(q, buf, 64, NULL, &past) >= 0)
		;
	ts = deadline_after(CLOCK_REALTIME, 100000000);
	t0 = now_ns(CLOCK_MONOTONIC);
	check_errno(mq_timedreceive(q, buf, 64, NULL, &ts), -1, ETIMEDOUT,
		    "mqueue: empty timedreceive ETIMEDOUT");
	check(now_ns(CLOCK_MONOTONIC) - t0 >= 80000000,
	      "mqueue: timedreceive waited", "-");
	mq_close(q);
	mq_unlink(name_of("msgs"));
}

static void readiness(void)
{
	mqd_t q = make("poll", 2, 16);
	struct pollfd pfd = {.fd = q, .events = POLLIN | POLLOUT};

	check(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLOUT,
	      "mqueue: empty POLLOUT", "revents %x", pfd.revents);
	mq_send(q, "a", 1, 0);
	poll(&pfd, 1, 0);
	check(pfd.revents == (POLLIN | POLLOUT), "mqueue: POLLIN|POLLOUT",
	      "revents %x", pfd.revents);
	mq_send(q, "b", 1, 0);
	poll(&pfd, 1, 0);
	check(pfd.revents == POLLIN, "mqueue: full POLLIN only", "revents %x",
	      pfd.revents);
	char buf[16];
	mq_receive(q, buf, 16, NULL);
	mq_receive(q, buf, 16, NULL);

	/* epoll and select woken by another process's send */
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
	check_zero(epoll_ctl(ep, EPOLL_CTL_ADD, q, &ev), "mqueue: epoll add");
	pid_t pid = fork_child();
	if (pid == 0) {
		usleep(100000);
		_exit(mq_send(q, "x", 1, 0) ? 1 : 0);
	}
	struct epoll_event out;
	int n = epoll_wait(ep, &out, 1, 20000);
	check(n == 1 && out.data.u32 == 7 && (out.events & EPOLLIN),
	      "mqueue: epoll woken by a send", "n %d", n);
	check(child_status(pid) == 0, "mqueue: epoll sender", "-");
	mq_receive(q, buf, 16, NULL);
	close(ep);

	pid = fork_child();
	if (pid == 0) {
		usleep(100000);
		_exit(mq_send(q, "y", 1, 0) ? 1 : 0);
	}
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(q, &rd);
	struct timeval tv = {.tv_sec = 20};
	n = select(q + 1, &rd, NULL, NULL, &tv);
	check(n == 1 && FD_ISSET(q, &rd), "mqueue: select woken by a send",
	      "n %d", n);
	check(child_status(pid) == 0, "mqueue: select sender", "-");
	mq_close(q);
	mq_unlink(name_of("poll"));
}

static void descriptors(void)
{
	mqd_t q = make("fds", 4, 16);
	char buf[16];

	check(fcntl(q, F_GETFD) == FD_CLOEXEC, "mqueue: always close-on-exec",
	      "%d", fcntl(q, F_GETFD));
	int d = dup(q);
	check(fcntl(d, F_GETFD) == 0, "mqueue: dup without cloexec", "-");
	check_zero(mq_send(d, "dup", 3, 2), "mqueue: send through dup");
	mq_close(d);
	check(mq_receive(q, buf, 16, NULL) == 3, "mqueue: receive original",
	      "-");
	struct stat st;
	check_zero(fstat(q, &st), "mqueue: fstat");
	check(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600 &&
		      st.st_uid == getuid(),
	      "mqueue: fstat regular 0600 owner", "mode %o", st.st_mode);

	/* close-on-exec: the descriptor is gone in the new program, the
	 * dup (no FD_CLOEXEC) is still there */
	d = dup(q);
	pid_t pid = fork_child();
	if (pid == 0) {
		char a1[16], a2[16];
		snprintf(a1, sizeof(a1), "%d", (int)q);
		snprintf(a2, sizeof(a2), "%d", d);
		execl("/proc/self/exe", "mqueue", "fdcheck", a1, a2, (char *)0);
		_exit(99);
	}
	check(child_status(pid) == 0, "mqueue: exec closes it, not the dup",
	      "-");
	close(d);

	/* a forked child shares the queue */
	pid = fork_child();
	if (pid == 0)
		_exit(mq_send(q, "kid", 3, 1) ? 1 : 0);
	check(child_status(pid) == 0, "mqueue: child sends on inherited fd",
	      "-");
	unsigned prio = 0;
	check(mq_receive(q, buf, 16, &prio) == 3 && prio == 1,
	      "mqueue: parent receives child's message", "-");

	/* unlink while open: the queue lives on, the name is free */
	check_zero(mq_unlink(name_of("fds")), "mqueue: unlink while open");
	check_errno(mq_open(name_of("fds"), O_RDWR), -1, ENOENT,
		    "mqueue: unlinked name ENOENT");
	check_zero(mq_send(q, "z", 1, 0), "mqueue: send after unlink");
	mqd_t q2 = make("fds", 4, 16);
	struct mq_attr a;
	mq_getattr(q2, &a);
	check(a.mq_curmsgs == 0, "mqueue: same name, new queue", "-");
	check(mq_receive(q, buf, 16, NULL) == 1,
	      "mqueue: old queue keeps its message", "-");
	mq_close(q2);
	mq_close(q);
	mq_unlink(name_of("fds"));

	/* umask applies to the mode */
	mode_t old = umask(027);
	const char *n = name_of("umask");
	q = mq_open(n, O_CREAT | O_EXCL | O_RDWR, 0666, NULL);
	umask(old);
	fstat(q, &st);
	check((st.st_mode & 0777) == 0640, "mqueue: umask 027 gives 0640", "%o",
	      st.st_mode & 0777);
	mq_close(q);
	mq_unlink(n);
}

static void permissions(void)
{
	char n600[64], n644[64];
	strcpy(n600, name_of("p600"));
	strcpy(n644, name_of("p644"));
	mq_unlink(n600);
	mq_unlink(n644);
	mqd_t a = mq_open(n600, O_CREAT | O_EXCL | O_RDWR, 0600, NULL);
	mqd_t b = mq_open(n644, O_CREAT | O_EXCL | O_RDWR, 0644, NULL);
	pid_t pid = fork_child();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(1);
		if (mq_open(n600, O_RDONLY) != (mqd_t)-1 || errno != EACCES)
			_exit(2);
		mqd_t r = mq_open(n644, O_RDONLY);
		if (r == (mqd_t)-1)
			_exit(3);
		if (mq_open(n644, O_WRONLY) != (mqd_t)-1 || errno != EACCES)
			_exit(4);
		/* unlink of another user's queue: EPERM, EACCES from libc */
		if (mq_unlink(n644) == 0 || errno != EACCES)
			_exit(5);
		/* without CAP_SYS_RESOURCE: msg_max and msgsize_max */
		struct mq_attr at = {.mq_maxmsg = 11, .mq_msgsize = 8};
		char mine[80];
		snprintf(mine, sizeof(mine), "%s_nobody", n600);
		if (mq_open(mine, O_CREAT | O_RDWR, 0600, &at) != (mqd_t)-1 ||
		    errno != EINVAL)
			_exit(6);
		at = (struct mq_attr){.mq_maxmsg = 1, .mq_msgsize = 8193};
		if (mq_open(mine, O_CREAT | O_RDWR, 0600, &at) != (mqd_t)-1 ||
		    errno != EINVAL)
			_exit(7);
		at = (struct mq_attr){.mq_maxmsg = 10, .mq_msgsize = 8192};
		mqd_t m = mq_open(mine, O_CREAT | O_EXCL | O_RDWR, 0600, &at);
		if (m == (mqd_t)-1)
			_exit(8);
		struct stat st;
		if (fstat(m, &st) || st.st_uid != 65534 || st.st_gid != 65534)
			_exit(9);
		if (mq_unlink(mine))
			_exit(10);
		_exit(0);
	}
	int st = child_status(pid);
	check(st == 0, "mqueue: permissions of another user", "step %d", st);
	mq_close(a);
	mq_close(b);
	mq_unlink(n600);
	mq_unlink(n644);
}

static void blocking(void)
{
	mqd_t q = make("block", 2, 32);
	char buf[32];
	unsigned prio;

	/* a child blocked in mq_receive woken by the parent's send */
	pid_t pid = fork_child();
	if (pid == 0) {
		ssize_t n = mq_receive(q, buf, 32, &prio);
		_exit(n == 5 && !memcmp(buf, "hello", 5) && prio == 9 ? 0 : 1);
	}
	check(wait_sleeping(pid), "mqueue: receiver blocks", "-");
	mq_send(q, "hello", 5, 9);
	check(child_status(pid) == 0, "mqueue: blocked receiver gets message",
	      "-");

	/* a full queue blocks the sender until a receive */
	pid = fork_child();
	if (pid == 0) {
		mq_send(q, "1", 1, 0);
		mq_send(q, "2", 1, 0);
		_exit(mq_send(q, "3", 1, 7) ? 1 : 0);
	}
	check(wait_sleeping(pid), "mqueue: sender blocks on full queue", "-");
	struct mq_attr a;
	mq_getattr(q, &a);
	check(a.mq_curmsgs == 2, "mqueue: queue full while sender waits", "-");
	check(mq_receive(q, buf, 32, NULL) == 1 && buf[0] == '1',
	      "mqueue: receive makes room", "-");
	check(child_status(pid) == 0, "mqueue: blocked sender completes", "-");
	mq_receive(q, buf, 32, &prio);
	check(buf[0] == '3' && prio == 7, "mqueue: waited message first", "-");
	mq_receive(q, buf, 32, &prio);
	check(buf[0] == '2', "mqueue: then the older one", "-");
	mq_close(q);
	mq_unlink(name_of("block"));
}

static volatile sig_atomic_t got_usr2;

static void on_usr2(int sig)
{
	(void)sig;
	got_usr2++;
}

/* A receiver interrupted by a handled signal: EINTR, or with SA_RESTART
 * the receive goes on and gets the message sent after. */
static void interrupts(bool restart)
{
	mqd_t q = make(restart ? "restart" : "eintr", 2, 16);
	pid_t pid = fork_child();
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = on_usr2,
				       .sa_flags = restart ? SA_RESTART : 0};
		sigaction(SIGUSR2, &sa, NULL);
		char buf[16];
		ssize_t n = mq_receive(q, buf, 16, NULL);
		if (restart)
			_exit(n == 1 && got_usr2 == 1 ? 0 : 1);
		_exit(n == -1 && errno == EINTR && got_usr2 == 1 ? 0 : 1);
	}
	check(wait_sleeping(pid), "mqueue: receiver sleeps", "-");
	kill(pid, SIGUSR2);
	if (restart) {
		usleep(200000);
		wait_sleeping(pid);
		mq_send(q, "r", 1, 0);
	}
	check(child_status(pid) == 0,
	      restart ? "mqueue: SA_RESTART receive goes on"
		      : "mqueue: signal interrupts receive EINTR",
	      "-");
	mq_close(q);
	mq_unlink(name_of(restart ? "restart" : "eintr"));
}

/* SIGUSR1 pending within ms? Returns its siginfo in *si. */
static bool wait_usr1(int ms, siginfo_t *si)
{
	sigset_t set;
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000L};

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	return sigtimedwait(&set, si, &ts) == SIGUSR1;
}

static pid_t send_from_child(mqd_t q, const char *text)
{
	pid_t pid = fork_child();
	if (pid == 0)
		_exit(mq_send(q, text, strlen(text), 0) ? 1 : 0);
	return pid;
}

static void notifications(void)
{
	mqd_t q = make("notify", 4, 16);
	sigset_t set;
	siginfo_t si;
	char buf[16];

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL,
			       .sigev_signo = SIGUSR1,
			       .sigev_value.sival_int = 42};
	check_zero(mq_notify(q, &sev), "mqueue: notify register");
	check_errno(mq_notify(q, &sev), -1, EBUSY,
		    "mqueue: second registration EBUSY");
	pid_t pid = fork_child();
	if (pid == 0) /* not the owner: EBUSY; NULL is ignored */
		_exit(mq_notify(q, &sev) == -1 && errno == EBUSY &&
				      mq_notify(q, NULL) == 0
			      ? 0
			      : 1);
	check(child_status(pid) == 0, "mqueue: other process EBUSY", "-");
	pid = send_from_child(q, "n1");
	check(child_status(pid) == 0, "mqueue: child sends", "-");
	memset(&si, 0, sizeof(si));
	bool got = wait_usr1(10000, &si);
	check(got && si.si_code == SI_MESGQ && si.si_pid == pid &&
		      si.si_uid == getuid() && si.si_value.sival_int == 42,
	      "mqueue: SIGUSR1 with SI_MESGQ, sender pid, uid, value",
	      "got %d code %d pid %d/%d value %d", got, si.si_code, si.si_pid,
	      pid, si.si_value.sival_int);
	mq_receive(q, buf, 16, NULL);
	pid = send_from_child(q, "n2");
	child_status(pid);
	check(!wait_usr1(200, &si), "mqueue: notified only once", "-");
	mq_receive(q, buf, 16, NULL);

	/* only on empty -> non-empty */
	mq_send(q, "x", 1, 0);
	check_zero(mq_notify(q, &sev), "mqueue: register on non-empty");
	mq_send(q, "y", 1, 0);
	check(!wait_usr1(200, &si), "mqueue: no signal on non-empty", "-");
	mq_receive(q, buf, 16, NULL);
	mq_receive(q, buf, 16, NULL);
	mq_send(q, "z", 1, 0);
	check(wait_usr1(10000, &si) && si.si_pid == getpid(),
	      "mqueue: signal when it becomes non-empty", "-");
	mq_receive(q, buf, 16, NULL);

	/* unregister */
	check_zero(mq_notify(q, &sev), "mqueue: register again");
	check_zero(mq_notify(q, NULL), "mqueue: unregister");
	mq_send(q, "u", 1, 0);
	check(!wait_usr1(200, &si), "mqueue: no signal after unregister", "-");
	mq_receive(q, buf, 16, NULL);

	/* not sent while a receiver is blocked */
	check_zero(mq_notify(q, &sev), "mqueue: register with receiver");
	pid = fork_child();
	if (pid == 0)
		_exit(mq_receive(q, buf, 16, NULL) == 1 ? 0 : 1);
	check(wait_sleeping(pid), "mqueue: receiver waiting", "-");
	mq_send(q, "r", 1, 0);
	check(child_status(pid) == 0, "mqueue: receiver took it", "-");
	check(!wait_usr1(200, &si), "mqueue: no signal to a waited queue", "-");
	check_errno(mq_notify(q, &sev), -1, EBUSY, "mqueue: registration kept");
	check_zero(mq_notify(q, NULL), "mqueue: unregister again");

	/* SIGEV_NONE: registered, nothing sent, removed on arrival */
	struct sigevent none = {.sigev_notify = SIGEV_NONE};
	check_zero(mq_notify(q, &none), "mqueue: SIGEV_NONE register");
	check_errno(mq_notify(q, &sev), -1, EBUSY, "mqueue: SIGEV_NONE holds");
	mq_send(q, "s", 1, 0);
	check_zero(mq_notify(q, &sev), "mqueue: SIGEV_NONE used up");
	check(!wait_usr1(200, &si), "mqueue: SIGEV_NONE sends nothing", "-");
	mq_notify(q, NULL);
	mq_receive(q, buf, 16, NULL);

	/* the owner closing any descriptor of the queue unregisters */
	int d = dup(q);
	check_zero(mq_notify(q, &sev), "mqueue: register before close");
	close(d);
	pid = fork_child();
	if (pid == 0)
		_exit(mq_notify(q, &sev) == 0 ? 0 : 1);
	check(child_status(pid) == 0, "mqueue: close unregistered", "-");
	check_zero(mq_notify(q, &sev), "mqueue: owner's exit unregistered");
	mq_notify(q, NULL);

	/* the notification read through a signalfd */
	mq_notify(q, NULL);
	int sfd = signalfd(-1, &set, 0);
	check_zero(mq_notify(q, &sev), "mqueue: register for signalfd");
	pid = send_from_child(q, "sfd");
	child_status(pid);
	struct pollfd pfd = {.fd = sfd, .events = POLLIN};
	struct signalfd_siginfo ssi = {0};
	bool ready = poll(&pfd, 1, 10000) == 1 &&
		     read(sfd, &ssi, sizeof(ssi)) == sizeof(ssi);
	check(ready && ssi.ssi_signo == SIGUSR1 && ssi.ssi_code == SI_MESGQ &&
		      ssi.ssi_pid == (uint32_t)pid && ssi.ssi_int == 42,
	      "mqueue: signalfd gets SI_MESGQ, pid, value",
	      "ready %d code %d int %d", ready, ssi.ssi_code, ssi.ssi_int);
	close(sfd);
	mq_receive(q, buf, 16, NULL);

	struct sigevent bad = {.sigev_notify = 99};
	check_errno(mq_notify(q, &bad), -1, EINVAL,
		    "mqueue: bad sigev_notify EINVAL");
	bad = (struct sigevent){.sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = 65};
	check_errno(mq_notify(q, &bad), -1, EINVAL,
		    "mqueue: bad signal EINVAL");
	check_errno(mq_notify(0, NULL), -1, EBADF,
		    "mqueue: notify on stdin EBADF");
	mq_close(q);
	mq_unlink(name_of("notify"));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* read() of a queue: Linux's one status line, from the file position;
 * and the limits in /proc/sys/fs/mqueue. */
static void status_files(void)
{
	mqd_t q = make("read", 5, 100);
	char buf[200], want[200];
	ssize_t n = read(q, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	check(n == 60 && !strcmp(buf, "QSIZE:0          NOTIFY:0     SIGNO:0  "
				      "   NOTIFY_PID:0     \n"),
	      "mqueue: read status line", "%zd [%s]", n, buf);
	check(read(q, buf, sizeof(buf)) == 0, "mqueue: read again EOF", "-");
	mq_send(q, "hello", 5, 1);
	mq_send(q, "xy", 2, 2);
	struct sigevent se = {.sigev_notify = SIGEV_SIGNAL,
			      .sigev_signo = SIGUSR1};
	mq_notify(q, &se);
	check(lseek(q, 0, SEEK_SET) == 0, "mqueue: lseek", "-");
	n = read(q, buf, 10);
	n += read(q, buf + n, sizeof(buf) - 1 - n);
	buf[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want),
		 "QSIZE:%-10d NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n", 7, 0,
		 SIGUSR1, (int)getpid());
	check(!strcmp(buf, want), "mqueue: read with messages and notify",
	      "[%s]", buf);
	check_errno(write(q, "x", 1), -1, EINVAL, "mqueue: write EINVAL");
	mqd_t w = mq_open(name_of("read"), O_WRONLY);
	check_errno(read(w, buf, sizeof(buf)), -1, EBADF,
		    "mqueue: read on O_WRONLY EBADF");
	mq_close(w);
	mq_close(q);
	mq_unlink(name_of("read"));

	static const char *const files[][2] = {{"queues_max", "256\n"},
					       {"msg_max", "10\n"},
					       {"msgsize_max", "8192\n"},
					       {"msg_default", "10\n"},
					       {"msgsize_default", "8192\n"}};
	for (unsigned i = 0; i < 5; i++) {
		char path[80], what[100];
		snprintf(path, sizeof(path), "/proc/sys/fs/mqueue/%s",
			 files[i][0]);
		snprintf(what, sizeof(what), "mqueue: %s", path);
		FILE *f = fopen(path, "r");
		size_t got = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		buf[got] = 0;
		if (f)
			fclose(f);
		check(!strcmp(buf, files[i][1]), what, "[%s]", buf);
	}
}

int main(int argc, char **argv)
{
	/* after exec: argv[2] must be closed, argv[3] a queue */
	if (argc == 4 && !strcmp(argv[1], "fdcheck")) {
		struct mq_attr a;
		if (fcntl(atoi(argv[2]), F_GETFD) != -1 || errno != EBADF)
			return 1;
		return mq_getattr(atoi(argv[3]), &a) == 0 ? 0 : 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	names();
	attrs();
	messages();
	readiness();
	descriptors();
	permissions();
	blocking();
	interrupts(false);
	interrupts(true);
	notifications();
	status_files();
	guest_exit("mqueue");
}
