// SPDX-License-Identifier: MIT
/*
 * Extended attributes (xattr.h). Each vnode keeps its attributes in a
 * list of kmalloc'd records (name and value in one block), in descending
 * name order, the order Linux 6.x tmpfs lists them in. The checks are
 * Linux's (fs/xattr.c xattr_permission, then the filesystem's handlers):
 * trusted. needs CAP_SYS_ADMIN; user. only on regular files and
 * directories (EPERM to set, ENODATA to read elsewhere); other prefixes
 * EOPNOTSUPP. The image's regular files have read-only contents, as on a
 * read-only mount: setting or removing is EROFS there. /proc and /sys
 * take none (EOPNOTSUPP), as Linux's procfs.
 *
 * Locking: vn->lock guards vn->xattrs; records are allocated and freed
 * outside it.
 */
#include <kernel/string.h>
#include <uapi/errno.h>
#include "vfs.h"
#include "xattr.h"
#include "mm/kheap.h"

struct xattr {
	struct xattr *next;
	u32 size;    /* value bytes, after the name's NUL */
	char name[]; /* NUL-terminated, then the value */
};

enum xattr_ns { NS_USER, NS_TRUSTED, NS_SECURITY, NS_OTHER };

static const char *const prefixes[] = {"user.", "trusted.", "security."};

/* The namespace of name; *rest gets what follows its prefix. */
static enum xattr_ns ns_of(const char *name, const char **rest)
{
	for (int i = 0; i < NS_OTHER; i++) {
		size_t n = strlen(prefixes[i]);
		if (!strncmp(name, prefixes[i], n)) {
			*rest = name + n;
			return i;
		}
	}
	return NS_OTHER;
}

/*
 * Credential hooks (everyone is root today, so both allow): CAP_SYS_ADMIN
 * for trusted., and write permission on vn to change its attributes.
 */
static bool xattr_capable_admin(void)
{
	return true;
}

static int xattr_may_write(struct vnode *vn)
{
	(void)vn;
	return 0;
}

/* May name of vn be written (write) or read? Linux's order of checks. */
static int xattr_check(struct vnode *vn, const char *name, bool write)
{
	const char *rest = "";
	enum xattr_ns ns = ns_of(name, &rest);

	if (write && S_ISREG(vn->mode) && !(vn->flags & (VN_TMPFS | VN_PROC)) &&
	    !vn->fops)
		return -EROFS; /* an image file: read-only contents */
	if (ns == NS_TRUSTED && !xattr_capable_admin())
		return write ? -EPERM : -ENODATA;
	if (ns == NS_USER && !S_ISREG(vn->mode) && !S_ISDIR(vn->mode))
		return write ? -EPERM : -ENODATA;
	if (write) {
		int ret = xattr_may_write(vn);
		if (ret)
			return ret;
	}
	if (ns == NS_OTHER || (vn->flags & VN_PROC))
		return -EOPNOTSUPP;
	return *rest ? 0 : -EINVAL;
}

int xattr_check_anon(const char *name, bool write)
{
	const char *rest;

	if (ns_of(name, &rest) == NS_USER)
		return write ? -EPERM : -ENODATA;
	return -EOPNOTSUPP;
}

/* The link that points at name's record, or where it would go (lock). */
static struct xattr **find_locked(struct vnode *vn, const char *name,
				  bool *found)
{
	struct xattr **pp = &vn->xattrs;

	*found = false;
	for (; *pp; pp = &(*pp)->next) {
		int c = strcmp((*pp)->name, name);
		if (c <= 0) {
			*found = !c;
			break;
		}
	}
	return pp;
}

int xattr_set(struct vnode *vn, const char *name, const void *value,
	      size_t size, u32 flags)
{
	int ret = xattr_check(vn, name, true);
	struct xattr *x = NULL, *old = NULL;
	size_t len = strlen(name);
	bool found;

	if (ret)
		return ret;
	if (value) {
		if (!(x = kmalloc(sizeof(*x) + len + 1 + size)))
			return -ENOMEM;
		memcpy(x->name, name, len + 1);
		memcpy(x->name + len + 1, value, size);
		x->size = size;
	}
	spin_lock(&vn->lock);
	struct xattr **pp = find_locked(vn, name, &found);
	if (found && (flags & XATTR_CREATE)) {
		ret = -EEXIST;
	} else if (!found && ((flags & XATTR_REPLACE) || !value)) {
		ret = -ENODATA;
	} else {
		if (found) {
			old = *pp;
			*pp = old->next;
		}
		if (x) {
			x->next = *pp;
			*pp = x;
			x = NULL;
		}
		vn->ctime_ns = vfs_now_ns();
	}
	spin_unlock(&vn->lock);
	kfree(x);
	kfree(old);
	return ret;
}

ssize_t xattr_get(struct vnode *vn, const char *name, void *buf, size_t size)
{
	ssize_t ret = xattr_check(vn, name, false);
	bool found;

	if (ret)
		return ret;
	spin_lock(&vn->lock);
	struct xattr **pp = find_locked(vn, name, &found);
	if (!found) {
		ret = -ENODATA;
	} else {
		struct xattr *x = *pp;
		ret = x->size;
		if (size && size < x->size)
			ret = -ERANGE;
		else if (size)
			memcpy(buf, x->name + strlen(x->name) + 1, x->size);
	}
	spin_unlock(&vn->lock);
	return ret;
}

ssize_t xattr_list(struct vnode *vn, char *buf, size_t size)
{
	size_t total = 0;

	if (vn->flags & VN_PROC)
		return 0;
	spin_lock(&vn->lock);
	for (struct xattr *x = vn->xattrs; x; x = x->next) {
		const char *rest;
		if (ns_of(x->name, &rest) == NS_TRUSTED &&
		    !xattr_capable_admin())
			continue; /* hidden from the unprivileged, as Linux */
		size_t n = strlen(x->name) + 1;
		if (size && total + n <= size)
			memcpy(buf + total, x->name, n);
		total += n;
	}
	spin_unlock(&vn->lock);
	return size && total > size ? -ERANGE : (ssize_t)total;
}

void xattr_free(struct vnode *vn)
{
	struct xattr *x = vn->xattrs, *next;

	vn->xattrs = NULL;
	for (; x; x = next) {
		next = x->next;
		kfree(x);
	}
}
