// SPDX-License-Identifier: MIT
/*
 * Kernel threads (see kthread.h). A kernel thread is a struct thread with
 * no process whose first switch lands in kthread_start (entry.S), which
 * calls fn(arg) with interrupts on.
 */
#include <kernel/string.h>
#include "kthread.h"
#include "sched.h"
#include "proc/proc.h"

extern char kthread_start[];

struct thread *kthread_create(void (*fn)(void *), void *arg, const char *name)
{
	struct thread *t = thread_alloc(NULL);

	if (!t)
		return NULL;
	/* switch_context pops r15 r14 r13 r12 rbx rbp rflags, then returns */
	u64 *sp = (u64 *)t->tf;
	*--sp = (u64)kthread_start;
	*--sp = 0x2;	  /* rflags: IF off until sched_tail is done */
	*--sp = 0;	  /* rbp */
	*--sp = 0;	  /* rbx */
	*--sp = (u64)fn;  /* r12 */
	*--sp = (u64)arg; /* r13 */
	*--sp = 0;	  /* r14 */
	*--sp = 0;	  /* r15 */
	t->saved_rsp = (u64)sp;
	t->tid = 0;
	strlcpy(t->name, name, sizeof(t->name));
	sched_add(t);
	return t;
}

__noreturn void kthread_exit(void)
{
	sched_exit_current();
}

bool is_kthread(const struct thread *t)
{
	return !t->proc;
}
