// SPDX-License-Identifier: MIT
/*
 * Pipes: a byte ring shared by a read-end and a write-end file, 64 KiB
 * unless fcntl(F_SETPIPE_SZ) resizes it (a power-of-two number of pages;
 * pipe_fcntl).
 * Writes of at most PIPE_BUF bytes are atomic, writev's whole vector
 * included (read_iter/write_iter). Readers sleep on rd_wait,
 * woken by every write and by the last writer closing; writers sleep on
 * wr_wait while less than PIPE_BUF is free (the pipe is "full"), woken by
 * a read from a full pipe and by the last reader closing. ->poll hooks the
 * same queues, so epoll sees these wakeups as edges, as on Linux.
 *
 * FIFOs (mknod S_IFIFO) use the same pipe: the first open of the vnode
 * attaches one (vn->pipe), the last close detaches and frees it, data
 * included, as Linux. Opening for reading waits for a writer and vice
 * versa (Linux's fifo_open): r_counter and w_counter count the opens of
 * each side, and a waiter sleeps on open_wait until the other counter
 * moves. A FIFO opened O_RDWR is both ends at once.
 *
 * splice, tee and vmsplice (fs/splice.c) use the primitives at the end
 * (pipe.h): a producer reserves room first (pipe->reserved, which other
 * writers do not see as free), fills a kernel buffer, then commits; a
 * consumer holds pipe->rlock, which every reader takes, so it may look at
 * bytes, write them elsewhere and consume only what was written.
 *
 * Locking: pipe->lock guards the ring and the counts. It is never taken in
 * interrupt context and never held while waking: state changes first, then
 * the queue is woken, so sleepers may test the state under their queue's
 * lock alone. The ring is allocated by the first write. A FIFO's vn->lock
 * guards vn->pipe and is taken before pipe->lock; pipe->rlock (a sleeping
 * lock) is taken before pipe->lock.
 */
#include <kernel/string.h>
#include "file.h"
#include "pipe.h"
#include "uio.h"
#include "vfs.h"
#include "waitfd.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "proc/cred.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/waitq.h"
#include "arch/x86_64/percpu.h"

#define PIPE_BUF 4096
#define FIONREAD 0x541b

struct pipe {
	struct spinlock lock;
	u8 *buf;	      /* size bytes; NULL until the first write */
	u32 size;	      /* capacity: a power of two, >= PIPE_BUF */
	u32 head, tail;	      /* free-running byte counts written / read */
	u32 reserved;	      /* room promised to splices (pipe_reserve) */
	int readers, writers; /* open ends, for EOF and EPIPE */
	int refs;	      /* files (and FIFO openers) holding the pipe */
	u32 r_counter;	      /* opens for reading so far (FIFO waits) */
	u32 w_counter;	      /* opens for writing so far */
	u64 ino;
	struct vnode *vn;	/* a FIFO's vnode (not counted), or NULL */
	struct waitq rd_wait;	/* readers: data or EOF */
	struct waitq wr_wait;	/* writers: room or no readers */
	struct waitq open_wait; /* FIFO openers: the other side opened */
	struct mutex rlock;	/* consumers: read, splice/tee out of it */
};

static u64 pipe_next_ino = 1;

/* A pipe's read end, or a FIFO opened for reading (O_RDONLY or O_RDWR). */
static bool can_read(u32 flags)
{
	return (flags & O_ACCMODE) != O_WRONLY;
}

static bool can_write(u32 flags)
{
	return (flags & O_ACCMODE) != O_RDONLY;
}

/* Bytes in the ring, read without the lock: tail first, it never passes
 * head. */
static u32 pipe_used(struct pipe *p)
{
	u32 tail = __atomic_load_n(&p->tail, __ATOMIC_ACQUIRE);
	return __atomic_load_n(&p->head, __ATOMIC_ACQUIRE) - tail;
}

static u32 pipe_room(struct pipe *p)
{
	return READ_ONCE(p->size) - pipe_used(p) - READ_ONCE(p->reserved);
}

/* Room for writers (lock held): free bytes not promised to a splice. */
static u32 room_locked(struct pipe *p)
{
	return p->size - (p->head - p->tail) - p->reserved;
}

/* A consumer took bytes: wake writers if the pipe was "full" for them. */
static void wake_writers(struct pipe *p, u32 room_before)
{
	if (room_before < PIPE_BUF)
		waitq_wake(&p->wr_wait, POLLOUT | POLLWRNORM, -1);
}

