/* SPDX-License-Identifier: MIT */
/*
 * threads: pthreads as the libcs use them. Mutex counting with exact totals,
 * condvar ping-pong, timed condvar waits on both clocks, barriers, rwlocks,
 * join values, thread-local storage, thread ids, stack sizes, detached and
 * short-lived threads, and finally exit while a thread is still blocked.
 * Threads never print; main reports after joining, so output is fixed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

#define NTHREADS 8
#define ITERS	 200000
#define ROUNDS	 20000
#define MS	 1000000LL
/* Each round wakes 7 sleepers across vCPUs: slow under TCG, so few. */
#define BARRIER_ROUNDS 250

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count_worker(void *arg)
{
	for (int i = 0; i < ITERS; i++) {
		pthread_mutex_lock(&count_lock);
		counter++;
		pthread_mutex_unlock(&count_lock);
	}
	return (void *)((intptr_t)arg * 7 + 1);
}

static void test_mutex_count(void)
{
	pthread_t t[NTHREADS];
	bool joined = true;

	for (intptr_t i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, count_worker, (void *)i);
	for (intptr_t i = 0; i < NTHREADS; i++) {
		void *ret = NULL;

		joined &= pthread_join(t[i], &ret) == 0 &&
			  ret == (void *)(i * 7 + 1);
	}
	check(counter == (long)NTHREADS * ITERS,
	      "mutex: 8 threads x 200000 increments exact", "counter %ld",
	      counter);
	check(joined, "join: return values", "wrong value");
	pthread_mutex_lock(&count_lock);
	check(pthread_mutex_trylock(&count_lock) == EBUSY,
	      "mutex: trylock on a held lock EBUSY", "not EBUSY");
	pthread_mutex_unlock(&count_lock);
}

static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int pp_turn;
static long pp_pongs;

static void *ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&pp_lock);
		while (pp_turn != 1)
			pthread_cond_wait(&pp_cond, &pp_lock);
		pp_pongs++;
		pp_turn = 0;
		pthread_cond_signal(&pp_cond);
		pthread_mutex_unlock(&pp_lock);
	}
	return NULL;
}

static void test_pingpong(void)
{
	pthread_t t;
	long pings = 0;

	pthread_create(&t, NULL, ponger, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&pp_lock);
		while (pp_turn != 0)
			pthread_cond_wait(&pp_cond, &pp_lock);
		pings++;
		pp_turn = 1;
		pthread_cond_signal(&pp_cond);
		pthread_mutex_unlock(&pp_lock);
	}
	pthread_join(t, NULL);
	check(pings == ROUNDS && pp_pongs == ROUNDS,
	      "condvar: 20000 ping-pong round trips", "pings %ld pongs %ld",
	      pings, pp_pongs);
}

/* A 50 ms timed wait nobody signals must time out on CLOCK's deadline. */
static void timed_wait(clockid_t clock, const char *what)
{
	pthread_condattr_t attr;
	pthread_cond_t cond;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct timespec deadline;
	int64_t t0, t1, end;
	int rc;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, clock);
	pthread_cond_init(&cond, &attr);
	pthread_mutex_lock(&lock);
	t0 = now_ns(CLOCK_MONOTONIC);
	deadline = deadline_after(clock, 50 * MS);
	do
		rc = pthread_cond_timedwait(&cond, &lock, &deadline);
	while (rc == 0);
	end = now_ns(clock);
	t1 = now_ns(CLOCK_MONOTONIC);
	pthread_mutex_unlock(&lock);
	check(rc == ETIMEDOUT && end >= ts_ns(&deadline) && t1 - t0 < 2000 * MS,
	      what, "rc %d, %lld ns early, took %lld ms", rc,
	      (long long)(ts_ns(&deadline) - end), (long long)(t1 - t0) / MS);
	pthread_cond_destroy(&cond);
}

static pthread_barrier_t barrier;
static atomic_int serials;

