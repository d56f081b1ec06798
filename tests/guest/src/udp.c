// SPDX-License-Identifier: MIT
/*
 * UDP over loopback: sendto/recvfrom with source addresses, autobind,
 * connected UDP (as glibc's resolver uses it) with send/recv and
 * sendmmsg, datagram boundaries, MSG_TRUNC, MSG_PEEK, FIONREAD,
 * EDESTADDRREQ, EMSGSIZE, a bound-port clash, and poll. Same output on
 * Linux and on Kiln.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "guest.h"

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return a;
}

static int bound_udp(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		check(false, "udp: bind", "errno %d", errno);
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* The loopback interface as getifaddrs (netlink), if_nametoindex and
 * SIOCGIFCONF/SIOCGIFFLAGS (ioctls) describe it. */
static void test_interfaces(void)
{
	struct ifaddrs *ifa, *i;
	int lo_inet = 0;
	unsigned flags = 0;

	if (getifaddrs(&ifa)) {
		check(false, "udp: getifaddrs", "errno %d", errno);
		return;
	}
	for (i = ifa; i; i = i->ifa_next) {
		if (strcmp(i->ifa_name, "lo") || !i->ifa_addr ||
		    i->ifa_addr->sa_family != AF_INET)
			continue;
		struct sockaddr_in *a = (struct sockaddr_in *)i->ifa_addr;
		struct sockaddr_in *m = (struct sockaddr_in *)i->ifa_netmask;
		if (a->sin_addr.s_addr == htonl(INADDR_LOOPBACK) && m &&
		    m->sin_addr.s_addr == htonl(0xff000000))
			lo_inet++;
		flags = i->ifa_flags;
	}
	freeifaddrs(ifa);
	check(lo_inet == 1, "udp: getifaddrs lists lo 127.0.0.1/8", "%d",
	      lo_inet);
	check((flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING)) ==
		      (IFF_UP | IFF_LOOPBACK | IFF_RUNNING),
	      "udp: lo is up, running, loopback", "%x", flags);
	check(if_nametoindex("lo") == 1, "udp: if_nametoindex(lo) is 1", "%u",
	      if_nametoindex("lo"));
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq reqs[16];
	struct ifconf ic = {.ifc_len = sizeof(reqs), .ifc_req = reqs};
	int found = 0;
	if (ioctl(fd, SIOCGIFCONF, &ic) == 0)
		for (size_t k = 0; k < ic.ifc_len / sizeof(reqs[0]); k++)
			found += !strcmp(reqs[k].ifr_name, "lo");
	check(found == 1, "udp: SIOCGIFCONF lists lo", "%d", found);
	struct ifreq r = {0};
	strcpy(r.ifr_name, "lo");
	check(ioctl(fd, SIOCGIFFLAGS, &r) == 0 &&
		      (r.ifr_flags & (IFF_UP | IFF_LOOPBACK)) ==
			      (IFF_UP | IFF_LOOPBACK),
	      "udp: SIOCGIFFLAGS lo", "%x", r.ifr_flags);
	strcpy(r.ifr_name, "nosuch0");
	check_errno(ioctl(fd, SIOCGIFFLAGS, &r), -1, ENODEV,
		    "udp: SIOCGIFFLAGS of no interface ENODEV");
	close(fd);
}

/* One datagram from c to s (port), with recvmsg's control messages:
 * pktinfo ifindex and address, ttl and tos (-1: not there); the flags. */
struct got {
	int ifindex, ttl, tos, flags, n;
	uint32_t addr;
};

static struct got recv_ctl(int s, size_t ctlsize)
{
	char data[64], ctl[256];
	struct iovec iov = {data, sizeof(data)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = ctlsize};
	struct got g = {-1, -1, -1, 0, 0, 0};

	g.n = recvmsg(s, &mh, 0);
	g.flags = mh.msg_flags;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h;
	     h = CMSG_NXTHDR(&mh, h)) {
		if (h->cmsg_level != IPPROTO_IP)
			continue;
		if (h->cmsg_type == IP_PKTINFO &&
		    h->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(h), sizeof(pi));
			g.ifindex = pi.ipi_ifindex;
			g.addr = pi.ipi_addr.s_addr;
		} else if (h->cmsg_type == IP_TTL &&
			   h->cmsg_len == CMSG_LEN(sizeof(int))) {
			memcpy(&g.ttl, CMSG_DATA(h), sizeof(int));
		} else if (h->cmsg_type == IP_TOS &&
			   h->cmsg_len == CMSG_LEN(1)) {
			g.tos = *CMSG_DATA(h);
		}
	}
	return g;
}

