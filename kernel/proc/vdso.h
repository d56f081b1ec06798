/* SPDX-License-Identifier: MIT */
/* The vDSO (proc/vdso.c). */
#ifndef PROC_VDSO_H
#define PROC_VDSO_H

#include <kernel/types.h>

struct mm;
struct file;

extern bool vdso_disabled; /* the "novdso" boot option */

/* Fill the [vvar] page from the clock; after time_init. */
void vdso_init(void);
/* A new CLOCK_REALTIME at monotonic 0 for the vDSO (under its seq). */
void vdso_set_realtime(u64 realtime_ns);
/* Map [vvar] and [vdso] into mm; *base is the vDSO's ELF header. */
int vdso_map(struct mm *mm, u64 *base);
/* "[vdso]" or "[vvar]" for their mappings' files, else NULL. */
const char *vdso_vma_name(const struct file *f);

#endif
