// SPDX-License-Identifier: MIT
/*
 * The AF_INET family (see inet.h): socket creation, addresses, the
 * options and ioctls TCP and UDP share, and UDP itself. TCP lives in
 * net/tcp.c. AF_INET6 is not offered: socket(AF_INET6) is EAFNOSUPPORT,
 * so programs that probe it (epmd, glibc) fall back to IPv4 cleanly
 * (docs/decisions/network.md).
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "lwip/ip.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "inet.h"
#include "netstack.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include <uapi/socket.h>

#define UDP_MAX_PAYLOAD 65507

int inet_err(int e)
{
	switch (e) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
	case ERR_BUF:
		return -ENOBUFS;
	case ERR_TIMEOUT:
		return -ETIMEDOUT;
	case ERR_RTE:
		return -ENETUNREACH;
	case ERR_INPROGRESS:
		return -EINPROGRESS;
	case ERR_VAL:
	case ERR_ARG:
		return -EINVAL;
	case ERR_WOULDBLOCK:
		return -EAGAIN;
	case ERR_USE:
		return -EADDRINUSE;
	case ERR_ALREADY:
		return -EALREADY;
	case ERR_ISCONN:
		return -EISCONN;
	case ERR_CONN:
		return -ENOTCONN;
	case ERR_IF:
		return -ENETDOWN;
	case ERR_ABRT:
		return -ECONNABORTED;
	case ERR_RST:
		return -ECONNRESET;
	case ERR_CLSD:
		return -ENOTCONN;
	default:
		return -EIO;
	}
}

struct inet_sock *inet_alloc(int type, int protocol, const struct sock_ops *ops)
{
	struct inet_sock *is = kzalloc(sizeof(*is));

	if (!is)
		return NULL;
	sock_init(&is->sock, AF_INET, type, protocol, ops);
	spin_init(&is->lock);
	sock_rq_init(&is->rq);
	list_init(&is->accq);
	list_init(&is->acc_node);
	is->tcp_keepidle = 7200;
	is->tcp_keepintvl = 75;
	is->tcp_keepcnt = 9;
	is->tcp_quickack = 1;
	is->ip_mtu_discover = 1; /* IP_PMTUDISC_WANT, Linux's default */
	is->ip_mc_ttl = 1;
	is->ip_mc_loop = 1;
	return is;
}

void inet_destroy(struct socket *s)
{
	struct inet_sock *is = inet_of(s);
	struct list_head chunks;

	sock_rq_take_locked(&is->rq, &chunks);
	sock_chunks_free(&chunks);
	kfree(is);
}

int inet_addr_in(const void *buf, u32 len, bool allow_unspec,
		 struct sockaddr_in *out)
{
	if (len < sizeof(u16))
		return -EINVAL;
	memcpy(out, buf, MIN(len, sizeof(*out)));
	if (out->family == AF_UNSPEC && allow_unspec)
		return 0;
	if (len < sizeof(*out))
		return -EINVAL;
	if (out->family != AF_INET)
		return -EAFNOSUPPORT;
	return 0;
}

int inet_getname(struct socket *s, void *addr, u32 *len, bool peer)
{
	struct inet_sock *is = inet_of(s);
	struct sockaddr_in sin = {.family = AF_INET};

	net_lock();
	if (peer && !is->rport) {
		net_unlock();
		return -ENOTCONN;
	}
	sin.addr = peer ? is->raddr : is->laddr;
	sin.port = __builtin_bswap16(peer ? is->rport : is->lport);
	net_unlock();
	memcpy(addr, &sin, sizeof(sin));
	*len = sizeof(sin);
	return 0;
}

