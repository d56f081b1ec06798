// SPDX-License-Identifier: MIT
/*
 * The generic socket layer (see socket.h): the family table, socket
 * lifetime, the file ops that make read/write/poll/fstat/close work on
 * socket fds, blocking decisions, SIGPIPE, user I/O vectors, data chunks,
 * SCM_RIGHTS file passing and the option store. Families (net/unix.c)
 * implement struct sock_ops; sys/sys_socket.c decodes the syscalls.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "socket.h"
#include "inet.h"
#include "arch/x86_64/percpu.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/time.h"

/* The family of each AF_* number, or NULL: -EAFNOSUPPORT. */
static const struct sock_family *const families[AF_MAX] = {
	[AF_UNIX] = &unix_family,
	[AF_INET] = &inet_family,
	[AF_NETLINK] = &netlink_family,
};

static const struct sock_family *family_of(int family)
{
	static bool inet6_logged;

	if (family < 0 || family >= AF_MAX)
		return NULL;
	if (family == AF_INET6 &&
	    !__atomic_exchange_n(&inet6_logged, true, __ATOMIC_RELAXED))
		pr_info("socket: AF_INET6: IPv4 only, -EAFNOSUPPORT");
	return families[family];
}

/* Socket lifetime and wakeups. */

void sock_init(struct socket *s, int family, int type, int protocol,
	       const struct sock_ops *ops)
{
	memset(s, 0, sizeof(*s));
	s->refcount = 1;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->ops = ops;
	waitq_init(&s->wq);
	s->opts.rcvbuf = SOCK_BUF_DEFAULT;
	s->opts.sndbuf = SOCK_BUF_DEFAULT;
	s->opts.rcvlowat = 1;
	s->opts.ip_ttl = 64;
}

void sock_get(struct socket *s)
{
	__atomic_add_fetch(&s->refcount, 1, __ATOMIC_RELAXED);
}

void sock_put(struct socket *s)
{
	if (!__atomic_sub_fetch(&s->refcount, 1, __ATOMIC_ACQ_REL))
		s->ops->destroy(s);
}

void sock_wake(struct socket *s, u32 events)
{
	waitq_wake(&s->wq, events, -1);
}

int sock_take_error(struct socket *s)
{
	if (!READ_ONCE(s->err))
		return 0;
	return __atomic_exchange_n(&s->err, 0, __ATOMIC_ACQ_REL);
}

u64 sock_deadline(struct socket *s, bool send)
{
	u64 t = send ? READ_ONCE(s->opts.sndtimeo_ns)
		     : READ_ONCE(s->opts.rcvtimeo_ns);

	return t ? clock_monotonic_ns() + t : 0;
}

int sock_wait_error(int ret, u64 deadline)
{
	if (ret == -ETIMEDOUT)
		return -EAGAIN;
	if (ret == -ERESTARTSYS && deadline)
		return -EINTR; /* Linux never restarts a timed socket wait */
	return ret;
}

/* Addresses and chunks. */

struct sock_addr *sock_addr_new(const void *bytes, u32 len)
{
	struct sock_addr *a = kmalloc(sizeof(*a) + len);

	if (!a)
		return NULL;
	a->refcount = 1;
	a->len = len;
	memcpy(a->bytes, bytes, len);
	return a;
}

struct sock_addr *sock_addr_get(struct sock_addr *a)
{
	if (a)
		__atomic_add_fetch(&a->refcount, 1, __ATOMIC_RELAXED);
	return a;
}

void sock_addr_put(struct sock_addr *a)
{
	if (a && !__atomic_sub_fetch(&a->refcount, 1, __ATOMIC_ACQ_REL))
		kfree(a);
}

struct sock_chunk *sock_chunk_alloc(size_t len)
{
	struct sock_chunk *c = kmalloc(sizeof(*c) + len);

	if (!c)
		return NULL;
	list_init(&c->node);
	c->len = len;
	c->off = 0;
	c->fds = NULL;
	c->from = NULL;
	c->ip.valid = false;
	return c;
}

void sock_chunk_free(struct sock_chunk *c)
{
	scm_fds_put(c->fds);
	sock_addr_put(c->from);
	kfree(c);
}

