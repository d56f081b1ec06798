/* SPDX-License-Identifier: MIT */
/*
 * The file tree. Every file is a vnode in one in-memory tree: the image's
 * files (contents read-only, served in place from the payload), tmpfs files
 * (contents in pages, fs/tmpfs.c), directories, symlinks, device nodes and
 * the synthesized files of /proc and /sys (fs/procfs.c). Every directory
 * accepts new entries: the tree is one tmpfs whose first contents came from
 * the image (docs/decisions/tmpfs.md).
 *
 * Names: a directory's children are dentries (struct dentry: a name and
 * the vnode it names), so a file may have several names (hard links);
 * a directory has at most one. vn->dname is the name paths are built from
 * (/proc/self/fd, getcwd): one of its linked dentries, or the last one it
 * had (kept, unlinked, for " (deleted)"), or NULL (the root).
 *
 * Lifetime: vn->refcount counts each linked dentry naming it (the tree's
 * references), every open file and every holder of a lookup result; the
 * vnode is freed when it drops to zero. A dentry holds a reference on its
 * directory, so an unlinked vnode's parent outlives it.
 *
 * Locking: vfs_lock (a spinlock, interrupts left on; never sleep holding
 * it) guards the tree's structure: dentries, children lists, nlink.
 * vn->lock guards a file's contents (tmpfs pages), size and times. Order:
 * vfs_lock, then vn->lock, then the page allocator; a file table's lock may
 * be taken under vfs_lock (by /proc/self/fd), never the other way round.
 */
#ifndef FS_VFS_H
#define FS_VFS_H

#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <kernel/types.h>
#include "sched/mutex.h"
#include "sched/waitq.h"

#define S_IFMT	   0170000
#define S_IFSOCK   0140000
#define S_IFLNK	   0120000
#define S_IFREG	   0100000
#define S_IFBLK	   0060000
#define S_IFDIR	   0040000
#define S_IFCHR	   0020000
#define S_IFIFO	   0010000
#define S_ISUID	   04000
#define S_ISGID	   02000
#define S_ISVTX	   01000
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m)&S_IFMT) == S_IFLNK)

#define VFS_NAME_MAX	 255
#define VFS_PATH_MAX	 4096
#define VFS_MAX_SYMLINKS 40 /* followed in one lookup, as Linux */

/* vnode flags (set at creation, except VN_DELETED) */
#define VN_TMPFS    0x01 /* contents in tmpfs pages (or a kmalloc'd link) */
#define VN_DELETED  0x02 /* no longer has a name: vfs_lock */
#define VN_MOUNT    0x04 /* /proc, /sys, /dev, /tmp...: not removable */
#define VN_NOCREATE 0x08 /* /proc and /sys: no new entries */
#define VN_PROC	    0x10 /* a /proc or /sys node: read-only */
#define VN_LINKABLE 0x20 /* O_TMPFILE without O_EXCL: linkat may name it */

struct file;
struct file_ops;
struct pipe;
struct vnode;
struct xattr;

/* A name in a directory (vfs_lock guards every field). */
struct dentry {
	struct list_head sibling; /* in dir->children while linked */
	struct list_head alias;	  /* in vn->names while linked */
	struct vnode *dir;	  /* counted */
	struct vnode *vn;	  /* counted while linked (the tree's ref) */
	bool linked;		  /* in dir->children */
	u64 cookie;		  /* getdents position in dir */
	size_t namelen;
	char name[];
};

/*
 * Synthesized nodes (/proc, /sys). Every hook but generate runs under
 * vfs_lock and must not sleep.
 */
struct vnode_ops {
	/* Dynamic directories: a name not among the children; new ref. */
	struct vnode *(*lookup)(struct vnode *dir, const char *name,
				size_t len);
	/*
	 * Dynamic entries: the first one numbered *i or more (*i set to its
	 * number), its name and type; false past the last.
	 */
	bool (*readdir)(struct vnode *dir, u64 *i, char *name, size_t size,
			u32 *mode);
	/* Synthesized symlinks: the target into buf; its length or -errno. */
	int (*readlink)(struct vnode *vn, char *buf, size_t size);
	/* Magic links (/proc/self/fd/N): the vnode itself, referenced. */
	int (*follow)(struct vnode *vn, struct vnode **out);
	/* Synthesized files: the contents, kmalloc'd (at open). */
	int (*generate)(struct vnode *vn, char **buf, size_t *len);
};

