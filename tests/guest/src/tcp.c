// SPDX-License-Identifier: MIT
/*
 * TCP over loopback, as ERTS and ordinary servers use it: a large echo
 * with checksums, blocking and non-blocking connect and accept,
 * ECONNREFUSED, many threads blocked in accept on one listener, half-
 * close, RST on close with unread data and with SO_LINGER {1,0}, SO_ERROR,
 * the option get/set pairs ERTS reads and writes back (PRIORITY, TOS,
 * TTL...), EPIPE and SIGPIPE, FIONREAD, MSG_PEEK, names, EADDRINUSE, and
 * poll masks per state. Same output on Linux and on Kiln.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "guest.h"

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return a;
}

/* A listener on 127.0.0.1 at an ephemeral port; its port into *port. */
static int listener(int backlog, uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		check(false, "listener", "errno %d", errno);
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_to(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(port);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		check(false, "connect", "errno %d", errno);
		exit(1);
	}
	return fd;
}

static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

#define BIG (4 * 1024 * 1024 + 123)

struct echo_arg {
	int fd;
	uint32_t sum;
	size_t n;
};

/* Echo everything back until EOF, summing what passed. */
static void *echo_server(void *p)
{
	struct echo_arg *a = p;
	static uint8_t buf[70000];
	ssize_t n;

	a->sum = 2166136261u;
	while ((n = read(a->fd, buf, sizeof(buf))) > 0) {
		a->sum = fnv(a->sum, buf, n);
		a->n += n;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(a->fd, buf + off, n - off);
			if (w <= 0)
				return NULL;
			off += w;
		}
	}
	shutdown(a->fd, SHUT_WR);
	return NULL;
}

struct sender_arg {
	int fd;
	uint32_t sum;
};

static void *sender(void *p)
{
	struct sender_arg *a = p;
	uint8_t *buf = malloc(BIG);
	uint32_t x = 12345;

	for (size_t i = 0; i < BIG; i++) {
		x = x * 1103515245 + 12345;
		buf[i] = x >> 16;
	}
	a->sum = fnv(2166136261u, buf, BIG);
	for (size_t off = 0; off < BIG;) {
		/* uneven writes, through writev with an empty first entry */
		size_t chunk = MIN(BIG - off, 1000 + off % 50000);
		struct iovec iov[2] = {{NULL, 0}, {buf + off, chunk}};
		ssize_t w = writev(a->fd, iov, 2);
		if (w <= 0)
			break;
		off += w;
	}
	shutdown(a->fd, SHUT_WR);
	free(buf);
	return NULL;
}

static void test_echo(void)
{
	uint16_t port;
	int l = listener(5, &port);
	int c = connect_to(port);
	struct echo_arg ea = {.fd = accept(l, NULL, NULL)};
	struct sender_arg sa = {.fd = c};
	pthread_t t1, t2;
	static uint8_t buf[65536];
	uint32_t back = 2166136261u;
	size_t got = 0;
	ssize_t n;

	check(ea.fd >= 0, "tcp: accept", "errno %d", errno);
	pthread_create(&t1, NULL, echo_server, &ea);
	pthread_create(&t2, NULL, sender, &sa);
	while ((n = read(c, buf, sizeof(buf))) > 0) {
		back = fnv(back, buf, n);
		got += n;
	}
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	check(ea.n == BIG && got == BIG, "tcp: 4 MiB echoed whole",
	      "server %zu back %zu", ea.n, got);
	check(ea.sum == sa.sum && back == sa.sum, "tcp: echo checksums match",
	      "sent %x server %x back %x", sa.sum, ea.sum, back);
	close(c);
	close(ea.fd);
	close(l);
}

/* Write a->n pseudo-random bytes in one call per 64 KiB, then close. */
static void *streamer(void *p)
{
	struct echo_arg *a = p;
	static uint8_t buf[65536];
	uint32_t x = 777;

	a->sum = 2166136261u;
	for (size_t off = 0; off < a->n;) {
		size_t chunk = MIN(a->n - off, sizeof(buf));
		for (size_t i = 0; i < chunk; i++) {
			x = x * 1103515245 + 12345;
			buf[i] = x >> 16;
		}
		a->sum = fnv(a->sum, buf, chunk);
		for (size_t w = 0; w < chunk;) {
			ssize_t k = write(a->fd, buf + w, chunk - w);
			if (k <= 0)
				return NULL;
			w += k;
		}
		off += chunk;
	}
	close(a->fd);
	return NULL;
}

