// SPDX-License-Identifier: MIT
/*
 * AF_NETLINK, NETLINK_ROUTE: just enough for glibc's getifaddrs() and
 * its address-family check in getaddrinfo (__check_pf): RTM_GETLINK and
 * RTM_GETADDR dumps of the interfaces (net_ifaces). Each request is
 * answered at once with one datagram of RTM_NEWLINK/RTM_NEWADDR messages
 * and one NLMSG_DONE, queued on the socket like any datagram. Other
 * requests are acknowledged with an NLMSG_ERROR of -EOPNOTSUPP; other
 * netlink protocols are EPROTONOSUPPORT.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "netstack.h"
#include "socket.h"
#include "arch/x86_64/percpu.h"
#include "mm/kheap.h"
#include "proc/proc.h"
#include <uapi/socket.h>

#define NETLINK_ROUTE	  0
#define NLMSG_ERROR	  2
#define NLMSG_DONE	  3
#define NLM_F_REQUEST	  0x1
#define NLM_F_MULTI	  0x2
#define NLM_F_ACK	  0x4
#define NLM_F_DUMP	  0x300
#define RTM_NEWLINK	  16
#define RTM_GETLINK	  18
#define RTM_NEWADDR	  20
#define RTM_GETADDR	  22
#define IFLA_ADDRESS	  1
#define IFLA_BROADCAST	  2
#define IFLA_IFNAME	  3
#define IFLA_MTU	  4
#define IFA_ADDRESS	  1
#define IFA_LOCAL	  2
#define IFA_LABEL	  3
#define IFA_BROADCAST	  4
#define IFF_UP		  0x1
#define IFF_BROADCAST	  0x2
#define IFF_LOOPBACK	  0x8
#define IFF_RUNNING	  0x40
#define IFF_MULTICAST	  0x1000
#define IFF_LOWER_UP	  0x10000
#define ARPHRD_ETHER	  1
#define ARPHRD_LOOPBACK	  772
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_HOST	  254
#define NL_IFACES_MAX	  8
#define NL_REPLY_MAX	  4096

struct nlmsghdr {
	u32 len;
	u16 type, flags;
	u32 seq, pid;
};

struct sockaddr_nl {
	u16 family, pad;
	u32 pid, groups;
};

struct ifinfomsg {
	u8 family, pad;
	u16 type;
	s32 index;
	u32 flags, change;
};

struct ifaddrmsg {
	u8 family, prefixlen, flags, scope;
	u32 index;
};

struct rtattr {
	u16 len, type;
};

struct nl_sock {
	struct socket sock;
	struct spinlock lock; /* rq, sock.shut */
	struct sock_rq rq;
	u32 pid; /* bound port id; 0 until bound (autobind on send) */
};

#define NLA_ALIGN(n) ALIGN_UP(n, 4)

static struct nl_sock *nl_of(struct socket *s)
{
	return container_of(s, struct nl_sock, sock);
}

/* A reply being built: messages appended to one buffer. */
struct nl_reply {
	u8 *buf;
	u32 len;
	u32 seq, pid;
};

static void *nl_put(struct nl_reply *r, u32 n)
{
	void *p;

	if (r->len + NLA_ALIGN(n) > NL_REPLY_MAX)
		return NULL;
	p = r->buf + r->len;
	memset(p, 0, NLA_ALIGN(n));
	r->len += NLA_ALIGN(n);
	return p;
}

static struct nlmsghdr *nl_msg(struct nl_reply *r, u16 type, u16 flags)
{
	struct nlmsghdr *h = nl_put(r, sizeof(*h));

	if (h) {
		h->type = type;
		h->flags = flags;
		h->seq = r->seq;
		h->pid = r->pid;
	}
	return h;
}

static void nl_attr(struct nl_reply *r, struct nlmsghdr *h, u16 type,
		    const void *data, u16 len)
{
	struct rtattr *a = nl_put(r, sizeof(*a) + len);

	if (!a)
		return;
	a->len = sizeof(*a) + len;
	a->type = type;
	memcpy(a + 1, data, len);
	h->len = r->buf + r->len - (u8 *)h;
}

