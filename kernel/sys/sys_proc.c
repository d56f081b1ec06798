// SPDX-License-Identifier: MIT
/*
 * Process and thread syscalls: identity, exit, clone/clone3 (threads),
 * TLS, robust lists, limits, uname, prctl, scheduling and randomness.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "syscall.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "drivers/random.h"
#include "fs/file.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "proc/cred.h"
#include "proc/pidfd.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/sched.h"
#include "sched/time.h"

static struct process *self(void)
{
	return current->proc;
}

long sys_getpid(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return self()->pid;
}

long sys_gettid(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return current->tid;
}

long sys_getppid(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return proc_getppid(self());
}

long sys_exit(u64 code, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct process *p = self();
	u64 f = spin_lock_irqsave(&p->lock);
	bool last = p->nthreads == 1;
	if (last && !p->exiting)
		p->exit_status = (code & 0xff) << 8;
	spin_unlock_irqrestore(&p->lock, f);
	thread_exit((int)code);
}

long sys_exit_group(u64 code, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	process_exit((code & 0xff) << 8);
}

/*
 * The clone flags Kiln honours (or that have no effect here: ptrace, I/O
 * contexts, SysV semaphore undo). Anything else, namespaces (CLONE_NEW*)
 * and cgroups first, fails with EINVAL rather than being ignored.
 */
#define CLONE_KNOWN                                                            \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PIDFD |     \
	 CLONE_PTRACE | CLONE_VFORK | CLONE_PARENT | CLONE_THREAD |            \
	 CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |                  \
	 CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_UNTRACED |              \
	 CLONE_CHILD_SETTID | CLONE_IO | CLONE_CLEAR_SIGHAND)

static long do_clone(const struct clone_args *ca)
{
	u64 flags = ca->flags;
	struct process *p = self();
	/* a thread shares everything the process holds in Kiln */
	const u64 thread_flags = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND |
				 CLONE_FS | CLONE_FILES;

	if (flags & ~CLONE_KNOWN)
		return -EINVAL;
	if ((flags & CLONE_CLEAR_SIGHAND) && (flags & CLONE_SIGHAND))
		return -EINVAL; /* as Linux */
	if ((flags & CLONE_PIDFD) && (flags & CLONE_DETACHED))
		return -EINVAL;
	if (!(flags & CLONE_THREAD))
		return proc_fork(ca);
	if ((flags & thread_flags) != thread_flags)
		return -EINVAL;
	if (flags & (CLONE_VFORK | CLONE_PIDFD | CLONE_PARENT))
		return -EINVAL;
	long ret = rlimit_nproc_check();
	if (ret)
		return ret;
	struct thread *t = thread_alloc(p);
	if (!t)
		return -ENOMEM;
	t->tid = tid_alloc();
	thread_copy_user_state(t, ca);
	if ((flags & CLONE_PARENT_SETTID) &&
	    put_user((u32)t->tid, ca->parent_tid)) {
		thread_free(t);
		return -EFAULT;
	}
	if ((flags & CLONE_CHILD_SETTID) &&
	    put_user((u32)t->tid, ca->child_tid)) {
		thread_free(t);
		return -EFAULT;
	}
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = ca->child_tid;
	int tid = t->tid;
	proc_add_thread(p, t);
	sched_add(t);
	return tid;
}

long sys_clone(u64 flags, u64 stack, u64 ptid, u64 ctid, u64 tls, u64 a5)
{
	(void)a5;
	struct clone_args ca = {.flags = flags & ~0xffUL,
				.exit_signal = flags & 0xff,
				.stack = stack,
				.parent_tid = ptid,
				.child_tid = ctid,
				.tls = tls};

	if (flags & CLONE_PIDFD) {
		/* clone() returns the pidfd through the parent_tid pointer */
		if (flags & CLONE_PARENT_SETTID)
			return -EINVAL;
		ca.pidfd = ptid;
	}
	return do_clone(&ca);
}

