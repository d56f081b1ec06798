// SPDX-License-Identifier: MIT
/*
 * Advisory file locks (see locks.h for the three kinds). Each vnode keeps
 * a list of the locks held on it; one lock for all of them, the lock of
 * locks_wq, the queue every blocked locker sleeps on. Any release wakes
 * every sleeper, which then retries: simple, and fair enough for the few
 * lockers a unikernel runs. A lock's owner is the fd table (POSIX) or the
 * struct file (OFD, flock); an owner's locks on a vnode never overlap and
 * adjacent ones of one type are merged, as Linux keeps them.
 *
 * Deadlock detection (F_SETLKW, POSIX locks only, as Linux): each blocked
 * POSIX owner records the owner it waits for; a new wait that would close
 * a cycle fails with EDEADLK.
 */
#include <kernel/string.h>
#include "locks.h"
#include "file.h"
#include "arch/x86_64/percpu.h"
#include "vfs.h"
#include "mm/kheap.h"
#include "proc/cred.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/sched.h"
#include "sched/time.h"
#include "sched/waitq.h"

enum { LK_POSIX, LK_OFD, LK_FLOCK, LK_LEASE };

/* A held lock, in vn->locks. */
struct file_lock {
	struct list_head node;
	int kind;    /* LK_* */
	void *owner; /* fd table (POSIX) or struct file */
	int pid;     /* the locker's process, for F_GETLK */
	int type;    /* F_RDLCK or F_WRLCK */
	u64 start, end;
	/* a lease being broken: the type it must become, by when */
	int break_to; /* F_UNLCK, F_RDLCK, or -1: not being broken */
	u64 break_deadline;
};

/* A POSIX owner blocked in F_SETLKW, and the owner it waits for. */
struct lock_wait {
	struct list_head node;
	void *owner, *blocker;
};

/* Its lock guards every vn->locks list and the waits list. */
static struct waitq locks_wq = {SPINLOCK_INIT,
				LIST_HEAD_INIT(locks_wq.waiters)};
static LIST_HEAD(waits);

/* A request: what a locker wants on the file. */
struct lock_req {
	struct vnode *vn;
	int kind;
	void *owner;
	int pid;
	int type; /* F_UNLCK to release */
	u64 start, end;
	struct file_lock *spare[2]; /* preallocated: a new lock, a split */
	struct list_head dead;	    /* removed locks, freed after unlock */
	struct lock_wait *wait;	    /* F_SETLKW of a POSIX lock */
};

static bool conflicts(const struct file_lock *l, const struct lock_req *r)
{
	if (l->kind == LK_LEASE || r->kind == LK_LEASE)
		return false; /* leases conflict with opens only */
	if ((l->kind == LK_FLOCK) != (r->kind == LK_FLOCK))
		return false; /* flock and record locks are independent */
	if (l->owner == r->owner)
		return false;
	if (l->type != F_WRLCK && r->type != F_WRLCK)
		return false;
	return l->start <= r->end && r->start <= l->end;
}

static struct file_lock *find_conflict_locked(const struct lock_req *r)
{
	struct file_lock *l;

	list_for_each_entry(l, &r->vn->locks, node)
	{
		if (conflicts(l, r))
			return l;
	}
	return NULL;
}

static struct file_lock *take_spare(struct lock_req *r)
{
	struct file_lock *l = r->spare[0] ? r->spare[0] : r->spare[1];

	if (l == r->spare[0])
		r->spare[0] = NULL;
	else
		r->spare[1] = NULL;
	return l;
}

