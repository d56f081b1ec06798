// SPDX-License-Identifier: MIT
/*
 * Guest test: AF_UNIX sockets. socketpair between threads, non-blocking
 * I/O, SCM_RIGHTS (one fd, and 3 fds with a 32-byte payload like ERTS's
 * forker), MSG_PEEK/WAITALL/TRUNC/CTRUNC, EOF, EPIPE, ECONNRESET,
 * listen/accept/connect on abstract and path names with many threads,
 * options, shutdown, bad arguments. Prints only facts that do not depend
 * on timing or scheduling, so the host and Kiln print the same.
 * Build: musl-gcc -static, or gcc -static -pthread.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#define EV (POLLIN | POLLOUT | POLLHUP | POLLERR | POLLRDHUP)

static const char *self;

static void pair(int type, int sv[2])
{
	if (socketpair(AF_UNIX, type, 0, sv)) {
		printf("socketpair(%d) errno %d\n", type, errno);
		exit(1);
	}
}

static int events(int fd)
{
	struct pollfd p = {fd, EV, 0};

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

/* sendmsg with data and optional fds. */
static ssize_t send_fds(int s, const void *buf, size_t len, const int *fds,
			int n, int flags)
{
	char ctl[CMSG_SPACE(sizeof(int) * 8)] = {0};
	struct iovec iov = {(void *)buf, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	if (n) {
		m.msg_control = ctl;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	return sendmsg(s, &m, flags);
}

/* recvmsg with room for ctlfds fds; received fds into fds, count into
 * *nfds; the message's flags and controllen into *mflags and *clen. */
static ssize_t recv_fds(int s, void *buf, size_t len, int *fds, int ctlfds,
			int *nfds, int flags, int *mflags, size_t *clen)
{
	char ctl[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = {buf, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	m.msg_control = ctlfds ? ctl : NULL;
	m.msg_controllen = ctlfds ? CMSG_SPACE(sizeof(int) * ctlfds) : 0;
	ssize_t r = recvmsg(s, &m, flags);
	*nfds = 0;
	for (struct cmsghdr *c = r >= 0 && ctlfds ? CMSG_FIRSTHDR(&m) : NULL; c;
	     c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(fds + *nfds, CMSG_DATA(c), n * sizeof(int));
			*nfds += n;
		}
	}
	if (mflags)
		*mflags = m.msg_flags;
	if (clen)
		*clen = m.msg_controllen;
	return r;
}

static void test_basics(void)
{
	int sv[2], v = -1;
	socklen_t len = sizeof(v);
	struct stat st;
	struct ucred cred;
	char buf[16] = {0};

	pair(SOCK_STREAM, sv);
	check(write(sv[0], "ping", 4) == 4 && read(sv[1], buf, 16) == 4 &&
		      !memcmp(buf, "ping", 4),
	      "socketpair write/read", "got %.4s", buf);
	check(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode), "fstat S_IFSOCK",
	      "mode %o", st.st_mode);
	getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len);
	check(v == SOCK_STREAM && len == 4, "SO_TYPE", "%d %d", v, len);
	getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &len);
	check(v == AF_UNIX, "SO_DOMAIN", "%d", v);
	getsockopt(sv[0], SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
	check(v == 0, "SO_ACCEPTCONN 0", "%d", v);
	len = sizeof(cred);
	check(!getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &len) &&
		      cred.pid == getpid() && len == sizeof(cred),
	      "SO_PEERCRED of a socketpair", "pid %d len %d", cred.pid, len);
	int fl = fcntl(sv[0], F_GETFL);
	check(fl == O_RDWR, "F_GETFL O_RDWR", "%o", fl);
	struct sockaddr_un a;
	len = sizeof(a);
	check(!getsockname(sv[0], (void *)&a, &len) && len == 2 &&
		      a.sun_family == AF_UNIX,
	      "getsockname of a socketpair", "len %d", len);
	len = sizeof(a);
	check(!getpeername(sv[0], (void *)&a, &len) && len == 2,
	      "getpeername of a socketpair", "len %d", len);
	check(events(sv[0]) == POLLOUT, "poll: writable", "%x", events(sv[0]));
	write(sv[1], "x", 1);
	check(events(sv[0]) == (POLLIN | POLLOUT), "poll: readable", "%x",
	      events(sv[0]));
	close(sv[0]);
	close(sv[1]);
}

/* Ping-pong: each side adds one to the number it receives. */
static void *ponger(void *arg)
{
	int s = *(int *)arg, n;

	while (read(s, &n, sizeof(n)) == sizeof(n) && n < 2000) {
		n++;
		if (write(s, &n, sizeof(n)) != sizeof(n))
			break;
	}
	return NULL;
}

