// SPDX-License-Identifier: MIT
/*
 * Signals: sending, default actions, and delivery to user handlers with a
 * Linux-compatible rt_sigframe (siginfo, ucontext with the full XSAVE
 * state), SA_SIGINFO, SA_ONSTACK (sigaltstack), SA_RESTART (syscalls that
 * returned -ERESTARTSYS are restarted), SA_NODEFER, SA_RESETHAND, and
 * rt_sigreturn with the restored state sanitised so user input can never
 * fault the kernel.
 *
 * Pending sets are atomic bitmasks: thread-directed in the thread,
 * process-directed in the process. Beside each, under the process lock,
 * the sender's info: one slot per standard signal (they coalesce) and a
 * queue for real-time signals (each instance delivered, as on Linux).
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "signal.h"
#include "proc.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "sched/sched.h"

#define SIGRT_FIRST  32
#define SIGQUEUE_MAX 4096 /* RLIMIT_SIGPENDING */

struct sigqueue_entry {
	struct list_head node;
	int sig;
	struct ksiginfo info;
};

#define UC_FP_XSTATE	     1
#define UC_SIGCONTEXT_SS     2
#define UC_STRICT_RESTORE_SS 4
#define FP_XSTATE_MAGIC1     0x46505853U
#define FP_XSTATE_MAGIC2     0x46505845U
#define SS_ONSTACK	     1
#define SS_DISABLE	     2

static const char *const names[32] = {
	"SIG0",	   "SIGHUP",  "SIGINT",	   "SIGQUIT", "SIGILL",	   "SIGTRAP",
	"SIGABRT", "SIGBUS",  "SIGFPE",	   "SIGKILL", "SIGUSR1",   "SIGSEGV",
	"SIGUSR2", "SIGPIPE", "SIGALRM",   "SIGTERM", "SIGSTKFLT", "SIGCHLD",
	"SIGCONT", "SIGSTOP", "SIGTSTP",   "SIGTTIN", "SIGTTOU",   "SIGURG",
	"SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",  "SIGIO",
	"SIGPWR",  "SIGSYS",
};

struct sigcontext {
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2, fpstate;
	u64 reserved[8];
};
_Static_assert(sizeof(struct sigcontext) == 256, "sigcontext");

struct ucontext {
	u64 flags;
	u64 link;
	u64 ss_sp;
	s32 ss_flags, pad;
	u64 ss_size;
	struct sigcontext mc;
	u64 sigmask;
};

struct rt_sigframe {
	u64 pretcode;
	struct ucontext uc;
	struct siginfo info;
};

const char *signal_name(int sig)
{
	if (sig > 0 && sig < 32)
		return names[sig];
	return "SIGRT";
}

static bool default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH ||
	       sig == SIGCONT || sig == SIGSTOP || sig == SIGTSTP ||
	       sig == SIGTTIN || sig == SIGTTOU;
}

/*
 * Will sig, sent to thread t (NULL: to the process, which Linux checks
 * against its main thread), be dropped without effect? As on Linux, a
 * blocked signal is never ignored: its handler may change before it is
 * unblocked, and sigwaitinfo or a signalfd may take it (SIGCHLD with its
 * default action is the usual case).
 */
static bool is_ignored_for(struct process *p, struct thread *t, int sig)
{
	u64 h = p->sigactions[sig - 1].handler;

	if (sig == SIGKILL)
		return false;
	if (!(h == SIG_IGN || (h == SIG_DFL && default_ignored(sig))))
		return false;
	if (t)
		return !(READ_ONCE(t->sigmask) & SIGBIT(sig));
	u64 f = spin_lock_irqsave(&p->lock); /* threads come and go */
	bool blocked = !list_empty(&p->threads) &&
		       (list_first_entry(&p->threads, struct thread, proc_node)
				->sigmask &
			SIGBIT(sig));
	spin_unlock_irqrestore(&p->lock, f);
	return !blocked;
}

static bool is_ignored(struct process *p, int sig)
{
	return is_ignored_for(p, NULL, sig);
}

/* Kill every thread of p with wait status ws (once). */
static void kill_process(struct process *p, int ws)
{
	struct thread *t;
	u64 f = spin_lock_irqsave(&p->lock);

	if (!p->exiting) {
		p->exiting = true;
		p->exit_status = ws;
	}
	list_for_each_entry(t, &p->threads, proc_node)
	{
		t->killed = true;
		sched_wake(t);
	}
	spin_unlock_irqrestore(&p->lock, f);
}

