/* SPDX-License-Identifier: MIT */
/*
 * clocks: time and scheduling calls. CLOCK_MONOTONIC must never go back,
 * within a thread or across threads; resolutions, sleeps (relative and
 * absolute, on both clocks), the wall clock's agreement across its three
 * interfaces, sched_yield and affinity. Bounds are loose (TCG is slow) and
 * only pass/fail is printed, never a time.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "guest.h"

#define MS	  1000000LL
#define NREADERS  4
#define READS	  200000
#define SLEEP_MAX (500 * MS) /* the longest a 20 ms sleep may take */

static _Atomic int64_t published; /* the largest time any reader has seen */
static atomic_long went_back_self, went_back_cross;

/*
 * Read MONOTONIC repeatedly. A value published by any thread was read
 * before our load of it, so our next read must not be smaller.
 */
static void *reader(void *arg)
{
	int64_t last = 0, seen, t, cur;

	for (int i = 0; i < READS; i++) {
		seen = atomic_load(&published);
		atomic_thread_fence(memory_order_seq_cst);
		t = now_ns(CLOCK_MONOTONIC);
		if (t < last)
			atomic_fetch_add(&went_back_self, 1);
		if (t < seen)
			atomic_fetch_add(&went_back_cross, 1);
		last = t;
		cur = atomic_load(&published);
		while (cur < t &&
		       !atomic_compare_exchange_weak(&published, &cur, t))
			;
	}
	return arg;
}

static void test_monotonic(void)
{
	pthread_t t[NREADERS];
	int64_t start = now_ns(CLOCK_MONOTONIC);

	for (int i = 0; i < NREADERS; i++)
		pthread_create(&t[i], NULL, reader, NULL);
	for (int i = 0; i < NREADERS; i++)
		pthread_join(t[i], NULL);
	check(went_back_self == 0, "monotonic: never back within a thread",
	      "%ld times", (long)went_back_self);
	check(went_back_cross == 0, "monotonic: never back across threads",
	      "%ld times", (long)went_back_cross);
	check(atomic_load(&published) > start &&
		      now_ns(CLOCK_MONOTONIC) >= atomic_load(&published),
	      "monotonic: advances", "stuck");
}

static void test_clock_ids(void)
{
	static const clockid_t ids[] = {
		CLOCK_REALTIME,		  CLOCK_MONOTONIC,
		CLOCK_MONOTONIC_RAW,	  CLOCK_REALTIME_COARSE,
		CLOCK_MONOTONIC_COARSE,	  CLOCK_BOOTTIME,
		CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
	struct timespec ts, res;
	int bad = 0;
	int64_t mono, boot;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (clock_gettime(ids[i], &ts) != 0 || ts.tv_nsec < 0 ||
		    ts.tv_nsec >= 1000000000)
			bad |= 1 << i;
	check(bad == 0, "clock_gettime: 8 clock ids", "bad mask %#x", bad);
	mono = now_ns(CLOCK_MONOTONIC);
	boot = now_ns(CLOCK_BOOTTIME);
	check(boot >= mono, "clock_gettime: BOOTTIME >= MONOTONIC", "behind");
	check_errno(clock_gettime(1000, &ts), -1, EINVAL,
		    "clock_gettime: invalid id EINVAL");
	/* TAI: realtime plus the TAI offset (0 until adjtimex sets it; an
	 * NTP daemon on a host may have set 37 s) */
	int64_t real = now_ns(CLOCK_REALTIME), tai = now_ns(11 /* TAI */);
	check(tai >= real && tai - real < 60LL * 1000000000,
	      "clock_gettime: TAI is realtime plus the offset", "%lld",
	      (long long)(tai - real));
	/* the alarm clocks need an alarm-capable RTC: EINVAL without */
	check_errno(clock_gettime(9 /* BOOTTIME_ALARM */, &ts), -1, EINVAL,
		    "clock_gettime: no alarm RTC EINVAL");
	for (int i = 0; i < 2; i++) {
		clockid_t id = i ? CLOCK_REALTIME : CLOCK_MONOTONIC;
		int rc = clock_getres(id, &res);

		check(rc == 0 && ts_ns(&res) > 0 && ts_ns(&res) <= MS,
		      i ? "clock_getres: REALTIME in (0, 1 ms]"
			: "clock_getres: MONOTONIC in (0, 1 ms]",
		      "rc %d res %lld ns", rc, (long long)ts_ns(&res));
	}
}

/* Check that a sleep that started at T0 (MONOTONIC) lasted [MIN, MAX). */
static void check_slept(int rc, int64_t t0, int64_t min, const char *what)
{
	int64_t took = now_ns(CLOCK_MONOTONIC) - t0;

	check(rc == 0 && took >= min && took < SLEEP_MAX, what,
	      "rc %d took %lld us", rc, (long long)took / 1000);
}

static void test_sleeps(void)
{
	struct timespec d20 = {0, 20 * MS}, zero = {0, 0};
	struct timespec bad = {0, 1000000000}, neg = {-1, 0}, dl;
	int64_t t0;

	t0 = now_ns(CLOCK_MONOTONIC);
	check_slept(nanosleep(&d20, NULL), t0, 20 * MS, "nanosleep: 20 ms");
	t0 = now_ns(CLOCK_MONOTONIC);
	check_slept(nanosleep(&zero, NULL), t0, 0, "nanosleep: 0");
	t0 = now_ns(CLOCK_MONOTONIC);
	check_slept(clock_nanosleep(CLOCK_MONOTONIC, 0, &d20, NULL), t0,
		    20 * MS, "clock_nanosleep: relative MONOTONIC 20 ms");
	for (int i = 0; i < 2; i++) {
		clockid_t id = i ? CLOCK_REALTIME : CLOCK_MONOTONIC;
		int rc;

		t0 = now_ns(CLOCK_MONOTONIC);
		dl = deadline_after(id, 20 * MS);
		rc = clock_nanosleep(id, TIMER_ABSTIME, &dl, NULL);
		check(rc == 0 && now_ns(id) >= ts_ns(&dl),
		      i ? "clock_nanosleep: absolute REALTIME reached"
			: "clock_nanosleep: absolute MONOTONIC reached",
		      "rc %d", rc);
		check_slept(0, t0, 0,
			    i ? "clock_nanosleep: absolute REALTIME bounded"
			      : "clock_nanosleep: absolute MONOTONIC bounded");
		t0 = now_ns(CLOCK_MONOTONIC);
		/* 1 ns after the epoch: MONOTONIC may start at boot on Kiln. */
		dl = (struct timespec){0, 1};
		check_slept(clock_nanosleep(id, TIMER_ABSTIME, &dl, NULL), t0,
			    0,
			    i ? "clock_nanosleep: past REALTIME deadline"
			      : "clock_nanosleep: past MONOTONIC deadline");
	}
	check_errno(nanosleep(&bad, NULL), -1, EINVAL,
		    "nanosleep: tv_nsec 1e9 EINVAL");
	check_errno(nanosleep(&neg, NULL), -1, EINVAL,
		    "nanosleep: negative EINVAL");
	check(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL) == EINVAL,
	      "clock_nanosleep: tv_nsec 1e9 EINVAL", "other result");
}

