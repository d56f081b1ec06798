/* SPDX-License-Identifier: MIT */
/*
 * Per-process resource limits and nice values (Linux's do_prlimit and
 * set/getpriority of kernel/sys.c). Each process carries its own limit
 * table and nice value: the first process starts with Kiln's defaults,
 * fork and clone copy the parent's, execve keeps them. The checks other
 * subsystems make live here too, so each limit's rule is in one place:
 * RLIMIT_NOFILE (fs/file.c), RLIMIT_FSIZE (fs/tmpfs.c), RLIMIT_NPROC
 * (fork, clone), RLIMIT_AS (mmap, brk, mremap), RLIMIT_DATA (brk),
 * RLIMIT_STACK (the main stack at exec) and RLIMIT_NICE (setpriority).
 *
 * Locking: a process's limits change under p->lock; the checks read one
 * soft limit with READ_ONCE. The nice value is one int written and read
 * with WRITE_ONCE/READ_ONCE; setpriority's scans run under
 * proc_table_lock.
 */
#ifndef PROC_RESOURCE_H
#define PROC_RESOURCE_H

#include <kernel/types.h>
#include <uapi/resource.h>

struct mm;
struct process;

/* One limit as user space sees it (struct rlimit64). */
struct rlimit {
	u64 cur, max;
};

/* Kiln's defaults (the first process's limits, and the services'). */
void rlimit_init(struct process *p);
/* fork/clone: the child gets a copy of the parent's limits and nice. */
void rlimit_fork(struct process *child, struct process *parent);
/* The caller's soft limit res (RLIM_INFINITY in a kernel thread). */
u64 rlimit_cur(int res);
/*
 * prlimit64: pid 0 is the caller. With old, the limit before any change;
 * with new, set it: EINVAL (res out of range, cur > max), EPERM (the
 * caller's ids do not match the target's without CAP_SYS_RESOURCE,
 * raising the hard limit without it, NOFILE above the fd maximum),
 * ESRCH (no such process).
 */
int rlimit_prlimit(int pid, u32 res, const struct rlimit *new,
		   struct rlimit *old);

/* The caller's RLIMIT_NOFILE, at most the kernel's fd maximum. */
int rlimit_nofile(void);
/*
 * A write of *n bytes at pos into a regular file: shortened to end at
 * RLIMIT_FSIZE, or -EFBIG with SIGXFSZ to the caller when pos is at or
 * past it (Linux's generic_write_check_limits). *n of 0 always passes.
 */
int rlimit_fsize_write(u64 pos, u64 *n);
/* A truncate or fallocate growing a regular file to size: -EFBIG with
 * SIGXFSZ when size is past RLIMIT_FSIZE (inode_newsize_ok). */
int rlimit_fsize_grow(u64 size);
/* fork/clone of a task by a caller that is not root: -EAGAIN when its
 * real uid already has RLIMIT_NPROC tasks (threads count, as Linux). */
int rlimit_nproc_check(void);
/* Mapping len more bytes at addr (fixed: replacing what is there) into
 * the caller's mm: -ENOMEM past RLIMIT_AS (may_expand_vm). */
int rlimit_as_check(struct mm *mm, u64 addr, u64 len, bool fixed);
/* brk growing to want: -ENOMEM past RLIMIT_DATA (the heap alone: Kiln
 * does not count the data segment as Linux does) or RLIMIT_AS. */
int rlimit_brk_check(struct mm *mm, u64 want);
/* The main thread's stack size for a new program: RLIMIT_STACK, within
 * [128 KiB, 1 GiB]; 8 MiB when unlimited. */
u64 rlimit_stack_size(void);

#define NICE_MIN (-20)
#define NICE_MAX 19
/* setpriority(which, who, nice): nice clamped to -20..19; EINVAL, ESRCH,
 * EPERM (another user's process without CAP_SYS_NICE), EACCES (lowering
 * nice past RLIMIT_NICE without CAP_SYS_NICE), with Linux's rule for
 * several matches (the last error wins, any success clears ESRCH). */
int prio_set(int which, int who, int nice);
/* getpriority: the lowest nice among the matches as 20 - nice (1..40),
 * or -EINVAL/-ESRCH. */
int prio_get(int which, int who);
/* p's nice value (/proc/PID/stat). */
int prio_nice(struct process *p);

#endif
