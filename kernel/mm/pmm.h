/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator: a buddy allocator over the RAM ranges of the
 * boot memory map, with a struct page per frame (reference count for
 * shared and copy-on-write pages). All pages are reachable through the
 * direct map (P2V). Allocation never sleeps; it returns 0 when out of
 * memory.
 */
#ifndef MM_PMM_H
#define MM_PMM_H

#include <kernel/types.h>
#include <kernel/list.h>
#include "arch/x86_64/layout.h"

#define MAX_ORDER 11 /* up to 4 MiB blocks */

#define PG_RESERVED 0x1 /* not managed by the allocator (image, MMIO) */
#define PG_FREE	    0x2 /* in a buddy free list (head of a block) */
#define PG_SLAB	    0x4 /* owned by kmalloc; order/slab_class valid */

struct page {
	struct list_head node; /* free list / slab list */
	u32 refcount;
	u16 flags;
	u8 order;
	u8 slab_class;
	void *slab_free; /* kmalloc: free objects in this page */
	u32 slab_inuse;
	u32 pad;
};

#define P2V(pa) ((void *)((u64)(pa) + DIRECT_MAP_BASE))
#define V2P(va) ((paddr_t)((u64)(va)-DIRECT_MAP_BASE))

extern struct page *page_array;
extern u64 max_pfn;

static inline struct page *pfn_to_page(u64 pfn)
{
	return &page_array[pfn];
}
static inline struct page *pa_to_page(paddr_t pa)
{
	return &page_array[pa >> PAGE_SHIFT];
}
static inline paddr_t page_to_pa(struct page *p)
{
	return (paddr_t)(p - page_array) << PAGE_SHIFT;
}

struct memmap_range {
	u64 base, size;
	u32 type; /* 1 = RAM */
};

/* Early boot: bump allocation from free RAM (before the buddy exists). */
/* Hand out pages from [pa, limit) before the allocator is up. */
void pmm_early_setup(paddr_t pa, paddr_t limit);
paddr_t pmm_early_alloc(void);
void pmm_init(const struct memmap_range *map, int n, paddr_t reserve_lo,
	      paddr_t reserve_hi, paddr_t payload_lo, paddr_t payload_hi);
paddr_t pmm_alloc_order(int order);
void pmm_free_order(paddr_t pa, int order);
/* One zeroed page with refcount 1, or 0. */
paddr_t pmm_alloc_zeroed(void);
paddr_t pmm_alloc(void);
void page_get(paddr_t pa);
/* Drop a reference; frees the page when it reaches zero. */
void page_put(paddr_t pa);
u64 pmm_free_pages(void);
/* The fewest free pages there have been since boot. */
u64 pmm_free_pages_min(void);
u64 pmm_total_pages(void);
u64 pmm_highest_ram(void);

#endif
