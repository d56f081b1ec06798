// SPDX-License-Identifier: MIT
/*
 * epoll: epoll, poll, ppoll, select and pselect6. epoll_ctl errors as
 * Linux gives them, level/edge/one-shot items and ERTS's re-arm and
 * disarm by EPOLL_CTL_MOD, items living as long as their open file,
 * nested epoll, eventfd and timerfd in a set, many threads asleep on one
 * epoll fd, timeouts that are neither early nor spinning, and poll/select
 * readiness. Threads never print; only facts independent of timing show.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "guest.h"

#define MS 1000000LL

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * MS};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static bool put(int fd, const void *buf, size_t n)
{
	return write(fd, buf, n) == (ssize_t)n;
}

static bool get(int fd, void *buf, size_t n)
{
	return read(fd, buf, n) == (ssize_t)n;
}

static int ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};

	return epoll_ctl(ep, op, fd, &ev);
}

/* epoll_wait without waiting: the number of events, the first in *ev. */
static int peek(int ep, struct epoll_event *ev)
{
	struct epoll_event tmp[8];
	int n = epoll_wait(ep, tmp, 8, 0);

	if (n > 0 && ev)
		*ev = tmp[0];
	return n;
}

/* A regular file: the program itself (argv[0] in the image, else proc). */
static int open_self(const char *argv0)
{
	int fd = open(argv0, O_RDONLY);

	return fd >= 0 ? fd : open("/proc/self/exe", O_RDONLY);
}

static void test_create_errors(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);

	check(ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC,
	      "create: EPOLL_CLOEXEC", "errno %d", errno);
	close(ep);
	/* the raw syscall: musl's epoll_create ignores the size */
	check_errno(syscall(SYS_epoll_create, 0), -1, EINVAL, "create: size 0");
	check_errno(epoll_create1(1), -1, EINVAL, "create: bad flags");
}

static void test_ctl_errors(const char *argv0)
{
	int p[2], ep = epoll_create(1), ep2 = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};

	check(ep >= 0 && ep2 >= 0 && !pipe(p), "ctl: setup", "errno %d", errno);
	check_zero(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1), "ctl: add");
	check_errno(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1), -1, EEXIST,
		    "ctl: add twice");
	check_errno(ctl(ep, EPOLL_CTL_MOD, p[1], EPOLLOUT, 1), -1, ENOENT,
		    "ctl: mod unknown");
	check_errno(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), -1, ENOENT,
		    "ctl: del unknown");
	check_errno(ctl(ep, EPOLL_CTL_ADD, 999, EPOLLIN, 1), -1, EBADF,
		    "ctl: bad fd");
	check_errno(ctl(999, EPOLL_CTL_ADD, p[0], EPOLLIN, 1), -1, EBADF,
		    "ctl: bad epoll fd");
	check_errno(ctl(p[1], EPOLL_CTL_ADD, p[0], EPOLLIN, 1), -1, EINVAL,
		    "ctl: not an epoll fd");
	check_errno(ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 1), -1, EINVAL,
		    "ctl: add to itself");
	check_errno(ctl(ep, 7, p[0], EPOLLIN, 1), -1, EINVAL, "ctl: bad op");
	int opath = open("/", O_PATH);
	check_errno(ctl(ep, EPOLL_CTL_ADD, opath, EPOLLIN, 1), -1, EBADF,
		    "ctl: an O_PATH fd");
	close(opath);
	check_zero(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLEXCLUSIVE, 1),
		   "ctl: EPOLLEXCLUSIVE accepted");
	check_errno(ctl(ep, EPOLL_CTL_MOD, p[1], EPOLLOUT, 1), -1, EINVAL,
		    "ctl: mod of an exclusive item");
	check_errno(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 1),
		    -1, EINVAL, "ctl: mod with EPOLLEXCLUSIVE");
	check_errno(ctl(ep2, EPOLL_CTL_ADD, p[0],
			EPOLLIN | EPOLLONESHOT | EPOLLEXCLUSIVE, 1),
		    -1, EINVAL, "ctl: exclusive one-shot");
	int f = open_self(argv0);
	check(f >= 0, "ctl: open a regular file", "errno %d", errno);
	check_errno(ctl(ep, EPOLL_CTL_ADD, f, EPOLLIN, 1), -1, EPERM,
		    "ctl: regular file");
	close(f);
	check_zero(ctl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN, 1), "ctl: nest");
	check_errno(ctl(ep2, EPOLL_CTL_ADD, ep, EPOLLIN, 1), -1, ELOOP,
		    "ctl: loop");
	check_errno(epoll_wait(ep, &ev, 0, 0), -1, EINVAL, "wait: maxevents 0");
	check_errno(epoll_wait(p[0], &ev, 1, 0), -1, EINVAL, "wait: on a pipe");
	struct epoll_event *volatile null_events = NULL;
	check_errno(epoll_wait(ep, null_events, 1, 0), -1, EFAULT,
		    "wait: NULL events");
	close(p[0]);
	close(p[1]);
	close(ep);
	close(ep2);
}

