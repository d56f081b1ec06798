/* SPDX-License-Identifier: MIT */
/*
 * Argument decoding shared by the file syscalls (sys_fs.c: open files and
 * fds; sys_fsmeta.c: names and attributes): user paths, the directory a
 * path starts from (dirfd or cwd), the *at flags.
 */
#ifndef SYS_SYS_FS_H
#define SYS_SYS_FS_H

#include <kernel/types.h>
#include <uapi/fcntl.h>

#define PATH_MAX 4096

struct vnode;
struct linux_stat;

/* A path argument: the kernel copy and the directory it starts from
 * (referenced; NULL for the root). */
struct fsarg_path {
	char *path;
	struct vnode *base;
};

/* Copy a user path into a kmalloc'd buffer; returns its length. */
long fsarg_copy_path(u64 upath, char **out);
/* Copy and anchor (dirfd, upath); an empty path is -ENOENT. */
int fsarg_get(int dirfd, u64 uptr, struct fsarg_path *p);
void fsarg_put(struct fsarg_path *p);
/* Resolve (dirfd, upath) with AT_SYMLINK_NOFOLLOW/AT_EMPTY_PATH flags to
 * a referenced vnode. */
int fsarg_lookup(int dirfd, u64 upath, int flags, struct vnode **out);
/* The vnode of an open fd (AT_FDCWD: the cwd), referenced. */
int fsarg_fd_vnode(int fd, struct vnode **out);
/* stat of an open file: its vnode, or what its ops say (pipes...). */
int fsarg_stat_fd(int fd, struct linux_stat *st);
/* stat of (dirfd, upath); AT_EMPTY_PATH with "" stats dirfd itself. */
int fsarg_stat_at(int dirfd, u64 upath, u64 flags, struct linux_stat *st);
/* A creation mode with the process's umask applied. */
u32 fsarg_mode(u64 mode);

struct file;
/* Drop the two files of sendfile, copy_file_range, splice or tee (in,
 * out; either may be NULL); returns ret, after the inotify events of a
 * copy that moved bytes (IN_ACCESS on in, IN_MODIFY on out). */
long sys_put_copy_files(struct file *in, struct file *out, long ret);

/* The two optional user offsets of copy_file_range and splice: copied in
 * (-EFAULT), and the kernel's pointers to them (NULL where the user passed
 * none); copy_offsets_out writes them back when ret > 0 and returns ret or
 * -EFAULT. */
struct copy_offsets {
	u64 uin, uout;
	u64 in, out;
	u64 *pin, *pout;
};
int copy_offsets_in(struct copy_offsets *o, u64 uin, u64 uout);
long copy_offsets_out(const struct copy_offsets *o, long ret);

#endif
