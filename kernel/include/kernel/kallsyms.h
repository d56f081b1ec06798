/* SPDX-License-Identifier: MIT */
/* Kernel symbol lookup for backtraces (table generated at link time). */
#ifndef KERNEL_KALLSYMS_H
#define KERNEL_KALLSYMS_H

#include <kernel/types.h>

#define KERNEL_TEXT_MIN 0xffffffff80000000UL

/* Format addr as "name+0xoff" (or the bare address) into buf. */
void kallsyms_format(u64 addr, char *buf, size_t size);
void backtrace_from(u64 rip, u64 rbp);

#endif
