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
#include "arch/x86_64/percpu.h"

extern char kthread_start[];

/* The kernel threads, for the dump; kthread_exit takes them out. */
#define KTHREADS_MAX 32
static struct thread *kthreads[KTHREADS_MAX];
static u32 nkthreads;

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
	u32 slot = __atomic_fetch_add(&nkthreads, 1, __ATOMIC_RELAXED);
	if (slot < KTHREADS_MAX)
		__atomic_store_n(&kthreads[slot], t, __ATOMIC_RELEASE);
	sched_add(t);
	return t;
}

__noreturn void kthread_exit(void)
{
	u32 n = MIN(__atomic_load_n(&nkthreads, __ATOMIC_RELAXED),
		    (u32)KTHREADS_MAX);

	for (u32 i = 0; i < n; i++)
		if (__atomic_load_n(&kthreads[i], __ATOMIC_RELAXED) == current)
			__atomic_store_n(&kthreads[i], NULL, __ATOMIC_RELEASE);
	sched_exit_current();
}

bool is_kthread(const struct thread *t)
{
	return !t->proc;
}

void kthread_for_each(void (*fn)(struct thread *, void *), void *arg)
{
	u32 n = MIN(__atomic_load_n(&nkthreads, __ATOMIC_RELAXED),
		    (u32)KTHREADS_MAX);

	for (u32 i = 0; i < n; i++) {
		struct thread *t =
			__atomic_load_n(&kthreads[i], __ATOMIC_ACQUIRE);
		if (t)
			fn(t, arg);
	}
}
