// SPDX-License-Identifier: MIT
/*
 * Process lifecycle beyond the first program: fork (copy-on-write address
 * space, cloned fd table), vfork (shared address space, parent waits),
 * execve (new image, close-on-exec fds, default handlers), wait4/waitid and
 * process-directed kill. The process table is a list under
 * proc_table_lock; a process stays in it until reaped.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "proc.h"
#include "exec.h"
#include "pidfd.h"
#include "signal.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "fs/file.h"
#include "ipc/ipc.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "sched/futex.h"
#include "sched/sched.h"

struct spinlock proc_table_lock = SPINLOCK_INIT;
static LIST_HEAD(all_procs); /* proc_table_lock */

/* Every thread of every process, without locks: for the NMI dump only
 * (sched/dump.c), which must work while a CPU holds those locks. */
void proc_for_each_thread_unlocked(void (*fn)(struct thread *, void *),
				   void *arg)
{
	struct process *p;
	struct thread *t;
	int np = 0;

	list_for_each_entry(p, &all_procs, all_node)
	{
		if (++np > 10000)
			break;
		kprintf(" process %d (%s)%s%s", p->pid, p->comm,
			p->zombie ? " zombie" : "",
			p->exiting ? " exiting" : "");
		int nt = 0;
		list_for_each_entry(t, &p->threads, proc_node)
		{
			if (++nt > 10000)
				break;
			fn(t, arg);
		}
	}
}

u32 proc_count_threads(void)
{
	struct process *p;
	u32 n = 0;
	u64 f = spin_lock_irqsave(&proc_table_lock);

	list_for_each_entry(p, &all_procs, all_node) n += p->nthreads;
	spin_unlock_irqrestore(&proc_table_lock, f);
	return n;
}

void proc_for_each(void (*fn)(struct process *p, void *arg), void *arg)
{
	struct process *p;
	u64 f = spin_lock_irqsave(&proc_table_lock);

	list_for_each_entry(p, &all_procs, all_node) fn(p, arg);
	spin_unlock_irqrestore(&proc_table_lock, f);
}

bool proc_has_thread(struct process *p, int tid)
{
	struct thread *t;
	bool found = false;
	u64 f = spin_lock_irqsave(&p->lock);

	list_for_each_entry(t, &p->threads, proc_node) found |= t->tid == tid;
	spin_unlock_irqrestore(&p->lock, f);
	return found;
}

void proc_table_add(struct process *p)
{
	u64 f = spin_lock_irqsave(&proc_table_lock);
	list_add_tail(&p->all_node, &all_procs);
	spin_unlock_irqrestore(&proc_table_lock, f);
}

/*
 * kill(2): pid > 0 one process, 0 the caller's process group, -1 every
 * process but init and the caller, < -1 the group -pid. A zombie can
 * still be signalled (to no effect), as on Linux. Without permission
 * (cred_may_signal) a process is not signalled: EPERM for one process; a
 * group succeeds if any member could be signalled; -1 ignores EPERM
 * (Linux's kill_something_info).
 */
int proc_kill(int pid, int sig)
{
	struct process *p, *self = current->proc;
	int found = 0, ret = 0, ok = 0;
	u64 f = spin_lock_irqsave(&proc_table_lock);
	int pgid = pid == 0 ? self->pgid : -pid;
	struct ksiginfo info = {.code = SI_USER,
				.pid = self->pid,
				.uid = READ_ONCE(self->cred.uid)};

	list_for_each_entry(p, &all_procs, all_node)
	{
		bool match = pid > 0	 ? p->pid == pid
			     : pid == -1 ? p != init_process && p != self
					 : p->pgid == pgid;
		if (!match)
			continue;
		found++;
		int r = cred_may_signal(p, sig) ? 0 : -EPERM;
		if (!r && !p->zombie)
			r = signal_send_process_info(p, sig, &info);
		ok += !r;
		if (pid == -1 ? r != -EPERM : !ret)
			ret = r;
	}
	spin_unlock_irqrestore(&proc_table_lock, f);
	if (!found)
		return -ESRCH;
	return pid < -1 || pid == 0 ? (ok ? 0 : ret) : ret;
}

