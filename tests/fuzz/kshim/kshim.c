// SPDX-License-Identifier: MIT
/*
 * A host stand-in for the few kernel services the fuzzed kernel code
 * calls (kheap, printk, the clock, mutexes, the page allocator): kmalloc is
 * malloc with every block remembered, so kshim_reset() frees a whole
 * iteration's kernel state at once (the kernel never frees its boot-time
 * tree); logging is silent; anything a loader must never reach (pages,
 * zstd, user copies) aborts, so a fuzzer finds the path that does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kshim.h"

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
void klog(int level, const char *fmt, ...);
void panic(const char *fmt, ...) __attribute__((noreturn));
unsigned long long clock_realtime_ns(void);
void procfs_init(void);

struct block {
	struct block *next, *prev;
	size_t size;
	long long align[]; /* the caller's bytes, 16-aligned */
};

static struct block head = {&head, &head, 0};

void *kmalloc(size_t size)
{
	struct block *b = malloc(sizeof(*b) + size);

	if (!b)
		return NULL;
	b->size = size;
	b->next = head.next;
	b->prev = &head;
	head.next->prev = b;
	head.next = b;
	return b->align;
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
	struct block *b = (struct block *)((char *)p - sizeof(struct block));
	b->prev->next = b->next;
	b->next->prev = b->prev;
	free(b);
}

void kshim_reset(void)
{
	while (head.next != &head)
		kfree(head.next->align);
}

int klog_level = 0;

void klog(int level, const char *fmt, ...)
{
	(void)level, (void)fmt;
	if (getenv("KSHIM_LOG")) {
		va_list ap;
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

unsigned long long clock_realtime_ns(void)
{
	return 1700000000ULL * 1000000000ULL;
}

struct mutex;
void mutex_init(struct mutex *m)
{
	(void)m;
}

/* Never reached from the loaders: abort so the fuzzer reports it. */
#define NEVER(name)                                                            \
	void name(void);                                                       \
	void name(void)                                                        \
	{                                                                      \
		panic("kshim: %s called", #name);                              \
	}
NEVER(mutex_lock)
NEVER(mutex_unlock)
NEVER(pmm_alloc)
NEVER(page_get)
NEVER(page_put)
NEVER(__copy_user)
NEVER(ZSTD_createDCtx)
NEVER(ZSTD_decompressDCtx)
NEVER(ZSTD_freeDCtx)
NEVER(ZSTD_isError)
NEVER(tmpfs_free_pages)
NEVER(fsnotify_vnode_free)
NEVER(xattr_free)

/* /proc is not part of what is fuzzed; an empty tree stands for it. */
void procfs_init(void)
{
}

/* The loaders run as the kernel, which passes every permission check. */
struct vnode;
int vfs_permission(struct vnode *vn, int mask);
int vfs_permission(struct vnode *vn, int mask)
{
	(void)vn, (void)mask;
	return 0;
}
