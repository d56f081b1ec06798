// SPDX-License-Identifier: MIT
/*
 * Credentials (cred.h): the set*id rules of Linux's kernel/sys.c, the
 * capability fix-ups of security/commoncap.c (cap_emulate_setxuid,
 * cap_task_fix_setuid, the root case of cap_bprm_creds_from_file),
 * supplementary groups, and the checks other subsystems ask for: a
 * capability, group membership, signal permission. A change is computed
 * on a copy under p->cred_lock and stored whole, as Linux's
 * prepare_creds/commit_creds.
 */
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "cred.h"
#include "proc.h"
#include "signal.h"
#include "arch/x86_64/percpu.h"
#include "mm/kheap.h"

/* The filesystem capabilities, which follow the fsuid (CAP_FS_SET). */
#define CAP_FS_SET                                                             \
	((1ULL << CAP_CHOWN) | (1ULL << CAP_DAC_OVERRIDE) |                    \
	 (1ULL << CAP_DAC_READ_SEARCH) | (1ULL << CAP_FOWNER) |                \
	 (1ULL << CAP_FSETID) | (1ULL << CAP_LINUX_IMMUTABLE) |                \
	 (1ULL << CAP_MKNOD) | (1ULL << CAP_MAC_OVERRIDE))

#define SIGCONT 18

/* Kernel threads (no process) act as root. */
static struct cred kernel_cred = {
	.cap_permitted = CAP_FULL_SET,
	.cap_effective = CAP_FULL_SET,
};

static void commit_locked(struct process *p, const struct cred *c);

static struct process *self(void)
{
	return current ? current->proc : NULL;
}

void cred_init_root(struct cred *c)
{
	*c = kernel_cred;
}

struct group_info *groups_alloc(u32 n)
{
	struct group_info *gi = kmalloc(sizeof(*gi) + (u64)n * sizeof(u32));

	if (gi) {
		gi->refcount = 1;
		gi->n = n;
	}
	return gi;
}

static void groups_get(struct group_info *gi)
{
	if (gi)
		__atomic_add_fetch(&gi->refcount, 1, __ATOMIC_RELAXED);
}

void groups_put(struct group_info *gi)
{
	if (gi && !__atomic_sub_fetch(&gi->refcount, 1, __ATOMIC_ACQ_REL))
		kfree(gi);
}

void cred_fork(struct process *child, struct process *parent)
{
	spin_lock(&parent->cred_lock);
	child->cred = parent->cred;
	groups_get(child->cred.groups);
	spin_unlock(&parent->cred_lock);
}

void cred_free(struct process *p)
{
	groups_put(p->cred.groups);
	p->cred.groups = NULL;
}

void cred_current(struct cred *out)
{
	struct process *p = self();

	cred_of(p, out);
}

void cred_of(struct process *p, struct cred *out)
{
	if (!p) {
		*out = kernel_cred;
		return;
	}
	spin_lock(&p->cred_lock);
	*out = p->cred;
	spin_unlock(&p->cred_lock);
}

void cred_exec_prepare(struct cred *c, bool setuid, u32 uid, bool setgid,
		       u32 gid)
{
	cred_current(c);
	c->groups = NULL; /* not referenced: commit keeps the process's */
	if (setuid)
		c->euid = uid;
	if (setgid)
		c->egid = gid;
	c->suid = c->fsuid = c->euid;
	c->sgid = c->fsgid = c->egid;
	/* a file without capabilities: root (real or effective) gets the
	 * full bounding set, others nothing */
	c->cap_permitted = (!c->uid || !c->euid) ? CAP_FULL_SET : 0;
	c->cap_effective = !c->euid ? c->cap_permitted : 0;
}

void cred_exec_commit(struct process *p, const struct cred *c)
{
	spin_lock(&p->cred_lock);
	commit_locked(p, c);
	spin_unlock(&p->cred_lock);
}

bool cred_capable(int cap)
{
	struct thread *t = current;
	struct process *p = self();
	u64 caps;

	if (t && t->fs_override)
		caps = t->fs_override->caps;
	else
		caps = p ? READ_ONCE(p->cred.cap_effective) : CAP_FULL_SET;
	return caps & (1ULL << cap);
}

void cred_fs(struct fs_cred *out)
{
	struct thread *t = current;
	struct process *p = self();

	if (t && t->fs_override) {
		*out = *t->fs_override;
	} else if (!p) {
		out->fsuid = out->fsgid = 0;
		out->caps = CAP_FULL_SET;
	} else {
		out->fsuid = READ_ONCE(p->cred.fsuid);
		out->fsgid = READ_ONCE(p->cred.fsgid);
		out->caps = READ_ONCE(p->cred.cap_effective);
	}
}