static void test_pingpong(void)
{
	int sv[2], n = 0;
	pthread_t t;

	pair(SOCK_STREAM, sv);
	pthread_create(&t, NULL, ponger, &sv[1]);
	while (n < 2000) {
		n++;
		if (write(sv[0], &n, sizeof(n)) != sizeof(n) ||
		    read(sv[0], &n, sizeof(n)) != sizeof(n))
			break;
	}
	n++;
	write(sv[0], &n, sizeof(n));
	pthread_join(t, NULL);
	check(n == 2001, "ping-pong 1000 round trips between threads", "n %d",
	      n);
	close(sv[0]);
	close(sv[1]);
}

static void test_nonblock(void)
{
	int sv[2];
	char buf[4096] = {0};
	long total = 0;

	pair(SOCK_STREAM | SOCK_NONBLOCK, sv);
	check_errno(read(sv[0], buf, 1), -1, EAGAIN,
		    "non-blocking read EAGAIN");
	check(fcntl(sv[0], F_GETFL) & O_NONBLOCK,
	      "SOCK_NONBLOCK sets O_NONBLOCK", "flags %o",
	      fcntl(sv[0], F_GETFL));
	ssize_t n;
	while ((n = write(sv[0], buf, sizeof(buf))) > 0)
		total += n;
	check(n == -1 && errno == EAGAIN && total >= 65536,
	      "non-blocking write fills the buffer, then EAGAIN",
	      "n %zd errno %d total %ld", n, errno, total);
	check(!(events(sv[0]) & POLLOUT), "poll: full is not writable", "%x",
	      events(sv[0]));
	fcntl(sv[1], F_SETFL, 0);
	long got = 0;
	while (got < total && (n = read(sv[1], buf, sizeof(buf))) > 0)
		got += n;
	check(got == total, "everything written is read back", "%ld of %ld",
	      got, total);
	check_errno(recv(sv[1], buf, 1, MSG_DONTWAIT), -1, EAGAIN,
		    "MSG_DONTWAIT on a blocking socket EAGAIN");
	check(events(sv[0]) & POLLOUT, "poll: drained is writable", "%x",
	      events(sv[0]));
	close(sv[0]);
	close(sv[1]);
}

static void *bulk_writer(void *arg)
{
	int s = *(int *)arg;
	static unsigned char buf[1 << 20];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = i * 7 + (i >> 11);
	size_t off = 0;
	while (off < sizeof(buf)) {
		ssize_t n = write(s, buf + off, sizeof(buf) - off);
		if (n <= 0)
			break;
		off += n;
	}
	close(s);
	return (void *)off;
}