/* Copy k bytes out of the ring at tail to the user's vector; lock held. */
static int ring_out(struct pipe *p, struct uio *u, u32 k)
{
	u32 off = p->tail % p->size;
	u32 first = MIN(k, p->size - off);

	if (uio_copyout(u, p->buf + off, first))
		return -EFAULT;
	return uio_copyout(u, p->buf, k - first);
}

/* Copy k bytes of the user's vector into the ring at head; lock held. */
static int ring_in(struct pipe *p, struct uio *u, u32 k)
{
	u32 off = p->head % p->size;
	u32 first = MIN(k, p->size - off);

	if (uio_copyin(u, p->buf + off, first))
		return -EFAULT;
	return uio_copyin(u, p->buf, k - first);
}

ssize_t pipe_read_uio(struct pipe *p, struct uio *u, bool nonblock)
{
	size_t n = u->resid;

	if (!n)
		return 0;
	for (;;) {
		int err = mutex_lock_interruptible(&p->rlock);
		if (err)
			return err;
		spin_lock(&p->lock);
		u32 used = p->head - p->tail;
		if (used) {
			u32 k = MIN(n, used), room = room_locked(p);
			err = ring_out(p, u, k);
			if (!err)
				__atomic_store_n(&p->tail, p->tail + k,
						 __ATOMIC_RELEASE);
			spin_unlock(&p->lock);
			mutex_unlock(&p->rlock);
			if (err)
				return err;
			/* as Linux: writers sleep only on a full pipe */
			wake_writers(p, room);
			return k;
		}
		bool eof = !p->writers;
		spin_unlock(&p->lock);
		mutex_unlock(&p->rlock);
		if (eof)
			return 0;
		if (nonblock)
			return -EAGAIN;
		int ret = waitq_wait_event(
			&p->rd_wait, pipe_used(p) || !READ_ONCE(p->writers), 0);
		if (ret)
			return ret; /* -ERESTARTSYS: nothing read yet */
	}
}

static ssize_t pipe_read_iter(struct file *f, struct uio *u, u64 *pos)
{
	(void)pos;
	return pipe_read_uio(f->priv, u, f->flags & O_NONBLOCK);
}

/* The ring, of the pipe's size at the time it is installed. */
static int pipe_alloc_ring(struct pipe *p)
{
	while (!READ_ONCE(p->buf)) {
		u32 size = READ_ONCE(p->size);
		u8 *buf = kmalloc(size);
		if (!buf)
			return -ENOMEM;
		spin_lock(&p->lock);
		if (!p->buf && p->size == size) {
			p->buf = buf;
			buf = NULL;
		}
		spin_unlock(&p->lock);
		kfree(buf); /* raced with another writer or a resize */
	}
	return 0;
}

/*
 * Write what fits; a write of at most PIPE_BUF bytes waits for room for
 * all of it, so it is never split. Partial progress is returned when a
 * later step fails or would block.
 */
static ssize_t pipe_write_iter(struct file *f, struct uio *u, u64 *pos)
{
	struct pipe *p = f->priv;
	size_t n = u->resid, done = 0;
	u32 need = n <= PIPE_BUF ? n : 1;
	(void)pos;

	if (!n)
		return 0;
	int err = pipe_alloc_ring(p);
	if (err)
		return err;
	for (;;) {
		spin_lock(&p->lock);
		if (!p->readers) {
			spin_unlock(&p->lock);
			signal_send_thread(current, SIGPIPE);
			return done ? (ssize_t)done : -EPIPE;
		}
		u32 room = room_locked(p);
		if (room >= need) {
			u32 k = MIN(n - done, room);
			err = ring_in(p, u, k);
			if (!err) {
				__atomic_store_n(&p->head, p->head + k,
						 __ATOMIC_RELEASE);
				done += k;
			}
			spin_unlock(&p->lock);
			if (!err)
				waitq_wake(&p->rd_wait, POLLIN | POLLRDNORM,
					   -1);
			if (err || done == n)
				return done ? (ssize_t)done : err;
			continue;
		}
		spin_unlock(&p->lock);
		if (f->flags & O_NONBLOCK)
			return done ? (ssize_t)done : -EAGAIN;
		err = waitq_wait_event(
			&p->wr_wait,
			pipe_room(p) >= need || !READ_ONCE(p->readers), 0);
		if (err)
			return done ? (ssize_t)done : err;
	}
}

/*
 * As Linux: a FIFO reader opened O_NONBLOCK before any writer sees no
 * POLLHUP until a writer has come (f->version holds w_counter at open;
 * it is 0 for anonymous pipes, whose w_counter starts at 1).
 */
