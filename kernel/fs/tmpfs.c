// SPDX-License-Identifier: MIT
/*
 * tmpfs: the writable side of the tree. Regular files keep their contents
 * in pages from the page allocator, indexed by a radix tree of page-sized
 * nodes (512 entries a level, so sparse files cost nothing); they grow on
 * write and shrink on truncate, and their pages back MAP_SHARED mappings
 * directly (get_page). Also here: the namespace changes (create, mkdir,
 * symlink, unlink, rmdir, rename) for every directory of the tree, and
 * attribute changes.
 *
 * Locking: vn->lock (spinlock) guards the radix tree, size and times;
 * user copies happen outside it, on a page reference. vn->wlock (a
 * sleeping lock) serializes writers and truncate, so O_APPEND writes and
 * writes racing a truncate are atomic. get_page takes only vn->lock, so a
 * write whose source is a mapping of the same file cannot deadlock.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "vfs.h"
#include "file.h"
#include "fsnotify.h"
#include "memfd.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "proc/resource.h"
#include <uapi/fcntl.h>

#define RADIX_SHIFT	 9
#define RADIX_FANOUT	 (1 << RADIX_SHIFT)
#define RADIX_MAX_LEVELS 4
/* 2^(12 + 9 * 4) bytes: the largest file the radix tree indexes */
#define TMPFS_MAX_SIZE (1ULL << (PAGE_SHIFT + RADIX_SHIFT * RADIX_MAX_LEVELS))

static u64 *node_of(paddr_t pa)
{
	return P2V(pa);
}

/* The slot of page pgoff (vn->lock held); alloc creates missing nodes. */
static u64 *radix_slot(struct vnode *vn, u64 pgoff, bool alloc)
{
	int need = 1;

	while (need < RADIX_MAX_LEVELS && (pgoff >> (RADIX_SHIFT * need)))
		need++;
	if (pgoff >> (RADIX_SHIFT * need))
		return NULL;
	while (vn->levels < need) {
		if (!alloc)
			return NULL;
		paddr_t n = pmm_alloc_zeroed();
		if (!n)
			return NULL;
		if (vn->levels)
			node_of(n)[0] = vn->pages;
		vn->pages = n;
		vn->levels++;
	}
	paddr_t node = vn->pages;
	for (int l = vn->levels - 1; l > 0; l--) {
		u64 *e = &node_of(node)[(pgoff >> (RADIX_SHIFT * l)) &
					(RADIX_FANOUT - 1)];
		if (!*e) {
			if (!alloc || !(*e = pmm_alloc_zeroed()))
				return NULL;
		}
		node = *e;
	}
	return &node_of(node)[pgoff & (RADIX_FANOUT - 1)];
}

/* Free the pages at or after page from under node (level l spans
 * 512^(l+1) pages starting at base); frees emptied interior nodes. */
static void radix_free(paddr_t node, int l, u64 base, u64 from)
{
	u64 *e = node_of(node);
	u64 span = 1ULL << (RADIX_SHIFT * l);

	for (int i = 0; i < RADIX_FANOUT; i++) {
		u64 start = base + i * span;
		if (!e[i] || start + span <= from)
			continue;
		if (l)
			radix_free(e[i], l - 1, start, from);
		if (start >= from) {
			page_put(e[i]);
			e[i] = 0;
		}
	}
}

void tmpfs_free_pages(struct vnode *vn)
{
	if (!vn->levels)
		return;
	radix_free(vn->pages, vn->levels - 1, 0, 0);
	page_put(vn->pages);
	vn->pages = 0;
	vn->levels = 0;
}

/* The page at pgoff with a reference, allocated if alloc; 0 for a hole. */
static paddr_t page_at(struct vnode *vn, u64 pgoff, bool alloc)
{
	u64 *slot = radix_slot(vn, pgoff, alloc);

	if (slot && !*slot && alloc)
		*slot = pmm_alloc_zeroed();
	if (!slot || !*slot)
		return 0;
	page_get(*slot);
	return *slot;
}

static ssize_t tmpfs_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	struct vnode *vn = f->vn;
	size_t done = 0;

	while (done < n) {
		u64 off = *pos + done;
		spin_lock(&vn->lock);
		if (off >= vn->size) {
			spin_unlock(&vn->lock);
			break;
		}
		size_t k = MIN(n - done, vn->size - off);
		k = MIN(k, PAGE_SIZE - (off & (PAGE_SIZE - 1)));
		paddr_t pa = page_at(vn, off >> PAGE_SHIFT, false);
		spin_unlock(&vn->lock);
		int err = pa ? copy_to_user(ubuf + done,
					    (u8 *)P2V(pa) +
						    (off & (PAGE_SIZE - 1)),
					    k)
			     : clear_user(ubuf + done, k);
		if (pa)
			page_put(pa);
		if (err) {
			if (!done)
				return -EFAULT;
			break;
		}
		done += k;
	}
	*pos += done;
	return done;
}

