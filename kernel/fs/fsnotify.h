/* SPDX-License-Identifier: MIT */
/*
 * File change notification hooks (Linux's fsnotify), called by the file
 * syscalls, the VFS and tmpfs; inotify (fs/inotify.c) is their listener.
 * Each hook is an inline test of fsnotify_interest, the union of the masks
 * of the watches that exist (0 when there are none), so a kernel nobody
 * watches pays one load per hook.
 *
 * Events go to the watches of the vnode itself and, for the events Linux
 * reports on children (access, modify, attrib, open, close), to those of
 * the directory its path name is in (vn->dname), with the name: the
 * directory's first, as Linux. Names in a directory (create, delete,
 * moves) go to the directory's watches only.
 *
 * Locking: fsnotify_file_event and fsnotify_change_event take vfs_lock to
 * find the parent, so their callers must not hold it; the others take
 * only inotify's lock and may be called with vfs_lock held. None sleeps.
 */
#ifndef FS_FSNOTIFY_H
#define FS_FSNOTIFY_H

#include <kernel/types.h>
#include <uapi/inotify.h>

struct file;
struct vnode;

extern u32 fsnotify_interest;

static inline bool fsnotify_wanted(u32 mask)
{
	return unlikely(READ_ONCE(fsnotify_interest) & mask);
}

/* f was read, written, opened or closed (IN_ACCESS, IN_MODIFY...). */
void fsnotify_file_event(struct file *f, u32 mask);
static inline void fsnotify_file(struct file *f, u32 mask)
{
	if (fsnotify_wanted(mask))
		fsnotify_file_event(f, mask);
}

/* IN_CLOSE_WRITE or IN_CLOSE_NOWRITE, as f was opened. */
void fsnotify_close(struct file *f);

/* vn changed through a path (chmod, truncate, utimes: IN_ATTRIB...). */
void fsnotify_change_event(struct vnode *vn, u32 mask);
static inline void fsnotify_change(struct vnode *vn, u32 mask)
{
	if (fsnotify_wanted(mask))
		fsnotify_change_event(vn, mask);
}

/* An event for vn's own watches only (link count IN_ATTRIB, MOVE_SELF). */
void fsnotify_inode_event(struct vnode *vn, u32 mask);
static inline void fsnotify_inode(struct vnode *vn, u32 mask)
{
	if (fsnotify_wanted(mask))
		fsnotify_inode_event(vn, mask);
}

/*
 * The name dir/name (of a file of type mode, for IN_ISDIR) was created,
 * deleted or moved (IN_CREATE, IN_DELETE, IN_MOVED_FROM/TO with cookie).
 */
void fsnotify_dirent_event(struct vnode *dir, const char *name, size_t len,
			   u32 mode, u32 mask, u32 cookie);
static inline void fsnotify_dirent(struct vnode *dir, const char *name,
				   size_t len, u32 mode, u32 mask)
{
	if (fsnotify_wanted(mask))
		fsnotify_dirent_event(dir, name, len, mode, mask, 0);
}

/*
 * A rename moved what oname in odir named (moved) to nname in ndir,
 * replacing victim (or NULL): IN_MOVED_FROM/TO with one cookie, the
 * victim's IN_ATTRIB, IN_MOVE_SELF, as Linux's fsnotify_move.
 */
void fsnotify_move(struct vnode *odir, const char *oname, size_t olen,
		   struct vnode *ndir, const char *nname, size_t nlen,
		   struct vnode *moved, struct vnode *victim);

/* vn is being freed: IN_DELETE_SELF and IN_IGNORED; its watches go. */
void fsnotify_vnode_free(struct vnode *vn);

#endif
