// SPDX-License-Identifier: MIT
/*
 * Process and thread lifetimes: allocation, the first process, thread exit
 * (CLONE_CHILD_CLEARTID wake), exit_group, fatal signals, and the checks
 * made on every return to user mode.
 */
#include <kernel/power.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include "proc.h"
#include "exec.h"
#include "signal.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "mm/vmm.h"
#include "sched/futex.h"
#include "sched/sched.h"
#include "sched/time.h"

struct process *init_process;
static int next_tid = 1;

extern char thread_start_user[];

int tid_alloc(void)
{
	return __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
}

int tid_last(void)
{
	return __atomic_load_n(&next_tid, __ATOMIC_RELAXED) - 1;
}

/* A thread of p with a kernel stack, a zeroed trapframe and FPU state. */
struct thread *thread_alloc(struct process *p)
{
	struct thread *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	t->kstack_top = kstack_alloc();
	t->fpu_alloc = kzalloc(cpu_features.xsave_size + 64);
	if (!t->kstack_top || !t->fpu_alloc) {
		if (t->kstack_top)
			kstack_free(t->kstack_top);
		kfree(t->fpu_alloc);
		kfree(t);
		return NULL;
	}
	t->fpu = (void *)ALIGN_UP((u64)t->fpu_alloc, 64);
	fpu_init_state(t->fpu);
	t->tf = (struct trapframe *)(t->kstack_top - sizeof(struct trapframe));
	memset(t->tf, 0, sizeof(*t->tf));
	t->tf->cs = USER_CS;
	t->tf->ss = USER_DS;
	t->tf->rflags = RFLAGS_IF | 0x2;
	u64 *sp = (u64 *)t->tf;
	*--sp = (u64)thread_start_user; /* switch_context's ret */
	*--sp = 0x2;			/* rflags: IF off until iretq */
	for (int i = 0; i < 6; i++)
		*--sp = 0; /* rbp rbx r12 r13 r14 r15 */
	t->saved_rsp = (u64)sp;
	t->cpus_allowed = ~0ULL; /* every CPU, as Linux's init */
	t->proc = p;
	if (p)
		process_get(p); /* dropped by thread_free, off the CPU */
	t->state = T_NEW;
	list_init(&t->run_node);
	list_init(&t->proc_node);
	list_init(&t->sigq.rt);
	timer_init(&t->sleep_timer, NULL, t);
	return t;
}

void thread_copy_user_state(struct thread *t, const struct clone_args *ca)
{
	*t->tf = *current->tf;
	t->tf->rax = 0; /* clone/fork return 0 in the child */
	if (ca->stack)
		t->tf->rsp = ca->stack + ca->stack_size;
	fpu_save_current();
	memcpy(t->fpu, current->fpu, cpu_features.xsave_size);
	t->fs_base = (ca->flags & CLONE_SETTLS) ? ca->tls : current->fs_base;
	t->gs_base = current->gs_base;
	t->sigmask = current->sigmask;
	t->cpus_allowed = READ_ONCE(current->cpus_allowed);
	memcpy(t->name, current->name, sizeof(t->name));
}

#ifdef KILN_DEBUG_LOCKS
void proc_kfree_poisoned(void *obj, u64 size)
{
	memset(obj, 0x6b, size);
	kfree(obj);
}
#else
void proc_kfree_poisoned(void *obj, u64 size)
{
	(void)size;
	kfree(obj);
}
#endif

void thread_free(struct thread *t)
{
	signal_queue_free(&t->sigq, t->proc);
	if (t->proc)
		process_put(t->proc);
	kstack_free(t->kstack_top);
	kfree(t->fpu_alloc);
	proc_kfree_poisoned(t, sizeof(*t));
}

struct process *process_alloc(void)
{
	struct process *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	spin_init(&p->lock);
	list_init(&p->threads);
	list_init(&p->children);
	list_init(&p->sibling);
	waitq_init(&p->child_wait);
	waitq_init(&p->exit_wait);
	list_init(&p->sigq.rt);
	p->start_ns = clock_monotonic_ns();
	p->umask = 022;
	spin_init(&p->cred_lock);
	cred_init_root(&p->cred);
	rlimit_init(p);
	p->refcount = 1; /* the table's: dropped when reaped */
	strlcpy(p->cwd, "/", sizeof(p->cwd));
	return p;
}