/*
 * A reader that only ever takes a few bytes at a time and never writes:
 * the receive window it gives back must keep up (more than twice the
 * window passes), or the sender stalls for good.
 */
static void test_small_reads(void)
{
	uint16_t port;
	int l = listener(5, &port);
	int c = connect_to(port);
	struct echo_arg sa = {.fd = accept(l, NULL, NULL), .n = 640 * 1024};
	pthread_t t;
	uint8_t buf[211];
	uint32_t sum = 2166136261u;
	size_t got = 0, want = 1;
	ssize_t n;

	check(sa.fd >= 0, "tcp: small reads: accept", "errno %d", errno);
	pthread_create(&t, NULL, streamer, &sa);
	while ((n = read(c, buf, want)) > 0) {
		sum = fnv(sum, buf, n);
		got += n;
		want = want % sizeof(buf) + 1;
	}
	pthread_join(t, NULL);
	check(got == sa.n && sum == sa.sum,
	      "tcp: 640 KiB read a few bytes at a time, whole",
	      "got %zu of %zu, sum %x vs %x", got, sa.n, sum, sa.sum);
	close(c);
	close(l);
}

static void test_names_and_refused(void)
{
	uint16_t port;
	int l = listener(5, &port);
	int c = connect_to(port);
	int s = accept(l, NULL, NULL);
	struct sockaddr_in a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);

	getsockname(c, (struct sockaddr *)&a, &la);
	getpeername(s, (struct sockaddr *)&b, &lb);
	check(la == 16 && lb == 16 && a.sin_port == b.sin_port &&
		      a.sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
		      b.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "tcp: getsockname of client is getpeername of server",
	      "%x:%d vs %x:%d", a.sin_addr.s_addr, a.sin_port,
	      b.sin_addr.s_addr, b.sin_port);
	getpeername(c, (struct sockaddr *)&a, &la);
	check(ntohs(a.sin_port) == port, "tcp: getpeername port", "%d",
	      ntohs(a.sin_port));

	int u = socket(AF_INET, SOCK_STREAM, 0);
	check_errno(getpeername(u, (struct sockaddr *)&a, &la), -1, ENOTCONN,
		    "tcp: getpeername unconnected ENOTCONN");
	socklen_t bad_len = (socklen_t)-1;
	check_errno(getsockname(u, (struct sockaddr *)&a, &bad_len), -1, EINVAL,
		    "tcp: getsockname with a length of -1 EINVAL");
	char ch;
	check_errno(recv(u, &ch, 1, 0), -1, ENOTCONN,
		    "tcp: recv unconnected ENOTCONN");
	/* sending is EPIPE, as Linux's sk_stream_wait_connect (and SIGPIPE
	 * without MSG_NOSIGNAL) */
	check_errno(send(u, "x", 1, MSG_NOSIGNAL), -1, EPIPE,
		    "tcp: send unconnected EPIPE");
	check_errno(recv(u, &ch, 1, MSG_ERRQUEUE), -1, EAGAIN,
		    "tcp: recv MSG_ERRQUEUE: an empty error queue");
	int optv = 1;
	check_errno(setsockopt(u, 500, 1, &optv, sizeof optv), -1, ENOPROTOOPT,
		    "tcp: setsockopt at an unknown level ENOPROTOOPT");
	check_errno(setsockopt(u, IPPROTO_UDP, 1, &optv, sizeof optv), -1,
		    ENOPROTOOPT, "tcp: setsockopt at IPPROTO_UDP ENOPROTOOPT");
	int usk = socket(AF_UNIX, SOCK_STREAM, 0);
	check_errno(
		setsockopt(usk, IPPROTO_TCP, TCP_NODELAY, &optv, sizeof optv),
		-1, EOPNOTSUPP, "tcp: TCP_NODELAY on AF_UNIX EOPNOTSUPP");
	close(usk);
	struct sockaddr_in dup = loopback(port);
	check_errno(bind(u, (struct sockaddr *)&dup, sizeof(dup)), -1,
		    EADDRINUSE, "tcp: bind to a listening port EADDRINUSE");
	int one = 1;
	setsockopt(u, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	check_errno(bind(u, (struct sockaddr *)&dup, sizeof(dup)), -1,
		    EADDRINUSE, "tcp: even with SO_REUSEADDR");
	close(u);
	close(l); /* nothing listens on port now */
	u = socket(AF_INET, SOCK_STREAM, 0);
	check_errno(connect(u, (struct sockaddr *)&dup, sizeof(dup)), -1,
		    ECONNREFUSED, "tcp: connect to a closed port ECONNREFUSED");
	close(u);
	u = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in far = {.sin_family = AF_INET,
				  .sin_addr.s_addr = inet_addr("192.0.2.1")};
	check_errno(bind(u, (struct sockaddr *)&far, sizeof(far)), -1,
		    EADDRNOTAVAIL, "tcp: bind a foreign address EADDRNOTAVAIL");
	struct sockaddr_in6 six = {.sin6_family = AF_INET6};
	check_errno(bind(u, (struct sockaddr *)&six, sizeof(six)), -1,
		    EAFNOSUPPORT, "tcp: bind an AF_INET6 address EAFNOSUPPORT");
	check_errno(bind(u, (struct sockaddr *)&far, 8), -1, EINVAL,
		    "tcp: bind a short address EINVAL");
	close(u);
	close(c);
	close(s);
}

