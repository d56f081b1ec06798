// SPDX-License-Identifier: MIT
/*
 * TCP sockets over lwIP's raw API (see inet.h for locking and lifetime).
 *
 * Receive: lwIP's recv callback copies each segment into a chunk on the
 * socket's queue and wakes readers; the window opens (tcp_recved) only as
 * the program reads, so the queue is the receive buffer. Send: data is
 * copied from the program into a kernel buffer outside the lock, then
 * handed to tcp_write as room allows; a full send buffer blocks (or
 * EAGAIN) until the sent callback reports room. Listen: connections lwIP
 * completes join the accept queue and stay counted against the backlog
 * (tcp_backlog_delayed) until accept() takes them, so SYNs beyond it are
 * dropped and retried by the peer, as on Linux. Close sends FIN, or RST
 * when unread data remains or SO_LINGER is {1, 0}.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "inet.h"
#include "netstack.h"
#include "arch/x86_64/percpu.h"
#include "mm/kheap.h"

#define TCP_STAGE_MAX (64 * 1024) /* bytes staged from the user per round */

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
			 err_t err);
static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len);
static void tcp_err_cb(void *arg, err_t err);

/* Is there room to send (net lock held)? Linux-like hysteresis: a
 * sender that filled the buffer waits until a good part of it drained. */
static bool room_to_send(struct tcp_pcb *pcb)
{
	return tcp_sndbuf(pcb) >= TCP_SNDLOWAT &&
	       tcp_sndqueuelen(pcb) < TCP_SNDQUEUELOWAT;
}

/*
 * Reading gives lwIP back window in batches: taking the stack lock for
 * every read cost more than the rest of a small recv, and lwIP advertises
 * window growth only in steps of TCP_WND_UPDATE_THRESHOLD anyway. The
 * credit owed is at most a batch short (the window is 256 KiB), and is
 * settled whenever the connection's lock is held for something else:
 * arriving data, a send. (Linux also defers: tcp_cleanup_rbuf.)
 */
#define TCP_RECVED_BATCH (2 * TCP_MSS)

/* Give lwIP the window of what the reader consumed (net lock held). */
static void settle_recved(struct inet_sock *is)
{
	u32 n = __atomic_exchange_n(&is->recved, 0, __ATOMIC_RELAXED);

	while (n && is->pcb.tcp) {
		u16 k = MIN(n, 0xffffu);
		tcp_recved(is->pcb.tcp, k);
		n -= k;
	}
}

/* Remember the pcb's names (net lock held). */
static void tcp_sync_names(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->pcb.tcp;

	is->laddr = ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip));
	is->lport = pcb->local_port;
	if (is->state == INET_CONNECTED || is->state == INET_CONNECTING) {
		is->raddr = ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip));
		is->rport = pcb->remote_port;
	}
}

/* Point a connection pcb's callbacks at is (net lock held). */
static void tcp_attach(struct inet_sock *is, struct tcp_pcb *pcb)
{
	is->pcb.tcp = pcb;
	tcp_arg(pcb, is);
	tcp_recv(pcb, tcp_recv_cb);
	tcp_sent(pcb, tcp_sent_cb);
	tcp_err(pcb, tcp_err_cb);
}

/* Take every callback away from pcb: lwIP owns it from now on. */
static void tcp_detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	if (pcb->state == LISTEN) {
		tcp_accept(pcb, NULL);
		return;
	}
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
}

int tcp_sock_create(struct inet_sock *is)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);

	if (!pcb)
		return -ENOBUFS;
	tcp_attach(is, pcb);
	inet_apply_opts(is);
	return 0;
}

/* Callbacks (net lock held). */

