/* SPDX-License-Identifier: MIT */
/*
 * Pipes as splice, tee and vmsplice see them (fs/pipe.c), and those calls
 * (fs/splice.c). Bytes go through a kernel buffer: a producer reserves
 * room in the output pipe, fills the buffer from its source, then commits
 * what it got; a consumer holds the pipe's consumer lock, copies bytes
 * out, writes them to their destination and consumes only what was
 * written, so a short write loses nothing. Linux moves page references
 * instead; the results a program can see are the same, except that
 * vmsplice copies the user's memory at the call (docs/decisions/
 * xattr-splice.md).
 */
#ifndef FS_PIPE_H
#define FS_PIPE_H

#include <uapi/fcntl.h>
#include <kernel/types.h>

#define PIPE_SIZE     65536   /* a new pipe's capacity; splice's chunk */
#define PIPE_MAX_SIZE 1048576 /* /proc/sys/fs/pipe-max-size */

struct file;
struct pipe;
struct uio;

/* F_GETPIPE_SZ and F_SETPIPE_SZ on f: the capacity, or -Exxx (EBADF if
 * f is not a pipe). */
long pipe_fcntl(struct file *f, u32 cmd, u64 arg);
/* The pipe behind f (a pipe end or an open FIFO), or NULL. */
struct pipe *pipe_of(struct file *f);
/* 1 when p holds bytes, 0 at EOF (no writers); else -EAGAIN if nonblock,
 * or -ERESTARTSYS after sleeping. */
int pipe_wait_data(struct pipe *p, bool nonblock);
/*
 * Reserve up to n bytes of room (*got > 0), waiting for some unless
 * nonblock (-EAGAIN); -EPIPE with SIGPIPE sent if p has no readers.
 */
int pipe_reserve(struct pipe *p, u32 n, bool nonblock, u32 *got);
/* Append n bytes of buf and release the reservation of `reserved` bytes
 * (n <= reserved); wakes readers. */
void pipe_commit(struct pipe *p, const void *buf, u32 n, u32 reserved);
/* The consumer lock, held across copy_out and consume (interruptible). */
int pipe_consumer_lock(struct pipe *p);
void pipe_consumer_unlock(struct pipe *p);
/* Copy up to n of the oldest bytes to buf, consuming them if consume;
 * returns how many. */
u32 pipe_copy_out(struct pipe *p, void *buf, u32 n, bool consume);
/* Consume n bytes that copy_out returned (consumer lock held). */
void pipe_consume(struct pipe *p, u32 n);
/* read(2) of the pipe into u, waiting for bytes unless nonblock. */
ssize_t pipe_read_uio(struct pipe *p, struct uio *u, bool nonblock);

/* fs/splice.c. flags are SPLICE_F_*; offsets NULL: the file position. */
#define SPLICE_F_ALL 0x0f
ssize_t splice_files(struct file *in, u64 *off_in, struct file *out,
		     u64 *off_out, size_t len, u32 flags);
ssize_t splice_tee(struct file *in, struct file *out, size_t len, u32 flags);
/* vmsplice: u's memory into f's pipe (f writable) or out of it. */
ssize_t splice_vmsplice(struct file *f, struct uio *u, u32 flags);

#endif
