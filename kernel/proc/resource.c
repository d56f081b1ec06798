// SPDX-License-Identifier: MIT
/*
 * Resource limits and nice values (resource.h): prlimit64's rules from
 * Linux's kernel/sys.c (do_prlimit, check_prlimit_permission), the checks
 * that enforce the limits (fd allocation, file size, task count, address
 * space), and setpriority/getpriority over one process, a process group
 * or a user's processes (set_one_prio, can_nice).
 */
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "resource.h"
#include "cred.h"
#include "proc.h"
#include "signal.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/layout.h"
#include "fs/file.h"
#include "mm/vm.h"

#define SIGXFSZ 25

static struct process *self(void)
{
	return current ? current->proc : NULL;
}

void rlimit_init(struct process *p)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		p->rlim[i] = (struct rlimit){RLIM_INFINITY, RLIM_INFINITY};
	p->rlim[RLIMIT_STACK] = (struct rlimit){8UL << 20, RLIM_INFINITY};
	p->rlim[RLIMIT_NOFILE] =
		(struct rlimit){FD_MAX_DEFAULT, FD_MAX_DEFAULT};
	p->rlim[RLIMIT_NPROC] = (struct rlimit){4096, 4096};
	p->rlim[RLIMIT_MEMLOCK] = (struct rlimit){8UL << 20, 8UL << 20};
	p->rlim[RLIMIT_SIGPENDING] = (struct rlimit){4096, 4096};
	p->rlim[RLIMIT_MSGQUEUE] = (struct rlimit){819200, 819200};
	p->rlim[RLIMIT_NICE] = (struct rlimit){0, 0};
	p->rlim[RLIMIT_RTPRIO] = (struct rlimit){0, 0};
	p->rlim[RLIMIT_CORE] = (struct rlimit){0, RLIM_INFINITY};
	p->nice = 0;
}

void rlimit_fork(struct process *child, struct process *parent)
{
	u64 f = spin_lock_irqsave(&parent->lock);

	memcpy(child->rlim, parent->rlim, sizeof(child->rlim));
	spin_unlock_irqrestore(&parent->lock, f);
	child->nice = READ_ONCE(parent->nice);
	/* SCHED_RESET_ON_FORK is not inherited; the normal policies are
	 * (Linux resets only real-time ones, which are never set here) */
	child->sched_policy =
		READ_ONCE(parent->sched_policy) & ~SCHED_RESET_ON_FORK;
}

u64 rlimit_cur(int res)
{
	struct process *p = self();

	return p ? READ_ONCE(p->rlim[res].cur) : RLIM_INFINITY;
}

/* check_prlimit_permission: all of the target's uids and gids are the
 * caller's real ones, or the caller has CAP_SYS_RESOURCE. */
static bool may_prlimit(struct process *p)
{
	struct cred c;

	cred_current(&c);
	u32 uid = READ_ONCE(p->cred.uid), euid = READ_ONCE(p->cred.euid);
	u32 suid = READ_ONCE(p->cred.suid), gid = READ_ONCE(p->cred.gid);
	u32 egid = READ_ONCE(p->cred.egid), sgid = READ_ONCE(p->cred.sgid);
	if (c.uid == uid && c.uid == euid && c.uid == suid && c.gid == gid &&
	    c.gid == egid && c.gid == sgid)
		return true;
	return cred_capable(CAP_SYS_RESOURCE);
}

/* do_prlimit on p. */
static int do_prlimit(struct process *p, u32 res, const struct rlimit *new,
		      struct rlimit *old)
{
	int ret = 0;

	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	if (new &&new->cur > new->max)
		return -EINVAL;
	if (new &&res == RLIMIT_NOFILE &&new->max > FD_MAX_DEFAULT)
		return -EPERM; /* Linux's nr_open */
	bool cap = cred_capable(CAP_SYS_RESOURCE);
	u64 f = spin_lock_irqsave(&p->lock);
	if (new &&new->max > p->rlim[res].max && !cap)
		ret = -EPERM; /* raising a hard limit */
	if (!ret && old)
		*old = p->rlim[res];
	if (!ret && new) {
		WRITE_ONCE(p->rlim[res].cur, new->cur);
		WRITE_ONCE(p->rlim[res].max, new->max);
	}
	spin_unlock_irqrestore(&p->lock, f);
	return ret;
}

int rlimit_prlimit(int pid, u32 res, const struct rlimit *new,
		   struct rlimit *old)
{
	struct process *me = self(), *p = me;
	int ret;

	if (pid < 0)
		return -ESRCH;
	if (pid && pid != me->pid) {
		p = proc_find_get(pid);
		if (!p)
			return -ESRCH;
	}
	if (p != me && !may_prlimit(p))
		ret = -EPERM;
	else
		ret = do_prlimit(p, res, new, old);
	if (p != me)
		process_put(p);
	return ret;
}

int rlimit_nofile(void)
{
	return (int)MIN(rlimit_cur(RLIMIT_NOFILE), (u64)FD_MAX_DEFAULT);
}

/* send_sig(SIGXFSZ, current, 0) */
static int xfsz(void)
{
	signal_send_thread(current, SIGXFSZ);
	return -EFBIG;
}

int rlimit_fsize_write(u64 pos, u64 *n)
{
	u64 lim = rlimit_cur(RLIMIT_FSIZE);

	if (!*n || lim == RLIM_INFINITY)
		return 0;
	if (pos >= lim)
		return xfsz();
	*n = MIN(*n, lim - pos);
	return 0;
}

int rlimit_fsize_grow(u64 size)
{
	u64 lim = rlimit_cur(RLIMIT_FSIZE);

	return lim != RLIM_INFINITY && size > lim ? xfsz() : 0;
}