static void nl_link(struct nl_reply *r, const struct net_iface *i)
{
	struct nlmsghdr *h = nl_msg(r, RTM_NEWLINK, NLM_F_MULTI);
	struct ifinfomsg *m = nl_put(r, sizeof(*m));
	static const u8 bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	u32 mtu = i->mtu;

	if (!h || !m)
		return;
	m->type = i->loopback ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
	m->index = i->index;
	m->flags = (i->up ? IFF_UP | IFF_RUNNING | IFF_LOWER_UP : 0) |
		   (i->loopback ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST);
	h->len = r->buf + r->len - (u8 *)h;
	nl_attr(r, h, IFLA_IFNAME, i->name, strlen(i->name) + 1);
	nl_attr(r, h, IFLA_MTU, &mtu, 4);
	nl_attr(r, h, IFLA_ADDRESS, i->mac, 6);
	nl_attr(r, h, IFLA_BROADCAST, i->loopback ? i->mac : bcast, 6);
}

static void nl_addr(struct nl_reply *r, const struct net_iface *i)
{
	struct nlmsghdr *h;
	struct ifaddrmsg *m;
	u32 bcast = (i->addr & i->mask) | ~i->mask;

	if (!i->addr)
		return;
	h = nl_msg(r, RTM_NEWADDR, NLM_F_MULTI);
	m = nl_put(r, sizeof(*m));
	if (!h || !m)
		return;
	m->family = AF_INET;
	for (u32 b = i->mask; b; b &= b - 1)
		m->prefixlen++; /* the mask's bits (no libgcc popcount) */
	m->scope = i->loopback ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
	m->index = i->index;
	h->len = r->buf + r->len - (u8 *)h;
	nl_attr(r, h, IFA_ADDRESS, &i->addr, 4);
	nl_attr(r, h, IFA_LOCAL, &i->addr, 4);
	if (!i->loopback)
		nl_attr(r, h, IFA_BROADCAST, &bcast, 4);
	nl_attr(r, h, IFA_LABEL, i->name, strlen(i->name) + 1);
}

/* Queue one reply datagram (the buffer is copied into a chunk). */
static int nl_queue(struct nl_sock *ns, const struct nl_reply *r)
{
	struct sockaddr_nl kernel = {.family = AF_NETLINK};
	struct sock_chunk *c = sock_chunk_alloc(r->len);

	if (!c)
		return -ENOBUFS;
	c->from = sock_addr_new(&kernel, sizeof(kernel));
	if (!c->from) {
		sock_chunk_free(c);
		return -ENOBUFS;
	}
	memcpy(c->data, r->buf, r->len);
	u64 f = spin_lock_irqsave(&ns->lock);
	sock_rq_add_locked(&ns->rq, c);
	spin_unlock_irqrestore(&ns->lock, f);
	sock_wake(&ns->sock, POLLIN | POLLRDNORM);
	return 0;
}

/* Answer one request message. */
static int nl_request(struct nl_sock *ns, const struct nlmsghdr *req)
{
	struct net_iface ifs[NL_IFACES_MAX];
	struct nl_reply r = {.seq = req->seq, .pid = ns->pid};
	int n, ret;

	if (!(req->flags & NLM_F_REQUEST))
		return 0;
	r.buf = kmalloc(NL_REPLY_MAX);
	if (!r.buf)
		return -ENOBUFS;
	if ((req->type == RTM_GETLINK || req->type == RTM_GETADDR) &&
	    (req->flags & NLM_F_DUMP) == NLM_F_DUMP) {
		n = net_ifaces(ifs, NL_IFACES_MAX);
		for (int i = 0; i < n; i++) {
			if (req->type == RTM_GETLINK)
				nl_link(&r, &ifs[i]);
			else
				nl_addr(&r, &ifs[i]);
		}
		ret = nl_queue(ns, &r);
		r.len = 0;
		struct nlmsghdr *h = nl_msg(&r, NLMSG_DONE, NLM_F_MULTI);
		int *zero = nl_put(&r, sizeof(int));
		h->len = sizeof(*h) + sizeof(*zero);
		if (!ret)
			ret = nl_queue(ns, &r);
	} else {
		/* an error message carrying the request's header */
		struct nlmsghdr *h = nl_msg(&r, NLMSG_ERROR, 0);
		int *err = nl_put(&r, sizeof(int));
		struct nlmsghdr *orig = nl_put(&r, sizeof(*orig));
		*err = -EOPNOTSUPP;
		*orig = *req;
		h->len = r.len;
		ret = nl_queue(ns, &r);
	}
	kfree(r.buf);
	return ret;
}

