// SPDX-License-Identifier: MIT
/*
 * The vnode tree: vnode lifetime, building the tree from the image's cpio
 * archive, path lookup with symlinks (and the dynamic entries of /proc),
 * and path reconstruction. File data of the image stays in the payload and
 * is never copied. Locking and reference rules are in vfs.h.
 */
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "vfs.h"
#include "memfd.h"
#include "xattr.h"
#include "file.h"
#include "fsnotify.h"
#include "lib/cpio.h"
#include <kiln/image.h>
#include "mm/kheap.h"
#include "arch/x86_64/percpu.h"
#include "proc/proc.h"
#include "sched/time.h"

struct vnode *vfs_root;
struct spinlock vfs_lock = SPINLOCK_INIT;
static u64 next_ino = 1;

u64 vfs_now_ns(void)
{
	return clock_realtime_ns();
}

/* A new vnode with one reference (the caller's), in no directory. */
struct vnode *vnode_alloc(u32 mode, u32 flags)
{
	struct vnode *vn = kzalloc(sizeof(*vn));

	if (!vn)
		return NULL;
	vn->refcount = 1;
	vn->mode = mode;
	vn->nlink = S_ISDIR(mode) ? 2 : 1;
	vn->flags = flags;
	if (flags & VN_TMPFS)
		vn->seals = F_SEAL_SEAL; /* memfd_create may lift it */
	vn->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	vn->next_cookie = 2; /* 0 and 1 are "." and ".." */
	list_init(&vn->children);
	list_init(&vn->names);
	list_init(&vn->locks);
	list_init(&vn->watches);
	spin_init(&vn->lock);
	mutex_init(&vn->wlock);
	vn->atime_ns = vn->mtime_ns = vn->ctime_ns = vfs_now_ns();
	return vn;
}

void vnode_get(struct vnode *vn)
{
	__atomic_add_fetch(&vn->refcount, 1, __ATOMIC_RELAXED);
}

static char *dup_name(const char *name, size_t len)
{
	char *n = kmalloc(len + 1);

	if (n) {
		memcpy(n, name, len);
		n[len] = 0;
	}
	return n;
}

/* A dentry for dir/name, not yet in any list; it references dir. */
static struct dentry *dentry_alloc(struct vnode *dir, const char *name,
				   size_t len)
{
	struct dentry *d = kzalloc(sizeof(*d) + len + 1);

	if (!d)
		return NULL;
	memcpy(d->name, name, len);
	d->name[len] = 0;
	d->namelen = len;
	d->dir = dir;
	list_init(&d->sibling);
	list_init(&d->alias);
	if (dir)
		vnode_get(dir);
	return d;
}

/* Drop a reference; free the vnode (and release its parent) at zero. */
void vnode_put(struct vnode *vn)
{
	while (vn && !__atomic_sub_fetch(&vn->refcount, 1, __ATOMIC_ACQ_REL)) {
		struct vnode *parent = vnode_parent(vn);
		if (!list_empty(&vn->watches))
			fsnotify_vnode_free(vn);
		if (vn->flags & VN_TMPFS) {
			tmpfs_free_pages(vn);
			if (S_ISLNK(vn->mode))
				kfree((void *)vn->data);
		}
		if (vn->xattrs)
			xattr_free(vn);
		kfree(vn->dname); /* unlinked: linked ones hold a reference */
		kfree(vn);
		vn = parent;
	}
}

struct dentry *vfs_dentry_locked(struct vnode *dir, const char *name,
				 size_t len)
{
	struct dentry *d;

	list_for_each_entry(d, &dir->children, sibling)
	{
		if (d->namelen == len && !memcmp(d->name, name, len))
			return d;
	}
	return NULL;
}

struct vnode *vfs_child_locked(struct vnode *dir, const char *name, size_t len)
{
	struct dentry *d = vfs_dentry_locked(dir, name, len);

	if (d) {
		vnode_get(d->vn);
		return d->vn;
	}
	if (dir->vops && dir->vops->lookup)
		return dir->vops->lookup(dir, name, len);
	return NULL;
}

/* Make d vn's path name, freeing an unlinked previous one (vfs_lock). */
static void set_dname_locked(struct vnode *vn, struct dentry *d)
{
	struct dentry *old = vn->dname;

	vn->dname = d;
	if (old && old != d && !old->linked) {
		vnode_put(old->dir);
		kfree(old);
	}
}

/* Put d (naming vn) into its directory (vfs_lock held); takes the tree's
 * reference on vn. */