/* Make the owner's locks over [start, end] what r asks (lock held). */
static void apply_locked(struct lock_req *r)
{
	struct file_lock *l, *n;
	u64 s = r->start, e = r->end;

	list_for_each_entry_safe(l, n, &r->vn->locks, node)
	{
		if (l->kind != r->kind || l->owner != r->owner)
			continue;
		if (l->start > e + 1 || s > l->end + 1)
			continue;	  /* neither overlapping nor adjacent */
		if (l->type == r->type) { /* merge into the new lock */
			s = MIN(s, l->start);
			e = MAX(e, l->end);
			list_del(&l->node);
			list_add_tail(&l->node, &r->dead);
		} else if (l->start > e || l->end < s) {
			continue; /* adjacent, another type: stays */
		} else if (l->start < s && l->end > e) {
			struct file_lock *right = take_spare(r);
			*right = *l;
			right->start = e + 1;
			list_add(&right->node, &l->node);
			l->end = s - 1;
		} else if (l->start < s) {
			l->end = s - 1;
		} else if (l->end > e) {
			l->start = e + 1;
		} else {
			list_del(&l->node);
			list_add_tail(&l->node, &r->dead);
		}
	}
	if (r->type == F_UNLCK)
		return;
	l = take_spare(r);
	l->kind = r->kind;
	l->owner = r->owner;
	l->pid = r->pid;
	l->type = r->type;
	l->start = s;
	l->end = e;
	/* where Linux keeps it: an owner's locks together, by start (so
	 * F_GETLK reports the same one of several conflicts) */
	struct list_head *at = &r->vn->locks;
	struct file_lock *o;
	list_for_each_entry(o, &r->vn->locks, node)
	{
		if (o->kind != r->kind || o->owner != r->owner) {
			if (at != &r->vn->locks)
				break; /* past the owner's group */
			continue;
		}
		at = &o->node;
		if (o->start > s)
			break;
	}
	if (at != &r->vn->locks &&
	    container_of(at, struct file_lock, node)->start > s)
		list_add_tail(&l->node, at); /* before the first one after it */
	else if (at != &r->vn->locks)
		list_add(&l->node, at); /* after the owner's last one */
	else
		list_add_tail(&l->node, &r->vn->locks);
}

/* Would owner waiting for blocker close a cycle of waits (lock held)? */
static bool is_deadlock_locked(void *owner, void *blocker)
{
	for (int i = 0; i < 64 && blocker; i++) {
		if (blocker == owner)
			return true;
		struct lock_wait *w;
		void *next = NULL;
		list_for_each_entry(w, &waits, node)
		{
			if (w->owner == blocker) {
				next = w->blocker;
				break;
			}
		}
		blocker = next;
	}
	return false;
}

/* One attempt (lock held): 0 when applied, -EAGAIN or -EDEADLK. */
static int try_locked(struct lock_req *r)
{
	struct file_lock *c =
		r->type == F_UNLCK ? NULL : find_conflict_locked(r);

	if (!c) {
		apply_locked(r);
		return 0;
	}
	if (r->wait && c->kind == LK_POSIX) {
		if (is_deadlock_locked(r->owner, c->owner))
			return -EDEADLK;
		r->wait->blocker = c->owner;
	}
	return -EAGAIN;
}

/* Run r, sleeping while it conflicts if wait; frees what it removed. */
static int run_req(struct lock_req *r, bool wait)
{
	struct lock_wait w = {.owner = r->owner};
	int ret, err = 0;

	list_init(&r->dead);
	r->spare[0] = kzalloc(sizeof(struct file_lock));
	r->spare[1] = kzalloc(sizeof(struct file_lock));
	if (!r->spare[0] || !r->spare[1]) {
		ret = -ENOMEM;
		goto out;
	}
	u64 fl = spin_lock_irqsave(&locks_wq.lock);
	if (wait && r->kind == LK_POSIX) {
		r->wait = &w;
		list_add_tail(&w.node, &waits);
	}
	ret = try_locked(r);
	spin_unlock_irqrestore(&locks_wq.lock, fl);
	if (ret == -EAGAIN && wait)
		err = waitq_wait_event(&locks_wq,
				       (ret = try_locked(r)) != -EAGAIN, 0);
	if (r->wait) {
		fl = spin_lock_irqsave(&locks_wq.lock);
		list_del(&w.node);
		spin_unlock_irqrestore(&locks_wq.lock, fl);
	}
	if (err)
		ret = err;
out:
	if (!list_empty(&r->dead) || (!ret && r->type != F_WRLCK))
		waitq_wake(&locks_wq, 0, -1); /* something was released */
	struct file_lock *l, *n;
	list_for_each_entry_safe(l, n, &r->dead, node) kfree(l);
	kfree(r->spare[0]);
	kfree(r->spare[1]);
	return ret;
}