/* The option fields of inet_sock, by level and name; NULL: not one. */
static int *inet_opt_field(struct inet_sock *is, int level, int name)
{
	if (level == IPPROTO_TCP && is->sock.type == SOCK_STREAM) {
		switch (name) {
		case TCP_CORK:
			return &is->tcp_cork;
		case TCP_KEEPIDLE:
			return &is->tcp_keepidle;
		case TCP_KEEPINTVL:
			return &is->tcp_keepintvl;
		case TCP_KEEPCNT:
			return &is->tcp_keepcnt;
		case TCP_QUICKACK:
			return &is->tcp_quickack;
		}
	} else if (level == IPPROTO_IP) {
		switch (name) {
		case IP_PKTINFO:
			return &is->ip_pktinfo;
		case IP_MTU_DISCOVER:
			return &is->ip_mtu_discover;
		case IP_RECVERR:
			return &is->ip_recverr;
		case IP_FREEBIND:
			return &is->ip_freebind;
		case IP_MULTICAST_TTL:
			return &is->ip_mc_ttl;
		case IP_MULTICAST_LOOP:
			return &is->ip_mc_loop;
		}
	}
	return NULL;
}

/* Apply the keepalive timing to a TCP pcb (net lock held). */
static void apply_keepalive(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->pcb.tcp;

	if (is->sock.type != SOCK_STREAM || !pcb || is->state == INET_LISTEN)
		return;
	pcb->keep_idle = (u32)is->tcp_keepidle * 1000;
	pcb->keep_intvl = (u32)is->tcp_keepintvl * 1000;
	pcb->keep_cnt = (u32)is->tcp_keepcnt;
}

/* Tie the pcb to is->bind_dev's interface, or to none (net lock held). */
static void apply_bind_dev(struct inet_sock *is)
{
	struct netif *nif =
		is->bind_dev[0] ? net_netif_by_name(is->bind_dev) : NULL;

	if (is->sock.type == SOCK_STREAM && is->pcb.tcp)
		tcp_bind_netif(is->pcb.tcp, nif);
	else if (is->sock.type == SOCK_DGRAM && is->pcb.udp)
		udp_bind_netif(is->pcb.udp, nif);
}

/* SO_BINDTODEVICE: an interface name (up to 15 bytes, NUL-terminated or
 * not); empty unbinds. ENODEV for an unknown one, as Linux. */
static int set_bind_dev(struct inet_sock *is, const void *val, u32 len)
{
	char name[16] = {0};

	memcpy(name, val, MIN(len, (u32)sizeof(name) - 1));
	net_lock();
	int ret = name[0] && !net_netif_by_name(name) ? -ENODEV : 0;
	if (!ret) {
		memcpy(is->bind_dev, name, sizeof(name));
		apply_bind_dev(is);
	}
	net_unlock();
	return ret;
}

int inet_setsockopt(struct socket *s, int level, int name, const void *val,
		    u32 len)
{
	struct inet_sock *is = inet_of(s);
	int *field = inet_opt_field(is, level, name), v;

	if (level == SOL_SOCKET && name == SO_BINDTODEVICE)
		return set_bind_dev(is, val, len);
	if (level == IPPROTO_IP &&
	    (name == IP_ADD_MEMBERSHIP || name == IP_DROP_MEMBERSHIP ||
	     name == IP_MULTICAST_IF))
		return -ENODEV; /* no multicast: docs/syscalls.md */
	if (!field)
		return -ENOPROTOOPT;
	if (level == IPPROTO_IP && len >= 1 && len < sizeof(int))
		v = *(const u8 *)val;
	else if (len < sizeof(int))
		return -EINVAL;
	else
		memcpy(&v, val, sizeof(v));
	if ((name == TCP_KEEPIDLE || name == TCP_KEEPINTVL) &&
	    level == IPPROTO_TCP && (v < 1 || v > 32767))
		return -EINVAL;
	if (name == TCP_KEEPCNT && level == IPPROTO_TCP && (v < 1 || v > 127))
		return -EINVAL;
	if (name == IP_MULTICAST_TTL && level == IPPROTO_IP) {
		if (v == -1)
			v = 1;
		if (v < 0 || v > 255)
			return -EINVAL;
	}
	if (name == IP_MTU_DISCOVER && level == IPPROTO_IP && (v < 0 || v > 5))
		return -EINVAL;
	if (level == IPPROTO_TCP && name == TCP_QUICKACK)
		v = !!v;
	WRITE_ONCE(*field, v);
	net_lock();
	apply_keepalive(is);
	if (level == IPPROTO_TCP && name == TCP_CORK && !v && is->pcb.tcp &&
	    is->state == INET_CONNECTED)
		tcp_output(is->pcb.tcp); /* uncorked: send what waits */
	net_unlock();
	return 0;
}

