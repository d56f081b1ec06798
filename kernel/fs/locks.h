/* SPDX-License-Identifier: MIT */
/*
 * Advisory file locks, kept per vnode (fs/locks.c): POSIX record locks
 * (fcntl F_SETLK/F_SETLKW/F_GETLK, owned by a process's fd table,
 * released when that process closes any fd of the file and at exit), OFD
 * record locks (F_OFD_*, owned by the open file description) and flock
 * locks (whole file, owned by the open file description, independent of
 * the record locks). POSIX and OFD locks conflict with each other.
 */
#ifndef FS_LOCKS_H
#define FS_LOCKS_H

#include <kernel/types.h>
#include <uapi/fcntl.h>

struct file;
struct fdtable;

#define LOCKS_OFFSET_MAX INT64_MAX

/* Linux's struct flock on x86_64. */
struct linux_flock {
	s16 l_type;
	s16 l_whence;
	s64 l_start;
	s64 l_len;
	s32 l_pid;
};
_Static_assert(sizeof(struct linux_flock) == 32, "struct flock size");

/* A record lock request or answer: [start, end] inclusive. */
struct lock_range {
	int type; /* F_RDLCK, F_WRLCK, F_UNLCK */
	u64 start, end;
	int pid; /* F_GETLK: the holder (-1 for an OFD lock) */
};

/*
 * Record locks on f's file. ofd: an OFD lock (owner f) rather than a POSIX
 * one (owner: the caller's fd table). locks_set returns 0, -EAGAIN,
 * -EDEADLK, -ERESTARTSYS (wait interrupted) or -ENOMEM; locks_get turns r
 * into the first conflicting lock, or r->type = F_UNLCK.
 */
int locks_set(struct file *f, bool ofd, const struct lock_range *r, bool wait);
int locks_get(struct file *f, bool ofd, struct lock_range *r);
/* flock(2) operation op on f: 0, -EWOULDBLOCK, -ERESTARTSYS, -EINVAL. */
int locks_flock(struct file *f, int op);
/* f is closed by owner (an fd table): drop its POSIX locks on the file. */
void locks_remove_posix(struct file *f, struct fdtable *owner);
/* f's last reference is gone: drop its OFD and flock locks and lease. */
void locks_release_file(struct file *f);

/*
 * Leases (fcntl F_SETLEASE/F_GETLEASE, owned by the open file
 * description). locks_set_lease: 0, -EAGAIN (a conflicting open or lease),
 * -EACCES (not the file's owner, no CAP_LEASE), -EINVAL, -ENOMEM.
 * locks_get_lease: the lease type f holds (while it is being broken, the
 * type it is being broken to), or F_UNLCK.
 */
int locks_set_lease(struct file *f, int type);
int locks_get_lease(struct file *f);
/*
 * A new open of f's file (f counted already): break the leases other
 * open files hold that conflict with it. The holders get their signal;
 * then -EWOULDBLOCK for an O_NONBLOCK open, else wait until they give
 * way or lease-break-time (45 s) passes and their leases are removed;
 * -ERESTARTSYS if a signal ends the wait.
 */
int locks_break_lease(struct file *f);
/* The open files of regular file vn, for leases (file.c counts them). */
void locks_count_open(struct file *f, int delta);

#endif
