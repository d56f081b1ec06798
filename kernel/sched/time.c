// SPDX-License-Identifier: MIT
/*
 * Clocks. TSC frequency comes from the hypervisor CPUID leaf 0x40000010
 * when present, else CPUID 0x15, else a 10 ms PIT channel 2 measurement.
 * A global high-water mark makes clock_monotonic_ns() monotonic across
 * CPUs even if TSCs were slightly skewed.
 */
#include <kernel/printk.h>
#include "time.h"
#include "kthread.h"
#include "sched.h"
#include "waitq.h"
#include "arch/x86_64/percpu.h"
#include "proc/vdso.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "mm/uaccess.h"

static u64 tsc_at_boot;
static u64 tsc_freq;
static u64 ns_mult; /* ns = (tsc_delta * ns_mult) >> 32 */
static u64 mono_high_water;
static u64 realtime_boot_ns;

static u64 cpuid_tsc_hz(void)
{
	u32 a, b, c, d;

	if (cpu_features.hypervisor) {
		cpuid(0x40000000, 0, &a, &b, &c, &d);
		if (a >= 0x40000010) {
			cpuid(0x40000010, 0, &a, &b, &c, &d);
			if (a)
				return (u64)a * 1000;
		}
	}
	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c)
			return (u64)c * b / a;
	}
	return 0;
}

/* Measure the TSC against 10 ms of PIT channel 2; 0 if there is no PIT. */
static u64 pit_tsc_hz(void)
{
	const u32 count = 1193182 / 100;

	if (inb(0x61) == 0xff)
		return 0; /* no PIT / port B (microvm, Firecracker) */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0); /* channel 2, lo/hi, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	u64 t0 = rdtsc();
	for (u64 spins = 0; !(inb(0x61) & 0x20); spins++)
		if (spins > 100000000ULL)
			return 0;
	u64 hz = (rdtsc() - t0) * 100;
	return hz < 50000000ULL ? 0 : hz; /* implausible: no working PIT */
}

static int bcd(int v, bool is_bcd)
{
	return is_bcd ? (v & 0xf) + (v >> 4) * 10 : v;
}