/* A write to a FIFO updates its times, as Linux's file_update_time. */
static ssize_t fifo_write_iter(struct file *f, struct uio *u, u64 *pos)
{
	ssize_t ret = pipe_write_iter(f, u, pos);

	if (ret > 0 && f->vn) {
		u64 now = vfs_now_ns();
		spin_lock(&f->vn->lock);
		f->vn->mtime_ns = f->vn->ctime_ns = now;
		spin_unlock(&f->vn->lock);
	}
	return ret;
}

static u32 pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	u32 mask = 0;

	if (can_read(f->flags)) {
		poll_wait(&p->rd_wait, pt);
		if (pipe_used(p))
			mask |= POLLIN | POLLRDNORM;
		if (!READ_ONCE(p->writers) &&
		    f->version != READ_ONCE(p->w_counter))
			mask |= POLLHUP;
	}
	if (can_write(f->flags)) {
		poll_wait(&p->wr_wait, pt);
		/* Linux: writable while a page slot is free */
		if (pipe_room(p) >= PIPE_BUF)
			mask |= POLLOUT | POLLWRNORM;
		if (!READ_ONCE(p->readers))
			mask |= POLLERR;
	}
	return mask;
}

/*
 * Move the bytes of the old ring into nb (size bytes) at the same
 * free-running positions, so head and tail stay; lock held, and the bytes
 * and reservations fit.
 */
static void ring_move(struct pipe *p, u8 *nb, u32 size)
{
	for (u32 c = p->tail; c != p->head;) {
		u32 from = c % p->size, to = c % size;
		u32 k = MIN(p->head - c, MIN(p->size - from, size - to));
		memcpy(nb + to, p->buf + from, k);
		c += k;
	}
}

/*
 * F_SETPIPE_SZ, as Linux's pipe_set_size: arg rounded up to a power-of-two
 * number of pages (at least one; above 2^31 is EINVAL); growing past
 * pipe-max-size needs CAP_SYS_RESOURCE; EBUSY if the bytes in the pipe (and
 * the room promised to splices) do not fit. Linux counts the pages the
 * bytes occupy, which may be one more than their count needs after partial
 * reads; Kiln's ring counts bytes. Returns the new capacity.
 */
static long pipe_set_size(struct pipe *p, u32 arg)
{
	if (arg > (1U << 31))
		return -EINVAL;
	u32 size = PIPE_BUF;
	while (size < arg)
		size <<= 1;
	if (size > READ_ONCE(p->size) && size > PIPE_MAX_SIZE &&
	    !cred_capable(CAP_SYS_RESOURCE))
		return -EPERM;
	u8 *nb = kmalloc(size);
	if (!nb)
		return -ENOMEM;
	spin_lock(&p->lock);
	if (p->head - p->tail + p->reserved > size) {
		spin_unlock(&p->lock);
		kfree(nb);
		return -EBUSY;
	}
	bool grew = size > p->size;
	u8 *old = p->buf;
	if (old)
		ring_move(p, nb, size);
	p->buf = nb;
	WRITE_ONCE(p->size, size);
	spin_unlock(&p->lock);
	kfree(old);
	if (grew)
		waitq_wake(&p->wr_wait, POLLOUT | POLLWRNORM, -1);
	return size;
}

long pipe_fcntl(struct file *f, u32 cmd, u64 arg)
{
	struct pipe *p = pipe_of(f);

	if (!p)
		return -EBADF; /* as Linux: not a pipe or FIFO */
	if (cmd == F_GETPIPE_SZ)
		return READ_ONCE(p->size);
	return pipe_set_size(p, (u32)arg); /* Linux takes an unsigned int */
}

static int pipe_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct pipe *p = f->priv;

	if (cmd != FIONREAD)
		return -ENOTTY;
	int n = pipe_used(p);
	return copy_to_user(arg, &n, sizeof(n));
}

static int pipe_stat(struct file *f, struct linux_stat *st)
{
	struct pipe *p = f->priv;

	memset(st, 0, sizeof(*st));
	st->st_dev = 0xc; /* an anonymous "pipefs" device */
	st->st_ino = p->ino;
	st->st_nlink = 1;
	st->st_mode = S_IFIFO | 0600;
	st->st_blksize = 4096;
	return 0;
}