/* Copy n bytes from ubuf into the file at start (vn->wlock held). */
/* n bytes at start from the user's ubuf, or from kbuf if not NULL. */
static ssize_t write_locked(struct vnode *vn, u64 ubuf, const u8 *kbuf,
			    size_t n, u64 start)
{
	size_t done = 0;
	ssize_t err = 0;

	while (done < n) {
		u64 off = start + done;
		size_t k = MIN(n - done, PAGE_SIZE - (off & (PAGE_SIZE - 1)));
		spin_lock(&vn->lock);
		paddr_t pa = page_at(vn, off >> PAGE_SHIFT, true);
		spin_unlock(&vn->lock);
		if (!pa) {
			err = -ENOSPC;
			break;
		}
		u8 *dst = (u8 *)P2V(pa) + (off & (PAGE_SIZE - 1));
		if (kbuf)
			memcpy(dst, kbuf + done, k);
		else
			err = copy_from_user(dst, ubuf + done, k);
		page_put(pa);
		if (err)
			break;
		done += k;
		spin_lock(&vn->lock);
		if (start + done > vn->size)
			vn->size = start + done;
		spin_unlock(&vn->lock);
	}
	if (done)
		vn->mtime_ns = vn->ctime_ns = vfs_now_ns();
	return done ? (ssize_t)done : err;
}

/* write at *pos (the end with O_APPEND) from ubuf, or kbuf if not NULL */
static ssize_t tmpfs_write_at(struct file *f, u64 ubuf, const void *kbuf,
			      size_t n, u64 *pos)
{
	struct vnode *vn = f->vn;
	int ret = mutex_lock_interruptible(&vn->wlock);

	if (ret)
		return ret;
	u64 start = (f->flags & O_APPEND) ? vn->size : *pos;
	u64 len = n;
	ssize_t done = rlimit_fsize_write(start, &len); /* SIGXFSZ */
	n = len;
	if (!done)
		done = memfd_check_write(vn, start, &n); /* seals */
	if (!done && n && (vn->mode & (S_ISUID | S_ISGID)))
		vfs_remove_privs(vn);
	if (!done && start >= TMPFS_MAX_SIZE) {
		done = -EFBIG;
	} else if (!done) {
		n = MIN(n, TMPFS_MAX_SIZE - start);
		done = write_locked(vn, ubuf, kbuf, n, start);
	}
	mutex_unlock(&vn->wlock);
	if (done > 0)
		*pos = start + done;
	return done;
}

static ssize_t tmpfs_write(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	return tmpfs_write_at(f, ubuf, NULL, n, pos);
}

ssize_t tmpfs_write_kernel(struct file *f, const void *buf, size_t n, u64 *pos)
{
	return tmpfs_write_at(f, 0, buf, n, pos);
}

/* Zero the bytes from off to the end of its page (vn->lock held). */
static void zero_tail(struct vnode *vn, u64 off)
{
	if (!(off & (PAGE_SIZE - 1)))
		return;
	u64 *slot = radix_slot(vn, off >> PAGE_SHIFT, false);
	if (slot && *slot)
		memset((u8 *)P2V(*slot) + (off & (PAGE_SIZE - 1)), 0,
		       PAGE_SIZE - (off & (PAGE_SIZE - 1)));
}

static int tmpfs_truncate(struct vnode *vn, u64 len)
{
	if (len > TMPFS_MAX_SIZE)
		return -EFBIG;
	int ret = mutex_lock_interruptible(&vn->wlock);
	if (ret)
		return ret;
	if ((len > vn->size && (ret = rlimit_fsize_grow(len))) ||
	    (ret = memfd_check_resize(vn, len))) {
		mutex_unlock(&vn->wlock);
		return ret;
	}
	spin_lock(&vn->lock);
	u64 old = vn->size;
	if (len < old && vn->levels) {
		u64 from = ALIGN_UP(len, PAGE_SIZE) >> PAGE_SHIFT;
		radix_free(vn->pages, vn->levels - 1, 0, from);
		zero_tail(vn, len);
	} else if (len > old) {
		zero_tail(vn, old);
	}
	vn->size = len;
	vn->mtime_ns = vn->ctime_ns = vfs_now_ns();
	spin_unlock(&vn->lock);
	mutex_unlock(&vn->wlock);
	return 0;
}

