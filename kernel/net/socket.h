/* SPDX-License-Identifier: MIT */
/*
 * The socket layer. A socket is a struct socket behind a struct file
 * (socket_fops). Each address family (AF_UNIX now; AF_INET/AF_INET6 over
 * lwIP later) embeds struct socket in its own object and supplies a
 * struct sock_ops. This layer owns what every family shares: fds and the
 * file ops, blocking decisions (O_NONBLOCK read from f->flags at each call,
 * MSG_DONTWAIT, SO_RCVTIMEO/SO_SNDTIMEO), SIGPIPE, SCM_RIGHTS file
 * passing, user I/O vectors, queues of data chunks and their readers
 * (net/socket.c), and the option store (net/sockopt.c).
 *
 * Lifetime: sock->refcount counts the file (dropped after ops->release at
 * the last close) and every family-internal holder (a peer, an accept
 * queue); ops->destroy frees the object at zero, so a socket's wait queues
 * outlive any peer that may still wake them.
 * Locking: each family guards its state with its own spinlocks and never
 * sleeps or touches user memory while holding one; it wakes wait queues
 * only after dropping them. sock->wq's lock guards only its waiters.
 * Option words are read and written whole (READ_ONCE/WRITE_ONCE).
 */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H

#include <kernel/list.h>
#include <kernel/types.h>
#include "fs/file.h"
#include "fs/uio.h"
#include "sched/waitq.h"
#include <uapi/socket.h>

#define AF_MAX 46

#define SOCK_TYPE_MASK 0xf

/* Shutdown state bits of a socket end (Linux's sk_shutdown). */
#define RCV_SHUTDOWN  1
#define SEND_SHUTDOWN 2
#define SHUTDOWN_MASK 3

#define SCM_MAX_FD 253 /* files in one message, as Linux */

#ifndef ESOCKTNOSUPPORT /* missing from uapi/errno.h */
#define ESOCKTNOSUPPORT 94
#endif

#define SOCK_ADDR_MAX	 128	/* sizeof(struct sockaddr_storage) */
#define SOCK_BUF_DEFAULT 212992 /* rmem/wmem_default and _max */
#define SOCK_SOMAXCONN	 4096

/* Files in flight (SCM_RIGHTS), each holding a reference. */
struct scm_fds {
	int count;
	struct file *files[];
};

/* An immutable, shared socket address (bound names, datagram sources). */
struct sock_addr {
	int refcount; /* atomic */
	u32 len;
	u8 bytes[];
};

/* A control message header (struct cmsghdr) and its alignment. */
struct cmsghdr {
	u64 len;
	int level;
	int type;
};
#define CMSG_ALIGN(n) ALIGN_UP(n, 8)

/* What the IP header of a received datagram said (recvmsg's IP-level
 * control messages). */
struct sock_ipinfo {
	bool valid;
	u8 tos, ttl;
	u32 dst;     /* network byte order */
	int ifindex; /* the interface it came in on */
};

/* One queued piece of data: (part of) one send, or one datagram/record. */
struct sock_chunk {
	struct list_head node;
	u32 len;		/* data bytes */
	u32 off;		/* bytes already consumed */
	struct scm_fds *fds;	/* rights sent with these bytes, or NULL */
	struct sock_addr *from; /* sender's address (counted), or NULL */
	struct sock_ipinfo ip;	/* IPv4 datagrams: for IP_PKTINFO/TOS/TTL */
	u8 data[];
};

/*
 * A receive queue of chunks. The owner's spinlock (passed in) guards the
 * list and the counts; counts may be read without it for wait conditions.
 * Readers take turns (reading), so a reader can copy out of the chunk at
 * the head with the lock dropped.
 */
struct sock_rq {
	struct list_head chunks;
	size_t bytes;	       /* data plus overhead: flow control */
	size_t data;	       /* unread data bytes */
	u32 count;	       /* chunks */
	bool reading;	       /* a reader has its turn (atomic) */
	struct waitq io_wq;    /* readers waiting for their turn */
	struct waitq space_wq; /* senders waiting for room */
};

