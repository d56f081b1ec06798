// SPDX-License-Identifier: MIT
/*
 * The vnode tree: building it from the image's cpio archive, path lookup
 * with symlinks, and path reconstruction. File data of the image stays in
 * the payload and is never copied.
 */
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "vfs.h"
#include "lib/cpio.h"
#include "mm/kheap.h"

struct vnode *vfs_root;
static u64 next_ino = 1;

#define MAX_SYMLINKS 40
#define PATH_MAX 4096

static struct vnode *vnode_new(u32 mode)
{
	struct vnode *vn = kzalloc(sizeof(*vn));

	if (!vn)
		return NULL;
	vn->mode = mode;
	vn->nlink = 1;
	vn->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	list_init(&vn->children);
	list_init(&vn->sibling);
	return vn;
}

static struct vnode *dir_find(struct vnode *dir, const char *name,
			      size_t len)
{
	struct vnode *c;

	list_for_each_entry(c, &dir->children, sibling)
	{
		if (strlen(c->name) == len && !memcmp(c->name, name, len))
			return c;
	}
	return NULL;
}

struct vnode *vfs_mknode(struct vnode *dir, const char *name, u32 mode)
{
	size_t len = strlen(name);
	struct vnode *vn = dir_find(dir, name, len);

	if (vn)
		return vn;
	vn = vnode_new(mode);
	if (!vn)
		return NULL;
	vn->name = kmalloc(len + 1);
	if (!vn->name) {
		kfree(vn);
		return NULL;
	}
	memcpy(vn->name, name, len + 1);
	vn->parent = dir;
	list_add_tail(&vn->sibling, &dir->children);
	if (S_ISDIR(mode))
		dir->nlink++;
	return vn;
}

void vfs_init(void)
{
	vfs_root = vnode_new(S_IFDIR | 0755);
	BUG_ON(!vfs_root);
	vfs_root->name = "";
	vfs_root->parent = vfs_root;
	vfs_root->nlink = 2;
}

/* Create (or find) the directories of path; returns the last one. */
static struct vnode *mkdirs(const char *path, size_t len)
{
	struct vnode *dir = vfs_root;
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		while (j < len && path[j] != '/')
			j++;
		if (j > i && !(j - i == 1 && path[i] == '.')) {
			char name[256];
			if (j - i >= sizeof(name))
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

int vfs_load_cpio(const void *buf, u64 len)
{
	struct cpio_iter it;
	struct cpio_entry e;
	int ret, nfiles = 0;

	cpio_iter_init(&it, buf, len);
	while ((ret = cpio_next(&it, &e)) == 1) {
		const char *name = e.name;
		size_t nl = e.namelen;
		while (nl && (*name == '/' || (*name == '.' && (nl == 1 ||
								name[1] == '/')))) {
			name++;
			nl--;
		}
		if (!nl)
			continue;
		size_t slash = nl;
		while (slash && name[slash - 1] != '/')
			slash--;
		struct vnode *dir = mkdirs(name, slash ? slash - 1 : 0);
		if (!dir || nl - slash >= 256) {
			pr_warn("vfs: skipping bad path %s", e.name);
			continue;
		}
		char base[256];
		memcpy(base, name + slash, nl - slash);
		base[nl - slash] = 0;
		struct vnode *vn = vfs_mknode(dir, base, e.mode);
		if (!vn)
			return -ENOMEM;
		vn->mode = e.mode;
		vn->mtime_ns = (u64)e.mtime * 1000000000ULL;
		if (S_ISREG(e.mode) || S_ISLNK(e.mode)) {
			vn->data = e.data;
			vn->size = e.size;
		}
		nfiles++;
	}
	if (ret < 0) {
		pr_err("vfs: the image's cpio archive is malformed (%d)", ret);
		return ret;
	}
	pr_info("vfs: %d entries from the image", nfiles);
	return 0;
}

/* Walk path components starting at dir; depth counts symlinks followed. */
static int walk(struct vnode *dir, const char *path, int flags, int depth,
		struct vnode **out)
{
	struct vnode *cur = *path == '/' ? vfs_root : dir;
	const char *p = path;

	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t len = p - s;
		if (!S_ISDIR(cur->mode))
			return -ENOTDIR;
		if (len > 255)
			return -ENAMETOOLONG;
		struct vnode *next;
		if (len == 1 && s[0] == '.')
			next = cur;
		else if (len == 2 && s[0] == '.' && s[1] == '.')
			next = cur->parent;
		else
			next = dir_find(cur, s, len);
		if (!next)
			return -ENOENT;
		bool last = true;
		for (const char *q = p; *q; q++)
			if (*q != '/')
				last = false;
		if (S_ISLNK(next->mode) &&
		    (!last || !(flags & LOOKUP_NOFOLLOW) || *p == '/')) {
			if (++depth > MAX_SYMLINKS)
				return -ELOOP;
			if (next->size >= PATH_MAX)
				return -ENAMETOOLONG;
			char *target = kmalloc(next->size + 1);
			if (!target)
				return -ENOMEM;
			memcpy(target, next->data, next->size);
			target[next->size] = 0;
			int ret = walk(cur, target, flags & ~LOOKUP_NOFOLLOW,
				       depth, &next);
			kfree(target);
			if (ret)
				return ret;
		}
		cur = next;
	}
	*out = cur;
	return 0;
}

int vfs_lookup(const char *cwd, const char *path, int flags,
	       struct vnode **out)
{
	struct vnode *dir = vfs_root;

	if (!*path)
		return -ENOENT;
	if (*path != '/' && cwd) {
		int ret = walk(vfs_root, cwd, 0, 0, &dir);
		if (ret)
			return ret;
	}
	return walk(dir, path, flags, 0, out);
}

int vfs_map_file_ro(const char *path, const u8 **data, u64 *size)
{
	struct vnode *vn;
	int ret = vfs_lookup("/", path, 0, &vn);

	if (ret)
		return ret;
	if (S_ISDIR(vn->mode))
		return -EISDIR;
	if (!S_ISREG(vn->mode) || !vn->data)
		return -EACCES;
	*data = vn->data;
	*size = vn->size;
	return 0;
}

int vfs_path_of(struct vnode *vn, char *buf, size_t size)
{
	char tmp[512];
	size_t pos = sizeof(tmp) - 1;

	tmp[pos] = 0;
	if (vn == vfs_root) {
		tmp[--pos] = '/';
	}
	while (vn != vfs_root) {
		size_t len = strlen(vn->name);
		if (pos < len + 1)
			return -ENAMETOOLONG;
		pos -= len;
		memcpy(tmp + pos, vn->name, len);
		tmp[--pos] = '/';
		vn = vn->parent;
	}
	if (sizeof(tmp) - pos > size)
		return -ERANGE;
	memcpy(buf, tmp + pos, sizeof(tmp) - pos);
	return 0;
}