int proc_signal_pgrp(int pgid, int sig)
{
	struct process *p;
	struct ksiginfo info = {.code = 0x80 /* SI_KERNEL */};
	int found = 0;
	u64 f = spin_lock_irqsave(&proc_table_lock);

	list_for_each_entry(p, &all_procs, all_node)
	{
		if (p->pgid != pgid || p->zombie)
			continue;
		found++;
		signal_send_process_info(p, sig, &info);
	}
	spin_unlock_irqrestore(&proc_table_lock, f);
	return found ? 0 : -ESRCH;
}

/* The live or zombie process with this pid (proc_table_lock held). */
static struct process *find_locked(int pid)
{
	struct process *p;

	list_for_each_entry(p, &all_procs, all_node)
	{
		if (p->pid == pid)
			return p;
	}
	return NULL;
}

struct process *proc_find_get(int pid)
{
	u64 f = spin_lock_irqsave(&proc_table_lock);
	struct process *p = find_locked(pid);

	if (p)
		process_get(p);
	spin_unlock_irqrestore(&proc_table_lock, f);
	return p;
}

bool proc_is_listed(struct process *p)
{
	u64 f = spin_lock_irqsave(&proc_table_lock);
	bool listed = find_locked(p->pid) == p;

	spin_unlock_irqrestore(&proc_table_lock, f);
	return listed;
}

int proc_pid_at(u64 *i)
{
	struct process *p;
	u64 n = 0;
	int pid = -1;
	u64 f = spin_lock_irqsave(&proc_table_lock);

	list_for_each_entry(p, &all_procs, all_node)
	{
		if (n++ == *i) {
			pid = p->pid;
			break;
		}
	}
	spin_unlock_irqrestore(&proc_table_lock, f);
	return pid;
}

int proc_getpgid(int pid, bool sid)
{
	struct process *self = current->proc;
	u64 f = spin_lock_irqsave(&proc_table_lock);
	struct process *p = pid ? find_locked(pid) : self;
	int ret = !p ? -ESRCH : sid ? p->sid : p->pgid;

	spin_unlock_irqrestore(&proc_table_lock, f);
	return ret;
}

/* Is there a process in group pgid of session sid (table lock held)? */
static bool group_exists_locked(int pgid, int sid)
{
	struct process *p;

	list_for_each_entry(p, &all_procs, all_node)
	{
		if (p->pgid == pgid && p->sid == sid)
			return true;
	}
	return false;
}

/* setpgid(2), with Linux's checks and errors. */
int proc_setpgid(int pid, int pgid)
{
	struct process *self = current->proc, *p;
	int ret = 0;

	if (pgid < 0)
		return -EINVAL;
	u64 f = spin_lock_irqsave(&proc_table_lock);
	p = pid ? find_locked(pid) : self;
	if (!p || (p != self && p->parent != self)) {
		ret = -ESRCH;
		goto out;
	}
	pgid = pgid ? pgid : p->pid;
	if (p != self && p->did_exec)
		ret = -EACCES;
	else if (p->sid == p->pid || p->sid != self->sid)
		ret = -EPERM; /* a session leader, or in another session */
	else if (pgid != p->pid && !group_exists_locked(pgid, self->sid))
		ret = -EPERM;
	else
		p->pgid = pgid;
out:
	spin_unlock_irqrestore(&proc_table_lock, f);
	return ret;
}

int proc_setsid(void)
{
	struct process *p, *self = current->proc;
	int ret;
	u64 f = spin_lock_irqsave(&proc_table_lock);

	ret = self->pid;
	list_for_each_entry(p, &all_procs, all_node)
	{
		if (p->pgid == self->pid)
			ret = -EPERM; /* a group with our id exists */
	}
	if (ret > 0)
		self->sid = self->pgid = self->pid;
	spin_unlock_irqrestore(&proc_table_lock, f);
	return ret;
}

/*
 * Wait until the vfork child execs or exits. Signals do not end the wait
 * (the child runs on our stack); only a fatal one does, as on Linux
 * (a killable wait): the signal is then delivered on the way out.
 */