static void *barrier_worker(void *arg)
{
	for (int i = 0; i < BARRIER_ROUNDS; i++)
		if (pthread_barrier_wait(&barrier) ==
		    PTHREAD_BARRIER_SERIAL_THREAD)
			atomic_fetch_add(&serials, 1);
	return arg;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long rw_a, rw_b;
static atomic_long rw_torn;

/* Writers keep rw_a == rw_b; readers must never see them differ. */
static void *rw_worker(void *arg)
{
	for (int i = 0; i < 20000; i++) {
		if (i % 4 == 0) {
			pthread_rwlock_wrlock(&rw);
			rw_a++;
			rw_b++;
			pthread_rwlock_unlock(&rw);
		} else {
			pthread_rwlock_rdlock(&rw);
			if (rw_a != rw_b)
				atomic_fetch_add(&rw_torn, 1);
			pthread_rwlock_unlock(&rw);
		}
	}
	return arg;
}

static void test_barrier_rwlock(void)
{
	pthread_t t[NTHREADS];

	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, barrier_worker, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	check(serials == BARRIER_ROUNDS, "barrier: one serial thread per round",
	      "%d serials in %d rounds", serials, BARRIER_ROUNDS);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, rw_worker, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	check(rw_torn == 0 && rw_a == 4 * 5000 && rw_a == rw_b,
	      "rwlock: readers never see a half write", "torn %ld a %ld",
	      (long)rw_torn, rw_a);
}

static __thread int tls_val = 1234;
static __thread long tls_zero;
static int *tls_addr[NTHREADS + 1];
static pid_t tids[NTHREADS + 1];
static pthread_barrier_t tls_barrier;

static void *tls_worker(void *arg)
{
	intptr_t i = (intptr_t)arg;
	bool fresh = tls_val == 1234 && tls_zero == 0;

	tls_val = (int)i;
	tls_zero = i * 3;
	tls_addr[i] = &tls_val;
	tids[i] = (pid_t)syscall(SYS_gettid);
	pthread_barrier_wait(&tls_barrier);
	return (void *)(intptr_t)(fresh && tls_val == i && tls_zero == i * 3);
}

static void test_tls_and_ids(void)
{
	pthread_t t[NTHREADS];
	bool ok = true, distinct = true;

	tls_val = -1;
	tls_addr[NTHREADS] = &tls_val;
	tids[NTHREADS] = (pid_t)syscall(SYS_gettid);
	pthread_barrier_init(&tls_barrier, NULL, NTHREADS);
	for (intptr_t i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, tls_worker, (void *)i);
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		ok &= ret == (void *)1;
	}
	for (int i = 0; i <= NTHREADS; i++)
		for (int j = i + 1; j <= NTHREADS; j++)
			distinct &= tls_addr[i] != tls_addr[j] &&
				    tids[i] != tids[j];
	check(ok && tls_val == -1,
	      "tls: initialised per thread and kept across threads",
	      "ok %d main %d", ok, tls_val);
	check(distinct, "tls: distinct addresses and tids", "shared");
	check(tids[NTHREADS] == getpid(), "ids: main thread tid is the pid",
	      "differs");
}

static void *big_stack_worker(void *arg)
{
	volatile unsigned char buf[512 * 1024];
	unsigned long sum = 0;

	(void)arg;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)i;
	for (size_t i = 0; i < sizeof(buf); i++)
		sum += buf[i];
	return (void *)(uintptr_t)(sum == 2048UL * (255 * 256 / 2) ? 1 : 0);
}

static void *identity(void *arg)
{
	return arg;
}

static atomic_int detached_done;

static void *detached_worker(void *arg)
{
	atomic_fetch_add(&detached_done, 1);
	return arg;
}

static void test_lifecycle(void)
{
	pthread_attr_t attr;
	pthread_t t;
	void *ret = NULL;
	int joined = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1024 * 1024);
	check(pthread_create(&t, &attr, big_stack_worker, NULL) == 0 &&
		      pthread_join(t, &ret) == 0 && ret == (void *)1,
	      "stack: 1 MiB thread stack uses 512 KiB", "failed");
	for (intptr_t i = 0; i < 200; i++)
		if (pthread_create(&t, NULL, identity, (void *)i) == 0 &&
		    pthread_join(t, &ret) == 0 && ret == (void *)i)
			joined++;
	check(joined == 200, "lifecycle: 200 create and join", "%d", joined);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < 20; i++)
		pthread_create(&t, &attr, detached_worker, NULL);
	for (int i = 0; i < 10000 && detached_done < 20; i++)
		usleep(1000);
	check(detached_done == 20, "lifecycle: 20 detached threads ran", "%d",
	      detached_done);
	pthread_attr_destroy(&attr);
}

static pthread_mutex_t never_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never_cond = PTHREAD_COND_INITIALIZER;

/* Blocks forever: exit() must end the process with this thread waiting. */
static void *blocked_forever(void *arg)
{
	pthread_mutex_lock(&never_lock);
	for (;;)
		pthread_cond_wait(&never_cond, &never_lock);
	return arg;
}

int main(void)
{
	pthread_t t;

	test_mutex_count();
	test_pingpong();
	timed_wait(CLOCK_REALTIME, "condvar: timedwait REALTIME 50 ms timeout");
	timed_wait(CLOCK_MONOTONIC,
		   "condvar: timedwait MONOTONIC 50 ms timeout");
	test_barrier_rwlock();
	test_tls_and_ids();
	test_lifecycle();
	pthread_create(&t, NULL, blocked_forever, NULL);
	usleep(10000);
	printf("exit: with a thread blocked in a condvar\n");
	guest_exit("threads");
}