struct vnode {
	int refcount; /* atomic */
	u32 mode;     /* type is fixed; permission bits may change */
	u32 nlink;    /* vfs_lock */
	u32 flags;    /* VN_* */
	u32 rdev;
	u32 uid, gid;
	u64 ino;
	struct dentry *dname;	      /* vfs_lock; for paths; NULL: root */
	struct list_head names;	      /* linked dentries naming it; vfs_lock */
	struct list_head children;    /* directories: dentries; vfs_lock */
	struct list_head locks;	      /* advisory locks (fs/locks.c) */
	u64 next_cookie;	      /* directories: for the next child */
	const u8 *data;		      /* image file data / symlink target */
	struct zimage *zimg;	      /* a compressed image file's pages */
	const struct file_ops *fops;  /* device nodes and /proc files */
	const struct vnode_ops *vops; /* synthesized nodes */
	long arg;		      /* for vops (a cpu or fd number) */
	struct spinlock lock;	      /* size, times, pages */
	u64 size;
	u64 atime_ns, mtime_ns, ctime_ns;
	paddr_t pages;		  /* tmpfs: root of a radix tree of pages */
	int levels;		  /* its depth (0: no pages) */
	struct mutex wlock;	  /* tmpfs: serializes writers, truncate */
	struct pipe *pipe;	  /* a FIFO's pipe while it is open: lock */
	struct list_head watches; /* inotify watches (fs/inotify.c) */
	struct xattr *xattrs;	  /* extended attributes (fs/xattr.c): lock */
	u32 seals;		  /* F_SEAL_* (fs/memfd.c): atomic */
	int mmap_writable;	  /* writable shared mappings: atomic */
	int open_readers;	  /* open for reading, regular files: atomic */
	int open_writers;	  /* open for writing (leases): atomic */
};

extern struct vnode *vfs_root;
extern struct spinlock vfs_lock;

void vfs_init(void);
/* Load the image's cpio archive into the tree. */
int vfs_load_cpio(const void *buf, u64 len);
/* Find or create dir/name (boot time); the tree holds the reference. */
struct vnode *vfs_mknode(struct vnode *dir, const char *name, u32 mode);

struct vnode *vnode_alloc(u32 mode, u32 flags);
void vnode_get(struct vnode *vn);
void vnode_put(struct vnode *vn);
/* The directory vn's path goes through (vfs_lock held), or NULL. */
static inline struct vnode *vnode_parent(struct vnode *vn)
{
	return vn->dname ? vn->dname->dir : NULL;
}
/* Give a new vnode the name dir/name (vfs_lock held); the tree takes a
 * ref. */
int vfs_link_locked(struct vnode *dir, struct vnode *vn, const char *name,
		    size_t len);
/* Remove the name d (vfs_lock held); drops the tree's reference. */
void vfs_unlink_locked(struct dentry *d);
/* The child of dir called name, referenced (vfs_lock held), or NULL. */
struct vnode *vfs_child_locked(struct vnode *dir, const char *name, size_t len);
/* The entry of dir called name (vfs_lock held), or NULL. */
struct dentry *vfs_dentry_locked(struct vnode *dir, const char *name,
				 size_t len);
/*
 * Give a new vnode that no one else sees yet (/proc's transient nodes,
 * unnamed files), in no directory, the path name dir/name (dir may be
 * NULL), so vfs_path_of can show it. Needs no lock.
 */
int vfs_set_name(struct vnode *vn, struct vnode *dir, const char *name,
		 size_t len);