bool signal_pending(struct thread *t)
{
	u64 pend = READ_ONCE(t->sigpending) | READ_ONCE(t->proc->sigpending);

	return (pend & ~t->sigmask) != 0;
}

bool signal_fatal_pending(struct thread *t)
{
	struct process *p = t->proc;
	u64 pend = (READ_ONCE(t->sigpending) | READ_ONCE(p->sigpending)) &
		   ~t->sigmask;

	if (READ_ONCE(t->killed))
		return true;
	while (pend) {
		int sig = __builtin_ctzll(pend) + 1;
		if (p->sigactions[sig - 1].handler == SIG_DFL &&
		    !default_ignored(sig))
			return true;
		pend &= pend - 1;
	}
	return false;
}

/*
 * Record sig as pending in *pend with its info (p->lock held): a standard
 * signal already pending keeps its first info; a real-time one is queued.
 */
static int enqueue_locked(struct process *p, u64 *pend, struct sigqueue *q,
			  int sig, const struct ksiginfo *info)
{
	if (sig < SIGRT_FIRST) {
		if (!(READ_ONCE(*pend) & SIGBIT(sig)))
			q->std[sig] = *info;
	} else {
		struct sigqueue_entry *e = NULL;
		if (__atomic_load_n(&p->nqueued, __ATOMIC_RELAXED) <
		    SIGQUEUE_MAX)
			e = kmalloc(sizeof(*e));
		if (!e)
			return -EAGAIN;
		e->sig = sig;
		e->info = *info;
		list_add_tail(&e->node, &q->rt);
		__atomic_add_fetch(&p->nqueued, 1, __ATOMIC_RELAXED);
	}
	__atomic_or_fetch(pend, SIGBIT(sig), __ATOMIC_SEQ_CST);
	return 0;
}

void signal_queue_free(struct sigqueue *q, struct process *p)
{
	struct sigqueue_entry *e, *n;

	list_for_each_entry_safe(e, n, &q->rt, node)
	{
		list_del(&e->node);
		kfree(e);
		if (p)
			__atomic_sub_fetch(&p->nqueued, 1, __ATOMIC_RELAXED);
	}
}

int signal_send_thread_info(struct thread *t, int sig,
			    const struct ksiginfo *info)
{
	struct process *p = t->proc;

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (!sig || is_ignored_for(p, t, sig))
		return 0;
	if (sig == SIGKILL) {
		kill_process(p, SIGKILL);
		return 0;
	}
	u64 f = spin_lock_irqsave(&p->lock);
	int ret = enqueue_locked(p, &t->sigpending, &t->sigq, sig, info);
	spin_unlock_irqrestore(&p->lock, f);
	if (!ret &&
	    (!(t->sigmask & SIGBIT(sig)) || (t->sigwait_set & SIGBIT(sig))))
		sched_wake(t);
	if (!ret)
		signalfd_notify();
	return ret;
}

int signal_send_tid_info(struct process *p, int tid, int sig,
			 const struct ksiginfo *info)
{
	struct thread *t, *target = NULL;

	if (sig <= 0 || sig > NSIG || sig == SIGKILL)
		return -EINVAL;
	/* found, checked and woken under p->lock: it may be exiting */
	u64 f = spin_lock_irqsave(&p->lock);
	list_for_each_entry(t, &p->threads, proc_node)
	{
		if (t->tid == tid)
			target = t;
	}
	int ret = target ? 0 : -ESRCH;
	bool queued = false;
	if (target && !is_ignored_for(p, target, sig)) {
		ret = enqueue_locked(p, &target->sigpending, &target->sigq, sig,
				     info);
		queued = !ret;
	}
	if (queued && (!(target->sigmask & SIGBIT(sig)) ||
		       (target->sigwait_set & SIGBIT(sig))))
		sched_wake(target);
	spin_unlock_irqrestore(&p->lock, f);
	if (queued)
		signalfd_notify();
	return ret;
}

bool signal_ignored(struct process *p, int sig)
{
	return sig > 0 && sig <= NSIG && is_ignored(p, sig);
}

