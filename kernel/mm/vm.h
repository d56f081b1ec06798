/* SPDX-License-Identifier: MIT */
/*
 * User address spaces: a sorted list of VMAs over a private page table.
 * Anonymous memory is demand-paged (zeroed on first touch), so PROT_NONE /
 * MAP_NORESERVE reservations cost nothing until used. munmap and
 * MADV_DONTNEED free pages at once.
 *
 * Locking: mm->lock (a spinlock taken with interrupts enabled, so TLB
 * shootdown IPIs are still served while spinning) guards the VMA list, the
 * page tables' user half and brk.
 */
#ifndef MM_VM_H
#define MM_VM_H

#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <kernel/types.h>
#include <uapi/mman.h>

#define VMA_SHARED   0x1
#define VMA_STACK    0x2
#define VMA_HEAP     0x4
#define VMA_DONTFORK 0x8 /* MADV_DONTFORK: left out of fork's copy */
/* a shared view of a write-sealed memfd: may never become writable */
#define VMA_NOMAYWRITE 0x10
#define VMA_WIPEONFORK 0x20 /* MADV_WIPEONFORK: the child's copy is zeroed */

struct file;

struct vma {
	struct list_head node;
	u64 start, end;	   /* [start, end), page-aligned */
	u32 prot;	   /* PROT_* */
	u32 flags;	   /* VMA_* */
	struct file *file; /* backing file or NULL (anonymous) */
	u64 off;	   /* file offset of start */
};

struct mm {
	paddr_t pml4;
	struct spinlock lock;
	struct list_head vmas; /* sorted by start */
	u64 brk_start, brk;
	u64 mmap_top; /* top-down placement starts below this */
	u64 cpumask;  /* CPUs that have this mm loaded (atomic) */
	int refcount; /* atomic */
	u64 rss_pages;
	u32 membarrier; /* membarrier registrations (MEMBARRIER_CMD_REGISTER_*)
			 */
};

/* How vm_mmap treats addr. */
enum vm_place { VM_HINT, VM_FIXED, VM_FIXED_NOREPLACE };

struct mm *mm_create(void);
void mm_put(struct mm *mm);
void vm_cpu_enter(struct mm *mm, u32 cpu);
void vm_cpu_leave(struct mm *mm, u32 cpu);

int vm_mmap(struct mm *mm, u64 addr, u64 len, u32 prot, u32 flags,
	    enum vm_place place, struct file *file, u64 off, u64 *out);
int vm_munmap(struct mm *mm, u64 addr, u64 len);
int vm_mprotect(struct mm *mm, u64 addr, u64 len, u32 prot);
int vm_madvise_dontneed(struct mm *mm, u64 addr, u64 len);
/* 0 if [addr, addr + len) is all mapped, -ENOMEM if it has a hole,
 * -EINVAL if addr is not page-aligned (msync, mlock, mincore). */
int vm_range_mapped(struct mm *mm, u64 addr, u64 len);
/* Bytes of [start, end) that VMAs cover (RLIMIT_AS). */
u64 vm_mapped_bytes(struct mm *mm, u64 start, u64 end);
/* mincore: one byte per page from addr, at most n pages, into vec: 1 if
 * resident (a present PTE; file pages live in memory); the count done. */
int vm_mincore(struct mm *mm, u64 addr, u64 n, u8 *vec);
/* Fault in every page of the mapped, accessible parts of [addr, addr +
 * len) (mlock, mlockall): 0 or -ENOMEM. */
int vm_populate(struct mm *mm, u64 addr, u64 len);
/* Set (on) or clear VMA_DONTFORK (MADV_DONTFORK/DOFORK) or VMA_WIPEONFORK
 * (MADV_WIPEONFORK, EINVAL outside private anonymous memory/KEEPONFORK)
 * over [addr, addr + len). */
int vm_set_fork_flag(struct mm *mm, u64 addr, u64 len, u32 flag, bool on);
int vm_mremap(struct mm *mm, u64 old, u64 old_len, u64 new_len, bool may_move,
	      bool fixed, u64 new_addr, u64 *out);
u64 vm_brk(struct mm *mm, u64 want);
/* Handle a page fault; 0 if resolved, -EFAULT (SIGSEGV) or -ENOMEM. */
int vm_fault(struct mm *mm, u64 addr, u64 err);
struct file_ops;
/* shmdt: unmap the attachment at addr (VMAs of a file with these ops,
 * len_of(file) bytes at most); 0 or -EINVAL. */
int vm_detach(struct mm *mm, u64 addr, const struct file_ops *ops,
	      u64 (*len_of)(struct file *f));
/*
 * Copy len bytes between the kernel buffer buf and mm at va (to mm with
 * write), as process_vm_readv/writev: mm's protections apply, pages are
 * faulted in and a write breaks copy-on-write. Returns the bytes copied,
 * short at the first byte that cannot be reached. mm need not be the
 * current one.
 */
u64 vm_access(struct mm *mm, u64 va, void *buf, u64 len, bool write);
/* Copy bytes into mm at va, faulting pages in (used by exec). */
int vm_copy_in(struct mm *mm, u64 va, const void *src, u64 len);
/*
 * Flush [start, end) of mm on every CPU that has it loaded; returns when
 * all have. Callers hold mm->lock, so the range cannot be mapped again
 * before the old translations are gone.
 */
void tlb_flush_range(struct mm *mm, u64 start, u64 end);
/*
 * Take mm->lock. Its holder may be waiting for this CPU to answer a
 * shootdown, so the wait answers pending requests (even with interrupts
 * off, as in a page fault taken under an irqsave lock).
 */
void mm_lock(struct mm *mm);
/* Copy-on-write duplicate for fork, or NULL. */
struct mm *mm_fork(struct mm *mm);
/*
 * What a shared futex at uaddr is keyed by: 1 when uaddr is in a
 * MAP_SHARED file mapping (shared anonymous memory included), with *f
 * referenced, *obj the object (its vnode) and *off the file offset; 0 for
 * private memory; -EFAULT if unmapped.
 */
int vm_shared_key(struct mm *mm, u64 uaddr, struct file **f, u64 *obj,
		  u64 *off);
/* File references held by VMAs (fs/file.c file_get/file_put). */
void vm_file_get(struct file *f);
void vm_file_put(struct file *f);
void tlb_ipi_handler(void);
/* Make every CPU that only borrows mm's tables (idle or a kernel thread
 * after one of mm's threads) load the kernel's instead, so that mm can be
 * freed; CPUs running mm's own threads are left alone. */
void tlb_drop_lazy(struct mm *mm);
/* membarrier: every other CPU (all, or only those with mm loaded) takes
 * an interrupt, a full and core-serialising barrier, before this returns. */
void cpu_barrier_ipi(struct mm *mm_or_null);

#endif
