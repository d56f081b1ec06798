/* SPDX-License-Identifier: MIT */
/*
 * The page the kernel shares read-only with every process, just below the
 * vDSO ([vvar]): what the vDSO needs to read the clocks without a syscall.
 * Written by the kernel under the seq count (odd while it changes).
 * Plain C types: included by the kernel and by the vDSO (built as user
 * code).
 */
#ifndef VDSO_DATA_H
#define VDSO_DATA_H

struct vdso_data {
	unsigned int seq;
	unsigned int enabled;		/* 0: take the syscall instead */
	unsigned long long tsc_at_boot; /* TSC at CLOCK_MONOTONIC 0 */
	unsigned long long ns_mult;	/* ns = (tsc delta * ns_mult) >> 32 */
	unsigned long long realtime_ns; /* CLOCK_REALTIME at monotonic 0 */
};

#endif