/*
 * IP_PKTOPTIONS (TCP only, as Linux): control messages for the options
 * asked for with IP_PKTINFO, IP_RECVTTL and IP_RECVTOS: the local address,
 * the multicast TTL (which an accepted connection takes from the
 * handshake's TTL) and the TOS the connection came in with. Whole
 * messages that fit in *len.
 */
static int tcp_pktoptions(struct inet_sock *is, void *val, u32 *len)
{
	struct sock_msg m = {0};
	u32 n = 0;

	if (READ_ONCE(is->ip_pktinfo)) {
		struct {
			int ifindex;
			u32 spec_dst, addr;
		} pi = {0, is->laddr, is->laddr};
		sock_msg_cmsg(&m, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	}
	if (READ_ONCE(is->sock.opts.ip_recvttl)) {
		int ttl = READ_ONCE(is->ip_mc_ttl);
		sock_msg_cmsg(&m, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	}
	if (READ_ONCE(is->sock.opts.ip_recvtos)) {
		int tos = READ_ONCE(is->ip_rcv_tos);
		sock_msg_cmsg(&m, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	}
	while (n < m.ipctl_len) {
		struct cmsghdr h;
		memcpy(&h, m.ipctl + n, sizeof(h));
		u32 space = CMSG_ALIGN(h.len);
		if (n + space > *len)
			break;
		n += space;
	}
	memcpy(val, m.ipctl, n);
	*len = n;
	return 0;
}

int inet_getsockopt(struct socket *s, int level, int name, void *val, u32 *len)
{
	struct inet_sock *is = inet_of(s);
	int *field = inet_opt_field(is, level, name), v;

	if (level == IPPROTO_IP && name == IP_PKTOPTIONS)
		return s->type == SOCK_STREAM ? tcp_pktoptions(is, val, len)
					      : -ENOPROTOOPT;

	if (level == SOL_SOCKET && name == SO_BINDTODEVICE) {
		net_lock();
		u32 n = strlen(is->bind_dev);
		n = n ? MIN(*len, n + 1) : 0;
		memcpy(val, is->bind_dev, n);
		net_unlock();
		*len = n;
		return 0;
	}
	if (level == IPPROTO_TCP && name == TCP_MAXSEG &&
	    s->type == SOCK_STREAM) {
		net_lock();
		v = is->pcb.tcp && is->state == INET_CONNECTED
			    ? tcp_mss(is->pcb.tcp)
			    : 536; /* Linux's default before a connection */
		net_unlock();
	} else if (field) {
		v = READ_ONCE(*field);
	} else {
		return -ENOPROTOOPT;
	}
	if (*len < sizeof(int) && level == IPPROTO_IP && *len >= 1) {
		*(u8 *)val = v; /* IP options also read as a byte */
		*len = 1;
		return 0;
	}
	memcpy(val, &v, sizeof(v));
	*len = MIN(*len, sizeof(int));
	return 0;
}

int inet_ioctl(struct socket *s, u32 cmd, u64 arg)
{
	struct inet_sock *is = inet_of(s);
	int v = 0;

	if (cmd != SIOCINQ && cmd != SIOCOUTQ)
		return -ENOTTY;
	if (cmd == SIOCINQ) {
		u64 f = spin_lock_irqsave(&is->lock);
		if (is->state == INET_LISTEN) {
			spin_unlock_irqrestore(&is->lock, f);
			return -EINVAL;
		}
		if (s->type == SOCK_DGRAM && is->rq.count) {
			struct sock_chunk *c = list_first_entry(
				&is->rq.chunks, struct sock_chunk, node);
			v = c->len;
		} else if (s->type == SOCK_STREAM) {
			v = is->rq.data;
		}
		spin_unlock_irqrestore(&is->lock, f);
	} else if (s->type == SOCK_STREAM) {
		net_lock();
		if (is->pcb.tcp && is->state == INET_CONNECTED)
			v = TCP_SND_BUF - tcp_sndbuf(is->pcb.tcp);
		net_unlock();
	}
	return put_user(v, arg) ? -EFAULT : 0;
}

/* Apply a stored generic option to the pcb (net lock taken here). */
void inet_opt_changed(struct socket *s, int level, int name)
{
	struct inet_sock *is = inet_of(s);
	struct ip_pcb *ip;

	net_lock();
	ip = s->type == SOCK_STREAM ? (struct ip_pcb *)is->pcb.tcp
				    : (struct ip_pcb *)is->pcb.udp;
	if (!ip) {
		net_unlock();
		return;
	}
	if (level == SOL_SOCKET && name == SO_REUSEADDR) {
		if (READ_ONCE(s->opts.reuseaddr))
			ip_set_option(ip, SOF_REUSEADDR);
		else
			ip_reset_option(ip, SOF_REUSEADDR);
	} else if (level == SOL_SOCKET && name == SO_KEEPALIVE &&
		   s->type == SOCK_STREAM && is->state != INET_LISTEN) {
		if (READ_ONCE(s->opts.keepalive))
			ip_set_option(ip, SOF_KEEPALIVE);
		else
			ip_reset_option(ip, SOF_KEEPALIVE);
	} else if (level == SOL_SOCKET && name == SO_BROADCAST) {
		if (READ_ONCE(s->opts.broadcast))
			ip_set_option(ip, SOF_BROADCAST);
		else
			ip_reset_option(ip, SOF_BROADCAST);
	} else if (level == IPPROTO_IP && name == IP_TTL) {
		ip->ttl = READ_ONCE(s->opts.ip_ttl);
	} else if (level == IPPROTO_IP && name == IP_TOS) {
		ip->tos = READ_ONCE(s->opts.ip_tos);
	} else if (level == IPPROTO_TCP && name == TCP_NODELAY &&
		   s->type == SOCK_STREAM && is->state != INET_LISTEN) {
		if (READ_ONCE(s->opts.tcp_nodelay))
			tcp_nagle_disable(is->pcb.tcp);
		else
			tcp_nagle_enable(is->pcb.tcp);
	}
	net_unlock();
}

/* Every stored option onto a new pcb (accepted connections inherit the
 * listener's options, as Linux; net lock held). */
void inet_apply_opts(struct inet_sock *is)
{
	static const int sol[] = {SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST};
	struct socket *s = &is->sock;
	struct ip_pcb *ip = s->type == SOCK_STREAM
				    ? (struct ip_pcb *)is->pcb.tcp
				    : (struct ip_pcb *)is->pcb.udp;
	int flags[] = {SOF_REUSEADDR, SOF_KEEPALIVE, SOF_BROADCAST};
	int on[] = {s->opts.reuseaddr, s->opts.keepalive, s->opts.broadcast};

	(void)sol;
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		if (on[i])
			ip_set_option(ip, flags[i]);
		else
			ip_reset_option(ip, flags[i]);
	}
	ip->ttl = s->opts.ip_ttl;
	ip->tos = s->opts.ip_tos;
	apply_bind_dev(is);
	if (s->type == SOCK_STREAM && is->state != INET_LISTEN) {
		if (s->opts.tcp_nodelay)
			tcp_nagle_disable(is->pcb.tcp);
		apply_keepalive(is);
	}
}

/* UDP. */

/* A datagram arrived (net lock held): queue it with its source. */
static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p,
			const ip_addr_t *addr, u16_t port)
{
	struct inet_sock *is = arg;
	struct sockaddr_in from = {.family = AF_INET,
				   .port = __builtin_bswap16(port),
				   .addr = ip4_addr_get_u32(ip_2_ip4(addr))};
	struct sock_chunk *c = NULL;

	(void)pcb;
	if (is->rq.bytes + p->tot_len <=
	    (size_t)READ_ONCE(is->sock.opts.rcvbuf))
		c = sock_chunk_alloc(p->tot_len);
	if (c) {
		c->from = sock_addr_new(&from, sizeof(from));
		if (!c->from) {
			sock_chunk_free(c);
			c = NULL;
		}
	}
	if (c) {
		const struct ip_hdr *iph = ip4_current_header();
		struct netif *in = ip_current_input_netif();
		c->ip.valid = iph != NULL;
		if (iph) {
			c->ip.tos = IPH_TOS(iph);
			c->ip.ttl = IPH_TTL(iph);
			c->ip.dst = ip4_addr_get_u32(ip4_current_dest_addr());
			c->ip.ifindex = in ? netif_get_index(in) : 0;
		}
		pbuf_copy_partial(p, c->data, p->tot_len, 0);
		u64 f = spin_lock_irqsave(&is->lock);
		sock_rq_add_locked(&is->rq, c);
		spin_unlock_irqrestore(&is->lock, f);
		sock_wake(&is->sock, POLLIN | POLLRDNORM);
	}
	/* else: the receive buffer is full or memory short: dropped, as
	 * Linux drops datagrams past SO_RCVBUF */
	pbuf_free(p);
}

/*
 * Linux's icmp_err_convert for destination unreachable: the errno of each
 * code and whether it is "fatal" (hard): a UDP socket without IP_RECVERR
 * hears only hard errors, and only when connected (__udp4_lib_err).
 * Code 4 (fragmentation needed) is hard unless IP_PMTUDISC_DONT.
 */
static const struct {
	u8 err, hard;
} icmp_unreach[16] = {
	{ENETUNREACH, 0},  {EHOSTUNREACH, 0}, {ENOPROTOOPT, 1},
	{ECONNREFUSED, 1}, {EMSGSIZE, 1},     {EOPNOTSUPP, 0},
	{ENETUNREACH, 1},  {EHOSTDOWN, 1},    {ENONET, 1},
	{ENETUNREACH, 1},  {EHOSTUNREACH, 1}, {ENETUNREACH, 0},
	{EHOSTUNREACH, 0}, {EHOSTUNREACH, 1}, {EHOSTUNREACH, 1},
	{EHOSTUNREACH, 1},
};

/*
 * ICMP destination unreachable (net lock held; p at the ICMP header: type,
 * code, checksum, 4 unused bytes, then the datagram's IP header and its
 * first 8 bytes). The UDP socket the datagram came from, looked up as
 * Linux's __udp4_lib_err does (the socket that would receive a reply:
 * connected to the quoted destination first, else bound to the port),
 * gets the error as its pending error (recv, send, SO_ERROR return and
 * clear it) and POLLERR: a hard error on a connected socket, any error
 * with IP_RECVERR (no error queue here: MSG_ERRQUEUE stays empty).
 */
void kiln_icmp_dest_unreach(struct pbuf *p)
{
	u8 m[8 + 60 + 8];
	u16 n = pbuf_copy_partial(p, m, sizeof(m), 0);

	if (n < 8 + 20 + 8 || m[1] >= ARRAY_SIZE(icmp_unreach))
		return;
	u8 *ip = m + 8;
	u32 ihl = (ip[0] & 0xf) * 4;
	if (ihl < 20 || 8 + ihl + 8 > n || ip[9] != IPPROTO_UDP)
		return;
	u8 *udp = ip + ihl;
	u32 src, dst;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	u16 sport = (u16)(udp[0] << 8 | udp[1]),
	    dport = (u16)(udp[2] << 8 | udp[3]);
	struct udp_pcb *best = NULL;
	for (struct udp_pcb *u = udp_pcbs; u; u = u->next) {
		u32 lip = ip4_addr_get_u32(ip_2_ip4(&u->local_ip));
		if (!u->recv_arg || u->local_port != sport ||
		    (lip && lip != src))
			continue;
		if (!(u->flags & UDP_FLAGS_CONNECTED)) {
			best = best ? best : u;
			continue;
		}
		if (u->remote_port == dport &&
		    ip4_addr_get_u32(ip_2_ip4(&u->remote_ip)) == dst) {
			best = u;
			break;
		}
	}
	if (!best)
		return;
	struct inet_sock *is = best->recv_arg;
	int err = icmp_unreach[m[1]].err;
	bool hard = icmp_unreach[m[1]].hard;
	/* fragmentation needed: hard unless IP_PMTUDISC_DONT (0) */
	if (m[1] == 4)
		hard = READ_ONCE(is->ip_mtu_discover) != 0;
	if (!READ_ONCE(is->ip_recverr) &&
	    (!hard || !(best->flags & UDP_FLAGS_CONNECTED)))
		return;
	WRITE_ONCE(is->sock.err, err);
	sock_wake(&is->sock, POLLERR | POLLIN | POLLOUT);
}

/* Remember the pcb's names (net lock held). */
static void udp_sync_names(struct inet_sock *is)
{
	struct udp_pcb *pcb = is->pcb.udp;

	is->laddr = ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip));
	is->lport = pcb->local_port;
	if (pcb->flags & UDP_FLAGS_CONNECTED) {
		is->raddr = ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip));
		is->rport = pcb->remote_port;
		if (!is->laddr) /* Linux reports the route's source */
			is->laddr = net_source_addr(is->raddr);
	} else {
		is->raddr = 0;
		is->rport = 0;
	}
}

