// SPDX-License-Identifier: MIT
/*
 * pipes: pipes, eventfd and timerfd. Pipe basics and errors, O_NONBLOCK
 * and the 64 KiB capacity, EOF and EPIPE (SIGPIPE ignored, and killing a
 * child by default), ping-pong and a 256 KiB write between threads,
 * PIPE_BUF atomicity under concurrent writers; eventfd counter and
 * semaphore modes; timerfd one-shot, interval, absolute and disarmed.
 * Threads never print; only facts that do not depend on timing are shown.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define MS 1000000LL

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * MS};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* write/read that must move exactly n bytes (results checked by caller) */
static bool put(int fd, const void *buf, size_t n)
{
	return write(fd, buf, n) == (ssize_t)n;
}

static bool get(int fd, void *buf, size_t n)
{
	return read(fd, buf, n) == (ssize_t)n;
}

static void test_basics(void)
{
	int p[2], n = -1;
	char buf[16] = {0};
	struct stat st;

	check_zero(pipe(p), "pipe: create");
	check(put(p[1], "hello", 5), "pipe: write 5 bytes", "errno %d", errno);
	check(ioctl(p[0], FIONREAD, &n) == 0 && n == 5, "pipe: FIONREAD 5",
	      "got %d", n);
	check(read(p[0], buf, sizeof(buf)) == 5 && !strcmp(buf, "hello"),
	      "pipe: read them back", "got '%s'", buf);
	check(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), "pipe: S_IFIFO",
	      "mode %o", st.st_mode);
	check_errno(write(p[0], "x", 1), -1, EBADF, "pipe: write read end");
	check_errno(read(p[1], buf, 1), -1, EBADF, "pipe: read write end");
	check_errno(lseek(p[0], 0, SEEK_SET), -1, ESPIPE, "pipe: lseek");
	check(write(p[1], buf, 0) == 0, "pipe: empty write", "errno %d", errno);
	close(p[0]);
	close(p[1]);
	check_errno(pipe2(p, 0x12345678), -1, EINVAL, "pipe2: bad flags");
	check_zero(pipe2(p, O_CLOEXEC), "pipe2: O_CLOEXEC");
	check(fcntl(p[0], F_GETFD) == FD_CLOEXEC, "pipe2: close-on-exec set",
	      "F_GETFD %d", fcntl(p[0], F_GETFD));
	close(p[0]);
	close(p[1]);
}

static void test_nonblock(void)
{
	static char big[8192];
	int p[2];
	char c;
	long total = 0;
	ssize_t k;

	check_zero(pipe2(p, O_NONBLOCK), "nonblock: pipe2");
	check(fcntl(p[0], F_GETFL) & O_NONBLOCK, "nonblock: F_GETFL",
	      "flags %x", fcntl(p[0], F_GETFL));
	check_errno(read(p[0], &c, 1), -1, EAGAIN, "nonblock: empty read");
	while ((k = write(p[1], big, 4096)) > 0)
		total += k;
	check_errno(k, -1, EAGAIN, "nonblock: write to a full pipe");
	check(total == 65536, "nonblock: capacity 65536", "took %ld", total);
	struct pollfd pf = {p[1], POLLOUT, 0};
	check(poll(&pf, 1, 0) == 0, "nonblock: full pipe not writable",
	      "revents %x", pf.revents);
	check_errno(write(p[1], big, 1), -1, EAGAIN, "nonblock: 1 more byte");
	check(get(p[0], big, 4096), "nonblock: read a page", "errno %d", errno);
	check(poll(&pf, 1, 0) == 1 && pf.revents == POLLOUT,
	      "nonblock: writable again", "revents %x", pf.revents);
	check(write(p[1], big, 8192) == 4096, "nonblock: partial write 4096",
	      "errno %d", errno);
	/* O_NONBLOCK belongs to the open file: a dup shares it */
	int d = dup(p[0]);
	check_zero(fcntl(p[0], F_SETFL, 0), "nonblock: F_SETFL clears");
	check(!(fcntl(d, F_GETFL) & O_NONBLOCK), "nonblock: dup shares it",
	      "still set");
	check(fcntl(p[1], F_GETFL) & O_NONBLOCK, "nonblock: other end keeps it",
	      "cleared");
	close(d);
	close(p[0]);
	close(p[1]);
}

