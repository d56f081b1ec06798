// SPDX-License-Identifier: MIT
/*
 * Compressed image files (include/kiln/image.h, docs/decisions/
 * compressed-files.md). The image keeps such a file as zstd frames, one
 * per chunk; a chunk is decompressed the first time any of its bytes is
 * read or mapped, into pages that stay as the file's page cache for the
 * rest of the boot while in use (the image is immutable, so they never
 * go stale). The
 * compressed bytes stay in the payload. The cache lives while the file is
 * open or mapped: when the last such file goes, its pages are given back
 * (what is still mapped keeps its own reference), so files that are read
 * once, like the BEAM's modules, cost no memory after. Decompression runs under
 * one sleeping lock with one zstd context and one chunk buffer: it never runs
 * with a spinlock held or during a copy to user space.
 */
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kiln/image.h>
#include <uapi/errno.h>

#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "file.h"
#include "fs/vfs.h"
#include "lib/zfile.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "sched/mutex.h"

struct zimage {
	struct zfile_view v;
	const char *name; /* the cpio entry's, in the payload (for errors) */
	bool told;	  /* zlock: its damage was logged */
	u64 users;	  /* zusers_lock: open files (mappings hold theirs) */
	u64 npages;
	paddr_t pages[]; /* per page of the file: its page, or 0 */
};

static struct mutex zlock; /* the context and the buffer below */
/*
 * users and freeing the cache: a spinlock, as the last file may go in
 * munmap under mm->lock. A fill needs an open file, so it never overlaps
 * the freeing of the same file's cache.
 */
static struct spinlock zusers_lock = SPINLOCK_INIT;
static ZSTD_DCtx *zctx;	  /* zlock */
static u8 *zbuf;	  /* zlock; a chunk of the largest size */
static u32 zbuf_shift;	  /* its size; set while the tree loads */
static u64 zstats_chunks; /* zlock: chunks decompressed */
static u64 zstats_bytes;  /* zlock: bytes they gave */
static u64 zstats_freed;  /* zusers_lock: pages given back */
static u64 zcache_pages;  /* atomic: pages in the cache now */

/* zstd's allocator (mk/zstd.mk renames malloc, calloc and free). */
void *zstd_kmalloc(size_t n);
void *zstd_kcalloc(size_t n, size_t size);
void zstd_kfree(void *p);

void *zstd_kmalloc(size_t n)
{
	return kmalloc(n);
}

void *zstd_kcalloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kzalloc(n * size);
}

void zstd_kfree(void *p)
{
	kfree(p);
}

void zimage_init(void)
{
	mutex_init(&zlock);
}

struct zimage *zimage_create(const char *name, const void *data, u64 len)
{
	struct zfile_view v;

	if (zfile_parse(data, len, &v)) {
		pr_err("image: %s: its compressed data is malformed", name);
		return NULL;
	}
	u64 npages = ALIGN_UP(v.size, PAGE_SIZE) >> PAGE_SHIFT;
	struct zimage *z = kzalloc(sizeof(*z) + npages * sizeof(paddr_t));
	if (!z)
		return NULL;
	z->v = v;
	z->name = name;
	z->npages = npages;
	if (v.chunk_shift > zbuf_shift)
		zbuf_shift = v.chunk_shift;
	return z;
}

u64 zimage_size(const struct zimage *z)
{
	return z->v.size;
}

/* Decompress chunk ci of z into its pages (zlock held). */
static int zimage_fill_locked(struct zimage *z, u32 ci)
{
	u64 first = (u64)ci << (z->v.chunk_shift - PAGE_SHIFT);
	u64 want = zfile_chunk_bytes(&z->v, ci), off, len;
	u64 n = ALIGN_UP(want, PAGE_SIZE) >> PAGE_SHIFT;
	paddr_t pa[1U << (KILN_ZFILE_MAX_SHIFT - PAGE_SHIFT)];

	if (!zctx) {
		zctx = ZSTD_createDCtx();
		zbuf = kmalloc(1UL << zbuf_shift);
		if (!zctx || !zbuf) {
			ZSTD_freeDCtx(zctx);
			kfree(zbuf);
			zctx = NULL;
			zbuf = NULL;
			return -ENOMEM;
		}
	}
	zfile_frame(&z->v, ci, &off, &len);
	size_t got = ZSTD_decompressDCtx(zctx, zbuf, 1UL << zbuf_shift,
					 z->v.data + off, len);
	if (ZSTD_isError(got) || got != want) {
		if (!z->told) {
			z->told = true;
			pr_err("image: /%s: chunk %u is damaged (%s): reads "
			       "give "
			       "EIO; rebuild the image",
			       z->name, ci,
			       ZSTD_isError(got) ? "does not decode" : "short");
		}
		return -EIO;
	}
	for (u64 i = 0; i < n; i++) {
		pa[i] = pmm_alloc();
		if (!pa[i]) {
			while (i--)
				page_put(pa[i]);
			return -ENOMEM;
		}
		u64 bytes = MIN(PAGE_SIZE, want - i * PAGE_SIZE);
		memcpy(P2V(pa[i]), zbuf + i * PAGE_SIZE, bytes);
		memset((u8 *)P2V(pa[i]) + bytes, 0, PAGE_SIZE - bytes);
	}
	barrier(); /* x86 keeps stores in order: the bytes, then the pages */
	for (u64 i = 0; i < n; i++)
		WRITE_ONCE(z->pages[first + i], pa[i]);
	zstats_chunks++;
	zstats_bytes += want;
	__atomic_add_fetch(&zcache_pages, n, __ATOMIC_RELAXED);
	return 0;
}