/* Zero [off, end) in place (vn->lock held); holes stay holes. Pages are
 * kept, so MAP_SHARED views see the zeros (Linux frees whole pages). */
static void zero_range(struct vnode *vn, u64 off, u64 end)
{
	while (off < end) {
		u64 pg_end = ALIGN_DOWN(off, PAGE_SIZE) + PAGE_SIZE;
		u64 stop = MIN(end, pg_end);
		u64 *slot = radix_slot(vn, off >> PAGE_SHIFT, false);
		if (slot && *slot)
			memset((u8 *)P2V(*slot) + (off & (PAGE_SIZE - 1)), 0,
			       stop - off);
		off = stop;
	}
}

int vfs_fallocate(struct vnode *vn, u32 mode, u64 off, u64 len)
{
	if (off + len > TMPFS_MAX_SIZE || off + len < off)
		return -EFBIG;
	if (!(vn->flags & VN_TMPFS))
		return -EOPNOTSUPP;
	int ret = mutex_lock_interruptible(&vn->wlock);
	if (ret)
		return ret;
	u64 end = off + len;
	if ((ret = memfd_check_fallocate(vn, mode & FALLOC_FL_PUNCH_HOLE,
					 end)) ||
	    (!(mode & FALLOC_FL_KEEP_SIZE) && end > vn->size &&
	     (ret = rlimit_fsize_grow(end)))) {
		mutex_unlock(&vn->wlock);
		return ret;
	}
	spin_lock(&vn->lock);
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		zero_range(vn, off, MIN(end, vn->size));
		goto out;
	}
	/* as a tmpfs of Linux's: ENOSPC before anything is allocated when
	 * the holes cannot be filled, keeping 1/16 of memory free for the
	 * rest of the system (so a huge fallocate cannot starve it) */
	u64 first = off >> PAGE_SHIFT,
	    last = ALIGN_UP(end, PAGE_SIZE) >> PAGE_SHIFT;
	u64 holes = 0;
	bool huge = last - first > 2 * pmm_total_pages(); /* holds fewer */
	for (u64 pg = first; !huge && pg < last; pg++) {
		u64 *slot = radix_slot(vn, pg, false);
		holes += !slot || !*slot;
	}
	if (huge)
		holes = last - first;
	if (holes + pmm_total_pages() / 16 > pmm_free_pages()) {
		ret = -ENOSPC;
		goto out;
	}
	for (u64 pg = first; pg < last; pg++) {
		paddr_t pa = page_at(vn, pg, true);
		if (!pa) {
			ret = -ENOSPC;
			goto out;
		}
		page_put(pa);
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > vn->size) {
		zero_tail(vn, vn->size);
		vn->size = end;
	}
out:
	if (!ret)
		vn->ctime_ns = vn->mtime_ns = vfs_now_ns();
	spin_unlock(&vn->lock);
	mutex_unlock(&vn->wlock);
	return ret;
}

/* mmap: the page behind pgoff; a hole inside the file gets a zero page. */
static int tmpfs_get_page(struct file *f, u64 pgoff, paddr_t *pa)
{
	struct vnode *vn = f->vn;
	int ret = 0;

	spin_lock(&vn->lock);
	if (pgoff >= ALIGN_UP(vn->size, PAGE_SIZE) >> PAGE_SHIFT)
		ret = -EFAULT;
	else if (!(*pa = page_at(vn, pgoff, true)))
		ret = -ENOMEM;
	spin_unlock(&vn->lock);
	return ret;
}

static int tmpfs_ftruncate(struct file *f, u64 len)
{
	return vfs_truncate(f->vn, len);
}

const struct file_ops tmpfs_fops = {
	.read = tmpfs_read,
	.write = tmpfs_write,
	.get_page = tmpfs_get_page,
	.truncate = tmpfs_ftruncate,
	.seekable = true,
};

int vfs_truncate(struct vnode *vn, u64 len)
{
	if (S_ISDIR(vn->mode))
		return -EISDIR;
	if (!S_ISREG(vn->mode))
		return -EINVAL;
	if (!(vn->flags & VN_TMPFS))
		return vn->fops ? -EACCES : -EROFS;
	if (vn->mode & (S_ISUID | S_ISGID))
		vfs_remove_privs(vn);
	return tmpfs_truncate(vn, len);
}

