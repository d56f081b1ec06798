// SPDX-License-Identifier: MIT
/*
 * User address spaces (see vm.h): VMA bookkeeping (split, merge, place),
 * demand paging, and the mechanisms behind mmap, munmap, mprotect, madvise,
 * mremap and brk. Page-table walks skip absent upper levels, so huge sparse
 * reservations are cheap to unmap.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "vm.h"
#include "kheap.h"
#include "vmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/memfd.h"

#define MMAP_TOP 0x00007f0000000000UL
#define MMAP_MIN 0x0000000000010000UL

struct mm *mm_create(void)
{
	struct mm *mm = kzalloc(sizeof(*mm));

	if (!mm)
		return NULL;
	mm->pml4 = pt_new_pml4();
	if (!mm->pml4) {
		kfree(mm);
		return NULL;
	}
	spin_init(&mm->lock);
	list_init(&mm->vmas);
	mm->mmap_top = MMAP_TOP;
	mm->refcount = 1;
	return mm;
}

void vm_cpu_enter(struct mm *mm, u32 cpu)
{
	__atomic_or_fetch(&mm->cpumask, 1UL << cpu, __ATOMIC_SEQ_CST);
}

void vm_cpu_leave(struct mm *mm, u32 cpu)
{
	__atomic_and_fetch(&mm->cpumask, ~(1UL << cpu), __ATOMIC_SEQ_CST);
}

static u64 pte_flags(u32 prot)
{
	u64 f = PTE_P | PTE_U;

	if (prot & PROT_WRITE)
		f |= PTE_W;
	if (!(prot & PROT_EXEC))
		f |= PTE_NX;
	return f;
}

/*
 * Pages unmapped from an address space are released only after the TLB
 * shootdown: another CPU may still write through a stale entry until then.
 * A range in which no present PTE was cleared needs no shootdown at all
 * (flush stays false): under a hypervisor every shootdown IPI costs a
 * round trip through each target vCPU.
 */
struct gather {
	paddr_t *pa;
	u32 n, cap;
	bool flush; /* a present PTE was cleared */
	paddr_t buf[32];
};

static void gather_init(struct gather *g)
{
	g->pa = g->buf;
	g->n = 0;
	g->cap = ARRAY_SIZE(g->buf);
	g->flush = false;
}

static void gather_release(struct gather *g)
{
	for (u32 i = 0; i < g->n; i++)
		page_put(g->pa[i]);
	if (g->pa != g->buf)
		kfree(g->pa);
	gather_init(g);
}

/*
 * End a change made under mm->lock: the shootdown for what g collected in
 * [start, end) runs before the lock is dropped, so no other thread can map
 * the range anew while some CPU still holds a translation to the old page
 * (it would write into a freed page); then unlock and free the pages.
 */
static void unlock_finish(struct mm *mm, struct gather *g, u64 start, u64 end)
{
	if (g->flush)
		tlb_flush_range(mm, start, end);
	spin_unlock(&mm->lock);
	gather_release(g);
}

/* Remember pa for release after the flush (grows the buffer). */
static void gather_add(struct mm *mm, struct gather *g, paddr_t pa)
{
	if (pa_to_page(pa)->flags & PG_RESERVED)
		return;
	if (g->n == g->cap) {
		u32 cap = g->cap * 4;
		paddr_t *n = kmalloc(cap * sizeof(*n));
		if (!n) {
			/* no memory for the list: flush everything now */
			tlb_flush_range(mm, 0, USER_TOP);
			gather_release(g);
		} else {
			memcpy(n, g->pa, g->n * sizeof(*n));
			if (g->pa != g->buf)
				kfree(g->pa);
			g->pa = n;
			g->cap = cap;
		}
	}
	g->pa[g->n++] = pa;
}

/*
 * Call fn on every present PTE in [start, end), skipping absent tables.
 * fn returns true to clear the PTE.
 */
static void pt_range(struct mm *mm, u64 start, u64 end,
		     void (*fn)(struct mm *mm, u64 va, u64 *pte, void *arg),
		     void *arg)
{
	u64 va = start;

	while (va < end) {
		u64 *l4 = P2V(mm->pml4);
		u64 e4 = l4[(va >> 39) & 511];
		if (!(e4 & PTE_P)) {
			va = ALIGN_DOWN(va, 1UL << 39) + (1UL << 39);
			continue;
		}
		u64 *l3 = P2V(e4 & PTE_ADDR);
		u64 e3 = l3[(va >> 30) & 511];
		if (!(e3 & PTE_P)) {
			va = ALIGN_DOWN(va, 1UL << 30) + (1UL << 30);
			continue;
		}
		u64 *l2 = P2V(e3 & PTE_ADDR);
		u64 e2 = l2[(va >> 21) & 511];
		if (!(e2 & PTE_P)) {
			va = ALIGN_DOWN(va, 1UL << 21) + (1UL << 21);
			continue;
		}
		u64 *l1 = P2V(e2 & PTE_ADDR);
		u64 stop = MIN(end, ALIGN_DOWN(va, 1UL << 21) + (1UL << 21));
		for (; va < stop; va += PAGE_SIZE) {
			u64 *pte = &l1[(va >> 12) & 511];
			if (*pte & (PTE_P | PTE_PROTNONE))
				fn(mm, va, pte, arg);
		}
	}
}

