/* SPDX-License-Identifier: MIT */
/*
 * Kernel heap. Small objects come from per-size-class slab pages, large
 * ones straight from the buddy allocator; both live in the direct map, so
 * the heap grows with RAM rather than being a fixed arena.
 */
#ifndef MM_KHEAP_H
#define MM_KHEAP_H

#include <kernel/types.h>

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

#endif
