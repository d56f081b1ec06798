// SPDX-License-Identifier: MIT
/*
 * Waiting syscalls: pipes, eventfd, timerfd, epoll, poll and select. These
 * only copy arguments in and out and check them, in Linux's order; the
 * mechanism is in fs/ (pipe.c, eventfd.c, timerfd.c, epoll.c, poll.c).
 * ppoll, pselect6 and epoll_pwait swap the signal mask for the wait; when
 * the wait ends in EINTR the old mask returns after the handler has run.
 */
#include "syscall.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/waitfd.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/time.h"

#define EFD_ALL	   (EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK)
#define POLL_STACK 32

struct timespec {
	s64 sec;
	s64 nsec;
};

struct timeval {
	s64 sec;
	s64 usec;
};

struct itimerspec {
	struct timespec interval;
	struct timespec value;
};

static struct fdtable *files(void)
{
	return current->proc->files;
}

/* Install f at the lowest free fd, or drop it. */
static long install(struct file *f, u64 flags)
{
	int fd = fd_install(files(), f, 0, flags & O_CLOEXEC);

	if (fd < 0)
		file_put(f);
	return fd;
}

/* A valid timespec in ns (capped at ~272 years: forever enough). */
static int ts_to_ns(const struct timespec *ts, u64 *ns)
{
	if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= (s64)NSEC_PER_SEC)
		return -EINVAL;
	*ns = MIN((u64)ts->sec, 1ULL << 33) * NSEC_PER_SEC + ts->nsec;
	return 0;
}

static struct timespec ns_to_ts(u64 ns)
{
	return (struct timespec){ns / NSEC_PER_SEC, ns % NSEC_PER_SEC};
}

/* A relative timeout as a deadline (0 ns: do not sleep). */
static u64 deadline_in(u64 ns)
{
	return ns ? clock_monotonic_ns() + ns : WAIT_NONE;
}

static u64 deadline_ms(s64 ms)
{
	return ms < 0 ? WAIT_FOREVER : deadline_in(ms * 1000000ULL);
}

/* Nanoseconds left until deadline. */
static u64 time_left(u64 deadline)
{
	u64 now = clock_monotonic_ns();

	return deadline > now ? deadline - now : 0;
}