/* Is a a local address we may bind (or INADDR_ANY)? */
static bool bindable(struct inet_sock *is, u32 a)
{
	return !a || net_addr_is_local(a) || READ_ONCE(is->ip_freebind) ||
	       (is->sock.type == SOCK_DGRAM &&
		(a == 0xffffffff || (a & 0xf0) == 0xe0));
}

int inet_bind_check(struct inet_sock *is, struct sockaddr_in *sin)
{
	if (!bindable(is, sin->addr))
		return -EADDRNOTAVAIL;
	if (is->lport)
		return -EINVAL; /* already bound */
	return 0;
}

static int udp_bind_op(struct socket *s, void *addr, u32 len)
{
	struct inet_sock *is = inet_of(s);
	struct sockaddr_in sin;
	ip_addr_t ip;
	int ret = inet_addr_in(addr, len, true, &sin);

	if (ret)
		return ret;
	net_lock();
	ret = inet_bind_check(is, &sin);
	if (!ret) {
		ip_addr_set_ip4_u32(&ip, sin.addr);
		ret = inet_err(udp_bind(is->pcb.udp, &ip,
					__builtin_bswap16(sin.port)));
	}
	if (!ret)
		udp_sync_names(is);
	net_unlock();
	return ret;
}

static int udp_connect_op(struct socket *s, void *addr, u32 len, bool nonblock)
{
	struct inet_sock *is = inet_of(s);
	struct sockaddr_in sin;
	ip_addr_t ip;
	int ret = inet_addr_in(addr, len, true, &sin);

	(void)nonblock;
	if (ret)
		return ret;
	net_lock();
	if (sin.family == AF_UNSPEC) {
		udp_disconnect(is->pcb.udp);
	} else {
		/* Linux: INADDR_ANY as a destination means this host */
		ip_addr_set_ip4_u32(&ip, sin.addr ? sin.addr : 0x0100007f);
		ret = inet_err(udp_connect(is->pcb.udp, &ip,
					   __builtin_bswap16(sin.port)));
	}
	if (!ret)
		udp_sync_names(is);
	net_unlock();
	return ret;
}