void sock_chunks_free(struct list_head *chunks)
{
	struct sock_chunk *c, *n;

	list_for_each_entry_safe(c, n, chunks, node)
	{
		list_del(&c->node);
		sock_chunk_free(c);
	}
}

/* SCM_RIGHTS. */

static struct scm_fds *scm_fds_alloc(int count)
{
	struct scm_fds *fds =
		kzalloc(sizeof(*fds) + count * sizeof(struct file *));

	if (fds)
		fds->count = count;
	return fds;
}

struct scm_fds *scm_fds_dup(const struct scm_fds *fds)
{
	struct scm_fds *d = scm_fds_alloc(fds->count);

	if (!d)
		return NULL;
	for (int i = 0; i < fds->count; i++) {
		d->files[i] = fds->files[i];
		file_get(d->files[i]);
	}
	return d;
}

void scm_fds_put(struct scm_fds *fds)
{
	if (!fds)
		return;
	for (int i = 0; i < fds->count; i++)
		if (fds->files[i])
			file_put(fds->files[i]);
	kfree(fds);
}

/*
 * Walk the control messages (as Linux's CMSG_NXTHDR and CMSG_OK); count
 * the SCM_RIGHTS fds, or store their files into fds when it is given.
 */
static int scm_walk(const u8 *ctl, size_t len, struct scm_fds *fds, int *count)
{
	struct cmsghdr h;

	*count = 0;
	for (size_t off = 0; len - off >= sizeof(h);) {
		memcpy(&h, ctl + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > len - off)
			return -EINVAL;
		if (h.level != SOL_SOCKET) {
			/* other levels are ignored, as Linux */
		} else if (h.type == SCM_RIGHTS) {
			int n = (h.len - sizeof(h)) / sizeof(int);
			if (*count + n > SCM_MAX_FD)
				return -EINVAL;
			for (int i = 0; fds && i < n; i++) {
				int fd;
				memcpy(&fd, ctl + off + sizeof(h) + i * 4, 4);
				struct file *f =
					fd_get(current->proc->files, fd);
				if (!f)
					return -EBADF;
				fds->files[*count + i] = f;
			}
			*count += n;
		} else if (h.type != SCM_CREDENTIALS) {
			/* SCM_CREDENTIALS: accepted (we are root), not
			 * delivered: nobody can set SO_PASSCRED here */
			return -EINVAL;
		}
		if (CMSG_ALIGN(h.len) >= len - off)
			break;
		off += CMSG_ALIGN(h.len);
	}
	return 0;
}

int scm_parse(const u8 *ctl, size_t len, struct scm_fds **out)
{
	int count, ret = scm_walk(ctl, len, NULL, &count);

	*out = NULL;
	if (ret || !count)
		return ret;
	struct scm_fds *fds = scm_fds_alloc(count);
	if (!fds)
		return -ENOMEM;
	ret = scm_walk(ctl, len, fds, &count);
	if (ret) {
		scm_fds_put(fds); /* drops the references taken so far */
		return ret;
	}
	*out = fds;
	return 0;
}

bool sock_msg_cmsg(struct sock_msg *m, int level, int type, const void *data,
		   u32 len)
{
	struct cmsghdr h = {sizeof(h) + len, level, type};
	u32 space = CMSG_ALIGN(sizeof(h) + len);

	if (space > sizeof(m->ipctl) - m->ipctl_len)
		return false;
	memset(m->ipctl + m->ipctl_len, 0, space);
	memcpy(m->ipctl + m->ipctl_len, &h, sizeof(h));
	memcpy(m->ipctl + m->ipctl_len + sizeof(h), data, len);
	m->ipctl_len += space;
	return true;
}

int sock_msg_ipctl_out(struct sock_msg *m, u64 uctl, u64 ctllen, u64 *used)
{
	for (u32 off = 0; off < m->ipctl_len;) {
		struct cmsghdr h;
		memcpy(&h, m->ipctl + off, sizeof(h));
		u32 space = CMSG_ALIGN(h.len);
		u64 room = ctllen > *used ? ctllen - *used : 0;
		if (room < sizeof(h)) {
			m->oflags |= MSG_CTRUNC;
			break;
		}
		u64 n = MIN(room, h.len);
		bool trunc = n < h.len;
		h.len = n; /* Linux reports what it copied */
		if (copy_to_user(uctl + *used, &h, sizeof(h)) ||
		    copy_to_user(uctl + *used + sizeof(h),
				 m->ipctl + off + sizeof(h), n - sizeof(h)))
			return -EFAULT;
		*used += MIN(room, (u64)space);
		if (trunc) {
			m->oflags |= MSG_CTRUNC;
			break;
		}
		off += space;
	}
	return 0;
}

