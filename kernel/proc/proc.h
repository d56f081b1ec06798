/* SPDX-License-Identifier: MIT */
/*
 * Processes and threads. A process is an address space, an fd table and
 * signal dispositions; threads (clone with CLONE_THREAD) share them. Each
 * thread has a kernel stack with its trapframe at the top and an XSAVE
 * area for its FPU/SSE/AVX state.
 *
 * Locking: proc->lock guards the thread list, signal state and exit state.
 * Thread scheduling fields are guarded by the scheduler lock (sched.c).
 */
#ifndef PROC_PROC_H
#define PROC_PROC_H

#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <kernel/types.h>
#include "arch/x86_64/trapframe.h"
#include "proc/cred.h"
#include "proc/resource.h"
#include "sched/timer.h"
#include "sched/waitq.h"
#include <uapi/sched.h>
#include <uapi/signal.h>

struct mm;
struct fdtable;

enum thread_state {
	T_NEW,
	T_RUNNABLE,
	T_RUNNING,
	T_SLEEPING,
	T_DEAD,
};

#define NSIG 64

struct k_sigaction {
	u64 handler;
	u64 flags;
	u64 restorer;
	u64 mask;
};

/* Who sent a pending signal and why (the siginfo the handler gets). */
struct ksiginfo {
	s32 code;   /* SI_USER, SI_TKILL, SI_KERNEL, SI_TIMER, CLD_* */
	s32 pid;    /* sender (SIGCHLD: the child; SI_TIMER: the timer id) */
	u32 uid;    /* SI_TIMER: the overrun, filled in when dequeued */
	s32 status; /* SIGCHLD: exit code or signal */
	u64 value;  /* SI_TIMER: sigev_value */
};

/*
 * Pending signals besides the summary bitmask: the info of each pending
 * standard signal (a second one coalesces into the first, as on Linux)
 * and a queue of real-time ones (every instance is kept). Guarded by the
 * owning process's lock.
 */
struct sigqueue {
	struct ksiginfo std[32]; /* indexed by signal number, 1..31 */
	struct list_head rt;	 /* struct sigqueue_entry, oldest first */
};

struct thread {
	u64 saved_rsp; /* switch_context; sched lock */
	u64 kstack_top;
	struct trapframe *tf; /* user registers, top of kernel stack */
	struct process *proc;
	int tid;
	enum thread_state state;    /* sched lock */
	bool wakeup_pending;	    /* sched lock: woken before it blocked */
	bool woken_queued;	    /* sched lock: queued by a wakeup */
	bool killed;		    /* exit_group or fatal signal: leave now */
	struct list_head run_node;  /* run queue; sched lock */
	struct list_head proc_node; /* proc->threads; proc->lock */
	void *fpu;		    /* XSAVE area, 64-byte aligned */
	void *fpu_alloc;
	u64 fs_base, gs_base;
	u64 clear_child_tid;
	u64 robust_list, robust_len;
	u64 sigmask;	      /* blocked signals */
	u64 sigpending;	      /* thread-directed pending signals */
	struct sigqueue sigq; /* their info; proc->lock */
	u64 saved_sigmask;    /* ppoll/pselect: restored after delivery */
	u64 sigwait_set;      /* sigtimedwait: blocked signals that wake */
	bool restore_sigmask;
	u64 syscall_nr; /* of the syscall in progress */
	int fault_sig;	/* synchronous fault to deliver, or 0 */
	int fault_code;
	u64 fault_addr;
	u64 altstack_sp, altstack_size;
	u32 altstack_flags;
	struct ktimer sleep_timer; /* timeouts of blocking calls */
	u64 set_child_tid;	   /* written by the child on first run */
	u64 cpu_ns;		   /* CPU time used */
	u64 run_start_ns;
	u64 slice_left_ns; /* sched lock: rest of a slice cut by a wakeup */
	/* User time: the CPU time between each return to user mode
	 * (user_since, boot ns; 0 in the kernel) and the next entry; the
	 * rest of cpu_ns is system time. Only the thread writes them, with
	 * user_seq odd meanwhile, so others read them whole
	 * (proc_thread_user_ns). */
	u64 user_ns;
	u64 user_since;
	u32 user_seq;
	/* The part of cpu_ns and user_ns the process's CPU-time timers
	 * have counted (proc/ptimer.c; under its ptimers' lock). */
	u64 ptimer_cpu, ptimer_user;
	u32 last_cpu;
	u64 cpus_allowed; /* sched_setaffinity's mask, bit n CPU n */
	char name[16];
	const struct fs_cred *fs_override; /* access(2)'s real ids, or NULL */
};