static void test_eof_epipe(void)
{
	int p[2], status = 0;
	char c;

	check_zero(pipe(p), "eof: pipe");
	check(put(p[1], "ab", 2), "eof: write", "errno %d", errno);
	close(p[1]);
	struct pollfd pf = {p[0], POLLIN, 0};
	check(poll(&pf, 1, 0) == 1 && pf.revents == (POLLIN | POLLHUP),
	      "eof: POLLIN|POLLHUP with data left", "revents %x", pf.revents);
	check(get(p[0], &c, 1) && get(p[0], &c, 1), "eof: data first",
	      "errno %d", errno);
	check(read(p[0], &c, 1) == 0, "eof: then EOF", "errno %d", errno);
	check(poll(&pf, 1, 0) == 1 && pf.revents == POLLHUP, "eof: POLLHUP",
	      "revents %x", pf.revents);
	close(p[0]);

	signal(SIGPIPE, SIG_IGN);
	check_zero(pipe(p), "epipe: pipe");
	close(p[0]);
	check_errno(write(p[1], "x", 1), -1, EPIPE, "epipe: EPIPE");
	pf = (struct pollfd){p[1], POLLOUT, 0};
	check(poll(&pf, 1, 0) == 1 && pf.revents == (POLLOUT | POLLERR),
	      "epipe: POLLOUT|POLLERR", "revents %x", pf.revents);
	close(p[1]);

	/* with the default action, SIGPIPE kills the writer */
	signal(SIGPIPE, SIG_DFL);
	check_zero(pipe(p), "epipe: pipe");
	close(p[0]);
	pid_t pid = fork();
	if (pid == 0)
		_exit(write(p[1], "x", 1) == 1);
	close(p[1]);
	check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
		      WTERMSIG(status) == SIGPIPE,
	      "epipe: SIGPIPE kills by default", "status %x", status);
	signal(SIGPIPE, SIG_IGN);
}

struct pingpong {
	int to_peer[2], from_peer[2];
	int rounds;
};

static void *echo_thread(void *arg)
{
	struct pingpong *pp = arg;
	int v;

	for (int i = 0; i < pp->rounds; i++) {
		if (!get(pp->to_peer[0], &v, sizeof(v)))
			break;
		v++;
		if (!put(pp->from_peer[1], &v, sizeof(v)))
			break;
	}
	return NULL;
}

static void test_pingpong(void)
{
	struct pingpong pp = {.rounds = 2000};
	pthread_t t;
	long sum = 0;
	bool ok = true;

	check(!pipe(pp.to_peer) && !pipe(pp.from_peer), "pingpong: pipes",
	      "errno %d", errno);
	pthread_create(&t, NULL, echo_thread, &pp);
	for (int i = 0; i < pp.rounds && ok; i++) {
		int v = i;
		ok = put(pp.to_peer[1], &v, sizeof(v)) &&
		     get(pp.from_peer[0], &v, sizeof(v));
		sum += v;
	}
	pthread_join(t, NULL);
	check(ok && sum == 2001000,
	      "pingpong: 2000 round trips between threads", "sum %ld", sum);
	for (int i = 0; i < 2; i++) {
		close(pp.to_peer[i]);
		close(pp.from_peer[i]);
	}
}

#define BIG (256 * 1024)

static unsigned char pattern(long i)
{
	return (unsigned char)(i * 7 + i / 251);
}

static void *big_writer(void *arg)
{
	int fd = *(int *)arg;
	unsigned char *buf = malloc(BIG);

	for (long i = 0; i < BIG; i++)
		buf[i] = pattern(i);
	ssize_t n = write(fd, buf, BIG); /* one call, 4x the capacity */
	free(buf);
	return (void *)n;
}

static void test_big_write(void)
{
	int p[2];
	pthread_t t;
	void *ret;
	long got = 0, bad = 0;
	unsigned char buf[5000];

	check_zero(pipe(p), "big: pipe");
	pthread_create(&t, NULL, big_writer, &p[1]);
	while (got < BIG) {
		ssize_t k = read(p[0], buf, sizeof(buf));
		if (k <= 0)
			break;
		for (ssize_t i = 0; i < k; i++, got++)
			bad += buf[i] != pattern(got);
	}
	pthread_join(t, &ret);
	check((long)ret == BIG && got == BIG && !bad,
	      "big: one 256 KiB write arrives whole",
	      "wrote %ld read %ld bad %ld", (long)ret, got, bad);
	close(p[0]);
	close(p[1]);
}