void vfs_chmod(struct vnode *vn, u32 mode)
{
	vn->mode = (vn->mode & S_IFMT) | (mode & 07777);
	vn->ctime_ns = vfs_now_ns();
}

void vfs_chown(struct vnode *vn, u32 uid, u32 gid)
{
	if (uid != (u32)-1)
		vn->uid = uid;
	if (gid != (u32)-1)
		vn->gid = gid;
	vn->ctime_ns = vfs_now_ns();
}

void vfs_set_times(struct vnode *vn, u64 atime_ns, u64 mtime_ns)
{
	spin_lock(&vn->lock);
	if (atime_ns != VFS_TIME_OMIT)
		vn->atime_ns = atime_ns;
	if (mtime_ns != VFS_TIME_OMIT)
		vn->mtime_ns = mtime_ns;
	vn->ctime_ns = vfs_now_ns();
	spin_unlock(&vn->lock);
}

static bool is_dot(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') ||
	       (len == 2 && name[0] == '.' && name[1] == '.');
}

/* May dir get new entries (vfs_lock held)? */
static int can_create(struct vnode *dir)
{
	if (dir->flags & VN_DELETED)
		return -ENOENT;
	if (dir->flags & VN_NOCREATE)
		return -EACCES;
	return 0;
}

/* May the caller add entries to dir (vfs_lock held): may_create. */
static int may_create(struct vnode *dir)
{
	int ret = can_create(dir);

	return ret ? ret : vfs_permission(dir, MAY_WRITE | MAY_EXEC);
}

/* A new tmpfs node called name in dir (vfs_lock held); referenced. */
static int create_locked(struct vnode *dir, const char *name, size_t len,
			 u32 mode, struct vnode **out)
{
	int ret = may_create(dir);

	if (ret)
		return ret;
	struct vnode *vn = vnode_alloc(mode, VN_TMPFS);
	if (!vn)
		return -ENOMEM;
	vfs_init_owner(vn, dir);
	ret = vfs_link_locked(dir, vn, name, len);
	if (ret) {
		vnode_put(vn);
		return ret;
	}
	fsnotify_dirent(dir, name, len, mode, IN_CREATE);
	*out = vn;
	return 0;
}

/*
 * The last step of open(O_CREAT), in dir: create name (*created set), or
 * take what is there (referenced). A dangling symlink returns 1 with its
 * target in *target (kmalloc'd): Linux creates the file it names.
 */
static int create_last_locked(struct vnode *dir, const char *name, size_t len,
			      u32 flags, u32 mode, struct vnode **out,
			      char **target, bool *created)
{
	struct vnode *child = vfs_child_locked(dir, name, len);
	int ret;

	if (!child) {
		*created = true;
		return create_locked(dir, name, len, S_IFREG | mode, out);
	}
	if (flags & O_EXCL) {
		ret = -EEXIST;
	} else if (!S_ISLNK(child->mode) || (flags & O_NOFOLLOW)) {
		*out = child;
		return 0;
	} else {
		char *t = kmalloc(VFS_PATH_MAX);
		ret = t ? vfs_readlink_locked(child, t, VFS_PATH_MAX - 1)
			: -ENOMEM;
		if (ret > 0) {
			t[ret] = 0;
			*target = t;
			ret = 1;
		} else {
			kfree(t);
			ret = ret ? ret : -ENOENT;
		}
	}
	vnode_put(child);
	return ret;
}

/* Resolve path for open(O_CREAT), creating the file if it is missing. */
static int open_create_locked(struct vnode *base, const char *path, u32 flags,
			      u32 mode, struct vnode **out, bool *created)
{
	int nofollow = (flags & O_NOFOLLOW) ? LOOKUP_NOFOLLOW : 0;
	int depth = 0, ret;
	char *buf = NULL, *target = NULL;
	struct vnode *dir;
	const char *name;
	size_t len;
	bool slash;

	vnode_get(base);
	for (;;) {
		if (!(flags & O_EXCL)) {
			ret = vfs_walk_locked(base, path, nofollow, &depth,
					      out);
			if (ret != -ENOENT)
				break;
		}
		ret = vfs_lookup_parent_locked(base, path, &dir, &name, &len,
					       &slash, &depth);
		if (ret)
			break;
		if (!len || slash || is_dot(name, len))
			ret = -EISDIR;
		else
			ret = create_last_locked(dir, name, len, flags, mode,
						 out, &target, created);
		if (ret == 1 && ++depth > VFS_MAX_SYMLINKS) {
			kfree(target);
			ret = -ELOOP;
		}
		if (ret != 1) {
			vnode_put(dir);
			break;
		}
		kfree(buf);
		path = buf = target; /* resolve the target from dir */
		vnode_put(base);
		base = dir;
	}
	vnode_put(base);
	kfree(buf);
	return ret;
}