/* Level-triggered, edge-triggered and one-shot items on a pipe. */
static void test_triggers(void)
{
	int p[2], ep = epoll_create(1);
	struct epoll_event ev = {0};
	char buf[8];

	check(ep >= 0 && !pipe(p), "lt: setup", "errno %d", errno);
	check_zero(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0x1234567890ULL),
		   "lt: add");
	check(peek(ep, NULL) == 0, "lt: nothing yet", "event");
	check(put(p[1], "a", 1), "lt: write", "errno %d", errno);
	check(peek(ep, &ev) == 1 && ev.events == EPOLLIN &&
		      ev.data.u64 == 0x1234567890ULL,
	      "lt: EPOLLIN with its data", "events %x", ev.events);
	check(peek(ep, NULL) == 1, "lt: stays ready", "gone");
	check(get(p[0], buf, 1) && peek(ep, NULL) == 0, "lt: drained",
	      "still ready");

	check_zero(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 2),
		   "et: mod");
	check(put(p[1], "b", 1) && peek(ep, &ev) == 1 && ev.data.u64 == 2,
	      "et: edge", "no event");
	check(peek(ep, NULL) == 0, "et: reported once", "again");
	check(put(p[1], "c", 1) && peek(ep, NULL) == 1,
	      "et: every write is an edge", "no event");
	check(peek(ep, NULL) == 0, "et: once more", "again");
	check(get(p[0], buf, 2), "et: read", "errno %d", errno);

	check_zero(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 3),
		   "oneshot: mod");
	check(put(p[1], "d", 1) && peek(ep, &ev) == 1 && ev.data.u64 == 3,
	      "oneshot: fires", "no event");
	check(peek(ep, NULL) == 0, "oneshot: then disabled", "again");
	check(put(p[1], "e", 1) && peek(ep, NULL) == 0,
	      "oneshot: stays disabled", "event");
	check_zero(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 4),
		   "oneshot: re-arm");
	check(peek(ep, &ev) == 1 && ev.data.u64 == 4,
	      "oneshot: re-armed with data waiting", "no event");
	/* what ERTS does: a MOD with no events disarms */
	check_zero(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLONESHOT, 5),
		   "oneshot: mod without events");
	check(put(p[1], "f", 1) && peek(ep, NULL) == 0, "oneshot: disarmed",
	      "event");
	check_zero(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 6), "lt: again");
	check(peek(ep, NULL) == 1, "lt: the data was waiting", "no event");
	check(get(p[0], buf, 3), "lt: read", "errno %d", errno);

	check_zero(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 7), "out: add");
	check(peek(ep, &ev) == 1 && ev.events == EPOLLOUT && ev.data.u64 == 7,
	      "out: write end writable", "events %x", ev.events);
	check_zero(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), "out: del");
	check(peek(ep, NULL) == 0, "out: deleted", "event");
	/* hang-up is reported even when not asked for */
	check_zero(ctl(ep, EPOLL_CTL_MOD, p[0], 0, 8), "hup: mod to no events");
	close(p[1]);
	check(peek(ep, &ev) == 1 && ev.events == EPOLLHUP,
	      "hup: EPOLLHUP anyway", "events %x", ev.events);
	close(p[0]);
	close(ep);
}

