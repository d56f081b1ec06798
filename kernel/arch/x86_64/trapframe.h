/* SPDX-License-Identifier: MIT */
/*
 * The register frame pushed on the kernel stack on every entry from user
 * mode (interrupt, exception or syscall). Layout is shared with entry.S.
 */
#ifndef ARCH_TRAPFRAME_H
#define ARCH_TRAPFRAME_H

#include <kernel/types.h>

struct trapframe {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct trapframe) == 22 * 8, "trapframe layout");

#define VEC_SYSCALL 0x100 /* vector value marking a syscall frame */

static inline bool tf_from_user(const struct trapframe *tf)
{
	return (tf->cs & 3) == 3;
}

#endif
