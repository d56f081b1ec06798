/* SPDX-License-Identifier: MIT */
/*
 * Open files and fd tables. A struct file is shared by every fd (and
 * process, after fork) that refers to it; its ops decide what read/write
 * mean (console, image file, directory, device; pipes and sockets later).
 * Ops take user pointers. fdtable->lock guards the table. The position of
 * a seekable file is guarded by file->pos_lock, a sleeping lock held across
 * a whole read, write, lseek or getdents (Linux's f_pos_lock), so threads
 * and processes sharing the file never read the same bytes or lose a
 * write; file->lock guards the status flags.
 */
#ifndef FS_FILE_H
#define FS_FILE_H

#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <kernel/types.h>
#include <uapi/stat.h>
#include "sched/mutex.h"
#include <uapi/fcntl.h>
#include <uapi/poll.h>

#define FD_MAX_DEFAULT 65536

struct file;
struct vnode;
struct waitq;

/*
 * Readiness: f->ops->poll(f, pt) returns the file's current events and, when
 * pt is not NULL, calls pt->queue(pt, wq) for every wait queue on which the
 * file will signal a change (waitq_wake(wq, events, ...)). select/poll use
 * it with a thread waiter, epoll with a callback waiter.
 */
struct poll_table {
	void (*queue)(struct poll_table *pt, struct waitq *wq);
};

static inline void poll_wait(struct waitq *wq, struct poll_table *pt)
{
	if (pt && wq)
		pt->queue(pt, wq);
}

struct uio;

struct file_ops {
	ssize_t (*read)(struct file *f, u64 ubuf, size_t n, u64 *pos);
	ssize_t (*write)(struct file *f, u64 ubuf, size_t n, u64 *pos);
	/*
	 * Optional vectored forms (readv/writev): the whole vector as one
	 * operation, e.g. one atomic pipe write or one socket send. Without
	 * them readv/writev call read/write once per iovec entry.
	 */
	ssize_t (*read_iter)(struct file *f, struct uio *u, u64 *pos);
	ssize_t (*write_iter)(struct file *f, struct uio *u, u64 *pos);
	int (*ioctl)(struct file *f, u32 cmd, u64 arg);
	int (*getdents)(struct file *f, u64 ubuf, size_t n);
	u32 (*poll)(struct file *f, struct poll_table *pt);
	/*
	 * mmap support: the physical page backing page pgoff of the file,
	 * with a reference taken (page_get), or -errno (-EFAULT past EOF).
	 */
	int (*get_page)(struct file *f, u64 pgoff, paddr_t *pa);
	int (*truncate)(struct file *f, u64 len);
	/* stat for files without a vnode (pipes, sockets, eventfd...) */
	int (*stat)(struct file *f, struct linux_stat *st);
	void (*release)(struct file *f);
	/* Optional: an fd table closes f (any of its fds), with current
	 * the process closing it (Linux's flush). */
	void (*flush)(struct file *f);
	/* Optional: a VMA mapping f came (+1: fork, split) or went (-1:
	 * munmap, exit, exec); runs under the mm lock. SysV shm counts its
	 * attachments (shm_nattch) with it. */
	void (*vma_count)(struct file *f, int delta);
	bool seekable;
};

struct file {
	int refcount; /* atomic */
	const struct file_ops *ops;
	struct vnode *vn;
	struct spinlock lock;  /* flags (their changes) */
	struct mutex pos_lock; /* pos, for seekable files */
	u64 pos;
	u32 flags;   /* O_* status flags: read freely, changed under lock */
	u32 version; /* Linux's f_version: a FIFO reader's writer count */
	void *priv;
	struct list_head epitems; /* epoll items watching this file (epoll.c) */
	/* F_SETOWN(_EX)/F_SETSIG: whom a lease break signals, and with what
	 * (0: SIGIO); F_OWNER_* type; atomic */
	int owner, owner_type, sig;
	bool open_counted; /* in its vnode's open_readers/writers (locks.c) */
};

struct fdtable {
	struct spinlock lock;
	int size;
	struct file **fds;
	u8 *cloexec;
};

struct file *file_alloc(const struct file_ops *ops, struct vnode *vn,
			u32 flags);
void file_get(struct file *f);
void file_put(struct file *f);
/* fd table t lets go of f (close, dup2, exec, exit): drops the POSIX
 * locks t holds on the file, then the reference. */
void file_close(struct file *f, struct fdtable *t);
/*
 * Hold the position of f across one read, write, lseek or getdents; only
 * seekable files take the lock (a pipe or socket read may block, and its
 * position is unused).
 */
/* fs/sendfile.c: in's bytes to out; offset NULL: in's own position. */
ssize_t file_sendfile(struct file *out, struct file *in, u64 *offset,
		      size_t count);
ssize_t file_copy_range(struct file *in, u64 *off_in, struct file *out,
			u64 *off_out, size_t len);
/* stat of an anonymous-inode file (eventfd, timerfd, signalfd): mode
 * 0600 and no file type, as on Linux. */
int file_anon_stat(struct file *f, struct linux_stat *st);
void file_pos_lock(struct file *f);
void file_pos_unlock(struct file *f);
/* Change status flags: clear the bits in clear, then set those in set. */
void file_change_flags(struct file *f, u32 clear, u32 set);

struct fdtable *fdtable_create(void);
/* Install f at the lowest free fd >= min; returns the fd or -EMFILE. */
int fd_install(struct fdtable *t, struct file *f, int min, bool cloexec);
/* The file at fd with a reference taken, or NULL. */
struct file *fd_get(struct fdtable *t, int fd);
/*
 * What fd is, without a reference on the file (so without releasing one:
 * /proc/self/fd looks under vfs_lock): its vnode, referenced, or NULL and,
 * if st is not NULL, the file's own stat. -EBADF if fd is not open.
 */
int fd_peek(struct fdtable *t, int fd, struct vnode **vn,
	    struct linux_stat *st);
int fd_close(struct fdtable *t, int fd);
int fd_dup2(struct fdtable *t, int oldfd, int newfd, bool cloexec);
int fd_install_console(struct fdtable *t);

/* Open a vnode as a file. */
int file_open_vnode(struct vnode *vn, u32 flags, struct file **out);
void file_fill_stat(struct vnode *vn, struct linux_stat *st);

/* fork, execve and exit (fs/fdtable.c) */
struct fdtable *fdtable_clone(struct fdtable *t);
void fdtable_close_on_exec(struct fdtable *t);
void fdtable_put(struct fdtable *t);

extern const struct file_ops console_fops;
/* Take console input interrupts (after irq_init). */
void console_init_input(void);
/* A "winsize=COLSxROWS" boot option; true if word was one. */
bool console_option(const char *word, size_t len);
void devices_init(void);

/* fd flags and close_range (fs/file.c) */
/* FD_CLOEXEC state of fd (0 or 1), or -EBADF. */
int fd_get_cloexec(struct fdtable *t, int fd);
int fd_set_cloexec(struct fdtable *t, int fd, bool on);
/* Close (or, with cloexec, mark close-on-exec) the fds in [first, last]. */
int fd_close_range(struct fdtable *t, u32 first, u32 last, bool cloexec);

#endif