/* Edge-triggered EPOLLOUT: an edge only when a full pipe gets room. */
static void test_et_out(void)
{
	static char buf[4096];
	int p[2], ep = epoll_create1(0), fills = 0;
	struct epoll_event ev = {0};

	check(ep >= 0 && !pipe2(p, O_NONBLOCK), "et-out: setup", "errno %d",
	      errno);
	check_zero(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLET, 41),
		   "et-out: add");
	check(peek(ep, &ev) == 1 && ev.events == EPOLLOUT,
	      "et-out: writable at first", "events %x", ev.events);
	while (put(p[1], buf, sizeof(buf)))
		fills++;
	check(fills == 16 && peek(ep, NULL) == 0, "et-out: no edge while full",
	      "%d pages", fills);
	check(get(p[0], buf, 1) && peek(ep, NULL) == 0,
	      "et-out: 1 byte read: still full", "event");
	check(get(p[0], buf, 4095) && peek(ep, &ev) == 1 &&
		      ev.events == EPOLLOUT,
	      "et-out: a page read: edge", "events %x", ev.events);
	check(get(p[0], buf, 100) && peek(ep, NULL) == 0,
	      "et-out: more room is no new edge", "event");
	close(p[0]);
	check(peek(ep, &ev) == 1 && ev.events == (EPOLLOUT | EPOLLERR),
	      "et-out: reader gone: EPOLLERR", "events %x", ev.events);
	close(p[1]);
	close(ep);
}

/* An item lives as long as its open file, not its fd. */
static void test_close(void)
{
	int p[2], q[2], ep = epoll_create1(0);
	struct epoll_event ev = {0};

	check(ep >= 0 && !pipe(p), "close: setup", "errno %d", errno);
	check_zero(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 11), "close: add");
	int d = dup(p[0]);
	close(p[0]);
	check(put(p[1], "x", 1) && peek(ep, &ev) == 1 && ev.data.u64 == 11,
	      "close: a dup keeps the item", "no event");
	check_errno(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), -1, EBADF,
		    "close: del of the closed fd");
	close(d); /* the last reference: the item goes */
	check(peek(ep, NULL) == 0, "close: removed with the file", "event");
	check(!pipe(q) && q[0] == p[0], "close: fd number reused", "got %d",
	      q[0]);
	check_zero(ctl(ep, EPOLL_CTL_ADD, q[0], EPOLLIN, 12),
		   "close: add the new file");
	check(put(q[1], "y", 1) && peek(ep, &ev) == 1 && ev.data.u64 == 12,
	      "close: new item", "no event");
	close(q[0]);
	close(q[1]);
	close(p[1]);
	close(ep);
}

static void test_nested(void)
{
	int p[2], inner = epoll_create1(0), outer = epoll_create1(0);
	struct epoll_event ev = {0};
	char c;

	check(inner >= 0 && outer >= 0 && !pipe(p), "nested: setup", "errno %d",
	      errno);
	check_zero(ctl(inner, EPOLL_CTL_ADD, p[0], EPOLLIN, 21),
		   "nested: inner add");
	check_zero(ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, 22),
		   "nested: outer add");
	check(peek(outer, NULL) == 0, "nested: idle", "event");
	struct pollfd pf = {inner, POLLIN, 0};
	check(poll(&pf, 1, 0) == 0, "nested: poll of idle epoll fd", "ready");
	check(put(p[1], "x", 1) && peek(outer, &ev) == 1 && ev.data.u64 == 22 &&
		      ev.events == EPOLLIN,
	      "nested: outer sees inner", "events %x", ev.events);
	check(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN,
	      "nested: poll of ready epoll fd", "revents %x", pf.revents);
	check(peek(inner, &ev) == 1 && ev.data.u64 == 21, "nested: inner event",
	      "none");
	check(get(p[0], &c, 1) && peek(outer, NULL) == 0,
	      "nested: outer idle after drain", "event");
	close(p[0]);
	close(p[1]);
	close(outer);
	close(inner);
}