static void test_nonblocking(void)
{
	uint16_t port;
	int l = listener(5, &port);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = loopback(port);
	int err = -1;
	socklen_t el = sizeof(err);

	fcntl(l, F_SETFL, O_NONBLOCK);
	check_errno(accept(l, NULL, NULL), -1, EAGAIN,
		    "tcp: non-blocking accept with none pending EAGAIN");
	int r = connect(c, (struct sockaddr *)&a, sizeof(a));
	check(r == 0 || errno == EINPROGRESS,
	      "tcp: non-blocking connect 0 or EINPROGRESS", "%d errno %d", r,
	      errno);
	struct pollfd pfd = {.fd = c, .events = POLLOUT};
	r = poll(&pfd, 1, 5000);
	check(r == 1 && (pfd.revents & POLLOUT),
	      "tcp: connect completes (POLLOUT)", "poll %d revents %x", r,
	      pfd.revents);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
	check(err == 0, "tcp: SO_ERROR 0 after connect", "%d", err);
	pfd = (struct pollfd){.fd = l, .events = POLLIN};
	r = poll(&pfd, 1, 5000);
	check(r == 1 && pfd.revents == POLLIN, "tcp: listener polls POLLIN",
	      "%d %x", r, pfd.revents);
	int s = accept(l, NULL, NULL);
	check(s >= 0, "tcp: non-blocking accept", "errno %d", errno);
	int fl = fcntl(s, F_GETFL);
	check(!(fl & O_NONBLOCK), "tcp: accepted socket is blocking (accept)",
	      "flags %x", fl);
	char buf[16];
	fcntl(s, F_SETFL, O_NONBLOCK);
	check_errno(read(s, buf, sizeof(buf)), -1, EAGAIN,
		    "tcp: non-blocking read with no data EAGAIN");
	close(s);
	close(c);

	/* refused, non-blocking: POLLERR, then SO_ERROR once */
	close(l);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	if (r < 0 && errno == EINPROGRESS) {
		pfd = (struct pollfd){.fd = c, .events = POLLOUT};
		poll(&pfd, 1, 5000);
		err = -1;
		getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
		check(err == ECONNREFUSED && (pfd.revents & POLLERR),
		      "tcp: refused non-blocking connect: POLLERR, SO_ERROR",
		      "err %d revents %x", err, pfd.revents);
		err = -1;
		getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
		check(err == 0, "tcp: SO_ERROR reads once", "%d", err);
	} else {
		check(r < 0 && errno == ECONNREFUSED,
		      "tcp: refused non-blocking connect: POLLERR, SO_ERROR",
		      "connect %d errno %d", r, errno);
		check(true, "tcp: SO_ERROR reads once", " ");
	}
	close(c);
}

struct acc_arg {
	int l;
	int got;
};

static void *acceptor(void *p)
{
	struct acc_arg *a = p;
	int s = accept(a->l, NULL, NULL);
	char ch;

	if (s >= 0) {
		if (read(s, &ch, 1) == 1)
			a->got = ch;
		close(s);
	}
	return NULL;
}

