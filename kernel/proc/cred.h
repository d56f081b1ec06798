/* SPDX-License-Identifier: MIT */
/*
 * Credentials: a process's real, effective, saved and filesystem user and
 * group ids, its supplementary groups and its capability sets, with
 * Linux's rules for changing them (the set*id family, setgroups, the
 * capability changes that follow uid changes and execve). Threads share
 * their process's credentials (docs/decisions/credentials.md).
 *
 * Capabilities are bitmasks of Linux's capability numbers, permitted,
 * effective and inheritable (capset's rules), changed exactly where Linux
 * changes them without file capabilities or securebits: a process whose uids
 * all leave 0 loses them, an euid of 0 makes the effective set the permitted
 * one, an fsuid leaving (or returning to) 0 drops (or raises) the filesystem
 * ones.
 *
 * Locking: p->cred_lock (a leaf spinlock: nothing is taken under it)
 * serializes changes to p->cred and guards p->cred.groups. Single fields
 * are read without it (READ_ONCE): a check racing a change made by another
 * thread sees each field old or new.
 */
#ifndef PROC_CRED_H
#define PROC_CRED_H

#include <kernel/types.h>
#include <uapi/capability.h>

#define CRED_KEEP    0xffffffffu /* -1: leave the id unchanged */
#define CAP_FULL_SET ((1ULL << (CAP_LAST_CAP + 1)) - 1)

/* Supplementary groups: shared, never changed once made (setgroups
 * makes a new one). */
struct group_info {
	int refcount; /* atomic */
	u32 n;
	u32 gids[]; /* ascending, as Linux's groups_sort leaves them */
};

struct cred {
	u32 uid, euid, suid, fsuid;
	u32 gid, egid, sgid, fsgid;
	u64 cap_permitted, cap_effective;
	u64 cap_inheritable;	   /* kept across execve; capset changes it */
	struct group_info *groups; /* counted; NULL: none */
};

/*
 * The ids a filesystem permission check uses: the fsuid, fsgid and
 * effective capabilities, or access(2)'s real ids (cred_override_access).
 */
struct fs_cred {
	u32 fsuid, fsgid;
	u64 caps;
};

struct process;

/* Root with every capability and no groups (the first process). */
void cred_init_root(struct cred *c);
/* fork: child gets a copy of parent's credentials. */
void cred_fork(struct process *child, struct process *parent);
/* The last reference to p is going. */
void cred_free(struct process *p);
/*
 * execve's credentials, from the caller's: the file's owner (group) as
 * effective uid (gid) for a set-user-id (set-group-id) file; saved and fs
 * ids follow the effective ones; capabilities as for a file without file
 * capabilities. Commit installs them (groups unchanged).
 */
void cred_exec_prepare(struct cred *out, bool setuid, u32 uid, bool setgid,
		       u32 gid);
void cred_exec_commit(struct process *p, const struct cred *c);

/* Has the caller cap in its effective set? */
bool cred_capable(int cap);
/* The caller's filesystem view (the override when one is set). */
void cred_fs(struct fs_cred *out);
/* Is gid the caller's fsgid or one of its supplementary groups? */
bool cred_in_group(u32 gid);
/* access(2): run the checks with the real ids until cred_revert. */
void cred_override_access(struct fs_cred *save);
void cred_revert(void);
/* May the caller send sig to target (proc_table_lock held)? */
bool cred_may_signal(struct process *target, int sig);
/* A snapshot of the caller's credentials (groups not referenced). */
void cred_current(struct cred *out);
/* A snapshot of p's (for /proc). */
void cred_of(struct process *p, struct cred *out);

/* capget of pid (0: the caller): its three sets, or -ESRCH. */
int cred_capget(int pid, u64 *effective, u64 *permitted, u64 *inheritable);
/* capset on the caller with cap_capset's rules: -EPERM unless permitted
 * is within the old permitted set, effective within the new permitted,
 * inheritable within the old inheritable | permitted (anything without
 * CAP_SETPCAP's restriction to that when the caller has it). */
int cred_capset(u64 effective, u64 permitted, u64 inheritable);

/* The set*id family with Linux's rules; 0 or -errno. */
int cred_setuid(u32 uid);
int cred_setgid(u32 gid);
int cred_setreuid(u32 ruid, u32 euid);
int cred_setregid(u32 rgid, u32 egid);
int cred_setresuid(u32 ruid, u32 euid, u32 suid);
int cred_setresgid(u32 rgid, u32 egid, u32 sgid);
/* setfsuid/setfsgid: the old id, whether or not the change took. */
u32 cred_setfsuid(u32 uid);
u32 cred_setfsgid(u32 gid);
/* setgroups: takes gi (sorted here); -EPERM without CAP_SETGID. */
int cred_setgroups(struct group_info *gi);
/* A new group list of n entries (refcount 1), or NULL. */
struct group_info *groups_alloc(u32 n);
/* The caller's groups, referenced (NULL: none). */
struct group_info *cred_groups_get(void);
/* p's groups, referenced (NULL: none). */
struct group_info *cred_groups_of(struct process *p);
void groups_put(struct group_info *gi);

#endif