static void req_init(struct lock_req *r, struct file *f, int kind, int type,
		     u64 start, u64 end)
{
	memset(r, 0, sizeof(*r));
	r->vn = f->vn;
	r->kind = kind;
	r->owner = kind == LK_POSIX ? (void *)current->proc->files : (void *)f;
	r->pid = kind == LK_POSIX ? current->proc->pid : -1;
	r->type = type;
	r->start = start;
	r->end = end;
}

int locks_set(struct file *f, bool ofd, const struct lock_range *lr, bool wait)
{
	struct lock_req r;

	if (!f->vn)
		return 0; /* pipes, sockets: nothing to share a lock with */
	req_init(&r, f, ofd ? LK_OFD : LK_POSIX, lr->type, lr->start, lr->end);
	return run_req(&r, wait);
}

int locks_get(struct file *f, bool ofd, struct lock_range *lr)
{
	struct lock_req r;

	if (!f->vn) {
		lr->type = F_UNLCK;
		return 0;
	}
	req_init(&r, f, ofd ? LK_OFD : LK_POSIX, lr->type, lr->start, lr->end);
	u64 fl = spin_lock_irqsave(&locks_wq.lock);
	struct file_lock *c = find_conflict_locked(&r);
	if (c) {
		lr->type = c->type;
		lr->start = c->start;
		lr->end = c->end;
		lr->pid = c->kind == LK_POSIX ? c->pid : -1;
	} else {
		lr->type = F_UNLCK;
	}
	spin_unlock_irqrestore(&locks_wq.lock, fl);
	return 0;
}

int locks_flock(struct file *f, int op)
{
	struct lock_req r;
	bool nb = op & LOCK_NB;
	int type;

	switch (op & ~LOCK_NB) {
	case LOCK_SH:
		type = F_RDLCK;
		break;
	case LOCK_EX:
		type = F_WRLCK;
		break;
	case LOCK_UN:
		type = F_UNLCK;
		break;
	default:
		return -EINVAL;
	}
	if (!f->vn)
		return 0;
	/* A conversion drops the old lock first, as on Linux (not atomic). */
	req_init(&r, f, LK_FLOCK, F_UNLCK, 0, LOCKS_OFFSET_MAX);
	u64 fl = spin_lock_irqsave(&locks_wq.lock);
	struct file_lock *l, *held = NULL;
	list_for_each_entry(l, &f->vn->locks, node)
	{
		if (l->kind == LK_FLOCK && l->owner == f)
			held = l;
	}
	bool same = held && held->type == type;
	spin_unlock_irqrestore(&locks_wq.lock, fl);
	if (same)
		return 0;
	if (held || type == F_UNLCK) {
		int ret = run_req(&r, false);
		if (ret || type == F_UNLCK)
			return ret;
	}
	req_init(&r, f, LK_FLOCK, type, 0, LOCKS_OFFSET_MAX);
	return run_req(&r, !nb);
}

/* Drop every lock of kind (or every record and flock lock, kind < 0)
 * owned by owner on vn. */
static void remove_owned(struct vnode *vn, void *owner, int kind)
{
	struct file_lock *l, *n;
	LIST_HEAD(dead);

	if (list_empty(&vn->locks)) /* a racy peek: no locks, nothing to do */
		return;
	u64 fl = spin_lock_irqsave(&locks_wq.lock);
	list_for_each_entry_safe(l, n, &vn->locks, node)
	{
		if (l->owner == owner && (kind < 0 || l->kind == kind)) {
			list_del(&l->node);
			list_add_tail(&l->node, &dead);
		}
	}
	spin_unlock_irqrestore(&locks_wq.lock, fl);
	if (list_empty(&dead))
		return;
	waitq_wake(&locks_wq, 0, -1);
	list_for_each_entry_safe(l, n, &dead, node) kfree(l);
}

void locks_remove_posix(struct file *f, struct fdtable *owner)
{
	if (f->vn)
		remove_owned(f->vn, owner, LK_POSIX);
}