static void test_fd_kinds(void)
{
	int ep = epoll_create1(0), e = eventfd(0, EFD_NONBLOCK);
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct epoll_event ev = {0};
	uint64_t v = 1;
	bool ok = true;

	check_zero(ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, 31),
		   "kinds: add eventfd");
	check_zero(ctl(ep, EPOLL_CTL_ADD, t, EPOLLIN, 32),
		   "kinds: add timerfd");
	check(put(e, &v, 8) && peek(ep, &ev) == 1 && ev.data.u64 == 31,
	      "kinds: eventfd", "no event");
	check(put(e, &v, 8) && peek(ep, &ev) == 1 && ev.data.u64 == 31,
	      "kinds: eventfd edge", "no event");
	check(get(e, &v, 8) && v == 2, "kinds: eventfd count", "%llu",
	      (unsigned long long)v);
	/* ERTS: a timerfd in the set, set before each wait */
	for (int i = 0; i < 3; i++) {
		struct itimerspec its = {{0, 0}, {0, 20 * MS}};
		int64_t t0 = now_ns(CLOCK_MONOTONIC);
		timerfd_settime(t, 0, &its, NULL);
		ok &= epoll_wait(ep, &ev, 1, -1) == 1 && ev.data.u64 == 32;
		ok &= now_ns(CLOCK_MONOTONIC) - t0 >= 20 * MS;
		ok &= get(t, &v, 8) && v == 1;
	}
	check(ok, "kinds: timerfd wakes epoll_wait, not early, 3 times",
	      "failed");
	check(peek(ep, NULL) == 0, "kinds: idle", "event");
	close(e);
	close(t);
	close(ep);
}

#define NTHREADS 4

struct waiters {
	int ep;
	int fds[NTHREADS];
	int handled[NTHREADS]; /* by pipe */
	pthread_mutex_t lock;
};

static void *epoll_waiter(void *arg)
{
	struct waiters *w = arg;
	struct epoll_event ev;
	char c;

	if (epoll_wait(w->ep, &ev, 1, -1) != 1)
		return NULL;
	int i = (int)ev.data.u64;
	if (get(w->fds[i], &c, 1)) {
		pthread_mutex_lock(&w->lock);
		w->handled[i]++;
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

/* Many threads asleep in epoll_wait on one epoll fd, woken by writes. */
static void test_many_waiters(void)
{
	struct waiters w = {.ep = epoll_create1(0)};
	pthread_t t[NTHREADS];
	int wr[NTHREADS], once = 0;

	pthread_mutex_init(&w.lock, NULL);
	for (int i = 0; i < NTHREADS; i++) {
		int p[2];
		check(!pipe(p), "waiters: pipe", "errno %d", errno);
		w.fds[i] = p[0];
		wr[i] = p[1];
		ctl(w.ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLONESHOT, i);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, epoll_waiter, &w);
	sleep_ms(50);
	for (int i = 0; i < NTHREADS; i++)
		once += put(wr[i], "x", 1);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < NTHREADS; i++) {
		once += w.handled[i] == 1;
		close(w.fds[i]);
		close(wr[i]);
	}
	check(once == 2 * NTHREADS,
	      "waiters: 4 threads asleep on one epoll fd, each pipe once", "%d",
	      once);
	close(w.ep);
}

/* A wait with nothing to wait for: not early, and really asleep. */
static void check_sleep(const char *what, int rc, int64_t t0, int64_t c0,
			int64_t ns)
{
	int64_t el = now_ns(CLOCK_MONOTONIC) - t0;
	int64_t cpu = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;

	check(rc == 0 && el >= ns && cpu < el / 2, what,
	      "rc %d after %lld ns, cpu %lld ns", rc, (long long)el,
	      (long long)cpu);
}

#define START()                                                                \
	int64_t t0 = now_ns(CLOCK_MONOTONIC),                                  \
		c0 = now_ns(CLOCK_THREAD_CPUTIME_ID)

static void test_epoll_timeouts(int fd, sigset_t *mask)
{
	int ep = epoll_create1(0);
	struct epoll_event ev;
	sigset_t cur;

	ctl(ep, EPOLL_CTL_ADD, fd, EPOLLIN, 1);
	{
		START();
		check_sleep("timeout: epoll_wait 60 ms",
			    epoll_wait(ep, &ev, 1, 60), t0, c0, 60 * MS);
	}
	{
		START();
		check_sleep("timeout: epoll_pwait 40 ms",
			    epoll_pwait(ep, &ev, 1, 40, mask), t0, c0, 40 * MS);
	}
	sigprocmask(SIG_BLOCK, NULL, &cur);
	check(!sigismember(&cur, SIGUSR1), "timeout: epoll_pwait mask restored",
	      "still blocked");
	{
		struct timespec ts = {0, 30 * MS};
		START();
		int rc = syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8);
		check_sleep("timeout: epoll_pwait2 30 ms", rc, t0, c0, 30 * MS);
	}
	close(ep);
}

