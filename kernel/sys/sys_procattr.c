// SPDX-License-Identifier: MIT
/*
 * Per-process attributes that Kiln stores and reports but that change
 * little else: personality(2), ioprio_get/ioprio_set(2), and kcmp(2),
 * which compares what two processes share.
 */
#include <kernel/string.h>
#include "syscall.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include <kernel/printk.h>
#include "ipc/ipc.h"
#include "proc/cred.h"
#include "proc/proc.h"

/* ---- personality ---- */

long sys_personality(u64 persona, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct process *p = current->proc;
	u32 old = READ_ONCE(p->personality);

	if ((u32)persona != 0xffffffffu)
		WRITE_ONCE(p->personality, (u32)persona);
	return old;
}

/* ---- ioprio ---- */

#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_CLASS_NONE  0
#define IOPRIO_CLASS_RT	   1
#define IOPRIO_CLASS_BE	   2
#define IOPRIO_CLASS_IDLE  3
#define IOPRIO_NR_LEVELS   8
#define IOPRIO_BE_NORM	   4
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_WHO_PGRP	   2
#define IOPRIO_WHO_USER	   3

/* Linux 6.1's ioprio_check_cap. */
static int ioprio_check(u32 ioprio)
{
	u32 class = ioprio >> IOPRIO_CLASS_SHIFT;
	u32 data = ioprio & ((1u << IOPRIO_CLASS_SHIFT) - 1);

	switch (class) {
	case IOPRIO_CLASS_RT:
		if (!cred_capable(CAP_SYS_NICE) && !cred_capable(CAP_SYS_ADMIN))
			return -EPERM;
		/* fallthrough */
	case IOPRIO_CLASS_BE:
		return data >= IOPRIO_NR_LEVELS ? -EINVAL : 0;
	case IOPRIO_CLASS_IDLE:
		return 0;
	case IOPRIO_CLASS_NONE:
		return data ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

struct ioprio_walk {
	int which, who; /* who resolved: a pid, pgid or uid */
	bool set;
	u16 ioprio;	/* to set; or the best found */
	int found, err; /* the first error of a set */
};

/* Linux's ioprio_best: an unset priority counts as best-effort normal. */
static u16 ioprio_best(u16 a, u16 b)
{
	u16 dflt = IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT | IOPRIO_BE_NORM;

	a = a >> IOPRIO_CLASS_SHIFT ? a : dflt;
	b = b >> IOPRIO_CLASS_SHIFT ? b : dflt;
	return MIN(a, b);
}

static void ioprio_visit(struct process *p, void *arg)
{
	struct ioprio_walk *w = arg;
	struct process *me = current->proc;

	if (p->zombie || (w->which == IOPRIO_WHO_PROCESS && p->pid != w->who) ||
	    (w->which == IOPRIO_WHO_PGRP && p->pgid != w->who) ||
	    (w->which == IOPRIO_WHO_USER &&
	     READ_ONCE(p->cred.uid) != (u32)w->who))
		return;
	if (!w->set) {
		u16 v = READ_ONCE(p->ioprio);
		w->ioprio = w->found ? ioprio_best(w->ioprio, v) : v;
		w->found++;
		return;
	}
	w->found++;
	if (w->err)
		return;
	/* Linux's set_task_ioprio: the target's uid is the caller's real
	 * or effective uid, or CAP_SYS_NICE */
	u32 uid = READ_ONCE(p->cred.uid);
	if (uid != READ_ONCE(me->cred.euid) && uid != READ_ONCE(me->cred.uid) &&
	    !cred_capable(CAP_SYS_NICE)) {
		w->err = -EPERM;
		return;
	}
	WRITE_ONCE(p->ioprio, w->ioprio);
}

static long ioprio_walk(struct ioprio_walk *w)
{
	struct process *me = current->proc;

	switch (w->which) {
	case IOPRIO_WHO_PROCESS:
		w->who = w->who ? w->who : me->pid;
		break;
	case IOPRIO_WHO_PGRP:
		w->who = w->who ? w->who : READ_ONCE(me->pgid);
		break;
	case IOPRIO_WHO_USER:
		w->who = w->who ? w->who : (int)READ_ONCE(me->cred.uid);
		break;
	default:
		return -EINVAL;
	}
	proc_for_each(ioprio_visit, w);
	if (!w->found)
		return -ESRCH;
	return w->set ? w->err : w->ioprio;
}

long sys_ioprio_get(u64 which, u64 who, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct ioprio_walk w = {.which = (int)which, .who = (int)who};

	return ioprio_walk(&w);
}

long sys_ioprio_set(u64 which, u64 who, u64 ioprio, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct ioprio_walk w = {
		.which = (int)which, .who = (int)who, .set = true};

	if ((int)which < IOPRIO_WHO_PROCESS || (int)which > IOPRIO_WHO_USER)
		return -EINVAL;
	int ret = ioprio_check((u32)ioprio);
	if (ret)
		return ret;
	w.ioprio = (u16)ioprio;
	return ioprio_walk(&w);
}

/* ---- kcmp ---- */

enum {
	KCMP_FILE,
	KCMP_VM,
	KCMP_FILES,
	KCMP_FS,
	KCMP_SIGHAND,
	KCMP_IO,
	KCMP_SYSVSEM,
	KCMP_EPOLL_TFD,
	KCMP_TYPES,
};

/* The file at fd of p, referenced, or NULL. */
static struct file *kcmp_file(struct process *p, int fd)
{
	u64 fl = spin_lock_irqsave(&p->lock); /* p->files is cleared under it */
	struct fdtable *t = p->files;
	struct file *f = t ? fd_get(t, fd) : NULL;
	spin_unlock_irqrestore(&p->lock, fl);
	return f;
}

/* Linux's ordering of two kernel objects: 0 equal, 1 less, 2 greater. */
static long kcmp_ptr(const void *a, const void *b)
{
	return a == b ? 0 : (uintptr_t)a < (uintptr_t)b ? 1 : 2;
}

/*
 * Kiln keeps the file-system context (cwd, umask), the signal handlers,
 * the I/O context and the SEM_UNDO list in struct process, and never
 * shares them between processes (CLONE_FS, CLONE_SIGHAND, CLONE_SYSVSEM
 * without CLONE_THREAD are EINVAL), so those compare as the processes.
 * Every process may look at every other, as with pidfd_getfd.
 */
long sys_kcmp(u64 pid1, u64 pid2, u64 type, u64 idx1, u64 idx2, u64 a5)
{
	(void)a5;
	struct process *p1 = proc_find_get((int)pid1);
	struct process *p2 = p1 ? proc_find_get((int)pid2) : NULL;
	long ret = -ESRCH;
	if (!p1 || !p2)
		goto out;
	ret = -EINVAL;
	if ((int)type < 0 || (int)type >= KCMP_TYPES)
		goto out;
	ret = -EOPNOTSUPP; /* not implemented */
	if ((int)type == KCMP_EPOLL_TFD)
		goto out;
	switch ((int)type) {
	case KCMP_FILE: {
		struct file *f1 = kcmp_file(p1, (int)idx1);
		struct file *f2 = kcmp_file(p2, (int)idx2);
		ret = f1 && f2 ? kcmp_ptr(f1, f2) : -EBADF;
		if (f1)
			file_put(f1);
		if (f2)
			file_put(f2);
		break;
	}
	case KCMP_VM:
		ret = kcmp_ptr(READ_ONCE(p1->mm), READ_ONCE(p2->mm));
		break;
	case KCMP_FILES:
		ret = kcmp_ptr(READ_ONCE(p1->files), READ_ONCE(p2->files));
		break;
	default:
		ret = kcmp_ptr(p1, p2);
		break;
	}
out:
	if (p1)
		process_put(p1);
	if (p2)
		process_put(p2);
	return ret;
}

/* ---- unshare ---- */

#define CLONE_NEWTIME	0x00000080
#define CLONE_NEWNS	0x00020000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS	0x04000000
#define CLONE_NEWIPC	0x08000000
#define CLONE_NEWUSER	0x10000000
#define CLONE_NEWPID	0x20000000
#define CLONE_NEWNET	0x40000000
#define UNSHARE_NS_OTHER                                                       \
	(CLONE_NEWTIME | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |       \
	 CLONE_NEWPID | CLONE_NEWNET)

/*
 * Linux's unshare on a kernel configured as /proc/config.gz says (no
 * CONFIG_*_NS): what a single-threaded process shares with nobody is
 * unshared already (0); a thread cannot get its own fd table, cwd or
 * umask or SEM_UNDO list, which Kiln keeps per process (EINVAL, logged);
 * CLONE_SYSVSEM applies and drops the process's undo list; CLONE_NEWNS makes
 * a copy of Kiln's one mount table, which no call can change (no mount),
 * so it is accepted as is; the namespaces Kiln does not have are EINVAL,
 * after the CAP_SYS_ADMIN check (EPERM), as Linux without them.
 */
long sys_unshare(u64 flags, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct process *p = current->proc;
	u64 known = CLONE_THREAD | CLONE_FS | CLONE_NEWNS | CLONE_SIGHAND |
		    CLONE_VM | CLONE_FILES | CLONE_SYSVSEM | CLONE_NEWUSER |
		    UNSHARE_NS_OTHER;

	if (flags & ~known)
		return -EINVAL;
	if (flags & CLONE_NEWUSER)
		return -EINVAL; /* no CONFIG_USER_NS */
	if (flags & CLONE_NEWNS)
		flags |= CLONE_FS;
	bool single = READ_ONCE(p->nthreads) == 1;
	if ((flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) && !single)
		return -EINVAL;
	if ((flags & (CLONE_FILES | CLONE_FS | CLONE_SYSVSEM)) && !single) {
		static bool warned;
		if (!__atomic_exchange_n(&warned, true, __ATOMIC_RELAXED))
			pr_warn("unshare: CLONE_FILES/FS/SYSVSEM in a "
				"multithreaded process: EINVAL (Kiln keeps the "
				"fd table, cwd, umask and SEM_UNDO list per "
				"process)");
		return -EINVAL;
	}
	if (flags & (CLONE_NEWNS | UNSHARE_NS_OTHER)) {
		if (!cred_capable(CAP_SYS_ADMIN))
			return -EPERM;
		if (flags & UNSHARE_NS_OTHER)
			return -EINVAL;
	}
	if (flags & CLONE_SYSVSEM)
		sem_exit(p); /* apply and drop the SEM_UNDO adjustments */
	return 0;
}

/* ---- setns ---- */

#define CAP_SYS_CHROOT 18

/*
 * Kiln has one namespace of each type, the one every process is in, so
 * setns(2) can only join that: fd must be a /proc/PID/ns file (a pidfd is
 * EINVAL here; anything else EINVAL, as Linux) of the type flags names
 * (0: any), and then each type's install rules of Linux apply to joining
 * one's own namespace: CAP_SYS_ADMIN (EPERM); user: EINVAL (already in
 * it); mnt: CAP_SYS_CHROOT too, EINVAL in a multithreaded process (its
 * fs context is shared); time: EUSERS in a multithreaded process.
 * Nothing changes on success.
 */
long sys_setns(u64 fd, u64 flags, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	static const struct {
		const char *type;
		u64 flag;
	} types[] = {
		{"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC},
		{"mnt", CLONE_NEWNS},	     {"net", CLONE_NEWNET},
		{"pid", CLONE_NEWPID},	     {"time", CLONE_NEWTIME},
		{"user", CLONE_NEWUSER},     {"uts", CLONE_NEWUTS},
	};
	struct file *f = fd_get(current->proc->files, (int)fd);
	if (!f)
		return -EBADF;
	const char *type = procfs_ns_type(f->vn);
	file_put(f);
	u64 flag = 0;
	for (size_t i = 0; type && i < ARRAY_SIZE(types); i++)
		if (!strcmp(types[i].type, type))
			flag = types[i].flag;
	if (!flag || ((int)flags && (u64)(int)flags != flag))
		return -EINVAL;
	bool single = READ_ONCE(current->proc->nthreads) == 1;
	if (flag == CLONE_NEWUSER)
		return -EINVAL;
	if (flag == CLONE_NEWTIME && !single)
		return -EUSERS;
	if (!cred_capable(CAP_SYS_ADMIN) ||
	    (flag == CLONE_NEWNS && !cred_capable(CAP_SYS_CHROOT)))
		return -EPERM;
	if (flag == CLONE_NEWNS && !single)
		return -EINVAL;
	return 0;
}
