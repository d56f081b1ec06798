/* SPDX-License-Identifier: MIT */
/*
 * AF_UNIX internals shared by net/unix.c (sockets, connections, data) and
 * net/unix_name.c (the bound-name table, bind, address lookup).
 */
#ifndef NET_UNIX_H
#define NET_UNIX_H

#include "socket.h"
#include "arch/x86_64/percpu.h"
#include "proc/proc.h"

enum { UNIX_CLOSE, UNIX_CONNECTING, UNIX_CONNECTED, UNIX_LISTEN };

struct ucred {
	int pid, uid, gid;
};

struct unix_sock {
	struct socket sk;	  /* sk.wq: readiness of this end */
	struct spinlock lock;	  /* guards the fields down to cred */
	u8 state;		  /* UNIX_*; the lock also guards sk.shut */
	bool dead;		  /* the last fd was closed */
	struct unix_sock *peer;	  /* counted; cleared at release */
	struct sock_addr *addr;	  /* bound name (counted); set once */
	struct sock_rq rq;	  /* received data; rq.space_wq also has
				     connectors waiting for acceptq room */
	struct list_head acceptq; /* listening: embryos, by accept_node */
	struct list_head accept_node;
	int qlen, backlog;
	struct ucred cred;	     /* what SO_PEERCRED reports */
	struct vnode *vn;	     /* path-bound: its node; names_lock */
	struct unix_sock *name_next; /* names table chain; names_lock */
	struct waitq accept_wq;	     /* threads in accept, woken one by one */
};

#define UNIX_PATH_MAX 108
#define UNIX_ADDR_MAX (2 + UNIX_PATH_MAX)
#define ALL_EVENTS                                                             \
	(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLWRBAND | POLLHUP |   \
	 POLLRDHUP | POLLERR)
#define SIOCOUTQ 0x5411
#define FIONREAD 0x541B

static inline struct unix_sock *unix_of(struct socket *s)
{
	return container_of(s, struct unix_sock, sk);
}

static inline struct ucred unix_current_cred(void)
{
	return (struct ucred){current->proc->pid, 0, 0};
}

struct unix_sock *unix_new(int type, int protocol);

/* Names (net/unix_name.c). */
int unix_bind(struct socket *s, void *addr, u32 len);
/* Check a sockaddr_un (buf holds SOCK_ADDR_MAX bytes, len from the user)
 * and give its canonical length in *out. */
int unix_addr_check(u8 *buf, u32 len, u32 *out);
/* The bound end of type called addr (canonical), referenced. */
int unix_find(const u8 *addr, u32 len, int type, struct unix_sock **out);
/* Take u's name out of the table (its address stays for getsockname). */
void unix_name_remove(struct unix_sock *u);

#endif