static void attach_locked(struct dentry *d, struct vnode *vn)
{
	struct vnode *dir = d->dir;
	u64 now = vfs_now_ns();

	vnode_get(vn);
	d->vn = vn;
	d->linked = true;
	d->cookie = dir->next_cookie++;
	list_add_tail(&d->sibling, &dir->children);
	list_add_tail(&d->alias, &vn->names);
	if (!vn->dname || !vn->dname->linked)
		set_dname_locked(vn, d);
	vn->flags &= ~VN_DELETED;
	if (S_ISDIR(vn->mode))
		dir->nlink++;
	vn->ctime_ns = dir->mtime_ns = dir->ctime_ns = now;
}

/*
 * Take d out of its directory (vfs_lock held). vn keeps d as its path
 * name if it has no other; else d is freed. Returns the vnode, whose tree
 * reference the caller drops.
 */
static struct vnode *detach_locked(struct dentry *d)
{
	struct vnode *dir = d->dir, *vn = d->vn;

	list_del(&d->sibling);
	list_del(&d->alias);
	d->linked = false;
	if (S_ISDIR(vn->mode))
		dir->nlink--;
	dir->mtime_ns = dir->ctime_ns = vfs_now_ns();
	if (vn->dname == d && !list_empty(&vn->names))
		vn->dname = list_first_entry(&vn->names, struct dentry, alias);
	if (vn->dname != d) {
		vnode_put(d->dir);
		kfree(d);
	}
	return vn;
}

int vfs_link_locked(struct vnode *dir, struct vnode *vn, const char *name,
		    size_t len)
{
	struct dentry *d = dentry_alloc(dir, name, len);

	if (!d)
		return -ENOMEM;
	attach_locked(d, vn);
	return 0;
}

int vfs_set_name(struct vnode *vn, struct vnode *dir, const char *name,
		 size_t len)
{
	struct dentry *d = dentry_alloc(dir, name, len);

	if (!d)
		return -ENOMEM;
	d->vn = vn;
	set_dname_locked(vn, d); /* vn is new: no one else sees it yet */
	return 0;
}

int vfs_move_locked(struct dentry *d, struct vnode *dir, const char *name,
		    size_t len, struct dentry *victim)
{
	struct dentry *n = dentry_alloc(dir, name, len);

	if (!n)
		return -ENOMEM;
	if (victim)
		vfs_unlink_locked(victim);
	struct vnode *vn = d->vn;
	bool was_dname = vn->dname == d;
	detach_locked(d);
	attach_locked(n, vn);
	if (was_dname)
		set_dname_locked(vn, n);
	vnode_put(vn); /* detach's tree reference; attach took a new one */
	return 0;
}

/* Point d at vn instead (RENAME_EXCHANGE; vfs_lock held). */
static void retarget_locked(struct dentry *d, struct vnode *vn)
{
	list_del(&d->alias);
	d->vn = vn;
	list_add_tail(&d->alias, &vn->names);
	vn->ctime_ns = vfs_now_ns();
}

void vfs_exchange_locked(struct dentry *a, struct dentry *b)
{
	struct vnode *avn = a->vn, *bvn = b->vn;
	bool adn = avn->dname == a, bdn = bvn->dname == b;

	retarget_locked(a, bvn);
	retarget_locked(b, avn);
	if (adn)
		avn->dname = b;
	if (bdn)
		bvn->dname = a;
	if (a->dir != b->dir && S_ISDIR(avn->mode) != S_ISDIR(bvn->mode)) {
		struct vnode *to = S_ISDIR(avn->mode) ? b->dir : a->dir;
		struct vnode *from = S_ISDIR(avn->mode) ? a->dir : b->dir;
		to->nlink++;
		from->nlink--;
	}
	a->dir->mtime_ns = a->dir->ctime_ns = vfs_now_ns();
	b->dir->mtime_ns = b->dir->ctime_ns = a->dir->mtime_ns;
}

void vfs_unlink_locked(struct dentry *d)
{
	struct vnode *vn = detach_locked(d);

	if (vn->nlink && !S_ISDIR(vn->mode))
		vn->nlink--;
	if (list_empty(&vn->names)) {
		vn->nlink = 0;
		vn->flags |= VN_DELETED;
	}
	vn->ctime_ns = vfs_now_ns();
	vnode_put(vn); /* the tree's reference */
}

struct vnode *vfs_mknode(struct vnode *dir, const char *name, u32 mode)
{
	size_t len = strlen(name);

