/* SPDX-License-Identifier: MIT */
/* Loading ELF programs into a fresh address space (execve, first process). */
#ifndef PROC_EXEC_H
#define PROC_EXEC_H

#include <kernel/types.h>
#include "proc/cred.h"

struct process;
struct thread;

/* A new program, loaded but not yet installed. */
struct exec_image {
	struct mm *mm;
	u64 entry, rsp;
	char exe[256]; /* the file run (for a script: its interpreter) */
	char comm[16];
	struct cred cred; /* the ids and capabilities it runs with */
};

/*
 * Load path (relative to cwd unless absolute; an ELF or a "#!" script)
 * into a new address space with argv/envp (kernel copies) on its stack.
 * Touches no process state, so a failure leaves the caller as it was.
 */
int exec_load(const char *cwd, const char *path, char *const argv[], int argc,
	      char *const envp[], int envc, struct exec_image *im);
/* Free a loaded image that will not be installed. */
void exec_image_drop(struct exec_image *im);
/* Install im as p's address space and name, t's registers (no return). */
void exec_commit(struct process *p, struct thread *t, struct exec_image *im);
/* Load and install path for p (the first process). */
int exec_kernel(struct process *p, struct thread *t, const char *path,
		char *const argv[], int argc, char *const envp[], int envc);

#endif