static void vfork_wait(struct process *child)
{
	struct thread *t = current;
	struct waitq *q = &child->vfork_wait;
	struct waiter w;

	waiter_init(&w, t);
	for (;;) {
		u64 f = spin_lock_irqsave(&q->lock);
		if (child->vfork_done || signal_fatal_pending(t)) {
			spin_unlock_irqrestore(&q->lock, f);
			return;
		}
		w.woken = false;
		list_add_tail(&w.node, &q->waiters);
		spin_unlock_irqrestore(&q->lock, f);
		sched_block();
		f = spin_lock_irqsave(&q->lock);
		if (!w.woken)
			list_del(&w.node);
		spin_unlock_irqrestore(&q->lock, f);
	}
}

/* CLONE_PIDFD: a close-on-exec pidfd for child, its number at uptr. */
static int clone_pidfd(struct process *child, u64 uptr)
{
	struct fdtable *files = current->proc->files;
	struct file *pf;
	int ret = pidfd_create(child, 0, &pf);

	if (ret)
		return ret;
	int fd = fd_install(files, pf, 0, true);
	if (fd < 0) {
		file_put(pf);
		return fd;
	}
	if (put_user((u32)fd, uptr)) {
		fd_close(files, fd); /* as Linux: no fd when the copy faults */
		return -EFAULT;
	}
	return 0;
}

long proc_fork(const struct clone_args *ca)
{
	struct process *parent = current->proc, *child;
	struct thread *t;
	u64 flags = ca->flags;
	long ret = -ENOMEM;

	/* sharing handlers, files or the cwd between processes: Kiln
	 * cannot honour them, so it refuses them */
	if (flags & (CLONE_SIGHAND | CLONE_PARENT | CLONE_FILES | CLONE_FS))
		return -EINVAL;
	if ((ret = rlimit_nproc_check()))
		return ret;
	child = process_alloc();
	if (!child)
		return -ENOMEM;
	waitq_init(&child->vfork_wait);
	if (flags & CLONE_VM) {
		child->mm = parent->mm;
		__atomic_add_fetch(&child->mm->refcount, 1, __ATOMIC_RELAXED);
	} else {
		child->mm = mm_fork(parent->mm);
	}
	child->files = fdtable_clone(parent->files);
	t = thread_alloc(child);
	if (!child->mm || !child->files || !t)
		goto fail;
	t->tid = child->pid = tid_alloc();
	child->parent = parent;
	child->pgid = parent->pgid;
	child->sid = parent->sid;
	child->umask = parent->umask;
	child->personality = parent->personality;
	child->ioprio = parent->ioprio;
	cred_fork(child, parent);
	rlimit_fork(child, parent);
	child->exit_signal = ca->exit_signal & 0xff;
	memcpy(child->cwd, parent->cwd, sizeof(child->cwd));
	memcpy(child->comm, parent->comm, sizeof(child->comm));
	memcpy(child->exe, parent->exe, sizeof(child->exe));
	u64 f = spin_lock_irqsave(&parent->lock);
	memcpy(child->sigactions, parent->sigactions,
	       sizeof(child->sigactions));
	spin_unlock_irqrestore(&parent->lock, f);
	for (int i = 0; (flags & CLONE_CLEAR_SIGHAND) && i < NSIG; i++)
		if (child->sigactions[i].handler != SIG_IGN)
			child->sigactions[i].handler = SIG_DFL;

	thread_copy_user_state(t, ca);
	t->altstack_sp = current->altstack_sp; /* fork keeps it, threads not */
	t->altstack_size = current->altstack_size;
	if (flags & CLONE_CHILD_SETTID)
		t->set_child_tid = ca->child_tid;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = ca->child_tid;
	int pid = child->pid;
	if ((flags & CLONE_PARENT_SETTID) &&
	    put_user((u32)pid, ca->parent_tid)) {
		ret = -EFAULT;
		goto fail;
	}
	if ((flags & CLONE_PIDFD) && (ret = clone_pidfd(child, ca->pidfd)))
		goto fail;
	proc_add_thread(child, t);
	f = spin_lock_irqsave(&proc_table_lock);
	list_add_tail(&child->sibling, &parent->children);
	list_add_tail(&child->all_node, &all_procs);
	spin_unlock_irqrestore(&proc_table_lock, f);
	if (flags & CLONE_VFORK)
		process_get(child); /* it may exit and be reaped meanwhile */
	sched_add(t);
	if (flags & CLONE_VFORK) {
		vfork_wait(child);
		process_put(child);
	}
	return pid;
fail:
	if (t)
		thread_free(t);
	if (child->files)
		fdtable_put(child->files);
	if (child->mm)
		mm_put(child->mm);
	cred_free(child);
	kfree(child);
	return ret;
}

