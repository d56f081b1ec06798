/* SPDX-License-Identifier: MIT */
/*
 * mm: the address-space syscalls, without faults (no signal handlers here;
 * segv.c owns faults). Anonymous mmap, large PROT_NONE reservations, hints
 * and MAP_FIXED, partial munmap, mremap, madvise, brk and the EINVAL/ENOMEM
 * cases. Whether a range is mapped is asked with mprotect, which fails with
 * ENOMEM on unmapped pages, so no probe ever faults.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

#define PAGE 4096UL
#define MIB  (1024UL * 1024)
#define RW   (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* mmap that returns NULL on failure. */
static unsigned char *map(void *hint, size_t len, int prot, int flags)
{
	void *p = mmap(hint, len, prot, flags, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static bool is_filled(const unsigned char *p, size_t len, unsigned char v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Every page of [p, p+len) is mapped (mprotect to RW succeeds). */
static bool is_mapped_rw(void *p, size_t len)
{
	return mprotect(p, len, RW) == 0;
}

/* No page of [p, p+len) is mapped: mprotect fails with ENOMEM. */
static bool is_unmapped(void *p, size_t len)
{
	for (size_t off = 0; off < len; off += PAGE)
		if (mprotect((char *)p + off, PAGE, PROT_READ) == 0 ||
		    errno != ENOMEM)
			return false;
	return true;
}

/* Check is_unmapped(), saying which page is not and why if it fails. */
static void check_unmapped(void *p, size_t len, const char *what)
{
	for (size_t off = 0; off < len; off += PAGE) {
		int ret = mprotect((char *)p + off, PAGE, PROT_READ);

		if (ret == 0 || errno != ENOMEM) {
			check(false, what,
			      "page %zu: mprotect returned %d errno %d",
			      off / PAGE, ret, ret ? errno : 0);
			return;
		}
	}
	check(true, what, "%s", "");
}

static void test_anon(void)
{
	size_t len = 16 * PAGE;
	unsigned char *p = map(NULL, len, RW, ANON);
	unsigned char *s = map(NULL, len, RW, MAP_SHARED | MAP_ANONYMOUS);
	unsigned char *q = map(NULL, len, RW, ANON | MAP_POPULATE);

	check(p && is_filled(p, len, 0), "mmap: anonymous zeroed", "p %d", !!p);
	if (p) {
		for (size_t i = 0; i < len; i++)
			p[i] = (unsigned char)(i * 7);
		bool ok = true;
		for (size_t i = 0; i < len; i++)
			ok &= p[i] == (unsigned char)(i * 7);
		check(ok, "mmap: anonymous writable", "pattern lost");
		check_zero(munmap(p, len), "munmap: anonymous");
	}
	check(s && is_filled(s, len, 0), "mmap: shared anonymous zeroed",
	      "s %d", !!s);
	check(q && is_filled(q, len, 0), "mmap: MAP_POPULATE zeroed", "q %d",
	      !!q);
	if (s) {
		memset(s, 0x3c, len);
		check(madvise(s, len, MADV_DONTNEED) == 0 &&
			      is_filled(s, len, 0x3c),
		      "madvise: DONTNEED keeps shared anonymous data",
		      "data lost");
		munmap(s, len);
	}
	if (q)
		munmap(q, len);
}

/* 4 GiB PROT_NONE reservation; 1 MiB of it made RW in the middle. */
static void test_reserve(void)
{
	size_t len = 4096 * MIB, off = 2048 * MIB, part = MIB;
	unsigned char *r = map(NULL, len, PROT_NONE, ANON | MAP_NORESERVE);
	bool ok = true;

	check(r != NULL, "mmap: 4 GiB PROT_NONE reservation", "errno %d",
	      errno);
	if (!r)
		return;
	check_zero(mprotect(r + off, part, RW), "mprotect: part of it RW");
	for (size_t i = 0; i < part; i += PAGE) {
		ok &= r[off + i] == 0;
		r[off + i] = 1;
		r[off + i + PAGE - 1] = 2;
	}
	for (size_t i = 0; i < part; i += PAGE)
		ok &= r[off + i] == 1 && r[off + i + PAGE - 1] == 2;
	check(ok, "mprotect: RW part zeroed and writable", "bad data");
	check_zero(munmap(r, len), "munmap: whole reservation");
	check_unmapped(r + off, part, "munmap: reservation gone");
}

static void test_remap_and_hints(void)
{
	unsigned char *a = map(NULL, 8 * PAGE, RW, ANON), *b, *h;

	if (!a) {
		check(false, "mmap: 8 pages", "errno %d", errno);
		return;
	}
	memset(a, 0xab, 8 * PAGE);
	check_zero(munmap(a, 8 * PAGE), "munmap: 8 pages");
	check_unmapped(a, 8 * PAGE, "munmap: pages unmapped");
	check_zero(munmap(a, 8 * PAGE), "munmap: unmapped range again");
	/* a is free now: Linux uses a free hint as given. */
	b = map(a, 8 * PAGE, RW, ANON);
	check(b == a, "mmap: free hint honoured", "got other address");
	check(b && is_filled(b, 8 * PAGE, 0), "mmap: mapped again zeroed",
	      "old data");
	if (!b)
		return;
	memset(b, 0x11, 8 * PAGE);
	/* A busy hint without MAP_FIXED must not clobber the mapping. */
	h = map(b + PAGE, PAGE, RW, ANON);
	check(h && (h + PAGE <= b || h >= b + 8 * PAGE),
	      "mmap: busy hint placed elsewhere", "h %d", !!h);
	check(is_filled(b, 8 * PAGE, 0x11), "mmap: busy hint kept old data",
	      "clobbered");
	if (h)
		munmap(h, PAGE);
	h = map(b + PAGE, PAGE, RW, ANON | MAP_FIXED);
	check(h == b + PAGE && is_filled(b + PAGE, PAGE, 0) &&
		      is_filled(b, PAGE, 0x11) &&
		      is_filled(b + 2 * PAGE, 6 * PAGE, 0x11),
	      "mmap: MAP_FIXED replaces one page",
	      "at address %d, new page zero %d, before kept %d, after kept %d",
	      h == b + PAGE, is_filled(b + PAGE, PAGE, 0),
	      is_filled(b, PAGE, 0x11),
	      is_filled(b + 2 * PAGE, 6 * PAGE, 0x11));
	h = map(b + 2 * PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE);
	check_errno(h ? 0 : -1, -1, EEXIST, "mmap: MAP_FIXED_NOREPLACE EEXIST");
	munmap(b, 8 * PAGE);
}

/* munmap of the middle page splits a mapping in two. */
static void test_split(void)
{
	unsigned char *p = map(NULL, 4 * PAGE, RW, ANON);

	if (!p) {
		check(false, "mmap: 4 pages", "errno %d", errno);
		return;
	}
	for (int i = 0; i < 4; i++)
		memset(p + i * PAGE, i + 1, PAGE);
	check_zero(munmap(p + PAGE, PAGE), "munmap: middle page");
	check_unmapped(p + PAGE, PAGE, "munmap: middle page gone");
	check(is_mapped_rw(p, PAGE) && is_mapped_rw(p + 2 * PAGE, 2 * PAGE),
	      "munmap: neighbours still mapped", "errno %d", errno);
	check(is_filled(p, PAGE, 1) && is_filled(p + 2 * PAGE, PAGE, 3) &&
		      is_filled(p + 3 * PAGE, PAGE, 4),
	      "munmap: neighbours kept data", "bad data");
	check_zero(mprotect(p + 2 * PAGE, PAGE, PROT_READ),
		   "mprotect: one page read-only");
	check(is_filled(p + 2 * PAGE, PAGE, 3), "mprotect: read-only readable",
	      "bad data");
	check_zero(munmap(p, 4 * PAGE), "munmap: range with a hole");
	check_unmapped(p, 4 * PAGE, "munmap: all gone");
}

static void test_mremap(void)
{
	unsigned char *x = map(NULL, 4 * PAGE, RW, ANON), *y, *t, *big;

	if (!x) {
		check(false, "mmap: 4 pages", "errno %d", errno);
		return;
	}
	memset(x, 0x42, 4 * PAGE);
	y = mremap(x, 2 * PAGE, 4 * PAGE, 0);
	check_errno(y == MAP_FAILED ? -1 : 0, -1, ENOMEM,
		    "mremap: blocked growth in place ENOMEM");
	munmap(x + 2 * PAGE, 2 * PAGE);
	y = mremap(x, 2 * PAGE, 4 * PAGE, 0);
	check(y == x && is_filled(x, 2 * PAGE, 0x42) &&
		      is_filled(x + 2 * PAGE, 2 * PAGE, 0),
	      "mremap: grow in place", "same address %d, failed %d errno %d",
	      y == x, y == MAP_FAILED, errno);
	y = mremap(x, 4 * PAGE, PAGE, 0);
	check(y == x && is_unmapped(x + PAGE, 3 * PAGE),
	      "mremap: shrink in place", "y %d", y == x);
	t = map(NULL, 2 * PAGE, RW, ANON);
	if (t) {
		memset(t, 0x99, 2 * PAGE);
		y = mremap(x, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, t);
		check(y == t && is_filled(t, PAGE, 0x42) &&
			      is_filled(t + PAGE, PAGE, 0x99) &&
			      is_unmapped(x, PAGE),
		      "mremap: MREMAP_FIXED moves onto a mapping", "y %d",
		      y == t);
		munmap(t, 2 * PAGE);
	}
	/* onto the next page of the same mapping (one VMA: the unmap of the
	 * destination splits the source's); onto itself: EINVAL */
	t = map(NULL, 3 * PAGE, RW, ANON);
	if (t) {
		memset(t, 0x11, PAGE);
		memset(t + PAGE, 0x22, 2 * PAGE);
		y = mremap(t, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
			   t + PAGE);
		check(y == t + PAGE && is_filled(t + PAGE, PAGE, 0x11) &&
			      is_filled(t + 2 * PAGE, PAGE, 0x22) &&
			      is_unmapped(t, PAGE),
		      "mremap: MREMAP_FIXED within one mapping", "y %d",
		      y == t + PAGE);
		y = mremap(t + PAGE, 2 * PAGE, PAGE,
			   MREMAP_MAYMOVE | MREMAP_FIXED, t + PAGE);
		check_errno(y == MAP_FAILED ? -1 : 0, -1, EINVAL,
			    "mremap: MREMAP_FIXED onto itself EINVAL");
		check(is_filled(t + PAGE, PAGE, 0x11) &&
			      is_filled(t + 2 * PAGE, PAGE, 0x22),
		      "mremap: an overlapping move changes nothing", "%s", "");
		munmap(t, 3 * PAGE);
	}
	big = map(NULL, MIB, RW, ANON);
	if (big) {
		for (size_t i = 0; i < MIB; i += PAGE)
			big[i] = (unsigned char)(i / PAGE + 1);
		y = mremap(big, MIB, 8 * MIB, MREMAP_MAYMOVE);
		bool ok = y != MAP_FAILED;
		for (size_t i = 0; ok && i < MIB; i += PAGE)
			ok &= y[i] == (unsigned char)(i / PAGE + 1);
		check(ok && is_filled(y + MIB, 7 * MIB, 0),
		      "mremap: grow 1 to 8 MiB with MAYMOVE", "ok %d", ok);
		if (y != MAP_FAILED)
			munmap(y, 8 * MIB);
	}
	y = mremap((char *)x + 1, PAGE, PAGE, 0);
	check_errno(y == MAP_FAILED ? -1 : 0, -1, EINVAL,
		    "mremap: unaligned EINVAL");
}

static void test_madvise_and_touch(void)
{
	size_t len = 32 * MIB;
	unsigned char *p = map(NULL, 4 * PAGE, RW, ANON);
	unsigned long sum = 0;

	if (p) {
		memset(p, 0x5a, 4 * PAGE);
		check_zero(madvise(p, 4 * PAGE, MADV_DONTNEED),
			   "madvise: DONTNEED");
		check(is_filled(p, 4 * PAGE, 0), "madvise: DONTNEED re-zeroes",
		      "old data");
		p[5] = 1;
		check(p[5] == 1, "madvise: still writable", "lost write");
		munmap(p, 4 * PAGE);
	}
	p = map(NULL, len, RW, ANON);
	if (!p) {
		check(false, "mmap: 32 MiB", "errno %d", errno);
		return;
	}
	for (size_t i = 0; i < len; i += PAGE)
		p[i] = (unsigned char)(i / PAGE);
	for (size_t i = 0; i < len; i += PAGE)
		sum += p[i];
	check(sum == 8192UL / 256 * (255 * 256 / 2), "mmap: touch 32 MiB",
	      "sum %lu", sum);
	munmap(p, len);
}

/* The program break through the raw syscall (musl's sbrk only reads it). */
static void test_brk(void)
{
	uintptr_t cur = syscall(SYS_brk, 0), end = cur + MIB;
	uintptr_t start = (cur + PAGE - 1) & ~(PAGE - 1);
	uintptr_t grown, shrunk, regrown, bad, last;
	bool zero1, zero2;

	/* No printing until the break is back: stdio may call malloc. */
	grown = syscall(SYS_brk, end);
	zero1 = grown == end && is_filled((void *)start, end - start, 0);
	if (grown == end)
		memset((void *)cur, 0x77, MIB);
	shrunk = syscall(SYS_brk, cur);
	regrown = syscall(SYS_brk, end);
	zero2 = regrown == end && is_filled((void *)start, end - start, 0);
	bad = syscall(SYS_brk, 1);
	last = syscall(SYS_brk, cur);

	check(cur != 0 && (uintptr_t)sbrk(0) == cur, "brk: query", "differs");
	check(grown == end && zero1, "brk: grow 1 MiB zeroed", "grown %d",
	      grown == end);
	check(shrunk == cur, "brk: shrink", "wrong break");
	check(regrown == end && zero2, "brk: regrow zeroed",
	      "regrown %d, zeroed %d", regrown == end, zero2);
	check(bad == end, "brk: below start refused", "break moved");
	check(last == cur, "brk: back to start", "wrong break");
}

static void test_bad_args(void)
{
	unsigned char *p = map(NULL, 2 * PAGE, RW, ANON);
	void *r;

	r = mmap(NULL, 0, RW, ANON, -1, 0);
	check_errno(r == MAP_FAILED ? -1 : 0, -1, EINVAL, "mmap: len 0 EINVAL");
	r = mmap((void *)0x10000001, PAGE, RW, ANON | MAP_FIXED, -1, 0);
	check_errno(r == MAP_FAILED ? -1 : 0, -1, EINVAL,
		    "mmap: unaligned MAP_FIXED EINVAL");
	r = mmap(NULL, PAGE, RW, MAP_ANONYMOUS, -1, 0);
	check_errno(r == MAP_FAILED ? -1 : 0, -1, EINVAL,
		    "mmap: no PRIVATE or SHARED EINVAL");
	r = mmap(NULL, PAGE, RW, MAP_PRIVATE, -1, 0);
	check_errno(r == MAP_FAILED ? -1 : 0, -1, EBADF,
		    "mmap: file mapping of fd -1 EBADF");
	r = mmap(NULL, 1UL << 62, RW, ANON, -1, 0);
	check_errno(r == MAP_FAILED ? -1 : 0, -1, ENOMEM,
		    "mmap: huge length ENOMEM");
	if (!p) {
		check(false, "mmap: 2 pages", "errno %d", errno);
		return;
	}
	check_errno(munmap(p + 1, PAGE), -1, EINVAL,
		    "munmap: unaligned EINVAL");
	check_errno(munmap(p, 0), -1, EINVAL, "munmap: len 0 EINVAL");
	check_errno(munmap((void *)(1UL << 47), PAGE), -1, EINVAL,
		    "munmap: above user space EINVAL");
	/* Raw syscall: musl's mprotect() rounds the address down. */
	check_errno(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), -1, EINVAL,
		    "mprotect: unaligned EINVAL");
	munmap(p, 2 * PAGE);
}

int main(void)
{
	test_anon();
	test_reserve();
	test_remap_and_hints();
	test_split();
	test_mremap();
	test_madvise_and_touch();
	test_brk();
	test_bad_args();
	guest_exit("mm");
}