static void set_shut(struct inet_sock *is, u8 bits)
{
	u64 f = spin_lock_irqsave(&is->lock);
	is->sock.shut |= bits;
	spin_unlock_irqrestore(&is->lock, f);
}

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
			 err_t err)
{
	struct inet_sock *is = arg;

	(void)pcb;
	if (!p) { /* the peer's FIN */
		set_shut(is, RCV_SHUTDOWN);
		sock_wake(&is->sock, POLLIN | POLLRDNORM | POLLRDHUP);
		return ERR_OK;
	}
	if (err != ERR_OK || (READ_ONCE(is->sock.shut) & RCV_SHUTDOWN)) {
		/* after shutdown(SHUT_RD) Linux discards what arrives */
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	settle_recved(is);
	struct sock_chunk *c = sock_chunk_alloc(p->tot_len);
	if (!c)
		return ERR_MEM; /* lwIP keeps the data and offers it again */
	pbuf_copy_partial(p, c->data, p->tot_len, 0);
	pbuf_free(p);
	u64 f = spin_lock_irqsave(&is->lock);
	sock_rq_add_locked(&is->rq, c);
	spin_unlock_irqrestore(&is->lock, f);
	sock_wake(&is->sock, POLLIN | POLLRDNORM);
	return ERR_OK;
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct inet_sock *is = arg;

	(void)len;
	if (!is->writable && room_to_send(pcb)) {
		is->writable = true;
		sock_wake(&is->sock, POLLOUT | POLLWRNORM);
	}
	return ERR_OK;
}

/* lwIP freed the pcb: a reset, a timeout or an abort. */
static void tcp_err_cb(void *arg, err_t err)
{
	struct inet_sock *is = arg;
	int e = err == ERR_RST	  ? ECONNRESET
		: err == ERR_ABRT ? ETIMEDOUT
				  : ECONNRESET;

	if (!is)
		return;
	if (is->state == INET_CONNECTING)
		e = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
	is->pcb.tcp = NULL;
	is->state = INET_CLOSED;
	is->writable = false;
	WRITE_ONCE(is->sock.err, e);
	set_shut(is, SHUTDOWN_MASK);
	sock_wake(&is->sock, POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP);
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *is = arg;

	(void)err;
	is->state = INET_CONNECTED;
	is->was_connected = true;
	is->writable = room_to_send(pcb);
	tcp_sync_names(is);
	inet_apply_opts(is);
	sock_wake(&is->sock, POLLOUT | POLLWRNORM);
	return ERR_OK;
}

/* A connection completed on listener l: queue it for accept(). */
static err_t tcp_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *l = arg, *c;

	if (err != ERR_OK || !pcb || !l)
		return ERR_VAL;
	c = inet_alloc(SOCK_STREAM, IPPROTO_TCP, &tcp_ops);
	if (!c)
		return ERR_MEM; /* lwIP resets the connection */
	c->sock.opts = l->sock.opts;
	c->tcp_keepidle = l->tcp_keepidle;
	c->tcp_keepintvl = l->tcp_keepintvl;
	c->tcp_keepcnt = l->tcp_keepcnt;
	memcpy(c->bind_dev, l->bind_dev, sizeof(c->bind_dev));
	c->state = INET_CONNECTED;
	c->was_connected = true;
	/* as Linux's tcp_v4_syn_recv_sock: the handshake's TOS and TTL,
	 * for IP_PKTOPTIONS (this runs inside tcp_input) */
	const struct ip_hdr *iph = ip4_current_header();
	if (iph) {
		c->ip_rcv_tos = IPH_TOS(iph);
		c->ip_mc_ttl = IPH_TTL(iph);
	}
	tcp_attach(c, pcb);
	inet_apply_opts(c);
	tcp_sync_names(c);
	c->writable = room_to_send(pcb);
	tcp_backlog_delayed(pcb); /* counted until accept() takes it */
	u64 f = spin_lock_irqsave(&l->lock);
	list_add_tail(&c->acc_node, &l->accq);
	l->nacc++;
	spin_unlock_irqrestore(&l->lock, f);
	sock_wake(&l->sock, POLLIN | POLLRDNORM);
	return ERR_OK;
}

/* Operations. */

/* Linux refuses a second listener on a port at bind when either lacks
 * SO_REUSEADDR... and always when one is listening; lwIP lets two
 * SO_REUSEADDR sockets share a listening port. Check first. */
static bool port_has_listener(u32 addr, u16 port)
{
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l;
	     l = l->next) {
		u32 la = ip4_addr_get_u32(ip_2_ip4(&l->local_ip));
		if (l->local_port == port && (!la || !addr || la == addr))
			return true;
	}
	return false;
}

