// SPDX-License-Identifier: MIT
/*
 * Process timers that signal: setitimer(ITIMER_REAL)/alarm (SIGALRM, kept
 * across exec) and the POSIX timers of timer_create (SIGEV_SIGNAL,
 * SIGEV_THREAD_ID, SIGEV_NONE; deleted by exec). Neither is inherited by
 * fork. Expiries are kept in CLOCK_MONOTONIC; an absolute CLOCK_REALTIME
 * time is converted when it is set.
 *
 * Each timer is a kernel timer; its callback (interrupt context, under
 * the CPU's timer lock) takes pt->lock, works out the next expiry and
 * re-arms itself with timer_forward, drops the lock, and only then sends
 * the signal (which takes p->lock). Settings change under pt->lock too;
 * the kernel timer is armed or cancelled after it is dropped, so the lock
 * order is always timer lock -> pt->lock, and p->lock -> pt->lock (the
 * dequeue hook); nothing takes p->lock while holding pt->lock. A POSIX timer
 * whose signal is still pending does not queue another: it counts an overrun,
 * which the dequeued siginfo carries (si_overrun) and timer_getoverrun returns,
 * as on Linux.
 *
 * POSIX timers on CPU-time clocks (CLOCK_PROCESS_CPUTIME_ID,
 * CLOCK_THREAD_CPUTIME_ID, clock_getcpuclockid's ids) have no kernel
 * timer: like ITIMER_VIRTUAL and ITIMER_PROF they sit on s->cpu_list with
 * an expiry on a counted clock: the CPU and user time of each thread that
 * ptimer_cpu_charge has counted (thread.ptimer_cpu/ptimer_user, summed in
 * s->cpu_clock/user_clock). The kernel's edges call it while
 * process.cpu_itimers says some CPU-time timer is armed; arming, and
 * reading what is left, first count every thread's time up to now (under
 * p->lock, then s->lock), so a timer counts only time used after it was
 * armed and never expires before its clock reaches its value
 * (docs/decisions/process-timers.md).
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "proc.h"
#include "signal.h"
#include "mm/kheap.h"
#include "sched/mutex.h"
#include "sched/sched.h"
#include "sched/time.h"
#include "sched/timer.h"
#include "arch/x86_64/percpu.h"
#include <uapi/signal.h>

#define PTIMER_MAX 256 /* per process */

struct ptimer {
	struct ktimer kt;
	struct ptimers *set;
	int id; /* timer_create's id; -1: ITIMER_REAL */
	struct ptimer_clock clock;
	struct list_head cpu_node; /* s->cpu_list, for CPU-time clocks */
	int notify;		   /* SIGEV_* */
	int signo;		   /* 0: none */
	int tid;		   /* SIGEV_THREAD_ID: the thread */
	u64 value;		   /* sigev_value */
	u64 deadline;		   /* next expiry, monotonic ns; 0: disarmed;
				    * CPU-time clocks: on the counted clock */
	u64 interval;		   /* ns; 0: one-shot */
	u32 overrun;		   /* expiries while the signal was pending */
	u32 overrun_got;	   /* what the last dequeued signal carried */
	bool queued;		   /* its signal is pending */
};

/* ITIMER_VIRTUAL (user time) or ITIMER_PROF (user and system time):
 * checked by ptimer_cpu_charge, not by a kernel timer. */
struct cpu_itimer {
	u64 expires;  /* on the counted user or CPU clock; 0: disarmed */
	u64 interval; /* ns; 0: one-shot */
};

struct ptimers {
	struct spinlock lock;
	struct process *p;
	struct ptimer real;
	struct cpu_itimer cpu[2];  /* [0] VIRTUAL, [1] PROF */
	u64 cpu_clock, user_clock; /* the threads' counted time, summed */
	struct list_head cpu_list; /* POSIX timers on CPU-time clocks */
	u32 cpu_armed;		   /* how many of them are armed */
	struct mutex ops;	   /* held while a syscall uses a timer */
	struct ptimer *posix[PTIMER_MAX];
};

static bool is_cpu_clock(const struct ptimer *t)
{
	return t->clock.kind == PT_CPU_ALL || t->clock.kind == PT_CPU_USER;
}