#define CLONE_ARGS_SIZE_VER0 64 /* clone3's first struct: up to tls */
#define CLONE_ARGS_SIZE_VER2 88 /* with cgroup: all Kiln knows */
#define CLONE_INTO_CGROUP    0x200000000ULL
#define CSIGNAL		     0xffULL
#define CLONE_NEWTIME	     0x80ULL
#define MAX_PID_NS_LEVEL     32

/* Bytes n at addr are all zero (0), or -E2BIG, or -EFAULT: the tail of
 * a struct newer than the kernel's (Linux's check_zeroed_user). */
static int check_zeroed_user(u64 addr, size_t n)
{
	u8 buf[64];

	while (n) {
		size_t k = MIN(n, sizeof(buf));
		if (copy_from_user(buf, addr, k))
			return -EFAULT;
		for (size_t i = 0; i < k; i++)
			if (buf[i])
				return -E2BIG;
		addr += k;
		n -= k;
	}
	return 0;
}

/* Linux's copy_clone_args_from_user: the struct and its own checks. */
static long clone3_copy_args(struct clone_args *ca, u64 uargs, u64 size)
{
	if (size > PAGE_SIZE)
		return -E2BIG;
	if (size < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	if (copy_from_user(ca, uargs, MIN(size, sizeof(*ca))))
		return -EFAULT;
	if (size > sizeof(*ca)) {
		int ret = check_zeroed_user(uargs + sizeof(*ca),
					    size - sizeof(*ca));
		if (ret)
			return ret;
	}
	if (ca->set_tid_size > MAX_PID_NS_LEVEL ||
	    (!ca->set_tid && ca->set_tid_size) ||
	    (ca->set_tid && !ca->set_tid_size))
		return -EINVAL;
	if ((ca->exit_signal & ~CSIGNAL) || ca->exit_signal > NSIG)
		return -EINVAL;
	if ((ca->flags & CLONE_INTO_CGROUP) &&
	    (ca->cgroup > 0x7fffffff || size < CLONE_ARGS_SIZE_VER2))
		return -EINVAL;
	return 0;
}

/* Linux's clone3_args_valid: flags clone3 refuses, and the stack. */
static bool clone3_args_valid(const struct clone_args *ca)
{
	if (ca->flags &
	    ~(0xffffffffULL | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP))
		return false;
	/* the CSIGNAL bits and CLONE_DETACHED are reserved in clone3 */
	if (ca->flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME)))
		return false;
	if ((ca->flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) ==
	    (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND))
		return false;
	if ((ca->flags & (CLONE_THREAD | CLONE_PARENT)) && ca->exit_signal)
		return false;
	if (!ca->stack)
		return !ca->stack_size;
	return ca->stack_size && user_range_ok(ca->stack, ca->stack_size);
}

/*
 * clone3 checks its arguments in Linux's order. Differs: set_tid (which
 * needs CAP_CHECKPOINT_RESTORE on Linux) and CLONE_INTO_CGROUP are
 * EINVAL once the arguments are valid; there are no cgroups.
 */
long sys_clone3(u64 uargs, u64 size, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct clone_args ca = {0};
	long ret = clone3_copy_args(&ca, uargs, size);

	if (ret)
		return ret;
	if (!clone3_args_valid(&ca))
		return -EINVAL;
	if (ca.set_tid || (ca.flags & CLONE_INTO_CGROUP))
		return -EINVAL;
	return do_clone(&ca);
}

long sys_fork(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct clone_args ca = {.exit_signal = SIGCHLD};
	return proc_fork(&ca);
}

long sys_vfork(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct clone_args ca = {.flags = CLONE_VM | CLONE_VFORK,
				.exit_signal = SIGCHLD};
	return proc_fork(&ca);
}

#define ARG_MAX_BYTES (2UL << 20)
#define ARGS_MAX      65536