static void zap_fn(struct mm *mm, u64 va, u64 *pte, void *arg)
{
	struct gather *g = arg;

	(void)va;
	if (*pte & PTE_P)
		g->flush = true;
	gather_add(mm, g, *pte & PTE_ADDR);
	*pte = 0;
	mm->rss_pages--;
}

/* Unmap [start, end); the pages go to g, released after the flush. */
static void zap_range(struct mm *mm, u64 start, u64 end, struct gather *g)
{
	pt_range(mm, start, end, zap_fn, g);
}

/* Is v a writable shared mapping of its file (counted for memfd seals)? */
static bool vma_maywrite(const struct vma *v)
{
	return v->file && v->file->vn && (v->flags & VMA_SHARED) &&
	       !(v->flags & VMA_NOMAYWRITE) &&
	       (v->file->flags & O_ACCMODE) == O_RDWR;
}

/* A VMA came to map its file or let it go: tell a file that counts its
 * mappings (SysV shm). */
static void vma_file_count(struct vma *v, int delta)
{
	if (v->file && v->file->ops->vma_count)
		v->file->ops->vma_count(v->file, delta);
}

static void vma_free(struct vma *v)
{
	if (vma_maywrite(v))
		memfd_unmap_writable(v->file->vn);
	vma_file_count(v, -1);
	if (v->file)
		vm_file_put(v->file);
	kfree(v);
}