/* Does some CPU-time timer need the charges? s->lock held. */
static void update_cpu_flag(struct ptimers *s)
{
	WRITE_ONCE(s->p->cpu_itimers,
		   s->cpu[0].expires || s->cpu[1].expires || s->cpu_armed);
}

/*
 * POSIX timer t expired (missed more periods too): the signal to send
 * (0: none) with its info and target thread, or an overrun counted
 * while the last one is pending. s->lock held.
 */
static int posix_expired(struct ptimer *t, u64 missed, struct ksiginfo *info,
			 int *tid)
{
	if (!t->signo || t->notify == SIGEV_NONE)
		return 0;
	if (t->queued) {
		t->overrun += 1 + missed;
		return 0;
	}
	t->queued = true;
	t->overrun = missed;
	*tid = t->notify == SIGEV_THREAD_ID ? t->tid : 0;
	info->code = SI_TIMER;
	info->pid = t->id;
	info->value = t->value;
	return t->signo;
}

/* Send a POSIX timer's signal: to its thread, or the process if gone. */
static void posix_send(struct process *p, int sig, int tid,
		       const struct ksiginfo *info)
{
	if (!tid || signal_send_tid_info(p, tid, sig, info) == -ESRCH)
		signal_send_process_info(p, sig, info);
}

/* The callback: interrupt context, the CPU's timer lock held. */
static void ptimer_fire(struct ktimer *kt)
{
	struct ptimer *t = kt->arg;
	struct ptimers *s = t->set;
	struct ksiginfo info = {0};
	int sig = 0, tid = 0;
	u64 now = clock_monotonic_ns();
	/* before s->lock: it takes p->lock (the order is p->lock, s->lock) */
	bool ignored = t->id >= 0 && t->signo &&
		       signal_ignored(s->p, READ_ONCE(t->signo));

	spin_lock(&s->lock);
	if (!t->deadline || t->deadline > now) {
		/* disarmed or moved since it was armed */
		if (t->deadline)
			timer_forward(kt, t->deadline);
		spin_unlock(&s->lock);
		return;
	}
	u64 missed = 0;
	if (t->interval) {
		missed = (now - t->deadline) / t->interval;
		t->deadline += (missed + 1) * t->interval;
		timer_forward(kt, t->deadline);
	} else {
		t->deadline = 0;
	}
	if (t->id < 0) {
		sig = SIGALRM;
		info.code = SI_KERNEL;
	} else if (!ignored) {
		sig = posix_expired(t, missed, &info, &tid);
	}
	spin_unlock(&s->lock);
	if (sig)
		posix_send(s->p, sig, tid, &info);
}

/* The process's timers, made on first use; NULL without memory. */
static struct ptimers *ptimers_of(struct process *p)
{
	struct ptimers *s = READ_ONCE(p->ptimers);

