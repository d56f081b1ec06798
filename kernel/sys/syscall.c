// SPDX-License-Identifier: MIT
/*
 * Syscall dispatch. The table comes from syscall_list.h; every other number
 * returns -ENOSYS and is logged once by its Linux name (names generated
 * from the Linux UAPI header at build time). With `trace` on the kernel
 * command line each call is logged strace-style with its thread and vCPU.
 */
#include <kernel/printk.h>
#include "syscall.h"
#include "arch/x86_64/percpu.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "mm/uaccess.h"
#include "gen/syscall_names.h"

typedef long (*syscall_fn)(u64, u64, u64, u64, u64, u64);

struct syscall_entry {
	syscall_fn fn;
	const char *name;
	u8 nargs;
};

#define NR_SYSCALLS 512

static const struct syscall_entry table[NR_SYSCALLS] = {
#define SYSCALL(nr, name, nargs, status, note)                                 \
	[nr] = {sys_##name, #name, nargs},
#include "syscall_list.h"
#undef SYSCALL
};

bool syscall_trace;
static u8 enosys_logged[NR_SYSCALLS / 8];

const char *syscall_linux_name(u64 nr)
{
	if (nr < ARRAY_SIZE(linux_syscall_names) && linux_syscall_names[nr])
		return linux_syscall_names[nr];
	return "unknown";
}

static void log_enosys(u64 nr)
{
	if (nr >= NR_SYSCALLS) {
		pr_warn("syscall %lu out of range: -ENOSYS", nr);
		return;
	}
	u8 bit = 1 << (nr & 7);
	if (__atomic_fetch_or(&enosys_logged[nr / 8], bit, __ATOMIC_RELAXED) &
	    bit)
		return;
	pr_warn("unsupported syscall %s (%lu): -ENOSYS", syscall_linux_name(nr),
		nr);
}

/* Which argument (1-based bit) of a syscall is a path, for tracing. */
static u32 path_args(u64 nr)
{
	switch (nr) {
	case 2:	  /* open */
	case 4:	  /* stat */
	case 6:	  /* lstat */
	case 21:  /* access */
	case 59:  /* execve */
	case 80:  /* chdir */
	case 83:  /* mkdir */
	case 84:  /* rmdir */
	case 87:  /* unlink */
	case 89:  /* readlink */
	case 76:  /* truncate */
	case 85:  /* creat */
	case 90:  /* chmod */
	case 92:  /* chown */
	case 94:  /* lchown */
	case 137: /* statfs */
		return 1 << 0;
	case 82: /* rename */
	case 88: /* symlink */
		return 3;
	case 264: /* renameat */
	case 316: /* renameat2 */
		return (1 << 1) | (1 << 3);
	case 266: /* symlinkat */
		return (1 << 0) | (1 << 2);
	case 268: /* fchmodat */
	case 260: /* fchownat */
	case 280: /* utimensat */
	case 257: /* openat */
	case 262: /* newfstatat */
	case 263: /* unlinkat */
	case 258: /* mkdirat */
	case 267: /* readlinkat */
	case 269: /* faccessat */
	case 332: /* statx */
	case 439: /* faccessat2 */
		return 1 << 1;
	}
	return 0;
}

static void trace(struct trapframe *tf, const struct syscall_entry *e, u64 nr,
		  u64 *args, long ret)
{
	char buf[300];
	int n = snprintf(buf, sizeof(buf), "%s(",
			 e ? e->name : syscall_linux_name(nr));
	int nargs = e ? e->nargs : 6;
	u32 paths = path_args(nr);

	for (int i = 0; i < nargs && n < (int)sizeof(buf); i++) {
		char str[96];
		if ((paths & (1u << i)) &&
		    strncpy_from_user(str, args[i], sizeof(str)) >= 0)
			n += snprintf(buf + n, sizeof(buf) - n, "%s\"%s\"",
				      i ? ", " : "", str);
		else
			n += snprintf(buf + n, sizeof(buf) - n, "%s0x%lx",
				      i ? ", " : "", args[i]);
	}
	(void)tf;
	klog(LOG_ERR, "strace: %d/%d@cpu%u %s) = %ld", current->proc->pid,
	     current->tid, this_cpu()->id, buf, ret);
}

void syscall_dispatch(struct trapframe *tf)
{
	u64 nr = tf->rax;
	u64 args[6] = {tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9};
	const struct syscall_entry *e =
		nr < NR_SYSCALLS && table[nr].fn ? &table[nr] : NULL;
	long ret;

	current->syscall_nr = nr;
	proc_enter_kernel(current);
	CPU_STAT_INC(syscalls);
	if (e) {
		ret = e->fn(args[0], args[1], args[2], args[3], args[4],
			    args[5]);
	} else {
		log_enosys(nr);
		ret = -ENOSYS;
	}
	if (ret == -ERESTARTSYS && !signal_pending(current))
		ret = -EINTR; /* interrupted but nothing to deliver */
	tf->rax = ret;
	if (unlikely(syscall_trace))
		trace(tf, e, nr, args, ret);
	proc_return_to_user(tf);
}
