// SPDX-License-Identifier: MIT
/*
 * Socket options: one table of every stored option (SOL_SOCKET for all
 * families; IPPROTO_IP and IPPROTO_TCP for families that ask for them in
 * sock_ops.opt_levels), the read-only ones computed from the socket, and
 * the family's hook for the rest (AF_UNIX: SO_PEERCRED). Values are
 * validated, stored and reported back the way Linux does.
 */
#include <kernel/string.h>
#include "socket.h"
#include "sched/time.h"

/* Options: one table for every stored option; values as Linux reports. */

enum opt_kind {
	OPT_INT,
	OPT_BOOL,
	OPT_BUF,      /* SO_SNDBUF/SO_RCVBUF: capped, doubled */
	OPT_BUFFORCE, /* the same without the cap */
	OPT_LOWAT,
	OPT_LINGER,
	OPT_TIMEO,
	OPT_TTL,
	OPT_TOS,
};

struct opt_desc {
	u16 level, name;
	u8 kind;
	u8 off; /* in struct sock_opts */
};

#define OPT(l, n, k, field)                                                    \
	{                                                                      \
		l, n, k, offsetof(struct sock_opts, field)                     \
	}
static const struct opt_desc opt_table[] = {
	OPT(SOL_SOCKET, SO_REUSEADDR, OPT_BOOL, reuseaddr),
	OPT(SOL_SOCKET, SO_DONTROUTE, OPT_BOOL, dontroute),
	OPT(SOL_SOCKET, SO_BROADCAST, OPT_BOOL, broadcast),
	OPT(SOL_SOCKET, SO_SNDBUF, OPT_BUF, sndbuf),
	OPT(SOL_SOCKET, SO_RCVBUF, OPT_BUF, rcvbuf),
	OPT(SOL_SOCKET, SO_SNDBUFFORCE, OPT_BUFFORCE, sndbuf),
	OPT(SOL_SOCKET, SO_RCVBUFFORCE, OPT_BUFFORCE, rcvbuf),
	OPT(SOL_SOCKET, SO_KEEPALIVE, OPT_BOOL, keepalive),
	OPT(SOL_SOCKET, SO_OOBINLINE, OPT_BOOL, oobinline),
	OPT(SOL_SOCKET, SO_PRIORITY, OPT_INT, priority),
	OPT(SOL_SOCKET, SO_LINGER, OPT_LINGER, linger_on),
	OPT(SOL_SOCKET, SO_REUSEPORT, OPT_BOOL, reuseport),
	OPT(SOL_SOCKET, SO_RCVLOWAT, OPT_LOWAT, rcvlowat),
	OPT(SOL_SOCKET, SO_RCVTIMEO, OPT_TIMEO, rcvtimeo_ns),
	OPT(SOL_SOCKET, SO_SNDTIMEO, OPT_TIMEO, sndtimeo_ns),
	OPT(SOL_SOCKET, SO_RCVTIMEO_NEW, OPT_TIMEO, rcvtimeo_ns),
	OPT(SOL_SOCKET, SO_SNDTIMEO_NEW, OPT_TIMEO, sndtimeo_ns),
	OPT(IPPROTO_IP, IP_TOS, OPT_TOS, ip_tos),
	OPT(IPPROTO_IP, IP_TTL, OPT_TTL, ip_ttl),
	OPT(IPPROTO_IP, IP_RECVTTL, OPT_BOOL, ip_recvttl),
	OPT(IPPROTO_IP, IP_RECVTOS, OPT_BOOL, ip_recvtos),
	OPT(IPPROTO_TCP, TCP_NODELAY, OPT_BOOL, tcp_nodelay),
};

#define SOCK_MIN_SNDBUF 4608 /* Linux x86_64 */
#define SOCK_MIN_RCVBUF 2304

/* The descriptor of (level, name), or NULL with the error in *err. */
static const struct opt_desc *opt_find(struct socket *s, int level, int name,
				       int *err)
{
	u32 bit = level == IPPROTO_IP	  ? SOCK_LEVEL_IP
		  : level == IPPROTO_TCP  ? SOCK_LEVEL_TCP
		  : level == IPPROTO_IPV6 ? SOCK_LEVEL_IPV6
					  : 0;

	*err = -ENOPROTOOPT;
	if (level != SOL_SOCKET && !(s->ops->opt_levels & bit)) {
		/* an IP socket passes other levels down to ip_setsockopt,
		 * which knows none (ENOPROTOOPT); AF_UNIX has no level but
		 * SOL_SOCKET (EOPNOTSUPP) */
		if (!s->ops->opt_levels)
			*err = -EOPNOTSUPP;
		return NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++)
		if (opt_table[i].level == level && opt_table[i].name == name)
			return &opt_table[i];
	return NULL;
}

struct linger_val {
	int on, sec;
};

struct timeval_val {
	s64 sec, usec;
};