/* Copy a NULL-terminated user string array into one kernel block. */
static long copy_strings(u64 uarr, char ***out, int *count, char *buf,
			 size_t *used)
{
	int n = 0;
	u64 p;

	for (;; n++) {
		if (n >= ARGS_MAX)
			return -E2BIG;
		if (!uarr)
			break;
		if (get_user(p, uarr + n * 8))
			return -EFAULT;
		if (!p)
			break;
	}
	char **arr = kmalloc((n + 1) * sizeof(char *));
	if (!arr)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (get_user(p, uarr + i * 8)) {
			kfree(arr);
			return -EFAULT;
		}
		long len = strncpy_from_user(buf + *used, p,
					     ARG_MAX_BYTES - *used);
		if (len < 0) {
			kfree(arr);
			return len == -ENAMETOOLONG ? -E2BIG : len;
		}
		arr[i] = buf + *used;
		*used += len + 1;
	}
	arr[n] = NULL;
	*out = arr;
	*count = n;
	return 0;
}

long sys_execve(u64 upath, u64 uargv, u64 uenvp, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	char *buf = kmalloc(ARG_MAX_BYTES), *path = kmalloc(4096);
	char **argv = NULL, **envp = NULL;
	int argc = 0, envc = 0;
	size_t used = 0;
	long ret = -ENOMEM;

	if (!buf || !path)
		goto out;
	ret = strncpy_from_user(path, upath, 4096);
	if (ret < 0)
		goto out;
	ret = copy_strings(uargv, &argv, &argc, buf, &used);
	if (!ret)
		ret = copy_strings(uenvp, &envp, &envc, buf, &used);
	if (!ret)
		ret = proc_execve(path, argv, argc, envp, envc);
out:
	kfree(argv);
	kfree(envp);
	kfree(buf);
	kfree(path);
	return ret;
}

long sys_set_tid_address(u64 addr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	current->clear_child_tid = addr;
	return current->tid;
}

long sys_set_robust_list(u64 head, u64 len, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (len != 24)
		return -EINVAL;
	current->robust_list = head;
	current->robust_len = len;
	return 0;
}

/* The robust list head of thread tid of p, or -ESRCH. */
static int robust_list_of(struct process *p, int tid, u64 *head)
{
	struct thread *t;
	int ret = -ESRCH;
	u64 f = spin_lock_irqsave(&p->lock);

	list_for_each_entry(t, &p->threads, proc_node)
	{
		if (t->tid == tid) {
			*head = t->robust_list;
			ret = 0;
		}
	}
	spin_unlock_irqrestore(&p->lock, f);
	return ret;
}

/* tid 0: ours; a thread of ours; another process's main thread (tid =
 * pid) if we may signal it (Linux: may ptrace it). Differs from Linux:
 * another process's other threads are ESRCH. The length is always the
 * head's size, as Linux. */
long sys_get_robust_list(u64 tid, u64 uhead, u64 ulen, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	u64 head = current->robust_list, len = 24;
	int ret = 0;

	if ((int)tid < 0)
		return -ESRCH;
	if (tid && robust_list_of(current->proc, (int)tid, &head)) {
		struct process *p = proc_find_get((int)tid);
		ret = p ? robust_list_of(p, (int)tid, &head) : -ESRCH;
		if (!ret && !cred_may_signal(p, 0))
			ret = -EPERM;
		if (p)
			process_put(p);
	}
	if (ret)
		return ret;
	if (put_user(head, uhead) || put_user(len, ulen))
		return -EFAULT;
	return 0;
}

#define ARCH_SET_GS    0x1001
#define ARCH_SET_FS    0x1002
#define ARCH_GET_FS    0x1003
#define ARCH_GET_GS    0x1004
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