/* The page cache page for page pgoff of z (no reference taken). */
static int zimage_page(struct zimage *z, u64 pgoff, paddr_t *out)
{
	if (pgoff >= z->npages)
		return -EFAULT;
	paddr_t pa = READ_ONCE(z->pages[pgoff]);
	if (!pa) {
		mutex_lock(&zlock);
		int ret = 0;
		if (!z->pages[pgoff])
			ret = zimage_fill_locked(
				z, pgoff >> (z->v.chunk_shift - PAGE_SHIFT));
		mutex_unlock(&zlock);
		if (ret)
			return ret;
		pa = READ_ONCE(z->pages[pgoff]);
	}
	*out = pa; /* loads stay in order on x86 */
	return 0;
}

int zimage_read_kernel(struct zimage *z, u64 pos, void *buf, size_t n)
{
	u8 *dst = buf;

	if (pos > z->v.size || n > z->v.size - pos)
		return -EINVAL;
	while (n) {
		paddr_t pa;
		int ret = zimage_page(z, pos >> PAGE_SHIFT, &pa);
		if (ret)
			return ret == -EFAULT ? -EIO : ret;
		size_t in = pos & (PAGE_SIZE - 1);
		size_t k = MIN(n, PAGE_SIZE - in);
		memcpy(dst, (u8 *)P2V(pa) + in, k);
		dst += k;
		pos += k;
		n -= k;
	}
	return 0;
}

static ssize_t zimage_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	struct zimage *z = f->vn->zimg;
	size_t done = 0;

	if (*pos >= z->v.size)
		return 0;
	n = MIN(n, z->v.size - *pos);
	while (done < n) {
		u64 p = *pos + done;
		paddr_t pa;
		int ret = zimage_page(z, p >> PAGE_SHIFT, &pa);
		if (ret) {
			if (done)
				break;
			return ret == -EFAULT ? -EIO : ret;
		}
		size_t in = p & (PAGE_SIZE - 1);
		size_t k = MIN(n - done, PAGE_SIZE - in);
		if (copy_to_user(ubuf + done, (u8 *)P2V(pa) + in, k)) {
			if (done)
				break;
			return -EFAULT;
		}
		done += k;
	}
	*pos += done;
	return done;
}

void zimage_open(struct zimage *z)
{
	spin_lock(&zusers_lock);
	z->users++;
	spin_unlock(&zusers_lock);
}

/* The last open file is gone: give the cache back. */
static void zimage_release(struct file *f)
{
	struct zimage *z = f->vn->zimg;

	spin_lock(&zusers_lock);
	if (!--z->users) {
		for (u64 i = 0; i < z->npages; i++) {
			if (z->pages[i]) {
				page_put(z->pages[i]);
				z->pages[i] = 0;
				zstats_freed++;
				__atomic_sub_fetch(&zcache_pages, 1,
						   __ATOMIC_RELAXED);
			}
		}
	}
	spin_unlock(&zusers_lock);
}

/* mmap: the cached page itself (its tail past EOF reads as zeros). */
static int zimage_get_page(struct file *f, u64 pgoff, paddr_t *pa)
{
	int ret = zimage_page(f->vn->zimg, pgoff, pa);

	if (!ret)
		page_get(*pa);
	return ret;
}

static ssize_t zimage_write(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	(void)f;
	(void)ubuf;
	(void)n;
	(void)pos;
	return -EBADF; /* image files open read-only */
}

const struct file_ops zimage_fops = {
	.read = zimage_read,
	.write = zimage_write,
	.get_page = zimage_get_page,
	.release = zimage_release,
	.seekable = true,
};

u64 zimage_cached_pages(void)
{
	return __atomic_load_n(&zcache_pages, __ATOMIC_RELAXED);
}

void zimage_stats(u64 *chunks, u64 *bytes, u64 *freed)
{
	/* no lock: also called as the VM powers off, interrupts off */
	*chunks = READ_ONCE(zstats_chunks);
	*bytes = READ_ONCE(zstats_bytes);
	*freed = READ_ONCE(zstats_freed);
}