	if (s)
		return s;
	s = kzalloc(sizeof(*s));
	if (!s)
		return NULL;
	s->p = p;
	s->lock = (struct spinlock)SPINLOCK_INIT;
	mutex_init(&s->ops);
	s->real.set = s;
	s->real.id = -1;
	list_init(&s->cpu_list);
	timer_init(&s->real.kt, ptimer_fire, &s->real);
	struct ptimers *old = NULL;
	if (!__atomic_compare_exchange_n(&p->ptimers, &old, s, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		kfree(s);
		return old;
	}
	return s;
}

/* Set t to fire at deadline (0: disarm) every interval; the old ones out. */
static void ptimer_set(struct ptimer *t, u64 deadline, u64 interval,
		       u64 *old_deadline, u64 *old_interval)
{
	struct ptimers *s = t->set;
	u64 f = spin_lock_irqsave(&s->lock);

	if (old_deadline)
		*old_deadline = t->deadline;
	if (old_interval)
		*old_interval = t->interval;
	t->deadline = deadline;
	t->interval = deadline ? interval : 0;
	spin_unlock_irqrestore(&s->lock, f);
	/* outside the lock (timer lock -> pt->lock is the order) */
	if (deadline)
		timer_add(&t->kt, deadline);
	else
		timer_cancel(&t->kt);
}

static void ptimer_get(struct ptimer *t, u64 *left, u64 *interval)
{
	struct ptimers *s = t->set;
	u64 f = spin_lock_irqsave(&s->lock);
	u64 now = clock_monotonic_ns();

	*left = t->deadline ? (t->deadline > now ? t->deadline - now : 1) : 0;
	*interval = t->interval;
	spin_unlock_irqrestore(&s->lock, f);
}

int ptimer_real_set(u64 value_ns, u64 interval_ns, u64 *old_left,
		    u64 *old_interval)
{
	struct ptimers *s = ptimers_of(current->proc);

	if (!s)
		return -ENOMEM;
	u64 now = clock_monotonic_ns(), od, oi;
	ptimer_set(&s->real, value_ns ? now + value_ns : 0, interval_ns, &od,
		   &oi);
	*old_left = od ? (od > now ? od - now : 1) : 0;
	*old_interval = oi;
	return 0;
}

void ptimer_real_get(u64 *left, u64 *interval)
{
	struct ptimers *s = READ_ONCE(current->proc->ptimers);

	if (!s) {
		*left = *interval = 0;
		return;
	}
	ptimer_get(&s->real, left, interval);
}

/* Count thread t's CPU and user time (its totals, read at one moment)
 * into the counted clocks. s->lock held. */
static void count_locked(struct ptimers *s, struct thread *t, u64 cpu, u64 user)
{
	spin_assert_held(&s->lock);
	if (cpu > t->ptimer_cpu) {
		s->cpu_clock += cpu - t->ptimer_cpu;
		t->ptimer_cpu = cpu;
	}
	if (user > t->ptimer_user) {
		s->user_clock += user - t->ptimer_user;
		t->ptimer_user = user;
	}
}

/*
 * Count the time of every thread of p so far, including the stretch a
 * thread running on another CPU is in, and return with p->lock and
 * s->lock held (the flags of p->lock). Arming from the counted clocks
 * then starts from the clock's value now, not from each thread's last
 * charge.
 */
static u64 lock_counted(struct ptimers *s)
{
	struct process *p = s->p;
	struct thread *t;
	u64 f = spin_lock_irqsave(&p->lock);

	list_for_each_entry(t, &p->threads, proc_node)
	{
		/* read before s->lock: sched_lock is never taken under it */
		u64 cpu = sched_thread_cpu_ns(t);
		u64 user = proc_thread_user_ns(t);
		spin_lock(&s->lock);
		count_locked(s, t, cpu, user);
		spin_unlock(&s->lock);
	}
	spin_lock(&s->lock);
	return f;
}

static void unlock_counted(struct ptimers *s, u64 f)
{
	spin_unlock(&s->lock);
	spin_unlock_irqrestore(&s->p->lock, f);
}

/*
 * CPU-time clock c of the process: its counted value and its value as
 * clock_gettime reads it (the exited threads' time and each live
 * thread's counted time). A thread clock whose thread is gone reads 0.
 * lock_counted held.
 */
static void clock_values_locked(struct ptimers *s, const struct ptimer_clock *c,
				u64 *counted, u64 *real)
{
	struct process *p = s->p;
	bool user = c->kind == PT_CPU_USER;
	u64 sum = user ? p->exited_user_ns : p->exited_cpu_ns;
	struct thread *t;

	*counted = *real = 0;
	list_for_each_entry(t, &p->threads, proc_node)
	{
		u64 mine = user ? t->ptimer_user : t->ptimer_cpu;
		if (t->tid == c->cpu_tid) {
			*counted = *real = mine;
			return;
		}
		sum += mine;
	}
	if (!c->cpu_tid) {
		*counted = user ? s->user_clock : s->cpu_clock;
		*real = sum;
	}
}

/* What is left until expires on a clock at now (1 once due; 0: off). */
static u64 left_of(u64 expires, u64 now)
{
	if (!expires)
		return 0;
	return expires > now ? expires - now : 1;
}

static const struct ptimer_clock itimer_clocks[2] = {
	{.kind = PT_CPU_USER}, /* ITIMER_VIRTUAL */
	{.kind = PT_CPU_ALL},  /* ITIMER_PROF */
};

int ptimer_cpu_set(int which, u64 value_ns, u64 interval_ns, u64 *old_left,
		   u64 *old_interval)
{
	struct ptimers *s = ptimers_of(current->proc);
	u64 now, real;

	if (!s)
		return -ENOMEM;
	struct cpu_itimer *c = &s->cpu[which - 1];
	u64 f = lock_counted(s);
	clock_values_locked(s, &itimer_clocks[which - 1], &now, &real);
	*old_left = left_of(c->expires, now);
	*old_interval = c->interval;
	c->expires = value_ns ? now + value_ns : 0;
	c->interval = value_ns ? interval_ns : 0;
	update_cpu_flag(s);
	unlock_counted(s, f);
	return 0;
}

void ptimer_cpu_get(int which, u64 *left, u64 *interval)
{
	struct ptimers *s = READ_ONCE(current->proc->ptimers);
	u64 now, real;

	*left = *interval = 0;
	if (!s)
		return;
	u64 f = lock_counted(s);
	clock_values_locked(s, &itimer_clocks[which - 1], &now, &real);
	*left = left_of(s->cpu[which - 1].expires, now);
	*interval = s->cpu[which - 1].interval;
	unlock_counted(s, f);
}

/* Has c expired with its clock at now? Then re-arm it from its interval,
 * the overshoot taken off as Linux does (more than a period behind: one
 * signal), or disarm it. */
static bool cpu_itimer_due(struct cpu_itimer *c, u64 now)
{
	if (!c->expires || now < c->expires)
		return false;
	if (!c->interval)
		c->expires = 0;
	else if (now - c->expires < c->interval)
		c->expires += c->interval;
	else
		c->expires = now + c->interval;
	return true;
}

/* The counted clock of pt as thread t's time was just counted: false
 * for another thread's clock (its own charges check it). */
static bool counted_now(const struct ptimers *s, const struct ptimer *pt,
			const struct thread *t, u64 *now)
{
	bool user = pt->clock.kind == PT_CPU_USER;

	if (!pt->clock.cpu_tid)
		*now = user ? s->user_clock : s->cpu_clock;
	else if (pt->clock.cpu_tid == t->tid)
		*now = user ? t->ptimer_user : t->ptimer_cpu;
	else
		return false;
	return true;
}

#define CHARGE_FIRES 8 /* POSIX timer signals one charge may send */

struct fired {
	struct ptimer *t;
	int sig, tid;
	struct ksiginfo info;
};

/*
 * The CPU-time POSIX timers that expired now that thread t's time is
 * counted; up to CHARGE_FIRES expiries go to fired (a timer past that
 * many fires at the next charge). Returns how many. s->lock held.
 */
static int expire_posix(struct ptimers *s, struct thread *t,
			struct fired *fired)
{
	struct ptimer *pt;
	int n = 0;
	u64 now;