/*
 * sendmsg's IPPROTO_IP control messages, as Linux's ip_cmsg_send: IP_TOS
 * (an int or a byte, 0-255) and IP_TTL (an int, 1-255) for this datagram
 * (-1 in *tos / *ttl: none); IP_PKTINFO is accepted and its source
 * address ignored (one address per interface here); any other IP type is
 * EINVAL; other levels are not ours.
 */
static int ip_cmsgs(const struct sock_msg *m, int *tos, int *ttl)
{
	struct cmsghdr h;
	const u32 hl = sizeof(h);

	*tos = *ttl = -1;
	for (u32 off = 0; m->ctl && m->ctllen - off >= hl;) {
		memcpy(&h, m->ctl + off, hl);
		if (h.len < hl || h.len > m->ctllen - off)
			return -EINVAL;
		const u8 *d = m->ctl + off + hl;
		int v;
		if (h.level == IPPROTO_IP) {
			switch (h.type) {
			case IP_TOS:
				if (h.len == hl + 4)
					memcpy(&v, d, 4);
				else if (h.len == hl + 1)
					v = *d;
				else
					return -EINVAL;
				if (v < 0 || v > 255)
					return -EINVAL;
				*tos = v;
				break;
			case IP_TTL:
				if (h.len != hl + 4)
					return -EINVAL;
				memcpy(&v, d, 4);
				if (v < 1 || v > 255)
					return -EINVAL;
				*ttl = v;
				break;
			case IP_PKTINFO:
				if (h.len != hl + 12)
					return -EINVAL;
				break;
			default:
				return -EINVAL;
			}
		}
		u32 next = CMSG_ALIGN((u32)h.len);
		if (next >= m->ctllen - off)
			break;
		off += next;
	}
	return 0;
}