/* A new tmpfs file with no name (memfd, O_TMPFILE), opened with flags;
 * readlink of /proc/self/fd shows dir/prefix+name " (deleted)". */
static int create_unnamed(struct vnode *dir, const char *prefix,
			  const char *name, u32 mode, u32 flags,
			  struct file **out)
{
	size_t plen = strlen(prefix), len = strlen(name);
	struct vnode *vn = vnode_alloc(S_IFREG | mode, VN_TMPFS | VN_DELETED);

	if (!vn)
		return -ENOMEM;
	vn->nlink = 0;
	vfs_init_owner(vn, dir);
	char *full = kmalloc(plen + len + 1);
	int ret = full ? 0 : -ENOMEM;
	if (full) {
		memcpy(full, prefix, plen);
		memcpy(full + plen, name, len + 1);
		ret = vfs_set_name(vn, dir, full, plen + len);
		kfree(full);
	}
	if (ret) {
		vnode_put(vn);
		return ret;
	}
	ret = file_open_vnode(vn, flags, out);
	vnode_put(vn);
	return ret;
}

int tmpfs_create_unnamed(const char *name, struct file **out)
{
	return create_unnamed(NULL, "memfd:", name, 0777, O_RDWR, out);
}

int tmpfs_create_shmem(u64 len, struct file **out)
{
	int ret = create_unnamed(NULL, "", "/dev/zero", 0777, O_RDWR, out);

	if (!ret && (ret = vfs_truncate((*out)->vn, len))) {
		file_put(*out);
		*out = NULL;
	}
	return ret;
}

