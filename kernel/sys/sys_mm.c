// SPDX-License-Identifier: MIT
/* Memory syscalls: decode flags and check arguments; mechanism in mm/vm.c. */
#include <kernel/printk.h>
#include "syscall.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/memfd.h"
#include "fs/vfs.h"
#include "fs/uio.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "proc/cred.h"
#include "proc/proc.h"
#include <uapi/mman.h>

/* Not in glibc's headers: the kernel's own masks. */
#define MAP_UNINITIALIZED 0x4000000
#define MAP_HUGE_MASK	  (0x3fULL << 26)
/* The flags MAP_SHARED_VALIDATE knows (Linux's LEGACY_MAP_MASK): others,
 * MAP_SYNC and MAP_FIXED_NOREPLACE included, are EOPNOTSUPP with it. */
#define MAP_LEGACY_MASK                                                        \
	(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS |                \
	 MAP_DENYWRITE | MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN |  \
	 MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK |            \
	 MAP_STACK | MAP_HUGETLB | MAP_32BIT | MAP_HUGE_MASK)

#define MLOCK_ONFAULT 1

#define MEMBARRIER_CMD_QUERY				    0
#define MEMBARRIER_CMD_GLOBAL				    1
#define MEMBARRIER_CMD_GLOBAL_EXPEDITED			    2
#define MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED	    4
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED		    8
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED	    16
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE	    32
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE 64
#define MEMBARRIER_SUPPORTED				    127 /* the seven above */

static struct mm *mm(void)
{
	return current->proc->mm;
}

long sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 off)
{
	u32 type = flags & MAP_TYPE;
	u64 out;

	if (type != MAP_SHARED && type != MAP_PRIVATE &&
	    type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (prot & ~7u)
		return -EINVAL;
	if (!len || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	struct file *f = NULL;
	u32 vflags = (type == MAP_PRIVATE) ? 0 : VMA_SHARED;
	if ((flags & MAP_ANONYMOUS) && type == MAP_SHARED_VALIDATE)
		return -EINVAL; /* as Linux: only MAP_SHARED for memory */
	if (!(flags & MAP_ANONYMOUS)) {
		f = fd_get(current->proc->files, (int)fd);
		if (!f)
			return -EBADF;
		u32 acc = f->flags & O_ACCMODE;
		int err = 0;
		if (type == MAP_SHARED_VALIDATE && (flags & ~MAP_LEGACY_MASK))
			err = -EOPNOTSUPP;
		else if (!f->ops->get_page)
			err = -ENODEV;
		else if (acc == O_WRONLY)
			err = -EACCES;
		else if (type != MAP_PRIVATE && (prot & PROT_WRITE) &&
			 acc != O_RDWR)
			err = -EACCES;
		else if (type != MAP_PRIVATE && f->vn &&
			 !memfd_may_map_writable(f->vn) && (prot & PROT_WRITE))
			err = -EPERM; /* sealed against writing */
		else if (type != MAP_PRIVATE && f->vn &&
			 !memfd_may_map_writable(f->vn))
			vflags |= VMA_NOMAYWRITE;
		if (err) {
			file_put(f);
			return err;
		}
	}
	if ((flags & MAP_ANONYMOUS) && type != MAP_PRIVATE) {
		if (len > USER_TOP)
			return -ENOMEM;
		int err = tmpfs_create_shmem(ALIGN_UP(len, PAGE_SIZE), &f);
		if (err)
			return err == -EFBIG ? -ENOMEM : err;
		off = 0;
	}
	enum vm_place place = VM_HINT;
	if (flags & MAP_FIXED_NOREPLACE)
		place = VM_FIXED_NOREPLACE;
	if (flags & MAP_FIXED)
		place = VM_FIXED;
	if (flags & MAP_GROWSDOWN)
		vflags |= VMA_STACK;
	int ret = rlimit_as_check(mm(), addr, len, place != VM_HINT);
	if (!ret)
		ret = vm_mmap(mm(), addr, len, prot, vflags, place, f,
			      f ? off : 0, &out);
	if (ret && f)
		file_put(f); /* on success the VMA keeps the reference */
	return ret ? ret : (long)out;
}

long sys_munmap(u64 addr, u64 len, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return vm_munmap(mm(), addr, len);
}

long sys_mprotect(u64 addr, u64 len, u64 prot, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	/* PROT_GROWSDOWN/UP (0x01000000/0x02000000) are accepted and ignored */
	return vm_mprotect(mm(), addr, len, prot & ~0x03000000UL);
}

long sys_brk(u64 want, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (rlimit_brk_check(mm(), want))
		return READ_ONCE(mm()->brk); /* unchanged, as Linux */
	return vm_brk(mm(), want);
}

long sys_madvise(u64 addr, u64 len, u64 advice, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE:
		return vm_madvise_dontneed(mm(), addr, len);
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case 9: /* MADV_REMOVE: no hole punching in tmpfs yet; refused
		 * rather than keeping the data (Linux: EINVAL for private) */
		return -EINVAL;
	case 10: /* MADV_DONTFORK */
	case 11: /* MADV_DOFORK */
		return vm_set_fork_flag(mm(), addr, len, VMA_DONTFORK,
					advice == 10);
	case 18: /* MADV_WIPEONFORK */
	case 19: /* MADV_KEEPONFORK */
		return vm_set_fork_flag(mm(), addr, len, VMA_WIPEONFORK,
					advice == 18);
	case MADV_WILLNEED:
	case 12:	  /* MADV_MERGEABLE */
	case 13:	  /* MADV_UNMERGEABLE */
	case 14:	  /* MADV_HUGEPAGE */
	case 15:	  /* MADV_NOHUGEPAGE */
	case 16:	  /* MADV_DONTDUMP */
	case 17:	  /* MADV_DODUMP */
	case 20:	  /* MADV_COLD */
	case 21:	  /* MADV_PAGEOUT */
		return 0; /* hints: no effect on semantics */
	}
	return -EINVAL;
}

long sys_mremap(u64 old, u64 old_len, u64 new_len, u64 flags, u64 new_addr,
		u64 a5)
{
	(void)a5;
	u64 out;

	/* MREMAP_DONTUNMAP (4) is not implemented: refused, not ignored */
	if (flags & ~(u64)(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL;
	int ret = 0;
	if (new_len > old_len)
		ret = rlimit_as_check(mm(), 0, new_len - old_len, false);
	if (!ret)
		ret = vm_mremap(mm(), old, old_len, new_len,
				flags & MREMAP_MAYMOVE, flags & MREMAP_FIXED,
				new_addr, &out);
	return ret ? ret : (long)out;
}

/*
 * msync: the pages of a MAP_SHARED mapping are the file's own pages
 * (tmpfs keeps every file in memory), so there is nothing to write back;
 * the checks are Linux's: flags, alignment, and ENOMEM for a hole.
 */
long sys_msync(u64 addr, u64 len, u64 flags, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	if ((flags & ~(u64)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	return vm_range_mapped(mm(), addr, len);
}

/* mincore: one byte per page, 1 when resident. */
long sys_mincore(u64 addr, u64 len, u64 uvec, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	u8 vec[256];

	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	u64 pages = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE;
	if (addr + pages * PAGE_SIZE > USER_TOP ||
	    addr + pages * PAGE_SIZE < addr)
		return -ENOMEM;
	for (u64 done = 0; done < pages;) {
		u64 n = MIN(pages - done, (u64)sizeof(vec));
		int got = vm_mincore(mm(), addr + done * PAGE_SIZE, n, vec);
		if (copy_to_user(uvec + done, vec, got))
			return -EFAULT;
		if ((u64)got < n)
			return -ENOMEM; /* a hole */
		done += n;
	}
	return 0;
}

/*
 * mlock and friends. Nothing is ever swapped out here, so every page is
 * locked in memory once present; mlock makes the range present now (as
 * Linux does, unless MLOCK_ONFAULT), so later touches cannot fault for
 * memory.
 */
static long do_mlock(u64 addr, u64 len, bool populate)
{
	u64 start = ALIGN_DOWN(addr, PAGE_SIZE);
	u64 end = ALIGN_UP(addr + len, PAGE_SIZE);

	if (end < start)
		return -EINVAL;
	int ret = vm_range_mapped(mm(), start, end - start);
	if (!ret && populate)
		ret = vm_populate(mm(), start, end - start);
	return ret == -ENOMEM && populate ? -ENOMEM : ret;
}

long sys_mlock(u64 addr, u64 len, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_mlock(addr, len, true);
}

long sys_mlock2(u64 addr, u64 len, u64 flags, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	if (flags & ~(u64)MLOCK_ONFAULT)
		return -EINVAL;
	return do_mlock(addr, len, !(flags & MLOCK_ONFAULT));
}

long sys_munlock(u64 addr, u64 len, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_mlock(addr, len, false);
}

long sys_mlockall(u64 flags, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (!flags ||
	    (flags & ~(u64)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    flags == MCL_ONFAULT)
		return -EINVAL;
	if ((flags & MCL_CURRENT) && !(flags & MCL_ONFAULT))
		return vm_populate(mm(), 0, USER_TOP);
	return 0;
}

long sys_munlockall(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return 0;
}

/*
 * membarrier: an interrupt is a full, core-serialising barrier on x86, so
 * the expedited commands interrupt the CPUs concerned (the ones running
 * this mm, or all) and wait for each; the plain GLOBAL command does the
 * same for every CPU. The RSEQ commands are not supported (no rseq).
 */
long sys_membarrier(u64 cmd, u64 flags, u64 cpu_id, u64 a3, u64 a4, u64 a5)
{
	(void)cpu_id, (void)a3, (void)a4, (void)a5;
	struct mm *m = mm();

	if (flags)
		return -EINVAL;
	switch (cmd) {
	case MEMBARRIER_CMD_QUERY:
		return MEMBARRIER_SUPPORTED;
	case MEMBARRIER_CMD_GLOBAL:
	case MEMBARRIER_CMD_GLOBAL_EXPEDITED:
		cpu_barrier_ipi(NULL);
		return 0;
	case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
		__atomic_or_fetch(&m->membarrier, (u32)cmd, __ATOMIC_SEQ_CST);
		return 0;
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
		if (!(__atomic_load_n(&m->membarrier, __ATOMIC_SEQ_CST) &
		      (u32)(cmd << 1)))
			return -EPERM; /* not registered */
		cpu_barrier_ipi(m);
		return 0;
	}
	return -EINVAL;
}

/*
 * Linux's ptrace access check for process_vm_readv/writev (without the
 * dumpable flag): the caller's real ids match all of the target's, or
 * CAP_SYS_PTRACE.
 */
static bool may_access_mm(struct process *p)
{
	struct process *me = current->proc;
	u32 uid = READ_ONCE(me->cred.uid), gid = READ_ONCE(me->cred.gid);

	if (p == me || cred_capable(CAP_SYS_PTRACE))
		return true;
	return READ_ONCE(p->cred.uid) == uid &&
	       READ_ONCE(p->cred.euid) == uid &&
	       READ_ONCE(p->cred.suid) == uid &&
	       READ_ONCE(p->cred.gid) == gid &&
	       READ_ONCE(p->cred.egid) == gid && READ_ONCE(p->cred.sgid) == gid;
}

/* Copy between the local vector lu and remote ranges riov of mm through
 * a bounce page; the bytes moved, short at the first remote byte that
 * cannot be reached, or -EFAULT if none moved. */
static long vm_rw_vectors(struct mm *mm, struct uio *lu,
			  const struct kiovec *riov, u32 rcnt, bool write)
{
	u8 *bounce = kmalloc(PAGE_SIZE);
	long done = 0, err = 0;

	if (!bounce)
		return -ENOMEM;
	for (u32 i = 0; i < rcnt && lu->resid && !err; i++) {
		for (u64 off = 0; off < riov[i].len && lu->resid;) {
			u64 n = MIN(MIN(riov[i].len - off, (u64)PAGE_SIZE),
				    (u64)lu->resid);
			u64 got;
			if (write) {
				if ((err = uio_copyin(lu, bounce, n)))
					break;
				got = vm_access(mm, riov[i].base + off, bounce,
						n, true);
			} else {
				got = vm_access(mm, riov[i].base + off, bounce,
						n, false);
				if ((err = uio_copyout(lu, bounce, got)))
					break;
			}
			done += got;
			off += got;
			if (got < n) {
				err = -EFAULT;
				break;
			}
		}
	}
	kfree(bounce);
	return done ? done : err;
}

static long process_vm_rw(u64 pid, u64 lvec, u64 lcnt, u64 rvec, u64 rcnt,
			  u64 flags, bool write)
{
	struct kiovec lstack[UIO_STACK], rstack[UIO_STACK], *liov, *riov;
	struct uio lu, ru;

	if (flags)
		return -EINVAL;
	long ret = uio_import(lvec, lcnt, lstack, &liov, &lu);
	if (ret)
		return ret;
	if (!lu.resid) /* nothing to move: Linux looks no further */
		goto free_local;
	ret = uio_import(rvec, rcnt, rstack, &riov, &ru);
	if (ret)
		goto free_local;
	struct process *p = proc_find_get((int)pid);
	struct mm *mm = p ? proc_mm_get(p) : NULL;
	ret = -ESRCH;
	if (mm) {
		ret = may_access_mm(p)
			      ? vm_rw_vectors(mm, &lu, riov, (u32)rcnt, write)
			      : -EPERM;
		mm_put(mm);
	}
	if (p)
		process_put(p);
	uio_iov_free(riov, rstack);
free_local:
	uio_iov_free(liov, lstack);
	return ret;
}

long sys_process_vm_readv(u64 pid, u64 lvec, u64 lcnt, u64 rvec, u64 rcnt,
			  u64 flags)
{
	return process_vm_rw(pid, lvec, lcnt, rvec, rcnt, flags, false);
}

long sys_process_vm_writev(u64 pid, u64 lvec, u64 lcnt, u64 rvec, u64 rcnt,
			   u64 flags)
{
	return process_vm_rw(pid, lvec, lcnt, rvec, rcnt, flags, true);
}