	list_for_each_entry(pt, &s->cpu_list, cpu_node)
	{
		if (!pt->deadline || !counted_now(s, pt, t, &now) ||
		    now < pt->deadline || n == CHARGE_FIRES)
			continue;
		u64 missed = 0;
		if (pt->interval) {
			missed = (now - pt->deadline) / pt->interval;
			pt->deadline += (missed + 1) * pt->interval;
		} else {
			pt->deadline = 0;
			s->cpu_armed--;
		}
		struct fired *f = &fired[n];
		memset(&f->info, 0, sizeof(f->info));
		f->tid = 0;
		f->sig = posix_expired(pt, missed, &f->info, &f->tid);
		f->t = pt;
		if (f->sig)
			n++;
	}
	return n;
}

void ptimer_cpu_charge(struct process *p, struct thread *t)
{
	struct ptimers *s = READ_ONCE(p->ptimers);
	struct fired fired[CHARGE_FIRES];

	if (!s)
		return;
	/* t is current, in the kernel: its times are exact and stable */
	u64 now = time_boot_ns();
	u64 cpu = t->cpu_ns + (now - t->run_start_ns);
	u64 user = t->user_ns + (t->user_since ? now - t->user_since : 0);
	u64 f = spin_lock_irqsave(&s->lock);
	count_locked(s, t, cpu, user);
	bool virt = cpu_itimer_due(&s->cpu[0], s->user_clock);
	bool prof = cpu_itimer_due(&s->cpu[1], s->cpu_clock);
	int n = s->cpu_armed ? expire_posix(s, t, fired) : 0;
	update_cpu_flag(s);
	spin_unlock_irqrestore(&s->lock, f);
	/* after s->lock: sending takes p->lock (the order is p->lock, s->lock)
	 */
	struct ksiginfo info = {.code = SI_KERNEL};
	if (virt)
		signal_send_process_info(p, SIGVTALRM, &info);
	if (prof)
		signal_send_process_info(p, SIGPROF, &info);
	for (int i = 0; i < n; i++) {
		if (!signal_ignored(p, fired[i].sig)) {
			posix_send(p, fired[i].sig, fired[i].tid,
				   &fired[i].info);
			continue;
		}
		/* nothing was queued: the next expiry may signal again */
		f = spin_lock_irqsave(&s->lock);
		if (s->posix[fired[i].info.pid] == fired[i].t)
			fired[i].t->queued = false;
		spin_unlock_irqrestore(&s->lock, f);
	}
}

int ptimer_create(const struct ptimer_clock *clock, int notify, int signo,
		  int tid, u64 value)
{
	struct ptimers *s = ptimers_of(current->proc);
	struct ptimer *t;

	if (!s || !(t = kzalloc(sizeof(*t))))
		return -ENOMEM;
	t->set = s;
	t->clock = *clock;
	t->notify = notify;
	t->signo = signo;
	t->tid = tid;
	t->value = value;
	timer_init(&t->kt, ptimer_fire, t);
	u64 f = spin_lock_irqsave(&s->lock);
	int id;
	for (id = 0; id < PTIMER_MAX && s->posix[id]; id++)
		;
	if (id < PTIMER_MAX) {
		t->id = id;
		if (value == PTIMER_VALUE_ID)
			t->value = (u64)id;
		s->posix[id] = t;
		if (is_cpu_clock(t))
			list_add_tail(&t->cpu_node, &s->cpu_list);
	}
	spin_unlock_irqrestore(&s->lock, f);
	if (id == PTIMER_MAX) {
		kfree(t);
		return -EAGAIN;
	}
	return id;
}

/*
 * Timer id of the calling process with its timers' ops mutex held
 * (ptimer_unlock), or NULL: a timer_delete in another thread waits until
 * the caller is done with the timer instead of freeing it under it.
 */
static struct ptimer *ptimer_find_lock(int id)
{
	struct ptimers *s = READ_ONCE(current->proc->ptimers);

