/* SPDX-License-Identifier: MIT */
/*
 * futex: the raw futex(2) operations, with pthreads as the waiters. Every
 * count printed must be exact, so before waking, the test makes sure the
 * waiters really sleep in the kernel: wait_queued() moves them with
 * FUTEX_CMP_REQUEUE to a scratch word (the return value counts queued
 * waiters) and back. The suite runs with private ops, with shared ops on
 * ordinary memory, and with shared ops on a MAP_SHARED page.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

/* From <linux/futex.h>, which musl-gcc does not see. */
#define FUTEX_WAIT	     0
#define FUTEX_WAKE	     1
#define FUTEX_REQUEUE	     3
#define FUTEX_CMP_REQUEUE    4
#define FUTEX_WAKE_OP	     5
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_OP_SET	     0
#define FUTEX_OP_ADD	     1
#define FUTEX_OP_OR	     2
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ	     0
#define FUTEX_OP_CMP_GT	     4
#define FUTEX_OP(op, oparg, cmp, cmparg)                                       \
	((((op)&0xf) << 28) | (((cmp)&0xf) << 24) | (((oparg)&0xfff) << 12) |  \
	 ((cmparg)&0xfff))
#define BITSET_ANY 0xffffffffu

#define MS   1000000LL
#define MAXW 4

static long futex(atomic_uint *uaddr, int op, unsigned val,
		  const struct timespec *ts, atomic_uint *uaddr2, unsigned val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* The requeue ops take their second count where the timeout would go. */
static long requeue(atomic_uint *from, int op, int nr_wake, int nr_requeue,
		    atomic_uint *to, unsigned cmpval)
{
	return futex(from, op, nr_wake,
		     (const struct timespec *)(uintptr_t)nr_requeue, to,
		     cmpval);
}

struct waiter {
	pthread_t thread;
	atomic_uint *word;
	int op;
	unsigned val, bitset;
	long ret;
	int err;
};

static struct waiter waiters[MAXW];
static int nwaiters;
static int priv;	  /* FUTEX_PRIVATE_FLAG or 0 for this suite */
static const char *label; /* "futex private" and so on */

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;

	w->ret = futex(w->word, w->op, w->val, NULL, NULL, w->bitset);
	w->err = errno;
	return NULL;
}

/* Start a thread that waits once on WORD (a WAIT_BITSET if BITSET != 0). */
static void start_waiter(atomic_uint *word, unsigned bitset)
{
	struct waiter *w = &waiters[nwaiters++];

	w->word = word;
	w->val = atomic_load(word);
	w->bitset = bitset ? bitset : BITSET_ANY;
	w->op = (bitset ? FUTEX_WAIT_BITSET : FUTEX_WAIT) | priv;
	pthread_create(&w->thread, NULL, waiter_main, w);
}

/* Join every waiter; true if each was woken (returned 0). */
static bool join_waiters(void)
{
	bool ok = true;

	for (int i = 0; i < nwaiters; i++) {
		pthread_join(waiters[i].thread, NULL);
		ok &= waiters[i].ret == 0;
	}
	nwaiters = 0;
	return ok;
}

static void report(bool ok, const char *what)
{
	char buf[160];

	snprintf(buf, sizeof(buf), "%s: %s", label, what);
	check(ok, buf, "errno %d", errno);
}

/* As report(), but a failed wake leaves waiters asleep and joins would
 * hang: stop the program (exit ends the sleeping threads too). */
static void expect(bool ok, const char *what)
{
	report(ok, what);
	if (!ok)
		guest_exit("futex");
}

/*
 * Wait until N waiters sleep on WORD, counting them by requeueing them to a
 * scratch word and back. Stuck waiters would hang the joins: give up.
 */
static void wait_queued(atomic_uint *word, int n)
{
	static atomic_uint scratch;
	int64_t end = now_ns(CLOCK_MONOTONIC) + 10000 * MS;
	long got = 0, r, back;

	while (got < n && now_ns(CLOCK_MONOTONIC) < end) {
		r = requeue(word, FUTEX_CMP_REQUEUE | priv, 0, INT_MAX,
			    &scratch, atomic_load(word));
		if (r > 0)
			got += r;
		else
			usleep(1000);
	}
	back = requeue(&scratch, FUTEX_CMP_REQUEUE | priv, 0, INT_MAX, word,
		       atomic_load(&scratch));
	if (got != n || back != n) {
		printf("%s: queued %ld of %d, moved back %ld\n", label, got, n,
		       back);
		expect(false, "waiters queued");
	}
}