/* Release a vfork parent waiting on p (at exec or exit). */
static void vfork_release(struct process *p)
{
	u64 f = spin_lock_irqsave(&p->vfork_wait.lock);
	p->vfork_done = true;
	spin_unlock_irqrestore(&p->vfork_wait.lock, f);
	waitq_wake(&p->vfork_wait, 0, -1);
}

/*
 * Kill the other threads of the process and wait until they are gone
 * (execve's point of no return). Fails if we are killed meanwhile.
 */
static int de_thread(struct thread *self)
{
	struct process *p = self->proc;
	struct thread *t;
	u64 f = spin_lock_irqsave(&p->lock);

	list_for_each_entry(t, &p->threads, proc_node)
	{
		if (t != self) {
			t->killed = true;
			sched_wake(t);
		}
	}
	spin_unlock_irqrestore(&p->lock, f);
	while (READ_ONCE(p->nthreads) > 1) {
		if (READ_ONCE(self->killed))
			return -EINTR;
		schedule();
	}
	/* the survivor takes the leader's thread id, as on Linux */
	self->tid = p->pid;
	return 0;
}

long proc_execve(const char *path, char *const argv[], int argc,
		 char *const envp[], int envc)
{
	struct thread *t = current;
	struct process *p = t->proc;
	struct mm *old = p->mm;
	struct exec_image im;
	char cwd[sizeof(p->cwd)];

	strlcpy(cwd, p->cwd, sizeof(cwd));
	int ret = exec_load(cwd, path, argv, argc, envp, envc, &im);
	if (ret)
		return ret;
	if (READ_ONCE(p->nthreads) > 1 && (ret = de_thread(t))) {
		exec_image_drop(&im);
		return ret;
	}
	if (t->robust_list) /* as at exit: Linux's futex_exec_release */
		futex_exit_robust(old, t->robust_list, t->tid);
	exec_commit(p, t, &im);
	WRITE_ONCE(p->did_exec, true); /* setpgid by the parent: EACCES */
	sched_reload_mm();
	/*
	 * A thread de_thread saw leave may still be on its way off another
	 * CPU with the old page tables loaded (it counts itself out before
	 * it switches away): free them only once no CPU has them.
	 */
	while (__atomic_load_n(&old->cpumask, __ATOMIC_ACQUIRE)) {
		tlb_drop_lazy(old); /* idle CPUs that borrow it */
		schedule();
	}
	mm_put(old);
	fdtable_close_on_exec(p->files);
	ptimers_exec(p);
	u64 f = spin_lock_irqsave(&p->lock);
	for (int i = 0; i < NSIG; i++) {
		if (p->sigactions[i].handler != SIG_IGN)
			p->sigactions[i].handler = SIG_DFL;
		p->sigactions[i].flags = 0;
		p->sigactions[i].mask = 0;
	}
	spin_unlock_irqrestore(&p->lock, f);
	t->altstack_sp = t->altstack_size = 0;
	t->clear_child_tid = 0;
	t->robust_list = 0;
	fpu_reset_current();
	f = irq_save();
	wrmsr(MSR_FS_BASE, 0);
	irq_restore(f);
	vfork_release(p);
	return 0;
}

static bool wait_matches(struct process *parent, struct process *c, int pid)
{
	if (pid > 0)
		return c->pid == pid;
	if (pid == 0)
		return c->pgid == parent->pgid;
	if (pid < -1)
		return c->pgid == -pid;
	return true;
}

/* Any matching child? Sets *zombie to one that has exited. */
static bool scan_children(struct process *parent, int pid,
			  struct process **zombie)
{
	struct process *c;
	bool any = false;

	*zombie = NULL;
	list_for_each_entry(c, &parent->children, sibling)
	{
		if (!wait_matches(parent, c, pid))
			continue;
		any = true;
		if (c->zombie) {
			*zombie = c;
			return true;
		}
	}
	return any;
}

long proc_wait(int pid, int *status, int options, int *out_pid,
	       struct process **reaped)
{
	struct process *parent = current->proc, *z;