void mm_put(struct mm *mm)
{
	if (__atomic_sub_fetch(&mm->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	tlb_drop_lazy(mm); /* no thread of it is left: only borrowers */
	BUG_ON(__atomic_load_n(&mm->cpumask, __ATOMIC_ACQUIRE));
	struct vma *v, *n;
	struct gather g;
	gather_init(&g);
	list_for_each_entry_safe(v, n, &mm->vmas, node)
	{
		zap_range(mm, v->start, v->end, &g);
		list_del(&v->node);
		vma_free(v);
	}
	gather_release(&g); /* no CPU has this mm loaded any more */
	pt_free_user_tables(mm->pml4);
	pmm_free_order(mm->pml4, 0);
	kfree(mm);
}

static struct vma *vma_find(struct mm *mm, u64 addr)
{
	struct vma *v;

	list_for_each_entry(v, &mm->vmas, node)
	{
		if (addr < v->start)
			return NULL;
		if (addr < v->end)
			return v;
	}
	return NULL;
}

static void vma_insert(struct mm *mm, struct vma *nv)
{
	struct list_head *pos;

	list_for_each(pos, &mm->vmas)
	{
		if (list_entry(pos, struct vma, node)->start > nv->start)
			break;
	}
	list_add_tail(&nv->node, pos);
}

static bool vma_compatible(struct vma *a, struct vma *b)
{
	return a->end == b->start && a->prot == b->prot &&
	       a->flags == b->flags && !a->file && !b->file;
}

/* Merge v with its neighbours when they are alike (keeps lists short). */
static void vma_merge(struct mm *mm, struct vma *v)
{
	if (v->node.prev != &mm->vmas) {
		struct vma *p = list_entry(v->node.prev, struct vma, node);
		if (vma_compatible(p, v)) {
			p->end = v->end;
			list_del(&v->node);
			kfree(v);
			v = p;
		}
	}
	if (v->node.next != &mm->vmas) {
		struct vma *n = list_entry(v->node.next, struct vma, node);
		if (vma_compatible(v, n)) {
			v->end = n->end;
			list_del(&n->node);
			kfree(n);
		}
	}
}

/* Split v at addr (inside it); v keeps the lower part. */
static int vma_split(struct vma *v, u64 addr)
{
	struct vma *hi = kmalloc(sizeof(*hi));

	if (!hi)
		return -ENOMEM;
	*hi = *v;
	hi->start = addr;
	if (hi->file) {
		hi->off += addr - v->start;
		vm_file_get(hi->file);
		vma_file_count(hi, 1);
	}
	if (vma_maywrite(hi))
		memfd_map_writable(hi->file->vn, false);
	v->end = addr;
	list_add(&hi->node, &v->node);
	return 0;
}

/* Remove VMAs (and pages, into g) in [start, end). */
static int unmap_locked(struct mm *mm, u64 start, u64 end, struct gather *g)
{
	struct list_head *pos = mm->vmas.next;

	while (pos != &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, node);
		if (v->end <= start) {
			pos = pos->next;
			continue;
		}
		if (v->start >= end)
			break;
		if (v->start < start) {
			/* keep [v->start, start); the upper part follows v */
			if (vma_split(v, start))
				return -ENOMEM;
			pos = pos->next;
			continue;
		}
		if (v->end > end && vma_split(v, end))
			return -ENOMEM;
		pos = pos->next;
		zap_range(mm, v->start, v->end, g);
		list_del(&v->node);
		vma_free(v);
	}
	return 0;
}

static bool range_free(struct mm *mm, u64 start, u64 end)
{
	struct vma *v;

	list_for_each_entry(v, &mm->vmas, node)
	{
		if (v->start >= end)
			return true;
		if (v->end > start)
			return false;
	}
	return true;
}

/* Highest free gap of len bytes below mm->mmap_top. */
static u64 find_free_top_down(struct mm *mm, u64 len)
{
	u64 top = mm->mmap_top;
	struct vma *v;

	/* walk from the highest VMA down */
	for (struct list_head *p = mm->vmas.prev; p != &mm->vmas; p = p->prev) {
		v = list_entry(p, struct vma, node);
		if (v->start >= top)
			continue;
		if (v->end <= top && top - v->end >= len)
			return top - len;
		top = MIN(top, v->start);
	}
	if (top >= MMAP_MIN + len)
		return top - len;
	return 0;
}

int vm_mmap(struct mm *mm, u64 addr, u64 len, u32 prot, u32 flags,
	    enum vm_place place, struct file *file, u64 off, u64 *out)
{
	int ret = 0;

	if (!len)
		return -EINVAL;
	if (len > USER_TOP)
		return -ENOMEM; /* as Linux: no room for it */
	len = ALIGN_UP(len, PAGE_SIZE);
	if (place != VM_HINT && (!IS_ALIGNED(addr, PAGE_SIZE) ||
				 addr + len > USER_TOP || addr + len < addr))
		return -EINVAL;
	struct vma *v = kzalloc(sizeof(*v));
	struct gather g;
	if (!v)
		return -ENOMEM;
	v->file = file;
	v->flags = flags;
	if (vma_maywrite(v) && (ret = memfd_map_writable(file->vn, true))) {
		kfree(v); /* sealed against writing meanwhile */
		return ret;
	}
	gather_init(&g);
	mm_lock(mm);
	if (place == VM_HINT) {
		addr = ALIGN_DOWN(addr, PAGE_SIZE);
		if (!addr || addr < MMAP_MIN || addr + len > USER_TOP ||
		    !range_free(mm, addr, addr + len))
			addr = find_free_top_down(mm, len);
		if (!addr) {
			ret = -ENOMEM;
			goto out_free;
		}
	} else if (place == VM_FIXED_NOREPLACE) {
		if (!range_free(mm, addr, addr + len)) {
			ret = -EEXIST;
			goto out_free;
		}
	} else {
		ret = unmap_locked(mm, addr, addr + len, &g);
		if (ret)
			goto out_free;
	}
	v->start = addr;
	v->end = addr + len;
	v->prot = prot;
	v->flags = flags;
	v->file = file;
	v->off = off;
	vma_insert(mm, v);
	vma_merge(mm, v);
	unlock_finish(mm, &g, addr, addr + len);
	*out = addr;
	return 0;
out_free:
	unlock_finish(mm, &g, addr, addr + len);
	if (vma_maywrite(v))
		memfd_unmap_writable(file->vn);
	kfree(v);
	return ret;
}

int vm_munmap(struct mm *mm, u64 addr, u64 len)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || !len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (addr + len > USER_TOP || addr + len < addr)
		return -EINVAL;
	struct gather g;
	gather_init(&g);
	mm_lock(mm);
	int ret = unmap_locked(mm, addr, addr + len, &g);
	unlock_finish(mm, &g, addr, addr + len);
	return ret;
}

/*
 * shmdt (Linux's rules): the first VMA at or above addr that maps a file
 * with these ops at offset (start - addr) names the attachment; every
 * VMA of that same file in [addr, addr + len_of(file)) at its matching
 * offset goes. -EINVAL if there is none.
 */