static void test_bulk(void)
{
	int sv[2];
	pthread_t t;
	static unsigned char buf[3000];
	size_t got = 0, bad = 0;
	void *wrote;

	pair(SOCK_STREAM, sv);
	pthread_create(&t, NULL, bulk_writer, &sv[1]);
	ssize_t n;
	while ((n = read(sv[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++, got++)
			bad += buf[i] != (unsigned char)(got * 7 + (got >> 11));
	}
	pthread_join(t, &wrote);
	check(got == 1 << 20 && !bad && (size_t)wrote == got,
	      "1 MiB through a blocking stream, in order, then EOF",
	      "got %zu bad %zu wrote %zu", got, bad, (size_t)wrote);
	close(sv[0]);
}

static void test_peek_waitall(void)
{
	int sv[2];
	char buf[32] = {0};

	pair(SOCK_STREAM, sv);
	send(sv[0], "hello ", 6, 0);
	send(sv[0], "world", 5, 0);
	ssize_t n = recv(sv[1], buf, 5, MSG_PEEK);
	check(n == 5 && !memcmp(buf, "hello", 5), "MSG_PEEK", "%zd", n);
	n = recv(sv[1], buf, 8, MSG_PEEK);
	check(n == 8 && !memcmp(buf, "hello wo", 8), "MSG_PEEK across sends",
	      "%zd", n);
	int avail = -1;
	ioctl(sv[1], FIONREAD, &avail);
	check(avail == 11, "FIONREAD", "%d", avail);
	n = recv(sv[1], buf, sizeof(buf), 0);
	check(n == 11 && !memcmp(buf, "hello world", 11),
	      "recv after peek gets everything", "%zd", n);
	send(sv[0], "abc", 3, 0);
	pid_t pid = fork();
	if (pid == 0) { /* a second writer, in another process */
		usleep(20000);
		send(sv[0], "defg", 4, 0);
		_exit(0);
	}
	n = recv(sv[1], buf, 7, MSG_WAITALL);
	check(n == 7 && !memcmp(buf, "abcdefg", 7), "MSG_WAITALL", "%zd", n);
	waitpid(pid, NULL, 0);
	close(sv[0]);
	close(sv[1]);
}

static void test_rights(void)
{
	int sv[2], p[2], fds[8], n, mflags;
	char buf[64] = {0};
	size_t clen;

	pair(SOCK_STREAM, sv);
	check_zero(pipe(p), "pipe");
	check(send_fds(sv[0], "F", 1, &p[1], 1, 0) == 1, "SCM_RIGHTS send",
	      "errno %d", errno);
	close(p[1]);
	ssize_t r = recv_fds(sv[1], buf, 64, fds, 1, &n, 0, &mflags, &clen);
	check(r == 1 && n == 1 && mflags == 0 && clen == CMSG_SPACE(4),
	      "SCM_RIGHTS recv: one fd", "r %zd n %d flags %x clen %zu", r, n,
	      mflags, clen);
	check(write(fds[0], "via", 3) == 3 && read(p[0], buf, 3) == 3 &&
		      !memcmp(buf, "via", 3),
	      "the passed pipe end works", "%.3s", buf);
	close(fds[0]);
	check(read(p[0], buf, 1) == 0, "pipe EOF once the passed end closes",
	      "-");

	/* rights stick to their bytes: no read spans two rights messages */
	int f1 = open("/proc/self/exe", O_RDONLY); /* argv[0] may not exist */
	if (f1 < 0)
		f1 = open(self, O_RDONLY);
	check(f1 >= 0, "open the program's own binary", "errno %d", errno);
	if (f1 < 0)
		return;
	send(sv[0], "aa", 2, 0);
	send_fds(sv[0], "bb", 2, &f1, 1, 0);
	send_fds(sv[0], "cc", 2, &f1, 1, 0);
	send(sv[0], "dd", 2, 0);
	r = recv_fds(sv[1], buf, 64, fds, 4, &n, 0, NULL, NULL);
	check(r == 4 && n == 1 && !memcmp(buf, "aabb", 4),
	      "a read ends after bytes that carried rights", "r %zd n %d", r,
	      n);
	char elf[4] = {0};
	check(pread(fds[0], elf, 4, 0) == 4 && !memcmp(elf,
						       "\x7f"
						       "ELF",
						       4),
	      "a passed file reads the program's ELF header", "-");
	close(fds[0]);
	r = recv_fds(sv[1], buf, 64, fds, 4, &n, MSG_CMSG_CLOEXEC, &mflags,
		     NULL);
	check(r == 2 && n == 1 && !memcmp(buf, "cc", 2) &&
		      fcntl(fds[0], F_GETFD) == FD_CLOEXEC,
	      "MSG_CMSG_CLOEXEC", "r %zd n %d fd flags %d", r, n,
	      fcntl(fds[0], F_GETFD));
	printf("msg_flags with MSG_CMSG_CLOEXEC: %#x\n", mflags);
	close(fds[0]);
	r = recv_fds(sv[1], buf, 64, fds, 4, &n, 0, NULL, NULL);
	check(r == 2 && n == 0 && !memcmp(buf, "dd", 2), "plain bytes after",
	      "r %zd n %d", r, n);

	/* no room for the fds: MSG_CTRUNC, and the references are dropped */
	check_zero(pipe(p), "pipe");
	int three[3] = {p[1], p[1], p[1]};
	send_fds(sv[0], "x", 1, three, 3, 0);
	r = recv_fds(sv[1], buf, 64, fds, 1, &n, 0, &mflags, &clen);
	check(r == 1 && n == 2 && (mflags & MSG_CTRUNC) &&
		      clen == CMSG_SPACE(8),
	      "MSG_CTRUNC: two of three fds fit in CMSG_SPACE(4)",
	      "r %zd n %d flags %x clen %zu", r, n, mflags, clen);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	send_fds(sv[0], "y", 1, &p[1], 1, 0);
	r = recv_fds(sv[1], buf, 64, fds, 0, &n, 0, &mflags, &clen);
	check(r == 1 && (mflags & MSG_CTRUNC) && clen == 0,
	      "MSG_CTRUNC: no control buffer", "r %zd flags %x", r, mflags);
	send_fds(sv[0], "z", 1, &p[1], 1, 0);
	close(p[1]);
	close(sv[1]); /* discards the unread message and its fd */
	check(read(p[0], buf, 1) == 0, "rights dropped with their messages",
	      "-");
	close(p[0]);
	close(sv[0]);
	close(f1);
}

/* Like ERTS's forker: 32 bytes and 3 fds in one message. */
static void test_forker_message(void)
{
	int sv[2], io[2], extra[2], fds[8], n, mflags;
	char msg[32], buf[64];
	size_t clen;

	pair(SOCK_STREAM, sv);
	pair(SOCK_STREAM, io);
	pipe(extra);
	int f = open("/dev/null", O_WRONLY);
	for (int i = 0; i < 32; i++)
		msg[i] = 'A' + i % 26;
	int three[3] = {io[1], extra[1], f};
	ssize_t r = send_fds(sv[0], msg, 32, three, 3, 0);
	check(r == 32, "forker message sent", "r %zd errno %d", r, errno);
	close(io[1]);
	close(extra[1]);
	close(f);
	r = recv_fds(sv[1], buf, sizeof(buf), fds, 3, &n, 0, &mflags, &clen);
	check(r == 32 && n == 3 && !memcmp(buf, msg, 32) && mflags == 0 &&
		      clen == CMSG_SPACE(12),
	      "forker message: 32 bytes and 3 fds",
	      "r %zd n %d flags %x clen %zu", r, n, mflags, clen);
	check(write(fds[0], "io", 2) == 2 && read(io[0], buf, 2) == 2,
	      "fd 1 of 3 works", "-");
	check(write(fds[1], "ex", 2) == 2 && read(extra[0], buf, 2) == 2,
	      "fd 2 of 3 works", "-");
	check(write(fds[2], "nul", 3) == 3, "fd 3 of 3 works", "-");
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	check(read(io[0], buf, 1) == 0 && read(extra[0], buf, 1) == 0,
	      "closing the received fds closes the last ends", "-");
	close(io[0]);
	close(extra[0]);
	close(sv[0]);
	close(sv[1]);
}

static int sigpipes;
static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void test_close(void)
{
	int sv[2];
	char buf[8];

	pair(SOCK_STREAM, sv);
	write(sv[0], "last", 4);
	close(sv[0]);
	check(read(sv[1], buf, 8) == 4, "data before EOF", "-");
	check(read(sv[1], buf, 8) == 0, "EOF after the peer closes", "-");
	printf("poll after the peer closed: %#x\n", events(sv[1]));
	check_errno(send(sv[1], "x", 1, MSG_NOSIGNAL), -1, EPIPE,
		    "EPIPE with MSG_NOSIGNAL");
	check(sigpipes == 0, "no SIGPIPE with MSG_NOSIGNAL", "%d", sigpipes);
	signal(SIGPIPE, on_sigpipe);
	check_errno(write(sv[1], "x", 1), -1, EPIPE, "EPIPE from write");
	check(sigpipes == 1, "SIGPIPE from write", "%d", sigpipes);
	signal(SIGPIPE, SIG_DFL);
	close(sv[1]);

	pair(SOCK_STREAM, sv); /* closing with unread data resets the peer */
	write(sv[0], "unread", 6);
	close(sv[1]);
	printf("poll after a reset: %#x\n", events(sv[0]));
	check_errno(read(sv[0], buf, 8), -1, ECONNRESET, "ECONNRESET");
	check(read(sv[0], buf, 8) == 0, "then EOF", "-");
	close(sv[0]);
}

static void test_shutdown(void)
{
	int sv[2];
	char buf[8];

	pair(SOCK_STREAM, sv);
	check_zero(shutdown(sv[0], SHUT_WR), "shutdown SHUT_WR");
	check(read(sv[1], buf, 8) == 0, "the peer reads EOF", "-");
	check_errno(send(sv[0], "x", 1, MSG_NOSIGNAL), -1, EPIPE,
		    "send after SHUT_WR EPIPE");
	check(write(sv[1], "back", 4) == 4 && read(sv[0], buf, 8) == 4,
	      "the other direction still works", "-");
	printf("poll after SHUT_WR: %#x %#x\n", events(sv[0]), events(sv[1]));
	check_zero(shutdown(sv[1], SHUT_RD), "shutdown SHUT_RD");
	printf("poll after both: %#x %#x\n", events(sv[0]), events(sv[1]));
	check_errno(shutdown(sv[0], 7), -1, EINVAL, "shutdown bad how");
	close(sv[0]);
	close(sv[1]);
}

static void test_records(void)
{
	int sv[2], mflags, n, fds[1];
	char buf[16];

	pair(SOCK_SEQPACKET, sv);
	send(sv[0], "one", 3, 0);
	send(sv[0], "", 0, 0);
	send(sv[0], "three33", 7, 0);
	check(recv(sv[1], buf, 16, 0) == 3, "seqpacket record 1", "-");
	check(recv(sv[1], buf, 16, 0) == 0, "seqpacket empty record", "-");
	ssize_t r = recv_fds(sv[1], buf, 5, fds, 0, &n, 0, &mflags, NULL);
	check(r == 5 && (mflags & MSG_TRUNC), "seqpacket MSG_TRUNC",
	      "r %zd flags %x", r, mflags);
	close(sv[0]);
	check(recv(sv[1], buf, 16, 0) == 0, "seqpacket EOF", "-");
	close(sv[1]);

	pair(SOCK_DGRAM, sv);
	send(sv[0], "datagram", 8, 0);
	check(recv(sv[1], buf, 2, MSG_TRUNC) == 8, "dgram recv MSG_TRUNC", "-");
	check_errno(recv(sv[1], buf, 2, MSG_DONTWAIT), -1, EAGAIN,
		    "dgram: the rest of a record is gone");
	close(sv[1]);
	check_errno(send(sv[0], "x", 1, 0), -1, ECONNREFUSED,
		    "dgram send to a closed peer");
	close(sv[0]);
}

/* listen/accept/connect on an abstract name with many threads. */
#define NCONN	8
#define NACCEPT 4
static struct sockaddr_un abs_addr;
static socklen_t abs_len;
static int results[NCONN];

static void *acceptor(void *arg)
{
	int l = *(int *)arg;

	for (;;) {
		int c = accept(l, NULL, NULL), id;
		if (c < 0)
			return NULL;
		if (read(c, &id, sizeof(id)) == sizeof(id)) {
			id *= 2;
			write(c, &id, sizeof(id));
		}
		close(c);
	}
}

static void *connector(void *arg)
{
	int id = (int)(long)arg, s = socket(AF_UNIX, SOCK_STREAM, 0), r = -1;

	if (!connect(s, (void *)&abs_addr, abs_len) &&
	    write(s, &id, sizeof(id)) == sizeof(id) &&
	    read(s, &r, sizeof(r)) == sizeof(r))
		results[id] = r;
	close(s);
	return NULL;
}

static void test_listen_abstract(void)
{
	pthread_t acc[NACCEPT], con[NCONN];
	int l = socket(AF_UNIX, SOCK_STREAM, 0), v;
	socklen_t len;

	memset(&abs_addr, 0, sizeof(abs_addr));
	abs_addr.sun_family = AF_UNIX;
	int nl = snprintf(abs_addr.sun_path + 1, 64, "kiln-unix-test-%d",
			  getpid());
	abs_len = offsetof(struct sockaddr_un, sun_path) + 1 + nl;
	check_errno(connect(l, (void *)&abs_addr, abs_len), -1, ECONNREFUSED,
		    "connect to an unbound name");
	check_errno(listen(l, 5), -1, EINVAL, "listen unbound");
	check_zero(bind(l, (void *)&abs_addr, abs_len), "bind abstract");
	int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
	check_errno(bind(l2, (void *)&abs_addr, abs_len), -1, EADDRINUSE,
		    "bind a taken name");
	close(l2);
	check_zero(listen(l, 16), "listen");
	len = sizeof(v);
	getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
	check(v == 1, "SO_ACCEPTCONN 1", "%d", v);
	for (int i = 0; i < NACCEPT; i++)
		pthread_create(&acc[i], NULL, acceptor, &l);
	for (int i = 0; i < NCONN; i++)
		pthread_create(&con[i], NULL, connector, (void *)(long)i);
	for (int i = 0; i < NCONN; i++)
		pthread_join(con[i], NULL);
	int ok = 0;
	for (int i = 0; i < NCONN; i++)
		ok += results[i] == 2 * i;
	check(ok == NCONN, "8 connections served by 4 threads in accept", "%d",
	      ok);
	shutdown(l, SHUT_RDWR); /* wakes every thread blocked in accept */
	for (int i = 0; i < NACCEPT; i++)
		pthread_join(acc[i], NULL);
	check(1, "shutdown wakes the blocked accepts", "-");
	close(l);

	/* names, backlog and non-blocking accept/connect */
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	bind(l, (void *)&abs_addr, abs_len);
	listen(l, 1);
	check_errno(accept(l, NULL, NULL), -1, EAGAIN,
		    "non-blocking accept EAGAIN");
	int c[3], queued = 0;
	for (int i = 0; i < 3; i++) {
		c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (!connect(c[i], (void *)&abs_addr, abs_len))
			queued++;
		else
			check(errno == EAGAIN, "full backlog EAGAIN", "%d",
			      errno);
	}
	printf("connections queued with backlog 1: %d\n", queued);
	struct sockaddr_un a;
	len = sizeof(a);
	getpeername(c[0], (void *)&a, &len);
	check(len == abs_len && !memcmp(&a, &abs_addr, len),
	      "getpeername is the listener's name", "len %d", len);
	len = sizeof(a);
	int s = accept4(l, (void *)&a, &len, SOCK_CLOEXEC);
	check(s >= 0 && len == 2, "accept4: an unbound peer's address",
	      "s %d len %d", s, len);
	check(fcntl(s, F_GETFD) == FD_CLOEXEC &&
		      !(fcntl(s, F_GETFL) & O_NONBLOCK),
	      "accept4 SOCK_CLOEXEC, blocking", "-");
	len = sizeof(a);
	getsockname(s, (void *)&a, &len);
	check(len == abs_len, "accepted socket's name is the listener's",
	      "len %d", len);
	write(c[0], "hi", 2);
	char buf[4];
	check(read(s, buf, 4) == 2, "data on an accepted connection", "-");
	close(s);
	for (int i = 0; i < 3; i++)
		close(c[i]);
	close(l);

	s = socket(AF_UNIX, SOCK_STREAM, 0);
	check_zero(bind(s, (void *)&abs_addr, 2), "autobind");
	len = sizeof(a);
	getsockname(s, (void *)&a, &len);
	check(len == 8 && a.sun_path[0] == 0, "autobind name", "len %d", len);
	close(s);
}

/* Datagram sockets with names: sendto/recvfrom, connect, EPERM. */
static void test_dgram_names(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX}, b = a, from;
	socklen_t alen, blen, flen = sizeof(from);
	char buf[16];

	alen = offsetof(struct sockaddr_un, sun_path) + 1 +
	       snprintf(a.sun_path + 1, 64, "kiln-dg-a-%d", getpid());
	blen = offsetof(struct sockaddr_un, sun_path) + 1 +
	       snprintf(b.sun_path + 1, 64, "kiln-dg-b-%d", getpid());
	int x = socket(AF_UNIX, SOCK_DGRAM, 0),
	    y = socket(AF_UNIX, SOCK_DGRAM, 0);
	int z = socket(AF_UNIX, SOCK_DGRAM, 0);
	bind(x, (void *)&a, alen);
	bind(y, (void *)&b, blen);
	check(sendto(x, "to-b", 4, 0, (void *)&b, blen) == 4, "dgram sendto",
	      "errno %d", errno);
	ssize_t n = recvfrom(y, buf, 16, 0, (void *)&from, &flen);
	check(n == 4 && flen == alen && !memcmp(&from, &a, alen),
	      "dgram recvfrom gives the sender's name", "n %zd flen %d", n,
	      flen);
	check_zero(connect(y, (void *)&a, alen), "dgram connect");
	check(send(y, "to-a", 4, 0) == 4 && recv(x, buf, 16, 0) == 4,
	      "dgram send to the connected peer", "-");
	check_errno(sendto(z, "no", 2, 0, (void *)&b, blen), -1, EPERM,
		    "dgram to a socket connected elsewhere");
	check_errno(send(z, "no", 2, 0), -1, ENOTCONN,
		    "dgram send unconnected");
	check_errno(listen(x, 1), -1, EOPNOTSUPP, "listen on dgram");
	close(x);
	close(y);
	close(z);

	/* a relative path, from the working directory */
	char cwd[256];
	getcwd(cwd, sizeof(cwd));
	chdir("/tmp");
	struct sockaddr_un r = {.sun_family = AF_UNIX};
	snprintf(r.sun_path, sizeof(r.sun_path), "kiln-rel-%d", getpid());
	int l = socket(AF_UNIX, SOCK_STREAM, 0),
	    c = socket(AF_UNIX, SOCK_STREAM, 0);
	check_zero(bind(l, (void *)&r, sizeof(r)), "bind a relative path");
	listen(l, 1);
	chdir("/");
	char abs[128];
	snprintf(abs, sizeof(abs), "/tmp/%s", r.sun_path);
	struct stat st;
	check(!stat(abs, &st) && S_ISSOCK(st.st_mode),
	      "relative to the working directory", "-");
	strcpy(r.sun_path, abs);
	check_zero(connect(c, (void *)&r, sizeof(r)),
		   "connect by absolute path");
	unlink(abs);
	close(c);
	close(l);
	chdir(cwd);
}

static void test_listen_path(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct stat st;

	snprintf(a.sun_path, sizeof(a.sun_path), "/tmp/kiln-unix-%d.sock",
		 getpid());
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	check_zero(bind(l, (void *)&a, sizeof(a)), "bind a path");
	check(!stat(a.sun_path, &st) && S_ISSOCK(st.st_mode),
	      "the path is a socket node", "mode %o", st.st_mode);
	int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
	check_errno(bind(l2, (void *)&a, sizeof(a)), -1, EADDRINUSE,
		    "bind an existing path");
	close(l2);
	listen(l, 4);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	check_zero(connect(c, (void *)&a, sizeof(a)), "connect by path");
	int s = accept(l, NULL, NULL);
	check(write(c, "path", 4) == 4 && read(s, a.sun_path + 100, 4) == 4,
	      "data over a path-named connection", "-");
	struct sockaddr_un n;
	socklen_t len = sizeof(n);
	getsockname(l, (void *)&n, &len);
	check(len == offsetof(struct sockaddr_un, sun_path) +
			      strlen(n.sun_path) + 1,
	      "getsockname of a path", "len %d", len);
	int d = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	check_errno(connect(d, (void *)&n, len), -1, EPROTOTYPE,
		    "connect to another type");
	close(d);
	close(s);
	close(c);
	close(l);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	check_errno(connect(c, (void *)&n, len), -1, ECONNREFUSED,
		    "connect to a closed socket's path");
	check_zero(unlink(n.sun_path), "unlink the socket path");
	check_errno(connect(c, (void *)&n, len), -1, ENOENT,
		    "connect to a removed path");
	close(c);
}

static void test_options(void)
{
	int sv[2], v;
	socklen_t len = sizeof(v);
	struct linger lg;
	struct timeval tv;

	pair(SOCK_STREAM, sv);
	getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &len);
	printf("SO_RCVBUF default: %d\n", v);
	v = 65536;
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &len);
	printf("SO_RCVBUF after 65536: %d\n", v);
	v = 100000;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &len);
	printf("SO_SNDBUF after 100000: %d\n", v);
	int opts[] = {SO_PRIORITY, SO_KEEPALIVE, SO_REUSEADDR};
	for (int i = 0; i < 3; i++) {
		v = 5;
		setsockopt(sv[0], SOL_SOCKET, opts[i], &v, sizeof(v));
		getsockopt(sv[0], SOL_SOCKET, opts[i], &v, &len);
		printf("option %d after 5: %d\n", opts[i], v);
	}
	lg = (struct linger){1, 7};
	setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	lg = (struct linger){0, 3};
	setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	len = sizeof(lg);
	getsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, &len);
	printf("SO_LINGER: %d %d len %d\n", lg.l_onoff, lg.l_linger, len);
	tv = (struct timeval){0, 100000};
	check_zero(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
		   "SO_RCVTIMEO set");
	len = sizeof(tv);
	getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
	printf("SO_RCVTIMEO: %ld.%06ld\n", (long)tv.tv_sec, (long)tv.tv_usec);
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	char c;
	check_errno(read(sv[0], &c, 1), -1, EAGAIN, "SO_RCVTIMEO expires");
	check(now_ns(CLOCK_MONOTONIC) - t0 >= 90000000, "after the timeout",
	      "-");
	len = sizeof(v);
	check(!getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &len) && v == 0,
	      "SO_ERROR 0", "%d", v);
	v = 1;
	check_errno(
		setsockopt(sv[0], IPPROTO_IP, 1 /* IP_TOS */, &v, sizeof(v)),
		-1, EOPNOTSUPP, "IP_TOS on AF_UNIX");
	check_errno(setsockopt(sv[0], IPPROTO_TCP, 1 /* TCP_NODELAY */, &v,
			       sizeof(v)),
		    -1, EOPNOTSUPP, "TCP_NODELAY on AF_UNIX");
	check_errno(setsockopt(sv[0], SOL_SOCKET, 9999, &v, sizeof(v)), -1,
		    ENOPROTOOPT, "unknown option");
	check_errno(getsockopt(sv[0], SOL_SOCKET, 9999, &v, &len), -1,
		    ENOPROTOOPT, "unknown option get");
	check_errno(setsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, sizeof(v)), -1,
		    ENOPROTOOPT, "setting SO_TYPE");
	check_errno(setsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, &v, 2), -1,
		    EINVAL, "short optlen");
	len = 2;
	v = 0;
	getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len);
	check(len == 2 && v == SOCK_STREAM, "short getsockopt", "len %d v %d",
	      len, v);
	close(sv[0]);
	close(sv[1]);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void *interrupter(void *arg)
{
	int s = *(int *)arg;

	usleep(50000);
	kill(getpid(), SIGUSR1);
	usleep(50000);
	write(s, "!", 1);
	return NULL;
}