int signal_send_process_info(struct process *p, int sig,
			     const struct ksiginfo *info)
{
	struct thread *t, *target = NULL;

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (!sig || is_ignored(p, sig))
		return 0;
	if (sig == SIGKILL) {
		kill_process(p, SIGKILL);
		return 0;
	}
	u64 f = spin_lock_irqsave(&p->lock);
	int ret = enqueue_locked(p, &p->sigpending, &p->sigq, sig, info);
	list_for_each_entry(t, &p->threads, proc_node)
	{
		if (!(t->sigmask & SIGBIT(sig)) ||
		    (t->sigwait_set & SIGBIT(sig))) {
			target = t;
			break;
		}
	}
	if (target && !ret)
		sched_wake(target);
	spin_unlock_irqrestore(&p->lock, f);
	if (!ret)
		signalfd_notify();
	return ret;
}

int signal_send_process(struct process *p, int sig)
{
	struct ksiginfo info = {.code = SI_KERNEL};

	return signal_send_process_info(p, sig, &info);
}

int signal_send_thread(struct thread *t, int sig)
{
	struct ksiginfo info = {.code = SI_USER, .pid = current->proc->pid};

	return signal_send_thread_info(t, sig, &info);
}

void signal_fault(struct trapframe *tf, int sig, u64 addr)
{
	struct thread *t = current;
	struct process *p = t->proc;
	u64 h = p->sigactions[sig - 1].handler;

	if (h == SIG_DFL || h == SIG_IGN || (t->sigmask & SIGBIT(sig))) {
		/* Linux force_sig: a blocked or ignored fault still kills */
		fault_report(tf, sig, addr);
		process_fatal_signal(sig);
	}
	t->fault_sig = sig;
	t->fault_addr = addr;
	t->fault_code = tf->vector == 14 ? ((tf->error & 1) ? 2 : 1) : 1;
}

/* Pick and dequeue the lowest-numbered deliverable signal, or 0. */
static int dequeue(struct thread *t, struct siginfo *info)
{
	memset(info, 0, sizeof(*info));
	if (t->fault_sig) {
		int sig = t->fault_sig;
		t->fault_sig = 0;
		info->signo = sig;
		info->code = t->fault_code;
		info->addr = t->fault_addr;
		return sig;
	}
	return signal_dequeue_set(t, ~t->sigmask, info);
}

static void restart_syscall(struct trapframe *tf, bool has_handler,
			    const struct k_sigaction *ka)
{
	s64 rax = (s64)tf->rax;

	if (tf->vector != VEC_SYSCALL ||
	    (rax != -ERESTARTSYS && rax != -ERESTARTNOHAND))
		return;
	if (!has_handler || (rax == -ERESTARTSYS && (ka->flags & SA_RESTART))) {
		tf->rax = current->syscall_nr;
		tf->rip -= 2; /* re-execute the syscall instruction */
	} else {
		tf->rax = -EINTR;
	}
}

static bool on_altstack(struct thread *t, u64 sp)
{
	return t->altstack_size && sp > t->altstack_sp &&
	       sp <= t->altstack_sp + t->altstack_size;
}

/* Build the rt_sigframe and redirect the thread to the handler. */
static int setup_frame(struct trapframe *tf, int sig,
		       const struct k_sigaction *ka, struct siginfo *info,
		       u64 oldmask)
{
	struct thread *t = current;
	u64 sp = tf->rsp;

	if ((ka->flags & SA_ONSTACK) && t->altstack_size && !on_altstack(t, sp))
		sp = t->altstack_sp + t->altstack_size;
	else
		sp -= 128; /* never touch the red zone */
	u64 xsize = cpu_features.xsave_size;
	sp = ALIGN_DOWN(sp - xsize - 4, 64);
	u64 fpstate = sp;
	sp -= sizeof(struct rt_sigframe);
	sp = ALIGN_DOWN(sp, 16) - 8;

	struct rt_sigframe fr;
	memset(&fr, 0, sizeof(fr));
	fr.pretcode = ka->restorer;
	fr.uc.flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	fr.uc.ss_sp = t->altstack_sp;
	fr.uc.ss_size = t->altstack_size;
	fr.uc.ss_flags = !t->altstack_size	   ? SS_DISABLE
			 : on_altstack(t, tf->rsp) ? SS_ONSTACK
						   : 0;
	struct sigcontext *mc = &fr.uc.mc;
	mc->r8 = tf->r8, mc->r9 = tf->r9, mc->r10 = tf->r10, mc->r11 = tf->r11;
	mc->r12 = tf->r12, mc->r13 = tf->r13, mc->r14 = tf->r14;
	mc->r15 = tf->r15, mc->rdi = tf->rdi, mc->rsi = tf->rsi;
	mc->rbp = tf->rbp, mc->rbx = tf->rbx, mc->rdx = tf->rdx;
	mc->rax = tf->rax, mc->rcx = tf->rcx, mc->rsp = tf->rsp;
	mc->rip = tf->rip, mc->eflags = tf->rflags;
	mc->cs = tf->cs, mc->ss = tf->ss;
	mc->trapno = tf->vector < 32 ? tf->vector : 0;
	mc->err = tf->vector < 32 ? tf->error : 0;
	mc->cr2 = info->addr;
	mc->oldmask = oldmask;
	mc->fpstate = fpstate;
	fr.uc.sigmask = oldmask;
	fr.info = *info;

	fpu_save_current();
	u8 *fx = t->fpu;
	u32 sw[5] = {FP_XSTATE_MAGIC1, xsize + 4, (u32)cpu_features.xcr0, xsize,
		     0};
	u32 magic2 = FP_XSTATE_MAGIC2;
	if (copy_to_user(fpstate, fx, xsize) ||
	    copy_to_user(fpstate + 464, sw, sizeof(sw)) ||
	    copy_to_user(fpstate + xsize, &magic2, 4) ||
	    copy_to_user(sp, &fr, sizeof(fr)))
		return -EFAULT;

	tf->rsp = sp;
	tf->rip = ka->handler;
	tf->rdi = sig;
	tf->rsi = sp + offsetof(struct rt_sigframe, info);
	tf->rdx = sp + offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~(RFLAGS_DF | RFLAGS_TF | RFLAGS_AC);
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	/* the handler starts with a clean FPU state, as on Linux */
	fpu_reset_current();
	return 0;
}

