/* SPDX-License-Identifier: MIT */
/*
 * Time. The monotonic clock counts nanoseconds since boot from the TSC
 * (calibrated against the PIT, or taken from the hypervisor) and never goes
 * backwards, even across vCPUs. The realtime clock is the CMOS RTC read at
 * boot plus the monotonic clock.
 */
#ifndef SCHED_TIME_H
#define SCHED_TIME_H

#include <kernel/types.h>

#define NSEC_PER_SEC 1000000000UL

void time_init(void);
/* Nanoseconds since boot; 0 before time_init. */
u64 time_boot_ns(void);
/* What the vDSO computes the clocks from (proc/vdso.c). */
void time_vdso_params(u64 *tsc_boot, u64 *mult, u64 *realtime_ns);
/* Like time_boot_ns but never less than any value returned before. */
u64 clock_monotonic_ns(void);
u64 clock_realtime_ns(void);
/*
 * A user struct timespec timeout at uts as a monotonic deadline (0: no
 * uts): relative, or absolute on CLOCK_REALTIME (realtime) or
 * CLOCK_MONOTONIC; an absolute time already past is now. -EFAULT, or
 * -EINVAL for a negative or unnormalised one. A later change of the
 * realtime clock does not move it.
 */
int time_deadline_from_user(u64 uts, bool absolute, bool realtime,
			    u64 *deadline);
/*
 * Start the clock thread: CLOCK_REALTIME kept on the RTC, and the load
 * averages sampled every 5 s.
 */
void time_start_rtc_check(void);
/* The 1, 5 and 15 minute load averages, fixed point with 11 bits. */
void time_loadavg(u64 out[3]);
void time_delay_us(u64 us);
u64 tsc_hz(void);

#endif