int scm_deliver(struct scm_fds *fds, u64 uctl, u64 ctllen, int flags, u64 *used,
		int *oflags)
{
	int fdv[SCM_MAX_FD], n = 0;
	struct fdtable *t = current->proc->files;

	*used = 0;
	if (!fds)
		return 0;
	int max = ctllen > sizeof(struct cmsghdr)
			  ? (ctllen - sizeof(struct cmsghdr)) / sizeof(int)
			  : 0;
	while (n < MIN(max, fds->count)) {
		int fd = fd_install(t, fds->files[n], 0,
				    flags & MSG_CMSG_CLOEXEC);
		if (fd < 0)
			break;
		fds->files[n] = NULL; /* the fd table owns it now */
		fdv[n++] = fd;
	}
	struct cmsghdr h = {sizeof(h) + n * sizeof(int), SOL_SOCKET,
			    SCM_RIGHTS};
	if (n && (copy_to_user(uctl, &h, sizeof(h)) ||
		  copy_to_user(uctl + sizeof(h), fdv, n * sizeof(int)))) {
		for (int i = 0; i < n; i++) /* nobody can know these fds */
			fd_close(t, fdv[i]);
		n = 0;
		*oflags |= MSG_CTRUNC;
	} else if (n) {
		*used = MIN(ctllen, CMSG_ALIGN(h.len));
	}
	if (n < fds->count)
		*oflags |= MSG_CTRUNC;
	scm_fds_put(fds);
	return 0;
}

/* The file side of a socket. */

struct socket *sock_of_file(struct file *f)
{
	return f->ops == &socket_fops ? f->priv : NULL;
}

static bool is_nonblock(struct file *f, int flags)
{
	return (READ_ONCE(f->flags) & O_NONBLOCK) || (flags & MSG_DONTWAIT);
}

ssize_t sock_sendmsg(struct file *f, struct sock_msg *m, int flags)
{
	struct socket *s = f->priv;
	ssize_t ret = s->ops->sendmsg(s, m, flags, is_nonblock(f, flags));

	if (ret == -EPIPE && !(flags & MSG_NOSIGNAL))
		signal_send_thread(current, SIGPIPE);
	return ret;
}

ssize_t sock_recvmsg(struct file *f, struct sock_msg *m, int flags)
{
	struct socket *s = f->priv;

	m->oflags = flags & MSG_CMSG_CLOEXEC; /* Linux reports it back */
	m->namelen = 0;
	return s->ops->recvmsg(s, m, flags, is_nonblock(f, flags));
}

int sock_accept(struct file *f, struct socket **out)
{
	struct socket *s = f->priv;

	if (!s->ops->accept)
		return -EOPNOTSUPP;
	return s->ops->accept(s, out, is_nonblock(f, 0));
}

int sock_connect(struct file *f, void *addr, u32 len)
{
	struct socket *s = f->priv;

	return s->ops->connect(s, addr, len, is_nonblock(f, 0));
}

static ssize_t sock_read_iter(struct file *f, struct uio *u, u64 *pos)
{
	struct sock_msg m = {.uio = *u};

	(void)pos;
	ssize_t ret = sock_recvmsg(f, &m, 0);
	scm_fds_put(m.fds); /* read() discards passed files, as Linux */
	return ret;
}

static ssize_t sock_write_iter(struct file *f, struct uio *u, u64 *pos)
{
	struct sock_msg m = {.uio = *u};

	(void)pos;
	return sock_sendmsg(f, &m, 0);
}

static u32 sock_poll(struct file *f, struct poll_table *pt)
{
	struct socket *s = f->priv;

	poll_wait(&s->wq, pt);
	return s->ops->poll(s);
}

static int sock_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct socket *s = f->priv;

	/* interface ioctls work on any socket, as Linux's dev_ioctl */
	if ((cmd & 0xff00) == 0x8900)
		return netif_ioctl(cmd, arg);
	return s->ops->ioctl ? s->ops->ioctl(s, cmd, arg) : -ENOTTY;
}