static void test_poll_timeouts(int fd, sigset_t *mask)
{
	struct pollfd pf = {fd, POLLIN, 0};
	sigset_t cur;
	fd_set rd;

	{
		START();
		check_sleep("timeout: poll 50 ms", poll(&pf, 1, 50), t0, c0,
			    50 * MS);
	}
	{
		struct timespec ts = {0, 30 * MS};
		START();
		check_sleep("timeout: ppoll 30 ms", ppoll(&pf, 1, &ts, mask),
			    t0, c0, 30 * MS);
	}
	{
		START();
		check_sleep("timeout: poll of no fds 20 ms", poll(NULL, 0, 20),
			    t0, c0, 20 * MS);
	}
	{
		struct timeval tv = {0, 40000};
		FD_ZERO(&rd);
		FD_SET(fd, &rd);
		START();
		check_sleep("timeout: select 40 ms",
			    select(fd + 1, &rd, NULL, NULL, &tv), t0, c0,
			    40 * MS);
		check(!FD_ISSET(fd, &rd), "timeout: select cleared the set",
		      "still set");
	}
	{
		struct timespec ts = {0, 30 * MS};
		FD_ZERO(&rd);
		FD_SET(fd, &rd);
		START();
		check_sleep("timeout: pselect 30 ms",
			    pselect(fd + 1, &rd, NULL, NULL, &ts, mask), t0, c0,
			    30 * MS);
	}
	sigprocmask(SIG_BLOCK, NULL, &cur);
	check(!sigismember(&cur, SIGUSR1),
	      "timeout: ppoll/pselect mask restored", "still blocked");
}

static void *delayed_write(void *arg)
{
	sleep_ms(30);
	if (!put(*(int *)arg, "w", 1))
		return (void *)1;
	return NULL;
}

static void test_poll(void)
{
	int p[2];
	char c;
	pthread_t t;

	check_zero(pipe(p), "poll: pipe");
	struct pollfd pf[4] = {{p[0], POLLIN, 0},
			       {p[1], POLLOUT, 0},
			       {-1, POLLIN, 0x55},
			       {999, POLLIN, 0}};
	check(poll(pf, 4, 0) == 2 && pf[0].revents == 0 &&
		      pf[1].revents == POLLOUT && pf[2].revents == 0 &&
		      pf[3].revents == POLLNVAL,
	      "poll: POLLOUT, POLLNVAL, negative fd ignored",
	      "revents %x %x %x %x", pf[0].revents, pf[1].revents,
	      pf[2].revents, pf[3].revents);
	pthread_create(&t, NULL, delayed_write, &p[1]);
	check(poll(pf, 1, -1) == 1 && pf[0].revents == POLLIN,
	      "poll: woken by a write", "revents %x", pf[0].revents);
	pthread_join(t, NULL);
	check(get(p[0], &c, 1), "poll: read", "errno %d", errno);
	close(p[1]);
	check(poll(pf, 1, 0) == 1 && pf[0].revents == POLLHUP, "poll: POLLHUP",
	      "revents %x", pf[0].revents);
	close(p[0]);
}

