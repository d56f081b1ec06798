/* SPDX-License-Identifier: MIT */
/* Loading ELF programs into a fresh address space (execve, first process). */
#ifndef PROC_EXEC_H
#define PROC_EXEC_H

#include <kernel/types.h>

struct process;
struct thread;

/* Load path into a new mm for p, set t's registers; argv/envp in kernel. */
int exec_kernel(struct process *p, struct thread *t, const char *path,
		char *const argv[], int argc, char *const envp[], int envc);

#endif
