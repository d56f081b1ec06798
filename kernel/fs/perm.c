// SPDX-License-Identifier: MIT
/*
 * Permission checks on the tree, as Linux's fs/namei.c and fs/attr.c make
 * them: generic_permission (owner, group or other bits against the
 * caller's fsuid, fsgid and groups, overridden by CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH), may_create, may_delete with the sticky bit,
 * may_open, the ownership of new nodes, and the checks and set-id bit
 * clearing of chmod, chown, utimes and truncate. Credentials come from
 * proc/cred.c; root (all capabilities) passes every check but executing
 * a file without any x bit.
 *
 * /proc and /sys nodes are treated as owned by the caller (Linux makes
 * /proc/PID's files the process's own), so their owner bits apply. Runs
 * under vfs_lock or without it; takes only the caller's cred_lock (a
 * leaf) for group lookups.
 */
#include "vfs.h"
#include "file.h"
#include "proc/cred.h"

/* Is the caller vn's owner (a /proc node: always)? */
static bool is_owner(const struct vnode *vn, const struct fs_cred *fc)
{
	return vn->uid == fc->fsuid || (vn->flags & VN_PROC);
}

static bool has(const struct fs_cred *fc, int cap)
{
	return fc->caps & (1ULL << cap);
}

int vfs_permission(struct vnode *vn, int mask)
{
	struct fs_cred fc;
	u32 mode = vn->mode;

	cred_fs(&fc);
	mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
	if (is_owner(vn, &fc))
		mode >>= 6;
	else if ((mask & (mode ^ (mode >> 3))) && cred_in_group(vn->gid))
		mode >>= 3;
	if (!(mask & ~mode & 7))
		return 0;
	if (S_ISDIR(vn->mode)) {
		if (!(mask & MAY_WRITE) && has(&fc, CAP_DAC_READ_SEARCH))
			return 0;
		return has(&fc, CAP_DAC_OVERRIDE) ? 0 : -EACCES;
	}
	if (mask == MAY_READ && has(&fc, CAP_DAC_READ_SEARCH))
		return 0;
	/* execute is overridable only when some x bit is set */
	if ((!(mask & MAY_EXEC) || (vn->mode & 0111)) &&
	    has(&fc, CAP_DAC_OVERRIDE))
		return 0;
	return -EACCES;
}

bool vfs_is_owner_or_capable(struct vnode *vn)
{
	struct fs_cred fc;

	cred_fs(&fc);
	return is_owner(vn, &fc) || has(&fc, CAP_FOWNER);
}

/* in_group_or_capable: may the caller keep S_ISGID with group gid? */
static bool in_group_or_capable(u32 gid)
{
	return cred_in_group(gid) || cred_capable(CAP_FSETID);
}

int vfs_may_delete(struct vnode *dir, struct vnode *vn)
{
	int ret = vfs_permission(dir, MAY_WRITE | MAY_EXEC);

	if (ret || !(dir->mode & S_ISVTX))
		return ret;
	struct fs_cred fc;
	cred_fs(&fc);
	if (vn->uid == fc.fsuid || dir->uid == fc.fsuid || has(&fc, CAP_FOWNER))
		return 0;
	return -EPERM;
}