	if (!s || id < 0 || id >= PTIMER_MAX)
		return NULL;
	mutex_lock(&s->ops);
	struct ptimer *t = s->posix[id];
	if (!t)
		mutex_unlock(&s->ops);
	return t;
}

static void ptimer_unlock(struct ptimer *t)
{
	mutex_unlock(&t->set->ops);
}

s64 ptimer_cpu_clock_now(const struct ptimer_clock *clock)
{
	struct process *p = current->proc;
	bool user = clock->kind == PT_CPU_USER;
	struct thread *t;
	s64 ns = -ESRCH;

	if (!clock->cpu_tid)
		return user ? proc_user_ns(p) : proc_cpu_ns(p);
	u64 f = spin_lock_irqsave(&p->lock);
	list_for_each_entry(t, &p->threads, proc_node)
	{
		if (t->tid == clock->cpu_tid)
			ns = user ? (s64)READ_ONCE(t->user_ns)
				  : (s64)sched_thread_cpu_ns(t);
	}
	spin_unlock_irqrestore(&p->lock, f);
	return ns;
}

/*
 * Arm a CPU-time timer (value: CPU time from now, or with abs a value of
 * its clock; 0 disarms) on its counted clock, from every thread's time
 * counted up to now. An absolute time already past fires at the next
 * charge.
 */
static void cpu_timer_set(struct ptimer *t, bool abs, u64 value, u64 interval,
			  u64 *old_left, u64 *old_interval)
{
	struct ptimers *s = t->set;
	u64 now, real, expires = 0;
	u64 f = lock_counted(s);

	clock_values_locked(s, &t->clock, &now, &real);
	*old_left = left_of(t->deadline, now);
	*old_interval = t->interval;
	if (value)
		expires = MAX(now + (!abs	    ? value
				     : value > real ? value - real
						    : 0),
			      1);
	s->cpu_armed += !!expires - !!t->deadline;
	t->deadline = expires;
	t->interval = expires ? interval : 0;
	update_cpu_flag(s);
	unlock_counted(s, f);
}

int ptimer_settime(int id, bool abs, u64 value, u64 interval, u64 *old_left,
		   u64 *old_interval)
{
	struct ptimer *t = ptimer_find_lock(id);
	u64 od, oi, now = clock_monotonic_ns(), deadline = 0;

	if (!t)
		return -EINVAL;
	if (is_cpu_clock(t)) {
		cpu_timer_set(t, abs, value, interval, old_left, old_interval);
		ptimer_unlock(t);
		return 0;
	}
	if (value && !abs) {
		deadline = now + value;
	} else if (value) {
		/* an absolute time on the timer's clock, as monotonic */
		u64 base = t->clock.kind == PT_REALTIME
				   ? clock_realtime_ns() - now
				   : 0;
		deadline = value > base ? value - base : 1;
		if (deadline <= now)
			deadline = now + 1; /* due: fire at once */
	}
	ptimer_set(t, deadline, interval, &od, &oi);
	ptimer_unlock(t);
	*old_left = od ? (od > now ? od - now : 1) : 0;
	*old_interval = oi;
	return 0;
}

int ptimer_gettime(int id, u64 *left, u64 *interval)
{
	struct ptimer *t = ptimer_find_lock(id);

	if (!t)
		return -EINVAL;
	if (is_cpu_clock(t)) {
		u64 now, real, f = lock_counted(t->set);
		clock_values_locked(t->set, &t->clock, &now, &real);
		*left = left_of(t->deadline, now);
		*interval = t->interval;
		unlock_counted(t->set, f);
	} else {
		ptimer_get(t, left, interval);
	}
	ptimer_unlock(t);
	return 0;
}

int ptimer_getoverrun(int id)
{
	struct ptimer *t = ptimer_find_lock(id);

	if (!t)
		return -EINVAL;
	int n = (int)MIN(READ_ONCE(t->overrun_got), (u32)0x7fffffff);
	ptimer_unlock(t);
	return n;
}

/* Remove timer slot id of s (no spinlock held; s->ops held, or the
 * process has one thread left); the timer is freed. */
static void ptimer_free(struct ptimers *s, int id)
{
	u64 f = spin_lock_irqsave(&s->lock);
	struct ptimer *t = s->posix[id];

	s->posix[id] = NULL;
	if (t && is_cpu_clock(t)) {
		s->cpu_armed -= !!t->deadline;
		list_del(&t->cpu_node);
		update_cpu_flag(s);
	}
	if (t)
		t->deadline = 0;
	spin_unlock_irqrestore(&s->lock, f);
	if (t) {
		timer_cancel(&t->kt); /* waits for a running callback */
		proc_kfree_poisoned(t, sizeof(*t));
	}
}

int ptimer_delete(int id)
{
	struct ptimer *t = ptimer_find_lock(id);

	if (!t)
		return -EINVAL;
	struct ptimers *s = t->set;
	ptimer_free(s, id);
	mutex_unlock(&s->ops);
	return 0;
}

u32 ptimer_dequeued(struct process *p, int id)
{
	struct ptimers *s = READ_ONCE(p->ptimers);
	u32 n = 0;

	if (!s || id < 0 || id >= PTIMER_MAX)
		return 0;
	spin_lock(&s->lock); /* p->lock held, interrupts off */
	struct ptimer *t = s->posix[id];
	if (t) {
		n = t->overrun;
		t->overrun_got = n;
		t->overrun = 0;
		t->queued = false;
	}
	spin_unlock(&s->lock);
	return n;
}

void ptimers_exec(struct process *p)
{
	struct ptimers *s = READ_ONCE(p->ptimers);

	for (int id = 0; s && id < PTIMER_MAX; id++)
		if (READ_ONCE(s->posix[id]))
			ptimer_free(s, id);
}

void ptimers_exit(struct process *p)
{
	struct ptimers *s = READ_ONCE(p->ptimers);

	if (!s)
		return;
	ptimers_exec(p);
	u64 f = spin_lock_irqsave(&s->lock);
	s->real.deadline = 0;
	spin_unlock_irqrestore(&s->lock, f);
	timer_cancel(&s->real.kt);
	WRITE_ONCE(p->ptimers, NULL);
	kfree(s);
}
