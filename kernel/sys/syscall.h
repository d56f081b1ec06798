/* SPDX-License-Identifier: MIT */
/* Syscall dispatch, tracing, and the sys_* handler prototypes. */
#ifndef SYS_SYSCALL_H
#define SYS_SYSCALL_H

#include <kernel/types.h>
#include "arch/x86_64/trapframe.h"

#define SYSCALL(nr, name, nargs, status, note)                                 \
	long sys_##name(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);
#include "syscall_list.h"
#undef SYSCALL

extern bool syscall_trace;
void syscall_dispatch(struct trapframe *tf);
/* The Linux name of syscall nr, or "unknown". */
const char *syscall_linux_name(u64 nr);

#endif