struct process {
	int pid;
	struct mm *mm;
	struct fdtable *files;
	struct process *parent; /* proc_table_lock */
	struct spinlock lock;
	struct list_head threads; /* struct thread.proc_node */
	int nthreads;
	bool exiting;
	int exit_status; /* wait status (Linux encoding) */
	struct k_sigaction sigactions[NSIG];
	u64 sigpending;	      /* process-directed pending signals */
	struct sigqueue sigq; /* their info; lock */
	int nqueued;	      /* real-time signals queued, thread ones too */
	struct list_head children;
	struct list_head sibling;
	struct waitq child_wait;
	int pgid, sid;	    /* proc_table_lock */
	bool did_exec;	    /* since fork: setpgid fails with EACCES */
	int pdeath_signal;  /* PR_SET_PDEATHSIG: sent when the parent exits */
	u64 exited_cpu_ns;  /* CPU time of threads that exited; lock */
	u64 exited_user_ns; /* their user time; lock */
	/* ITIMER_VIRTUAL or ITIMER_PROF armed: kernel entries and exits
	 * charge CPU time to them (ptimer.c) */
	bool cpu_itimers;
	struct ptimers *ptimers; /* alarm, setitimer, timer_create (ptimer.c) */
	u64 children_cpu_ns;	 /* of reaped children (times, getrusage) */
	u64 children_user_ns;	 /* their user part */
	u32 umask;
	u32 personality; /* personality(2): stored; STICKY_TIMEOUTS honoured */
#define STICKY_TIMEOUTS 0x4000000 /* select & co. leave the timeout as is */
	u16 ioprio; /* ioprio_set(2): stored (no block I/O to order) */
	/* SEM_UNDO adjustments (ipc/sem.c), guarded by its lock */
	struct sem_undo_list *semundo;
	struct rlimit rlim[RLIM_NLIMITS]; /* lock (resource.h) */
	int nice;			  /* -20..19 (resource.h) */
	/* sched_setscheduler: SCHED_OTHER, _BATCH or _IDLE, and the
	 * SCHED_RESET_ON_FORK flag; stored (one round-robin class runs all) */
	int sched_policy;
#define SCHED_RESET_ON_FORK 0x40000000
	struct cred cred;	   /* ids, groups, capabilities (cred.h) */
	struct spinlock cred_lock; /* changes to cred; its groups */
	char cwd[256];
	char comm[16];
	char exe[256];
	struct list_head all_node; /* all processes; proc_table_lock */
	int exit_signal;	   /* sent to the parent at exit */
	bool zombie;		   /* exited, waiting to be reaped */
	bool exited;		   /* all threads gone; exit_wait's lock */
	struct waitq exit_wait;	   /* pidfd pollers (proc/pidfd.c) */
	u64 start_ns;		   /* monotonic time of its creation */
	bool vfork_done;	   /* vfork parent may continue */
	struct waitq vfork_wait;
	/*
	 * Atomic. One reference is the process table's, dropped when the
	 * process is reaped (or at exit when nobody will wait); each thread
	 * holds one until it is freed off the CPU; a vfork parent and an
	 * exiting child notifying its parent hold one while they look.
	 */
	int refcount;
};

/* clone3's argument block (also built by clone). */
struct clone_args {
	u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
		tls, set_tid, set_tid_size, cgroup;
};

/* fork/vfork/clone without CLONE_THREAD; returns the child's pid. */
long proc_fork(const struct clone_args *ca);
/* execve with kernel copies of argv/envp. */
long proc_execve(const char *path, char *const argv[], int argc,
		 char *const envp[], int envc);
#define WAIT_NOHANG 1
#define WAIT_NOREAP 2
long proc_wait(int pid, int *status, int options, int *out_pid,
	       struct process **reaped);
int proc_kill(int pid, int sig);
/* getpgid(pid) or, with sid, getsid(pid); pid 0 is the caller. */
int proc_getpgid(int pid, bool sid);
int proc_setpgid(int pid, int pgid);
int proc_setsid(void);
void proc_table_add(struct process *p);

extern struct process *init_process;
/* Guards the process table, parent and children links (fork.c). */
extern struct spinlock proc_table_lock;
/* Process timers (proc/ptimer.c); times in ns, deadlines monotonic. */
struct ptimers;
int ptimer_real_set(u64 value_ns, u64 interval_ns, u64 *old_left,
		    u64 *old_interval);
void ptimer_real_get(u64 *left, u64 *interval);
/* setitimer/getitimer(ITIMER_VIRTUAL or ITIMER_PROF): which is 1 or 2;
 * times are the process's CPU time, ns. */
int ptimer_cpu_set(int which, u64 value_ns, u64 interval_ns, u64 *old_left,
		   u64 *old_interval);
void ptimer_cpu_get(int which, u64 *left, u64 *interval);
/* Count the CPU and user time of p's thread t (current) so far into its
 * CPU-time itimers and timers and signal the ones that expired
 * (SIGVTALRM, SIGPROF, a POSIX timer's sigevent). */
void ptimer_cpu_charge(struct process *p, struct thread *t);
/* A POSIX timer's clock: the wall clocks (monotonic, or realtime for
 * absolute times), or CPU time of the process or of its thread cpu_tid. */
enum ptimer_kind { PT_MONOTONIC, PT_REALTIME, PT_CPU_ALL, PT_CPU_USER };
struct ptimer_clock {
	enum ptimer_kind kind;
	int cpu_tid; /* PT_CPU_*: the thread, 0 for the whole process */
};
/* A new POSIX timer of the caller's process: its id, or -errno. The
 * value PTIMER_VALUE_ID means "the id itself" (timer_create's default). */