static int tcp_bind_op(struct socket *s, void *addr, u32 len)
{
	struct inet_sock *is = inet_of(s);
	struct sockaddr_in sin;
	ip_addr_t ip;
	int ret = inet_addr_in(addr, len, true, &sin);
	u16 port;

	if (ret)
		return ret;
	port = __builtin_bswap16(sin.port);
	net_lock();
	ret = inet_bind_check(is, &sin);
	if (!ret && (!is->pcb.tcp || is->state != INET_CLOSED))
		ret = -EINVAL;
	if (!ret && port && port_has_listener(sin.addr, port))
		ret = -EADDRINUSE;
	if (!ret) {
		ip_addr_set_ip4_u32(&ip, sin.addr);
		ret = inet_err(tcp_bind(is->pcb.tcp, &ip, port));
	}
	if (!ret)
		tcp_sync_names(is);
	net_unlock();
	return ret;
}

static int tcp_listen_op(struct socket *s, int backlog)
{
	struct inet_sock *is = inet_of(s);
	struct tcp_pcb *lpcb;
	err_t err;
	int ret = 0;

	backlog = backlog < 0 ? 0 : MIN(backlog, SOCK_SOMAXCONN);
	net_lock();
	if (is->state == INET_LISTEN) {
		is->backlog = backlog;
		tcp_backlog_set(is->pcb.tcp, backlog + 1);
		goto out;
	}
	if (is->state != INET_CLOSED || !is->pcb.tcp) {
		ret = -EINVAL;
		goto out;
	}
	if (!is->lport) { /* Linux binds an ephemeral port */
		ret = inet_err(tcp_bind(is->pcb.tcp, IP4_ADDR_ANY, 0));
		if (ret)
			goto out;
	}
	if (port_has_listener(is->laddr, is->pcb.tcp->local_port)) {
		ret = -EADDRINUSE;
		goto out;
	}
	lpcb = tcp_listen_with_backlog_and_err(is->pcb.tcp, backlog + 1, &err);
	if (!lpcb) {
		ret = inet_err(err);
		goto out;
	}
	is->pcb.tcp = lpcb; /* the old pcb was freed */
	is->state = INET_LISTEN;
	is->backlog = backlog;
	tcp_arg(lpcb, is);
	tcp_accept(lpcb, tcp_accept_cb);
	tcp_sync_names(is);
	s->listening = true;
out:
	net_unlock();
	return ret;
}

static int tcp_accept_op(struct socket *s, struct socket **out, bool nonblock)
{
	struct inet_sock *is = inet_of(s), *c = NULL;
	int ret;

	for (;;) {
		if (READ_ONCE(is->state) != INET_LISTEN)
			return -EINVAL;
		u64 f = spin_lock_irqsave(&is->lock);
		if (!list_empty(&is->accq)) {
			c = list_first_entry(&is->accq, struct inet_sock,
					     acc_node);
			list_del(&c->acc_node);
			is->nacc--;
		}
		spin_unlock_irqrestore(&is->lock, f);
		if (c)
			break;
		if (nonblock)
			return -EAGAIN;
		u64 deadline = sock_deadline(s, false);
		ret = waitq_wait_event(&s->wq,
				       READ_ONCE(is->nacc) > 0 ||
					       READ_ONCE(is->state) !=
						       INET_LISTEN,
				       deadline);
		if (ret)
			return sock_wait_error(ret, deadline);
	}
	net_lock();
	if (c->pcb.tcp)
		tcp_backlog_accepted(c->pcb.tcp);
	net_unlock();
	*out = &c->sock;
	return 0;
}