#define LOOKUP_NOFOLLOW 0x1 /* do not follow a final symlink */
#define LOOKUP_NOPERM	0x2 /* no search permission checks (the cwd) */
/*
 * Resolve path from base (NULL: the root); the result is referenced (put
 * it with vnode_put).
 */
int vfs_lookup_at(struct vnode *base, const char *path, int flags,
		  struct vnode **out);
/* Resolve path relative to cwd (an absolute path string); referenced. */
int vfs_lookup(const char *cwd, const char *path, int flags,
	       struct vnode **out);
/*
 * Resolve all but the last component of path (vfs_lock held): *dir gets
 * the referenced parent, *name and *len the last component (len 0 for "/"),
 * *slash whether it was followed by a '/'.
 */
int vfs_lookup_parent_locked(struct vnode *base, const char *path,
			     struct vnode **dir, const char **name, size_t *len,
			     bool *slash, int *depth);
/* A symlink's target into buf (not terminated); its length or -errno. */
int vfs_readlink_locked(struct vnode *vn, char *buf, size_t size);
int vfs_readlink(struct vnode *vn, char *buf, size_t size);
/* Read-only view of an image file's bytes (the ELF loader). */
int vfs_map_file_ro(const char *path, const u8 **data, u64 *size);
/* Absolute path of vn into buf (" (deleted)" appended if unlinked). */
int vfs_path_of(struct vnode *vn, char *buf, size_t size);
int vfs_path_of_locked(struct vnode *vn, char *buf, size_t size);
/* Is anc vn or one of its ancestors (vfs_lock held)? */
bool vfs_is_ancestor_locked(struct vnode *anc, struct vnode *vn);
/* Walk path from base (vfs_lock held); *depth counts symlinks. */
int vfs_walk_locked(struct vnode *base, const char *path, int flags, int *depth,
		    struct vnode **out);
/*
 * Rename: move the entry d to dir/name (vfs_lock held), first unlinking
 * victim (the entry it replaces) if not NULL.
 */
int vfs_move_locked(struct dentry *d, struct vnode *dir, const char *name,
		    size_t len, struct dentry *victim);
/* RENAME_EXCHANGE: swap what the entries a and b name (vfs_lock held). */
void vfs_exchange_locked(struct dentry *a, struct dentry *b);

/* Namespace changes (fs/tmpfs.c). Modes arrive with the umask applied. */
int vfs_open(struct vnode *base, const char *path, u32 flags, u32 mode,
	     struct file **out);
int vfs_mkdir(struct vnode *base, const char *path, u32 mode);
/*
 * mknod: a FIFO, socket or empty regular file (mode holds the type);
 * device nodes EPERM (nothing could back them).
 */
int vfs_mknod(struct vnode *base, const char *path, u32 mode);
int vfs_symlink(const char *target, struct vnode *base, const char *path);
int vfs_unlink(struct vnode *base, const char *path, bool dir);
/* A new name npath for the non-directory vn (link, linkat). */
int vfs_link(struct vnode *vn, struct vnode *nbase, const char *npath);
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE	 2
int vfs_rename(struct vnode *obase, const char *opath, struct vnode *nbase,
	       const char *npath, u32 flags);

/*
 * Permission checks for the calling process (fs/perm.c), as Linux's
 * generic_permission and friends; 0 or -EACCES/-EPERM.
 */
#define MAY_EXEC  1
#define MAY_WRITE 2
#define MAY_READ  4
int vfs_permission(struct vnode *vn, int mask);
/* Linux's inode_owner_or_capable (CAP_FOWNER). */
bool vfs_is_owner_or_capable(struct vnode *vn);
/* May the caller remove vn from dir (w+x, the sticky bit)? */
int vfs_may_delete(struct vnode *dir, struct vnode *vn);
/* May the caller open vn with these open flags (not a new file)? */
int vfs_may_open(struct vnode *vn, u32 flags);
/* Owner and set-group-id bit of a new node in dir (NULL: none). */
void vfs_init_owner(struct vnode *vn, struct vnode *dir);
/* chmod, chown (-1 keeps an id), utimes (touch: both times now), truncate
 * by name, with their permission checks. */