#define PTIMER_VALUE_ID ((u64)-1)
int ptimer_create(const struct ptimer_clock *clock, int notify, int signo,
		  int tid, u64 value);
/* The current value of a CPU-time clock of the caller's process, or
 * -ESRCH if its thread is gone. */
s64 ptimer_cpu_clock_now(const struct ptimer_clock *clock);
/* value: from now, or with abs on the timer's clock; 0 disarms. */
int ptimer_settime(int id, bool abs, u64 value, u64 interval, u64 *old_left,
		   u64 *old_interval);
int ptimer_gettime(int id, u64 *left, u64 *interval);
int ptimer_getoverrun(int id);
int ptimer_delete(int id);
/* Timer id's signal was dequeued (p->lock held): its overrun count. */
u32 ptimer_dequeued(struct process *p, int id);
/* exec deletes the POSIX timers; exit all of them. */
void ptimers_exec(struct process *p);
void ptimers_exit(struct process *p);

/* A kernel signal (SI_KERNEL) to every process of group pgid (the
 * console's ^C); any context. */
int proc_signal_pgrp(int pgid, int sig);

/* User threads in every process (sysinfo's procs, /proc/loadavg). */
u32 proc_count_threads(void);
/* The most recently allocated pid/tid. */
int tid_last(void);
/* Each thread of each process, unlocked (the NMI dump, sched/dump.c). */
void proc_for_each_thread_unlocked(void (*fn)(struct thread *, void *),
				   void *arg);

struct thread *thread_alloc(struct process *p);
/* A new thread's user state as a copy of current's (clone and fork). */
void thread_copy_user_state(struct thread *t, const struct clone_args *ca);
void thread_free(struct thread *t);
/* kfree a thread or timer; with KILN_DEBUG_LOCKS poisoned (0x6b) first,
 * so that a use after free (a signal sent to a thread that exited
 * meanwhile) faults at once instead of quietly writing into the heap. */
void proc_kfree_poisoned(void *obj, u64 size);
struct process *process_alloc(void);
void process_get(struct process *p);
/* Drop a reference; the last one frees p. */
void process_put(struct process *p);
/* CPU time of p's threads, live and exited (getrusage, times). */
u64 proc_cpu_ns(struct process *p);
/* Link t into p's thread list (fork, clone, the first thread). */
void proc_add_thread(struct process *p, struct thread *t);
/* p's last thread is gone: tell its parent (fork.c). */
void proc_exit_notify(struct process *p);
/* The host name: uname's nodename, DHCP's, /etc/hostname (sys_proc.c). */
extern char kiln_hostname[65];
/* The user part of proc_cpu_ns (all threads, exited ones included). */
u64 proc_user_ns(struct process *p);
/* Thread t's user time now, its current stretch in user mode included
 * (t may run on another CPU; the caller keeps it from being freed). */
u64 proc_thread_user_ns(struct thread *t);
/* Entering the kernel from user mode (syscall, interrupt, exception):
 * the time since the last return to user was user time. */
void proc_enter_kernel(struct thread *t);
/* fn(p, arg) for every process in the table, zombies too, under
 * proc_table_lock (a spinlock: fn must not sleep). */
void proc_for_each(void (*fn)(struct process *p, void *arg), void *arg);
/* Is tid one of p's threads? */
bool proc_has_thread(struct process *p, int tid);
/* The live or zombie process with this pid, referenced; or NULL. */
struct process *proc_find_get(int pid);
/* Is p still in the process table (not yet reaped)? */
bool proc_is_listed(struct process *p);
/* The pid of the first process at table position *i or later (*i set to
 * its position), or -1 past the end (readdir of /proc). */
int proc_pid_at(u64 *i);
/* p's address space, referenced (mm_put), or NULL once it exited. */
struct mm *proc_mm_get(struct process *p);
/* The parent's pid (0 for init), read under the table lock. */
int proc_getppid(struct process *p);
int tid_alloc(void);

/* Start the first program from the image; returns a negative errno. */
int proc_start_init(const char *path, char *const argv[], int argc,
		    char *const envp[], int envc);
/* Create PID 1 like proc_start_init, but leave its thread (*out) for the
 * caller to sched_add: boot services run first (boot/services.c). */
int proc_create_init(const char *path, char *const argv[], int argc,
		     char *const envp[], int envc, struct thread **out);
/*
 * Start a program from the image as a child of PID 1 (created first) that
 * sends it no SIGCHLD; it stays a zombie until PID 1 reaps it, so *out
 * stays valid for the boot code that watches it.
 */
int proc_start_service(const char *path, char *const argv[], int argc,
		       char *const envp[], int envc, struct process **out);
/* Terminate the calling thread / its whole process. */
__noreturn void thread_exit(int status);
__noreturn void process_exit(int wait_status);
/* Kill the current process for a fatal signal, with a report. */
__noreturn void process_fatal_signal(int sig);
/* On the way back to user mode: preemption, kills, signals. */
void proc_return_to_user(struct trapframe *tf);

#endif
