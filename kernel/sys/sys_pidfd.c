// SPDX-License-Identifier: MIT
/*
 * pidfd syscalls: pidfd_open, pidfd_send_signal, pidfd_getfd. They check
 * arguments and copy the siginfo in; the pidfd file is in proc/pidfd.c.
 * (waitid's P_PIDFD and clone's CLONE_PIDFD are in sys_proc.c and
 * proc/fork.c.)
 */
#include <kernel/string.h>
#include "syscall.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/uaccess.h"
#include "proc/pidfd.h"
#include "proc/proc.h"
#include "proc/signal.h"

static struct fdtable *files(void)
{
	return current->proc->files;
}

long sys_pidfd_open(u64 pid, u64 flags, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f;

	if (flags & ~(u64)PIDFD_NONBLOCK || (int)pid <= 0)
		return -EINVAL;
	int ret = pidfd_open_pid((int)pid, flags, &f);
	if (ret)
		return ret;
	/* pidfds are always close-on-exec, as on Linux */
	int fd = fd_install(files(), f, 0, true);
	if (fd < 0)
		file_put(f);
	return fd;
}

/* The fields of a user siginfo_t that a kill-type signal carries. */
struct user_siginfo {
	s32 si_signo, si_errno, si_code, pad;
	s32 si_pid;
	u32 si_uid;
	u64 si_value;
	u8 rest[96];
};
_Static_assert(sizeof(struct user_siginfo) == 128, "siginfo_t");

long sys_pidfd_send_signal(u64 pidfd, u64 sig, u64 uinfo, u64 flags, u64 a4,
			   u64 a5)
{
	(void)a4, (void)a5;
	struct process *me = current->proc;
	struct ksiginfo info = {.code = SI_USER, .pid = me->pid};
	struct user_siginfo ui;

	/* Linux 6.9's flags: to the thread (the process's leader, for a pidfd
	 * of a process) or the thread group; process groups: EINVAL */
	if (flags & ~(u64)(PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP) ||
	    flags == (PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP))
		return -EINVAL;
	if (sig > NSIG)
		return -EINVAL;
	struct file *f = fd_get(files(), (int)pidfd);
	if (!f)
		return -EBADF;
	long ret = -EBADF;
	/* a pidfd, or a /proc/<pid> directory (referenced) */
	struct process *p = pidfd_process(f), *dirp = NULL;
	if (!p)
		p = dirp = procfs_dir_process(f->vn);
	if (!p)
		goto out;
	if (uinfo) {
		ret = -EFAULT;
		if (copy_from_user(&ui, uinfo, sizeof(ui)))
			goto out;
		ret = -EINVAL;
		if (ui.si_signo != (s32)sig)
			goto out;
		/* only to oneself may a sender claim to be the kernel or
		 * someone else (si_code >= 0 or SI_TKILL), as Linux */
		ret = -EPERM;
		if ((p != me || (flags & PIDFD_SIGNAL_THREAD)) &&
		    (ui.si_code >= 0 || ui.si_code == SI_TKILL))
			goto out;
		info = (struct ksiginfo){.code = ui.si_code,
					 .pid = ui.si_pid,
					 .uid = ui.si_uid,
					 .value = ui.si_value};
	}
	ret = pidfd_signal(p, (int)sig, &info, flags & PIDFD_SIGNAL_THREAD);
out:
	if (dirp)
		process_put(dirp);
	file_put(f);
	return ret;
}

long sys_pidfd_getfd(u64 pidfd, u64 targetfd, u64 flags, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct file *pf, *got;

	if (flags)
		return -EINVAL;
	pf = fd_get(files(), (int)pidfd);
	if (!pf)
		return -EBADF;
	int ret = pidfd_get_file(pf, (int)targetfd, &got);
	file_put(pf);
	if (ret)
		return ret;
	/* the new fd is close-on-exec, as on Linux */
	int fd = fd_install(files(), got, 0, true);
	if (fd < 0)
		file_put(got);
	return fd;
}