static int sock_stat(struct file *f, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 8; /* a sockfs-like device number */
	st->st_ino = ((u64)f->priv >> 4) & 0xffffffff;
	st->st_nlink = 1;
	st->st_mode = S_IFSOCK | 0777;
	st->st_blksize = 4096;
	return 0;
}

static void sock_release(struct file *f)
{
	struct socket *s = f->priv;

	s->ops->release(s);
	sock_put(s);
}

const struct file_ops socket_fops = {
	.read = uio_read_one,
	.write = uio_write_one,
	.read_iter = sock_read_iter,
	.write_iter = sock_write_iter,
	.poll = sock_poll,
	.ioctl = sock_ioctl,
	.stat = sock_stat,
	.release = sock_release,
};

int sock_create(int family, int type, int protocol, struct socket **out)
{
	const struct sock_family *fam = family_of(family);

	return fam ? fam->create(type, protocol, out) : -EAFNOSUPPORT;
}

int sock_socketpair(int family, int type, int protocol, struct socket **a,
		    struct socket **b)
{
	const struct sock_family *fam = family_of(family);

	if (!fam)
		return -EAFNOSUPPORT;
	if (!fam->socketpair)
		return -EOPNOTSUPP;
	return fam->socketpair(type, protocol, a, b);
}

int sock_file(struct socket *s, u32 flags, struct file **out)
{
	struct file *f =
		file_alloc(&socket_fops, NULL, O_RDWR | (flags & O_NONBLOCK));

	if (!f)
		return -ENOMEM;
	f->priv = s;
	*out = f;
	return 0;
}

void sock_discard(struct socket *s)
{
	s->ops->release(s);
	sock_put(s);
}

/* Receive queues. */

void sock_rq_init(struct sock_rq *q)
{
	list_init(&q->chunks);
	q->bytes = q->data = q->count = 0;
	q->reading = false;
	waitq_init(&q->io_wq);
	waitq_init(&q->space_wq);
}

void sock_rq_add_locked(struct sock_rq *q, struct sock_chunk *c)
{
	list_add_tail(&c->node, &q->chunks);
	q->bytes += sizeof(*c) + c->len;
	q->data += c->len;
	q->count++;
}

void sock_rq_take_locked(struct sock_rq *q, struct list_head *out)
{
	list_insert_between(out, q->chunks.prev, &q->chunks);
	list_del(&q->chunks);
	q->bytes = q->data = q->count = 0;
}

static int rq_turn(struct sock_rq *q)
{
	return waitq_wait_event(
		&q->io_wq,
		!__atomic_exchange_n(&q->reading, true, __ATOMIC_ACQUIRE), 0);
}

static void rq_turn_end(struct sock_rq *q)
{
	__atomic_store_n(&q->reading, false, __ATOMIC_RELEASE);
	waitq_wake(&q->io_wq, 0, -1);
}

/* The chunk holding the byte skip bytes into the unread data (a stream)
 * or the next record, and the offset to read from; lock held. */
static struct sock_chunk *rq_at_locked(struct sock_rq *q, bool stream,
				       size_t skip, u32 *off)
{
	struct sock_chunk *c;

	list_for_each_entry(c, &q->chunks, node)
	{
		if (!stream || skip < c->len - c->off) {
			*off = c->off + skip;
			return c;
		}
		skip -= c->len - c->off;
	}
	return NULL;
}

/* Consume n bytes of c (a whole record when !stream) and detach its
 * files into *fds; returns c if it is used up; lock held. */
static struct sock_chunk *rq_consume_locked(struct sock_rq *q, bool stream,
					    struct sock_chunk *c, size_t n,
					    struct scm_fds **fds)
{
	*fds = c->fds;
	c->fds = NULL;
	if (stream && c->off + n < c->len) {
		c->off += n;
		q->data -= n;
		return NULL;
	}
	list_del(&c->node);
	q->bytes -= sizeof(*c) + c->len;
	q->data -= c->len - c->off;
	q->count--;
	return c;
}