long sys_pipe2(u64 ufds, u64 flags, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct file *ends[2];
	int fds[2];

	if (flags & ~(u64)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (flags & O_DIRECT)
		return -EINVAL; /* packet mode: as Linux before 3.4 */
	int ret = pipe_open(flags & O_NONBLOCK, ends);
	if (ret)
		return ret;
	fds[0] = install(ends[0], flags);
	if (fds[0] < 0) {
		file_put(ends[1]);
		return fds[0];
	}
	fds[1] = install(ends[1], flags);
	if (fds[1] < 0) {
		fd_close(files(), fds[0]);
		return fds[1];
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fd_close(files(), fds[0]);
		fd_close(files(), fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(u64 ufds, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return sys_pipe2(ufds, 0, 0, 0, 0, 0);
}

long sys_eventfd2(u64 initval, u64 flags, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f;

	if (flags & ~(u64)EFD_ALL)
		return -EINVAL;
	int ret = eventfd_open((u32)initval, flags, &f);
	return ret ? ret : install(f, flags);
}

long sys_eventfd(u64 initval, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return sys_eventfd2(initval, 0, 0, 0, 0, 0);
}

long sys_signalfd4(u64 fd, u64 umask, u64 sizemask, u64 flags, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct file *f;
	u64 mask;

	if (flags & ~(u64)(O_CLOEXEC | O_NONBLOCK) || sizemask != 8)
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	if ((int)fd == -1) {
		int ret = signalfd_open(mask, flags, &f);
		return ret ? ret : install(f, flags);
	}
	f = fd_get(files(), (int)fd);
	if (!f)
		return -EBADF;
	int ret = signalfd_set_mask(f, mask);
	file_put(f);
	return ret ? ret : (long)(int)fd;
}

long sys_signalfd(u64 fd, u64 umask, u64 sizemask, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return sys_signalfd4(fd, umask, sizemask, 0, 0, 0);
}

long sys_timerfd_create(u64 clockid, u64 flags, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f;

	if (flags & ~(u64)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	int ret = timerfd_open((int)clockid, flags, &f);
	return ret ? ret : install(f, flags);
}

static int put_itimerspec(u64 uits, const struct timerfd_spec *spec)
{
	struct itimerspec its = {ns_to_ts(spec->interval_ns),
				 ns_to_ts(spec->value_ns)};

	return copy_to_user(uits, &its, sizeof(its));
}

long sys_timerfd_settime(u64 fd, u64 flags, u64 unew, u64 uold, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct itimerspec its;
	struct timerfd_spec new, old;

	if (copy_from_user(&its, unew, sizeof(its)))
		return -EFAULT;
	if (flags & ~(u64)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	if (ts_to_ns(&its.value, &new.value_ns) ||
	    ts_to_ns(&its.interval, &new.interval_ns))
		return -EINVAL;
	struct file *f = fd_get(files(), (int)fd);
	if (!f)
		return -EBADF;
	int ret = timerfd_set(f, (int)flags, &new, &old);
	file_put(f);
	if (!ret && uold)
		ret = put_itimerspec(uold, &old);
	return ret;
}

long sys_timerfd_gettime(u64 fd, u64 ucur, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct timerfd_spec cur;
	struct file *f = fd_get(files(), (int)fd);

	if (!f)
		return -EBADF;
	int ret = timerfd_get(f, &cur);
	file_put(f);
	return ret ? ret : put_itimerspec(ucur, &cur);
}

long sys_epoll_create1(u64 flags, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f;

	if (flags & ~(u64)O_CLOEXEC)
		return -EINVAL;
	int ret = epoll_open(&f);
	return ret ? ret : install(f, flags);
}

long sys_epoll_create(u64 size, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if ((int)size <= 0)
		return -EINVAL;
	return sys_epoll_create1(0, 0, 0, 0, 0, 0);
}

long sys_epoll_ctl(u64 epfd, u64 op, u64 fd, u64 uev, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct epoll_event ev;
	bool has_ev = op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD;

	if (has_ev && copy_from_user(&ev, uev, sizeof(ev)))
		return -EFAULT;
	struct file *epf = fd_get(files(), (int)epfd);
	if (!epf)
		return -EBADF;
	struct file *tf = fd_get(files(), (int)fd);
	long ret = -EBADF;
	/* an O_PATH file is no file here, either side (Linux's fdget) */
	if (tf && !((tf->flags | epf->flags) & O_PATH)) {
		ret = epoll_control(epf, (int)op, (int)fd, tf,
				    has_ev ? &ev : NULL);
		file_put(tf);
	}
	file_put(epf);
	return ret;
}

/* A signal mask swapped in for the duration of a wait. */
struct mask_swap {
	u64 old;
	bool swapped;
};

static int mask_swap_in(u64 umask, u64 size, struct mask_swap *s)
{
	u64 mask;

	s->swapped = false;
	if (!umask)
		return 0;
	if (size != sizeof(u64))
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	s->old = current->sigmask;
	s->swapped = true;
	current->sigmask = mask & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
	return 0;
}

/* Restore the mask now, or after the handler runs if interrupted. */
static long mask_swap_out(struct mask_swap *s, long ret)
{
	struct thread *t = current;

	if (!s->swapped)
		return ret;
	if (ret == -EINTR) {
		t->saved_sigmask = s->old;
		t->restore_sigmask = true;
	} else {
		t->sigmask = s->old;
	}
	return ret;
}

static long do_epoll_wait(int epfd, u64 uevents, int maxevents, u64 deadline)
{
	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	if (!user_range_ok(uevents, (u64)maxevents * 12))
		return -EFAULT;
	struct file *f = fd_get(files(), epfd);
	if (!f)
		return -EBADF;
	long ret = epoll_wait_events(f, uevents, maxevents, deadline);
	file_put(f);
	return ret;
}

long sys_epoll_wait(u64 epfd, u64 uevents, u64 maxevents, u64 timeout, u64 a4,
		    u64 a5)
{
	(void)a4, (void)a5;
	return do_epoll_wait((int)epfd, uevents, (int)maxevents,
			     deadline_ms((int)timeout));
}

long sys_epoll_pwait(u64 epfd, u64 uevents, u64 maxevents, u64 timeout,
		     u64 umask, u64 size)
{
	struct mask_swap s;
	int ret = mask_swap_in(umask, size, &s);

	if (ret)
		return ret;
	return mask_swap_out(&s,
			     do_epoll_wait((int)epfd, uevents, (int)maxevents,
					   deadline_ms((int)timeout)));
}

long sys_epoll_pwait2(u64 epfd, u64 uevents, u64 maxevents, u64 uts, u64 umask,
		      u64 size)
{
	struct timespec ts;
	u64 ns, deadline = WAIT_FOREVER;
	struct mask_swap s;

	if (uts) {
		if (copy_from_user(&ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts_to_ns(&ts, &ns))
			return -EINVAL;
		deadline = deadline_in(ns);
	}
	int ret = mask_swap_in(umask, size, &s);
	if (ret)
		return ret;
	return mask_swap_out(&s, do_epoll_wait((int)epfd, uevents,
					       (int)maxevents, deadline));
}

static long do_poll(u64 ufds, u64 nfds, u64 deadline)
{
	struct pollfd stackbuf[POLL_STACK], *fds = stackbuf;
	size_t bytes = nfds * sizeof(*fds);

	if (nfds > (u64)rlimit_nofile()) /* RLIMIT_NOFILE, as Linux */
		return -EINVAL;
	if (nfds > POLL_STACK && !(fds = kmalloc(bytes)))
		return -ENOMEM;
	long ret = copy_from_user(fds, ufds, bytes);
	if (!ret)
		ret = poll_fds(fds, nfds, deadline);
	/* only revents is written back, as Linux does */
	for (u64 i = 0; (ret >= 0 || ret == -EINTR) && i < nfds; i++)
		if (copy_to_user(ufds + i * sizeof(*fds) + 6, &fds[i].revents,
				 sizeof(s16)))
			ret = -EFAULT;
	if (fds != stackbuf)
		kfree(fds);
	return ret;
}

long sys_poll(u64 ufds, u64 nfds, u64 timeout, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_poll(ufds, nfds, deadline_ms((int)timeout));
}

/*
 * Read a timespec timeout (NULL: forever) as a deadline; *sticky says
 * whether the time left is written back afterwards (not for 0 or NULL).
 */
static int get_timeout(u64 uts, u64 *deadline, bool *sticky)
{
	struct timespec ts;
	u64 ns;

	*deadline = WAIT_FOREVER;
	*sticky = false;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts_to_ns(&ts, &ns))
		return -EINVAL;
	*deadline = deadline_in(ns);
	*sticky = ns != 0;
	return 0;
}

/* Linux updates the timeout of ppoll, pselect6 and select, unless the
 * personality has STICKY_TIMEOUTS; a fault in doing so is ignored. */
static void put_time_left(u64 uts, u64 deadline, bool timeval)
{
	struct timespec ts = ns_to_ts(time_left(deadline));

	if (READ_ONCE(current->proc->personality) & STICKY_TIMEOUTS)
		return;

	if (timeval)
		ts.nsec /= 1000;
	copy_to_user(uts, &ts, sizeof(ts));
}

long sys_ppoll(u64 ufds, u64 nfds, u64 uts, u64 umask, u64 size, u64 a5)
{
	(void)a5;
	u64 deadline;
	bool sticky;
	struct mask_swap s;
	int ret = get_timeout(uts, &deadline, &sticky);

	if (ret || (ret = mask_swap_in(umask, size, &s)))
		return ret;
	long n = mask_swap_out(&s, do_poll(ufds, nfds, deadline));
	if (sticky)
		put_time_left(uts, deadline, false);
	return n;
}

/* select on user fd_sets of nfds bits. */
static long do_select(u64 nfds, u64 uin, u64 uout, u64 uex, u64 deadline)
{
	u64 usets[3] = {uin, uout, uex}, *sets[3] = {NULL, NULL, NULL};
	long ret = 0;

	if ((int)nfds < 0)
		return -EINVAL;
	int n = MIN((int)nfds, READ_ONCE(files()->size));
	size_t bytes = ALIGN_UP(n, 64) / 8;
	for (int i = 0; i < 3 && !ret; i++) {
		if (!usets[i] || !bytes)
			continue;
		sets[i] = kmalloc(bytes);
		if (!sets[i])
			ret = -ENOMEM;
		else if (copy_from_user(sets[i], usets[i], bytes))
			ret = -EFAULT;
	}
	if (!ret)
		ret = select_fds(n, sets[0], sets[1], sets[2], deadline);
	for (int i = 0; i < 3 && ret >= 0; i++)
		if (sets[i] && copy_to_user(usets[i], sets[i], bytes))
			ret = -EFAULT;
	for (int i = 0; i < 3; i++)
		kfree(sets[i]);
	return ret;
}

long sys_select(u64 nfds, u64 uin, u64 uout, u64 uex, u64 utv, u64 a5)
{
	(void)a5;
	struct timeval tv;
	u64 deadline = WAIT_FOREVER, ns = 0;

	if (utv) {
		if (copy_from_user(&tv, utv, sizeof(tv)))
			return -EFAULT;
		/* Linux folds whole seconds out of tv_usec */
		struct timespec ts = {tv.sec + tv.usec / 1000000,
				      (tv.usec % 1000000) * 1000};
		if (ts_to_ns(&ts, &ns))
			return -EINVAL;
		deadline = deadline_in(ns);
	}
	long ret = do_select(nfds, uin, uout, uex, deadline);
	if (utv && ns)
		put_time_left(utv, deadline, true);
	return ret;
}

long sys_pselect6(u64 nfds, u64 uin, u64 uout, u64 uex, u64 uts, u64 usig)
{
	struct {
		u64 mask;
		u64 size;
	} sig = {0, 0};
	u64 deadline;
	bool sticky;
	struct mask_swap s;
	int ret = get_timeout(uts, &deadline, &sticky);

	if (ret)
		return ret;
	if (usig && copy_from_user(&sig, usig, sizeof(sig)))
		return -EFAULT;
	ret = mask_swap_in(sig.mask, sig.size, &s);
	if (ret)
		return ret;
	long n = mask_swap_out(&s, do_select(nfds, uin, uout, uex, deadline));
	if (sticky)
		put_time_left(uts, deadline, false);
	return n;
}
