/* SPDX-License-Identifier: MIT */
/*
 * inotify files (fs/inotify.c), for the syscalls in sys/sys_inotify.c.
 * The hooks that feed them are in fsnotify.h.
 */
#ifndef FS_INOTIFY_H
#define FS_INOTIFY_H

#include <kernel/types.h>

struct file;
struct vnode;

/* Linux's defaults (/proc/sys/fs/inotify); everyone is one user here. */
#define INOTIFY_MAX_EVENTS    16384
#define INOTIFY_MAX_INSTANCES 128
#define INOTIFY_MAX_WATCHES   8192

/* A new inotify file; flags: O_NONBLOCK. -EMFILE past 128 instances. */
int inotify_open(u32 flags, struct file **out);
bool is_inotify_file(struct file *f);
/*
 * Watch vn for the IN_* bits of mask (IN_MASK_ADD, IN_MASK_CREATE,
 * IN_ONESHOT, IN_EXCL_UNLINK honoured); the watch descriptor or -errno
 * (-EINVAL: f is not an inotify file; -EEXIST; -ENOSPC).
 */
int inotify_watch(struct file *f, struct vnode *vn, u32 mask);
/* Remove watch wd, queueing IN_IGNORED; -EINVAL if there is none. */
int inotify_unwatch(struct file *f, int wd);

#endif