static int set_timeo(u64 *field, const void *val, u32 len)
{
	struct timeval_val tv;

	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.usec < 0 || tv.usec >= 1000000)
		return -EDOM;
	u64 ns = 0;
	if (tv.sec < 0)
		ns = 1; /* Linux: a zero timeout, i.e. no wait at all */
	else if (tv.sec > 0 || tv.usec > 0)
		ns = (u64)MIN(tv.sec, 1LL << 32) * NSEC_PER_SEC +
		     tv.usec * 1000;
	WRITE_ONCE(*field, ns);
	return 0;
}

/* Linux's __sock_set_{snd,rcv}buf. */
static int buf_size(int v, bool cap, bool snd)
{
	if (cap && (u32)v > SOCK_BUF_DEFAULT)
		v = SOCK_BUF_DEFAULT;
	v = MIN(MAX(v, 0), 0x3fffffff);
	return MAX(v * 2, snd ? SOCK_MIN_SNDBUF : SOCK_MIN_RCVBUF);
}

static int opt_set(struct socket *s, const struct opt_desc *d, const void *val,
		   u32 len)
{
	int *field = (int *)((u8 *)&s->opts + d->off), v;

	if (d->kind == OPT_TIMEO)
		return set_timeo((u64 *)field, val, len);
	if (d->kind == OPT_LINGER) {
		struct linger_val l;
		if (len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		if (l.on)
			WRITE_ONCE(s->opts.linger_sec, l.sec);
		WRITE_ONCE(s->opts.linger_on, !!l.on);
		return 0;
	}
	if (d->level == IPPROTO_IP && len >= 1 && len < sizeof(int))
		v = *(const u8 *)val; /* IP options also take a byte */
	else if (len < sizeof(int))
		return -EINVAL;
	else
		memcpy(&v, val, sizeof(v));
	bool snd = field == &s->opts.sndbuf;
	switch (d->kind) {
	case OPT_BOOL:
		v = !!v;
		break;
	case OPT_BUF:
	case OPT_BUFFORCE:
		v = buf_size(v, d->kind == OPT_BUF, snd);
		break;
	case OPT_LOWAT:
		v = v < 0 ? 0x7fffffff : v ? v : 1;
		break;
	case OPT_TTL:
		if (v == -1)
			v = 64;
		if (v < 1 || v > 255)
			return -EINVAL;
		break;
	case OPT_TOS: /* TCP keeps the ECN bits to itself */
		if (s->type == SOCK_STREAM)
			v = (v & ~3) | (READ_ONCE(*field) & 3);
		v &= 0xff;
		break;
	}
	WRITE_ONCE(*field, v);
	return 0;
}

static u32 opt_value(struct socket *s, const struct opt_desc *d, void *buf)
{
	const int *field = (const int *)((const u8 *)&s->opts + d->off);

	if (d->kind == OPT_TIMEO) {
		u64 ns = READ_ONCE(*(const u64 *)field);
		struct timeval_val tv = {0, 0};
		if (ns > 1) {
			tv.sec = ns / NSEC_PER_SEC;
			tv.usec = ns % NSEC_PER_SEC / 1000;
		}
		memcpy(buf, &tv, sizeof(tv));
		return sizeof(tv);
	}
	if (d->kind == OPT_LINGER) {
		struct linger_val l = {READ_ONCE(s->opts.linger_on),
				       READ_ONCE(s->opts.linger_sec)};
		memcpy(buf, &l, sizeof(l));
		return sizeof(l);
	}
	int v = READ_ONCE(*field);
	memcpy(buf, &v, sizeof(v));
	return sizeof(v);
}

int sock_setsockopt(struct socket *s, int level, int name, const void *val,
		    u32 len)
{
	int err;
	const struct opt_desc *d = opt_find(s, level, name, &err);

	if (!d && err == -ENOPROTOOPT && s->ops->setsockopt)
		return s->ops->setsockopt(s, level, name, val, len);
	if (!d)
		return err;
	err = opt_set(s, d, val, len);
	if (!err && s->ops->opt_changed)
		s->ops->opt_changed(s, level, name);
	return err;
}

/* The read-only SOL_SOCKET options; false if name is not one. */
static bool opt_readonly(struct socket *s, int name, int *v)
{
	switch (name) {
	case SO_TYPE:
		*v = s->type;
		return true;
	case SO_PROTOCOL:
		*v = s->protocol;
		return true;
	case SO_DOMAIN:
		*v = s->family;
		return true;
	case SO_ACCEPTCONN:
		*v = READ_ONCE(s->listening);
		return true;
	case SO_ERROR:
		*v = sock_take_error(s);
		return true;
	}
	return false;
}

int sock_getsockopt(struct socket *s, int level, int name, void *val, u32 *len)
{
	u8 buf[16];
	u32 n = sizeof(int);
	int err, v;

	if (level == SOL_SOCKET && opt_readonly(s, name, &v)) {
		memcpy(buf, &v, sizeof(v));
	} else {
		const struct opt_desc *d = opt_find(s, level, name, &err);
		if (!d && err == -ENOPROTOOPT && s->ops->getsockopt)
			return s->ops->getsockopt(s, level, name, val, len);
		if (!d)
			return err;
		n = opt_value(s, d, buf);
	}
	*len = MIN(*len, n);
	memcpy(val, buf, *len);
	return 0;
}