#define WRITERS 4
#define BLOCKS	64

struct block_arg {
	int fd;
	int id;
	bool vectored; /* writev of four 1 KiB pieces instead of one write */
};

static void *block_writer(void *arg)
{
	struct block_arg *a = arg;
	char block[4096];
	struct iovec iov[4];

	memset(block, 'a' + a->id, sizeof(block));
	for (int i = 0; i < 4; i++)
		iov[i] = (struct iovec){block + i * 1024, 1024};
	for (int i = 0; i < BLOCKS; i++)
		if (a->vectored ? writev(a->fd, iov, 4) != sizeof(block)
				: !put(a->fd, block, sizeof(block)))
			break;
	return NULL;
}

/* Reads up to n bytes into buf, through readv of two halves if vectored. */
static ssize_t get_some(int fd, char *buf, size_t n, bool vectored)
{
	struct iovec iov[2] = {{buf, n / 2}, {buf + n / 2, n - n / 2}};

	return vectored ? readv(fd, iov, 2) : read(fd, buf, n);
}

/*
 * Writes of PIPE_BUF bytes from several threads never interleave, whether
 * made by write or by writev of several pieces (one atomic write on Linux).
 */
static void test_atomic(bool vectored)
{
	int p[2], counts[WRITERS] = {0}, torn = 0;
	pthread_t t[WRITERS];
	struct block_arg args[WRITERS];
	char block[4096];

	check_zero(pipe(p), "atomic: pipe");
	for (int i = 0; i < WRITERS; i++) {
		args[i] = (struct block_arg){p[1], i, vectored};
		pthread_create(&t[i], NULL, block_writer, &args[i]);
	}
	for (int b = 0; b < WRITERS * BLOCKS; b++) {
		size_t got = 0;
		while (got < sizeof(block)) {
			ssize_t k = get_some(p[0], block + got,
					     sizeof(block) - got, vectored);
			if (k <= 0)
				break;
			got += k;
		}
		for (size_t i = 1; i < sizeof(block); i++)
			torn += block[i] != block[0];
		if (block[0] >= 'a' && block[0] < 'a' + WRITERS)
			counts[block[0] - 'a']++;
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	bool all = true;
	for (int i = 0; i < WRITERS; i++)
		all &= counts[i] == BLOCKS;
	check(!torn && all,
	      vectored ? "atomic: 4 writers x 64 PIPE_BUF writevs, none torn"
		       : "atomic: 4 writers x 64 PIPE_BUF blocks, none torn",
	      "torn %d, blocks %d %d %d %d", torn, counts[0], counts[1],
	      counts[2], counts[3]);
	close(p[0]);
	close(p[1]);
}

static void *delayed_close(void *arg)
{
	sleep_ms(30);
	close(*(int *)arg);
	return NULL;
}

static void test_eof_wakes_reader(void)
{
	int p[2];
	pthread_t t;
	char c;

	check_zero(pipe(p), "eof: pipe");
	pthread_create(&t, NULL, delayed_close, &p[1]);
	check(read(p[0], &c, 1) == 0, "eof: a blocked reader sees EOF",
	      "errno %d", errno);
	pthread_join(t, NULL);
	close(p[0]);
}

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

struct restart_arg {
	int fd;
	ssize_t ret;
	char c;
};

static void *restart_reader(void *arg)
{
	struct restart_arg *a = arg;

	a->ret = read(a->fd, &a->c, 1);
	return NULL;
}

/* A blocked pipe read interrupted by an SA_RESTART handler goes on. */
static void test_restart(void)
{
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	struct restart_arg a = {0};
	pthread_t t;
	int p[2];

	sigaction(SIGUSR1, &sa, NULL);
	check_zero(pipe(p), "restart: pipe");
	a.fd = p[0];
	pthread_create(&t, NULL, restart_reader, &a);
	sleep_ms(30);
	pthread_kill(t, SIGUSR1);
	sleep_ms(30);
	check(put(p[1], "z", 1), "restart: write", "errno %d", errno);
	pthread_join(t, NULL);
	check(a.ret == 1 && a.c == 'z' && handled == 1,
	      "restart: read restarted after the handler", "ret %zd handled %d",
	      a.ret, (int)handled);
	signal(SIGUSR1, SIG_DFL);
	close(p[0]);
	close(p[1]);
}

static void *delayed_add(void *arg)
{
	uint64_t v = 5;

	sleep_ms(30);
	if (!put(*(int *)arg, &v, sizeof(v)))
		return (void *)1;
	return NULL;
}

static void test_eventfd(void)
{
	uint64_t v = 0;
	int e = eventfd(0, EFD_NONBLOCK);
	pthread_t t;

	check(e >= 0, "eventfd: create", "errno %d", errno);
	check_errno(read(e, &v, 8), -1, EAGAIN, "eventfd: empty");
	v = 3;
	check(put(e, &v, 8), "eventfd: add 3", "errno %d", errno);
	v = 4;
	check(put(e, &v, 8), "eventfd: add 4", "errno %d", errno);
	check_errno(read(e, &v, 4), -1, EINVAL, "eventfd: 4-byte read");
	check(get(e, &v, 8) && v == 7, "eventfd: read 7", "got %llu",
	      (unsigned long long)v);
	v = ~0ULL;
	check_errno(write(e, &v, 8), -1, EINVAL, "eventfd: add ~0");
	v = 0xfffffffffffffffeULL;
	check(put(e, &v, 8), "eventfd: add the maximum", "errno %d", errno);
	struct pollfd pf = {e, POLLIN | POLLOUT, 0};
	check(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN,
	      "eventfd: full: readable, not writable", "revents %x",
	      pf.revents);
	v = 1;
	check_errno(write(e, &v, 8), -1, EAGAIN, "eventfd: overflow");
	check(get(e, &v, 8) && v == 0xfffffffffffffffeULL,
	      "eventfd: maximum back", "got %llx", (unsigned long long)v);
	close(e);

	e = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	check(e >= 0 && fcntl(e, F_GETFD) == FD_CLOEXEC, "eventfd: EFD_CLOEXEC",
	      "errno %d", errno);
	int ones = 0;
	while (get(e, &v, 8) && v == 1)
		ones++;
	check(ones == 3 && errno == EAGAIN, "eventfd: semaphore gives 3 ones",
	      "%d, errno %d", ones, errno);
	close(e);

	check_errno(eventfd(0, 0x40), -1, EINVAL, "eventfd: bad flags");
	e = eventfd(0, 0);
	pthread_create(&t, NULL, delayed_add, &e);
	check(get(e, &v, 8) && v == 5, "eventfd: blocking read woken",
	      "got %llu", (unsigned long long)v);
	pthread_join(t, NULL);
	close(e);
}

static int set_timer(int fd, int flags, int64_t value, int64_t interval)
{
	struct itimerspec its = {{interval / 1000000000, interval % 1000000000},
				 {value / 1000000000, value % 1000000000}};

	return timerfd_settime(fd, flags, &its, NULL);
}

static void test_timerfd_basics(void)
{
	uint64_t v = 0;
	struct itimerspec its, old;
	int t = timerfd_create(CLOCK_MONOTONIC, 0);

	check(t >= 0, "timerfd: create", "errno %d", errno);
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	check_zero(set_timer(t, 0, 50 * MS, 0), "timerfd: arm 50 ms");
	check(get(t, &v, 8) && v == 1, "timerfd: one-shot fires once",
	      "got %llu", (unsigned long long)v);
	int64_t el = now_ns(CLOCK_MONOTONIC) - t0;
	check(el >= 50 * MS, "timerfd: not early", "after %lld ns",
	      (long long)el);

	check_zero(set_timer(t, 0, 10 * MS, 10 * MS),
		   "timerfd: 10 ms interval");
	sleep_ms(105);
	check(get(t, &v, 8) && v >= 3, "timerfd: expirations >= 3 in 105 ms",
	      "got %llu", (unsigned long long)v);
	check(get(t, &v, 8) && v >= 1, "timerfd: and it goes on", "got %llu",
	      (unsigned long long)v);

	check_zero(set_timer(t, 0, 1000 * MS, 250 * MS), "timerfd: rearm 1 s");
	check(timerfd_gettime(t, &its) == 0 && its.it_value.tv_sec == 0 &&
		      its.it_value.tv_nsec > 0 &&
		      its.it_interval.tv_nsec == 250 * MS,
	      "timerfd: gettime", "%ld.%09ld", (long)its.it_value.tv_sec,
	      its.it_value.tv_nsec);
	memset(&its, 0, sizeof(its));
	check(timerfd_settime(t, 0, &its, &old) == 0 &&
		      old.it_interval.tv_nsec == 250 * MS &&
		      old.it_value.tv_nsec > 0,
	      "timerfd: disarm returns the old value", "errno %d", errno);
	check(timerfd_gettime(t, &its) == 0 && !its.it_value.tv_sec &&
		      !its.it_value.tv_nsec,
	      "timerfd: disarmed", "%ld.%09ld", (long)its.it_value.tv_sec,
	      its.it_value.tv_nsec);
	close(t);
}

static void test_timerfd_abs(void)
{
	uint64_t v = 0;
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	check_errno(read(t, &v, 8), -1, EAGAIN, "timerfd: nonblocking");
	check_errno(read(t, &v, 4), -1, EINVAL, "timerfd: 4-byte read");
	check_zero(set_timer(t, TFD_TIMER_ABSTIME,
			     now_ns(CLOCK_MONOTONIC) + 30 * MS, 0),
		   "timerfd: absolute");
	struct pollfd pf = {t, POLLIN, 0};
	check(poll(&pf, 1, -1) == 1 && pf.revents == POLLIN,
	      "timerfd: poll wakes", "revents %x", pf.revents);
	check(get(t, &v, 8) && v == 1, "timerfd: absolute fired once",
	      "got %llu", (unsigned long long)v);
	/* an absolute time in the past counts the missed intervals */
	check_zero(set_timer(t, TFD_TIMER_ABSTIME,
			     now_ns(CLOCK_MONOTONIC) - 50 * MS, 10 * MS),
		   "timerfd: absolute in the past");
	check(get(t, &v, 8) && v >= 5, "timerfd: overruns counted", "got %llu",
	      (unsigned long long)v);
	close(t);

	t = timerfd_create(CLOCK_REALTIME, 0);
	check_zero(set_timer(t, TFD_TIMER_ABSTIME,
			     now_ns(CLOCK_REALTIME) + 20 * MS, 0),
		   "timerfd: realtime absolute");
	check(get(t, &v, 8) && v == 1, "timerfd: realtime fired", "got %llu",
	      (unsigned long long)v);
	close(t);
	t = timerfd_create(CLOCK_BOOTTIME, 0);
	check(t >= 0, "timerfd: CLOCK_BOOTTIME", "errno %d", errno);
	close(t);
}

static void test_timerfd_errors(void)
{
	struct itimerspec its = {{0, 0}, {0, 1000000000}};
	int t = timerfd_create(CLOCK_MONOTONIC, 0), e = eventfd(0, 0);

	check_errno(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), -1, EINVAL,
		    "timerfd: bad clock");
	check_errno(timerfd_create(CLOCK_MONOTONIC, 0x40), -1, EINVAL,
		    "timerfd: bad create flags");
	check_errno(timerfd_settime(t, 0, &its, NULL), -1, EINVAL,
		    "timerfd: nsec out of range");
	its.it_value.tv_nsec = 0;
	check_errno(timerfd_settime(t, 0x10, &its, NULL), -1, EINVAL,
		    "timerfd: bad settime flags");
	check_errno(timerfd_settime(t + 100, 0, &its, NULL), -1, EBADF,
		    "timerfd: bad fd");
	check_errno(timerfd_settime(e, 0, &its, NULL), -1, EINVAL,
		    "timerfd: not a timerfd");
	close(e);
	close(t);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_basics();
	test_nonblock();
	test_eof_epipe();
	test_pingpong();
	test_big_write();
	test_atomic(false);
	test_atomic(true);
	test_eof_wakes_reader();
	test_restart();
	test_eventfd();
	test_timerfd_basics();
	test_timerfd_abs();
	test_timerfd_errors();
	guest_exit("pipes");
}