/* A message in kernel form: sendmsg/recvmsg, send/recv, read/write. */
struct sock_msg {
	struct uio uio;
	void *name;	     /* send: SOCK_ADDR_MAX bytes; recv: a buffer */
	u32 namelen;	     /* send: given (0: none); recv: set (0: none) */
	struct scm_fds *fds; /* send: the family takes it (sets NULL);
				recv: the family hands received files here */
	int oflags;	     /* recv: MSG_TRUNC, MSG_CTRUNC... out */
	const u8 *ctl;	     /* send: the control data (a kernel copy) */
	u32 ctllen;
	struct sock_ipinfo ip; /* recv: of the datagram read */
	u8 ipctl[80];	       /* recv: the family's control messages */
	u32 ipctl_len;	       /* (whole cmsgs, each CMSG_ALIGNed) */
};

/* Append a control message to m->ipctl (recv); false if it is full. */
bool sock_msg_cmsg(struct sock_msg *m, int level, int type, const void *data,
		   u32 len);
/* Copy m->ipctl to the user's control buffer after the first *used
 * bytes (as Linux's put_cmsg: truncated ones set MSG_CTRUNC). */
int sock_msg_ipctl_out(struct sock_msg *m, u64 uctl, u64 ctllen, u64 *used);

struct socket;

struct sock_ops {
	/* addr points to SOCK_ADDR_MAX bytes, len of them from the user. */
	int (*bind)(struct socket *s, void *addr, u32 len);
	int (*listen)(struct socket *s, int backlog);
	/* The next connection as a new socket holding one reference. */
	int (*accept)(struct socket *s, struct socket **out, bool nonblock);
	int (*connect)(struct socket *s, void *addr, u32 len, bool nonblock);
	/* This end's (peer false) or the peer's address, at most
	 * SOCK_ADDR_MAX bytes; its length into *len. */
	int (*getname)(struct socket *s, void *addr, u32 *len, bool peer);
	ssize_t (*sendmsg)(struct socket *s, struct sock_msg *m, int flags,
			   bool nonblock);
	ssize_t (*recvmsg)(struct socket *s, struct sock_msg *m, int flags,
			   bool nonblock);
	int (*shutdown)(struct socket *s, int how);
	/* Current POLL* events; the generic layer registers s->wq. */
	u32 (*poll)(struct socket *s);
	int (*ioctl)(struct socket *s, u32 cmd, u64 arg);
	/* Options the generic table does not know (SO_PEERCRED...):
	 * value into val (*len bytes of room, set to the length). */
	int (*getsockopt)(struct socket *s, int level, int name, void *val,
			  u32 *len);
	/* Options the table does not know; val has len bytes (at most 16). */
	int (*setsockopt)(struct socket *s, int level, int name,
			  const void *val, u32 len);
	/* A table option was stored in s->opts: apply it (TCP_NODELAY to
	 * the connection, say). NULL: nothing to do. */
	void (*opt_changed)(struct socket *s, int level, int name);
	void (*release)(struct socket *s); /* the last fd closed */
	void (*destroy)(struct socket *s); /* the last reference: free */
	u32 opt_levels; /* SOCK_LEVEL_*: option levels beyond SOL_SOCKET */
};

#define SOCK_LEVEL_IP	0x1
#define SOCK_LEVEL_TCP	0x2
#define SOCK_LEVEL_IPV6 0x4 /* no table entries yet: the family's hooks */

/* Option values; defaults as Linux. Whole words, no lock. */
struct sock_opts {
	int priority, rcvbuf, sndbuf, rcvlowat;
	int linger_on, linger_sec;
	int keepalive, reuseaddr, reuseport, broadcast, oobinline, dontroute;
	u64 rcvtimeo_ns, sndtimeo_ns; /* 0: wait forever */
	int ip_tos, ip_ttl, ip_recvtos, ip_recvttl, tcp_nodelay;
};

struct socket {
	int refcount; /* atomic */
	u16 family, type, protocol;
	bool listening; /* SO_ACCEPTCONN; written by the family */
	u8 shut;	/* RCV_SHUTDOWN | SEND_SHUTDOWN: the family's lock */
	int err;	/* pending error (positive errno, atomic), or 0 */
	const struct sock_ops *ops;
	struct waitq wq; /* readiness: woken on every state change */
	struct sock_opts opts;
};

/* A family: create a socket, or a connected pair (NULL: EOPNOTSUPP). */
struct sock_family {
	int (*create)(int type, int protocol, struct socket **out);
	int (*socketpair)(int type, int protocol, struct socket **a,
			  struct socket **b);
};