static void test_wait_basics(atomic_uint *w)
{
	struct timespec rel = {0, 30 * MS}, bad = {0, 1000000000};
	int64_t t0, t1;
	long r;

	r = futex(w, FUTEX_WAIT | priv, atomic_load(w) + 1, NULL, NULL, 0);
	report(r == -1 && errno == EAGAIN, "WAIT wrong value EAGAIN");
	t0 = now_ns(CLOCK_MONOTONIC);
	r = futex(w, FUTEX_WAIT | priv, atomic_load(w), &rel, NULL, 0);
	t1 = now_ns(CLOCK_MONOTONIC);
	report(r == -1 && errno == ETIMEDOUT && t1 - t0 >= 30 * MS &&
		       t1 - t0 < 2000 * MS,
	       "WAIT 30 ms relative timeout ETIMEDOUT");
	r = futex(w, FUTEX_WAIT | priv, atomic_load(w), &bad, NULL, 0);
	report(r == -1 && errno == EINVAL, "WAIT tv_nsec 1e9 EINVAL");
	r = futex((atomic_uint *)((char *)w + 1), FUTEX_WAIT | priv, 0, NULL,
		  NULL, 0);
	report(r == -1 && errno == EINVAL, "WAIT unaligned EINVAL");
	r = futex((atomic_uint *)16, FUTEX_WAIT | priv, 0, NULL, NULL, 0);
	report(r == -1 && errno == EFAULT, "WAIT bad address EFAULT");
	r = futex(w, FUTEX_WAKE | priv, 1, NULL, NULL, 0);
	report(r == 0, "WAKE with no waiters returns 0");
}

/* Absolute timeouts: WAIT_BITSET measures MONOTONIC, or REALTIME. */
static void test_abs_timeouts(atomic_uint *w)
{
	static const clockid_t clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME};
	static const char *names[] = {
		"WAIT_BITSET absolute MONOTONIC timeout",
		"WAIT_BITSET absolute FUTEX_CLOCK_REALTIME timeout"};

	for (int i = 0; i < 2; i++) {
		int op = FUTEX_WAIT_BITSET | priv |
			 (i ? FUTEX_CLOCK_REALTIME : 0);
		struct timespec dl = deadline_after(clocks[i], 30 * MS);
		struct timespec past = {0, 1}; /* MONOTONIC may start at boot */
		long r = futex(w, op, atomic_load(w), &dl, NULL, BITSET_ANY);

		report(r == -1 && errno == ETIMEDOUT &&
			       now_ns(clocks[i]) >= ts_ns(&dl),
		       names[i]);
		r = futex(w, op, atomic_load(w), &past, NULL, BITSET_ANY);
		report(r == -1 && errno == ETIMEDOUT,
		       i ? "WAIT_BITSET REALTIME past deadline ETIMEDOUT"
			 : "WAIT_BITSET MONOTONIC past deadline ETIMEDOUT");
	}
}

static void test_wake_counts(atomic_uint *w)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + 10000 * MS;
	long total = 0, r;

	/* Wake as waiters arrive: the returns must add up to exactly 4. */
	for (int i = 0; i < 4; i++)
		start_waiter(w, 0);
	while (total < 4 && now_ns(CLOCK_MONOTONIC) < end) {
		r = futex(w, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0);
		total += r > 0 ? r : 0;
		if (total < 4)
			usleep(1000);
	}
	expect(total == 4, "WAKE counts add up to 4");
	expect(join_waiters(), "all 4 woken");
	for (int i = 0; i < 4; i++)
		start_waiter(w, 0);
	wait_queued(w, 4);
	expect(futex(w, FUTEX_WAKE | priv, 1, NULL, NULL, 0) == 1 &&
		       futex(w, FUTEX_WAKE | priv, 2, NULL, NULL, 0) == 2 &&
		       futex(w, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0) ==
			       1 &&
		       futex(w, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0) == 0,
	       "WAKE 1, 2, all of 4 queued returns 1, 2, 1, 0");
	expect(join_waiters(), "all 4 woken");
}