/* Many threads blocked in accept: each connection goes to exactly one. */
static void test_many_acceptors(void)
{
	enum { N = 8 };
	uint16_t port;
	int l = listener(64, &port);
	struct acc_arg args[N];
	pthread_t t[N];
	int seen = 0;

	for (int i = 0; i < N; i++) {
		args[i] = (struct acc_arg){.l = l};
		pthread_create(&t[i], NULL, acceptor, &args[i]);
	}
	usleep(100000);
	for (int i = 0; i < N; i++) {
		int c = connect_to(port);
		char ch = 'a' + i;
		if (write(c, &ch, 1) != 1)
			check(false, "tcp: write", "errno %d", errno);
		close(c);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		if (args[i].got >= 'a' && args[i].got < 'a' + N)
			seen |= 1 << (args[i].got - 'a');
	}
	check(seen == (1 << N) - 1,
	      "tcp: 8 acceptors got 8 distinct connections", "mask %x", seen);
	close(l);
}

static void test_half_close_and_eof(void)
{
	uint16_t port;
	int l = listener(5, &port);
	int c = connect_to(port);
	int s = accept(l, NULL, NULL);
	char buf[64];

	shutdown(c, SHUT_WR);
	check(read(s, buf, sizeof(buf)) == 0, "tcp: EOF after peer SHUT_WR",
	      " ");
	struct pollfd pfd = {.fd = s, .events = POLLIN | POLLOUT | POLLRDHUP};
	poll(&pfd, 1, 1000);
	check(pfd.revents == (POLLIN | POLLOUT | POLLRDHUP),
	      "tcp: poll after peer FIN: IN|OUT|RDHUP", "%x", pfd.revents);
	check(write(s, "reply", 5) == 5, "tcp: write after peer half-close",
	      " ");
	ssize_t n = read(c, buf, sizeof(buf));
	check(n == 5 && !memcmp(buf, "reply", 5),
	      "tcp: half-closed end still reads", "%zd", n);
	check_errno(write(c, "x", 1), -1, EPIPE,
		    "tcp: write after SHUT_WR EPIPE");
	close(s);
	check(read(c, buf, sizeof(buf)) == 0, "tcp: EOF after peer close", " ");
	close(c);
	close(l);
}

/*
 * The server closes first, so it keeps the connection in TIME-WAIT; the
 * client then connects again from the same port. Linux takes the new SYN
 * (its sequence number is beyond the old connection's, RFC 6191): the
 * connect completes at once, not after TIME-WAIT's 60 s.
 */
static void test_time_wait_reuse(void)
{
	uint16_t port;
	int l = listener(5, &port), one = 1;
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	char buf[8];

	int c = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	check_zero(bind(c, (struct sockaddr *)&a, sizeof(a)),
		   "tcp: time-wait: bind the client");
	getsockname(c, (struct sockaddr *)&a, &len);
	struct sockaddr_in srv = loopback(port);
	check_zero(connect(c, (struct sockaddr *)&srv, sizeof(srv)),
		   "tcp: time-wait: first connect");
	int s = accept(l, NULL, NULL);
	close(s); /* the server closes first: TIME-WAIT on its side */
	check(read(c, buf, sizeof(buf)) == 0, "tcp: time-wait: client sees EOF",
	      " ");
	close(c);
	usleep(100000); /* the last ACK */

	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	check_zero(bind(c, (struct sockaddr *)&a, sizeof(a)),
		   "tcp: time-wait: bind the same client port again");
	int r = connect(c, (struct sockaddr *)&srv, sizeof(srv));
	check(r == 0 || errno == EINPROGRESS, "tcp: time-wait: second connect",
	      "errno %d", errno);
	struct pollfd pfd = {.fd = c, .events = POLLOUT};
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	int n = poll(&pfd, 1, 10000);
	int err = -1;
	socklen_t elen = sizeof(err);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &elen);
	int64_t ms = (now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
	check(n == 1 && err == 0 && ms < 5000,
	      "tcp: time-wait: the same ports connect again at once",
	      "poll %d, SO_ERROR %d, %lld ms", n, err, (long long)ms);
	s = accept(l, NULL, NULL);
	check(s >= 0 && write(c, "again", 5) == 5 && read(s, buf, 5) == 5 &&
		      !memcmp(buf, "again", 5),
	      "tcp: time-wait: the new connection carries data", " ");
	close(s);
	close(c);
	close(l);
}

static volatile sig_atomic_t got_pipe;

static void on_pipe(int sig)
{
	(void)sig;
	got_pipe = 1;
}