int vm_detach(struct mm *mm, u64 addr, const struct file_ops *ops,
	      u64 (*len_of)(struct file *f))
{
	struct file *file = NULL;
	struct vma *v, *n;
	struct gather g;
	u64 end = 0;

	gather_init(&g);
	mm_lock(mm);
	list_for_each_entry_safe(v, n, &mm->vmas, node)
	{
		if (v->end <= addr)
			continue;
		bool ours = v->file && v->file->ops == ops &&
			    v->start - addr == v->off;
		if (!file) {
			if (!ours)
				continue;
			file = v->file;
			end = addr + ALIGN_UP(len_of(file), PAGE_SIZE);
		}
		if (v->end > end)
			break;
		if (ours && v->file == file) {
			zap_range(mm, v->start, v->end, &g);
			list_del(&v->node);
			vma_free(v);
		}
	}
	unlock_finish(mm, &g, addr, end);
	return file ? 0 : -EINVAL;
}

struct prot_arg {
	u32 prot;
	bool flush; /* a present PTE lost a permission */
};

static void prot_fn(struct mm *mm, u64 va, u64 *pte, void *arg)
{
	struct prot_arg *a = arg;
	u64 flags = pte_flags(a->prot);

	u64 old = *pte;

	(void)mm;
	(void)va;
	if (!(a->prot & (PROT_READ | PROT_WRITE | PROT_EXEC))) {
		/* PROT_NONE keeps the page but makes it inaccessible */
		*pte = (old & ~(PTE_P | PTE_W)) | PTE_NX | PTE_PROTNONE;
	} else {
		if (old & PTE_COW)
			flags = (flags & ~PTE_W) | PTE_COW;
		*pte = (old & PTE_ADDR) | flags;
	}
	/*
	 * Only a cached translation that allows more than the new PTE must
	 * be shot down; one that allows less just faults once and is
	 * refreshed (fault_in_locked).
	 */
	u64 now = *pte;
	if ((old & PTE_P) &&
	    (!(now & PTE_P) || ((old & PTE_W) && !(now & PTE_W)) ||
	     (!(old & PTE_NX) && (now & PTE_NX))))
		a->flush = true;
}

int vm_mprotect(struct mm *mm, u64 addr, u64 len, u32 prot)
{
	struct vma *v;
	u64 end;
	int ret = 0;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || (prot & ~7u))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	end = addr + len;
	if (end > USER_TOP || end < addr)
		return -ENOMEM;
	if (!len)
		return 0;
	struct prot_arg pa = {prot, false};
	mm_lock(mm);
	/* the whole range must be mapped */
	for (u64 a = addr; a < end;) {
		v = vma_find(mm, a);
		if (!v) {
			ret = -ENOMEM;
			goto out;
		}
		/* a shared file mapping is writable only if the file is */
		if ((prot & PROT_WRITE) && (v->flags & VMA_SHARED) && v->file &&
		    ((v->file->flags & O_ACCMODE) != O_RDWR ||
		     (v->flags & VMA_NOMAYWRITE))) {
			ret = -EACCES;
			goto out;
		}
		a = v->end;
	}
	for (u64 a = addr; a < end;) {
		v = vma_find(mm, a);
		if (v->start < a) {
			if ((ret = vma_split(v, a)))
				goto out;
			continue;
		}
		if (v->end > end && (ret = vma_split(v, end)))
			goto out;
		v->prot = prot;
		pt_range(mm, v->start, v->end, prot_fn, &pa);
		a = v->end;
		vma_merge(mm, v);
	}
out:
	if (pa.flush)
		tlb_flush_range(mm, addr, end);
	spin_unlock(&mm->lock);
	return ret;
}

int vm_set_fork_flag(struct mm *mm, u64 addr, u64 len, u32 flag, bool on)
{
	u64 end = addr + ALIGN_UP(len, PAGE_SIZE);
	struct vma *v;
	int ret = 0;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || end > USER_TOP || end < addr)
		return -EINVAL;
	mm_lock(mm);
	for (u64 a = addr; a < end;) {
		v = vma_find(mm, a);
		if (!v) {
			ret = -ENOMEM; /* as Linux: a hole in the range */
			break;
		}
		/* MADV_WIPEONFORK: private anonymous memory only */
		if (flag == VMA_WIPEONFORK && on &&
		    (v->file || (v->flags & VMA_SHARED))) {
			ret = -EINVAL;
			break;
		}
		if (v->start < a) {
			if ((ret = vma_split(v, a)))
				break;
			continue;
		}
		if (v->end > end && (ret = vma_split(v, end)))
			break;
		v->flags = on ? v->flags | flag : v->flags & ~flag;
		a = v->end;
		vma_merge(mm, v);
	}
	spin_unlock(&mm->lock);
	return ret;
}