/* recvmsg's IP control messages for what the socket asked, in Linux's
 * order (ip_cmsg_recv_offset: PKTINFO, TTL, TOS). */
static void ip_cmsgs_out(struct inet_sock *is, struct sock_msg *m)
{
	struct socket *s = &is->sock;

	if (!m->ip.valid)
		return;
	if (READ_ONCE(is->ip_pktinfo)) {
		struct {
			int ifindex;
			u32 spec_dst, addr;
		} pi = {m->ip.ifindex, m->ip.dst, m->ip.dst};
		sock_msg_cmsg(m, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	}
	if (READ_ONCE(s->opts.ip_recvttl)) {
		int ttl = m->ip.ttl;
		sock_msg_cmsg(m, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	}
	if (READ_ONCE(s->opts.ip_recvtos))
		sock_msg_cmsg(m, IPPROTO_IP, IP_TOS, &m->ip.tos, 1);
}

static ssize_t udp_sendmsg(struct socket *s, struct sock_msg *m, int flags,
			   bool nonblock)
{
	struct inet_sock *is = inet_of(s);
	size_t len = m->uio.resid;
	struct sockaddr_in sin = {0};
	struct pbuf *p;
	ip_addr_t ip;
	int ret;

	(void)nonblock;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->namelen) {
		ret = inet_addr_in(m->name, m->namelen, false, &sin);
		if (ret)
			return ret;
	} else if (!READ_ONCE(is->rport)) {
		return -EDESTADDRREQ;
	}
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	int tos, ttl;
	ret = ip_cmsgs(m, &tos, &ttl);
	if (ret)
		return ret;
	if (m->namelen && sin.addr == 0xffffffff &&
	    !READ_ONCE(s->opts.broadcast))
		return -EACCES;
	/* an ICMP error pending: this send returns it (Linux:
	 * sock_alloc_send_pskb), the datagram is not sent */
	ret = sock_take_error(s);
	if (ret)
		return -ret;
	if (READ_ONCE(s->shut) & SEND_SHUTDOWN)
		return -EPIPE;
	p = pbuf_alloc(PBUF_TRANSPORT, len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	if (uio_copyin(&m->uio, p->payload, len)) {
		pbuf_free(p);
		return -EFAULT;
	}
	net_lock();
	struct udp_pcb *pcb = is->pcb.udp;
	u8 saved_tos = pcb->tos, saved_ttl = pcb->ttl;
	if (tos >= 0)
		pcb->tos = tos;
	if (ttl >= 0)
		pcb->ttl = ttl;
	if (m->namelen) {
		ip_addr_set_ip4_u32(&ip, sin.addr ? sin.addr : 0x0100007f);
		ret = inet_err(udp_sendto(is->pcb.udp, p, &ip,
					  __builtin_bswap16(sin.port)));
	} else {
		ret = inet_err(udp_send(is->pcb.udp, p));
	}
	pcb->tos = saved_tos;
	pcb->ttl = saved_ttl;
	if (!ret)
		udp_sync_names(is); /* sendto may have bound it */
	net_unlock();
	pbuf_free(p);
	return ret ? ret : (ssize_t)len;
}

static ssize_t udp_recvmsg(struct socket *s, struct sock_msg *m, int flags,
			   bool nonblock)
{
	struct inet_sock *is = inet_of(s);
	bool consumed;

	if (flags & MSG_OOB)
		return -EINVAL;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN; /* no error queue: always empty */
	/* a pending ICMP error comes before queued data (__skb_recv_udp) */
	int err = sock_take_error(s);
	if (err)
		return -err;
	ssize_t n = sock_rq_recv(s, &is->rq, &is->lock, m, flags, nonblock,
				 &consumed);
	if (n >= 0)
		ip_cmsgs_out(is, m);
	return n;
}

static int udp_shutdown(struct socket *s, int how)
{
	struct inet_sock *is = inet_of(s);

	if (!READ_ONCE(is->rport))
		return -ENOTCONN;
	u64 f = spin_lock_irqsave(&is->lock);
	s->shut |= how == SHUT_RD   ? RCV_SHUTDOWN
		   : how == SHUT_WR ? SEND_SHUTDOWN
				    : SHUTDOWN_MASK;
	spin_unlock_irqrestore(&is->lock, f);
	sock_wake(s, POLLIN | POLLOUT | POLLHUP);
	return 0;
}

static u32 udp_poll(struct socket *s)
{
	struct inet_sock *is = inet_of(s);
	u32 ev = 0;
	u8 shut = READ_ONCE(s->shut);

	if (READ_ONCE(is->rq.count) || (shut & RCV_SHUTDOWN))
		ev |= POLLIN | POLLRDNORM;
	if (!(shut & SEND_SHUTDOWN))
		ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
	if (READ_ONCE(s->err))
		ev |= POLLERR;
	if (shut == SHUTDOWN_MASK)
		ev |= POLLHUP;
	if (shut & RCV_SHUTDOWN)
		ev |= POLLRDHUP;
	return ev;
}

static void udp_release(struct socket *s)
{
	struct inet_sock *is = inet_of(s);

	net_lock();
	if (is->pcb.udp)
		udp_remove(is->pcb.udp);
	is->pcb.udp = NULL;
	net_unlock();
}

static const struct sock_ops udp_ops = {
	.bind = udp_bind_op,
	.connect = udp_connect_op,
	.getname = inet_getname,
	.sendmsg = udp_sendmsg,
	.recvmsg = udp_recvmsg,
	.shutdown = udp_shutdown,
	.poll = udp_poll,
	.ioctl = inet_ioctl,
	.getsockopt = inet_getsockopt,
	.setsockopt = inet_setsockopt,
	.opt_changed = inet_opt_changed,
	.release = udp_release,
	.destroy = inet_destroy,
	.opt_levels = SOCK_LEVEL_IP,
};

/* The family. */

static int inet_create(int type, int protocol, struct socket **out)
{
	struct inet_sock *is;
	int ret = 0;

	if (type == SOCK_STREAM && protocol && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	if (type == SOCK_DGRAM && protocol && protocol != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	is = inet_alloc(type, type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP,
			type == SOCK_STREAM ? &tcp_ops : &udp_ops);
	if (!is)
		return -ENOMEM;
	net_lock();
	if (type == SOCK_STREAM) {
		ret = tcp_sock_create(is);
	} else {
		is->pcb.udp = udp_new_ip_type(IPADDR_TYPE_V4);
		if (is->pcb.udp) {
			udp_recv(is->pcb.udp, udp_recv_cb, is);
			inet_apply_opts(is);
		} else {
			ret = -ENOBUFS;
		}
	}
	net_unlock();
	if (ret) {
		kfree(is);
		return ret;
	}
	*out = &is->sock;
	return 0;
}

const struct sock_family inet_family = {
	.create = inet_create,
};
