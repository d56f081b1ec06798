// SPDX-License-Identifier: MIT
/*
 * The vDSO: clock_gettime, gettimeofday and time computed in user mode from
 * the TSC and the kernel's [vvar] page, as Linux's vDSO does. glibc and
 * musl find these through AT_SYSINFO_EHDR (version LINUX_2.6). Clocks it
 * does not compute, or a TSC the kernel does not trust (enabled == 0), go
 * to the real syscall. Built as position-independent user code with no
 * relocations; the kernel embeds the linked object and maps it.
 */
#include "vdso_data.h"

#define EXPORT		  __attribute__((visibility("default")))
#define NSEC_PER_SEC	  1000000000ULL
#define SYS_gettimeofday  96
#define SYS_time	  201
#define SYS_clock_gettime 228

/* the [vvar] page, one page below the vDSO's first byte (vdso.lds) */
extern const struct vdso_data vvar __attribute__((visibility("hidden")));

struct kts {
	long tv_sec;
	long tv_nsec;
};

struct ktv {
	long tv_sec;
	long tv_usec;
};

struct ktz {
	int tz_minuteswest;
	int tz_dsttime;
};

static long syscall2(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b)
			 : "rcx", "r11", "memory");
	return ret;
}

static unsigned long long rdtsc_ordered(void)
{
	unsigned int lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((unsigned long long)hi << 32) | lo;
}

/* Nanoseconds since boot and the realtime base, read consistently. */
static int read_clock(unsigned long long *mono, unsigned long long *rt)
{
	const volatile struct vdso_data *d = &vvar;
	unsigned int seq;

	for (;;) {
		seq = d->seq;
		__asm__ volatile("" ::: "memory");
		if (seq & 1)
			continue;
		if (!d->enabled)
			return 0;
		unsigned long long delta = rdtsc_ordered() - d->tsc_at_boot;
		if ((long long)delta < 0)
			delta = 0;
		*mono = (unsigned long long)(((unsigned __int128)delta *
					      d->ns_mult) >>
					     32);
		*rt = d->realtime_ns;
		__asm__ volatile("" ::: "memory");
		if (d->seq == seq)
			return 1;
	}
}

EXPORT int __vdso_clock_gettime(int clock, struct kts *ts)
{
	unsigned long long ns, rt;

	switch (clock) {
	case 0: /* REALTIME */
	case 5: /* REALTIME_COARSE */
	case 1: /* MONOTONIC */
	case 4: /* MONOTONIC_RAW */
	case 6: /* MONOTONIC_COARSE */
	case 7: /* BOOTTIME */
		if (read_clock(&ns, &rt))
			break;
		/* fall through */
	default:
		return (int)syscall2(SYS_clock_gettime, clock, (long)ts);
	}
	if (clock == 0 || clock == 5)
		ns += rt;
	ts->tv_sec = (long)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
	return 0;
}

EXPORT int __vdso_gettimeofday(struct ktv *tv, struct ktz *tz)
{
	unsigned long long ns, rt;

	if (!read_clock(&ns, &rt))
		return (int)syscall2(SYS_gettimeofday, (long)tv, (long)tz);
	if (tv) {
		ns += rt;
		tv->tv_sec = (long)(ns / NSEC_PER_SEC);
		tv->tv_usec = (long)(ns % NSEC_PER_SEC / 1000);
	}
	if (tz) {
		tz->tz_minuteswest = 0;
		tz->tz_dsttime = 0;
	}
	return 0;
}

EXPORT long __vdso_time(long *t)
{
	unsigned long long ns, rt;

	if (!read_clock(&ns, &rt))
		return syscall2(SYS_time, (long)t, 0);
	long s = (long)((ns + rt) / NSEC_PER_SEC);
	if (t)
		*t = s;
	return s;
}

EXPORT int clock_gettime(int, struct kts *)
	__attribute__((weak, alias("__vdso_clock_gettime")));
EXPORT int gettimeofday(struct ktv *, struct ktz *)
	__attribute__((weak, alias("__vdso_gettimeofday")));
EXPORT long time(long *) __attribute__((weak, alias("__vdso_time")));