/* Is gid in gi (binary search, as Linux's groups_search)? */
static bool groups_search(const struct group_info *gi, u32 gid)
{
	u32 lo = 0, hi = gi ? gi->n : 0;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		if (gi->gids[mid] == gid)
			return true;
		if (gi->gids[mid] < gid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool cred_in_group(u32 gid)
{
	struct process *p = self();
	struct fs_cred fc;

	cred_fs(&fc);
	if (gid == fc.fsgid)
		return true;
	if (!p)
		return false;
	spin_lock(&p->cred_lock);
	bool in = groups_search(p->cred.groups, gid);
	spin_unlock(&p->cred_lock);
	return in;
}

void cred_override_access(struct fs_cred *save)
{
	struct process *p = self();

	if (!p)
		return;
	/* Linux's access_override_creds */
	spin_lock(&p->cred_lock);
	save->fsuid = p->cred.uid;
	save->fsgid = p->cred.gid;
	save->caps = p->cred.uid ? 0 : p->cred.cap_permitted;
	spin_unlock(&p->cred_lock);
	current->fs_override = save;
}

void cred_revert(void)
{
	if (current)
		current->fs_override = NULL;
}

struct group_info *cred_groups_get(void)
{
	return cred_groups_of(self());
}

struct group_info *cred_groups_of(struct process *p)
{
	struct group_info *gi = NULL;

	if (p) {
		spin_lock(&p->cred_lock);
		gi = p->cred.groups;
		groups_get(gi);
		spin_unlock(&p->cred_lock);
	}
	return gi;
}

/* Linux's kill_ok_by_cred, and the SIGCONT-in-session exception. */
bool cred_may_signal(struct process *target, int sig)
{
	struct process *p = self();

	if (!p || p == target || cred_capable(CAP_KILL))
		return true;
	u32 uid = READ_ONCE(p->cred.uid), euid = READ_ONCE(p->cred.euid);
	u32 tuid = READ_ONCE(target->cred.uid);
	u32 tsuid = READ_ONCE(target->cred.suid);
	if (euid == tsuid || euid == tuid || uid == tsuid || uid == tuid)
		return true;
	return sig == SIGCONT && target->sid == p->sid;
}

/*
 * Capabilities after a change of uids from old to c (Linux's
 * cap_emulate_setxuid): all gone when no uid is 0 any more; the effective
 * set follows the euid leaving or reaching 0.
 */
static void fix_caps_setxuid(struct cred *c, const struct cred *old)
{
	bool was_root = !old->uid || !old->euid || !old->suid;
	bool is_root = !c->uid || !c->euid || !c->suid;

	if (was_root && !is_root)
		c->cap_permitted = c->cap_effective = 0;
	if (!old->euid && c->euid)
		c->cap_effective = 0;
	if (old->euid && !c->euid)
		c->cap_effective = c->cap_permitted;
}

/* The filesystem capabilities follow the fsuid (cap_task_fix_setuid). */
static void fix_caps_setfsuid(struct cred *c, const struct cred *old)
{
	if (!old->fsuid && c->fsuid)
		c->cap_effective &= ~CAP_FS_SET;
	if (old->fsuid && !c->fsuid)
		c->cap_effective |= c->cap_permitted & CAP_FS_SET;
}

/* Store c as p's credentials (p->cred_lock held); groups unchanged. */
static void commit_locked(struct process *p, const struct cred *c)
{
	WRITE_ONCE(p->cred.uid, c->uid);
	WRITE_ONCE(p->cred.euid, c->euid);
	WRITE_ONCE(p->cred.suid, c->suid);
	WRITE_ONCE(p->cred.fsuid, c->fsuid);
	WRITE_ONCE(p->cred.gid, c->gid);
	WRITE_ONCE(p->cred.egid, c->egid);
	WRITE_ONCE(p->cred.sgid, c->sgid);
	WRITE_ONCE(p->cred.fsgid, c->fsgid);
	WRITE_ONCE(p->cred.cap_permitted, c->cap_permitted);
	WRITE_ONCE(p->cred.cap_effective, c->cap_effective);
	WRITE_ONCE(p->cred.cap_inheritable, c->cap_inheritable);
}

/* Is cap in c's effective set? */
static bool has_cap(const struct cred *c, int cap)
{
	return c->cap_effective & (1ULL << cap);
}

/* The kinds of change, each with its rule (below). */
enum setid_op { SET_ID, SET_RE, SET_RES };

/* The uid rules of setuid, setreuid, setresuid (kernel/sys.c). */
static int uid_rule(struct cred *c, const struct cred *o, enum setid_op op,
		    u32 r, u32 e, u32 s)
{
	bool cap = has_cap(o, CAP_SETUID);

	if (op == SET_ID) {
		if (cap)
			c->uid = c->suid = r;
		else if (r != o->uid && r != o->suid)
			return -EPERM;
		c->euid = c->fsuid = r;
		return 0;
	}
	if (op == SET_RE) {
		if (r != CRED_KEEP) {
			if (r != o->uid && r != o->euid && !cap)
				return -EPERM;
			c->uid = r;
		}
		if (e != CRED_KEEP) {
			if (e != o->uid && e != o->euid && e != o->suid && !cap)
				return -EPERM;
			c->euid = e;
		}
		if (r != CRED_KEEP || (e != CRED_KEEP && e != o->uid))
			c->suid = c->euid;
		c->fsuid = c->euid;
		return 0;
	}
	u32 ids[3] = {r, e, s};
	for (int i = 0; i < 3 && !cap; i++)
		if (ids[i] != CRED_KEEP && ids[i] != o->uid &&
		    ids[i] != o->euid && ids[i] != o->suid)
			return -EPERM;
	if (r != CRED_KEEP)
		c->uid = r;
	if (e != CRED_KEEP)
		c->euid = e;
	if (s != CRED_KEEP)
		c->suid = s;
	c->fsuid = c->euid;
	return 0;
}

/* The gid rules of setgid, setregid, setresgid (kernel/sys.c). */
static int gid_rule(struct cred *c, const struct cred *o, enum setid_op op,
		    u32 r, u32 e, u32 s)
{
	bool cap = has_cap(o, CAP_SETGID);

	if (op == SET_ID) {
		if (cap)
			c->gid = c->egid = c->sgid = c->fsgid = r;
		else if (r == o->gid || r == o->sgid)
			c->egid = c->fsgid = r;
		else
			return -EPERM;
		return 0;
	}
	if (op == SET_RE) {
		if (r != CRED_KEEP) {
			if (r != o->gid && r != o->egid && !cap)
				return -EPERM;
			c->gid = r;
		}
		if (e != CRED_KEEP) {
			if (e != o->gid && e != o->egid && e != o->sgid && !cap)
				return -EPERM;
			c->egid = e;
		}
		if (r != CRED_KEEP || (e != CRED_KEEP && e != o->gid))
			c->sgid = c->egid;
		c->fsgid = c->egid;
		return 0;
	}
	u32 ids[3] = {r, e, s};
	for (int i = 0; i < 3 && !cap; i++)
		if (ids[i] != CRED_KEEP && ids[i] != o->gid &&
		    ids[i] != o->egid && ids[i] != o->sgid)
			return -EPERM;
	if (r != CRED_KEEP)
		c->gid = r;
	if (e != CRED_KEEP)
		c->egid = e;
	if (s != CRED_KEEP)
		c->sgid = s;
	c->fsgid = c->egid;
	return 0;
}

/* Is setresuid/setresgid(r, e, s) a no-op for ids (uid or gid side)? */
static bool res_noop(u32 r, u32 e, u32 s, u32 oid, u32 oe, u32 os, u32 ofs)
{
	return (r == CRED_KEEP || r == oid) &&
	       (e == CRED_KEEP || (e == oe && e == ofs)) &&
	       (s == CRED_KEEP || s == os);
}

/* Apply a uid (gids false) or gid change to the caller's credentials. */
static int change_ids(bool uids, enum setid_op op, u32 r, u32 e, u32 s)
{
	struct process *p = self();
	struct cred o, c;
	int ret;

	if (!p)
		return -EPERM;
	spin_lock(&p->cred_lock);
	o = c = p->cred;
	if (op == SET_RES &&
	    (uids ? res_noop(r, e, s, o.uid, o.euid, o.suid, o.fsuid)
		  : res_noop(r, e, s, o.gid, o.egid, o.sgid, o.fsgid))) {
		spin_unlock(&p->cred_lock);
		return 0;
	}
	ret = uids ? uid_rule(&c, &o, op, r, e, s)
		   : gid_rule(&c, &o, op, r, e, s);
	if (!ret) {
		if (uids)
			fix_caps_setxuid(&c, &o);
		commit_locked(p, &c);
	}
	spin_unlock(&p->cred_lock);
	return ret;
}

int cred_setuid(u32 uid)
{
	if (uid == CRED_KEEP)
		return -EINVAL;
	return change_ids(true, SET_ID, uid, uid, uid);
}

int cred_setgid(u32 gid)
{
	if (gid == CRED_KEEP)
		return -EINVAL;
	return change_ids(false, SET_ID, gid, gid, gid);
}

int cred_setreuid(u32 ruid, u32 euid)
{
	return change_ids(true, SET_RE, ruid, euid, CRED_KEEP);
}

int cred_setregid(u32 rgid, u32 egid)
{
	return change_ids(false, SET_RE, rgid, egid, CRED_KEEP);
}

int cred_setresuid(u32 ruid, u32 euid, u32 suid)
{
	return change_ids(true, SET_RES, ruid, euid, suid);
}

int cred_setresgid(u32 rgid, u32 egid, u32 sgid)
{
	return change_ids(false, SET_RES, rgid, egid, sgid);
}

/* setfsuid (uids) or setfsgid: any of the four ids, or with the cap. */
static u32 change_fsid(bool uids, u32 id)
{
	struct process *p = self();
	struct cred o, c;

	if (!p)
		return 0;
	spin_lock(&p->cred_lock);
	o = c = p->cred;
	u32 old = uids ? o.fsuid : o.fsgid;
	bool ok = uids ? (id == o.uid || id == o.euid || id == o.suid ||
			  id == o.fsuid || has_cap(&o, CAP_SETUID))
		       : (id == o.gid || id == o.egid || id == o.sgid ||
			  id == o.fsgid || has_cap(&o, CAP_SETGID));
	if (id != CRED_KEEP && ok && id != old) {
		if (uids) {
			c.fsuid = id;
			fix_caps_setfsuid(&c, &o);
		} else {
			c.fsgid = id;
		}
		commit_locked(p, &c);
	}
	spin_unlock(&p->cred_lock);
	return old;
}

u32 cred_setfsuid(u32 uid)
{
	return change_fsid(true, uid);
}

u32 cred_setfsgid(u32 gid)
{
	return change_fsid(false, gid);
}

/* Heapsort: setgroups may bring 65536 ids, so no quadratic sort. */
static void sift_down(u32 *a, u32 i, u32 n)
{
	for (;;) {
		u32 big = i, l = 2 * i + 1, r = l + 1;
		if (l < n && a[l] > a[big])
			big = l;
		if (r < n && a[r] > a[big])
			big = r;
		if (big == i)
			return;
		u32 t = a[i];
		a[i] = a[big];
		a[big] = t;
		i = big;
	}
}

static void sort_ids(u32 *a, u32 n)
{
	for (u32 i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (u32 end = n; end > 1; end--) {
		u32 t = a[0];
		a[0] = a[end - 1];
		a[end - 1] = t;
		sift_down(a, 0, end - 1);
	}
}

int cred_setgroups(struct group_info *gi)
{
	struct process *p = self();

	if (!p || !cred_capable(CAP_SETGID)) {
		groups_put(gi);
		return -EPERM;
	}
	sort_ids(gi->gids, gi->n);
	spin_lock(&p->cred_lock);
	struct group_info *old = p->cred.groups;
	p->cred.groups = gi;
	spin_unlock(&p->cred_lock);
	groups_put(old);
	return 0;
}

int cred_capget(int pid, u64 *effective, u64 *permitted, u64 *inheritable)
{
	struct process *me = self(), *p = me;
	struct cred c;

	if (pid && (!me || pid != me->pid)) {
		p = proc_find_get(pid);
		if (!p)
			return -ESRCH;
	}
	cred_of(p, &c);
	if (p != me)
		process_put(p);
	*effective = c.cap_effective;
	*permitted = c.cap_permitted;
	*inheritable = c.cap_inheritable;
	return 0;
}

int cred_capset(u64 effective, u64 permitted, u64 inheritable)
{
	struct process *p = self();
	struct cred c;
	int ret = -EPERM;

	if (!p)
		return -EPERM;
	effective &= CAP_FULL_SET;
	permitted &= CAP_FULL_SET;
	inheritable &= CAP_FULL_SET;
	spin_lock(&p->cred_lock);
	c = p->cred;
	u64 inh_ok = c.cap_inheritable | c.cap_permitted;
	if (has_cap(&c, CAP_SETPCAP))
		inh_ok = CAP_FULL_SET; /* the bounding set, all of it here */
	if ((inheritable & ~inh_ok) || (permitted & ~c.cap_permitted) ||
	    (effective & ~permitted))
		goto out;
	c.cap_effective = effective;
	c.cap_permitted = permitted;
	c.cap_inheritable = inheritable;
	commit_locked(p, &c);
	ret = 0;
out:
	spin_unlock(&p->cred_lock);
	return ret;
}
