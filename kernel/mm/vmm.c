// SPDX-License-Identifier: MIT
/*
 * Kernel page tables. vmm_init() replaces the boot tables with: a direct
 * map of RAM (2 MiB pages, NX), the kernel image with per-section
 * permissions (W^X), and a vmalloc region whose PML4 entry is created up
 * front so every address space shares it. Kernel stacks are recycled, never
 * unmapped, so no TLB shootdown is needed for them.
 */
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "vmm.h"
#include "kheap.h"
#include "arch/x86_64/cpu.h"

paddr_t kernel_pml4;
static bool vmm_ready; /* direct map in place: tables via P2V */
static u64 direct_map_end;

extern char _kernel_start[], _etext[], _erodata[], _kernel_end[];
extern char _bss_end[];

static void *table_va(paddr_t pa)
{
	return vmm_ready ? P2V(pa) : (void *)(pa + KERNEL_VMA);
}

static paddr_t table_alloc(void)
{
	if (!vmm_ready)
		return pmm_early_alloc();
	return pmm_alloc_zeroed();
}

/* Walk to the entry at `level` (3 = PML4E ... 0 = PTE) for va. */
static u64 *walk_level(paddr_t pml4, u64 va, int stop, bool create)
{
	u64 *table = table_va(pml4);

	for (int level = 3; level > stop; level--) {
		u64 *e = &table[(va >> (12 + 9 * level)) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			paddr_t t = table_alloc();
			if (!t)
				return NULL;
			*e = t | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
		}
		if (*e & PTE_PS)
			return NULL;
		table = table_va(*e & PTE_ADDR);
	}
	return &table[(va >> (12 + 9 * stop)) & 511];
}

u64 *pt_walk(paddr_t pml4, u64 va, bool create)
{
	return walk_level(pml4, va, 0, create);
}

int pt_map(paddr_t pml4, u64 va, paddr_t pa, u64 flags)
{
	u64 *pte = pt_walk(pml4, va, true);

	if (!pte)
		return -ENOMEM;
	*pte = pa | flags;
	return 0;
}

static void map_2m(u64 va, paddr_t pa, u64 flags)
{
	u64 *pde = walk_level(kernel_pml4, va, 1, true);

	BUG_ON(!pde);
	*pde = pa | flags | PTE_PS;
}

static void map_kernel_image(void)
{
	u64 nx = PTE_NX;

	for (u64 va = (u64)_kernel_start; va < (u64)_kernel_end;
	     va += PAGE_SIZE) {
		u64 flags = PTE_P | PTE_G;
		if (va < (u64)_etext)
			nx = 0;
		else
			nx = PTE_NX;
		if (va >= (u64)_erodata && va < (u64)_bss_end)
			flags |= PTE_W;
		BUG_ON(pt_map(kernel_pml4, va, va - KERNEL_VMA, flags | nx));
	}
}

/* Build and switch to the kernel's final page tables. */
void vmm_init_direct(const struct memmap_range *map, int n)
{
	kernel_pml4 = table_alloc();
	u64 top = 0x100000000UL; /* at least 4 GiB (ACPI, low tables) */
	for (int i = 0; i < n; i++)
		if (map[i].type == 1)
			top = MAX(top, map[i].base + map[i].size);
	direct_map_end = ALIGN_UP(top, 0x200000);
	for (u64 pa = 0; pa < direct_map_end; pa += 0x200000) {
		bool ram = pa < 0xc0000000UL;
		for (int i = 0; i < n && !ram; i++)
			if (map[i].type == 1 && pa + 0x200000 > map[i].base &&
			    pa < map[i].base + map[i].size)
				ram = true;
		if (ram)
			map_2m(DIRECT_MAP_BASE + pa, pa,
			       PTE_P | PTE_W | PTE_G | PTE_NX);
	}
	map_kernel_image();
	/* create the vmalloc PML4 entry so every address space shares it */
	BUG_ON(!walk_level(kernel_pml4, VMALLOC_BASE, 2, true));
	write_cr3(kernel_pml4);
	vmm_ready = true;
}

paddr_t pt_new_pml4(void)
{
	paddr_t pa = pmm_alloc_zeroed();

	if (!pa)
		return 0;
	u64 *dst = P2V(pa), *src = P2V(kernel_pml4);
	for (int i = 256; i < 512; i++)
		dst[i] = src[i];
	return pa;
}

