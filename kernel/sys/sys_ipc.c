// SPDX-License-Identifier: MIT
/*
 * System V IPC and POSIX message queue syscalls: decode and check
 * arguments, copy semop's operations, names, attributes and timeouts
 * in; the mechanism is in ipc/ (shm.c, sem.c, msg.c over the namespace
 * of ipc.c; mqueue.c).
 */
#include <kernel/printk.h>
#include "syscall.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "ipc/ipc.h"
#include "ipc/mqueue.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "sched/time.h"
#include <uapi/signal.h>

long sys_shmget(u64 key, u64 size, u64 flags, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return shm_get((s32)key, size, (int)flags);
}

long sys_shmat(u64 id, u64 addr, u64 flags, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	if ((int)id < 0)
		return -EINVAL;
	return shm_attach((int)id, addr, (int)flags);
}

long sys_shmdt(u64 addr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return shm_detach(addr);
}

long sys_shmctl(u64 id, u64 cmd, u64 buf, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	if ((int)cmd < 0)
		return -EINVAL;
	return shm_ctl((int)id, ipc_cmd((int)cmd), buf);
}

long sys_semget(u64 key, u64 nsems, u64 flags, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return sem_get((s32)key, (int)nsems, (int)flags);
}

long sys_semtimedop(u64 id, u64 usops, u64 nsops, u64 uts, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	u64 deadline = 0;

	if ((int)id < 0 || nsops < 1)
		return -EINVAL;
	if (nsops > SEMOPM)
		return -E2BIG;
	struct sembuf *sops = kmalloc(sizeof(*sops) * nsops);
	if (!sops)
		return -ENOMEM;
	long ret = 0;
	if (copy_from_user(sops, usops, sizeof(*sops) * nsops))
		ret = -EFAULT;
	if (!ret)
		ret = time_deadline_from_user(uts, false, false, &deadline);
	if (!ret)
		ret = sem_op((int)id, sops, (u32)nsops, deadline);
	kfree(sops);
	return ret;
}

long sys_semop(u64 id, u64 usops, u64 nsops, u64 a3, u64 a4, u64 a5)
{
	(void)a3;
	return sys_semtimedop(id, usops, nsops, 0, a4, a5);
}

long sys_semctl(u64 id, u64 num, u64 cmd, u64 arg, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	if ((int)cmd < 0)
		return -EINVAL;
	return sem_ctl((int)id, (int)num, ipc_cmd((int)cmd), arg);
}

long sys_msgget(u64 key, u64 flags, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return msg_get((s32)key, (int)flags);
}

long sys_msgsnd(u64 id, u64 msgp, u64 size, u64 flags, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	return msg_send((int)id, msgp, size, (int)flags);
}

long sys_msgrcv(u64 id, u64 msgp, u64 size, u64 type, u64 flags, u64 a5)
{
	(void)a5;
	return msg_recv((int)id, msgp, size, (s64)type, (int)flags);
}

long sys_msgctl(u64 id, u64 cmd, u64 buf, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	if ((int)cmd < 0)
		return -EINVAL;
	return msg_ctl((int)id, ipc_cmd((int)cmd), buf);
}

/* The caller's queue descriptor fd, referenced, or NULL (EBADF). */
static struct file *mq_fd_get(u64 fd)
{
	struct file *f = fd_get(current->proc->files, (int)fd);

	if (f && !mq_is_queue(f)) {
		file_put(f);
		return NULL;
	}
	return f;
}

/* A queue name from user space, as Linux's getname: ENOENT if empty. */
static long mq_get_name(u64 uname, char **out)
{
	char *buf = kmalloc(VFS_PATH_MAX);

	if (!buf)
		return -ENOMEM;
	long n = strncpy_from_user(buf, uname, VFS_PATH_MAX);
	if (n == 0)
		n = -ENOENT;
	if (n < 0) {
		kfree(buf);
		return n;
	}
	*out = buf;
	return 0;
}

