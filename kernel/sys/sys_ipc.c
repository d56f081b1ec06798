// SPDX-License-Identifier: MIT
/*
 * System V IPC syscalls: decode and check arguments, copy semop's
 * operations and timeout in; the mechanism is in ipc/ (shm.c, sem.c,
 * msg.c over the namespace of ipc.c).
 */
#include <kernel/printk.h>
#include "syscall.h"
#include "ipc/ipc.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "sched/time.h"

struct timespec {
	s64 sec;
	s64 nsec;
};

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
	struct timespec ts;
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
	if (!ret && uts) {
		if (copy_from_user(&ts, uts, sizeof(ts)))
			ret = -EFAULT;
		else if (ts.sec < 0 || ts.nsec < 0 ||
			 ts.nsec >= (s64)NSEC_PER_SEC)
			ret = -EINVAL;
		else
			deadline = clock_monotonic_ns() +
				   (u64)MIN(ts.sec, 1LL << 33) * NSEC_PER_SEC +
				   (u64)ts.nsec;
	}
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
