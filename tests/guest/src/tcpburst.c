// SPDX-License-Identifier: MIT
/*
 * Many TCP connections at once over loopback: 1,000 non-blocking connects
 * to one listener with a backlog of 1,024 (as Ranch asks), all accepted,
 * each carrying one request and its answer, handled by an epoll loop;
 * then 4 threads each run 200 short connections one after another
 * (connect, write, read, close: TIME_WAIT builds up). Every byte is
 * checked. Same output on Linux and on Kiln.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include "guest.h"

#define NCONN 1000

static struct sockaddr_in addr_of(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return a;
}

static int cl[NCONN], sv[NCONN];

static void burst(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = addr_of(0);
	socklen_t len = sizeof(a);
	int accepted = 0, connected = 0, answered = 0;

	bind(l, (struct sockaddr *)&a, sizeof(a));
	listen(l, 1024);
	getsockname(l, (struct sockaddr *)&a, &len);
	for (int i = 0; i < NCONN; i++) {
		cl[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		int r = connect(cl[i], (struct sockaddr *)&a, sizeof(a));
		if (cl[i] < 0 || (r < 0 && errno != EINPROGRESS)) {
			check(false, "tcpburst: connect", "%d errno %d", i,
			      errno);
			exit(1);
		}
	}
	int64_t end = now_ns(CLOCK_MONOTONIC) + 60000000000LL;
	while (accepted < NCONN && now_ns(CLOCK_MONOTONIC) < end) {
		struct pollfd p = {.fd = l, .events = POLLIN};
		if (poll(&p, 1, 1000) <= 0)
			continue;
		while (accepted < NCONN &&
		       (sv[accepted] = accept4(l, NULL, NULL, 0)) >= 0)
			accepted++;
		fcntl(l, F_SETFL, O_NONBLOCK);
	}
	check(accepted == NCONN,
	      "tcpburst: 1000 simultaneous connects accepted", "%d", accepted);
	for (int i = 0; i < NCONN; i++) {
		struct pollfd p = {.fd = cl[i], .events = POLLOUT};
		int err = -1;
		socklen_t el = sizeof(err);
		if (poll(&p, 1, 10000) == 1 &&
		    !getsockopt(cl[i], SOL_SOCKET, SO_ERROR, &err, &el) &&
		    err == 0)
			connected++;
	}
	check(connected == NCONN, "tcpburst: every client connected", "%d",
	      connected);
	/* each client sends its number; the server side echoes it + 1 */
	int ep = epoll_create1(0);
	for (int i = 0; i < accepted; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = sv[i]};
		epoll_ctl(ep, EPOLL_CTL_ADD, sv[i], &ev);
	}
	for (int i = 0; i < NCONN; i++) {
		int v = i;
		if (write(cl[i], &v, sizeof(v)) != sizeof(v))
			check(false, "tcpburst: write", "%d errno %d", i,
			      errno);
	}
	int served = 0;
	while (served < accepted && now_ns(CLOCK_MONOTONIC) < end) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 1000);
		for (int k = 0; k < n; k++) {
			int v;
			if (read(evs[k].data.fd, &v, sizeof(v)) != sizeof(v))
				continue;
			v++;
			if (write(evs[k].data.fd, &v, sizeof(v)) == sizeof(v))
				served++;
			epoll_ctl(ep, EPOLL_CTL_DEL, evs[k].data.fd, NULL);
		}
	}
	for (int i = 0; i < NCONN; i++) {
		struct pollfd p = {.fd = cl[i], .events = POLLIN};
		int v = -1;
		if (poll(&p, 1, 10000) == 1 &&
		    read(cl[i], &v, sizeof(v)) == sizeof(v) && v == i + 1)
			answered++;
	}
	check(served == NCONN && answered == NCONN,
	      "tcpburst: 1000 requests answered correctly", "%d %d", served,
	      answered);
	for (int i = 0; i < NCONN; i++) {
		close(cl[i]);
		close(sv[i]);
	}
	close(ep);
	close(l);
}

static uint16_t echo_port;
static int echo_l;

static void *echo_thread(void *p)
{
	(void)p;
	for (;;) {
		int s = accept(echo_l, NULL, NULL);
		char buf[64];
		ssize_t n;
		if (s < 0)
			return NULL;
		while ((n = read(s, buf, sizeof(buf))) > 0)
			if (write(s, buf, n) != n)
				break;
		close(s);
	}
}

static void *client_thread(void *p)
{
	long id = (long)p, ok = 0;
	struct sockaddr_in a = addr_of(echo_port);

	for (int i = 0; i < 200; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		char msg[32], back[32];
		int n = snprintf(msg, sizeof(msg), "t%ld-%d", id, i);
		if (connect(c, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    write(c, msg, n) == n && read(c, back, sizeof(back)) == n &&
		    !memcmp(msg, back, n))
			ok++;
		close(c);
	}
	return (void *)ok;
}

static void sequential(void)
{
	struct sockaddr_in a = addr_of(0);
	socklen_t len = sizeof(a);
	pthread_t srv[4], cli[4];
	long total = 0;

	echo_l = socket(AF_INET, SOCK_STREAM, 0);
	bind(echo_l, (struct sockaddr *)&a, sizeof(a));
	listen(echo_l, 128);
	getsockname(echo_l, (struct sockaddr *)&a, &len);
	echo_port = ntohs(a.sin_port);
	for (int i = 0; i < 4; i++)
		pthread_create(&srv[i], NULL, echo_thread, NULL);
	for (long i = 0; i < 4; i++)
		pthread_create(&cli[i], NULL, client_thread, (void *)i);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(cli[i], &r);
		total += (long)r;
	}
	check(total == 800, "tcpburst: 800 short connections echoed", "%ld",
	      total);
	shutdown(echo_l, SHUT_RDWR);
	close(echo_l);
}

int main(void)
{
	struct rlimit rl = {4096, 4096};

	setvbuf(stdout, NULL, _IONBF, 0);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		check(false, "tcpburst: RLIMIT_NOFILE 4096", "errno %d", errno);
	burst();
	sequential();
	guest_exit("tcpburst");
}
