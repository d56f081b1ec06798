/* SPDX-License-Identifier: MIT */
/*
 * The file tree. Every file is a vnode in one in-memory tree: the image's
 * files (read-only, data served in place from the payload), directories,
 * symlinks and device nodes. Path lookup follows symlinks (40 at most) and
 * resolves "." and "..". The tree lock guards structure (children lists).
 */
#ifndef FS_VFS_H
#define FS_VFS_H

#include <kernel/list.h>
#include <kernel/types.h>

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m)&S_IFMT) == S_IFLNK)

struct file_ops;

struct vnode {
	u32 mode;
	u32 nlink;
	u64 ino;
	u64 size;
	u64 mtime_ns;
	u32 rdev;
	struct vnode *parent;
	char *name;
	struct list_head children; /* directories */
	struct list_head sibling;
	const u8 *data;		    /* image file data / symlink target */
	const struct file_ops *fops; /* device nodes: their ops */
};

extern struct vnode *vfs_root;

void vfs_init(void);
/* Load the image's cpio archive into the tree. */
int vfs_load_cpio(const void *buf, u64 len);
struct vnode *vfs_mknode(struct vnode *dir, const char *name, u32 mode);

#define LOOKUP_NOFOLLOW 0x1 /* do not follow a final symlink */
/* Resolve path relative to cwd (an absolute path string). */
int vfs_lookup(const char *cwd, const char *path, int flags,
	       struct vnode **out);
/* Read-only view of a regular file's bytes (the ELF loader). */
int vfs_map_file_ro(const char *path, const u8 **data, u64 *size);
/* Absolute path of vn into buf. */
int vfs_path_of(struct vnode *vn, char *buf, size_t size);

#endif
