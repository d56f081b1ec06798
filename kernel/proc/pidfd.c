// SPDX-License-Identifier: MIT
/*
 * pidfd: a file referring to a process. The file holds a reference on the
 * struct process (never on a pid number), so signals sent through it can
 * only reach that process: once it is reaped they fail with ESRCH even if
 * its pid was reused. poll reports POLLIN once every thread has exited
 * (the process is a zombie or already reaped), as on Linux; the process's
 * exit_wait queue carries the wakeup, and its lock guards p->exited.
 * See docs/decisions/pidfd.md.
 */
#include <kernel/string.h>
#include "pidfd.h"
#include "proc.h"
#include "signal.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"

static bool has_exited(struct process *p)
{
	return __atomic_load_n(&p->exited, __ATOMIC_ACQUIRE);
}

static u32 pidfd_poll(struct file *f, struct poll_table *pt)
{
	struct process *p = f->priv;

	poll_wait(&p->exit_wait, pt);
	return has_exited(p) ? POLLIN | POLLRDNORM : 0;
}

static void pidfd_release(struct file *f)
{
	process_put(f->priv);
}

/* read, write: EINVAL, as Linux's pidfd (no read or write op). */
static ssize_t pidfd_rw(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	(void)f, (void)ubuf, (void)n, (void)pos;
	return -EINVAL;
}

static const struct file_ops pidfd_fops = {
	.read = pidfd_rw,
	.write = pidfd_rw,
	.poll = pidfd_poll,
	.stat = file_anon_stat,
	.release = pidfd_release,
};

int pidfd_create(struct process *p, u32 flags, struct file **out)
{
	struct file *f = file_alloc(&pidfd_fops, NULL,
				    O_RDWR | (flags & PIDFD_NONBLOCK));

	if (!f)
		return -ENOMEM;
	process_get(p);
	f->priv = p;
	*out = f;
	return 0;
}

int pidfd_open_pid(int pid, u32 flags, struct file **out)
{
	struct process *p = pid > 0 ? proc_find_get(pid) : NULL;

	if (!p)
		return -ESRCH;
	int ret = pidfd_create(p, flags, out);
	process_put(p);
	return ret;
}

struct process *pidfd_process(struct file *f)
{
	return f->ops == &pidfd_fops ? f->priv : NULL;
}

/*
 * A zombie still "exists" (signals to it succeed and do nothing), a
 * reaped process does not: as kill(2) and Linux's pidfd_send_signal.
 */
int pidfd_signal(struct process *p, int sig, const struct ksiginfo *info,
		 bool to_thread)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (!proc_is_listed(p))
		return -ESRCH;
	if (!cred_may_signal(p, sig))
		return -EPERM; /* as kill(2) */
	if (!sig || has_exited(p))
		return 0;
	if (to_thread && sig != SIGKILL) /* SIGKILL kills them all */
		return signal_send_tid_info(p, p->pid, sig, info);
	return signal_send_process_info(p, sig, info);
}

/* Linux checks ptrace access; every Kiln process may look at every other
 * (one user, root). */
int pidfd_get_file(struct file *f, int fd, struct file **out)
{
	struct process *p = pidfd_process(f);

	if (!p)
		return -EBADF;
	u64 fl = spin_lock_irqsave(&p->lock); /* p->files is cleared under it */
	struct fdtable *t = p->files;
	struct file *got = t ? fd_get(t, fd) : NULL;
	spin_unlock_irqrestore(&p->lock, fl);
	if (!t)
		return -ESRCH;
	if (!got)
		return -EBADF;
	*out = got;
	return 0;
}

void pidfd_exited(struct process *p)
{
	u64 f = spin_lock_irqsave(&p->exit_wait.lock);
	__atomic_store_n(&p->exited, true, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&p->exit_wait.lock, f);
	waitq_wake(&p->exit_wait, POLLIN | POLLRDNORM, -1);
}
