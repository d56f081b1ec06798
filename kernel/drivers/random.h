/* SPDX-License-Identifier: MIT */
/* Kernel randomness: RDSEED/RDRAND when the CPU has them, else TSC-mixed. */
#ifndef DRIVERS_RANDOM_H
#define DRIVERS_RANDOM_H

#include <kernel/types.h>

void random_bytes(void *buf, size_t n);

#endif