static int tcp_connect_op(struct socket *s, void *addr, u32 len, bool nonblock)
{
	struct inet_sock *is = inet_of(s);
	struct sockaddr_in sin;
	ip_addr_t ip;
	int ret = inet_addr_in(addr, len, false, &sin);

	if (ret)
		return ret;
	net_lock();
	switch (is->state) {
	case INET_CONNECTED:
		ret = -EISCONN;
		break;
	case INET_CONNECTING:
		ret = nonblock ? -EALREADY : 0;
		break;
	case INET_LISTEN:
		ret = -EISCONN;
		break;
	default:
		if (!is->pcb.tcp) {
			/* a failed attempt: its error is reported once, then
			 * the socket may try again with a new pcb */
			ret = sock_take_error(s);
			if (ret) {
				ret = -ret;
				break;
			}
			if ((ret = tcp_sock_create(is)))
				break;
			u64 f = spin_lock_irqsave(&is->lock);
			s->shut = 0;
			spin_unlock_irqrestore(&is->lock, f);
		}
		if (!sin.addr)
			sin.addr = 0x0100007f; /* Linux: INADDR_ANY is us */
		ip_addr_set_ip4_u32(&ip, sin.addr);
		is->state = INET_CONNECTING;
		ret = inet_err(tcp_connect(is->pcb.tcp, &ip,
					   __builtin_bswap16(sin.port),
					   tcp_connected_cb));
		if (ret) {
			is->state = INET_CLOSED;
			break;
		}
		tcp_sync_names(is);
		ret = nonblock ? -EINPROGRESS : 0;
	}
	net_unlock(); /* delivers loopback: the handshake may be done */
	if (ret)
		return ret;
	u64 deadline = sock_deadline(s, true);
	ret = waitq_wait_event(&s->wq, READ_ONCE(is->state) != INET_CONNECTING,
			       deadline);
	if (ret)
		return ret == -ETIMEDOUT ? -EINPROGRESS
					 : sock_wait_error(ret, deadline);
	if (READ_ONCE(is->state) == INET_CONNECTED)
		return 0;
	ret = sock_take_error(s);
	return ret ? -ret : -ECONNREFUSED;
}

/* Wait until the connection may take more data, or cannot. */
static int wait_writable(struct inet_sock *is, u64 deadline)
{
	struct socket *s = &is->sock;
	int ret =
		waitq_wait_event(&s->wq,
				 READ_ONCE(is->writable) || READ_ONCE(s->err) ||
					 (READ_ONCE(s->shut) & SEND_SHUTDOWN) ||
					 READ_ONCE(is->state) != INET_CONNECTED,
				 deadline);
	return ret ? sock_wait_error(ret, deadline) : 0;
}

/* Wait while a connection is being set up (send on a connecting socket). */
static int wait_connected(struct inet_sock *is, u64 deadline)
{
	int ret = waitq_wait_event(&is->sock.wq,
				   READ_ONCE(is->state) != INET_CONNECTING,
				   deadline);
	return ret ? sock_wait_error(ret, deadline) : 0;
}

/* Why nothing can be sent now (net lock held): 0 if something can. */
static int send_blocker(struct inet_sock *is)
{
	struct socket *s = &is->sock;
	int e;

	if (s->shut & SEND_SHUTDOWN || !is->pcb.tcp) {
		e = sock_take_error(s);
		return e ? -e : -EPIPE;
	}
	if (is->state == INET_CONNECTING)
		return -EINPROGRESS;
	if (is->state != INET_CONNECTED)
		return -EPIPE; /* never connected, or listening: Linux's
				* sk_stream_wait_connect (and SIGPIPE) */
	return 0;
}

