// SPDX-License-Identifier: MIT
/*
 * Credential syscalls: the get*id and set*id families, setfsuid/setfsgid,
 * getgroups/setgroups. Argument decoding only; the rules (Linux's, with
 * capabilities following the uids) are in proc/cred.c.
 */
#include "syscall.h"
#include "arch/x86_64/percpu.h"
#include "mm/uaccess.h"
#include "proc/cred.h"
#include "proc/proc.h"

/* One id of the caller, read without a lock (a u32 is read whole). */
#define GET_ID(name, field)                                                    \
	long sys_##name(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)        \
	{                                                                      \
		(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;    \
		return READ_ONCE(current->proc->cred.field);                   \
	}
GET_ID(getuid, uid)
GET_ID(geteuid, euid)
GET_ID(getgid, gid)
GET_ID(getegid, egid)

long sys_setuid(u64 uid, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return cred_setuid((u32)uid);
}

long sys_setgid(u64 gid, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return cred_setgid((u32)gid);
}

long sys_setreuid(u64 r, u64 e, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return cred_setreuid((u32)r, (u32)e);
}

long sys_setregid(u64 r, u64 e, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return cred_setregid((u32)r, (u32)e);
}

long sys_setresuid(u64 r, u64 e, u64 s, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return cred_setresuid((u32)r, (u32)e, (u32)s);
}

long sys_setresgid(u64 r, u64 e, u64 s, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return cred_setresgid((u32)r, (u32)e, (u32)s);
}

/* Three ids to user memory, in order. */
static long put_three(u32 r, u32 e, u32 s, u64 ur, u64 ue, u64 us)
{
	if (put_user(r, ur) || put_user(e, ue) || put_user(s, us))
		return -EFAULT;
	return 0;
}

long sys_getresuid(u64 r, u64 e, u64 s, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct cred c;

	cred_current(&c);
	return put_three(c.uid, c.euid, c.suid, r, e, s);
}

long sys_getresgid(u64 r, u64 e, u64 s, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct cred c;

	cred_current(&c);
	return put_three(c.gid, c.egid, c.sgid, r, e, s);
}

/* getgroups: the count; with a size, the list too (EINVAL if short). */
long sys_getgroups(u64 size, u64 list, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if ((s32)size < 0)
		return -EINVAL;
	struct group_info *gi = cred_groups_get();
	long n = gi ? gi->n : 0;
	if ((u32)size && n > (s32)size)
		n = -EINVAL;
	else if ((u32)size && n &&
		 copy_to_user(list, gi->gids, n * sizeof(u32)))
		n = -EFAULT;
	groups_put(gi);
	return n;
}

long sys_setgroups(u64 size, u64 list, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!cred_capable(CAP_SETGID))
		return -EPERM;
	if ((u32)size > NGROUPS_MAX)
		return -EINVAL;
	struct group_info *gi = groups_alloc((u32)size);
	if (!gi)
		return -ENOMEM;
	if (copy_from_user(gi->gids, list, (u64)(u32)size * sizeof(u32))) {
		groups_put(gi);
		return -EFAULT;
	}
	return cred_setgroups(gi);
}

/* setfsuid/setfsgid never fail; they return the previous id. */
long sys_setfsuid(u64 uid, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return cred_setfsuid((u32)uid);
}

long sys_setfsgid(u64 gid, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return cred_setfsgid((u32)gid);
}

/* capget/capset's header: a version and a pid. */
struct cap_header {
	u32 version;
	s32 pid;
};

/* One 32-bit word of each set (v1 has one, v2 and v3 two). */
struct cap_data {
	u32 effective, permitted, inheritable;
};

/* The number of data words for the header's version; an unknown one
 * gets the preferred version written back and EINVAL (the probe). */
static long cap_words(u64 uhdr, u32 *words)
{
	u32 version;

	if (get_user(version, uhdr))
		return -EFAULT;
	switch (version) {
	case _LINUX_CAPABILITY_VERSION_1:
		*words = _LINUX_CAPABILITY_U32S_1;
		return 0;
	case _LINUX_CAPABILITY_VERSION_2:
	case _LINUX_CAPABILITY_VERSION_3:
		*words = _LINUX_CAPABILITY_U32S_3;
		return 0;
	}
	if (put_user((u32)_LINUX_CAPABILITY_VERSION_3, uhdr))
		return -EFAULT;
	return -EINVAL;
}

long sys_capget(u64 uhdr, u64 udata, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct cap_data d[2];
	u64 e, p, i;
	u32 words;
	s32 pid;

	long ret = cap_words(uhdr, &words);
	if (!udata || ret)
		return !udata && ret == -EINVAL ? 0 : ret; /* as Linux */
	if (get_user(pid, uhdr + 4))
		return -EFAULT;
	if (pid < 0)
		return -EINVAL;
	if ((ret = cred_capget(pid, &e, &p, &i)))
		return ret;
	for (int w = 0; w < 2; w++)
		d[w] = (struct cap_data){(u32)(e >> (32 * w)),
					 (u32)(p >> (32 * w)),
					 (u32)(i >> (32 * w))};
	return copy_to_user(udata, d, words * sizeof(d[0]));
}

long sys_capset(u64 uhdr, u64 udata, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct cap_data d[2] = {0};
	u32 words;
	s32 pid;

	long ret = cap_words(uhdr, &words);
	if (ret)
		return ret;
	if (get_user(pid, uhdr + 4))
		return -EFAULT;
	if (pid && pid != current->proc->pid)
		return -EPERM; /* only the caller's own sets */
	if (copy_from_user(d, udata, words * sizeof(d[0])))
		return -EFAULT;
	u64 e = d[0].effective | (u64)d[1].effective << 32;
	u64 p = d[0].permitted | (u64)d[1].permitted << 32;
	u64 i = d[0].inheritable | (u64)d[1].inheritable << 32;
	return cred_capset(e, p, i);
}