static void test_rst(void)
{
	uint16_t port;
	int l = listener(5, &port);
	int c = connect_to(port);
	int s = accept(l, NULL, NULL);
	char buf[64];

	/* close with unread data sends RST */
	if (write(c, "unread", 6) != 6)
		check(false, "tcp: write", "errno %d", errno);
	usleep(50000);
	close(s);
	usleep(50000);
	ssize_t n = read(c, buf, sizeof(buf));
	check(n == -1 && errno == ECONNRESET,
	      "tcp: close with unread data resets the peer", "%zd errno %d", n,
	      errno);
	check(read(c, buf, sizeof(buf)) == 0, "tcp: read after reset is EOF",
	      " ");
	signal(SIGPIPE, on_pipe);
	n = write(c, "x", 1);
	check(n == -1 && errno == EPIPE && got_pipe,
	      "tcp: write after reset EPIPE and SIGPIPE",
	      "%zd errno %d pipe %d", n, errno, (int)got_pipe);
	close(c);

	/* SO_LINGER {1, 0} */
	c = connect_to(port);
	s = accept(l, NULL, NULL);
	struct linger lg = {1, 0};
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
	usleep(50000);
	n = read(c, buf, sizeof(buf));
	check(n == -1 && errno == ECONNRESET, "tcp: linger {1,0} close resets",
	      "%zd errno %d", n, errno);
	struct pollfd pfd = {.fd = c, .events = POLLIN | POLLOUT};
	poll(&pfd, 1, 0);
	check(pfd.revents & POLLHUP, "tcp: reset socket polls POLLHUP", "%x",
	      pfd.revents);
	close(c);
	signal(SIGPIPE, SIG_IGN);
	got_pipe = 0;
	c = connect_to(port);
	s = accept(l, NULL, NULL);
	close(s);
	usleep(50000);
	n = write(c, "a", 1); /* answered with RST: the peer is gone */
	usleep(50000);
	n = send(c, "b", 1, MSG_NOSIGNAL);
	check(n == -1 && (errno == EPIPE || errno == ECONNRESET) && !got_pipe,
	      "tcp: MSG_NOSIGNAL write to a closed peer fails, no SIGPIPE",
	      "%zd errno %d", n, errno);
	close(c);
	close(l);
}