	for (;;) {
		u64 f = spin_lock_irqsave(&proc_table_lock);
		bool any = scan_children(parent, pid, &z);
		if (z) {
			*status = z->exit_status;
			*out_pid = z->pid;
			if (!(options & WAIT_NOREAP)) {
				list_del(&z->sibling);
				list_del(&z->all_node);
				/* its threads are gone: the total is final */
				parent->children_cpu_ns +=
					z->exited_cpu_ns + z->children_cpu_ns;
				parent->children_user_ns +=
					z->exited_user_ns + z->children_user_ns;
			}
			spin_unlock_irqrestore(&proc_table_lock, f);
			*reaped = z;
			if (!(options & WAIT_NOREAP))
				process_put(z); /* the table's reference */
			return *out_pid;
		}
		spin_unlock_irqrestore(&proc_table_lock, f);
		if (!any)
			return -ECHILD;
		if (options & WAIT_NOHANG)
			return 0;
		int ret = waitq_wait_event(&parent->child_wait, ({
			struct process *zz;
			u64 g = irq_save();
			spin_lock(&proc_table_lock);
			scan_children(parent, pid, &zz);
			spin_unlock(&proc_table_lock);
			irq_restore(g);
			zz != NULL;
		}),
					   0);
		if (ret)
			return ret;
	}
}

/*
 * The last thread of a non-init process left: release its resources,
 * make it a zombie for its parent (or free it when nobody will wait),
 * hand its children to init, and notify the parent.
 */
void proc_exit_notify(struct process *p)
{
	struct process *c, *n, *parent;
	bool autoreap;

	ptimers_exit(p);
	sem_exit(p);
	if (p->files) {
		struct fdtable *t = p->files;
		u64 g = spin_lock_irqsave(&p->lock); /* pidfd_get_file looks */
		p->files = NULL;
		spin_unlock_irqrestore(&p->lock, g);
		fdtable_put(t);
	}
	vfork_release(p);
	u64 f = spin_lock_irqsave(&proc_table_lock);
	list_for_each_entry_safe(c, n, &p->children, sibling)
	{
		list_del(&c->sibling);
		if (c->zombie) {
			/* orphaned zombies are reaped at once: Kiln's init
			 * (the BEAM) only waits for its own children */
			list_del(&c->all_node);
			process_put(c);
		} else {
			c->parent = init_process;
			list_add_tail(&c->sibling, &init_process->children);
			if (c->pdeath_signal) {
				struct ksiginfo pd = {.code = SI_USER,
						      .pid = p->pid};
				signal_send_process_info(c, c->pdeath_signal,
							 &pd);
			}
		}
	}
	struct ksiginfo info = {.pid = p->pid};
	int ws = p->exit_status;
	if ((ws & 0x7f) == 0) {
		info.code = CLD_EXITED;
		info.status = (ws >> 8) & 0xff;
	} else {
		info.code = (ws & 0x80) ? CLD_DUMPED : CLD_KILLED;
		info.status = ws & 0x7f;
	}
	/* the parent may exit and be reaped as soon as the lock drops */
	parent = p->parent;
	int exit_signal = p->exit_signal;
	if (parent)
		process_get(parent);
	u64 h = parent ? parent->sigactions[SIGCHLD - 1].handler : SIG_IGN;
	autoreap = !parent || h == SIG_IGN ||
		   (parent->sigactions[SIGCHLD - 1].flags & SA_NOCLDWAIT);
	if (autoreap) {
		list_del(&p->sibling);
		list_del(&p->all_node);
	} else {
		p->zombie = true;
	}
	spin_unlock_irqrestore(&proc_table_lock, f);
	if (parent) {
		if (exit_signal)
			signal_send_process_info(parent, exit_signal, &info);
		waitq_wake(&parent->child_wait, 0, -1);
		process_put(parent);
	}
	pidfd_exited(p);
	/* nobody will wait: drop the table's reference; our thread's keeps
	 * p alive until the thread is off the CPU */
	if (autoreap)
		process_put(p);
}

int proc_getppid(struct process *p)
{
	u64 f = spin_lock_irqsave(&proc_table_lock);
	int ppid = p->parent ? p->parent->pid : 0;
	spin_unlock_irqrestore(&proc_table_lock, f);
	return ppid;
}
