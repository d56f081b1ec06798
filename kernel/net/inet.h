/* SPDX-License-Identifier: MIT */
/*
 * AF_INET sockets over lwIP's raw API, shared by net/inet.c (the family,
 * addresses, options, ioctls, UDP) and net/tcp.c (TCP).
 *
 * Locking: is->pcb, the names and state are guarded by the net lock (every
 * lwIP callback runs under it); rq, the accept queue and sock.shut by
 * is->lock (a spinlock, taken inside the net lock). Poll reads single
 * words without locks. No user memory is touched under either: data is
 * staged through kernel buffers (sends) or chunks (receives).
 * Lifetime: the file holds one reference; so does a listener's accept
 * queue for each connection in it. lwIP's callbacks point at the socket
 * only while the file is open: release detaches them under the net lock,
 * so no callback ever sees a freed socket.
 */
#ifndef NET_INET_H
#define NET_INET_H

#include "socket.h"
#include <uapi/socket.h>

enum { INET_CLOSED, INET_LISTEN, INET_CONNECTING, INET_CONNECTED };

struct tcp_pcb;
struct udp_pcb;

/* struct sockaddr_in */
struct sockaddr_in {
	u16 family;
	u16 port; /* network byte order */
	u32 addr; /* network byte order */
	u8 zero[8];
};
_Static_assert(sizeof(struct sockaddr_in) == 16, "sockaddr_in");

struct inet_sock {
	struct socket sock;
	struct spinlock lock; /* rq, accq, nacc, sock.shut */
	struct sock_rq rq;    /* bytes (TCP) or datagrams with sources */
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
	} pcb;		       /* net lock; NULL once lwIP freed it */
	u8 state;	       /* INET_*; net lock */
	bool was_connected;    /* TCP: ever connected (recv: ENOTCONN) */
	bool writable;	       /* TCP: room to send; net lock writes */
	u32 recved;	       /* TCP: bytes read, window not yet given back */
	u32 laddr, raddr;      /* network byte order; net lock */
	u16 lport, rport;      /* host byte order; 0: none */
	int backlog;	       /* listener: accept queue limit */
	struct list_head accq; /* listener: connections to accept */
	int nacc;
	struct list_head acc_node;
	/* Options Linux stores and reports that lwIP has no use for. */
	int tcp_cork, tcp_keepidle, tcp_keepintvl, tcp_keepcnt, tcp_quickack;
	int ip_recverr, ip_pktinfo, ip_mtu_discover, ip_mc_ttl, ip_mc_loop;
	int ip_freebind;
	int ip_rcv_tos;	   /* TCP: the TOS the connection came in with */
	char bind_dev[16]; /* SO_BINDTODEVICE; "" for none; net lock */
};

static inline struct inet_sock *inet_of(struct socket *s)
{
	return container_of(s, struct inet_sock, sock);
}

/* Common (net/inet.c). */
struct inet_sock *inet_alloc(int type, int protocol,
			     const struct sock_ops *ops);
/* Check a sockaddr_in from the user (buf holds SOCK_ADDR_MAX bytes). */
int inet_addr_in(const void *buf, u32 len, bool allow_unspec,
		 struct sockaddr_in *out);
int inet_getname(struct socket *s, void *addr, u32 *len, bool peer);
int inet_getsockopt(struct socket *s, int level, int name, void *val, u32 *len);
int inet_setsockopt(struct socket *s, int level, int name, const void *val,
		    u32 len);
int inet_ioctl(struct socket *s, u32 cmd, u64 arg);
void inet_destroy(struct socket *s);
/* A stored generic option changed: apply it to the pcb. */
void inet_opt_changed(struct socket *s, int level, int name);
/* Every stored option onto a new pcb (net lock held). */
void inet_apply_opts(struct inet_sock *is);
/* bind's checks before lwIP's: a local address, not yet bound. */
int inet_bind_check(struct inet_sock *is, struct sockaddr_in *sin);
/* SIOCGIFCONF and SIOCGIF*: the interfaces (net/netstack.c). */
int netif_ioctl(u32 cmd, u64 arg);
/* lwIP's err_t as a negative errno. */
int inet_err(int lwip_err);

/* TCP (net/tcp.c). */
extern const struct sock_ops tcp_ops;
extern const struct sock_family inet_family;
int tcp_sock_create(struct inet_sock *is);
/* Connections by state and the listeners' queues (the NMI dump). */
void tcp_dump(void);

#endif