/* Drop a reference; the last one detaches a FIFO's pipe and frees it. */
static void pipe_put(struct pipe *p)
{
	struct vnode *vn = p->vn;

	if (vn)
		spin_lock(&vn->lock);
	spin_lock(&p->lock);
	bool last = --p->refs == 0;
	spin_unlock(&p->lock);
	if (last && vn)
		vn->pipe = NULL;
	if (vn)
		spin_unlock(&vn->lock);
	if (last) {
		kfree(p->buf);
		kfree(p);
	}
}

/* An end opened with flags goes: the other side learns EOF or EPIPE. */
static void pipe_disconnect(struct pipe *p, u32 flags)
{
	spin_lock(&p->lock);
	if (can_read(flags))
		p->readers--;
	if (can_write(flags))
		p->writers--;
	spin_unlock(&p->lock);
	if (can_read(flags))
		waitq_wake(&p->wr_wait, POLLERR | POLLOUT, -1);
	if (can_write(flags))
		waitq_wake(&p->rd_wait, POLLHUP | POLLIN, -1);
}

/*
 * One end closes. The pipe goes when every end is released; the file's
 * reference keeps it alive while we wake the peers.
 */
static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;

	pipe_disconnect(p, f->flags);
	pipe_put(p);
}

static const struct file_ops pipe_fops = {
	.read = uio_read_one,
	.write = uio_write_one,
	.read_iter = pipe_read_iter,
	.write_iter = fifo_write_iter,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.stat = pipe_stat,
	.release = pipe_release,
};

/* A new pipe with no ends and no reference yet. */
static struct pipe *pipe_alloc(void)
{
	struct pipe *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	spin_init(&p->lock);
	waitq_init(&p->rd_wait);
	waitq_init(&p->wr_wait);
	waitq_init(&p->open_wait);
	mutex_init(&p->rlock);
	p->size = PIPE_SIZE;
	p->ino = __atomic_fetch_add(&pipe_next_ino, 1, __ATOMIC_RELAXED);
	return p;
}

int pipe_open(u32 flags, struct file *ends[2])
{
	struct pipe *p = pipe_alloc();

	if (!p)
		return -ENOMEM;
	p->readers = p->writers = 1;
	p->r_counter = p->w_counter = 1; /* never 0: POLLHUP, see pipe_poll */
	p->refs = 2;
	ends[0] = file_alloc(&pipe_fops, NULL, O_RDONLY | flags);
	ends[1] = file_alloc(&pipe_fops, NULL, O_WRONLY | flags);
	if (!ends[0] || !ends[1]) {
		kfree(ends[0]);
		kfree(ends[1]);
		kfree(p);
		return -ENOMEM;
	}
	ends[0]->priv = ends[1]->priv = p;
	return 0;
}

/* The FIFO vn's pipe, attached by its first opener; referenced. */
static int fifo_attach(struct vnode *vn, struct pipe **out)
{
	struct pipe *fresh = NULL, *p;

	for (;;) {
		spin_lock(&vn->lock);
		if (!vn->pipe && fresh) {
			vn->pipe = fresh;
			fresh = NULL;
		}
		if ((p = vn->pipe)) {
			spin_lock(&p->lock);
			p->refs++;
			spin_unlock(&p->lock);
		}
		spin_unlock(&vn->lock);
		if (p) {
			kfree(fresh); /* another opener attached one first */
			*out = p;
			return 0;
		}
		if (!(fresh = pipe_alloc()))
			return -ENOMEM;
		fresh->vn = vn;
	}
}

/*
 * Become an end of the FIFO's pipe, as Linux's fifo_open: O_RDONLY waits
 * for a writer unless O_NONBLOCK; O_WRONLY waits for a reader, or fails
 * with ENXIO under O_NONBLOCK; O_RDWR never waits. *seen gets the writer
 * counter a non-blocking reader saw (for pipe_poll).
 */
static int fifo_connect(struct pipe *p, u32 flags, u32 *seen)
{
	u32 acc = flags & O_ACCMODE, *partner = NULL, cur = 0;
	bool wake = false;

	spin_lock(&p->lock);
	if (acc == O_WRONLY && (flags & O_NONBLOCK) && !p->readers) {
		spin_unlock(&p->lock);
		return -ENXIO;
	}
	if (can_read(flags)) {
		p->r_counter++;
		wake |= p->readers++ == 0;
	}
	if (can_write(flags)) {
		p->w_counter++;
		wake |= p->writers++ == 0;
	}
	if (acc == O_RDONLY && !p->writers && (flags & O_NONBLOCK))
		*seen = p->w_counter;
	else if (acc == O_RDONLY && !p->writers)
		partner = &p->w_counter;
	else if (acc == O_WRONLY && !p->readers)
		partner = &p->r_counter;
	if (partner)
		cur = *partner;
	spin_unlock(&p->lock);
	if (wake)
		waitq_wake(&p->open_wait, 0, -1);
	if (!partner)
		return 0;
	int ret =
		waitq_wait_event(&p->open_wait, READ_ONCE(*partner) != cur, 0);
	if (ret)
		pipe_disconnect(p, flags); /* -ERESTARTSYS, as Linux */
	return ret;
}