static void test_eintr(void)
{
	int sv[2];
	char c;
	pthread_t t;
	sigset_t set;
	struct sigaction sa = {.sa_handler = on_usr1};

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pair(SOCK_STREAM, sv);
	sigaction(SIGUSR1, &sa, NULL);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the thread must not get it */
	pthread_create(&t, NULL, interrupter, &sv[1]);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	check_errno(read(sv[0], &c, 1), -1, EINTR, "a signal interrupts recv");
	pthread_join(t, NULL);
	read(sv[0], &c, 1);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_create(&t, NULL, interrupter, &sv[1]);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	check(read(sv[0], &c, 1) == 1 && c == '!', "SA_RESTART restarts recv",
	      "-");
	pthread_join(t, NULL);
	close(sv[0]);
	close(sv[1]);
}

static void test_bad_args(void)
{
	int sv[2], fd = open("/dev/null", O_RDONLY);
	char buf[8];
	struct iovec iov[2] = {{buf, 1}, {NULL, 0}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};

	pair(SOCK_STREAM, sv);
	check_errno(socket(46, SOCK_STREAM, 0), -1, EAFNOSUPPORT,
		    "unknown family");
	check_errno(socket(AF_UNIX, 11, 0), -1, EINVAL, "bad type");
	check_errno(socket(AF_UNIX, 4 /* SOCK_RDM */, 0), -1, ESOCKTNOSUPPORT,
		    "unsupported type");
	check_errno(socket(AF_UNIX, SOCK_STREAM, 7), -1, EPROTONOSUPPORT,
		    "bad protocol");
	check_errno(send(fd, "x", 1, 0), -1, ENOTSOCK, "send on a file");
	check_errno(syscall(SYS_sendmsg, sv[0], 16, 0), -1, EFAULT,
		    "bad msghdr"); /* musl's sendmsg reads it first */
	check(sendmsg(sv[0], &m, 0) == 1, "sendmsg with a NULL empty iov", "-");
	m.msg_iovlen = 1025;
	check_errno(sendmsg(sv[0], &m, 0), -1, EMSGSIZE, "iovlen 1025");
	m.msg_iovlen = 1;
	iov[0].iov_base = (void *)8;
	check_errno(sendmsg(sv[0], &m, 0), -1, EFAULT, "bad iov base");
	iov[0].iov_base = buf;
	char ctl[CMSG_SPACE(4)] = {0};
	struct cmsghdr *c = (void *)ctl;
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	c->cmsg_len = 1000;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	check_errno(sendmsg(sv[0], &m, 0), -1, EINVAL, "cmsg_len too long");
	c->cmsg_len = CMSG_LEN(4);
	int bad = 999;
	memcpy(CMSG_DATA(c), &bad, 4);
	check_errno(sendmsg(sv[0], &m, 0), -1, EBADF, "SCM_RIGHTS bad fd");
	c->cmsg_type = 77;
	check_errno(sendmsg(sv[0], &m, 0), -1, EINVAL, "unknown cmsg type");
	check(read(sv[1], buf, 8) == 1, "only the good message arrived", "-");
	write(sv[0], "y", 1);
	check_errno(recv(sv[1], (void *)8, 1, 0), -1, EFAULT, "recv bad buf");
	check(recv(sv[1], buf, 1, 0) == 1 && buf[0] == 'y',
	      "a faulting recv leaves the data", "-");
	check_errno(accept(sv[0], NULL, NULL), -1, EINVAL,
		    "accept on a connected socket");
	struct iovec wv[3] = {{"a", 1}, {NULL, 0}, {"b", 1}};
	check(writev(sv[0], wv, 3) == 2 && read(sv[1], buf, 8) == 2,
	      "writev with a zero-length NULL entry", "-");
	for (int i = 0; i < 3000; i++) { /* nothing fixed runs out */
		int p[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) ||
		    write(p[0], buf, 8) != 8) {
			check(false, "3000 socketpairs", "at %d", i);
			break;
		}
		close(p[0]);
		close(p[1]);
	}
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