static void *sleeper(void *arg)
{
	struct timespec d10 = {0, 10 * MS};

	for (int i = 0; i < 10; i++)
		nanosleep(&d10, NULL);
	return arg;
}

/* Four threads sleeping at once: each sleep is its own timer. */
static void test_parallel_sleeps(void)
{
	pthread_t t[4];
	int64_t t0 = now_ns(CLOCK_MONOTONIC), took;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, sleeper, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	took = now_ns(CLOCK_MONOTONIC) - t0;
	check(took >= 100 * MS && took < 3000 * MS,
	      "nanosleep: 4 threads x 10 x 10 ms in parallel", "took %lld ms",
	      (long long)took / MS);
}

static void test_wall_clock(void)
{
	struct timeval tv;
	struct tm tm;
	int64_t rt, gtod;
	time_t now;

	rt = now_ns(CLOCK_REALTIME);
	check_zero(gettimeofday(&tv, NULL), "gettimeofday: succeeds");
	gtod = (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000LL;
	now = time(NULL);
	check(gtod >= rt - 1000 * MS && gtod <= rt + 1000 * MS,
	      "gettimeofday: agrees with REALTIME", "off by %lld ms",
	      (long long)(gtod - rt) / MS);
	check(now >= rt / 1000000000 - 1 && now <= rt / 1000000000 + 1,
	      "time: agrees with REALTIME", "off by %lld s",
	      (long long)(now - rt / 1000000000));
	check(gmtime_r(&now, &tm) && tm.tm_year + 1900 >= 2024,
	      "time: year >= 2024", "year %d", tm.tm_year + 1900);
}

static void test_sched(void)
{
	cpu_set_t set;
	int cpu;

	check_zero(sched_yield(), "sched_yield: returns 0");
	CPU_ZERO(&set);
	check_zero(sched_getaffinity(0, sizeof(set), &set),
		   "sched_getaffinity: succeeds");
	check(CPU_COUNT(&set) >= 1, "sched_getaffinity: at least one CPU",
	      "count %d", CPU_COUNT(&set));
	cpu = sched_getcpu();
	check(cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set),
	      "sched_getcpu: a CPU of the affinity set", "cpu %d", cpu);
	check_errno(syscall(SYS_sched_getaffinity, 0, 0, &set), -1, EINVAL,
		    "sched_getaffinity: size 0 EINVAL");
}

static int64_t sys_ns(clockid_t clock)
{
	struct timespec ts = {0, 0};

	syscall(SYS_clock_gettime, clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * The vDSO is announced and agrees with the syscall: each libc reading
 * (through the vDSO where there is one) lies between two syscall readings.
 */
static void test_vdso(void)
{
	int bad = 0;

	check(getauxval(AT_SYSINFO_EHDR) != 0, "vdso: AT_SYSINFO_EHDR set",
	      "missing");
	for (int i = 0; i < 2000; i++) {
		clockid_t id = i & 1 ? CLOCK_REALTIME : CLOCK_MONOTONIC;
		int64_t a = sys_ns(id), b = now_ns(id), c = sys_ns(id);
		bad += !(a <= b && b <= c);
	}
	check(bad == 0, "vdso: 2000 readings between two syscalls",
	      "%d out of order", bad);
}

int main(void)
{
	test_vdso();
	test_monotonic();
	test_clock_ids();
	test_sleeps();
	test_parallel_sleeps();
	test_wall_clock();
	test_sched();
	guest_exit("clocks");
}