static void test_bitset(atomic_uint *w)
{
	long r;

	start_waiter(w, 0x1);
	start_waiter(w, 0x2);
	wait_queued(w, 2);
	r = futex(w, FUTEX_WAKE_BITSET | priv, INT_MAX, NULL, NULL, 0x4);
	expect(r == 0, "WAKE_BITSET non-matching bitset wakes none");
	r = futex(w, FUTEX_WAKE_BITSET | priv, INT_MAX, NULL, NULL, 0x1);
	expect(r == 1, "WAKE_BITSET matching bitset wakes one");
	r = futex(w, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0);
	expect(r == 1, "WAKE wakes the other bitset");
	expect(join_waiters(), "both woken");
	r = futex(w, FUTEX_WAIT_BITSET | priv, atomic_load(w), NULL, NULL, 0);
	report(r == -1 && errno == EINVAL, "WAIT_BITSET bitset 0 EINVAL");
	r = futex(w, FUTEX_WAKE_BITSET | priv, 1, NULL, NULL, 0);
	report(r == -1 && errno == EINVAL, "WAKE_BITSET bitset 0 EINVAL");
}

static void test_requeue(atomic_uint *a, atomic_uint *b)
{
	long r;

	for (int i = 0; i < 3; i++)
		start_waiter(a, 0);
	wait_queued(a, 3);
	r = requeue(a, FUTEX_CMP_REQUEUE | priv, 0, INT_MAX, b,
		    atomic_load(a) + 1);
	expect(r == -1 && errno == EAGAIN, "CMP_REQUEUE wrong value EAGAIN");
	r = requeue(a, FUTEX_CMP_REQUEUE | priv, 1, 1, b, atomic_load(a));
	expect(r == 2, "CMP_REQUEUE wakes 1, moves 1");
	r = requeue(b, FUTEX_REQUEUE | priv, 0, INT_MAX, a, 0);
	expect(r == 1, "REQUEUE moves 1 back");
	r = futex(b, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0);
	expect(r == 0, "WAKE on the emptied word wakes none");
	r = futex(a, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0);
	expect(r == 2, "WAKE wakes the 2 left");
	expect(join_waiters(), "all 3 woken");
}

static void test_wake_op(atomic_uint *a, atomic_uint *b)
{
	long r;

	atomic_store(b, 0);
	start_waiter(a, 0);
	start_waiter(b, 0);
	wait_queued(a, 1);
	wait_queued(b, 1);
	r = futex(a, FUTEX_WAKE_OP | priv, 1, (void *)1, b,
		  FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0));
	expect(r == 2 && atomic_load(b) == 1,
	       "WAKE_OP add, true compare wakes both");
	expect(join_waiters(), "both woken");
	start_waiter(a, 0);
	start_waiter(b, 0);
	wait_queued(a, 1);
	wait_queued(b, 1);
	r = futex(a, FUTEX_WAKE_OP | priv, 1, (void *)1, b,
		  FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_GT, 3));
	expect(r == 1 && atomic_load(b) == 5,
	       "WAKE_OP set, false compare wakes the first only");
	r = futex(b, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0);
	expect(r == 1, "WAKE wakes the second");
	expect(join_waiters(), "both woken");
	r = futex(a, FUTEX_WAKE_OP | priv, 0, (void *)0, b,
		  FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4,
			   FUTEX_OP_CMP_EQ, 0));
	report(r == 0 && atomic_load(b) == (5 | 1 << 4),
	       "WAKE_OP or with shifted operand");
}

/* The whole suite on words A and B, with FLAG (private or shared ops). */
static void run_suite(const char *name, int flag, atomic_uint *a,
		      atomic_uint *b)
{
	label = name;
	priv = flag;
	test_wait_basics(a);
	test_abs_timeouts(a);
	test_wake_counts(a);
	test_bitset(a);
	test_requeue(a, b);
	test_wake_op(a, b);
}

static atomic_uint word_a, word_b;

int main(void)
{
	atomic_uint *shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long r;

	run_suite("futex private", FUTEX_PRIVATE_FLAG, &word_a, &word_b);
	run_suite("futex shared", 0, &word_a, &word_b);
	if (shm == MAP_FAILED)
		check(false, "futex: MAP_SHARED page", "errno %d", errno);
	else
		run_suite("futex shared-mapping", 0, &shm[0], &shm[16]);
	r = syscall(SYS_futex, &word_a, 99, 0, NULL, NULL, 0);
	check(r == -1 && errno == ENOSYS, "futex: unknown op ENOSYS",
	      "r %ld errno %d", r, errno);
	guest_exit("futex");
}