static void nl_autobind(struct nl_sock *ns)
{
	if (!ns->pid)
		ns->pid = current->proc->pid;
}

static int nl_bind(struct socket *s, void *addr, u32 len)
{
	struct nl_sock *ns = nl_of(s);
	struct sockaddr_nl sa;

	if (len < sizeof(sa))
		return -EINVAL;
	memcpy(&sa, addr, sizeof(sa));
	if (sa.family != AF_NETLINK)
		return -EINVAL;
	if (sa.groups)
		return -EOPNOTSUPP; /* no multicast groups */
	ns->pid = sa.pid ? sa.pid : (u32)current->proc->pid;
	return 0;
}

static int nl_connect(struct socket *s, void *addr, u32 len, bool nonblock)
{
	(void)addr, (void)len, (void)nonblock;
	nl_autobind(nl_of(s));
	return 0;
}

static int nl_getname(struct socket *s, void *addr, u32 *len, bool peer)
{
	struct sockaddr_nl sa = {.family = AF_NETLINK};

	if (!peer)
		sa.pid = nl_of(s)->pid;
	memcpy(addr, &sa, sizeof(sa));
	*len = sizeof(sa);
	return 0;
}

static ssize_t nl_sendmsg(struct socket *s, struct sock_msg *m, int flags,
			  bool nonblock)
{
	struct nl_sock *ns = nl_of(s);
	size_t len = m->uio.resid;
	u8 *buf;
	int ret = 0;

	(void)flags, (void)nonblock;
	if (len > 65536)
		return -EMSGSIZE;
	buf = kmalloc(len ? len : 1);
	if (!buf)
		return -ENOBUFS;
	if (uio_copyin(&m->uio, buf, len)) {
		kfree(buf);
		return -EFAULT;
	}
	nl_autobind(ns);
	for (size_t off = 0; off + sizeof(struct nlmsghdr) <= len;) {
		struct nlmsghdr h;
		memcpy(&h, buf + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > len - off)
			break;
		if ((ret = nl_request(ns, &h)))
			break;
		off += NLA_ALIGN(h.len);
	}
	kfree(buf);
	return ret ? ret : (ssize_t)len;
}

static ssize_t nl_recvmsg(struct socket *s, struct sock_msg *m, int flags,
			  bool nonblock)
{
	struct nl_sock *ns = nl_of(s);
	bool consumed;

	return sock_rq_recv(s, &ns->rq, &ns->lock, m, flags, nonblock,
			    &consumed);
}

static u32 nl_poll(struct socket *s)
{
	return (READ_ONCE(nl_of(s)->rq.count) ? POLLIN | POLLRDNORM : 0) |
	       POLLOUT | POLLWRNORM;
}

static void nl_release(struct socket *s)
{
	(void)s;
}

static void nl_destroy(struct socket *s)
{
	struct nl_sock *ns = nl_of(s);
	struct list_head chunks;

	sock_rq_take_locked(&ns->rq, &chunks);
	sock_chunks_free(&chunks);
	kfree(ns);
}

static const struct sock_ops nl_ops = {
	.bind = nl_bind,
	.connect = nl_connect,
	.getname = nl_getname,
	.sendmsg = nl_sendmsg,
	.recvmsg = nl_recvmsg,
	.poll = nl_poll,
	.release = nl_release,
	.destroy = nl_destroy,
};

static int nl_create(int type, int protocol, struct socket **out)
{
	struct nl_sock *ns;

	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	ns = kzalloc(sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	sock_init(&ns->sock, AF_NETLINK, type, protocol, &nl_ops);
	spin_init(&ns->lock);
	sock_rq_init(&ns->rq);
	*out = &ns->sock;
	return 0;
}

const struct sock_family netlink_family = {
	.create = nl_create,
};