static void free_tables(paddr_t table, int level)
{
	u64 *t = P2V(table);

	if (level > 0)
		for (int i = 0; i < 512; i++)
			if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
				free_tables(t[i] & PTE_ADDR, level - 1);
	pmm_free_order(table, 0);
}

void pt_free_user_tables(paddr_t pml4)
{
	u64 *t = P2V(pml4);

	for (int i = 0; i < 256; i++)
		if (t[i] & PTE_P) {
			free_tables(t[i] & PTE_ADDR, 2);
			t[i] = 0;
		}
}

/* vmalloc area: [0, 1/2) MMIO bump, [1/2, end) kernel stack slots. */
static struct spinlock vmalloc_lock = SPINLOCK_INIT;
static u64 ioremap_next = VMALLOC_BASE;
#define STACK_AREA (VMALLOC_BASE + VMALLOC_SIZE / 2)
#define STACK_SLOT (KSTACK_SIZE + PAGE_SIZE)
static u64 stack_next = STACK_AREA;
static u64 free_stacks[256]; /* recycled stack tops */
static int nfree_stacks;

void *ioremap(paddr_t pa, size_t len)
{
	paddr_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	u64 size = ALIGN_UP(pa + len, PAGE_SIZE) - base;
	u64 f = spin_lock_irqsave(&vmalloc_lock);
	u64 va = ioremap_next;

	ioremap_next += size + PAGE_SIZE;
	for (u64 off = 0; off < size; off += PAGE_SIZE)
		if (pt_map(kernel_pml4, va + off, base + off,
			   PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_NX | PTE_G))
			panic("ioremap: out of memory");
	spin_unlock_irqrestore(&vmalloc_lock, f);
	return (void *)(va + (pa - base));
}

void *phys_map(paddr_t pa, size_t len)
{
	if (pa + len <= direct_map_end) {
		u64 *pde =
			walk_level(kernel_pml4, DIRECT_MAP_BASE + pa, 1, false);
		u64 *pde2 = walk_level(
			kernel_pml4, DIRECT_MAP_BASE + pa + len - 1, 1, false);
		if (pde && (*pde & PTE_P) && pde2 && (*pde2 & PTE_P))
			return P2V(pa);
	}
	return ioremap(pa, len);
}

u64 kstack_top_of(u64 addr)
{
	if (addr < STACK_AREA + PAGE_SIZE || addr >= READ_ONCE(stack_next))
		return 0;
	u64 slot = STACK_AREA + (addr - STACK_AREA) / STACK_SLOT * STACK_SLOT;
	if (addr < slot + PAGE_SIZE)
		return 0; /* the guard page */
	return slot + STACK_SLOT;
}

u64 kstack_alloc(void)
{
	u64 f = spin_lock_irqsave(&vmalloc_lock);
	if (nfree_stacks) {
		u64 top = free_stacks[--nfree_stacks];
		spin_unlock_irqrestore(&vmalloc_lock, f);
		return top;
	}
	u64 base = stack_next + PAGE_SIZE; /* guard page below */
	stack_next += STACK_SLOT;
	/* kernel page tables are shared: create them under the lock */
	for (u64 off = 0; off < KSTACK_SIZE; off += PAGE_SIZE) {
		paddr_t pa = pmm_alloc();
		if (!pa || pt_map(kernel_pml4, base + off, pa,
				  PTE_P | PTE_W | PTE_NX | PTE_G)) {
			spin_unlock_irqrestore(&vmalloc_lock, f);
			return 0; /* leaks a slot; only under OOM */
		}
	}
	spin_unlock_irqrestore(&vmalloc_lock, f);
	return base + KSTACK_SIZE;
}

void kstack_free(u64 top)
{
	u64 f = spin_lock_irqsave(&vmalloc_lock);
	if (nfree_stacks < (int)ARRAY_SIZE(free_stacks)) {
		free_stacks[nfree_stacks++] = top;
		spin_unlock_irqrestore(&vmalloc_lock, f);
		return;
	}
	spin_unlock_irqrestore(&vmalloc_lock, f);
	/* Keep the mapping: a stale TLB entry must never see a new page. */
	pr_debug("kstack: cache full, stack at %lx kept mapped", top);
}