int vm_range_mapped(struct mm *mm, u64 addr, u64 len)
{
	u64 end = addr + ALIGN_UP(len, PAGE_SIZE);
	int ret = 0;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || end < addr)
		return -EINVAL;
	if (end > USER_TOP)
		return -ENOMEM;
	mm_lock(mm);
	for (u64 a = addr; a < end;) {
		struct vma *v = vma_find(mm, a);
		if (!v) {
			ret = -ENOMEM;
			break;
		}
		a = v->end;
	}
	spin_unlock(&mm->lock);
	return ret;
}

u64 vm_mapped_bytes(struct mm *mm, u64 start, u64 end)
{
	struct vma *v;
	u64 n = 0;

	mm_lock(mm);
	list_for_each_entry(v, &mm->vmas, node)
	{
		u64 s = MAX(v->start, start), e = MIN(v->end, end);
		if (s < e)
			n += e - s;
	}
	spin_unlock(&mm->lock);
	return n;
}

int vm_mincore(struct mm *mm, u64 addr, u64 n, u8 *vec)
{
	u64 i;

	mm_lock(mm);
	for (i = 0; i < n; i++) {
		u64 a = addr + i * PAGE_SIZE;
		struct vma *v = vma_find(mm, a);
		if (!v)
			break;
		u64 *pte = pt_walk(mm->pml4, a, false);
		vec[i] = (pte && (*pte & PTE_P)) || v->file;
	}
	spin_unlock(&mm->lock);
	return (int)i;
}

int vm_populate(struct mm *mm, u64 addr, u64 len)
{
	u64 end = MIN(addr + ALIGN_UP(len, PAGE_SIZE), (u64)USER_TOP);

	for (u64 a = addr; a < end; a += PAGE_SIZE) {
		struct vma *v, *found = NULL;
		mm_lock(mm);
		list_for_each_entry(v, &mm->vmas, node)
		{
			if (v->end > a) {
				found = v;
				break;
			}
		}
		if (!found || found->start >= end) {
			spin_unlock(&mm->lock);
			break;
		}
		if (found->start > a)
			a = found->start; /* skip the hole */
		u32 prot = found->prot, vflags = found->flags;
		u64 vend = found->end;
		u64 *pte = pt_walk(mm->pml4, a, false);
		bool present = pte && (*pte & PTE_P);
		spin_unlock(&mm->lock);
		if (!(prot & (PROT_READ | PROT_WRITE))) {
			a = vend - PAGE_SIZE; /* PROT_NONE: nothing to lock */
			continue;
		}
		if (present)
			continue;
		/* a write fault for writable private memory breaks COW now,
		 * as Linux's mlock does */
		int r = vm_fault(
			mm, a,
			prot & PROT_WRITE && !(vflags & VMA_SHARED) ? 2 : 0);
		if (r == -ENOMEM)
			return -ENOMEM;
	}
	return 0;
}

int vm_madvise_dontneed(struct mm *mm, u64 addr, u64 len)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (addr + len > USER_TOP || addr + len < addr)
		return -EINVAL;
	struct gather g;
	struct vma *v;
	gather_init(&g);
	mm_lock(mm);
	list_for_each_entry(v, &mm->vmas, node)
	{
		/* shared memory keeps its data: only private pages go */
		if (v->end <= addr || v->start >= addr + len ||
		    (v->flags & VMA_SHARED))
			continue;
		zap_range(mm, MAX(v->start, addr), MIN(v->end, addr + len), &g);
	}
	unlock_finish(mm, &g, addr, addr + len);
	return 0;
}

struct move_arg {
	u64 delta;
	struct gather *g; /* ->flush: a present PTE moved */
	int err;
};

static void move_fn(struct mm *mm, u64 va, u64 *pte, void *arg)
{
	struct move_arg *m = arg;
	u64 val = *pte;

	if (val & PTE_P)
		m->g->flush = true;
	*pte = 0;
	if (pt_map(mm->pml4, va + m->delta, val & PTE_ADDR, val & ~PTE_ADDR)) {
		page_put(val & PTE_ADDR);
		mm->rss_pages--;
		m->err = -ENOMEM;
	}
}