/* Nothing (more) to read: 1 to wait, else the read's result (0: EOF). */
static int rq_empty(struct socket *s)
{
	int err = sock_take_error(s);

	if (err)
		return -err;
	return READ_ONCE(s->shut) & RCV_SHUTDOWN ? 0 : 1;
}

/* Wait for data beyond skip (dropping the reader's turn meanwhile). */
static int rq_wait(struct socket *s, struct sock_rq *q, bool stream,
		   size_t skip, u64 deadline)
{
	rq_turn_end(q);
	int ret = waitq_wait_event(&s->wq,
				   (stream ? READ_ONCE(q->data) > skip
					   : READ_ONCE(q->count) > 0) ||
					   READ_ONCE(s->err) ||
					   (READ_ONCE(s->shut) & RCV_SHUTDOWN),
				   deadline);
	return sock_wait_error(ret, deadline);
}

/* Copy (part of) chunk c at off into m, and consume it unless peeking;
 * *stop when it carried files (a read ends after those). */
static int rq_take(struct sock_rq *q, struct spinlock *lock, struct sock_msg *m,
		   bool stream, bool peek, struct sock_chunk *c, u32 off,
		   size_t n, bool *stop)
{
	struct scm_fds *fds = NULL;
	struct sock_chunk *done = NULL;

	if (uio_copyout(&m->uio, c->data + off, n))
		return -EFAULT;
	if (!m->namelen && m->name && c->from) {
		memcpy(m->name, c->from->bytes, c->from->len);
		m->namelen = c->from->len;
	}
	if (!m->ip.valid)
		m->ip = c->ip;
	if (!stream && c->len > n)
		m->oflags |= MSG_TRUNC;
	*stop = c->fds;
	if (peek && c->fds) {
		fds = scm_fds_dup(c->fds);
		if (!fds)
			m->oflags |= MSG_CTRUNC;
	} else if (!peek) {
		u64 f = spin_lock_irqsave(lock);
		done = rq_consume_locked(q, stream, c, n, &fds);
		spin_unlock_irqrestore(lock, f);
	}
	m->fds = fds;
	if (done)
		sock_chunk_free(done);
	return 0;
}

ssize_t sock_rq_recv(struct socket *s, struct sock_rq *q, struct spinlock *lock,
		     struct sock_msg *m, int flags, bool nonblock,
		     bool *consumed)
{
	bool stream = s->type == SOCK_STREAM, peek = flags & MSG_PEEK;
	size_t len = m->uio.resid, copied = 0, skip = 0;
	u64 deadline = sock_deadline(s, false);
	size_t reclen = 0;
	bool got = false, stop;
	int err;

	*consumed = false;

	size_t target = flags & MSG_WAITALL
				? len
				: MIN((size_t)READ_ONCE(s->opts.rcvlowat), len);
	target = target ? target : 1;
	if (nonblock && !READ_ONCE(q->count) && !READ_ONCE(s->err) &&
	    !(READ_ONCE(s->shut) & RCV_SHUTDOWN))
		return -EAGAIN; /* the common case, without taking a turn */
	if ((err = rq_turn(q)))
		return err;
	for (;;) {
		u32 off;
		u64 f = spin_lock_irqsave(lock);
		struct sock_chunk *c = rq_at_locked(q, stream, skip, &off);
		int r = c || copied >= target ? 0 : rq_empty(s);
		spin_unlock_irqrestore(lock, f);
		if (!c && (r <= 0 || nonblock)) {
			err = r < 0 ? r : r ? -EAGAIN : 0;
			break;
		}
		if (!c) {
			if ((err = rq_wait(s, q, stream, skip, deadline)) ||
			    (err = rq_turn(q)))
				goto out;
			continue;
		}
		size_t n = MIN(c->len - off, len - copied);
		reclen = c->len;
		err = rq_take(q, lock, m, stream, peek, c, off, n, &stop);
		if (err)
			break;
		got = true;
		copied += n;
		skip += peek ? n : 0;
		*consumed |= !peek;
		if (stop || !stream || copied == len)
			break;
	}
	rq_turn_end(q);
out:
	if (*consumed)
		waitq_wake(&q->space_wq, POLLOUT, -1);
	if (!stream && got)
		return flags & MSG_TRUNC ? (ssize_t)reclen : (ssize_t)copied;
	return copied ? (ssize_t)copied : err;
}
