/* SPDX-License-Identifier: MIT */
/*
 * Page tables: the kernel's own mappings (direct map, kernel image,
 * vmalloc area for stacks and MMIO) and the primitives user address spaces
 * (mm/vm.c) build on. The kernel half of every PML4 is shared.
 */
#ifndef MM_VMM_H
#define MM_VMM_H

#include <kernel/types.h>
#include "pmm.h"

#define PTE_P	     (1UL << 0)
#define PTE_W	     (1UL << 1)
#define PTE_U	     (1UL << 2)
#define PTE_PWT	     (1UL << 3)
#define PTE_PCD	     (1UL << 4)
#define PTE_A	     (1UL << 5)
#define PTE_D	     (1UL << 6)
#define PTE_PS	     (1UL << 7)
#define PTE_G	     (1UL << 8)
#define PTE_COW	     (1UL << 9)	 /* software: private page shared after fork */
#define PTE_PROTNONE (1UL << 10) /* software: page kept, PROT_NONE */
#define PTE_NX	     (1UL << 63)
#define PTE_ADDR     0x000ffffffffff000UL

extern paddr_t kernel_pml4;

void vmm_init(void);
struct memmap_range;
/* Map all RAM in map at the direct-map base (boot, before vmm_init). */
void vmm_init_direct(const struct memmap_range *map, int n);
/* Pointer to the 4 KiB PTE for va, allocating tables if create. */
u64 *pt_walk(paddr_t pml4, u64 va, bool create);
int pt_map(paddr_t pml4, u64 va, paddr_t pa, u64 flags);
/* A new PML4 with the kernel half copied in. */
paddr_t pt_new_pml4(void);
/* Free the user half's page tables (not the pages they map). */
void pt_free_user_tables(paddr_t pml4);

/* Map len bytes of MMIO at pa uncached; returns a kernel pointer. */
void *ioremap(paddr_t pa, size_t len);
/* Kernel pointer for physical range: direct map if RAM, else ioremap. */
void *phys_map(paddr_t pa, size_t len);

#define KSTACK_SIZE (16 * 1024)
/* A kernel stack with an unmapped guard page below it; returns its top. */
u64 kstack_alloc(void);
void kstack_free(u64 top);
/* The top of the thread stack slot addr falls in (mapped or not), or 0
 * outside the stack area: for backtraces, no lock. */
u64 kstack_top_of(u64 addr);

#endif
