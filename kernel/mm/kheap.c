// SPDX-License-Identifier: MIT
/*
 * kmalloc: size classes 16..2048 bytes carved from single pages (each page
 * keeps its own free list and use count in its struct page), larger sizes
 * as buddy blocks. kfree finds the owner through the struct page of the
 * address. Each class has its own lock.
 */
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "kheap.h"
#include "pmm.h"

#define NCLASSES 8
static const u32 class_size[NCLASSES] = {16, 32, 64, 128, 256, 512, 1024, 2048};

struct slab_class {
	struct spinlock lock;
	struct list_head partial; /* pages with free objects */
};

static struct slab_class classes[NCLASSES];
static bool kheap_ready;

static void kheap_init(void)
{
	for (int i = 0; i < NCLASSES; i++) {
		spin_init(&classes[i].lock);
		list_init(&classes[i].partial);
	}
	kheap_ready = true;
}

static int size_class(size_t size)
{
	for (int i = 0; i < NCLASSES; i++)
		if (size <= class_size[i])
			return i;
	return -1;
}

static bool slab_refill(int ci)
{
	paddr_t pa = pmm_alloc();

	if (!pa)
		return false;
	struct page *pg = pa_to_page(pa);
	char *base = P2V(pa);
	u32 sz = class_size[ci];
	pg->flags = PG_SLAB;
	pg->slab_class = ci;
	pg->slab_inuse = 0;
	pg->slab_free = NULL;
	for (u32 off = PAGE_SIZE - sz;; off -= sz) {
		*(void **)(base + off) = pg->slab_free;
		pg->slab_free = base + off;
		if (!off)
			break;
	}
	list_add(&pg->node, &classes[ci].partial);
	return true;
}

static int order_for(size_t size)
{
	int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

void *kmalloc(size_t size)
{
	if (unlikely(!kheap_ready))
		kheap_init();
	int ci = size_class(size ? size : 1);
	if (ci < 0) {
		int order = order_for(size);
		if (order >= MAX_ORDER)
			return NULL;
		paddr_t pa = pmm_alloc_order(order);
		return pa ? P2V(pa) : NULL;
	}
	struct slab_class *c = &classes[ci];
	u64 f = spin_lock_irqsave(&c->lock);
	if (list_empty(&c->partial) && !slab_refill(ci)) {
		spin_unlock_irqrestore(&c->lock, f);
		return NULL;
	}
	struct page *pg = list_first_entry(&c->partial, struct page, node);
	void *obj = pg->slab_free;
	pg->slab_free = *(void **)obj;
	pg->slab_inuse++;
	if (!pg->slab_free)
		list_del(&pg->node);
	spin_unlock_irqrestore(&c->lock, f);
	return obj;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	paddr_t pa = V2P(p);
	struct page *pg = pa_to_page(pa);
	if (!(pg->flags & PG_SLAB)) {
		pmm_free_order(ALIGN_DOWN(pa, PAGE_SIZE), pg->order);
		return;
	}
	struct slab_class *c = &classes[pg->slab_class];
	u64 f = spin_lock_irqsave(&c->lock);
	bool was_full = !pg->slab_free;
	*(void **)p = pg->slab_free;
	pg->slab_free = p;
	pg->slab_inuse--;
	if (was_full)
		list_add(&pg->node, &c->partial);
	if (pg->slab_inuse == 0 && c->partial.next != c->partial.prev) {
		/* keep one partial page per class; give the rest back */
		list_del(&pg->node);
		pg->flags = 0;
		spin_unlock_irqrestore(&c->lock, f);
		pmm_free_order(ALIGN_DOWN(pa, PAGE_SIZE), 0);
		return;
	}
	spin_unlock_irqrestore(&c->lock, f);
}
