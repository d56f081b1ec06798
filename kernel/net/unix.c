// SPDX-License-Identifier: MIT
/*
 * AF_UNIX sockets: SOCK_STREAM, SOCK_SEQPACKET and SOCK_DGRAM; socketpair;
 * listen/accept/connect with accept queues; SCM_RIGHTS (names, abstract
 * "\0name" or paths, are in net/unix_name.c).
 *
 * Each end is a struct unix_sock. Data sent to an end waits in its receive
 * queue as chunks (net/socket.h); a sender may queue while the receiver
 * holds less than the sender's SO_SNDBUF. A connect queues a ready-made
 * server end (an embryo, already connected to the client) on the
 * listener, and accept takes it. A stream read glues chunks but stops
 * after one that carried files, so rights stay with the bytes they were
 * sent with; one read of a record socket returns one record.
 *
 * Locking: u->lock guards an end's state and queues. Two ends' locks are
 * never held together: an operation takes a counted reference to the
 * other end and locks it on its own. Nothing sleeps or touches user memory
 * under these locks: readers take turns (struct sock_rq) and copy out with
 * the lock dropped; wakeups happen after unlocking.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "unix.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"

static const struct sock_ops unix_ops;

struct unix_sock *unix_new(int type, int protocol)
{
	struct unix_sock *u = kzalloc(sizeof(*u));

	if (!u)
		return NULL;
	sock_init(&u->sk, AF_UNIX, type, protocol, &unix_ops);
	spin_init(&u->lock);
	sock_rq_init(&u->rq);
	list_init(&u->acceptq);
	list_init(&u->accept_node);
	waitq_init(&u->accept_wq);
	u->cred = (struct ucred){0, -1, -1}; /* Linux, when there is none */
	return u;
}

static int unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = unix_of(s);
	int ret = 0;

	if (s->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if ((u32)backlog > SOCK_SOMAXCONN)
		backlog = SOCK_SOMAXCONN;
	u64 f = spin_lock_irqsave(&u->lock);
	if (!u->addr || (u->state != UNIX_CLOSE && u->state != UNIX_LISTEN)) {
		ret = -EINVAL;
	} else {
		u->backlog = backlog;
		u->state = UNIX_LISTEN;
		u->cred = unix_current_cred();
		WRITE_ONCE(s->listening, true);
	}
	spin_unlock_irqrestore(&u->lock, f);
	/* the backlog may have grown: tell waiting connectors */
	waitq_wake(&u->rq.space_wq, POLLOUT, -1);
	return ret;
}

/* Queue embryo e on listener l, waiting for room; consumes nothing. */
static int enqueue_embryo(struct unix_sock *l, struct unix_sock *e,
			  bool nonblock, u64 deadline, struct ucred *lcred)
{
	for (;;) {
		int ret = 0;
		u64 f = spin_lock_irqsave(&l->lock);
		if (l->state != UNIX_LISTEN || (l->sk.shut & RCV_SHUTDOWN))
			ret = -ECONNREFUSED;
		else if (l->qlen > l->backlog) /* Linux allows backlog + 1 */
			ret = -EAGAIN;
		if (!ret) {
			list_add_tail(&e->accept_node, &l->acceptq);
			l->qlen++;
			*lcred = l->cred;
		}
		spin_unlock_irqrestore(&l->lock, f);
		if (ret != -EAGAIN || nonblock)
			return ret;
		ret = waitq_wait_event(
			&l->rq.space_wq,
			READ_ONCE(l->qlen) <= READ_ONCE(l->backlog) ||
				READ_ONCE(l->state) != UNIX_LISTEN ||
				(READ_ONCE(l->sk.shut) & RCV_SHUTDOWN),
			deadline);
		if (ret)
			return sock_wait_error(ret, deadline);
	}
}