int pipe_fifo_open(struct vnode *vn, u32 flags, struct file **out)
{
	struct pipe *p;
	u32 seen = 0;
	int ret = fifo_attach(vn, &p);

	if (ret)
		return ret;
	ret = fifo_connect(p, flags, &seen);
	if (!ret) {
		struct file *f = file_alloc(&pipe_fops, vn, flags);
		if (f) {
			f->priv = p;
			f->version = seen;
			*out = f;
			return 0;
		}
		pipe_disconnect(p, flags);
		ret = -ENOMEM;
	}
	pipe_put(p);
	return ret;
}

/* Splice primitives (pipe.h). */

struct pipe *pipe_of(struct file *f)
{
	return f->ops == &pipe_fops ? f->priv : NULL;
}

int pipe_wait_data(struct pipe *p, bool nonblock)
{
	for (;;) {
		if (pipe_used(p))
			return 1;
		if (!READ_ONCE(p->writers))
			return pipe_used(p) ? 1 : 0; /* a last write raced */
		if (nonblock)
			return -EAGAIN;
		int ret = waitq_wait_event(
			&p->rd_wait, pipe_used(p) || !READ_ONCE(p->writers), 0);
		if (ret)
			return ret;
	}
}

int pipe_reserve(struct pipe *p, u32 n, bool nonblock, u32 *got)
{
	int ret = pipe_alloc_ring(p);

	if (ret)
		return ret;
	for (;;) {
		spin_lock(&p->lock);
		if (!p->readers) {
			spin_unlock(&p->lock);
			signal_send_thread(current, SIGPIPE);
			return -EPIPE;
		}
		u32 room = room_locked(p);
		if (room) {
			*got = MIN(n, room);
			p->reserved += *got;
			spin_unlock(&p->lock);
			return 0;
		}
		spin_unlock(&p->lock);
		if (nonblock)
			return -EAGAIN;
		ret = waitq_wait_event(
			&p->wr_wait, pipe_room(p) || !READ_ONCE(p->readers), 0);
		if (ret)
			return ret;
	}
}

void pipe_commit(struct pipe *p, const void *buf, u32 n, u32 reserved)
{
	spin_lock(&p->lock);
	u32 off = p->head % p->size, first = MIN(n, p->size - off);
	memcpy(p->buf + off, buf, first);
	memcpy(p->buf, (const u8 *)buf + first, n - first);
	__atomic_store_n(&p->head, p->head + n, __ATOMIC_RELEASE);
	p->reserved -= reserved;
	spin_unlock(&p->lock);
	if (n)
		waitq_wake(&p->rd_wait, POLLIN | POLLRDNORM, -1);
	if (reserved > n)
		waitq_wake(&p->wr_wait, POLLOUT | POLLWRNORM, -1);
}

int pipe_consumer_lock(struct pipe *p)
{
	return mutex_lock_interruptible(&p->rlock);
}

void pipe_consumer_unlock(struct pipe *p)
{
	mutex_unlock(&p->rlock);
}

u32 pipe_copy_out(struct pipe *p, void *buf, u32 n, bool consume)
{
	spin_lock(&p->lock);
	u32 used = p->head - p->tail, room = room_locked(p);
	u32 k = MIN(n, used);
	if (k) {
		u32 off = p->tail % p->size, first = MIN(k, p->size - off);
		memcpy(buf, p->buf + off, first);
		memcpy((u8 *)buf + first, p->buf, k - first);
	}
	if (consume)
		__atomic_store_n(&p->tail, p->tail + k, __ATOMIC_RELEASE);
	spin_unlock(&p->lock);
	if (consume && k)
		wake_writers(p, room);
	return k;
}

void pipe_consume(struct pipe *p, u32 n)
{
	spin_lock(&p->lock);
	u32 room = room_locked(p);
	__atomic_store_n(&p->tail, p->tail + n, __ATOMIC_RELEASE);
	spin_unlock(&p->lock);
	if (n)
		wake_writers(p, room);
}
