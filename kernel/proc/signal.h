/* SPDX-License-Identifier: MIT */
/*
 * Signals: numbers, default actions, sending, and fault signals. State is
 * recorded per process (dispositions, pending) and per thread (mask,
 * pending, alternate stack).
 */
#ifndef PROC_SIGNAL_H
#define PROC_SIGNAL_H

#include <kernel/types.h>
#include "arch/x86_64/trapframe.h"
#include <uapi/signal.h>

/* Linux's siginfo_t, as user space sees it (sigframes, sigtimedwait;
 * signalfd converts from it). */
struct siginfo {
	s32 signo, errno_, code, pad;
	union {
		struct {
			s32 pid;
			u32 uid;
			s32 status; /* SIGCHLD */
		} kill;
		struct {
			s32 tid; /* the timer's id */
			s32 overrun;
			u64 value;
		} timer;
		u64 addr;
		u8 raw[112];
	};
};
_Static_assert(sizeof(struct siginfo) == 128, "siginfo");

#define SIGBIT(s) (1ULL << ((s)-1))

struct process;
struct thread;
struct ksiginfo;
struct sigqueue;

const char *signal_name(int sig);
/* A synchronous fault in user mode (from trap.c). */
void signal_fault(struct trapframe *tf, int sig, u64 addr);
/*
 * Send sig to a process / a thread with the given info; 0 or -errno
 * (-EAGAIN: too many real-time signals queued).
 */
int signal_send_process_info(struct process *p, int sig,
			     const struct ksiginfo *info);
int signal_send_thread_info(struct thread *t, int sig,
			    const struct ksiginfo *info);
/* From the kernel itself (SI_KERNEL). */
int signal_send_process(struct process *p, int sig);
/* To thread tid of p (lookup and queueing under p->lock); -ESRCH. */
int signal_send_tid_info(struct process *p, int tid, int sig,
			 const struct ksiginfo *info);
/* Does a siginfo of this code carry si_value (at offset 24)? SI_QUEUE,
 * SI_TIMER, SI_MESGQ and any other negative code but SI_TKILL (a
 * sigqueued siginfo is passed on as given, as Linux). */
static inline bool si_code_has_value(int code)
{
	return code < 0 && code != SI_TKILL;
}
/* A signal was queued: signalfds look again (fs/signalfd.c). */
void signalfd_notify(void);
/* Would sig be discarded (SIG_IGN, or default-ignored)? */
bool signal_ignored(struct process *p, int sig);
/* As Linux's send_sig: SI_USER from the current process (SIGPIPE). */
int signal_send_thread(struct thread *t, int sig);
/* Free queued real-time signals (a thread's: p is its process). */
void signal_queue_free(struct sigqueue *q, struct process *p);
/* Deliver pending signals on the way back to user mode. */
void signal_deliver(struct trapframe *tf);
bool signal_pending(struct thread *t);
/* Killed, or a deliverable signal pending whose default action kills. */
bool signal_fatal_pending(struct thread *t);
void fault_report(const struct trapframe *tf, int sig, u64 addr);
/* rt_sigreturn mechanism; returns the restored rax. */
long signal_return(struct trapframe *tf);
/* sigtimedwait: dequeue a signal of set into a 128-byte siginfo. */
int signal_dequeue_set(struct thread *t, u64 set, void *info128);

#endif