static void test_select(void)
{
	int p[2], e = eventfd(0, 0);
	struct timeval tv = {0, 0};
	pthread_t t;
	uint64_t v = 1;
	fd_set rd, wr, ex;
	char c;

	check_zero(pipe(p), "select: pipe");
	int bad = dup(p[0]);
	close(bad);
	int maxfd = (p[1] > e ? p[1] : e) + 1;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	FD_SET(p[0], &rd);
	FD_SET(e, &rd);
	FD_SET(p[1], &wr);
	FD_SET(p[0], &ex);
	check(select(maxfd, &rd, &wr, &ex, &tv) == 1 && !FD_ISSET(p[0], &rd) &&
		      !FD_ISSET(e, &rd) && FD_ISSET(p[1], &wr) &&
		      !FD_ISSET(p[0], &ex),
	      "select: only the write end is ready", "wrong sets");
	pthread_create(&t, NULL, delayed_write, &p[1]);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	FD_SET(e, &rd);
	check(select(maxfd, &rd, NULL, NULL, NULL) == 1 &&
		      FD_ISSET(p[0], &rd) && !FD_ISSET(e, &rd),
	      "select: woken by a write", "wrong set");
	pthread_join(t, NULL);
	check(get(p[0], &c, 1) && put(e, &v, 8), "select: read, add",
	      "errno %d", errno);
	FD_ZERO(&rd);
	FD_SET(e, &rd);
	check(select(e + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(e, &rd),
	      "select: eventfd readable", "not ready");
	FD_ZERO(&rd);
	FD_SET(bad, &rd);
	check_errno(select(bad + 1, &rd, NULL, NULL, &tv), -1, EBADF,
		    "select: closed fd");
	check_errno(select(-1, NULL, NULL, NULL, &tv), -1, EINVAL,
		    "select: negative nfds");
	tv.tv_usec = -1;
	check_errno(select(0, NULL, NULL, NULL, &tv), -1, EINVAL,
		    "select: negative timeout");
	close(p[0]);
	close(p[1]);
	close(e);
}

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

struct sigwait_arg {
	int kind; /* 0 epoll_pwait, 1 ppoll, 2 pselect */
	int fd, ep;
	int ret, err;
	bool blocked_after;
};

/* With SIGUSR1 blocked, wait with a mask that lets it in: whenever the
 * signal comes, the wait ends in EINTR (never restarted, even with
 * SA_RESTART) and the old mask is back afterwards. */
static void *sig_waiter(void *arg)
{
	struct sigwait_arg *a = arg;
	sigset_t block, open, cur;
	struct epoll_event ev;
	struct pollfd pf = {a->fd, POLLIN, 0};
	fd_set rd;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	pthread_sigmask(SIG_BLOCK, NULL, &open);
	sigdelset(&open, SIGUSR1);
	FD_ZERO(&rd);
	FD_SET(a->fd, &rd);
	if (a->kind == 0)
		a->ret = epoll_pwait(a->ep, &ev, 1, -1, &open);
	else if (a->kind == 1)
		a->ret = ppoll(&pf, 1, NULL, &open);
	else
		a->ret = pselect(a->fd + 1, &rd, NULL, NULL, NULL, &open);
	a->err = errno;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	a->blocked_after = sigismember(&cur, SIGUSR1);
	return NULL;
}

static void test_signals(void)
{
	static const char *const names[] = {"epoll_pwait", "ppoll", "pselect"};
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	int p[2], ep = epoll_create1(0);
	char what[64];

	sigaction(SIGUSR1, &sa, NULL);
	check(ep >= 0 && !pipe(p), "signal: setup", "errno %d", errno);
	ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1);
	for (int kind = 0; kind < 3; kind++) {
		struct sigwait_arg a = {.kind = kind, .fd = p[0], .ep = ep};
		pthread_t t;
		int before = handled;
		sigset_t block, old;

		/* blocked from birth, so an early signal stays pending */
		sigemptyset(&block);
		sigaddset(&block, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &block, &old);
		pthread_create(&t, NULL, sig_waiter, &a);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		sleep_ms(30);
		pthread_kill(t, SIGUSR1);
		pthread_join(t, NULL);
		snprintf(what, sizeof(what),
			 "signal: %s EINTR despite SA_RESTART, mask back",
			 names[kind]);
		check(a.ret == -1 && a.err == EINTR && handled == before + 1 &&
			      a.blocked_after,
		      what, "ret %d errno %d handled %d blocked %d", a.ret,
		      a.err, handled - before, a.blocked_after);
	}
	signal(SIGUSR1, SIG_DFL);
	close(p[0]);
	close(p[1]);
	close(ep);
}

int main(int argc, char **argv)
{
	int p[2];
	sigset_t mask;

	(void)argc;
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);
	test_create_errors();
	test_ctl_errors(argv[0]);
	test_triggers();
	test_et_out();
	test_close();
	test_nested();
	test_fd_kinds();
	test_many_waiters();
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	check_zero(pipe(p), "timeout: pipe");
	test_epoll_timeouts(p[0], &mask);
	test_poll_timeouts(p[0], &mask);
	close(p[0]);
	close(p[1]);
	test_poll();
	test_select();
	test_signals();
	guest_exit("epoll");
}
