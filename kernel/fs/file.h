/* SPDX-License-Identifier: MIT */
/*
 * Open files and fd tables. A struct file is shared by every fd (and
 * process, after fork) that refers to it; its ops decide what read/write
 * mean (console, image file, directory, device; pipes and sockets later).
 * Ops take user pointers. fdtable->lock guards the table; file->lock the
 * position.
 */
#ifndef FS_FILE_H
#define FS_FILE_H

#include <kernel/spinlock.h>
#include <kernel/types.h>
#include <uapi/stat.h>

#define O_ACCMODE 03
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_PATH 010000000

#define FD_MAX_DEFAULT 65536

struct file;
struct vnode;

struct file_ops {
	ssize_t (*read)(struct file *f, u64 ubuf, size_t n, u64 *pos);
	ssize_t (*write)(struct file *f, u64 ubuf, size_t n, u64 *pos);
	int (*ioctl)(struct file *f, u32 cmd, u64 arg);
	int (*getdents)(struct file *f, u64 ubuf, size_t n);
	void (*release)(struct file *f);
	bool seekable;
};

struct file {
	int refcount; /* atomic */
	const struct file_ops *ops;
	struct vnode *vn;
	struct spinlock lock; /* pos */
	u64 pos;
	u32 flags; /* O_* status flags */
	void *priv;
};

struct fdtable {
	struct spinlock lock;
	int size;
	struct file **fds;
	u8 *cloexec;
};

struct file *file_alloc(const struct file_ops *ops, struct vnode *vn,
			u32 flags);
void file_get(struct file *f);
void file_put(struct file *f);

struct fdtable *fdtable_create(void);
/* Install f at the lowest free fd >= min; returns the fd or -EMFILE. */
int fd_install(struct fdtable *t, struct file *f, int min, bool cloexec);
/* The file at fd with a reference taken, or NULL. */
struct file *fd_get(struct fdtable *t, int fd);
int fd_close(struct fdtable *t, int fd);
int fd_dup2(struct fdtable *t, int oldfd, int newfd, bool cloexec);
int fd_install_console(struct fdtable *t);

/* Open a vnode as a file. */
int file_open_vnode(struct vnode *vn, u32 flags, struct file **out);
void file_fill_stat(struct vnode *vn, struct linux_stat *st);

extern const struct file_ops console_fops;
void devices_init(void);

#endif