struct nproc_scan {
	u32 uid;
	u64 n;
};

static void count_tasks(struct process *p, void *arg)
{
	struct nproc_scan *s = arg;

	if (READ_ONCE(p->cred.uid) == s->uid) /* a zombie counts until reaped */
		s->n += p->nthreads ? (u64)p->nthreads : 1;
}

int rlimit_nproc_check(void)
{
	struct process *p = self();
	u64 lim = rlimit_cur(RLIMIT_NPROC);
	struct nproc_scan s = {.uid = p ? READ_ONCE(p->cred.uid) : 0};

	if (!p || lim == RLIM_INFINITY || !s.uid ||
	    cred_capable(CAP_SYS_RESOURCE) || cred_capable(CAP_SYS_ADMIN))
		return 0;
	proc_for_each(count_tasks, &s);
	return s.n >= lim ? -EAGAIN : 0;
}

int rlimit_as_check(struct mm *mm, u64 addr, u64 len, bool fixed)
{
	u64 lim = rlimit_cur(RLIMIT_AS);

	if (lim == RLIM_INFINITY)
		return 0;
	if (len > USER_TOP)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	u64 total = vm_mapped_bytes(mm, 0, USER_TOP);
	if (fixed && addr < USER_TOP)
		total -= vm_mapped_bytes(mm, addr, MIN(addr + len, USER_TOP));
	return total + len > lim ? -ENOMEM : 0;
}

int rlimit_brk_check(struct mm *mm, u64 want)
{
	u64 start = READ_ONCE(mm->brk_start), cur = READ_ONCE(mm->brk);
	u64 lim = rlimit_cur(RLIMIT_DATA);

	if (want <= cur || want > USER_TOP)
		return 0; /* shrinking, or vm_brk refuses it */
	if (lim != RLIM_INFINITY && want - start > lim)
		return -ENOMEM;
	u64 grow = ALIGN_UP(want, PAGE_SIZE) - ALIGN_UP(cur, PAGE_SIZE);
	return grow ? rlimit_as_check(mm, 0, grow, false) : 0;
}

u64 rlimit_stack_size(void)
{
	u64 lim = rlimit_cur(RLIMIT_STACK);

	if (lim == RLIM_INFINITY)
		return 8UL << 20;
	lim = ALIGN_DOWN(lim, PAGE_SIZE);
	return MAX(MIN(lim, 1UL << 30), 128UL << 10);
}

int prio_nice(struct process *p)
{
	return READ_ONCE(p->nice);
}

/* One setpriority or getpriority walk over the matching processes. */
struct prio_scan {
	int which, who; /* who resolved: the pgid or uid, or the pid */
	int nice;	/* setpriority's value */
	bool set;
	int ret;  /* starts -ESRCH */
	int best; /* getpriority: highest 20 - nice seen */
	u32 euid; /* the caller's */
	bool cap_nice;
};

/* PRIO_PROCESS takes a thread id too (Linux's nice is per thread; here
 * the thread's process has one). */
static bool prio_matches(const struct prio_scan *s, struct process *p)
{
	if (s->which == PRIO_PROCESS)
		return p->pid == s->who || proc_has_thread(p, s->who);
	if (s->which == PRIO_PGRP)
		return p->pgid == s->who;
	return READ_ONCE(p->cred.uid) == (u32)s->who;
}

/* set_one_prio: EPERM unless the caller's euid is p's real or effective
 * uid; EACCES to lower nice past p's RLIMIT_NICE (can_nice); both waived
 * by CAP_SYS_NICE. */
static int set_one(struct prio_scan *s, struct process *p)
{
	u32 uid = READ_ONCE(p->cred.uid), euid = READ_ONCE(p->cred.euid);

	if (uid != s->euid && euid != s->euid && !s->cap_nice)
		return -EPERM;
	if (s->nice < READ_ONCE(p->nice) && !s->cap_nice &&
	    (u64)(20 - s->nice) > READ_ONCE(p->rlim[RLIMIT_NICE].cur))
		return -EACCES;
	WRITE_ONCE(p->nice, s->nice);
	return s->ret == -ESRCH ? 0 : s->ret;
}

static void prio_one(struct process *p, void *arg)
{
	struct prio_scan *s = arg;

	if (!prio_matches(s, p))
		return;
	if (s->set) {
		s->ret = set_one(s, p);
		return;
	}
	int v = 20 - READ_ONCE(p->nice);
	if (v > s->best)
		s->best = v;
	s->ret = 0;
}

/* Resolve who (0: the caller's pid, group or uid) and scan. */
static int prio_scan(struct prio_scan *s)
{
	struct process *me = self();

	if (s->which < PRIO_PROCESS || s->which > PRIO_USER)
		return -EINVAL;
	if (!me)
		return -ESRCH;
	if (s->who < 0)
		return -ESRCH; /* no such process, group or user */
	if (!s->who) {
		s->who = s->which == PRIO_PROCESS ? me->pid
			 : s->which == PRIO_PGRP  ? me->pgid
						 : (int)READ_ONCE(me->cred.uid);
	}
	s->ret = -ESRCH;
	s->best = 0;
	s->euid = READ_ONCE(me->cred.euid);
	s->cap_nice = cred_capable(CAP_SYS_NICE);
	proc_for_each(prio_one, s);
	return s->ret;
}

int prio_set(int which, int who, int nice)
{
	struct prio_scan s = {.which = which, .who = who, .set = true};

	s.nice = nice < NICE_MIN ? NICE_MIN : nice > NICE_MAX ? NICE_MAX : nice;
	return prio_scan(&s);
}

int prio_get(int which, int who)
{
	struct prio_scan s = {.which = which, .who = who};
	int ret = prio_scan(&s);

	return ret ? ret : s.best;
}