int vfs_may_open(struct vnode *vn, u32 flags)
{
	u32 acc = flags & O_ACCMODE;
	int mask = 0;

	if (flags & O_PATH)
		return 0;
	if (S_ISDIR(vn->mode) && (acc != O_RDONLY || (flags & O_TRUNC)))
		return 0; /* EISDIR, from file_open_vnode */
	if ((flags & O_DIRECTORY) && !S_ISDIR(vn->mode))
		return 0; /* ENOTDIR, likewise */
	if (acc == O_RDONLY || acc == O_RDWR)
		mask |= MAY_READ;
	if (acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	int ret = mask ? vfs_permission(vn, mask) : 0;
	/* O_NOATIME: the owner's (or CAP_FOWNER's) only, as Linux */
	if (!ret && (flags & O_NOATIME) && !vfs_is_owner_or_capable(vn))
		ret = -EPERM;
	return ret;
}

/*
 * A node about to be created in dir: its owner (the caller's fsuid and
 * fsgid, or dir's group when dir is set-group-id) and its final mode
 * (Linux's inode_init_owner and mode_strip_sgid).
 */
void vfs_init_owner(struct vnode *vn, struct vnode *dir)
{
	struct fs_cred fc;

	cred_fs(&fc);
	vn->uid = fc.fsuid;
	vn->gid = fc.fsgid;
	if (!dir || !(dir->mode & S_ISGID))
		return;
	vn->gid = dir->gid;
	if (S_ISDIR(vn->mode))
		vn->mode |= S_ISGID;
	else if ((vn->mode & (S_ISGID | 0010)) == (S_ISGID | 0010) &&
		 !in_group_or_capable(dir->gid))
		vn->mode &= ~S_ISGID;
}

int vfs_setattr_mode(struct vnode *vn, u32 mode)
{
	if (!vfs_is_owner_or_capable(vn))
		return -EPERM;
	if ((mode & S_ISGID) && !in_group_or_capable(vn->gid))
		mode &= ~S_ISGID;
	vfs_chmod(vn, mode);
	return 0;
}

/*
 * chown: the owner may only give the file to a group it is in (keeping
 * the uid); CAP_CHOWN anything. A non-directory loses S_ISUID, and
 * S_ISGID when group-executable (or its group is not the caller's), which
 * needs the right to chmod it (Linux's chown_common and notify_change).
 */
int vfs_setattr_owner(struct vnode *vn, u32 uid, u32 gid)
{
	struct fs_cred fc;
	u32 kill = 0;

	cred_fs(&fc);
	bool owner = vn->uid == fc.fsuid, cap = has(&fc, CAP_CHOWN);
	if (uid != CRED_KEEP && !cap && !(owner && uid == vn->uid))
		return -EPERM;
	if (gid != CRED_KEEP && !cap &&
	    !(owner && (gid == vn->gid || cred_in_group(gid))))
		return -EPERM;
	if (!S_ISDIR(vn->mode)) {
		kill = vn->mode & S_ISUID;
		if ((vn->mode & S_ISGID) &&
		    ((vn->mode & 0010) || !in_group_or_capable(vn->gid)))
			kill |= S_ISGID;
	}
	if (kill && !vfs_is_owner_or_capable(vn))
		return -EPERM;
	vfs_chown(vn, uid, gid);
	if (kill)
		vfs_chmod(vn, vn->mode & ~kill);
	return 0;
}

/*
 * utimes: setting both times to now (touch) needs ownership or write
 * permission; explicit times need ownership or CAP_FOWNER; leaving both
 * (UTIME_OMIT twice) needs nothing.
 */
int vfs_setattr_times(struct vnode *vn, u64 atime_ns, u64 mtime_ns, bool touch)
{
	bool omit = atime_ns == VFS_TIME_OMIT && mtime_ns == VFS_TIME_OMIT;

	if (!omit && !vfs_is_owner_or_capable(vn)) {
		int ret = touch ? vfs_permission(vn, MAY_WRITE) : -EPERM;
		if (ret)
			return ret;
	}
	vfs_set_times(vn, atime_ns, mtime_ns);
	return 0;
}

void vfs_remove_privs(struct vnode *vn)
{
	u32 mode = READ_ONCE(vn->mode), kill = mode & S_ISUID;

	if ((mode & S_ISGID) && (mode & 0010))
		kill |= S_ISGID; /* without g+x: a locking mark, kept */
	if (kill && S_ISREG(mode) && !cred_capable(CAP_FSETID))
		vfs_chmod(vn, mode & ~kill);
}

int vfs_truncate_path(struct vnode *vn, u64 len)
{
	if (S_ISDIR(vn->mode))
		return -EISDIR;
	if (!S_ISREG(vn->mode))
		return -EINVAL;
	int ret = vfs_permission(vn, MAY_WRITE);
	return ret ? ret : vfs_truncate(vn, len);
}