/* sendmsg with IP_TOS (an int) and IP_TTL control messages. */
static ssize_t send_ctl(int c, struct sockaddr_in *to, int tos, int ttl,
			int badtype)
{
	union {
		char buf[3 * CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {"ctl", 3};
	struct msghdr mh = {.msg_name = to,
			    .msg_namelen = sizeof(*to),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = 0};
	struct cmsghdr *h = (struct cmsghdr *)u.buf;
	int vals[3] = {tos, ttl, 0}, types[3] = {IP_TOS, IP_TTL, badtype};

	memset(u.buf, 0, sizeof(u.buf));
	for (int i = 0; i < 3; i++) {
		if (vals[i] < 0 || (i == 2 && !badtype))
			continue;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		h->cmsg_level = IPPROTO_IP;
		h->cmsg_type = types[i];
		memcpy(CMSG_DATA(h), &vals[i], sizeof(int));
		mh.msg_controllen += CMSG_SPACE(sizeof(int));
		h = (struct cmsghdr *)((char *)h + CMSG_SPACE(sizeof(int)));
	}
	return sendmsg(c, &mh, 0);
}

/* IP_PKTINFO, IP_RECVTTL and IP_RECVTOS on recvmsg; IP_TOS and IP_TTL
 * per datagram on sendmsg (ERTS's gen_udp recvtos/recvttl/sendtos...). */
static void test_ip_cmsgs(void)
{
	uint16_t sport;
	int s = bound_udp(&sport), c = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
	struct sockaddr_in to = loopback(sport);
	struct got g;

	sendto(c, "plain", 5, 0, (struct sockaddr *)&to, sizeof(to));
	g = recv_ctl(s, 256);
	check(g.n == 5 && g.ttl == -1 && g.tos == -1 && g.ifindex == -1,
	      "udp: no control messages unless asked", "n %d ttl %d tos %d",
	      g.n, g.ttl, g.tos);
	setsockopt(s, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	setsockopt(s, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
	setsockopt(s, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one));
	int tos = 0x10, ttl = 7;
	setsockopt(c, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	setsockopt(c, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	sendto(c, "opts", 4, 0, (struct sockaddr *)&to, sizeof(to));
	g = recv_ctl(s, 256);
	check(g.n == 4 && g.ttl == 7 && g.tos == 0x10 && g.ifindex == 1 &&
		      g.addr == htonl(INADDR_LOOPBACK) && !g.flags,
	      "udp: IP_PKTINFO, IP_TTL and IP_TOS from the socket's options",
	      "n %d ttl %d tos %#x ifindex %d addr %x flags %x", g.n, g.ttl,
	      g.tos, g.ifindex, ntohl(g.addr), g.flags);
	ssize_t n = send_ctl(c, &to, 0x28, 33, 0);
	g = recv_ctl(s, 256);
	check(n == 3 && g.ttl == 33 && g.tos == 0x28,
	      "udp: IP_TOS and IP_TTL per datagram on sendmsg",
	      "%zd ttl %d tos %#x", n, g.ttl, g.tos);
	sendto(c, "again", 5, 0, (struct sockaddr *)&to, sizeof(to));
	g = recv_ctl(s, 256);
	check(g.ttl == 7 && g.tos == 0x10,
	      "udp: the socket's own TOS and TTL afterwards", "ttl %d tos %#x",
	      g.ttl, g.tos);
	sendto(c, "short", 5, 0, (struct sockaddr *)&to, sizeof(to));
	g = recv_ctl(s, CMSG_SPACE(sizeof(struct in_pktinfo)));
	check(g.n == 5 && (g.flags & MSG_CTRUNC) && g.ifindex == 1 &&
		      g.ttl == -1,
	      "udp: control messages past the buffer set MSG_CTRUNC",
	      "flags %x ifindex %d ttl %d", g.flags, g.ifindex, g.ttl);
	check_errno(send_ctl(c, &to, -1, 0, 0), -1, EINVAL,
		    "udp: IP_TTL 0 on sendmsg EINVAL");
	check_errno(send_ctl(c, &to, 256, -1, 0), -1, EINVAL,
		    "udp: IP_TOS 256 on sendmsg EINVAL");
	check_errno(send_ctl(c, &to, -1, -1, IP_RECVTTL), -1, EINVAL,
		    "udp: an unknown IP control message EINVAL");
	int pmtu = -1;
	socklen_t pl = sizeof(pmtu);
	getsockopt(c, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, &pl);
	check(pmtu == IP_PMTUDISC_WANT, "udp: IP_MTU_DISCOVER is WANT at first",
	      "%d", pmtu);
	char dev[16] = {0};
	socklen_t dl = sizeof(dev);
	check_zero(setsockopt(c, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3),
		   "udp: SO_BINDTODEVICE lo");
	check(getsockopt(c, SOL_SOCKET, SO_BINDTODEVICE, dev, &dl) == 0 &&
		      dl == 3 && !strcmp(dev, "lo"),
	      "udp: getsockopt SO_BINDTODEVICE names it", "%u %s", dl, dev);
	check(sendto(c, "bound", 5, 0, (struct sockaddr *)&to, sizeof(to)) ==
			      5 &&
		      recv_ctl(s, 256).n == 5,
	      "udp: a socket bound to lo still talks to 127.0.0.1", " ");
	check_errno(setsockopt(c, SOL_SOCKET, SO_BINDTODEVICE, "nosuch0", 8),
		    -1, ENODEV, "udp: SO_BINDTODEVICE unknown ENODEV");
	check_zero(setsockopt(c, SOL_SOCKET, SO_BINDTODEVICE, "", 0),
		   "udp: SO_BINDTODEVICE empty unbinds");
	dl = sizeof(dev);
	check(getsockopt(c, SOL_SOCKET, SO_BINDTODEVICE, dev, &dl) == 0 &&
		      dl == 0,
	      "udp: then getsockopt gives nothing", "%u", dl);
	close(c);
	close(s);
}

/* Wait up to ms for fd's revents (events 0: only POLLERR/POLLHUP wake). */
static short poll_for(int fd, short events, int ms)
{
	struct pollfd p = {.fd = fd, .events = events};

	return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

/*
 * ICMP port unreachable, as Linux hands it to UDP sockets without
 * IP_RECVERR: a connected socket gets ECONNREFUSED as its pending error
 * (POLLERR; the next recv, send or SO_ERROR returns and clears it, before
 * queued data); an unconnected one hears nothing.
 */
static void test_icmp_errors(void)
{
	uint16_t dead, live;
	char buf[16];
	int gone = bound_udp(&dead);
	close(gone);
	struct sockaddr_in nobody = loopback(dead);

	int q = socket(AF_INET, SOCK_DGRAM, 0);
	connect(q, (struct sockaddr *)&nobody, sizeof(nobody));
	send(q, "anyone?", 7, 0);
	short ev = poll_for(q, POLLIN, 2000);
	check(ev == POLLERR, "udp: ICMP port unreachable polls POLLERR only",
	      "%x", ev);
	check_errno(recv(q, buf, sizeof(buf), 0), -1, ECONNREFUSED,
		    "udp: then recv ECONNREFUSED");
	check_errno(recv(q, buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN,
		    "udp: a second recv EAGAIN (the error is cleared)");
	ev = poll_for(q, POLLIN, 0);
	check(ev == 0, "udp: and no POLLERR any more", "%x", ev);

	int e = -1;
	socklen_t el = sizeof(e);
	send(q, "anyone?", 7, 0);
	poll_for(q, 0, 2000);
	getsockopt(q, SOL_SOCKET, SO_ERROR, &e, &el);
	check(e == ECONNREFUSED, "udp: SO_ERROR reads ECONNREFUSED", "%d", e);
	e = -1;
	getsockopt(q, SOL_SOCKET, SO_ERROR, &e, &el);
	check(e == 0, "udp: and clears it", "%d", e);

	send(q, "anyone?", 7, 0);
	poll_for(q, 0, 2000);
	check_errno(send(q, "again", 5, 0), -1, ECONNREFUSED,
		    "udp: a send after it returns ECONNREFUSED");
	check(send(q, "again", 5, 0) == 5, "udp: the send after that sends",
	      " ");
	poll_for(q, 0, 2000);
	close(q);

	/* the error comes before a datagram already queued */
	int r = bound_udp(&live);
	struct sockaddr_in there = loopback(live);
	q = socket(AF_INET, SOCK_DGRAM, 0);
	connect(q, (struct sockaddr *)&there, sizeof(there));
	struct sockaddr_in qa;
	socklen_t ql = sizeof(qa);
	getsockname(q, (struct sockaddr *)&qa, &ql);
	sendto(r, "data", 4, 0, (struct sockaddr *)&qa, sizeof(qa));
	poll_for(q, POLLIN, 2000);
	close(r);
	send(q, "hello?", 6, 0);
	ev = poll_for(q, 0, 2000);
	check(ev == POLLERR, "udp: POLLERR with a datagram queued", "%x", ev);
	check_errno(recv(q, buf, sizeof(buf), 0), -1, ECONNREFUSED,
		    "udp: recv gives the error first");
	check(recv(q, buf, sizeof(buf), MSG_DONTWAIT) == 4,
	      "udp: then the datagram", " ");
	close(q);

	/* unconnected: no error */
	q = socket(AF_INET, SOCK_DGRAM, 0);
	sendto(q, "anyone?", 7, 0, (struct sockaddr *)&nobody, sizeof(nobody));
	ev = poll_for(q, 0, 300);
	check(ev == 0, "udp: an unconnected socket hears no ICMP error", "%x",
	      ev);
	check_errno(recv(q, buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN,
		    "udp: its recv EAGAIN");
	close(q);
}

int main(void)
{
	uint16_t sport, cport;
	int s = bound_udp(&sport);
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = loopback(sport), from;
	socklen_t fl = sizeof(from);
	char buf[2048];
	ssize_t n;

	setvbuf(stdout, NULL, _IONBF, 0);
	check(sport != 0, "udp: bind port 0 gets a port", " ");
	n = sendto(c, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to));
	check(n == 4, "udp: sendto", "%zd errno %d", n, errno);
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);
	getsockname(c, (struct sockaddr *)&me, &ml);
	cport = ntohs(me.sin_port);
	check(cport != 0, "udp: sendto autobinds", " ");
	n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	check(n == 4 && !memcmp(buf, "ping", 4) && fl == sizeof(from) &&
		      ntohs(from.sin_port) == cport &&
		      from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "udp: recvfrom data and source", "%zd port %d/%d", n,
	      ntohs(from.sin_port), cport);
	n = sendto(s, "pong", 4, 0, (struct sockaddr *)&from, fl);
	n = recv(c, buf, sizeof(buf), 0);
	check(n == 4 && !memcmp(buf, "pong", 4), "udp: reply", "%zd", n);

	/* boundaries, truncation, peek, FIONREAD */
	sendto(c, "one", 3, 0, (struct sockaddr *)&to, sizeof(to));
	sendto(c, "twotwo", 6, 0, (struct sockaddr *)&to, sizeof(to));
	sendto(c, "", 0, 0, (struct sockaddr *)&to, sizeof(to));
	usleep(20000);
	int avail = -1;
	ioctl(s, FIONREAD, &avail);
	check(avail == 3, "udp: FIONREAD is the next datagram's size", "%d",
	      avail);
	n = recv(s, buf, sizeof(buf), MSG_PEEK);
	check(n == 3, "udp: MSG_PEEK", "%zd", n);
	n = recv(s, buf, sizeof(buf), 0);
	check(n == 3 && !memcmp(buf, "one", 3), "udp: one datagram per recv",
	      "%zd", n);
	struct iovec iov = {buf, 3};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	n = recvmsg(s, &mh, 0);
	check(n == 3 && (mh.msg_flags & MSG_TRUNC),
	      "udp: short buffer truncates with MSG_TRUNC", "%zd flags %x", n,
	      mh.msg_flags);
	n = recv(s, buf, sizeof(buf), 0);
	check(n == 0, "udp: empty datagram", "%zd", n);
	check_errno(recv(s, buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN,
		    "udp: nothing queued EAGAIN");
	sendto(c, "abcdef", 6, 0, (struct sockaddr *)&to, sizeof(to));
	n = recv(s, buf, 2, MSG_TRUNC);
	check(n == 6, "udp: MSG_TRUNC returns the real length", "%zd", n);

	/* connected UDP, sendmmsg as glibc's resolver sends A and AAAA */
	int r = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	check_errno(send(r, "x", 1, 0), -1, EDESTADDRREQ,
		    "udp: send unconnected EDESTADDRREQ");
	check_zero(connect(r, (struct sockaddr *)&to, sizeof(to)),
		   "udp: connect");
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	getpeername(r, (struct sockaddr *)&peer, &pl);
	check(peer.sin_port == to.sin_port, "udp: getpeername after connect",
	      " ");
	struct iovec v1 = {"query-a", 7}, v2 = {"query-aaaa", 10};
	struct mmsghdr mm[2] = {
		{.msg_hdr = {.msg_iov = &v1, .msg_iovlen = 1}},
		{.msg_hdr = {.msg_iov = &v2, .msg_iovlen = 1}},
	};
	n = sendmmsg(r, mm, 2, MSG_NOSIGNAL);
	check(n == 2 && mm[0].msg_len == 7 && mm[1].msg_len == 10,
	      "udp: sendmmsg sends both", "%zd %u %u", n, mm[0].msg_len,
	      mm[1].msg_len);
	char b1[32], b2[32];
	struct iovec r1 = {b1, sizeof(b1)}, r2 = {b2, sizeof(b2)};
	struct mmsghdr rm[2] = {
		{.msg_hdr = {.msg_iov = &r1, .msg_iovlen = 1}},
		{.msg_hdr = {.msg_iov = &r2, .msg_iovlen = 1}},
	};
	usleep(20000);
	n = recvmmsg(s, rm, 2, MSG_WAITFORONE, NULL);
	check(n == 2 && rm[0].msg_len == 7 && rm[1].msg_len == 10 &&
		      !memcmp(b1, "query-a", 7) &&
		      !memcmp(b2, "query-aaaa", 10),
	      "udp: recvmmsg gets both in order", "%zd", n);
	struct pollfd pfd = {.fd = r, .events = POLLIN | POLLOUT};
	poll(&pfd, 1, 0);
	check(pfd.revents == POLLOUT, "udp: idle socket polls OUT", "%x",
	      pfd.revents);
	getsockname(r, (struct sockaddr *)&me, &ml);
	sendto(s, "answer", 6, 0, (struct sockaddr *)&me, sizeof(me));
	poll(&pfd, 1, 1000);
	check(pfd.revents == (POLLIN | POLLOUT), "udp: answer polls IN|OUT",
	      "%x", pfd.revents);
	n = recv(r, buf, sizeof(buf), 0);
	check(n == 6, "udp: connected recv", "%zd", n);
	struct sockaddr_in unspec = {.sin_family = AF_UNSPEC};
	check_zero(connect(r, (struct sockaddr *)&unspec, sizeof(unspec)),
		   "udp: connect AF_UNSPEC dissolves");
	check_errno(getpeername(r, (struct sockaddr *)&peer, &pl), -1, ENOTCONN,
		    "udp: then getpeername ENOTCONN");

	test_icmp_errors();

	/* errors */
	static char big[70000];
	check_errno(sendto(c, big, sizeof(big), 0, (struct sockaddr *)&to,
			   sizeof(to)),
		    -1, EMSGSIZE, "udp: oversized datagram EMSGSIZE");
	int d = socket(AF_INET, SOCK_DGRAM, 0);
	check_errno(bind(d, (struct sockaddr *)&to, sizeof(to)), -1, EADDRINUSE,
		    "udp: bind a bound port EADDRINUSE");
	int one = 1, d2 = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(d2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	uint16_t p2;
	int d3 = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(d3, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in any = {.sin_family = AF_INET};
	bind(d3, (struct sockaddr *)&any, sizeof(any));
	socklen_t al = sizeof(any);
	getsockname(d3, (struct sockaddr *)&any, &al);
	p2 = ntohs(any.sin_port);
	any.sin_port = htons(p2);
	check_zero(bind(d2, (struct sockaddr *)&any, sizeof(any)),
		   "udp: SO_REUSEADDR on both shares a port");
	struct sockaddr_in bc = {.sin_family = AF_INET,
				 .sin_port = htons(9),
				 .sin_addr.s_addr = INADDR_BROADCAST};
	check_errno(sendto(d, "b", 1, 0, (struct sockaddr *)&bc, sizeof(bc)),
		    -1, EACCES, "udp: broadcast without SO_BROADCAST EACCES");
	close(d);
	close(d2);
	close(d3);
	close(r);
	close(c);
	close(s);
	test_interfaces();
	test_ip_cmsgs();
	guest_exit("udp");
}
