// SPDX-License-Identifier: MIT
/*
 * Signal state and default actions. Handlers are recorded by
 * rt_sigaction; a signal whose action is "terminate" ends the process with
 * the Linux wait status. Delivery to user handlers is not implemented yet:
 * such a signal stays pending and is logged once (see docs/syscalls.md).
 */
#include <kernel/printk.h>
#include "signal.h"
#include "proc.h"
#include "sched/sched.h"
#include "arch/x86_64/percpu.h"

static const char *const names[32] = {
	"SIG0",	   "SIGHUP",  "SIGINT",	 "SIGQUIT", "SIGILL",	"SIGTRAP",
	"SIGABRT", "SIGBUS",  "SIGFPE",	 "SIGKILL", "SIGUSR1",	"SIGSEGV",
	"SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD",
	"SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU",	"SIGURG",
	"SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",
	"SIGPWR",  "SIGSYS",
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
	       sig == SIGCONT;
}

static bool is_fatal_now(struct process *p, int sig)
{
	u64 h = p->sigactions[sig - 1].handler;

	if (sig == SIGKILL)
		return true;
	return h == SIG_DFL && !default_ignored(sig) && sig != SIGSTOP &&
	       sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU;
}

void signal_fault(struct trapframe *tf, int sig, u64 addr)
{
	struct thread *t = current;
	struct process *p = t->proc;
	u64 h = p->sigactions[sig - 1].handler;

	if (h != SIG_DFL && h != SIG_IGN && !(t->sigmask & SIGBIT(sig))) {
		static bool warned;
		if (!warned) {
			warned = true;
			pr_warn("signal: handler delivery not implemented; "
				"%s is fatal",
				signal_name(sig));
		}
	}
	fault_report(tf, sig, addr);
	process_fatal_signal(sig);
}

int signal_send_process(struct process *p, int sig)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (!sig)
		return 0;
	u64 h = p->sigactions[sig - 1].handler;
	if (is_fatal_now(p, sig)) {
		/* terminate: mark every thread killed; the last one out
		 * reports the status */
		u64 f = spin_lock_irqsave(&p->lock);
		if (!p->exiting) {
			p->exiting = true;
			p->exit_status = sig;
		}
		struct thread *t;
		list_for_each_entry(t, &p->threads, proc_node)
		{
			t->killed = true;
			sched_wake(t);
		}
		spin_unlock_irqrestore(&p->lock, f);
		return 0;
	}
	if (h == SIG_IGN || (h == SIG_DFL && default_ignored(sig)))
		return 0;
	__atomic_or_fetch(&p->sigpending, SIGBIT(sig), __ATOMIC_SEQ_CST);
	static bool warned;
	if (!warned) {
		warned = true;
		pr_warn("signal: %s left pending: handler delivery not "
			"implemented yet",
			signal_name(sig));
	}
	return 0;
}

int signal_send_thread(struct thread *t, int sig)
{
	return signal_send_process(t->proc, sig);
}

bool signal_pending(struct thread *t)
{
	(void)t;
	return false;
}

void signal_deliver(struct trapframe *tf)
{
	(void)tf;
}
