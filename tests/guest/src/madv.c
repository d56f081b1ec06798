// SPDX-License-Identifier: MIT
/*
 * Memory advice with semantics: MADV_DONTFORK leaves a range out of the
 * child (touching it there is SIGSEGV), MADV_DOFORK brings it back;
 * MADV_WIPEONFORK gives the child zeroed pages (private anonymous memory
 * only), MADV_KEEPONFORK undoes it;
 * MADV_REMOVE and mremap(MREMAP_DONTUNMAP) either do what Linux does or
 * fail with EINVAL, never report success without the effect.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#define MADV_KEEPONFORK 19
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define PAGE 4096

/* fork; the child reads p[0] and exits 0 if it saw value; its status. */
static int child_reads(volatile int *p, int value)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(p[0] == value ? 0 : 1);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void dontfork(void)
{
	volatile int *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	p[0] = 5;
	p[1024] = 6;
	check_zero(madvise((void *)p, PAGE, MADV_DONTFORK),
		   "madvise(MADV_DONTFORK)");
	int st = child_reads(p, 5);
	check(st == 128 + SIGSEGV,
	      "MADV_DONTFORK: the page is not in the child", "status %d", st);
	st = child_reads(p + 1024, 6);
	check(st == 0, "the next page is", "status %d", st);
	check(p[0] == 5, "the parent keeps the page", "%d", p[0]);
	check_zero(madvise((void *)p, PAGE, MADV_DOFORK),
		   "madvise(MADV_DOFORK)");
	st = child_reads(p, 5);
	check(st == 0, "MADV_DOFORK: inherited again", "status %d", st);
	void *hole =
		mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, PAGE);
	check_errno(madvise(hole, PAGE, MADV_DONTFORK), -1, ENOMEM,
		    "MADV_DONTFORK on unmapped memory: ENOMEM");
	munmap((void *)p, 2 * PAGE);
}

static void wipeonfork(void)
{
	volatile int *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	p[0] = 5;
	p[1024] = 6;
	check_zero(madvise((void *)p, PAGE, MADV_WIPEONFORK),
		   "madvise(MADV_WIPEONFORK)");
	int st = child_reads(p, 0);
	check(st == 0, "MADV_WIPEONFORK: the child reads zeroes", "status %d",
	      st);
	st = child_reads(p + 1024, 6);
	check(st == 0, "MADV_WIPEONFORK: the next page is copied", "status %d",
	      st);
	check(p[0] == 5, "MADV_WIPEONFORK: the parent keeps its data", "%d",
	      p[0]);
	check_zero(madvise((void *)p, PAGE, MADV_KEEPONFORK),
		   "madvise(MADV_KEEPONFORK)");
	st = child_reads(p, 5);
	check(st == 0, "MADV_KEEPONFORK: copied again", "status %d", st);
	munmap((void *)p, 2 * PAGE);

	void *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check_errno(madvise(s, PAGE, MADV_WIPEONFORK), -1, EINVAL,
		    "MADV_WIPEONFORK on shared memory: EINVAL");
	munmap(s, PAGE);
}

static void remove_advice(void)
{
	volatile int *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	s[0] = 7;
	int r = madvise((void *)s, PAGE, MADV_REMOVE);
	check((r == 0 && s[0] == 0) || (r == -1 && errno == EINVAL),
	      "MADV_REMOVE on shared memory: data gone, or EINVAL",
	      "r %d errno %d data %d", r, errno, s[0]);
	munmap((void *)s, PAGE);

	volatile int *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 7;
	check_errno(madvise((void *)p, PAGE, MADV_REMOVE), -1, EINVAL,
		    "MADV_REMOVE on private memory: EINVAL");
	check(p[0] == 7, "private data kept", "%d", p[0]);
	munmap((void *)p, PAGE);
}

static void dontunmap(void)
{
	volatile int *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 9;
	volatile int *q = mremap((void *)p, PAGE, PAGE,
				 MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	bool honoured = q != MAP_FAILED && q != p && q[0] == 9 && p[0] == 0;
	check(honoured || (q == MAP_FAILED && errno == EINVAL),
	      "MREMAP_DONTUNMAP: moved, old range empty, or EINVAL",
	      "q %p p %p", (void *)q, (void *)p);
	if (q != MAP_FAILED && q != p)
		munmap((void *)q, PAGE);
	munmap((void *)p, PAGE);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	dontfork();
	wipeonfork();
	remove_advice();
	dontunmap();
	guest_exit("madv");
}