	spin_lock(&vfs_lock);
	struct vnode *vn = vfs_child_locked(dir, name, len);
	if (!vn) {
		vn = vnode_alloc(mode, 0);
		if (vn && vfs_link_locked(dir, vn, name, len)) {
			vnode_put(vn);
			vn = NULL;
		}
	}
	spin_unlock(&vfs_lock);
	if (vn)
		vnode_put(vn); /* the tree keeps it */
	return vn;
}

void vfs_init(void)
{
	vfs_root = vnode_alloc(S_IFDIR | 0755, VN_MOUNT);
	BUG_ON(!vfs_root);
	struct vnode *tmp = vfs_mknode(vfs_root, "tmp", S_IFDIR | 01777);
	BUG_ON(!tmp);
	tmp->flags |= VN_MOUNT;
	procfs_init();
	zimage_init();
}

static bool is_dotdot(const char *name, size_t len)
{
	return len == 2 && name[0] == '.' && name[1] == '.';
}

/* Create (or find) the directories of path; returns the last one, or
 * NULL if a component is "..", too long or not a directory. */
static struct vnode *mkdirs(const char *path, size_t len)
{
	struct vnode *dir = vfs_root;
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		while (j < len && path[j] != '/')
			j++;
		if (j > i && !(j - i == 1 && path[i] == '.')) {
			char name[VFS_NAME_MAX + 1];
			if (j - i > VFS_NAME_MAX || is_dotdot(path + i, j - i))
				return NULL;
			memcpy(name, path + i, j - i);
			name[j - i] = 0;
			struct vnode *d = vfs_mknode(dir, name, S_IFDIR | 0755);
			if (!d || !S_ISDIR(d->mode))
				return NULL;
			dir = d;
		}
		i = j + 1;
	}
	return dir;
}

/* One archive entry into the tree; kernel-made nodes (/dev, /proc) win. */
static int load_entry(const struct cpio_entry *e, const char *name, size_t nl)
{
	size_t slash = nl;

	while (slash && name[slash - 1] != '/')
		slash--;
	struct vnode *dir = mkdirs(name, slash ? slash - 1 : 0);
	/* (fuzz_vfscpio found "etc/" making a node with an empty name; a
	 * last component "." or ".." would name a node Linux cannot have) */
	size_t bl = nl - slash;
	if (!dir || bl > VFS_NAME_MAX || (bl == 1 && name[slash] == '.') ||
	    is_dotdot(name + slash, bl)) {
		pr_warn("vfs: skipping bad path %s", e->name);
		return 0;
	}
	char base[VFS_NAME_MAX + 1];
	memcpy(base, name + slash, nl - slash);
	base[nl - slash] = 0;
	struct vnode *vn = vfs_mknode(dir, base, e->mode);
	if (!vn)
		return -ENOMEM;
	if ((vn->mode & S_IFMT) != (e->mode & S_IFMT)) {
		pr_warn("vfs: %s: kept the existing node", e->name);
		return 0;
	}
	if (vn->fops || vn->vops || (vn->flags & VN_PROC))
		return 0;
	vn->mode = e->mode;
	vn->uid = e->uid;
	vn->gid = e->gid;
	vn->mtime_ns = (u64)e->mtime * NSEC_PER_SEC;
	vn->atime_ns = vn->ctime_ns = vn->mtime_ns;
	if (S_ISREG(e->mode) && e->check == KILN_CPIO_ZSTD) {
		vn->zimg = zimage_create(e->name, e->data, e->size);
		if (!vn->zimg)
			return -EINVAL;
		vn->size = zimage_size(vn->zimg);
	} else if (S_ISREG(e->mode) || S_ISLNK(e->mode)) {
		vn->data = e->data;
		vn->size = e->size;
	}
	return 0;
}

int vfs_load_cpio(const void *buf, u64 len)
{
	struct cpio_iter it;
	struct cpio_entry e;
	int ret, nfiles = 0;

	cpio_iter_init(&it, buf, len);
	while ((ret = cpio_next(&it, &e)) == 1) {
		const char *name = e.name;
		size_t nl = e.namelen;
		while (nl && (*name == '/' ||
			      (*name == '.' && (nl == 1 || name[1] == '/')))) {
			name++;
			nl--;
		}
		while (nl && name[nl - 1] == '/') /* "etc/" is "etc" */
			nl--;
		if (!nl)
			continue;
		ret = load_entry(&e, name, nl);
		if (ret)
			return ret;
		nfiles++;
	}
	if (ret < 0) {
		pr_err("vfs: the image's cpio archive is malformed (%d)", ret);
		return ret;
	}
	pr_info("vfs: %d entries from the image", nfiles);
	return 0;
}