static void test_peek_fionread(void)
{
	uint16_t port;
	int l = listener(5, &port);
	int c = connect_to(port);
	int s = accept(l, NULL, NULL);
	char buf[64];
	int avail = -1;

	if (write(c, "hello world", 11) != 11)
		check(false, "tcp: write", "errno %d", errno);
	usleep(50000);
	ioctl(s, FIONREAD, &avail);
	check(avail == 11, "tcp: FIONREAD", "%d", avail);
	ssize_t n = recv(s, buf, 5, MSG_PEEK);
	check(n == 5 && !memcmp(buf, "hello", 5), "tcp: MSG_PEEK", "%zd", n);
	n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
	check(n == 11 && !memcmp(buf, "hello world", 11),
	      "tcp: data still there after peek", "%zd", n);
	check_errno(recv(s, buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN,
		    "tcp: MSG_DONTWAIT on empty EAGAIN");
	if (write(c, "abcdef", 6) != 6)
		check(false, "tcp: write", "errno %d", errno);
	n = recv(s, buf, 6, MSG_WAITALL);
	check(n == 6 && !memcmp(buf, "abcdef", 6), "tcp: MSG_WAITALL", "%zd",
	      n);
	close(c);
	close(s);
	close(l);
}

static void test_options(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int v;
	socklen_t len = sizeof(v);
	struct {
		int level, name, set, expect;
		const char *what;
	} opts[] = {
		{SOL_SOCKET, SO_PRIORITY, 3, 3, "SO_PRIORITY"},
		{IPPROTO_IP, IP_TOS, 0x10, 0x10, "IP_TOS"},
		{IPPROTO_IP, IP_TTL, 33, 33, "IP_TTL"},
		{IPPROTO_IP, IP_RECVTOS, 1, 1, "IP_RECVTOS"},
		{IPPROTO_IP, IP_RECVTTL, 1, 1, "IP_RECVTTL"},
		{SOL_SOCKET, SO_KEEPALIVE, 1, 1, "SO_KEEPALIVE"},
		{SOL_SOCKET, SO_REUSEADDR, 1, 1, "SO_REUSEADDR"},
		{IPPROTO_TCP, TCP_NODELAY, 1, 1, "TCP_NODELAY"},
		{IPPROTO_TCP, TCP_CORK, 1, 1, "TCP_CORK"},
		{IPPROTO_TCP, TCP_KEEPIDLE, 60, 60, "TCP_KEEPIDLE"},
		{IPPROTO_TCP, TCP_KEEPINTVL, 5, 5, "TCP_KEEPINTVL"},
		{IPPROTO_TCP, TCP_KEEPCNT, 4, 4, "TCP_KEEPCNT"},
		{SOL_SOCKET, SO_SNDBUF, 65536, 131072, "SO_SNDBUF"},
		{SOL_SOCKET, SO_RCVBUF, 65536, 131072, "SO_RCVBUF"},
		{IPPROTO_IP, IP_RECVERR, 1, 1, "IP_RECVERR"},
	};
	char what[64];

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		int r1, r2;
		v = -1;
		len = sizeof(v);
		r1 = getsockopt(fd, opts[i].level, opts[i].name, &v, &len);
		snprintf(what, sizeof(what), "tcp: %s get then set back",
			 opts[i].what);
		r2 = setsockopt(fd, opts[i].level, opts[i].name, &v, len);
		check(r1 == 0 && r2 == 0, what, "get %d set %d errno %d", r1,
		      r2, errno);
		v = opts[i].set;
		setsockopt(fd, opts[i].level, opts[i].name, &v, sizeof(v));
		v = -1;
		len = sizeof(v);
		getsockopt(fd, opts[i].level, opts[i].name, &v, &len);
		snprintf(what, sizeof(what), "tcp: %s stored", opts[i].what);
		check(v == opts[i].expect, what, "%d", v);
	}
	struct linger lg = {1, 7};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	memset(&lg, 0, sizeof(lg));
	len = sizeof(lg);
	getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len);
	check(lg.l_onoff == 1 && lg.l_linger == 7, "tcp: SO_LINGER stored",
	      "%d %d", lg.l_onoff, lg.l_linger);
	len = sizeof(v);
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len);
	check(v == SOCK_STREAM, "tcp: SO_TYPE", "%d", v);
	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len);
	check(v == AF_INET, "tcp: SO_DOMAIN", "%d", v);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len);
	check(v == IPPROTO_TCP, "tcp: SO_PROTOCOL", "%d", v);
	check_errno(getsockopt(fd, IPPROTO_TCP, 9999, &v, &len), -1,
		    ENOPROTOOPT, "tcp: unknown option ENOPROTOOPT");
	close(fd);

	/* an accepted socket inherits the listener's options */
	uint16_t port;
	int l = listener(5, &port);
	v = 1;
	setsockopt(l, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v));
	setsockopt(l, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v));
	int c = connect_to(port);
	int s = accept(l, NULL, NULL);
	int nd = 0, ka = 0;
	len = sizeof(v);
	getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &nd, &len);
	getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &ka, &len);
	check(nd == 1 && ka == 1, "tcp: accepted socket inherits options",
	      "nodelay %d keepalive %d", nd, ka);
	getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
	check(v == 1, "tcp: SO_ACCEPTCONN on listener", "%d", v);
	close(c);
	close(s);
	close(l);
}

/* IP_PKTOPTIONS as getsockopt returns it: the count of control messages,
 * their IP_TOS and IP_TTL values (-1 when absent), or -errno. */
static int pktoptions(int fd, int *tos, int *ttl)
{
	union {
		unsigned char b[256];
		struct cmsghdr align;
	} u;
	socklen_t len = sizeof(u.b);
	struct msghdr m = {.msg_control = u.b};
	int n = 0;

	*tos = *ttl = -1;
	if (getsockopt(fd, IPPROTO_IP, IP_PKTOPTIONS, u.b, &len))
		return -errno;
	m.msg_controllen = len;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		int v = 0;
		size_t dlen = c->cmsg_len - CMSG_LEN(0);
		memcpy(&v, CMSG_DATA(c), dlen < sizeof(v) ? dlen : sizeof(v));
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS)
			*tos = v;
		else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL)
			*ttl = v;
		n++;
	}
	return n;
}

/* gen_tcp's pktoptions: an accepted connection reports the TOS and TTL
 * its handshake came with, for the IP_RECV* options it inherited. */
