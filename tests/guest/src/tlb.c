// SPDX-License-Identifier: MIT
/*
 * tlb: one thread changes a mapping while another thread, spinning on
 * another CPU with the page in its TLB, keeps using it. Taking a permission
 * away (mprotect to read-only), freeing the page (madvise DONTNEED, munmap)
 * or replacing it (mmap MAP_FIXED) must be seen by the other thread at
 * once; giving a permission (mprotect back to read-write) must work even
 * where the kernel skips the shootdown. Each round repeats all of it;
 * only the totals are printed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"

#define ROUNDS 40

enum { CMD_NONE, CMD_READ, CMD_WRITE, CMD_QUIT };

static volatile long *page;
static int cmd;		 /* main -> worker (atomic) */
static int done;	 /* worker -> main: the command finished (atomic) */
static long arg, result; /* written before cmd/done are published */
static bool faulted;	 /* the last command hit SIGSEGV */
static sigjmp_buf worker_jmp;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(worker_jmp, 1);
}

/* Spin (yielding, so one vCPU also works) until *flag becomes set. */
static void wait_flag(int *flag)
{
	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void *worker(void *unused)
{
	(void)unused;
	for (;;) {
		int c;
		while (!(c = __atomic_load_n(&cmd, __ATOMIC_ACQUIRE)))
			sched_yield();
		__atomic_store_n(&cmd, CMD_NONE, __ATOMIC_RELAXED);
		if (c == CMD_QUIT)
			return NULL;
		faulted = false;
		if (sigsetjmp(worker_jmp, 1) == 0) {
			if (c == CMD_READ)
				result = *page;
			else
				*page = arg;
		} else {
			faulted = true;
		}
		__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	}
}

/* Have the worker read (or write v to) the page; false if it faulted. */
static bool remote(int c, long v)
{
	arg = v;
	__atomic_store_n(&done, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&cmd, c, __ATOMIC_RELEASE);
	wait_flag(&done);
	return !faulted;
}

static long *map_page(void *at)
{
	void *p =
		mmap(at, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | (at ? MAP_FIXED : 0), -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_segv};
	pthread_t t;
	int ro_faults = 0, rw_writes = 0, dontneed_zero = 0, fixed_new = 0,
	    unmapped_faults = 0, setup = 0;

	sigaction(SIGSEGV, &sa, NULL);
	pthread_create(&t, NULL, worker, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		long *p = map_page(NULL);
		if (!p)
			break;
		page = p;
		/* read-write -> read-only: the worker's write must fault */
		setup += remote(CMD_WRITE, 2);
		mprotect(p, 4096, PROT_READ);
		ro_faults += !remote(CMD_WRITE, 3) && *p == 2;
		/* read-only -> read-write: its (read-only) entry upgrades */
		setup += remote(CMD_READ, 0) && result == 2;
		mprotect(p, 4096, PROT_READ | PROT_WRITE);
		rw_writes += remote(CMD_WRITE, 4) && *p == 4;
		/* DONTNEED: the page is gone, a fresh zero page replaces it */
		setup += remote(CMD_READ, 0) && result == 4;
		madvise(p, 4096, MADV_DONTNEED);
		dontneed_zero += remote(CMD_READ, 0) && result == 0;
		/* MAP_FIXED over it: the worker sees the new page */
		setup += remote(CMD_WRITE, 5);
		map_page(p)[0] = 9;
		fixed_new += remote(CMD_READ, 0) && result == 9;
		/* munmap: the worker's read must fault */
		munmap(p, 4096);
		unmapped_faults += !remote(CMD_READ, 0);
	}
	__atomic_store_n(&cmd, CMD_QUIT, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	check(setup == 4 * ROUNDS, "tlb: worker warmed its TLB", "%d of %d",
	      setup, 4 * ROUNDS);
	check(ro_faults == ROUNDS,
	      "tlb: write after mprotect(PROT_READ) faults", "%d of %d",
	      ro_faults, ROUNDS);
	check(rw_writes == ROUNDS,
	      "tlb: write after mprotect(PROT_READ|PROT_WRITE) works",
	      "%d of %d", rw_writes, ROUNDS);
	check(dontneed_zero == ROUNDS, "tlb: read after MADV_DONTNEED is zero",
	      "%d of %d", dontneed_zero, ROUNDS);
	check(fixed_new == ROUNDS,
	      "tlb: read after MAP_FIXED sees the new page", "%d of %d",
	      fixed_new, ROUNDS);
	check(unmapped_faults == ROUNDS, "tlb: read after munmap faults",
	      "%d of %d", unmapped_faults, ROUNDS);
	guest_exit("tlb");
}