extern const struct sock_family unix_family;
extern const struct sock_family netlink_family;
extern const struct file_ops socket_fops;

/* Lifetime (families call sock_init on their embedded struct socket). */
void sock_init(struct socket *s, int family, int type, int protocol,
	       const struct sock_ops *ops);
void sock_get(struct socket *s);
void sock_put(struct socket *s);
/* Wake everyone waiting on s (threads and epoll) for events. */
void sock_wake(struct socket *s, u32 events);
/* Take the pending error (SO_ERROR semantics: a positive errno), or 0. */
int sock_take_error(struct socket *s);

/* Blocking waits: deadline from SO_RCVTIMEO/SO_SNDTIMEO (0: none), and
 * the error a wait result becomes (-EAGAIN on timeout, -EINTR instead of
 * a restart when a timeout was set, as Linux). */
u64 sock_deadline(struct socket *s, bool send);
int sock_wait_error(int ret, u64 deadline);

/* User I/O vectors. */

/* Addresses. */
struct sock_addr *sock_addr_new(const void *bytes, u32 len);
struct sock_addr *sock_addr_get(struct sock_addr *a);
void sock_addr_put(struct sock_addr *a);

/* Chunks: alloc (data uninitialised) and free (drops fds and from). */
struct sock_chunk *sock_chunk_alloc(size_t len);
void sock_chunk_free(struct sock_chunk *c);
void sock_chunks_free(struct list_head *chunks);
#define SOCK_CHUNK_MAX (4 * PAGE_SIZE - sizeof(struct sock_chunk))

/* Receive queues. */
void sock_rq_init(struct sock_rq *q);
void sock_rq_add_locked(struct sock_rq *q, struct sock_chunk *c);
/* Move every chunk to the list head out (not yet initialised). */
void sock_rq_take_locked(struct sock_rq *q, struct list_head *out);
/*
 * Read from q into m: a stream (SOCK_STREAM) read glues chunks up to the
 * first that carried files, other types read one record (MSG_TRUNC).
 * When q is empty: data first, then s->err, then EOF at RCV_SHUTDOWN,
 * else wait on s->wq (or -EAGAIN). Wakes q->space_wq and sets *consumed
 * if it took data. Handles MSG_PEEK, MSG_WAITALL, SO_RCVLOWAT/RCVTIMEO.
 */
ssize_t sock_rq_recv(struct socket *s, struct sock_rq *q, struct spinlock *lock,
		     struct sock_msg *m, int flags, bool nonblock,
		     bool *consumed);

/* SCM_RIGHTS. */
struct scm_fds *scm_fds_dup(const struct scm_fds *fds);
void scm_fds_put(struct scm_fds *fds);
/* Take references to the files of the SCM_RIGHTS in a kernel copy of a
 * control buffer; *out is NULL if there were none. */
int scm_parse(const u8 *ctl, size_t len, struct scm_fds **out);
/* Install received files as fds and write the SCM_RIGHTS message to the
 * user control buffer; *used gets the bytes written; sets MSG_CTRUNC in
 * *oflags when some did not fit. Consumes fds. */
int scm_deliver(struct scm_fds *fds, u64 uctl, u64 ctllen, int flags, u64 *used,
		int *oflags);

/* The mechanism under the syscalls (sys/sys_socket.c). */
struct socket *sock_of_file(struct file *f);
int sock_create(int family, int type, int protocol, struct socket **out);
int sock_socketpair(int family, int type, int protocol, struct socket **a,
		    struct socket **b);
/* A new file for s (taking over its reference); O_NONBLOCK from flags. */
int sock_file(struct socket *s, u32 flags, struct file **out);
/* Close a socket that never got a file. */
void sock_discard(struct socket *s);
ssize_t sock_sendmsg(struct file *f, struct sock_msg *m, int flags);
ssize_t sock_recvmsg(struct file *f, struct sock_msg *m, int flags);
int sock_accept(struct file *f, struct socket **out);
int sock_connect(struct file *f, void *addr, u32 len);
int sock_setsockopt(struct socket *s, int level, int name, const void *val,
		    u32 len);
int sock_getsockopt(struct socket *s, int level, int name, void *val, u32 *len);

#endif