static ssize_t tcp_sendmsg_op(struct socket *s, struct sock_msg *m, int flags,
			      bool nonblock)
{
	struct inet_sock *is = inet_of(s);
	size_t total = m->uio.resid, sent = 0, staged = 0, off = 0;
	u64 deadline = sock_deadline(s, true);
	u8 small[512]; /* most writes (a reply's headers) fit: no kmalloc */
	u8 *buf = total <= sizeof(small) ? small : NULL;
	int err = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	while (sent < total) {
		if (off == staged) {
			size_t n = MIN(total - sent, TCP_STAGE_MAX);
			if (!buf && !(buf = kmalloc(n))) {
				err = -ENOBUFS;
				break;
			}
			if (uio_copyin(&m->uio, buf, n)) {
				err = -EFAULT;
				break;
			}
			staged = n;
			off = 0;
		}
		net_lock();
		err = send_blocker(is);
		if (err == -EINPROGRESS) {
			net_unlock();
			if (nonblock) {
				err = -EAGAIN;
				break;
			}
			if ((err = wait_connected(is, deadline)))
				break;
			continue;
		}
		if (err) {
			net_unlock();
			break;
		}
		settle_recved(is); /* the segment carries the window */
		struct tcp_pcb *pcb = is->pcb.tcp;
		size_t n = MIN(MIN(staged - off, (size_t)tcp_sndbuf(pcb)),
			       0xffffu);
		err_t e = ERR_MEM;
		if (n && tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN)
			e = tcp_write(pcb, buf + off, n,
				      TCP_WRITE_FLAG_COPY |
					      (sent + n < total
						       ? TCP_WRITE_FLAG_MORE
						       : 0));
		if (e == ERR_OK) {
			off += n;
			sent += n;
		}
		if (!READ_ONCE(is->tcp_cork) && !(flags & MSG_MORE))
			tcp_output(pcb);
		if (e != ERR_OK) {
			is->writable = false;
			tcp_output(pcb);
		}
		net_unlock();
		if (e == ERR_OK)
			continue;
		if (e != ERR_MEM) {
			err = inet_err(e);
			break;
		}
		if (nonblock) {
			err = -EAGAIN;
			break;
		}
		if ((err = wait_writable(is, deadline)))
			break;
	}
	if (buf != small)
		kfree(buf);
	return sent ? (ssize_t)sent : err;
}

static ssize_t tcp_recvmsg_op(struct socket *s, struct sock_msg *m, int flags,
			      bool nonblock)
{
	struct inet_sock *is = inet_of(s);
	bool consumed;
	ssize_t ret;

	if (flags & MSG_OOB)
		return -EINVAL;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN; /* no error queue: always empty */
	if (READ_ONCE(is->state) == INET_LISTEN ||
	    (!READ_ONCE(is->was_connected) &&
	     READ_ONCE(is->state) != INET_CONNECTING))
		return -ENOTCONN;
	ret = sock_rq_recv(s, &is->rq, &is->lock, m, flags, nonblock,
			   &consumed);
	if (ret > 0 && consumed &&
	    __atomic_add_fetch(&is->recved, (u32)ret, __ATOMIC_RELAXED) >=
		    TCP_RECVED_BATCH) {
		net_lock();
		settle_recved(is);
		net_unlock();
	}
	return ret;
}

