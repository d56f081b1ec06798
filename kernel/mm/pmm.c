// SPDX-License-Identifier: MIT
/*
 * Physical memory: an early bump allocator used while building the direct
 * map, then a buddy allocator (orders 0..MAX_ORDER-1) over every RAM range
 * of the boot memory map. One lock guards the free lists; struct page
 * refcounts are atomic.
 */
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "pmm.h"

struct page *page_array;
u64 max_pfn;

static struct spinlock pmm_lock = SPINLOCK_INIT;
static struct list_head free_lists[MAX_ORDER]; /* guarded by pmm_lock */
static u64 nr_free, nr_total, nr_free_min;     /* guarded by pmm_lock */

static paddr_t early_next, early_limit, early_start;

/* Start the bump allocator at pa, inside a RAM range ending at limit. */
void pmm_early_setup(paddr_t pa, paddr_t limit)
{
	early_start = early_next = ALIGN_UP(pa, PAGE_SIZE);
	early_limit = limit;
}

/* Early pages are below 1 GiB, reachable through the boot -2 GiB map. */
static paddr_t early_alloc_pages(u64 n)
{
	paddr_t pa = early_next;

	if (early_next + n * PAGE_SIZE > early_limit)
		panic("out of early boot memory");
	early_next += n * PAGE_SIZE;
	return pa;
}

paddr_t pmm_early_alloc(void)
{
	paddr_t pa = early_alloc_pages(1);
	void *v = (pa < (1UL << 30)) ? (void *)(pa + KERNEL_VMA) : P2V(pa);

	memset(v, 0, PAGE_SIZE);
	return pa;
}

static void free_block(u64 pfn, int order)
{
	while (order < MAX_ORDER - 1) {
		u64 buddy = pfn ^ (1UL << order);
		struct page *b = pfn_to_page(buddy);
		if (buddy >= max_pfn || !(b->flags & PG_FREE) ||
		    b->order != order)
			break;
		list_del(&b->node);
		b->flags &= ~PG_FREE;
		pfn &= ~(1UL << order);
		order++;
	}
	struct page *p = pfn_to_page(pfn);
	p->flags = PG_FREE;
	p->order = order;
	list_add(&p->node, &free_lists[order]);
}

static void free_range(u64 start, u64 end)
{
	while (start < end) {
		int order = 0;
		while (order < MAX_ORDER - 1 &&
		       !(start & ((2UL << order) - 1)) &&
		       start + (2UL << order) <= end)
			order++;
		for (u64 i = 0; i < (1UL << order); i++)
			pfn_to_page(start + i)->flags = 0;
		free_block(start, order);
		nr_free += 1UL << order;
		start += 1UL << order;
	}
}

static void free_ram_excluding(u64 lo, u64 hi, const paddr_t (*res)[2],
			       int nres)
{
	for (int i = 0; i < nres && lo < hi; i++) {
		u64 rlo = res[i][0] >> PAGE_SHIFT;
		u64 rhi = ALIGN_UP(res[i][1], PAGE_SIZE) >> PAGE_SHIFT;
		if (rhi <= lo || rlo >= hi)
			continue;
		if (rlo > lo)
			free_ram_excluding(lo, rlo, res + i + 1, nres - i - 1);
		lo = MAX(lo, rhi);
	}
	if (lo < hi)
		free_range(lo, hi);
}

u64 pmm_highest_ram(void)
{
	return max_pfn << PAGE_SHIFT;
}