static int stream_connect(struct unix_sock *u, struct unix_sock *l,
			  bool nonblock)
{
	int ret = 0;
	u64 f = spin_lock_irqsave(&u->lock);

	if (u->state != UNIX_CLOSE)
		ret = u->state == UNIX_CONNECTED    ? -EISCONN
		      : u->state == UNIX_CONNECTING ? -EALREADY
						    : -EINVAL;
	else
		u->state = UNIX_CONNECTING;
	spin_unlock_irqrestore(&u->lock, f);
	if (ret)
		return ret;
	struct unix_sock *e = unix_new(u->sk.type, u->sk.protocol);
	if (!e) {
		ret = -ENOMEM;
		goto fail;
	}
	sock_get(&u->sk);
	e->peer = u;
	e->state = UNIX_CONNECTED;
	e->addr = sock_addr_get(READ_ONCE(l->addr));
	e->cred = unix_current_cred();
	sock_get(&e->sk);
	f = spin_lock_irqsave(&u->lock);
	u->peer = e; /* not used before the state says connected */
	spin_unlock_irqrestore(&u->lock, f);
	struct ucred lcred;
	ret = enqueue_embryo(l, e, nonblock, sock_deadline(&u->sk, true),
			     &lcred);
	f = spin_lock_irqsave(&u->lock);
	if (ret) {
		u->peer = NULL;
		u->state = UNIX_CLOSE;
	} else {
		u->state = UNIX_CONNECTED;
		u->cred = lcred;
	}
	spin_unlock_irqrestore(&u->lock, f);
	if (ret) {
		sock_put(&e->sk); /* u->peer's */
		sock_put(&e->sk); /* the queue's: destroys it */
		return ret;
	}
	sock_wake(&l->sk, POLLIN | POLLRDNORM);
	waitq_wake(&l->accept_wq, POLLIN, 1);
	sock_wake(&u->sk, POLLOUT | POLLWRNORM);
	return 0;
fail:
	f = spin_lock_irqsave(&u->lock);
	u->state = UNIX_CLOSE;
	spin_unlock_irqrestore(&u->lock, f);
	return ret;
}

/* Datagram connect: set (or with AF_UNSPEC clear) the default peer. */
static int dgram_connect(struct unix_sock *u, struct unix_sock *p)
{
	u64 f = spin_lock_irqsave(&u->lock);
	struct unix_sock *old = u->peer;

	u->peer = p;
	u->state = p ? UNIX_CONNECTED : UNIX_CLOSE;
	spin_unlock_irqrestore(&u->lock, f);
	if (old)
		sock_put(&old->sk);
	sock_wake(&u->sk, ALL_EVENTS);
	return 0;
}

static int unix_connect(struct socket *s, void *addr, u32 len, bool nonblock)
{
	struct unix_sock *u = unix_of(s), *l;
	u8 *buf = addr;

	if (s->type == SOCK_DGRAM && len >= 2 && !buf[0] && !buf[1])
		return dgram_connect(u, NULL);
	int ret = unix_addr_check(buf, len, &len);
	if (!ret)
		ret = unix_find(buf, len, s->type, &l);
	if (ret)
		return ret;
	if (s->type == SOCK_DGRAM)
		return dgram_connect(u, l); /* l's reference goes to u->peer */
	ret = stream_connect(u, l, nonblock);
	sock_put(&l->sk);
	return ret;
}