u64 proc_cpu_ns(struct process *p)
{
	struct thread *t;
	u64 f = spin_lock_irqsave(&p->lock);
	u64 ns = p->exited_cpu_ns;

	/* threads running on other CPUs count their current slice too (a
	 * thread that just woke its joiner may still be running its exit) */
	list_for_each_entry(t, &p->threads, proc_node) ns +=
		sched_thread_cpu_ns(t);
	spin_unlock_irqrestore(&p->lock, f);
	return ns;
}

u64 proc_user_ns(struct process *p)
{
	struct thread *t;
	u64 f = spin_lock_irqsave(&p->lock);
	u64 ns = p->exited_user_ns;

	/* a thread in user mode on another CPU has its stretch so far in
	 * user_since, not yet in user_ns: it counts from its next entry */
	list_for_each_entry(t, &p->threads, proc_node) ns +=
		READ_ONCE(t->user_ns);
	spin_unlock_irqrestore(&p->lock, f);
	return ns;
}

/* t (current) changes user_ns/user_since: readers on other CPUs retry. */
static void user_seq_begin(struct thread *t)
{
	WRITE_ONCE(t->user_seq, t->user_seq + 1);
	barrier(); /* x86 keeps stores in order; the compiler must too */
}

static void user_seq_end(struct thread *t)
{
	barrier();
	WRITE_ONCE(t->user_seq, t->user_seq + 1);
}

u64 proc_thread_user_ns(struct thread *t)
{
	for (;;) {
		u32 seq = READ_ONCE(t->user_seq);
		if (seq & 1) {
			cpu_relax();
			continue;
		}
		barrier();
		u64 since = READ_ONCE(t->user_since);
		u64 ns = READ_ONCE(t->user_ns);
		u64 now = time_boot_ns();
		barrier();
		if (READ_ONCE(t->user_seq) == seq)
			return ns + (since && now > since ? now - since : 0);
	}
}

void proc_enter_kernel(struct thread *t)
{
	u64 now = time_boot_ns();
	u64 since = t->user_since;

	if (!since)
		return;
	user_seq_begin(t);
	t->user_since = 0;
	t->user_ns += now - since;
	user_seq_end(t);
	if (READ_ONCE(t->proc->cpu_itimers))
		ptimer_cpu_charge(t->proc, t);
}

/* Readers of another process's mm (/proc/PID) take it under p->lock,
 * where exec and exit replace it. */
struct mm *proc_mm_get(struct process *p)
{
	u64 f = spin_lock_irqsave(&p->lock);
	struct mm *mm = p->mm;

	if (mm)
		__atomic_add_fetch(&mm->refcount, 1, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&p->lock, f);
	return mm;
}

void process_get(struct process *p)
{
	__atomic_add_fetch(&p->refcount, 1, __ATOMIC_RELAXED);
}

