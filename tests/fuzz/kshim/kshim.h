/* SPDX-License-Identifier: MIT */
/* The host stand-in for kernel services (kshim.c), for fuzz targets that
 * link kernel code. */
#ifndef FUZZ_KSHIM_H
#define FUZZ_KSHIM_H

/* Free every block kmalloc handed out since the last reset. */
void kshim_reset(void);

#endif