long sys_arch_prctl(u64 code, u64 addr, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	switch (code) {
	case ARCH_SET_FS:
		if (addr >= USER_TOP)
			return -EPERM;
		current->fs_base = addr;
		wrmsr(MSR_FS_BASE, addr);
		return 0;
	case ARCH_SET_GS:
		if (addr >= USER_TOP)
			return -EPERM;
		current->gs_base = addr;
		wrmsr(MSR_KERNEL_GS_BASE, addr);
		return 0;
	case ARCH_GET_FS:
		return put_user(current->fs_base, addr);
	case ARCH_GET_GS:
		return put_user(current->gs_base, addr);
	case ARCH_GET_CPUID: /* CPUID always works: no CPUID faulting */
		return 1;
	case ARCH_SET_CPUID: /* needs CPUID faulting, which Kiln leaves off */
		return -ENODEV;
	}
	return -EINVAL;
}

long sys_prlimit64(u64 pid, u64 res, u64 unew, u64 uold, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct rlimit new, old;

	if (unew && copy_from_user(&new, unew, sizeof(new)))
		return -EFAULT;
	int ret = rlimit_prlimit((int)pid, (u32)res, unew ? &new : NULL,
				 uold ? &old : NULL);
	if (!ret && uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return ret;
}

long sys_getrlimit(u64 res, u64 uold, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_prlimit64(0, res, 0, uold, 0, 0);
}

long sys_setrlimit(u64 res, u64 unew, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_prlimit64(0, res, unew, 0, 0, 0);
}

char kiln_hostname[65] = "kiln.local"; /* hostname= on the command line */
static char kiln_domainname[65] = "(none)";

/* sethostname/setdomainname: a name of at most 64 bytes, for
 * CAP_SYS_ADMIN (there are no UTS namespaces). */
static long set_uts_name(char *dst, u64 uname, u64 len)
{
	char buf[65];
	int n = (int)len;

	if (!cred_capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (n < 0 || n > 64)
		return -EINVAL;
	if (copy_from_user(buf, uname, (size_t)n))
		return -EFAULT;
	buf[n] = 0;
	memcpy(dst, buf, (size_t)n + 1);
	return 0;
}

long sys_sethostname(u64 uname, u64 len, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return set_uts_name(kiln_hostname, uname, len);
}

long sys_setdomainname(u64 uname, u64 len, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return set_uts_name(kiln_domainname, uname, len);
}
long sys_uname(u64 ubuf, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	char u[6][65];

	memset(u, 0, sizeof(u));
	strlcpy(u[0], "Linux", 65);
	strlcpy(u[1], kiln_hostname, 65);
	strlcpy(u[2], "6.1.0-kiln", 65);
	strlcpy(u[3], "#1 SMP Kiln", 65);
	strlcpy(u[4], "x86_64", 65);
	strlcpy(u[5], kiln_domainname, 65);
	return copy_to_user(ubuf, u, sizeof(u));
}

#define PR_SET_PDEATHSIG    1
#define PR_GET_PDEATHSIG    2
#define PR_GET_DUMPABLE	    3
#define PR_SET_DUMPABLE	    4
#define PR_SET_NAME	    15
#define PR_GET_NAME	    16
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define PR_SET_VMA	    0x53564d41

long sys_prctl(u64 opt, u64 arg2, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	char name[16];

	switch (opt) {
	case PR_SET_NAME:
		if (strncpy_from_user(name, arg2, sizeof(name)) < 0) {
			/* longer names are truncated, as on Linux */
			if (copy_from_user(name, arg2, sizeof(name) - 1))
				return -EFAULT;
		}
		name[15] = 0;
		memcpy(current->name, name, sizeof(name));
		return 0;
	case PR_GET_NAME:
		return copy_to_user(arg2, current->name, 16);
	case PR_SET_PDEATHSIG:
		if (arg2 > NSIG)
			return -EINVAL;
		self()->pdeath_signal = (int)arg2;
		return 0;
	case PR_SET_DUMPABLE:
	case PR_SET_NO_NEW_PRIVS:
	case PR_SET_VMA:
		return 0;
	case PR_GET_PDEATHSIG:
		return put_user(self()->pdeath_signal, arg2);
	case PR_GET_DUMPABLE:
		return 1;
	case PR_GET_NO_NEW_PRIVS:
		return 0;
	}
	return -EINVAL;
}

struct sysinfo {
	s64 uptime;
	u64 loads[3];
	u64 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	u16 procs, pad;
	u32 pad2;
	u64 totalhigh, freehigh;
	u32 mem_unit;
	char reserved[4];
};
_Static_assert(sizeof(struct sysinfo) == 112, "sysinfo");

long sys_sysinfo(u64 ubuf, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct sysinfo si = {0};

	si.uptime = clock_monotonic_ns() / NSEC_PER_SEC;
	si.totalram = pmm_total_pages() * PAGE_SIZE;
	si.freeram = pmm_free_pages() * PAGE_SIZE;
	u64 l[3];
	time_loadavg(l);
	for (int i = 0; i < 3; i++)
		si.loads[i] = l[i] << (16 - 11); /* SI_LOAD_SHIFT */
	u32 n = proc_count_threads();
	si.procs = n > 0xffff ? 0xffff : n;
	si.mem_unit = 1;
	return copy_to_user(ubuf, &si, sizeof(si));
}

long sys_umask(u64 mask, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	u32 old = self()->umask;
	self()->umask = mask & 0777;
	return old;
}

long sys_getpgrp(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return self()->pgid;
}

long sys_getpgid(u64 pid, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if ((int)pid < 0)
		return -ESRCH;
	return proc_getpgid((int)pid, false);
}

long sys_setpgid(u64 pid, u64 pgid, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if ((int)pid < 0)
		return -ESRCH;
	return proc_setpgid((int)pid, (int)pgid);
}

long sys_getsid(u64 pid, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if ((int)pid < 0)
		return -ESRCH;
	return proc_getpgid((int)pid, true);
}

long sys_setsid(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return proc_setsid();
}

#define WNOHANG	   1
#define WUNTRACED  2
#define WEXITED	   4
#define WCONTINUED 8
#define WNOWAIT	   0x01000000
#define __WALL	   0x40000000
#define __WCLONE   0x80000000

long sys_wait4(u64 pid, u64 ustatus, u64 options, u64 ru, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	int status = 0, out = 0;
	struct process *reaped;

	if (options & ~(u64)(WNOHANG | WUNTRACED | WCONTINUED | __WALL |
			     __WCLONE | 0x20000000))
		return -EINVAL;
	if ((int)pid == (int)0x80000000) /* -INT_MIN overflows: Linux */
		return -ESRCH;
	long ret =
		proc_wait((int)pid, &status,
			  (options & WNOHANG) ? WAIT_NOHANG : 0, &out, &reaped);
	if (ret <= 0)
		return ret;
	if (ustatus && put_user(status, ustatus))
		return -EFAULT;
	if (ru && clear_user(ru, 144))
		return -EFAULT;
	return out;
}

/* waitid's P_PIDFD: the pid of pidfd fd (and whether it is
 * non-blocking), or -EBADF if fd is not a pidfd. */
static int pidfd_wait_pid(int fd, bool *nonblock)
{
	struct file *f = fd_get(self()->files, fd);
	struct process *p = f ? pidfd_process(f) : NULL;
	int pid = p ? p->pid : -EBADF;

	*nonblock = f && (f->flags & O_NONBLOCK);
	if (f)
		file_put(f);
	return pid;
}

long sys_waitid(u64 idtype, u64 id, u64 uinfo, u64 options, u64 ru, u64 a5)
{
	(void)a5;
	int status = 0, out = 0, pid;
	bool nonblock = false;
	struct process *reaped;

	if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
		return -EINVAL;
	if (idtype == 0) /* P_ALL */
		pid = -1;
	else if (idtype == 1) /* P_PID */
		pid = (int)id;
	else if (idtype == 2) /* P_PGID */
		pid = id ? -(int)id : 0;
	else if (idtype == 3) /* P_PIDFD */
		pid = pidfd_wait_pid((int)id, &nonblock);
	else
		return -EINVAL;
	if (pid == -EBADF)
		return pid;
	int wflags = ((options & WNOHANG) || nonblock ? WAIT_NOHANG : 0) |
		     ((options & WNOWAIT) ? WAIT_NOREAP : 0);
	long ret = proc_wait(pid, &status, wflags, &out, &reaped);
	if (ret < 0)
		return ret;
	if (!ret && nonblock && !(options & WNOHANG))
		return -EAGAIN; /* a PIDFD_NONBLOCK pidfd's child still runs */
	if (uinfo) {
		s32 info[32] = {0};
		if (ret > 0) {
			info[0] = 17; /* SIGCHLD */
			bool exited = (status & 0x7f) == 0;
			info[2] = exited ? 1 : 2; /* CLD_EXITED / CLD_KILLED */
			info[4] = out;
			info[6] = exited ? (status >> 8) & 0xff : status & 0x7f;
		}
		if (copy_to_user(uinfo, info, sizeof(info)))
			return -EFAULT;
	}
	if (ru && clear_user(ru, 144))
		return -EFAULT;
	return 0;
}

long sys_rseq(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return -ENOSYS; /* glibc and musl run without restartable sequences */
}

long sys_sched_yield(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	sched_yield_cpu();
	return 0;
}

/* p's thread tid with p->lock held (*flags saved), or NULL. */
static struct thread *find_locked(struct process *p, int tid, u64 *flags)
{
	struct thread *t;

	*flags = spin_lock_irqsave(&p->lock);
	list_for_each_entry(t, &p->threads, proc_node)
	{
		if (t->tid == tid)
			return t;
	}
	spin_unlock_irqrestore(&p->lock, *flags);
	return NULL;
}

/*
 * The thread tid (0: the caller) with its process's lock held (*flags
 * saved) and the process referenced (*pp), or NULL. Differs from Linux:
 * of another process only the main thread (tid == pid) is found.
 */
static struct thread *thread_lock(int tid, struct process **pp, u64 *flags)
{
	struct process *p = current->proc;
	struct thread *t;

	if (tid < 0)
		return NULL;
	if (!tid)
		tid = current->tid;
	process_get(p);
	if (!(t = find_locked(p, tid, flags))) {
		process_put(p);
		if (!(p = proc_find_get(tid)))
			return NULL;
		if (!(t = find_locked(p, tid, flags))) {
			process_put(p);
			return NULL;
		}
	}
	*pp = p;
	return t;
}

static void thread_unlock(struct process *p, u64 flags)
{
	spin_unlock_irqrestore(&p->lock, flags);
	process_put(p);
}

/* The kernel's cpumask: MAX_CPUS bits, one u64. */
#define CPUMASK_BYTES sizeof(u64)

long sys_sched_getaffinity(u64 pid, u64 len, u64 umask, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct process *p;
	u64 f, mask;

	/* as Linux: len must cover the CPUs and be a multiple of a long */
	if (len * 8 < ncpus || (len & (sizeof(u64) - 1)))
		return -EINVAL;
	struct thread *t = thread_lock((int)pid, &p, &f);
	if (!t)
		return -ESRCH;
	mask = sched_get_affinity(t);
	thread_unlock(p, f);
	if (copy_to_user(umask, &mask, MIN(len, CPUMASK_BYTES)))
		return -EFAULT;
	return MIN(len, CPUMASK_BYTES);
}

/*
 * As Linux: len bytes of mask are read (beyond the kernel's mask size
 * ignored, short ones zero-filled); a mask without an online CPU is
 * EINVAL, after ESRCH. Differs: no EPERM check of the target's owner.
 */
long sys_sched_setaffinity(u64 pid, u64 len, u64 umask, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct process *p;
	u64 f, mask = 0;

	if (copy_from_user(&mask, umask, MIN(len, CPUMASK_BYTES)))
		return -EFAULT;
	struct thread *t = thread_lock((int)pid, &p, &f);
	if (!t)
		return -ESRCH;
	int ret = sched_set_affinity(t, mask);
	thread_unlock(p, f);
	return ret;
}

long sys_getcpu(u64 ucpu, u64 unode, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	u32 cpu = this_cpu()->id, node = 0;

	if (ucpu && put_user(cpu, ucpu))
		return -EFAULT;
	if (unode && put_user(node, unode))
		return -EFAULT;
	return 0;
}

long sys_getrandom(u64 ubuf, u64 len, u64 flags, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	u8 tmp[256];
	u64 done = 0;

	if (flags & ~7UL)
		return -EINVAL;
	if (len > 33554431)
		len = 33554431;
	while (done < len) {
		u64 k = MIN(len - done, sizeof(tmp));
		random_bytes(tmp, k);
		if (copy_to_user(ubuf + done, tmp, k))
			return done ? (long)done : -EFAULT;
		done += k;
	}
	return done;
}

struct rusage_k {
	s64 utime[2], stime[2];
	s64 rest[14];
};

static void ns_to_tv(u64 ns, s64 tv[2])
{
	tv[0] = ns / NSEC_PER_SEC;
	tv[1] = (ns % NSEC_PER_SEC) / 1000;
}

long sys_getrusage(u64 who, u64 uru, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct rusage_k ru = {0};
	struct process *p = self();

	int w = (int)who; /* an int in Linux: -1 may come zero-extended */
	if (w != 0 && w != -1 && w != 1) /* SELF, CHILDREN, THREAD */
		return -EINVAL;
	who = (u64)(s64)w;
	u64 ns, user;
	if (who == 1) {
		ns = current->cpu_ns + time_boot_ns() - current->run_start_ns;
		user = current->user_ns;
	} else if (who == 0) {
		user = proc_user_ns(p); /* first: never above the total */
		ns = proc_cpu_ns(p);
	} else {
		user = READ_ONCE(p->children_user_ns);
		ns = READ_ONCE(p->children_cpu_ns);
	}
	user = MIN(user, ns);
	ns_to_tv(user, ru.utime);
	ns_to_tv(ns - user, ru.stime);
	ru.rest[0] = p->mm ? p->mm->rss_pages * 4 : 0; /* ru_maxrss (KiB) */
	return copy_to_user(uru, &ru, sizeof(ru));
}

long sys_times(u64 ubuf, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	u64 ticks = clock_monotonic_ns() / (NSEC_PER_SEC / 100);

	if (ubuf) {
		/* all threads, as getrusage */
		u64 tick = NSEC_PER_SEC / 100;
		struct process *p = self();
		u64 user = proc_user_ns(p), cpu = proc_cpu_ns(p);
		u64 cuser = READ_ONCE(p->children_user_ns);
		u64 ccpu = READ_ONCE(p->children_cpu_ns);
		user = MIN(user, cpu);
		cuser = MIN(cuser, ccpu);
		u64 t[4] = {user / tick, (cpu - user) / tick, cuser / tick,
			    (ccpu - cuser) / tick};
		if (copy_to_user(ubuf, t, sizeof(t)))
			return -EFAULT;
	}
	return ticks;
}

long sys_getpriority(u64 which, u64 who, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return prio_get((int)which, (int)who); /* 20 - nice, as the kernel */
}

long sys_setpriority(u64 which, u64 who, u64 prio, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return prio_set((int)which, (int)who, (int)prio);
}

/* The sched_* calls' pid: 0 or a process that exists (EINVAL for a
 * negative one, as Linux). */
static long sched_target(u64 pid)
{
	if ((int)pid < 0)
		return -EINVAL;
	long pg = (int)pid ? proc_getpgid((int)pid, false) : 0;
	return pg < 0 ? pg : 0;
}

/* The process pid names (0: the caller), referenced; NULL if none. */
static struct process *sched_proc(u64 pid)
{
	if ((int)pid)
		return proc_find_get((int)pid);
	process_get(current->proc);
	return current->proc;
}

long sys_sched_getscheduler(u64 pid, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	long ret = sched_target(pid);
	struct process *p = ret ? NULL : sched_proc(pid);
	if (!p)
		return ret ? ret : -ESRCH;
	ret = READ_ONCE(p->sched_policy);
	process_put(p);
	return ret;
}

long sys_sched_getparam(u64 pid, u64 uparam, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!uparam)
		return -EINVAL;
	long ret = sched_target(pid);
	return ret ? ret : put_user((int)0, uparam); /* normal policies: 0 */
}

/*
 * sched_setscheduler and (policy < 0) sched_setparam, in Linux's order of
 * checks. Kiln runs every thread in one round-robin class: the normal
 * policies are stored and reported; a real-time one cannot be honoured
 * and is refused with EPERM (logged once), as for a caller without
 * CAP_SYS_NICE or RLIMIT_RTPRIO.
 */
static long sched_set(u64 pid, int policy, u64 uparam)
{
	int prio;

	if ((int)pid < 0 || !uparam)
		return -EINVAL;
	if (copy_from_user(&prio, uparam, sizeof(prio)))
		return -EFAULT;
	struct process *p = sched_proc(pid);
	if (!p)
		return -ESRCH;
	if (policy < 0)
		policy = READ_ONCE(p->sched_policy);
	int pol = policy & ~SCHED_RESET_ON_FORK;
	long ret = 0;
	if (pol == 0 || pol == 3 || pol == 5) { /* OTHER, BATCH, IDLE */
		ret = prio ? -EINVAL : 0;
	} else if (pol == 1 || pol == 2) { /* FIFO, RR */
		ret = prio < 1 || prio > 99 ? -EINVAL : -EPERM;
		static bool warned;
		if (ret == -EPERM &&
		    !__atomic_exchange_n(&warned, true, __ATOMIC_RELAXED))
			pr_warn("sched_setscheduler: real-time policies are "
				"not "
				"supported: EPERM");
	} else {
		ret = -EINVAL;
	}
	struct process *me = current->proc;
	u32 euid = READ_ONCE(me->cred.euid);
	if (!ret && p != me && euid != READ_ONCE(p->cred.uid) &&
	    euid != READ_ONCE(p->cred.euid) && !cred_capable(CAP_SYS_NICE))
		ret = -EPERM;
	if (!ret)
		WRITE_ONCE(p->sched_policy, policy);
	process_put(p);
	return ret;
}

long sys_sched_setscheduler(u64 pid, u64 policy, u64 uparam, u64 a3, u64 a4,
			    u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	if ((int)policy < 0)
		return -EINVAL;
	return sched_set(pid, (int)policy, uparam);
}

long sys_sched_setparam(u64 pid, u64 uparam, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sched_set(pid, -1, uparam);
}

long sys_sched_get_priority_max(u64 policy, u64 a1, u64 a2, u64 a3, u64 a4,
				u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if ((u32)policy > 6 ||
	    (u32)policy == 4) /* OTHER FIFO RR BATCH IDLE DEADLINE */
		return -EINVAL;
	return policy == 1 || policy == 2 ? 99 : 0;
}

long sys_sched_get_priority_min(u64 policy, u64 a1, u64 a2, u64 a3, u64 a4,
				u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if ((u32)policy > 6 || (u32)policy == 4)
		return -EINVAL;
	return policy == 1 || policy == 2 ? 1 : 0;
}