int vfs_readlink_locked(struct vnode *vn, char *buf, size_t size)
{
	if (!S_ISLNK(vn->mode))
		return -EINVAL;
	if (vn->vops && vn->vops->readlink)
		return vn->vops->readlink(vn, buf, size);
	size_t n = MIN(vn->size, size);
	memcpy(buf, vn->data, n);
	return n;
}

int vfs_readlink(struct vnode *vn, char *buf, size_t size)
{
	spin_lock(&vfs_lock);
	int ret = vfs_readlink_locked(vn, buf, size);
	spin_unlock(&vfs_lock);
	return ret;
}

/* Resolve the symlink link found in dir into *out (referenced). */
static int follow_link(struct vnode *dir, struct vnode *link, int flags,
		       int *depth, struct vnode **out)
{
	if (++*depth > VFS_MAX_SYMLINKS)
		return -ELOOP;
	if (link->vops && link->vops->follow)
		return link->vops->follow(link, out);
	char *target = kmalloc(VFS_PATH_MAX);
	if (!target)
		return -ENOMEM;
	int n = vfs_readlink_locked(link, target, VFS_PATH_MAX - 1);
	int ret = n;
	if (n >= 0) {
		target[n] = 0;
		ret = n ? vfs_walk_locked(dir, target, flags & LOOKUP_NOPERM,
					  depth, out)
			: -ENOENT;
	}
	kfree(target);
	return ret;
}

/* The next component from cur (referenced), following a symlink unless
 * this is the last component and nofollow is set. Needs search
 * permission on cur unless flags has LOOKUP_NOPERM. */
static int step(struct vnode *cur, const char *s, size_t len, bool follow,
		int flags, int *depth, struct vnode **out)
{
	struct vnode *next;
	int ret;

	if (!(flags & LOOKUP_NOPERM) && (ret = vfs_permission(cur, MAY_EXEC)))
		return ret;
	if (len > VFS_NAME_MAX)
		return -ENAMETOOLONG;
	if ((len == 1 && s[0] == '.') || (len == 2 && !memcmp(s, "..", 2))) {
		next = len == 1 || !vnode_parent(cur) ? cur : vnode_parent(cur);
		vnode_get(next);
	} else if (!(next = vfs_child_locked(cur, s, len))) {
		return -ENOENT;
	}
	if (S_ISLNK(next->mode) && follow) {
		struct vnode *target;
		ret = follow_link(cur, next, flags, depth, &target);
		vnode_put(next);
		if (ret)
			return ret;
		next = target;
	}
	*out = next;
	return 0;
}

int vfs_walk_locked(struct vnode *base, const char *path, int flags, int *depth,
		    struct vnode **out)
{
	struct vnode *cur = *path == '/' ? vfs_root : base;
	const char *p = path;

	vnode_get(cur);
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		if (!S_ISDIR(cur->mode)) {
			vnode_put(cur);
			return -ENOTDIR;
		}
		const char *q = p;
		while (*q == '/')
			q++;
		bool follow = *q || *p == '/' || !(flags & LOOKUP_NOFOLLOW);
		struct vnode *next;
		int ret = step(cur, s, p - s, follow, flags, depth, &next);
		vnode_put(cur);
		if (ret)
			return ret;
		cur = next;
	}
	if (p > path && p[-1] == '/' && !S_ISDIR(cur->mode)) {
		vnode_put(cur);
		return -ENOTDIR;
	}
	*out = cur;
	return 0;
}

int vfs_lookup_at(struct vnode *base, const char *path, int flags,
		  struct vnode **out)
{
	int depth = 0;

	if (!*path)
		return -ENOENT;
	spin_lock(&vfs_lock);
	int ret = vfs_walk_locked(base ? base : vfs_root, path, flags, &depth,
				  out);
	spin_unlock(&vfs_lock);
	return ret;
}

int vfs_lookup(const char *cwd, const char *path, int flags, struct vnode **out)
{
	struct vnode *dir = NULL;

	if (!*path)
		return -ENOENT;
	if (*path != '/' && cwd) {
		int ret = vfs_lookup_at(NULL, cwd, LOOKUP_NOPERM, &dir);
		if (ret)
			return ret;
	}
	int ret = vfs_lookup_at(dir, path, flags, out);
	if (dir)
		vnode_put(dir);
	return ret;
}