static int unix_accept(struct socket *s, struct socket **out, bool nonblock)
{
	struct unix_sock *u = unix_of(s), *e = NULL;
	u64 deadline = sock_deadline(s, false);
	bool more = false;

	if (s->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	for (;;) {
		int ret = 0;
		u64 f = spin_lock_irqsave(&u->lock);
		if (u->state != UNIX_LISTEN) {
			ret = -EINVAL;
		} else if (!list_empty(&u->acceptq)) {
			e = list_first_entry(&u->acceptq, struct unix_sock,
					     accept_node);
			list_del(&e->accept_node);
			more = --u->qlen > 0;
		} else if (u->sk.shut & RCV_SHUTDOWN) {
			ret = -EINVAL; /* as Linux: shutdown wakes accept */
		}
		spin_unlock_irqrestore(&u->lock, f);
		if (ret || e)
			break;
		if (nonblock)
			return -EAGAIN;
		ret = waitq_wait_event(
			&u->accept_wq,
			READ_ONCE(u->qlen) > 0 ||
				READ_ONCE(u->state) != UNIX_LISTEN ||
				(READ_ONCE(u->sk.shut) & RCV_SHUTDOWN),
			deadline);
		if (ret) { /* pass on a wakeup we may have taken */
			more = READ_ONCE(u->qlen) > 0;
			if (more)
				waitq_wake(&u->accept_wq, POLLIN, 1);
			return sock_wait_error(ret, deadline);
		}
	}
	if (more)
		waitq_wake(&u->accept_wq, POLLIN, 1);
	if (!e)
		return -EINVAL;
	waitq_wake(&u->rq.space_wq, POLLOUT, -1); /* connectors: room */
	*out = &e->sk;
	return 0;
}

static int unix_getname(struct socket *s, void *addr, u32 *len, bool peer)
{
	struct unix_sock *u = unix_of(s);
	struct sock_addr *a = NULL;
	int ret = 0;
	u64 f = spin_lock_irqsave(&u->lock);

	if (!peer)
		a = sock_addr_get(u->addr);
	else if (!u->peer || u->state != UNIX_CONNECTED)
		ret = -ENOTCONN;
	else
		a = sock_addr_get(READ_ONCE(u->peer->addr));
	spin_unlock_irqrestore(&u->lock, f);
	if (ret)
		return ret;
	if (a) {
		memcpy(addr, a->bytes, a->len);
		*len = a->len;
		sock_addr_put(a);
	} else {
		u16 family = AF_UNIX;
		memcpy(addr, &family, sizeof(family));
		*len = sizeof(family);
	}
	return 0;
}

/* Why u may not send to p now (lockless reads are fine: rechecked under
 * p->lock before queueing), or 0. */
static int send_check(struct unix_sock *u, struct unix_sock *p)
{
	if (READ_ONCE(u->sk.shut) & SEND_SHUTDOWN)
		return -EPIPE;
	if (READ_ONCE(p->dead))
		return u->sk.type == SOCK_DGRAM ? -ECONNREFUSED : -EPIPE;
	if (READ_ONCE(p->sk.shut) & RCV_SHUTDOWN)
		return -EPIPE;
	if (u->sk.type == SOCK_DGRAM) { /* a connected receiver only
					   hears its peer */
		struct unix_sock *pp = READ_ONCE(p->peer);
		if (pp && pp != u)
			return -EPERM;
	}
	return 0;
}

static bool has_room(struct unix_sock *u, struct unix_sock *p)
{
	return READ_ONCE(p->rq.bytes) < (size_t)READ_ONCE(u->sk.opts.sndbuf);
}

/* Wait until p's queue has room for u's data (or sending fails). */
static int wait_room(struct unix_sock *u, struct unix_sock *p, bool nonblock,
		     u64 deadline)
{
	for (;;) {
		int ret = send_check(u, p);
		if (ret || has_room(u, p))
			return ret;
		if (nonblock)
			return -EAGAIN;
		ret = waitq_wait_event(&p->rq.space_wq,
				       has_room(u, p) || send_check(u, p),
				       deadline);
		if (ret)
			return sock_wait_error(ret, deadline);
	}
}

/* Copy n bytes of m into a chunk (with m's files) and queue it on p. */
static int queue_chunk(struct unix_sock *u, struct unix_sock *p,
		       struct sock_msg *m, size_t n)
{
	struct sock_chunk *c = sock_chunk_alloc(n);

	if (!c)
		return -ENOMEM;
	if (uio_copyin(&m->uio, c->data, n)) {
		sock_chunk_free(c);
		return -EFAULT;
	}
	c->fds = m->fds;
	m->fds = NULL;
	c->from = sock_addr_get(READ_ONCE(u->addr));
	u64 f = spin_lock_irqsave(&p->lock);
	int ret = send_check(u, p);
	if (!ret)
		sock_rq_add_locked(&p->rq, c);
	spin_unlock_irqrestore(&p->lock, f);
	if (ret) {
		sock_chunk_free(c);
		return ret;
	}
	sock_wake(&p->sk, POLLIN | POLLRDNORM);
	return 0;
}

/* The end a message goes to, referenced. */
static int send_target(struct unix_sock *u, struct sock_msg *m,
		       struct unix_sock **out)
{
	int type = u->sk.type, ret = 0;

	if (m->namelen && type == SOCK_STREAM)
		return READ_ONCE(u->state) == UNIX_CONNECTED ? -EISCONN
							     : -EOPNOTSUPP;
	if (m->namelen && type == SOCK_DGRAM) {
		u32 len;
		ret = unix_addr_check(m->name, m->namelen, &len);
		return ret ? ret : unix_find(m->name, len, type, out);
	}
	/* SOCK_SEQPACKET ignores an address, as Linux */
	u64 f = spin_lock_irqsave(&u->lock);
	if (u->state != UNIX_CONNECTED || !u->peer)
		ret = -ENOTCONN;
	else
		sock_get(&(*out = u->peer)->sk);
	spin_unlock_irqrestore(&u->lock, f);
	return ret;
}

static ssize_t unix_sendmsg(struct socket *s, struct sock_msg *m, int flags,
			    bool nonblock)
{
	struct unix_sock *u = unix_of(s), *p;
	size_t total = m->uio.resid, sent = 0;
	u64 deadline = sock_deadline(s, true);
	int ret;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if ((ret = send_target(u, m, &p)))
		return ret;
	if (s->type != SOCK_STREAM) { /* one record */
		if (total > (size_t)READ_ONCE(s->opts.sndbuf) - 32)
			ret = -EMSGSIZE;
		else if (!(ret = wait_room(u, p, nonblock, deadline)))
			ret = queue_chunk(u, p, m, total);
		sent = ret ? 0 : total;
	} else if (READ_ONCE(u->sk.shut) & SEND_SHUTDOWN) {
		ret = -EPIPE;
	}
	while (s->type == SOCK_STREAM && !ret && sent < total) {
		size_t n = MIN(total - sent, SOCK_CHUNK_MAX);
		ret = wait_room(u, p, nonblock, deadline);
		if (!ret)
			ret = queue_chunk(u, p, m, n);
		if (!ret)
			sent += n;
	}
	sock_put(&p->sk);
	return sent || !ret ? (ssize_t)sent : ret;
}

/* Tell the peer's pollers that it may write again (sock_rq_recv woke
 * the senders blocked on u's queue). */
static void recv_done(struct unix_sock *u)
{
	u64 f = spin_lock_irqsave(&u->lock);
	struct unix_sock *p = u->peer;

	if (p)
		sock_get(&p->sk);
	spin_unlock_irqrestore(&u->lock, f);
	if (p) {
		sock_wake(&p->sk, POLLOUT | POLLWRNORM | POLLWRBAND);
		sock_put(&p->sk);
	}
}

static ssize_t unix_recvmsg(struct socket *s, struct sock_msg *m, int flags,
			    bool nonblock)
{
	struct unix_sock *u = unix_of(s);
	bool consumed;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (s->type != SOCK_DGRAM && READ_ONCE(u->state) != UNIX_CONNECTED)
		return s->type == SOCK_STREAM ? -EINVAL : -ENOTCONN;
	ssize_t ret = sock_rq_recv(s, &u->rq, &u->lock, m, flags, nonblock,
				   &consumed);
	if (consumed)
		recv_done(u);
	return ret;
}

static int unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = unix_of(s), *p = NULL;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	u8 mode = (how + 1) & SHUTDOWN_MASK;
	u64 f = spin_lock_irqsave(&u->lock);
	u->sk.shut |= mode;
	if (u->peer && s->type != SOCK_DGRAM)
		sock_get(&(p = u->peer)->sk);
	spin_unlock_irqrestore(&u->lock, f);
	if (p) {
		u8 pmode = (mode & RCV_SHUTDOWN ? SEND_SHUTDOWN : 0) |
			   (mode & SEND_SHUTDOWN ? RCV_SHUTDOWN : 0);
		f = spin_lock_irqsave(&p->lock);
		p->sk.shut |= pmode;
		spin_unlock_irqrestore(&p->lock, f);
		sock_wake(&p->sk, ALL_EVENTS);
		waitq_wake(&p->rq.space_wq, POLLOUT, -1);
		sock_put(&p->sk);
	}
	sock_wake(s, ALL_EVENTS);
	waitq_wake(&u->rq.space_wq, POLLOUT, -1);
	waitq_wake(&u->accept_wq, POLLIN, -1);
	return 0;
}