int vm_mremap(struct mm *mm, u64 old, u64 old_len, u64 new_len, bool may_move,
	      bool fixed, u64 new_addr, u64 *out)
{
	int ret = 0;
	struct gather g;

	if (!IS_ALIGNED(old, PAGE_SIZE) || !new_len)
		return -EINVAL;
	gather_init(&g);
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (fixed && (!may_move || !IS_ALIGNED(new_addr, PAGE_SIZE) ||
		      new_addr + new_len > USER_TOP))
		return -EINVAL;
	/* Linux's mremap_to: the new range may not overlap the old one */
	if (fixed && old < new_addr + new_len && new_addr < old + old_len)
		return -EINVAL;
	mm_lock(mm);
	struct vma *v = vma_find(mm, old);
	if (!v || old + old_len > v->end || !old_len) {
		ret = -EFAULT;
		goto out;
	}
	if (!fixed && new_len <= old_len) {
		ret = unmap_locked(mm, old + new_len, old + old_len, &g);
		*out = old;
		goto out;
	}
	if (!fixed && old + old_len == v->end &&
	    range_free(mm, v->end, old + new_len) &&
	    old + new_len <= USER_TOP) {
		v->end = old + new_len;
		*out = old;
		goto out;
	}
	if (!may_move) {
		ret = -ENOMEM;
		goto out;
	}
	u64 dst = new_addr;
	if (fixed) {
		ret = unmap_locked(mm, dst, dst + new_len, &g);
		if (ret)
			goto out;
		/* the unmap may have split (and freed) the VMA v was */
		v = vma_find(mm, old);
		if (!v || old + old_len > v->end) {
			ret = -EFAULT;
			goto out;
		}
	} else {
		dst = find_free_top_down(mm, new_len);
		if (!dst) {
			ret = -ENOMEM;
			goto out;
		}
	}
	/* carve [old, old+old_len) out as its own VMA and move it */
	if (v->start < old) {
		if ((ret = vma_split(v, old)))
			goto out;
		v = vma_find(mm, old);
	}
	if (v->end > old + old_len && (ret = vma_split(v, old + old_len)))
		goto out;
	u64 keep = MIN(old_len, new_len);
	struct move_arg m = {dst - old, &g, 0};
	pt_range(mm, old, old + keep, move_fn, &m);
	zap_range(mm, old + keep, old + old_len, &g);
	list_del(&v->node);
	v->start = dst;
	v->end = dst + new_len;
	vma_insert(mm, v);
	*out = dst;
	ret = m.err;
out:
	/* growing in place moved nothing: no shootdown then */
	unlock_finish(mm, &g, 0, USER_TOP);
	return ret;
}

u64 vm_brk(struct mm *mm, u64 want)
{
	struct gather g;
	bool shrunk = false;

	gather_init(&g);
	mm_lock(mm);
	u64 cur = mm->brk;
	if (want < mm->brk_start)
		goto out;
	u64 old_end = ALIGN_UP(cur, PAGE_SIZE);
	u64 new_end = ALIGN_UP(want, PAGE_SIZE);
	if (new_end > old_end) {
		if (!range_free(mm, old_end, new_end) || new_end > MMAP_TOP)
			goto out;
		struct vma *v = kzalloc(sizeof(*v));
		if (!v)
			goto out;
		v->start = old_end;
		v->end = new_end;
		v->prot = PROT_READ | PROT_WRITE;
		v->flags = VMA_HEAP;
		vma_insert(mm, v);
		vma_merge(mm, v);
	} else if (new_end < old_end) {
		unmap_locked(mm, new_end, old_end, &g);
		shrunk = true;
	}
	mm->brk = want;
out:
	cur = mm->brk;
	unlock_finish(mm, &g, shrunk ? ALIGN_UP(want, PAGE_SIZE) : 0, USER_TOP);
	return cur;
}

/*
 * Resolve a fault on an anonymous page or a present one. A copy-on-write
 * break returns 1 with *old set: the caller flushes, then drops *old.
 */
static int fault_in_locked(struct mm *mm, struct vma *v, u64 va, bool write,
			   paddr_t *old_out)
{
	u64 *pte = pt_walk(mm->pml4, va, true);

	if (!pte)
		return -ENOMEM;
	if (!(*pte & PTE_P) && !(*pte & PTE_PROTNONE)) {
		paddr_t pa = pmm_alloc_zeroed();
		if (!pa)
			return -ENOMEM;
		*pte = pa | pte_flags(v->prot);
		mm->rss_pages++;
		return 0;
	}
	if (write && (*pte & PTE_COW)) {
		paddr_t old = *pte & PTE_ADDR;
		struct page *pg = pa_to_page(old);
		if (!(pg->flags & PG_RESERVED) &&
		    __atomic_load_n(&pg->refcount, __ATOMIC_ACQUIRE) == 1) {
			*pte = old | pte_flags(v->prot); /* sole owner */
			invlpg(va);
			return 0;
		}
		paddr_t pa = pmm_alloc();
		if (!pa)
			return -ENOMEM;
		memcpy(P2V(pa), P2V(old), PAGE_SIZE);
		*pte = pa | pte_flags(v->prot);
		*old_out = old;
		return 1; /* other CPUs may cache the old page: flush */
	}
	/* present and allowed: a stale TLB entry; refresh it */
	u64 flags = pte_flags(v->prot);
	if (*pte & PTE_COW)
		flags = (flags & ~PTE_W) | PTE_COW;
	*pte = (*pte & PTE_ADDR) | flags;
	invlpg(va);
	return 0;
}