void locks_release_file(struct file *f)
{
	if (f->vn)
		remove_owned(f->vn, f, -1);
}

/* ---- leases ---- */

#define LEASE_BREAK_NS (45 * NSEC_PER_SEC) /* /proc/sys/fs/lease-break-time */

void locks_count_open(struct file *f, int delta)
{
	struct vnode *vn = f->vn;

	if (delta > 0) {
		if (!vn || !S_ISREG(vn->mode) || (f->flags & O_PATH))
			return;
		f->open_counted = true;
	} else if (!f->open_counted) {
		return;
	}
	u32 acc = f->flags & O_ACCMODE;
	if (acc == O_RDONLY || acc == O_RDWR)
		__atomic_add_fetch(&vn->open_readers, delta, __ATOMIC_ACQ_REL);
	if (acc == O_WRONLY || acc == O_RDWR)
		__atomic_add_fetch(&vn->open_writers, delta, __ATOMIC_ACQ_REL);
}

static struct file_lock *lease_of_locked(struct vnode *vn, struct file *f)
{
	struct file_lock *l;

	list_for_each_entry(l, &vn->locks, node)
	{
		if (l->kind == LK_LEASE && l->owner == f)
			return l;
	}
	return NULL;
}

/* Linux's check_conflicting_open: a read lease needs no writer, a write
 * lease no other opener at all. */
static bool open_conflicts(struct file *f, int type)
{
	struct vnode *vn = f->vn;
	u32 acc = f->flags & O_ACCMODE;
	int w = __atomic_load_n(&vn->open_writers, __ATOMIC_ACQUIRE);
	int r = __atomic_load_n(&vn->open_readers, __ATOMIC_ACQUIRE);

	if (type == F_RDLCK)
		return w > 0;
	int self_w = acc != O_RDONLY, self_r = acc == O_RDONLY;
	return w != self_w || r != self_r;
}

int locks_set_lease(struct file *f, int type)
{
	struct vnode *vn = f->vn;

	if (!vn)
		return -EINVAL;
	struct fs_cred c;
	cred_fs(&c);
	if (c.fsuid != vn->uid && !cred_capable(CAP_LEASE))
		return -EACCES;
	if (!S_ISREG(vn->mode) || (f->flags & O_PATH))
		return -EINVAL;
	if (type != F_RDLCK && type != F_WRLCK && type != F_UNLCK)
		return -EINVAL;
	struct file_lock *mine, *l, *nl = NULL, *victim = NULL;
	if (type != F_UNLCK && !(nl = kzalloc(sizeof(*nl))))
		return -ENOMEM;
	int ret = 0;
	u64 fl = spin_lock_irqsave(&locks_wq.lock);
	mine = lease_of_locked(vn, f);
	if (type == F_UNLCK) {
		victim = mine;
		if (victim)
			list_del(&victim->node);
		else
			ret = -EAGAIN; /* as Linux: no lease to remove */
		goto out;
	}
	if (open_conflicts(f, type)) {
		ret = -EAGAIN;
		goto out;
	}
	list_for_each_entry(l, &vn->locks, node)
	{
		if (l->kind != LK_LEASE || l == mine)
			continue;
		/* no write lease beside another lease; no new lease while
		 * another is being broken for a writer */
		if (type == F_WRLCK || l->break_to == F_UNLCK) {
			ret = -EAGAIN;
			goto out;
		}
	}
	if (mine) {
		/* changing one's own lease; a downgrade the breaker asked
		 * for ends the break */
		if (mine->break_to >= 0 && type == F_WRLCK) {
			ret = -EAGAIN;
			goto out;
		}
		mine->type = type;
		if (mine->break_to == type)
			mine->break_to = -1;
		goto out;
	}
	*nl = (struct file_lock){.kind = LK_LEASE,
				 .owner = f,
				 .pid = current->proc->pid,
				 .type = type,
				 .break_to = -1};
	list_add_tail(&nl->node, &vn->locks);
	nl = NULL;
out:
	spin_unlock_irqrestore(&locks_wq.lock, fl);
	if (!ret && (victim || mine))
		waitq_wake(&locks_wq, 0, -1); /* breakers may go on */
	kfree(victim);
	kfree(nl);
	return ret;
}