static void test_pktoptions(void)
{
	uint16_t port;
	int l = listener(1, &port), one = 1, tos = 96, ttl = 33, t1, t2, n;
	int c = socket(AF_INET, SOCK_STREAM, 0), u, s, mc = -1;
	struct sockaddr_in a = loopback(port);
	socklen_t ml = sizeof(mc);
	unsigned char buf[64];

	setsockopt(l, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one));
	setsockopt(l, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
	setsockopt(c, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	setsockopt(c, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	if (connect(c, (struct sockaddr *)&a, sizeof(a)))
		check(false, "tcp: connect with IP_TOS", "errno %d", errno);
	s = accept(l, NULL, NULL);
	n = pktoptions(s, &t1, &t2);
	check(n == 2 && t1 == 96 && t2 == 33,
	      "tcp: IP_PKTOPTIONS of an accepted connection: the handshake's "
	      "TOS and TTL",
	      "n %d tos %d ttl %d", n, t1, t2);
	getsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, &mc, &ml);
	check(mc == 33,
	      "tcp: an accepted connection's IP_MULTICAST_TTL is the "
	      "handshake's TTL",
	      "%d", mc);
	n = pktoptions(c, &t1, &t2);
	check(n == 0, "tcp: IP_PKTOPTIONS with no IP_RECV* option: empty", "%d",
	      n);
	setsockopt(c, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
	n = pktoptions(c, &t1, &t2);
	check(n == 1 && t2 == 1,
	      "tcp: IP_PKTOPTIONS of the connecting side: its multicast TTL",
	      "n %d ttl %d", n, t2);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	ml = sizeof(buf);
	check_errno(getsockopt(u, IPPROTO_IP, IP_PKTOPTIONS, buf, &ml), -1,
		    ENOPROTOOPT, "udp: IP_PKTOPTIONS ENOPROTOOPT");
	close(u);
	close(s);
	close(c);
	close(l);
}

static void test_poll_states(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLOUT};

	poll(&pfd, 1, 0);
	check(pfd.revents == (POLLOUT | POLLHUP),
	      "tcp: fresh socket polls OUT|HUP", "%x", pfd.revents);
	close(fd);

	uint16_t port;
	int l = listener(5, &port);
	int c = connect_to(port);
	int s = accept(l, NULL, NULL);
	pfd = (struct pollfd){.fd = s, .events = POLLIN | POLLOUT};
	poll(&pfd, 1, 0);
	check(pfd.revents == POLLOUT, "tcp: idle connection polls OUT", "%x",
	      pfd.revents);

	/* epoll: ONESHOT re-armed with MOD, and the fd in a second set */
	int ep = epoll_create(16), ep2 = epoll_create(16);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT,
				 .data.fd = s};
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	ev.events = EPOLLIN;
	epoll_ctl(ep2, EPOLL_CTL_ADD, s, &ev);
	if (write(c, "x", 1) != 1)
		check(false, "tcp: write", "errno %d", errno);
	struct epoll_event out;
	int n1 = epoll_wait(ep, &out, 1, 2000);
	int n2 = epoll_wait(ep, &out, 1, 0);
	int n3 = epoll_wait(ep2, &out, 1, 0);
	check(n1 == 1 && n2 == 0 && n3 == 1,
	      "tcp: epoll ONESHOT fires once, level set still sees it",
	      "%d %d %d", n1, n2, n3);
	ev.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev);
	n1 = epoll_wait(ep, &out, 1, 0);
	check(n1 == 1, "tcp: MOD re-arms ONESHOT", "%d", n1);
	char ch;
	if (read(s, &ch, 1) != 1)
		check(false, "tcp: read", "errno %d", errno);
	ev.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev);
	n1 = epoll_wait(ep, &out, 1, 0);
	check(n1 == 0, "tcp: drained socket not ready", "%d", n1);
	close(s); /* close drops it from both sets */
	n1 = epoll_wait(ep, &out, 1, 0);
	n2 = epoll_wait(ep2, &out, 1, 0);
	check(n1 == 0 && n2 == 0, "tcp: close removes the fd from every set",
	      "%d %d", n1, n2);
	close(ep);
	close(ep2);
	close(c);
	close(l);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);
	test_echo();
	test_small_reads();
	test_names_and_refused();
	test_nonblocking();
	test_many_acceptors();
	test_half_close_and_eof();
	test_time_wait_reuse();
	test_rst();
	test_peek_fionread();
	test_options();
	test_pktoptions();
	test_poll_states();
	guest_exit("tcp");
}