/* Build the page array and free every RAM page not reserved. */
void pmm_init(const struct memmap_range *map, int n, paddr_t kernel_lo,
	      paddr_t kernel_hi, paddr_t payload_lo, paddr_t payload_hi)
{
	u64 top = 0;

	for (int i = 0; i < n; i++)
		if (map[i].type == 1)
			top = MAX(top, map[i].base + map[i].size);
	max_pfn = top >> PAGE_SHIFT;
	u64 bytes = ALIGN_UP(max_pfn * sizeof(struct page), PAGE_SIZE);
	page_array = P2V(early_alloc_pages(bytes / PAGE_SIZE));
	for (u64 i = 0; i < max_pfn; i++) {
		page_array[i] = (struct page){0};
		page_array[i].flags = PG_RESERVED;
	}
	for (int i = 0; i < MAX_ORDER; i++)
		list_init(&free_lists[i]);

	paddr_t res[4][2] = {
		{0, 0x100000},
		{kernel_lo, kernel_hi},
		{payload_lo, payload_hi},
		{early_start, early_next},
	};
	/* sort the reserved ranges by start for free_ram_excluding */
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (res[j][0] < res[i][0]) {
				paddr_t t0 = res[i][0], t1 = res[i][1];
				res[i][0] = res[j][0];
				res[i][1] = res[j][1];
				res[j][0] = t0;
				res[j][1] = t1;
			}
	for (int i = 0; i < n; i++) {
		if (map[i].type != 1)
			continue;
		u64 lo = ALIGN_UP(map[i].base, PAGE_SIZE) >> PAGE_SHIFT;
		u64 hi = ALIGN_DOWN(map[i].base + map[i].size, PAGE_SIZE) >>
			 PAGE_SHIFT;
		free_ram_excluding(lo, hi, (const paddr_t(*)[2])res, 4);
	}
	nr_total = nr_free_min = nr_free;
	early_limit = early_next; /* no more early allocations */
	pr_info("mm: %lu MiB free of %lu MiB RAM", nr_free >> 8, top >> 20);
}

paddr_t pmm_alloc_order(int order)
{
	u64 f = spin_lock_irqsave(&pmm_lock);
	int o = order;

	while (o < MAX_ORDER && list_empty(&free_lists[o]))
		o++;
	if (o >= MAX_ORDER) {
		spin_unlock_irqrestore(&pmm_lock, f);
		return 0;
	}
	struct page *p = list_first_entry(&free_lists[o], struct page, node);
	list_del(&p->node);
	u64 pfn = p - page_array;
	while (o > order) {
		o--;
		struct page *b = pfn_to_page(pfn + (1UL << o));
		b->flags = PG_FREE;
		b->order = o;
		list_add(&b->node, &free_lists[o]);
	}
	p->flags = 0;
	p->order = order;
	p->refcount = 1;
	nr_free -= 1UL << order;
	if (nr_free < nr_free_min)
		nr_free_min = nr_free;
	spin_unlock_irqrestore(&pmm_lock, f);
	return pfn << PAGE_SHIFT;
}

void pmm_free_order(paddr_t pa, int order)
{
	u64 f = spin_lock_irqsave(&pmm_lock);
	struct page *p = pa_to_page(pa);

	BUG_ON(p->flags & (PG_FREE | PG_RESERVED));
	p->refcount = 0;
	free_block(pa >> PAGE_SHIFT, order);
	nr_free += 1UL << order;
	spin_unlock_irqrestore(&pmm_lock, f);
}

paddr_t pmm_alloc(void)
{
	return pmm_alloc_order(0);
}

paddr_t pmm_alloc_zeroed(void)
{
	paddr_t pa = pmm_alloc_order(0);

	if (pa)
		memset(P2V(pa), 0, PAGE_SIZE);
	return pa;
}

void page_get(paddr_t pa)
{
	struct page *p = pa_to_page(pa);

	if (!(p->flags & PG_RESERVED))
		__atomic_add_fetch(&p->refcount, 1, __ATOMIC_RELAXED);
}

void page_put(paddr_t pa)
{
	struct page *p = pa_to_page(pa);

	if (p->flags & PG_RESERVED)
		return;
	if (__atomic_sub_fetch(&p->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		pmm_free_order(pa, 0);
}

u64 pmm_free_pages_min(void)
{
	return READ_ONCE(nr_free_min);
}

u64 pmm_free_pages(void)
{
	return READ_ONCE(nr_free);
}

u64 pmm_total_pages(void)
{
	return nr_total;
}