/*
 * First touch of a file-backed page. get_page may take file locks, so it
 * runs without mm->lock; the VMA is looked up again afterwards and the
 * fault simply retried if the mapping changed meanwhile. Returns with
 * mm->lock released.
 */
static int fault_file(struct mm *mm, struct vma *v, u64 page, bool write)
{
	struct file *f = v->file;
	u64 pgoff = (v->off + (page - v->start)) >> PAGE_SHIFT;
	bool shared = v->flags & VMA_SHARED;
	paddr_t pa;

	vm_file_get(f);
	spin_unlock(&mm->lock);
	int ret = f->ops->get_page(f, pgoff, &pa);
	if (ret) {
		vm_file_put(f);
		return ret == -EFAULT ? -EIO : ret; /* past EOF: SIGBUS */
	}
	mm_lock(mm);
	v = vma_find(mm, page);
	u64 *pte = pt_walk(mm->pml4, page, true);
	if (!v || v->file != f || !pte || (*pte & (PTE_P | PTE_PROTNONE)) ||
	    ((v->off + (page - v->start)) >> PAGE_SHIFT) != pgoff) {
		spin_unlock(&mm->lock);
		page_put(pa);
		vm_file_put(f);
		return pte ? 0 : -ENOMEM; /* changed under us: retry */
	}
	u64 flags = pte_flags(v->prot);
	if (!shared && write) {
		paddr_t copy = pmm_alloc();
		if (!copy) {
			spin_unlock(&mm->lock);
			page_put(pa);
			vm_file_put(f);
			return -ENOMEM;
		}
		memcpy(P2V(copy), P2V(pa), PAGE_SIZE);
		page_put(pa);
		pa = copy;
	} else if (!shared) {
		/* the page belongs to the file: never writable in place, even
		 * if mprotect later adds PROT_WRITE */
		flags = (flags & ~PTE_W) | PTE_COW;
	}
	*pte = pa | flags;
	mm->rss_pages++;
	spin_unlock(&mm->lock);
	vm_file_put(f);
	return 0;
}

int vm_fault(struct mm *mm, u64 addr, u64 err)
{
	bool write = err & 2, exec = err & 16;
	int ret;

	if (addr >= USER_TOP)
		return -EFAULT;
	CPU_STAT_INC(faults);
	mm_lock(mm);
	struct vma *v = vma_find(mm, addr);
	if (!v || !(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) ||
	    (write && !(v->prot & PROT_WRITE)) ||
	    (exec && !(v->prot & PROT_EXEC))) {
		ret = -EFAULT;
		goto out;
	}
	if (v->file) {
		u64 *pte =
			pt_walk(mm->pml4, ALIGN_DOWN(addr, PAGE_SIZE), false);
		if (!pte || !(*pte & (PTE_P | PTE_PROTNONE)))
			return fault_file(mm, v, ALIGN_DOWN(addr, PAGE_SIZE),
					  write);
	}
	paddr_t old = 0;
	ret = fault_in_locked(mm, v, ALIGN_DOWN(addr, PAGE_SIZE), write, &old);
out:
	if (ret == 1) {
		/* other CPUs must stop reading the old page before anyone
		 * writes the new one (under the lock, like munmap) */
		addr = ALIGN_DOWN(addr, PAGE_SIZE);
		tlb_flush_range(mm, addr, addr + PAGE_SIZE);
	}
	spin_unlock(&mm->lock);
	if (ret == 1) {
		page_put(old);
		ret = 0;
	}
	return ret;
}

/* One page's part of vm_access: copy if the page is there and allows
 * it; 1 if it must be faulted in first, -EFAULT if it cannot be. */
static int access_page(struct mm *mm, u64 va, u8 *buf, u64 n, bool write)
{
	u64 page = ALIGN_DOWN(va, PAGE_SIZE);
	int ret = -EFAULT;

	mm_lock(mm);
	struct vma *v = vma_find(mm, va);
	if (v && (v->prot & (write ? PROT_WRITE : PROT_READ))) {
		u64 *pte = pt_walk(mm->pml4, page, false);
		ret = 1;
		if (pte && (*pte & PTE_P) && (!write || (*pte & PTE_W))) {
			u8 *k = (u8 *)P2V(*pte & PTE_ADDR) + (va - page);
			memcpy(write ? k : buf, write ? buf : k, n);
			ret = 0;
		}
	}
	spin_unlock(&mm->lock);
	return ret;
}