static int tcp_shutdown_op(struct socket *s, int how)
{
	struct inet_sock *is = inet_of(s);
	int ret = 0;

	net_lock();
	if (is->state != INET_CONNECTED && is->state != INET_CONNECTING &&
	    !(is->was_connected && is->state == INET_CLOSED)) {
		if (is->state == INET_LISTEN && how != SHUT_WR) {
			/* Linux: a listener shut for reading stops listening */
			net_unlock();
			return 0;
		}
		net_unlock();
		return -ENOTCONN;
	}
	if (how != SHUT_RD && is->pcb.tcp && !(s->shut & SEND_SHUTDOWN) &&
	    is->state == INET_CONNECTED)
		ret = inet_err(tcp_shutdown(is->pcb.tcp, 0, 1));
	set_shut(is, how == SHUT_RD   ? RCV_SHUTDOWN
		     : how == SHUT_WR ? SEND_SHUTDOWN
				      : SHUTDOWN_MASK);
	net_unlock();
	sock_wake(s, POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	return ret;
}

static u32 tcp_poll_op(struct socket *s)
{
	struct inet_sock *is = inet_of(s);
	u8 state = READ_ONCE(is->state), shut = READ_ONCE(s->shut);
	u32 ev = 0;

	if (state == INET_LISTEN)
		return READ_ONCE(is->nacc) ? POLLIN | POLLRDNORM : 0;
	if (shut == SHUTDOWN_MASK || state == INET_CLOSED)
		ev |= POLLHUP;
	if (shut & RCV_SHUTDOWN)
		ev |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (state != INET_CONNECTING) {
		if (READ_ONCE(is->rq.data))
			ev |= POLLIN | POLLRDNORM;
		if (shut & SEND_SHUTDOWN || state != INET_CONNECTED ||
		    READ_ONCE(is->writable))
			ev |= POLLOUT | POLLWRNORM;
	}
	if (READ_ONCE(s->err))
		ev |= POLLERR;
	return ev;
}

/* Close a connection's pcb: RST if data was left unread or linger is
 * {1, 0}, else an orderly FIN (net lock held). */
static void close_connection(struct inet_sock *is, bool rst)
{
	struct tcp_pcb *pcb = is->pcb.tcp;

	is->pcb.tcp = NULL;
	if (!pcb)
		return;
	tcp_detach(pcb);
	if (pcb->state == LISTEN) {
		tcp_close(pcb);
		return;
	}
	if (rst || tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

static void tcp_release_op(struct socket *s)
{
	struct inet_sock *is = inet_of(s), *c, *n;
	struct list_head queued;
	bool rst;

	list_init(&queued);
	net_lock();
	u64 f = spin_lock_irqsave(&is->lock);
	rst = is->rq.data ||
	      (READ_ONCE(s->opts.linger_on) && !READ_ONCE(s->opts.linger_sec));
	if (!list_empty(&is->accq)) {
		list_insert_between(&queued, is->accq.prev, &is->accq);
		list_del(&is->accq);
		is->nacc = 0;
	}
	spin_unlock_irqrestore(&is->lock, f);
	close_connection(is, rst && is->state != INET_LISTEN);
	is->state = INET_CLOSED;
	/* connections nobody accepted are reset, as Linux does */
	list_for_each_entry(c, &queued, acc_node)
	{
		close_connection(c, true);
		c->state = INET_CLOSED;
	}
	net_unlock();
	list_for_each_entry_safe(c, n, &queued, acc_node)
	{
		list_del(&c->acc_node);
		sock_put(&c->sock);
	}
}

const struct sock_ops tcp_ops = {
	.bind = tcp_bind_op,
	.listen = tcp_listen_op,
	.accept = tcp_accept_op,
	.connect = tcp_connect_op,
	.getname = inet_getname,
	.sendmsg = tcp_sendmsg_op,
	.recvmsg = tcp_recvmsg_op,
	.shutdown = tcp_shutdown_op,
	.poll = tcp_poll_op,
	.ioctl = inet_ioctl,
	.getsockopt = inet_getsockopt,
	.setsockopt = inet_setsockopt,
	.opt_changed = inet_opt_changed,
	.release = tcp_release_op,
	.destroy = inet_destroy,
	.opt_levels = SOCK_LEVEL_IP | SOCK_LEVEL_TCP,
};

/* For the NMI dump: lwIP's lists, read without the lock. */
void tcp_dump(void)
{
	static const char *const names[] = {
		"closed",  "listen",	 "syn_sent",   "syn_rcvd",
		"estab",   "fin_wait_1", "fin_wait_2", "close_wait",
		"closing", "last_ack",	 "time_wait"};
	u32 count[ARRAY_SIZE(names)] = {0}, n = 0;
	char line[256];
	int len = 0;

	for (struct tcp_pcb *p = tcp_active_pcbs; p && n < 100000;
	     p = p->next, n++)
		if ((u32)p->state < ARRAY_SIZE(names))
			count[p->state]++;
	n = 0;
	for (struct tcp_pcb *p = tcp_tw_pcbs; p && n < 100000; p = p->next)
		n++;
	count[TIME_WAIT] += n;
	for (u32 i = 0; i < ARRAY_SIZE(names); i++)
		if (count[i])
			len += snprintf(line + len, sizeof(line) - len,
					" %s %u", names[i], count[i]);
	kprintf(" tcp:%s", len ? line : " no connections");
	n = 0;
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs;
	     l && n < 1000; l = l->next, n++) {
		struct inet_sock *is = l->callback_arg;
		kprintf(" tcp: listen port %u backlog %u pending %u, accept "
			"queue %d",
			l->local_port, l->backlog, l->accepts_pending,
			is ? is->nacc : -1);
	}
}