long sys_mq_open(u64 uname, u64 oflag, u64 mode, u64 uattr, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct mq_attr attr;
	struct file *f;
	char *name;

	if (uattr && copy_from_user(&attr, uattr, sizeof(attr)))
		return -EFAULT;
	long ret = mq_get_name(uname, &name);
	if (ret)
		return ret;
	ret = mq_open_name(name, (int)oflag, (u32)mode, uattr ? &attr : NULL,
			   &f);
	kfree(name);
	if (ret)
		return ret;
	/* as Linux: queue descriptors are always close-on-exec */
	int fd = fd_install(current->proc->files, f, 0, true);
	if (fd < 0)
		file_put(f);
	return fd;
}

long sys_mq_unlink(u64 uname, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	char *name;

	long ret = mq_get_name(uname, &name);
	if (ret)
		return ret;
	ret = mq_unlink_name(name);
	kfree(name);
	return ret;
}

/* The timeouts of mq_timedsend/receive are absolute CLOCK_REALTIME; as
 * Linux's prepare_timeout, a bad one fails even if the call would not
 * block. */
long sys_mq_timedsend(u64 fd, u64 ubuf, u64 len, u64 prio, u64 uts, u64 a5)
{
	(void)a5;
	u64 deadline;

	int ret = time_deadline_from_user(uts, true, true, &deadline);
	if (ret)
		return ret;
	if ((u32)prio >= MQ_PRIO_MAX)
		return -EINVAL;
	struct file *f = mq_fd_get(fd);
	if (!f)
		return -EBADF;
	long n = mq_send(f, ubuf, len, (u32)prio, deadline);
	file_put(f);
	return n;
}

long sys_mq_timedreceive(u64 fd, u64 ubuf, u64 len, u64 uprio, u64 uts, u64 a5)
{
	(void)a5;
	u64 deadline;

	int ret = time_deadline_from_user(uts, true, true, &deadline);
	if (ret)
		return ret;
	struct file *f = mq_fd_get(fd);
	if (!f)
		return -EBADF;
	long n = mq_receive(f, ubuf, len, uprio, deadline);
	file_put(f);
	return n;
}

/* Linux's struct sigevent, as far as mq_notify reads it. */
struct mq_sigevent {
	u64 value;
	s32 signo;
	s32 notify;
	u8 pad[48];
};
_Static_assert(sizeof(struct mq_sigevent) == 64, "sigevent");

long sys_mq_notify(u64 fd, u64 usev, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct mq_notify_req req;
	struct mq_sigevent ev;

	if (usev) {
		if (copy_from_user(&ev, usev, sizeof(ev)))
			return -EFAULT;
		if (ev.notify != SIGEV_NONE && ev.notify != SIGEV_SIGNAL &&
		    ev.notify != SIGEV_THREAD)
			return -EINVAL;
		if (ev.notify == SIGEV_SIGNAL && (u32)ev.signo > NSIG)
			return -EINVAL;
		/* SIGEV_THREAD: libc passes a netlink socket that Linux
		 * writes the cookie to; Kiln's netlink has no such sockets */
		if (ev.notify == SIGEV_THREAD)
			return -EOPNOTSUPP;
		req = (struct mq_notify_req){ev.notify, ev.signo, ev.value};
	}
	struct file *f = mq_fd_get(fd);
	if (!f)
		return -EBADF;
	long ret = mq_notify_set(f, usev ? &req : NULL);
	file_put(f);
	return ret;
}

long sys_mq_getsetattr(u64 fd, u64 unew, u64 uold, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct mq_attr set, old;

	if (unew && copy_from_user(&set, unew, sizeof(set)))
		return -EFAULT;
	if (unew && (set.mq_flags & ~(s64)O_NONBLOCK))
		return -EINVAL;
	struct file *f = mq_fd_get(fd);
	if (!f)
		return -EBADF;
	long ret = mq_getsetattr(f, unew ? &set : NULL, uold ? &old : NULL);
	file_put(f);
	if (!ret && uold && copy_to_user(uold, &old, sizeof(old)))
		ret = -EFAULT;
	return ret;
}