int vfs_setattr_mode(struct vnode *vn, u32 mode);
int vfs_setattr_owner(struct vnode *vn, u32 uid, u32 gid);
int vfs_setattr_times(struct vnode *vn, u64 atime_ns, u64 mtime_ns, bool touch);
int vfs_truncate_path(struct vnode *vn, u64 len);
/* A write or truncate without CAP_FSETID clears S_ISUID and a
 * group-executable S_ISGID (Linux's file_remove_privs). */
void vfs_remove_privs(struct vnode *vn);

/* Attributes (fs/tmpfs.c), unchecked. */
#define VFS_TIME_OMIT (~0ULL)
int vfs_truncate(struct vnode *vn, u64 len);
#define FALLOC_FL_KEEP_SIZE  0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
/*
 * Allocate (mode 0: and extend the file to off+len; KEEP_SIZE: not) or
 * zero (PUNCH_HOLE|KEEP_SIZE) the pages of [off, off+len) of a regular
 * file. -EFBIG past the largest size, -ENOSPC, -EOPNOTSUPP off tmpfs.
 */
int vfs_fallocate(struct vnode *vn, u32 mode, u64 off, u64 len);
void vfs_chmod(struct vnode *vn, u32 mode);
void vfs_chown(struct vnode *vn, u32 uid, u32 gid);
void vfs_set_times(struct vnode *vn, u64 atime_ns, u64 mtime_ns);
/* A new unnamed tmpfs file (memfd_create) opened read-write. */
int tmpfs_create_unnamed(const char *name, struct file **out);
/*
 * The memory behind a MAP_SHARED|MAP_ANONYMOUS mapping: an unnamed tmpfs
 * file of len bytes (Linux's "/dev/zero (deleted)"), so pages first
 * touched after a fork are shared as well.
 */
int tmpfs_create_shmem(u64 len, struct file **out);

/* tmpfs file contents and the fops of the tree's file kinds. */
extern const struct file_ops tmpfs_fops;
/* tmpfs_fops' write from kernel memory (sendfile, copy_file_range). */
ssize_t tmpfs_write_kernel(struct file *f, const void *buf, size_t n, u64 *pos);

/* Compressed image files (fs/zimage.c). */
struct zimage;
extern const struct file_ops zimage_fops;
void zimage_init(void);
/* Check a compressed file's cpio data (name: for the error); or NULL. */
struct zimage *zimage_create(const char *name, const void *data, u64 len);
u64 zimage_size(const struct zimage *z);
/* n bytes at pos into a kernel buffer; -EIO if the data is corrupt. */
int zimage_read_kernel(struct zimage *z, u64 pos, void *buf, size_t n);
/* A file of z was opened (its release gives the cache back at last). */
void zimage_open(struct zimage *z);
/* Pages holding decompressed image files now (/proc/meminfo Cached). */
u64 zimage_cached_pages(void);
/* Chunks decompressed since boot, the bytes they gave, pages freed. */
void zimage_stats(u64 *chunks, u64 *bytes, u64 *freed);
void tmpfs_free_pages(struct vnode *vn);
u64 vfs_now_ns(void);

/* Boot: a file with contents the kernel made (fs/vfs.c). */
int vfs_put_file(const char *path, const char *data, size_t len, u32 mode);

/* /proc and /sys (fs/procfs.c). */
void procfs_init(void);
struct process;
/* The process a /proc/<pid> or /proc/self directory stands for,
 * referenced (process_put), or NULL for any other vnode or a process gone:
 * pidfd_send_signal takes such a directory's fd as a pidfd, as Linux. */
struct process *procfs_dir_process(struct vnode *vn);
/* The name of filesystem type i (sysfs(2)'s index), NULL past the end. */
const char *procfs_fs_type(u32 i);
/* The type ("net", "mnt", ...) of a /proc/PID/ns file's vnode, or NULL. */
const char *procfs_ns_type(const struct vnode *vn);
/* Take the snapshot an open /proc file reads (file_open_vnode). */
int procfs_open_file(struct file *f);

#endif