static u32 unix_poll(struct socket *s)
{
	struct unix_sock *u = unix_of(s);
	u32 mask = READ_ONCE(s->err) ? POLLERR : 0;
	u64 f = spin_lock_irqsave(&u->lock);
	struct unix_sock *p = u->peer;

	if (u->sk.shut == SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (u->sk.shut & RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (u->rq.count || u->qlen)
		mask |= POLLIN | POLLRDNORM;
	if (s->type != SOCK_DGRAM && u->state == UNIX_CLOSE)
		mask |= POLLHUP;
	/* writable, as Linux: what we have queued is at most sndbuf / 4 */
	if (u->state != UNIX_LISTEN &&
	    (!p || READ_ONCE(p->dead) ||
	     READ_ONCE(p->rq.bytes) * 4 <= (size_t)READ_ONCE(s->opts.sndbuf)))
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	spin_unlock_irqrestore(&u->lock, f);
	return mask;
}

/* Different from Linux: SIOCOUTQ counts data bytes, not buffer sizes. */
static int unix_ioctl(struct socket *s, u32 cmd, u64 arg)
{
	struct unix_sock *u = unix_of(s);
	int v = 0, ret = 0;
	u64 f = spin_lock_irqsave(&u->lock);

	if (cmd == FIONREAD && u->state == UNIX_LISTEN)
		ret = -EINVAL;
	else if (cmd == FIONREAD && s->type == SOCK_DGRAM && u->rq.count)
		v = list_first_entry(&u->rq.chunks, struct sock_chunk, node)
			    ->len;
	else if (cmd == FIONREAD && s->type != SOCK_DGRAM)
		v = u->rq.data;
	else if (cmd == SIOCOUTQ && u->peer)
		v = READ_ONCE(u->peer->rq.data);
	else if (cmd != FIONREAD && cmd != SIOCOUTQ)
		ret = -ENOTTY;
	spin_unlock_irqrestore(&u->lock, f);
	return ret ? ret : put_user(v, arg);
}

static int unix_getsockopt(struct socket *s, int level, int name, void *val,
			   u32 *len)
{
	struct unix_sock *u = unix_of(s);

	if (level != SOL_SOCKET || name != SO_PEERCRED)
		return -ENOPROTOOPT;
	u64 f = spin_lock_irqsave(&u->lock);
	struct ucred c = u->cred;
	spin_unlock_irqrestore(&u->lock, f);
	*len = MIN(*len, sizeof(c));
	memcpy(val, &c, *len);
	return 0;
}

/* The end's last fd is gone (or a listener drops an embryo): tell the
 * peer, and free what is queued. */
static void unix_close(struct unix_sock *u, bool embryo)
{
	struct list_head rq, embryos;

	unix_name_remove(u);
	u64 f = spin_lock_irqsave(&u->lock);
	struct unix_sock *p = u->peer;
	bool unread = u->rq.count > 0;
	u->dead = true;
	u->state = UNIX_CLOSE;
	u->sk.shut = SHUTDOWN_MASK;
	u->peer = NULL;
	WRITE_ONCE(u->sk.listening, false);
	sock_rq_take_locked(&u->rq, &rq);
	list_insert_between(&embryos, u->acceptq.prev, &u->acceptq);
	list_del(&u->acceptq);
	u->qlen = 0;
	spin_unlock_irqrestore(&u->lock, f);
	if (p && u->sk.type != SOCK_DGRAM) {
		f = spin_lock_irqsave(&p->lock);
		if (p->peer == u) {
			p->sk.shut = SHUTDOWN_MASK;
			if (unread || embryo)
				WRITE_ONCE(p->sk.err, ECONNRESET);
		}
		spin_unlock_irqrestore(&p->lock, f);
	}
	if (p) {
		sock_wake(&p->sk, ALL_EVENTS);
		waitq_wake(&p->rq.space_wq, POLLOUT, -1);
		sock_put(&p->sk);
	}
	waitq_wake(&u->rq.space_wq, POLLOUT, -1);
	sock_chunks_free(&rq);
	while (!list_empty(&embryos)) {
		struct unix_sock *e = list_first_entry(
			&embryos, struct unix_sock, accept_node);
		list_del(&e->accept_node);
		unix_close(e, true);
		sock_put(&e->sk);
	}
}

static void unix_release(struct socket *s)
{
	unix_close(unix_of(s), false);
}

static void unix_destroy(struct socket *s)
{
	struct unix_sock *u = unix_of(s);

	if (u->peer)
		sock_put(&u->peer->sk);
	sock_chunks_free(&u->rq.chunks);
	sock_addr_put(u->addr);
	kfree(u);
}

static const struct sock_ops unix_ops = {
	.bind = unix_bind,
	.listen = unix_listen,
	.accept = unix_accept,
	.connect = unix_connect,
	.getname = unix_getname,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.poll = unix_poll,
	.ioctl = unix_ioctl,
	.getsockopt = unix_getsockopt,
	.release = unix_release,
	.destroy = unix_destroy,
};

static int unix_check_type(int *type, int protocol)
{
	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (*type == SOCK_RAW)
		*type = SOCK_DGRAM; /* as Linux */
	if (*type != SOCK_STREAM && *type != SOCK_DGRAM &&
	    *type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	return 0;
}

static int unix_create(int type, int protocol, struct socket **out)
{
	int ret = unix_check_type(&type, protocol);

	if (ret)
		return ret;
	struct unix_sock *u = unix_new(type, protocol);
	if (!u)
		return -ENOMEM;
	*out = &u->sk;
	return 0;
}

static int unix_socketpair(int type, int protocol, struct socket **a,
			   struct socket **b)
{
	int ret = unix_check_type(&type, protocol);

	if (ret)
		return ret;
	struct unix_sock *x = unix_new(type, protocol);
	struct unix_sock *y = unix_new(type, protocol);
	if (!x || !y) {
		kfree(x);
		kfree(y);
		return -ENOMEM;
	}
	sock_get(&y->sk);
	x->peer = y;
	sock_get(&x->sk);
	y->peer = x;
	x->state = y->state = UNIX_CONNECTED;
	x->cred = y->cred = unix_current_cred();
	*a = &x->sk;
	*b = &y->sk;
	return 0;
}

const struct sock_family unix_family = {
	.create = unix_create,
	.socketpair = unix_socketpair,
};