int vfs_lookup_parent_locked(struct vnode *base, const char *path,
			     struct vnode **dir, const char **name, size_t *len,
			     bool *slash, int *depth)
{
	size_t n = strlen(path), end = n, start;
	struct vnode *d;

	base = base ? base : vfs_root;
	if (!n)
		return -ENOENT;
	while (end && path[end - 1] == '/')
		end--;
	*slash = end < n;
	for (start = end; start && path[start - 1] != '/'; start--)
		;
	if (end - start > VFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (start == 0) {
		d = end ? base : vfs_root;
		vnode_get(d);
	} else {
		char *dname = dup_name(path, start);
		if (!dname)
			return -ENOMEM;
		int ret = vfs_walk_locked(base, dname, 0, depth, &d);
		kfree(dname);
		if (ret)
			return ret;
	}
	int ret = !S_ISDIR(d->mode) ? -ENOTDIR
		  : end		    ? vfs_permission(d, MAY_EXEC)
				    : 0; /* searched for the last component */
	if (ret) {
		vnode_put(d);
		return ret;
	}
	*dir = d;
	*name = path + start;
	*len = end - start;
	return 0;
}

int vfs_map_file_ro(const char *path, const u8 **data, u64 *size)
{
	struct vnode *vn;
	int ret = vfs_lookup("/", path, 0, &vn);

	if (ret)
		return ret;
	if (S_ISDIR(vn->mode))
		ret = -EISDIR;
	else if (vn->zimg)
		ret = -EACCES; /* compressed: kiln build never does that here */
	else if (!S_ISREG(vn->mode) || !vn->data || (vn->flags & VN_TMPFS))
		ret = -EACCES; /* only the image's files are mapped in place */
	if (vn->zimg)
		pr_err("%s is compressed in the image, so it cannot be read in "
		       "place: rebuild the image with this kiln",
		       path);
	*data = vn->data;
	*size = vn->size;
	vnode_put(vn);
	return ret;
}

int vfs_path_of_locked(struct vnode *vn, char *buf, size_t size)
{
	static const char deleted[] = " (deleted)";
	size_t pos = size, extra = 0;

	if (!size)
		return -ERANGE;
	buf[--pos] = 0;
	if (vn->flags & VN_DELETED) {
		extra = sizeof(deleted) - 1;
		if (pos < extra)
			return -ENAMETOOLONG;
		pos -= extra;
		memcpy(buf + pos, deleted, extra);
	}
	if (vn == vfs_root) {
		if (!pos)
			return -ERANGE;
		buf[--pos] = '/';
	}
	for (; vn && vn != vfs_root && vn->dname; vn = vn->dname->dir) {
		struct dentry *d = vn->dname;
		if (pos < d->namelen + 1)
			return -ENAMETOOLONG;
		pos -= d->namelen;
		memcpy(buf + pos, d->name, d->namelen);
		buf[--pos] = '/';
	}
	memmove(buf, buf + pos, size - pos);
	return 0;
}

int vfs_path_of(struct vnode *vn, char *buf, size_t size)
{
	spin_lock(&vfs_lock);
	int ret = vfs_path_of_locked(vn, buf, size);
	spin_unlock(&vfs_lock);
	return ret;
}

bool vfs_is_ancestor_locked(struct vnode *anc, struct vnode *vn)
{
	for (; vn; vn = vnode_parent(vn)) {
		if (vn == anc)
			return true;
		if (vn == vfs_root)
			break;
	}
	return false;
}

/*
 * At boot, before any program runs: make path a regular file whose
 * contents are data (kept, never freed: served in place like the image's
 * files), replacing the image's file of that name. For files the kernel
 * generates from its configuration (/etc/hosts).
 */
int vfs_put_file(const char *path, const char *data, size_t len, u32 mode)
{
	const char *base = path + strlen(path);

	while (base > path && base[-1] != '/')
		base--;
	struct vnode *dir = mkdirs(path, base - path);
	if (!dir || !*base || strlen(base) > VFS_NAME_MAX)
		return -EINVAL;
	struct vnode *vn = vfs_mknode(dir, base, S_IFREG | mode);
	if (!vn)
		return -ENOMEM;
	if (!S_ISREG(vn->mode) || vn->levels)
		return -EEXIST;
	/* the image's file of that name may be compressed: not any more
	 * (its zimage stays allocated; these files are few and small) */
	vn->zimg = NULL;
	vn->data = (const u8 *)data;
	vn->size = len;
	return 0;
}
