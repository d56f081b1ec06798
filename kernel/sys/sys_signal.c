// SPDX-License-Identifier: MIT
/* Signal syscalls: dispositions, masks, alternate stacks, sending. */
#include <kernel/string.h>
#include "syscall.h"
#include "arch/x86_64/percpu.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/time.h"
#include "sched/waitq.h"

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SS_ONSTACK  1
#define SS_DISABLE  2
#define MINSIGSTKSZ 2048

static const u64 unblockable = SIGBIT(SIGKILL) | SIGBIT(SIGSTOP);

long sys_rt_sigaction(u64 sig, u64 uact, u64 uold, u64 size, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct process *p = current->proc;
	struct k_sigaction act;

	if (size != 8 || sig < 1 || sig > NSIG)
		return -EINVAL;
	if (uact && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (uact && copy_from_user(&act, uact, sizeof(act)))
		return -EFAULT;
	u64 f = spin_lock_irqsave(&p->lock);
	struct k_sigaction old = p->sigactions[sig - 1];
	if (uact) {
		act.mask &= ~unblockable;
		p->sigactions[sig - 1] = act;
	}
	spin_unlock_irqrestore(&p->lock, f);
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(u64 how, u64 uset, u64 uold, u64 size, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	u64 set, old = current->sigmask;

	if (size != 8)
		return -EINVAL;
	if (uset) {
		if (copy_from_user(&set, uset, 8))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			current->sigmask |= set;
			break;
		case SIG_UNBLOCK:
			current->sigmask &= ~set;
			break;
		case SIG_SETMASK:
			current->sigmask = set;
			break;
		default:
			return -EINVAL;
		}
		current->sigmask &= ~unblockable;
	}
	if (uold && copy_to_user(uold, &old, 8))
		return -EFAULT;
	return 0;
}

long sys_rt_sigreturn(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return signal_return(current->tf);
}

struct stack_t {
	u64 sp;
	s32 flags;
	s32 pad;
	u64 size;
};

long sys_sigaltstack(u64 uss, u64 uold, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct thread *t = current;
	struct stack_t old = {t->altstack_sp, (s32)t->altstack_flags, 0,
			      t->altstack_size};

	if (!t->altstack_size)
		old.flags = SS_DISABLE;
	if (uss) {
		struct stack_t ss;
		if (copy_from_user(&ss, uss, sizeof(ss)))
			return -EFAULT;
		if (ss.flags & ~(SS_DISABLE | (1 << 31)))
			return -EINVAL;
		if (ss.flags & SS_DISABLE) {
			t->altstack_sp = t->altstack_size = 0;
			t->altstack_flags = 0;
		} else {
			if (ss.size < MINSIGSTKSZ)
				return -ENOMEM;
			t->altstack_sp = ss.sp;
			t->altstack_size = ss.size;
			t->altstack_flags = ss.flags;
		}
	}
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_kill(u64 pid, u64 sig, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (sig > NSIG)
		return -EINVAL;
	if ((u32)pid == 0x80000000u)
		return -ESRCH; /* as Linux: -INT_MIN does not exist */
	return proc_kill((int)pid, (int)sig);
}

/* sig to thread tid of process tgid (Linux's do_send_specific), with
 * info or tgkill's: ESRCH if tgid lacks the thread, EPERM as kill;
 * SIGKILL kills the whole process. The thread is looked up and signalled
 * under its process's lock (signal_send_tid_info): it may be exiting. */
static long signal_thread_of(int tgid, int tid, int sig,
			     const struct ksiginfo *qinfo)
{
	struct process *p = proc_find_get(tgid);
	struct process *self = current->proc;
	struct ksiginfo info = {.code = SI_TKILL,
				.pid = self->pid,
				.uid = READ_ONCE(self->cred.uid)};
	long ret = -ESRCH;

	if (qinfo)
		info = *qinfo;
	if (!p)
		return -ESRCH;
	if (READ_ONCE(p->zombie) || !proc_has_thread(p, tid))
		goto out;
	ret = -EPERM;
	if (!cred_may_signal(p, sig))
		goto out;
	if (sig == 0)
		ret = 0;
	else if (sig == SIGKILL)
		ret = signal_send_process_info(p, sig, &info);
	else
		ret = signal_send_tid_info(p, tid, sig, &info);
out:
	process_put(p);
	return ret;
}

long sys_tgkill(u64 tgid, u64 tid, u64 sig, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	if (sig > NSIG || (int)tgid <= 0 || (int)tid <= 0)
		return -EINVAL;
	return signal_thread_of((int)tgid, (int)tid, (int)sig, NULL);
}

/* tkill: a thread of ours, or the main thread of another process (its
 * tid is its pid). Differs from Linux: another process's other threads
 * are not found (ESRCH); nothing looks threads up by tid across
 * processes. */
long sys_tkill(u64 tid, u64 sig, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (sig > NSIG || (int)tid <= 0)
		return -EINVAL;
	if (proc_has_thread(current->proc, (int)tid))
		return sys_tgkill(current->proc->pid, tid, sig, 0, 0, 0);
	return signal_thread_of((int)tid, (int)tid, (int)sig, NULL);
}

/* The head of a user siginfo_t that sigqueue passes. */
struct queue_siginfo {
	s32 signo, err, code, pad;
	s32 pid;
	u32 uid;
	u64 value;
};

/* Copy in rt_(tg)sigqueueinfo's siginfo; only to oneself may a sender
 * claim to be the kernel or kill/tgkill (si_code >= 0 or SI_TKILL). The
 * signal number is the call's, as Linux. */
static int queue_info_in(u64 uinfo, bool to_self, struct ksiginfo *info)
{
	struct queue_siginfo qi;

	if (copy_from_user(&qi, uinfo, sizeof(qi)))
		return -EFAULT;
	if ((qi.code >= 0 || qi.code == SI_TKILL) && !to_self)
		return -EPERM;
	*info = (struct ksiginfo){.code = qi.code,
				  .pid = qi.pid,
				  .uid = qi.uid,
				  .value = qi.value};
	return 0;
}

long sys_rt_sigqueueinfo(u64 pid, u64 sig, u64 uinfo, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct ksiginfo info;

	if (sig > NSIG)
		return -EINVAL;
	int ret = queue_info_in(uinfo, (int)pid == current->proc->pid, &info);
	if (ret)
		return ret;
	struct process *p = (int)pid > 0 ? proc_find_get((int)pid) : NULL;
	if (!p)
		return -ESRCH;
	if (!cred_may_signal(p, (int)sig))
		ret = -EPERM;
	else if (sig && !READ_ONCE(p->zombie))
		ret = signal_send_process_info(p, (int)sig, &info);
	process_put(p);
	return ret;
}

long sys_rt_tgsigqueueinfo(u64 tgid, u64 tid, u64 sig, u64 uinfo, u64 a4,
			   u64 a5)
{
	(void)a4, (void)a5;
	struct ksiginfo info;

	if (sig > NSIG || (int)tgid <= 0 || (int)tid <= 0)
		return -EINVAL;
	int ret = queue_info_in(uinfo, (int)tid == current->tid, &info);
	if (ret)
		return ret;
	return signal_thread_of((int)tgid, (int)tid, (int)sig, &info);
}

static struct waitq sigwait_q = {SPINLOCK_INIT,
				 LIST_HEAD_INIT(sigwait_q.waiters)};

long sys_pause(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	waitq_wait_event(&sigwait_q, false, 0);
	return -ERESTARTNOHAND;
}

long sys_rt_sigsuspend(u64 umask, u64 size, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct thread *t = current;
	u64 mask;

	if (size != 8)
		return -EINVAL;
	if (copy_from_user(&mask, umask, 8))
		return -EFAULT;
	t->saved_sigmask = t->sigmask;
	t->restore_sigmask = true;
	t->sigmask = mask & ~unblockable;
	waitq_wait_event(&sigwait_q, false, 0);
	return -ERESTARTNOHAND;
}

long sys_rt_sigpending(u64 uset, u64 size, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (size != 8)
		return -EINVAL;
	u64 pend = current->sigpending | current->proc->sigpending;
	return copy_to_user(uset, &pend, 8);
}

long sys_rt_sigtimedwait(u64 uset, u64 uinfo, u64 uts, u64 size, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct thread *t = current;
	u64 set, deadline = 0;
	u8 info[128];

	if (size != 8)
		return -EINVAL;
	if (copy_from_user(&set, uset, 8))
		return -EFAULT;
	set &= ~unblockable;
	if (uts) {
		s64 ts[2];
		if (copy_from_user(ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
			return -EINVAL;
		deadline = clock_monotonic_ns() + ts[0] * 1000000000ULL + ts[1];
	}
	int sig;
	t->sigwait_set = set;
	for (;;) {
		sig = signal_dequeue_set(t, set, info);
		if (sig)
			break;
		if (uts && !deadline) {
			sig = -EAGAIN;
			break;
		}
		int ret = waitq_wait_event(
			&sigwait_q, (t->sigpending | t->proc->sigpending) & set,
			deadline);
		if (ret == -ETIMEDOUT) {
			sig = -EAGAIN;
			break;
		}
		if (ret && !((t->sigpending | t->proc->sigpending) & set)) {
			sig = -EINTR;
			break;
		}
	}
	t->sigwait_set = 0;
	if (sig > 0 && uinfo && copy_to_user(uinfo, info, sizeof(info)))
		return -EFAULT;
	return sig;
}
