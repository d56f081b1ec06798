/* SPDX-License-Identifier: MIT */
/*
 * Files to wait on and the waiting itself: pipes (pipe.c), eventfd
 * (eventfd.c), timerfd (timerfd.c), epoll (epoll.c) and poll/select
 * (poll.c). The sys_* wrappers in sys/sys_poll.c copy arguments in and
 * check them, then call these; each returns 0, a count or -errno.
 *
 * Deadlines are monotonic nanoseconds (sched/time.h); WAIT_NONE means
 * "only look, never sleep" and WAIT_FOREVER "no timeout". Waits that a
 * signal interrupts return -EINTR: Linux never restarts poll, select or
 * epoll_wait.
 */
#ifndef FS_WAITFD_H
#define FS_WAITFD_H

#include <kernel/types.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>

struct file;

#define WAIT_NONE    0ULL
#define WAIT_FOREVER (~0ULL)

/* pipe.c: a pipe as [0] read end and [1] write end; flags: O_NONBLOCK. */
int pipe_open(u32 flags, struct file *ends[2]);
struct vnode;
/*
 * Open the FIFO vn with flags (O_ACCMODE, O_NONBLOCK...): its pipe, shared
 * by every opener; may sleep for the other side (-ERESTARTSYS), -ENXIO.
 */
int pipe_fifo_open(struct vnode *vn, u32 flags, struct file **out);

/* signalfd.c; flags: O_NONBLOCK. set_mask: -EINVAL if not a signalfd. */
int signalfd_open(u64 mask, u32 flags, struct file **out);
int signalfd_set_mask(struct file *f, u64 mask);

/* eventfd.c; flags: EFD_SEMAPHORE and O_NONBLOCK. */
#define EFD_SEMAPHORE 1
int eventfd_open(u32 initval, u32 flags, struct file **out);

/* timerfd.c; times in ns, value relative on output. */
#define TFD_TIMER_ABSTIME	1
#define TFD_TIMER_CANCEL_ON_SET 2
struct timerfd_spec {
	u64 value_ns;
	u64 interval_ns;
};
int timerfd_open(int clockid, u32 flags, struct file **out);
/* -EINVAL if f is not a timerfd. */
int timerfd_set(struct file *f, int flags, const struct timerfd_spec *new,
		struct timerfd_spec *old);
int timerfd_get(struct file *f, struct timerfd_spec *cur);

/* epoll.c (struct epoll_event: uapi/poll.h). */
#define EP_MAX_EVENTS (0x7fffffff / (int)sizeof(struct epoll_event))

int epoll_open(struct file **out);
bool is_epoll_file(struct file *f);
/* ev is NULL for EPOLL_CTL_DEL. */
int epoll_control(struct file *epf, int op, int fd, struct file *target,
		  const struct epoll_event *ev);
/* Harvest up to maxevents into the user array uevents. */
long epoll_wait_events(struct file *epf, u64 uevents, int maxevents,
		       u64 deadline);
/*
 * Drop every epoll registration of f; called by file_put() when the last
 * reference to f goes, before f->ops->release.
 */
void epoll_release_file(struct file *f);

/* poll.c */
struct pollfd {
	s32 fd;
	s16 events;
	s16 revents;
};
_Static_assert(sizeof(struct pollfd) == 8, "struct pollfd");

/* poll(2) on a kernel copy of the array; fills revents. */
long poll_fds(struct pollfd *fds, u32 nfds, u64 deadline);
/*
 * select(2) on kernel copies of the fd_set bitmaps (NULL: empty set) of
 * nfds bits, rewritten in place with the ready fds.
 */
long select_fds(int nfds, u64 *in, u64 *out, u64 *ex, u64 deadline);

#endif