void signal_deliver(struct trapframe *tf)
{
	struct thread *t = current;
	struct process *p = t->proc;
	struct siginfo info;
	int sig;

	/* Fast path, taken on almost every return to user: nothing pending
	 * that is unblocked. Unlocked reads race with a sender exactly as
	 * the locked check below would (a signal that lands after it is
	 * delivered on the next return: senders kick a running target). */
	if (!READ_ONCE(t->fault_sig) &&
	    !((READ_ONCE(t->sigpending) | READ_ONCE(p->sigpending)) &
	      ~t->sigmask))
		goto none;
	while ((sig = dequeue(t, &info))) {
		struct k_sigaction ka = p->sigactions[sig - 1];
		if (ka.handler == SIG_IGN ||
		    (ka.handler == SIG_DFL && default_ignored(sig)))
			continue;
		if (ka.handler == SIG_DFL) {
			if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
			    sig == SIGFPE || sig == SIGABRT || sig == SIGQUIT)
				kprintf("%s[%d]: killed by %s", p->comm, t->tid,
					signal_name(sig));
			process_fatal_signal(sig);
		}
		restart_syscall(tf, true, &ka);
		u64 oldmask =
			t->restore_sigmask ? t->saved_sigmask : t->sigmask;
		t->restore_sigmask = false;
		if (setup_frame(tf, sig, &ka, &info, oldmask)) {
			kprintf("%s[%d]: bad signal frame for %s at sp %lx",
				p->comm, t->tid, signal_name(sig), tf->rsp);
			process_fatal_signal(SIGSEGV);
		}
		t->sigmask |= ka.mask;
		if (!(ka.flags & SA_NODEFER))
			t->sigmask |= SIGBIT(sig);
		t->sigmask &= ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
		if (ka.flags & SA_RESETHAND)
			p->sigactions[sig - 1].handler = SIG_DFL;
		return;
	}
none:
	restart_syscall(tf, false, NULL);
	if (t->restore_sigmask) {
		t->sigmask = t->saved_sigmask;
		t->restore_sigmask = false;
	}
}

