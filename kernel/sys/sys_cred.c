// SPDX-License-Identifier: MIT
/*
 * Credentials. Kiln runs one program as root and keeps no credentials:
 * every real, effective, saved and filesystem id is 0 and there are no
 * supplementary groups. The set*id calls succeed when they ask for 0 (or
 * -1, "unchanged", where Linux allows it) and fail with EPERM otherwise,
 * so a program dropping privileges learns that it could not, rather than
 * believing it did.
 */
#include "syscall.h"
#include "mm/uaccess.h"

#define ID_KEEP 0xffffffffu /* -1: leave the id unchanged */

/* May the ids become id (0, or -1 where keep_ok)? */
static long set_ids(u64 id, bool keep_ok)
{
	if ((u32)id == ID_KEEP)
		return keep_ok ? 0 : -EINVAL;
	return (u32)id == 0 ? 0 : -EPERM;
}

long sys_setuid(u64 uid, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return set_ids(uid, false);
}

long sys_setgid(u64 gid, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return set_ids(gid, false);
}

long sys_setreuid(u64 r, u64 e, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	long ret = set_ids(r, true);
	return ret ? ret : set_ids(e, true);
}

long sys_setregid(u64 r, u64 e, u64 a2, u64 a3, u64 a4, u64 a5)
{
	return sys_setreuid(r, e, a2, a3, a4, a5);
}

long sys_setresuid(u64 r, u64 e, u64 s, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	long ret = set_ids(r, true);
	if (!ret)
		ret = set_ids(e, true);
	return ret ? ret : set_ids(s, true);
}

long sys_setresgid(u64 r, u64 e, u64 s, u64 a3, u64 a4, u64 a5)
{
	return sys_setresuid(r, e, s, a3, a4, a5);
}

/* getresuid/getresgid: three zeros. */
static long put_three_zeros(u64 r, u64 e, u64 s)
{
	if (put_user((u32)0, r) || put_user((u32)0, e) || put_user((u32)0, s))
		return -EFAULT;
	return 0;
}

long sys_getresuid(u64 r, u64 e, u64 s, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return put_three_zeros(r, e, s);
}

long sys_getresgid(u64 r, u64 e, u64 s, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return put_three_zeros(r, e, s);
}

/* No supplementary groups: the count is 0 whatever the list's size. */
long sys_getgroups(u64 size, u64 list, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)list, (void)a2, (void)a3, (void)a4, (void)a5;
	return (s32)size < 0 ? -EINVAL : 0;
}

/* setfsuid/setfsgid never fail; they return the previous id (0). */
long sys_setfsuid(u64 uid, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)uid, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return 0;
}

long sys_setfsgid(u64 gid, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)gid, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return 0;
}