static void *delayed_write(void *arg)
{
	usleep(20000);
	write(*(int *)arg, "e", 1);
	return NULL;
}

static void *delayed_connect(void *arg)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	usleep(20000);
	connect(s, (void *)&abs_addr, abs_len);
	*(int *)arg = s;
	return NULL;
}

/* What ERTS does: epoll (ONESHOT, re-armed by MOD), non-blocking accept. */
static void test_epoll(void)
{
	int sv[2], ep = epoll_create(8), c = -1;
	struct epoll_event ev = {EPOLLIN | EPOLLONESHOT, {.u32 = 7}}, out[4];
	pthread_t t;

	pair(SOCK_STREAM | SOCK_NONBLOCK, sv);
	check_zero(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev), "epoll_ctl ADD");
	check(epoll_wait(ep, out, 4, 0) == 0, "epoll: not ready", "-");
	pthread_create(&t, NULL, delayed_write, &sv[0]);
	int n = epoll_wait(ep, out, 4, 5000);
	check(n == 1 && out[0].data.u32 == 7 && out[0].events == EPOLLIN,
	      "epoll wakes on data", "n %d events %x", n, out[0].events);
	pthread_join(t, NULL);
	check(epoll_wait(ep, out, 4, 0) == 0, "EPOLLONESHOT disarms", "-");
	epoll_ctl(ep, EPOLL_CTL_MOD, sv[1], &ev);
	check(epoll_wait(ep, out, 4, 0) == 1, "MOD re-arms", "-");
	ev.events = EPOLLIN | EPOLLRDHUP;
	epoll_ctl(ep, EPOLL_CTL_MOD, sv[1], &ev);
	close(sv[0]);
	n = epoll_wait(ep, out, 4, 5000);
	printf("epoll after the peer closed: %d %#x\n", n, out[0].events);
	epoll_ctl(ep, EPOLL_CTL_DEL, sv[1], NULL);
	close(sv[1]);

	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	bind(l, (void *)&abs_addr, abs_len);
	listen(l, 128);
	ev = (struct epoll_event){EPOLLIN | EPOLLONESHOT, {.u32 = 9}};
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	pthread_create(&t, NULL, delayed_connect, &c);
	n = epoll_wait(ep, out, 4, 5000);
	int s = accept(l, NULL, NULL);
	check(n == 1 && out[0].data.u32 == 9 && s >= 0,
	      "epoll on a listener, then non-blocking accept", "n %d s %d", n,
	      s);
	check_errno(accept(l, NULL, NULL), -1, EAGAIN, "then EAGAIN");
	pthread_join(t, NULL);
	close(s);
	close(c);
	close(l);
	close(ep);
}

int main(int argc, char **argv)
{
	(void)argc;
	self = argv[0];
	setvbuf(stdout, NULL, _IONBF, 0);
	test_basics();
	test_pingpong();
	test_nonblock();
	test_bulk();
	test_peek_waitall();
	test_rights();
	test_forker_message();
	test_close();
	test_shutdown();
	test_records();
	test_listen_abstract();
	test_listen_path();
	test_dgram_names();
	test_epoll();
	test_options();
	test_eintr();
	test_bad_args();
	guest_exit("unix");
}