/* open(dir, O_TMPFILE): an unnamed file in dir, writable. */
static int open_tmpfile(struct vnode *base, const char *path, u32 flags,
			u32 mode, struct file **out)
{
	struct vnode *dir;
	char name[24];

	if ((flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	int ret = vfs_lookup_at(base, path, 0, &dir);
	if (ret)
		return ret;
	if (!S_ISDIR(dir->mode))
		ret = -ENOTDIR;
	else
		ret = may_create(dir);
	if (!ret) {
		snprintf(name, sizeof(name), "%lu", dir->next_cookie);
		ret = create_unnamed(dir, "#", name, mode, flags & ~O_TMPFILE,
				     out);
		if (!ret && !(flags & O_EXCL))
			(*out)->vn->flags |= VN_LINKABLE;
	}
	vnode_put(dir);
	return ret;
}

int vfs_open(struct vnode *base, const char *path, u32 flags, u32 mode,
	     struct file **out)
{
	struct vnode *vn;
	bool created = false;
	int ret;

	base = base ? base : vfs_root;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return open_tmpfile(base, path, flags, mode & 07777, out);
	if (!(flags & O_CREAT)) {
		ret = vfs_lookup_at(base, path,
				    (flags & O_NOFOLLOW) ? LOOKUP_NOFOLLOW : 0,
				    &vn);
	} else {
		spin_lock(&vfs_lock);
		ret = open_create_locked(base, path, flags, mode & 07777, &vn,
					 &created);
		spin_unlock(&vfs_lock);
		if (!ret && S_ISDIR(vn->mode)) {
			vnode_put(vn);
			return -EISDIR;
		}
	}
	if (ret)
		return ret;
	if (S_ISLNK(vn->mode) && !(flags & O_PATH))
		ret = -ELOOP; /* O_NOFOLLOW on a symlink */
	else if (created || !(ret = vfs_may_open(vn, flags)))
		ret = file_open_vnode(vn, flags, out);
	if (!ret)
		fsnotify_file(*out, IN_OPEN);
	if (!ret && (flags & O_TRUNC) && S_ISREG(vn->mode) &&
	    (vn->flags & VN_TMPFS) && !(flags & O_PATH)) {
		ret = tmpfs_truncate(vn, 0);
		if (ret)
			file_put(*out);
		else if (!created) /* as Linux: a new file is not truncated */
			fsnotify_change(vn, IN_MODIFY);
	}
	vnode_put(vn);
	return ret;
}

/*
 * The parent of a name to create, with vfs_lock held: 0 with *dir held
 * (the caller puts it), -EEXIST if the name is empty, "." or "..", or
 * already exists, or the lookup's error. *slash: path ended in '/'.
 */
static int new_name_locked(struct vnode *base, const char *path,
			   struct vnode **dir, const char **name, size_t *len,
			   bool *slash)
{
	struct vnode *vn;
	int depth = 0;
	int ret = vfs_lookup_parent_locked(base, path, dir, name, len, slash,
					   &depth);

	if (ret)
		return ret;
	if (!*len || is_dot(*name, *len)) {
		ret = -EEXIST;
	} else if ((vn = vfs_child_locked(*dir, *name, *len))) {
		vnode_put(vn);
		ret = -EEXIST;
	}
	if (ret)
		vnode_put(*dir);
	return ret;
}

int vfs_mkdir(struct vnode *base, const char *path, u32 mode)
{
	struct vnode *dir, *vn;
	const char *name;
	size_t len;
	bool slash;

	spin_lock(&vfs_lock);
	int ret = new_name_locked(base, path, &dir, &name, &len, &slash);
	if (!ret) {
		/* as Linux, set-id bits are not asked for (a set-group-id
		 * parent gives S_ISGID) */
		ret = create_locked(dir, name, len, S_IFDIR | (mode & 01777),
				    &vn);
		if (!ret)
			vnode_put(vn);
		vnode_put(dir);
	}
	spin_unlock(&vfs_lock);
	return ret;
}

int vfs_symlink(const char *target, struct vnode *base, const char *path)
{
	struct vnode *dir, *vn;
	const char *name;
	size_t len, tlen = strlen(target);
	bool slash;

	if (!tlen)
		return -ENOENT;
	char *t = kmalloc(tlen);
	if (!t)
		return -ENOMEM;
	memcpy(t, target, tlen);
	spin_lock(&vfs_lock);
	int ret = new_name_locked(base, path, &dir, &name, &len, &slash);
	if (!ret) {
		if (slash)
			ret = -ENOENT;
		else
			ret = create_locked(dir, name, len, S_IFLNK | 0777,
					    &vn);
		if (!ret) {
			vn->data = (const u8 *)t;
			vn->size = tlen;
			t = NULL;
			vnode_put(vn);
		}
		vnode_put(dir);
	}
	spin_unlock(&vfs_lock);
	kfree(t);
	return ret;
}

int vfs_mknod(struct vnode *base, const char *path, u32 mode)
{
	struct vnode *dir, *vn;
	const char *name;
	size_t len;
	bool slash;

	spin_lock(&vfs_lock);
	int ret = new_name_locked(base, path, &dir, &name, &len, &slash);
	if (!ret) {
		if (slash)
			ret = -ENOENT;
		else if ((mode & S_IFMT) == S_IFCHR ||
			 (mode & S_IFMT) == S_IFBLK)
			ret = -EPERM; /* no device behind a new node: as
					 without CAP_MKNOD */
		else if (!(ret = create_locked(dir, name, len, mode, &vn)))
			vnode_put(vn);
		vnode_put(dir);
	}
	spin_unlock(&vfs_lock);
	return ret;
}

/* Why child of dir may not be unlinked (rmdir when isdir), or 0. */
static int unlink_check(struct vnode *dir, struct vnode *child, bool isdir,
			bool slash)
{
	if ((dir->flags | child->flags) & VN_PROC)
		return -EACCES;
	if (!isdir)
		return S_ISDIR(child->mode) ? -EISDIR : slash ? -ENOTDIR : 0;
	if (!S_ISDIR(child->mode))
		return -ENOTDIR;
	if (child->flags & VN_MOUNT)
		return -EBUSY;
	return list_empty(&child->children) ? 0 : -ENOTEMPTY;
}

int vfs_unlink(struct vnode *base, const char *path, bool isdir)
{
	struct vnode *dir, *child = NULL;
	struct dentry *d = NULL;
	const char *name;
	size_t len;
	bool slash;
	int depth = 0;

	spin_lock(&vfs_lock);
	int ret = vfs_lookup_parent_locked(base, path, &dir, &name, &len,
					   &slash, &depth);
	if (ret)
		goto out;
	if (!len)
		ret = isdir ? -EBUSY : -EISDIR;
	else if (is_dot(name, len))
		ret = !isdir ? -EISDIR : len == 1 ? -EINVAL : -ENOTEMPTY;
	else if (!(child = vfs_child_locked(dir, name, len)))
		ret = -ENOENT;
	else if (!slash || isdir)
		ret = vfs_may_delete(dir, child);
	if (!ret && child)
		ret = unlink_check(dir, child, isdir, slash);
	if (!ret && !(d = vfs_dentry_locked(dir, name, len)))
		ret = -EACCES; /* a dynamic /proc entry */
	u32 mode = child ? child->mode : 0;
	if (!ret && !isdir)
		fsnotify_inode(child, IN_ATTRIB); /* its link count */
	if (!ret)
		vfs_unlink_locked(d);
	if (child)
		vnode_put(
			child); /* gone? IN_DELETE_SELF, as Linux's d_delete */
	if (!ret)
		fsnotify_dirent(dir, name, len, mode, IN_DELETE);
	vnode_put(dir);
out:
	spin_unlock(&vfs_lock);
	return ret;
}

/* Linux's permission checks of a rename (vfs_rename): both entries
 * removable, or a new one creatable; a directory moved to another parent
 * must be writable (its ".." changes). */
static int rename_perm(struct vnode *old, struct vnode *odir, struct vnode *new,
		       struct vnode *ndir, u32 flags)
{
	int ret = vfs_may_delete(odir, old);

	if (!ret)
		ret = new ? vfs_may_delete(ndir, new)
			  : vfs_permission(ndir, MAY_WRITE | MAY_EXEC);
	if (!ret && odir != ndir && S_ISDIR(old->mode))
		ret = vfs_permission(old, MAY_WRITE);
	if (!ret && odir != ndir && new && (flags & RENAME_EXCHANGE) &&
	    S_ISDIR(new->mode))
		ret = vfs_permission(new, MAY_WRITE);
	return ret;
}

/* Why old may not take new's place (new may be NULL), or 0. */
static int rename_check(struct vnode *old, struct vnode *odir,
			struct vnode *new, struct vnode *ndir, u32 flags)
{
	if (((old->flags | odir->flags | ndir->flags) & VN_PROC) ||
	    (new && (new->flags &VN_PROC)))
		return -EACCES;
	if (old->flags & VN_MOUNT)
		return -EBUSY;
	int ret = can_create(ndir);
	if (ret)
		return ret;
	if (flags & RENAME_EXCHANGE) {
		if (!new)
			return -ENOENT;
		if (new->flags & VN_MOUNT)
			return -EBUSY;
		if (S_ISDIR(new->mode) && vfs_is_ancestor_locked(new, odir))
			return -EINVAL;
	} else if (new && (flags & RENAME_NOREPLACE)) {
		return -EEXIST;
	}
	if (S_ISDIR(old->mode) && vfs_is_ancestor_locked(old, ndir))
		return -EINVAL;
	if ((ret = rename_perm(old, odir, new, ndir, flags)))
		return ret;
	if (!new || (flags & RENAME_EXCHANGE))
		return 0;
	if (new->flags & VN_MOUNT)
		return -EBUSY;
	if (S_ISDIR(old->mode) && !S_ISDIR(new->mode))
		return -ENOTDIR;
	if (!S_ISDIR(old->mode) && S_ISDIR(new->mode))
		return -EISDIR;
	if (S_ISDIR(new->mode) && !list_empty(&new->children))
		return -ENOTEMPTY;
	return 0;
}

/* The events of a rename, as Linux's vfs_rename (vfs_lock held). */
static void notify_rename(struct vnode *odir, const char *oname, size_t olen,
			  struct vnode *ndir, const char *nname, size_t nlen,
			  struct vnode *old, struct vnode *new, u32 flags)
{
	if (!(flags & RENAME_EXCHANGE)) {
		fsnotify_move(odir, oname, olen, ndir, nname, nlen, old, new);
		return;
	}
	fsnotify_move(odir, oname, olen, ndir, nname, nlen, old, NULL);
	fsnotify_move(ndir, nname, nlen, odir, oname, olen, new, NULL);
}

/* Rename with both parents resolved (vfs_lock held). */
static int rename_locked(struct vnode *odir, const char *oname, size_t olen,
			 bool oslash, struct vnode *ndir, const char *nname,
			 size_t nlen, bool nslash, u32 flags)
{
	struct vnode *old, *new;
	int ret;

	if (!olen || !nlen || is_dot(oname, olen) || is_dot(nname, nlen))
		return -EBUSY;
	if (!(old = vfs_child_locked(odir, oname, olen)))
		return -ENOENT;
	new = vfs_child_locked(ndir, nname, nlen);
	if ((oslash || nslash) && !S_ISDIR(old->mode))
		ret = -ENOTDIR;
	else if (old == new)
		ret = 0;
	else
		ret = rename_check(old, odir, new, ndir, flags);
	struct dentry *od = vfs_dentry_locked(odir, oname, olen);
	struct dentry *nd = vfs_dentry_locked(ndir, nname, nlen);
	if (!ret && old != new && (!od || (new && !nd)))
		ret = -EACCES; /* a dynamic /proc entry */
	if (!ret && old != new) {
		if (flags & RENAME_EXCHANGE)
			vfs_exchange_locked(od, nd);
		else
			ret = vfs_move_locked(od, ndir, nname, nlen, nd);
	}
	if (!ret && old != new)
		notify_rename(odir, oname, olen, ndir, nname, nlen, old, new,
			      flags);
	vnode_put(old);
	if (new)
		vnode_put(new);
	return ret;
}

int vfs_rename(struct vnode *obase, const char *opath, struct vnode *nbase,
	       const char *npath, u32 flags)
{
	struct vnode *odir, *ndir;
	const char *oname, *nname;
	size_t olen, nlen;
	bool oslash, nslash;
	int depth = 0;

	if ((flags & ~(u32)(RENAME_NOREPLACE | RENAME_EXCHANGE)) ||
	    flags == (RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	spin_lock(&vfs_lock);
	int ret = vfs_lookup_parent_locked(obase, opath, &odir, &oname, &olen,
					   &oslash, &depth);
	if (ret)
		goto out;
	ret = vfs_lookup_parent_locked(nbase, npath, &ndir, &nname, &nlen,
				       &nslash, &depth);
	if (!ret) {
		ret = rename_locked(odir, oname, olen, oslash, ndir, nname,
				    nlen, nslash, flags);
		vnode_put(ndir);
	}
	vnode_put(odir);
out:
	spin_unlock(&vfs_lock);
	return ret;
}

/*
 * fs.protected_hardlinks, on in the usual distributions: only the owner
 * (or CAP_FOWNER) may link a file that is not a regular file the caller
 * may read and write, or that is set-user-id or set-group-id and
 * group-executable (Linux's may_linkat).
 */
static int may_link_source(struct vnode *vn)
{
	if (vfs_is_owner_or_capable(vn))
		return 0;
	if (S_ISREG(vn->mode) && !(vn->mode & S_ISUID) &&
	    (vn->mode & (S_ISGID | 0010)) != (S_ISGID | 0010) &&
	    !vfs_permission(vn, MAY_READ | MAY_WRITE))
		return 0;
	return -EPERM;
}

/* Why vn may not get the name dir/name, or 0 (vfs_lock held). */
static int link_check(struct vnode *vn, struct vnode *dir, const char *name,
		      size_t len, bool slash)
{
	if (!len || is_dot(name, len))
		return -EEXIST;
	struct vnode *there = vfs_child_locked(dir, name, len);
	if (there) {
		vnode_put(there);
		return -EEXIST;
	}
	if (slash)
		return -ENOENT;
	if ((vn->flags & VN_PROC) != (dir->flags & VN_PROC))
		return -EXDEV; /* /proc is another filesystem */
	if ((vn->flags & VN_PROC) || S_ISDIR(vn->mode))
		return -EPERM;
	if ((vn->flags & VN_DELETED) && !(vn->flags & VN_LINKABLE))
		return -ENOENT;
	int ret = may_link_source(vn);
	return ret ? ret : may_create(dir);
}

int vfs_link(struct vnode *vn, struct vnode *nbase, const char *npath)
{
	struct vnode *dir;
	const char *name;
	size_t len;
	bool slash;
	int depth = 0;

	spin_lock(&vfs_lock);
	int ret = vfs_lookup_parent_locked(nbase, npath, &dir, &name, &len,
					   &slash, &depth);
	if (ret)
		goto out;
	ret = link_check(vn, dir, name, len, slash);
	if (!ret)
		ret = vfs_link_locked(dir, vn, name, len);
	if (!ret) {
		vn->nlink++;
		vn->flags &= ~VN_LINKABLE;
		fsnotify_inode(vn, IN_ATTRIB); /* its link count */
		fsnotify_dirent(dir, name, len, vn->mode, IN_CREATE);
	}
	vnode_put(dir);
out:
	spin_unlock(&vfs_lock);
	return ret;
}