void process_put(struct process *p)
{
	if (__atomic_sub_fetch(&p->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	signal_queue_free(&p->sigq, NULL);
	cred_free(p);
	kfree(p);
}

/* Attach t to p's thread list. */
void proc_add_thread(struct process *p, struct thread *t)
{
	u64 f = spin_lock_irqsave(&p->lock);
	list_add_tail(&t->proc_node, &p->threads);
	p->nthreads++;
	spin_unlock_irqrestore(&p->lock, f);
}

/*
 * A process running path from the image, with the console on fds 0-2 and
 * the given parent (NULL for PID 1); its one thread is returned in *out,
 * not yet runnable.
 */
static int proc_spawn_kernel(struct process *parent, const char *path,
			     char *const argv[], int argc, char *const envp[],
			     int envc, struct thread **out)
{
	struct process *p = process_alloc();
	if (!p)
		return -ENOMEM;
	p->files = fdtable_create();
	if (!p->files)
		return -ENOMEM;
	int ret = fd_install_console(p->files);
	if (ret)
		return ret;
	struct thread *t = thread_alloc(p);
	if (!t)
		return -ENOMEM;
	t->tid = tid_alloc();
	p->pid = t->tid;
	p->pgid = p->sid = p->pid;
	waitq_init(&p->vfork_wait);
	proc_add_thread(p, t);
	ret = exec_kernel(p, t, path, argv, argc, envp, envc);
	if (ret)
		return ret;
	/* start where a shell would have been: $PWD, when it is a directory */
	for (int i = 0; i < envc; i++) {
		struct vnode *vn;
		if (strncmp(envp[i], "PWD=", 4) || envp[i][4] != '/')
			continue;
		if (!vfs_lookup("/", envp[i] + 4, 0, &vn) && S_ISDIR(vn->mode))
			strlcpy(p->cwd, envp[i] + 4, sizeof(p->cwd));
	}
	if (parent) {
		u64 f = spin_lock_irqsave(&proc_table_lock);
		p->parent = parent;
		list_add_tail(&p->sibling, &parent->children);
		spin_unlock_irqrestore(&proc_table_lock, f);
	}
	proc_table_add(p);
	*out = t;
	return 0;
}

int proc_create_init(const char *path, char *const argv[], int argc,
		     char *const envp[], int envc, struct thread **out)
{
	int ret = proc_spawn_kernel(NULL, path, argv, argc, envp, envc, out);

	if (!ret)
		init_process = (*out)->proc;
	return ret;
}

int proc_start_init(const char *path, char *const argv[], int argc,
		    char *const envp[], int envc)
{
	struct thread *t;
	int ret = proc_create_init(path, argv, argc, envp, envc, &t);

	if (!ret)
		sched_add(t);
	return ret;
}

int proc_start_service(const char *path, char *const argv[], int argc,
		       char *const envp[], int envc, struct process **out)
{
	struct thread *t;
	int ret;

	if (!init_process)
		return -ESRCH;
	ret = proc_spawn_kernel(init_process, path, argv, argc, envp, envc, &t);
	if (ret)
		return ret;
	/* like a daemon reparented to init, but PID 1 gets no SIGCHLD */
	t->proc->exit_signal = 0;
	*out = t->proc;
	sched_add(t);
	return 0;
}

static int wait_status_to_exit_code(int ws)
{
	if ((ws & 0x7f) == 0)
		return (ws >> 8) & 0xff;
	return 128 + (ws & 0x7f);
}

/* The last thread of p is leaving (it is current). */
static void process_last_thread_exit(struct process *p)
{
	if (p == init_process) {
		int code = wait_status_to_exit_code(p->exit_status);
		pr_debug("proc: init exited, status %d", code);
		power_off(code);
	}
	struct mm *mm = p->mm;
	sched_drop_mm(); /* off this address space before freeing it */
	u64 f = spin_lock_irqsave(&p->lock); /* proc_mm_get may look */
	p->mm = NULL;
	spin_unlock_irqrestore(&p->lock, f);
	mm_put(mm);
	proc_exit_notify(p);
}

__noreturn void thread_exit(int status)
{
	struct thread *t = current;
	struct process *p = t->proc;

	(void)status;
	if (t->robust_list)
		futex_exit_robust(p->mm, t->robust_list, t->tid);
	if (t->clear_child_tid) {
		u32 zero = 0;
		if (!copy_to_user(t->clear_child_tid, &zero, 4))
			futex_wake_addr(p->mm, t->clear_child_tid, 1);
	}
	u64 f = spin_lock_irqsave(&p->lock);
	list_del(&t->proc_node);
	p->exited_cpu_ns += t->cpu_ns + (time_boot_ns() - t->run_start_ns);
	p->exited_user_ns += t->user_ns;
	bool last = --p->nthreads == 0;
	spin_unlock_irqrestore(&p->lock, f);
	if (last)
		process_last_thread_exit(p);
	sched_exit_current();
}

__noreturn void process_exit(int wait_status)
{
	struct thread *t = current, *o;
	struct process *p = t->proc;
	u64 f = spin_lock_irqsave(&p->lock);

	if (!p->exiting) {
		p->exiting = true;
		p->exit_status = wait_status;
	}
	list_for_each_entry(o, &p->threads, proc_node)
	{
		if (o != t) {
			o->killed = true;
			sched_wake(o);
		}
	}
	spin_unlock_irqrestore(&p->lock, f);
	thread_exit(0);
}

__noreturn void process_fatal_signal(int sig)
{
	process_exit(sig & 0x7f);
}

void proc_return_to_user(struct trapframe *tf)
{
	struct thread *t = current;

	for (;;) {
		if (READ_ONCE(t->killed))
			thread_exit(0);
		if (sched_softirq_run())
			continue;
		if (this_cpu()->need_resched) {
			sched_preempt();
			continue;
		}
		signal_deliver(tf);
		break;
	}
	if (READ_ONCE(t->proc->cpu_itimers)) /* the system part of PROF */
		ptimer_cpu_charge(t->proc, t);
	user_seq_begin(t);
	t->user_since = time_boot_ns();
	user_seq_end(t);
}