u64 vm_access(struct mm *mm, u64 va, void *buf, u64 len, bool write)
{
	u64 done = 0;

	while (done < len && va < USER_TOP) {
		u64 n = MIN(len - done,
			    ALIGN_DOWN(va, PAGE_SIZE) + PAGE_SIZE - va);
		int ret = access_page(mm, va, (u8 *)buf + done, n, write);
		/* a fault-in may be undone (reclaimed, unmapped) before the
		 * retry: try a few times */
		for (int i = 0; ret == 1 && i < 4; i++) {
			if (vm_fault(mm, va, write ? 2 : 0))
				break;
			ret = access_page(mm, va, (u8 *)buf + done, n, write);
		}
		if (ret)
			break;
		done += n;
		va += n;
	}
	return done;
}

int vm_copy_in(struct mm *mm, u64 va, const void *src, u64 len)
{
	const u8 *s = src;

	while (len) {
		u64 page = ALIGN_DOWN(va, PAGE_SIZE);
		u64 n = MIN(len, page + PAGE_SIZE - va);
		mm_lock(mm);
		struct vma *v = vma_find(mm, va);
		u64 *pte = pt_walk(mm->pml4, page, true);
		int ret = (!v || !pte) ? -EFAULT : 0;
		paddr_t old = 0;
		if (!ret && !(*pte & PTE_P))
			ret = fault_in_locked(mm, v, page, false, &old);
		ret = ret > 0 ? 0 : ret;
		if (!ret)
			memcpy((u8 *)P2V(*pte & PTE_ADDR) + (va - page), s, n);
		spin_unlock(&mm->lock);
		if (ret)
			return ret;
		va += n;
		s += n;
		len -= n;
	}
	return 0;
}

struct fork_arg {
	struct mm *child;
	struct vma *v;
	int err;
};

/*
 * Share one page with the child. Every private page becomes copy-on-write
 * in both address spaces, whatever its protection now: a read-only or
 * PROT_NONE page may be made writable by either side later, and mprotect
 * keeps PTE_COW, so that write must still copy.
 */
static void fork_fn(struct mm *mm, u64 va, u64 *pte, void *arg)
{
	struct fork_arg *a = arg;
	u64 val = *pte;

	(void)mm;
	if (!(a->v->flags & VMA_SHARED)) {
		val = (val & ~PTE_W) | PTE_COW;
		*pte = val;
	}
	page_get(val & PTE_ADDR);
	if (pt_map(a->child->pml4, va, val & PTE_ADDR, val & ~PTE_ADDR)) {
		page_put(val & PTE_ADDR);
		a->err = -ENOMEM;
		return;
	}
	a->child->rss_pages++;
}

/* A copy-on-write duplicate of mm for fork. */
struct mm *mm_fork(struct mm *mm)
{
	struct mm *child = mm_create();
	struct vma *v;
	int err = 0;

	if (!child)
		return NULL;
	mm_lock(mm);
	child->brk_start = mm->brk_start;
	child->brk = mm->brk;
	child->mmap_top = mm->mmap_top;
	list_for_each_entry(v, &mm->vmas, node)
	{
		if (v->flags & VMA_DONTFORK)
			continue; /* MADV_DONTFORK: not in the child */
		struct vma *c = kmalloc(sizeof(*c));
		if (!c) {
			err = -ENOMEM;
			break;
		}
		*c = *v;
		if (c->file)
			vm_file_get(c->file);
		if (vma_maywrite(c))
			memfd_map_writable(c->file->vn, false);
		vma_file_count(c, 1);
		list_add_tail(&c->node, &child->vmas);
		if (v->flags & VMA_WIPEONFORK)
			continue; /* the child's pages start zeroed */
		struct fork_arg a = {child, v, 0};
		pt_range(mm, v->start, v->end, fork_fn, &a);
		if (a.err) {
			err = a.err;
			break;
		}
	}
	/* flush before any parent thread can write to a now-shared page */
	tlb_flush_range(mm, 0, USER_TOP);
	spin_unlock(&mm->lock);
	if (err) {
		mm_put(child);
		return NULL;
	}
	return child;
}

int vm_shared_key(struct mm *mm, u64 uaddr, struct file **f, u64 *obj, u64 *off)
{
	int ret = 0;

	if (uaddr >= USER_TOP)
		return -EFAULT;
	mm_lock(mm);
	struct vma *v = vma_find(mm, uaddr);
	if (!v) {
		ret = -EFAULT;
	} else if ((v->flags & VMA_SHARED) && v->file) {
		vm_file_get(v->file);
		*f = v->file;
		*obj = v->file->vn ? (u64)v->file->vn : (u64)v->file;
		*off = v->off + (uaddr - v->start);
		ret = 1;
	}
	spin_unlock(&mm->lock);
	return ret;
}

void vm_file_get(struct file *f)
{
	file_get(f);
}

void vm_file_put(struct file *f)
{
	file_put(f);
}