/* rt_sigreturn: restore what setup_frame saved, sanitised. */
long signal_return(struct trapframe *tf)
{
	struct thread *t = current;
	struct rt_sigframe fr;
	u64 frame = tf->rsp - 8;

	if (copy_from_user(&fr, frame, sizeof(fr)))
		goto bad;
	struct sigcontext *mc = &fr.uc.mc;
	tf->r8 = mc->r8, tf->r9 = mc->r9, tf->r10 = mc->r10, tf->r11 = mc->r11;
	tf->r12 = mc->r12, tf->r13 = mc->r13, tf->r14 = mc->r14;
	tf->r15 = mc->r15, tf->rdi = mc->rdi, tf->rsi = mc->rsi;
	tf->rbp = mc->rbp, tf->rbx = mc->rbx, tf->rdx = mc->rdx;
	tf->rax = mc->rax, tf->rcx = mc->rcx, tf->rsp = mc->rsp;
	tf->rip = mc->rip;
	if (tf->rip >= USER_TOP)
		goto bad;
	const u64 user_flags = 0xcd5 | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC |
			       (1UL << 21); /* CF..OF, DF, TF, AC, ID */
	tf->rflags = (tf->rflags & ~user_flags) | (mc->eflags & user_flags);
	tf->rflags |= RFLAGS_IF;
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	tf->vector = 0; /* not a syscall frame any more: no restart */
	t->sigmask = fr.uc.sigmask & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
	if (mc->fpstate) {
		u64 xsize = cpu_features.xsave_size;
		u8 *tmp = t->fpu; /* restore straight into the thread area */
		if (copy_from_user(tmp, mc->fpstate, xsize))
			goto bad;
		/* sanitise what xrstor/fxrstor would #GP on */
		*(u32 *)(tmp + 24) &= 0xffbf; /* MXCSR reserved bits */
		memset(tmp + 464, 0, 48);     /* sw_reserved */
		u64 f = irq_save();
		if (cpu_features.xsave) {
			*(u64 *)(tmp + 512) &=
				cpu_features.xcr0; /* XSTATE_BV */
			memset(tmp + 520, 0, 56);  /* XCOMP_BV, reserved */
			__asm__ volatile("xrstor64 (%0)" ::"r"(tmp), "a"(~0u),
					 "d"(~0u)
					 : "memory");
		} else {
			__asm__ volatile("fxrstor64 (%0)" ::"r"(tmp)
					 : "memory");
		}
		irq_restore(f);
	}
	return tf->rax;
bad:
	kprintf("%s[%d]: bad rt_sigreturn frame at %lx", t->proc->comm, t->tid,
		frame);
	process_fatal_signal(SIGSEGV);
}

/* Take sig out of *pend and q into info (p->lock held); false if gone. */
static bool dequeue_locked(struct process *p, u64 *pend, struct sigqueue *q,
			   int sig, struct ksiginfo *info)
{
	u64 bit = SIGBIT(sig);

	if (!(READ_ONCE(*pend) & bit))
		return false;
	if (sig < SIGRT_FIRST) {
		*info = q->std[sig];
		__atomic_and_fetch(pend, ~bit, __ATOMIC_SEQ_CST);
		if (info->code == SI_TIMER)
			info->uid = ptimer_dequeued(p, info->pid);
		return true;
	}
	struct sigqueue_entry *e, *found = NULL;
	bool more = false;
	list_for_each_entry(e, &q->rt, node)
	{
		if (e->sig != sig)
			continue;
		if (found) {
			more = true;
			break;
		}
		found = e;
	}
	memset(info, 0, sizeof(*info));
	if (found) {
		*info = found->info;
		list_del(&found->node);
		kfree(found);
		__atomic_sub_fetch(&p->nqueued, 1, __ATOMIC_RELAXED);
	}
	if (!more)
		__atomic_and_fetch(pend, ~bit, __ATOMIC_SEQ_CST);
	if (found && info->code == SI_TIMER)
		info->uid = ptimer_dequeued(p, info->pid);
	return true;
}

/* Take one pending signal out of set (sigtimedwait); 0 if none. */
int signal_dequeue_set(struct thread *t, u64 set, void *uinfo_k)
{
	struct siginfo *info = uinfo_k;
	struct process *p = t->proc;
	struct ksiginfo k;
	int sig = 0;
	u64 f = spin_lock_irqsave(&p->lock);

	for (int pass = 0; pass < 2 && !sig; pass++) {
		u64 *pend = pass ? &p->sigpending : &t->sigpending;
		struct sigqueue *q = pass ? &p->sigq : &t->sigq;
		u64 ready = READ_ONCE(*pend) & set;
		if (ready) {
			sig = __builtin_ctzll(ready) + 1;
			if (!dequeue_locked(p, pend, q, sig, &k))
				sig = 0;
		}
	}
	spin_unlock_irqrestore(&p->lock, f);
	if (!sig)
		return 0;
	memset(info, 0, sizeof(*info));
	info->signo = sig;
	info->code = k.code;
	info->kill.pid = k.pid;
	info->kill.uid = k.uid;
	info->kill.status = k.status;
	/* SI_TIMER: si_timerid, si_overrun, then si_value; SI_QUEUE and
	 * SI_MESGQ: si_pid, si_uid, then si_value */
	if (si_code_has_value(k.code))
		info->timer.value = k.value;
	return sig;
}
