/* SPDX-License-Identifier: MIT */
/*
 * Kernel randomness: a ChaCha20 generator whose key absorbs every entropy
 * source there is (RDSEED/RDRAND, virtio-rng, the TSC).
 */
#ifndef DRIVERS_RANDOM_H
#define DRIVERS_RANDOM_H

#include <kernel/types.h>

void random_bytes(void *buf, size_t n);
/* Mix len bytes from an entropy source into the key (any context). */
void random_add_entropy(const void *buf, size_t len);
/* A device that can be asked for more entropy (virtio-rng). */
void random_register_source(void (*request)(void));
/* Once, at boot after the drivers: seed from RDSEED; warn loudly if
 * nothing good feeds the pool. */
void random_check_sources(void);

#endif