int locks_get_lease(struct file *f)
{
	int type = F_UNLCK;

	if (!f->vn)
		return type;
	u64 fl = spin_lock_irqsave(&locks_wq.lock);
	struct file_lock *l = lease_of_locked(f->vn, f);
	if (l)
		type = l->break_to >= 0 ? l->break_to : l->type;
	spin_unlock_irqrestore(&locks_wq.lock, fl);
	return type;
}

/* What a lease must become for an open with access mode acc: F_UNLCK
 * for a writer or against a write lease being read, else nothing (-1). */
static int break_target(const struct file_lock *l, u32 acc)
{
	if (acc != O_RDONLY)
		return F_UNLCK;
	return l->type == F_WRLCK ? F_RDLCK : -1;
}

/* Under the locks_wq lock: start breaking the leases of other files that
 * conflict with f (setting sig_pid and sig for a holder to tell now) and
 * move those whose break time ran out to dead; is one still in f's way? */
static bool lease_blocks_locked(struct file *f, u64 now, int *sig_pid, int *sig,
				struct list_head *dead)
{
	struct file_lock *l, *n;
	u32 acc = f->flags & O_ACCMODE;
	bool blocked = false;

	list_for_each_entry_safe(l, n, &f->vn->locks, node)
	{
		if (l->kind != LK_LEASE || l->owner == f)
			continue;
		int to = break_target(l, acc);
		if (to < 0 && l->break_to < 0)
			continue;
		if (l->break_to < 0 || (to == F_UNLCK && l->break_to != to)) {
			l->break_to = to;
			if (!l->break_deadline)
				l->break_deadline = now + LEASE_BREAK_NS;
			struct file *holder = l->owner;
			*sig_pid = l->pid;
			*sig = READ_ONCE(holder->sig) ? READ_ONCE(holder->sig)
						      : SIGIO;
		}
		if (now >= l->break_deadline) {
			/* the holder did not give way in time */
			if (l->break_to == F_RDLCK) {
				l->type = F_RDLCK;
				l->break_to = -1;
				l->break_deadline = 0;
			} else {
				list_del(&l->node);
				list_add_tail(&l->node, dead);
			}
			continue;
		}
		if (l->break_to >= 0)
			blocked = true;
	}
	return blocked;
}

/* Is a lease of another file still being broken for f? (lock held) */
static bool lease_pending_locked(struct file *f)
{
	struct file_lock *l;

	list_for_each_entry(l, &f->vn->locks, node)
	{
		if (l->kind == LK_LEASE && l->owner != f && l->break_to >= 0)
			return true;
	}
	return false;
}

int locks_break_lease(struct file *f)
{
	struct vnode *vn = f->vn;
	int ret = 0;

	if (!f->open_counted || list_empty(&vn->locks)) /* racy peek */
		return 0;
	for (;;) {
		LIST_HEAD(dead);
		int sig_pid = 0, sig = 0;
		u64 now = clock_monotonic_ns(), deadline = 0;
		u64 fl = spin_lock_irqsave(&locks_wq.lock);
		bool blocked =
			lease_blocks_locked(f, now, &sig_pid, &sig, &dead);
		struct file_lock *l, *n;
		list_for_each_entry(l, &vn->locks, node)
		{
			if (l->kind == LK_LEASE && l->break_to >= 0 &&
			    (!deadline || l->break_deadline < deadline))
				deadline = l->break_deadline;
		}
		spin_unlock_irqrestore(&locks_wq.lock, fl);
		list_for_each_entry_safe(l, n, &dead, node) kfree(l);
		if (sig_pid) {
			struct process *p = proc_find_get(sig_pid);
			if (p) {
				signal_send_process(p, sig);
				process_put(p);
			}
		}
		if (!blocked)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN; /* EWOULDBLOCK */
		ret = waitq_wait_event(&locks_wq, !lease_pending_locked(f),
				       deadline);
		if (ret == -ERESTARTSYS || ret == -EINTR)
			return -ERESTARTSYS;
	}
}