static int cmos_read(int reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static s64 days_from_civil(s64 y, int m, int d)
{
	y -= m <= 2;
	s64 era = (y >= 0 ? y : y - 399) / 400;
	s64 yoe = y - era * 400;
	s64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	s64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static u64 rtc_read_epoch(void)
{
	int sec, min, hour, day, mon, year, cent, status;

	while (cmos_read(0x0a) & 0x80)
		cpu_relax();
	sec = cmos_read(0x00);
	min = cmos_read(0x02);
	hour = cmos_read(0x04);
	day = cmos_read(0x07);
	mon = cmos_read(0x08);
	year = cmos_read(0x09);
	cent = cmos_read(0x32);
	status = cmos_read(0x0b);
	bool is_bcd = !(status & 0x04);
	sec = bcd(sec, is_bcd);
	min = bcd(min, is_bcd);
	hour = bcd(hour & 0x7f, is_bcd) +
	       ((hour & 0x80) && !(status & 2) ? 12 : 0);
	day = bcd(day, is_bcd);
	mon = bcd(mon, is_bcd);
	year = bcd(year, is_bcd) + (cent ? bcd(cent, is_bcd) * 100 : 2000);
	if (mon < 1 || mon > 12 || day < 1 || day > 31)
		return 0;
	return (u64)(days_from_civil(year, mon, day) * 86400 + hour * 3600 +
		     min * 60 + sec);
}

void time_init(void)
{
	tsc_freq = cpuid_tsc_hz();
	const char *src = "cpuid";
	if (!tsc_freq) {
		tsc_freq = pit_tsc_hz();
		src = "pit";
	}
	if (!tsc_freq) {
		tsc_freq = lapic_measure_tsc_hz();
		src = "lapic";
	}
	if (!tsc_freq) {
		tsc_freq = 1000000000ULL;
		src = "guess";
	}
	ns_mult = (NSEC_PER_SEC << 32) / tsc_freq;
	tsc_at_boot = rdtsc();
	realtime_boot_ns = rtc_read_epoch() * NSEC_PER_SEC;
	pr_info("time: tsc %lu kHz (%s), rtc epoch %lu", tsc_freq / 1000, src,
		realtime_boot_ns / NSEC_PER_SEC);
}

void time_vdso_params(u64 *tsc_boot, u64 *mult, u64 *realtime_ns)
{
	*tsc_boot = tsc_at_boot;
	*mult = ns_mult;
	*realtime_ns = realtime_boot_ns;
}

u64 time_boot_ns(void)
{
	if (!ns_mult)
		return 0;
	u64 d = rdtsc() - tsc_at_boot;
	if ((s64)d < 0)
		return 0;
	return (u64)(((unsigned __int128)d * ns_mult) >> 32);
}

u64 clock_monotonic_ns(void)
{
	u64 now = time_boot_ns();
	u64 hw = __atomic_load_n(&mono_high_water, __ATOMIC_RELAXED);

	while (now > hw) {
		if (__atomic_compare_exchange_n(&mono_high_water, &hw, now,
						true, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return now;
	}
	return hw;
}

u64 clock_realtime_ns(void)
{
	return READ_ONCE(realtime_boot_ns) + clock_monotonic_ns();
}

int time_deadline_from_user(u64 uts, bool absolute, bool realtime,
			    u64 *deadline)
{
	s64 ts[2]; /* struct timespec: seconds, nanoseconds */

	*deadline = 0;
	if (!uts)
		return 0;
	if (copy_from_user(ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (s64)NSEC_PER_SEC)
		return -EINVAL;
	/* 2^33 s (272 years) is forever; beyond it the sum overflows */
	u64 ns = (u64)MIN(ts[0], 1LL << 33) * NSEC_PER_SEC + (u64)ts[1];
	u64 mono = clock_monotonic_ns();
	if (!absolute) {
		*deadline = mono + ns;
	} else {
		u64 now = realtime ? clock_realtime_ns() : mono;
		*deadline = ns > now ? mono + (ns - now) : mono;
	}
	if (!*deadline)
		*deadline = 1;
	return 0;
}

/*
 * CLOCK_MONOTONIC counts guest time only, so a VM paused by its host or
 * restored from a snapshot (kiln run --restore) comes back with
 * CLOCK_REALTIME behind by the time it was away, while the RTC (QEMU's
 * follows the host's clock) moved on. Every RTC_CHECK_NS a kernel thread
 * compares how far each went since the last check: if the RTC went
 * RTC_GAP_S seconds further, the VM was away, and the wall clock steps
 * forward to the RTC (and the vDSO's copy with it). A slow drift (a TSC
 * rate measured a little off) never adds up to a gap in one interval, so
 * it is left alone, as Linux without NTP would; the clock never steps
 * back.
 */
#define RTC_CHECK_NS (1000ULL * 1000 * 1000)
#define RTC_GAP_S    3

static u64 rtc_last, rtc_last_mono;

static void rtc_check(void)
{
	u64 rtc = rtc_read_epoch(), mono = clock_monotonic_ns();

	if (!rtc)
		return;
	u64 went = (mono - rtc_last_mono) / NSEC_PER_SEC;
	u64 now = clock_realtime_ns() / NSEC_PER_SEC;
	if (rtc_last && rtc > rtc_last + went + RTC_GAP_S && rtc > now) {
		u64 rt = rtc * NSEC_PER_SEC - mono;
		WRITE_ONCE(realtime_boot_ns, rt);
		vdso_set_realtime(rt);
		pr_info("time: wall clock stepped forward by %lu s to the RTC "
			"(the VM was paused or restored)",
			rtc - now);
	}
	rtc_last = rtc;
	rtc_last_mono = mono;
}

/*
 * Load averages as Linux computes them: every 5 s, each average moves
 * toward n (threads running or runnable) by a factor for 1, 5 and 15
 * minutes, in 11-bit fixed point. The sampling thread is not counted.
 */
#define FSHIFT	11
#define FIXED_1 (1UL << FSHIFT)
static const u64 load_exp[3] = {1884, 2014, 2037};
static u64 avenrun[3];

static void calc_load(void)
{
	u32 n = sched_nr_running();
	u64 active = (n ? n - 1 : 0) * FIXED_1; /* not this thread */

	for (int i = 0; i < 3; i++) {
		u64 load = READ_ONCE(avenrun[i]);
		u64 nl = load * load_exp[i] + active * (FIXED_1 - load_exp[i]);
		if (active >= load)
			nl += FIXED_1 - 1;
		WRITE_ONCE(avenrun[i], nl / FIXED_1);
	}
}

void time_loadavg(u64 out[3])
{
	for (int i = 0; i < 3; i++)
		out[i] = READ_ONCE(avenrun[i]);
}

/* A kernel thread: timer callbacks cannot re-arm themselves. */
static void rtc_thread(void *arg)
{
	struct waitq q;

	(void)arg;
	waitq_init(&q);
	for (u64 n = 1;; n++) {
		u64 deadline = clock_monotonic_ns() + RTC_CHECK_NS;
		waitq_wait_event(&q, false, deadline);
		rtc_check();
		if (n % 5 == 0)
			calc_load();
	}
}

void time_start_rtc_check(void)
{
	if (!kthread_create(rtc_thread, NULL, "rtc"))
		pr_warn("time: no thread to keep the wall clock on the RTC");
}

void time_delay_us(u64 us)
{
	u64 end = time_boot_ns() + us * 1000;

	while (time_boot_ns() < end)
		cpu_relax();
}

u64 tsc_hz(void)
{
	return tsc_freq;
}
