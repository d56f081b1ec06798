// SPDX-License-Identifier: MIT
/*
 * AF_UNIX names: the table of bound ends (abstract names keyed by their
 * bytes and type, as Linux keeps one namespace per type; path names by
 * their S_IFSOCK vnode in the file tree), bind and autobind, and finding
 * the end an address names. names_lock guards the table and every end's
 * vn and name_next; an end's lock may be taken under it, never the
 * reverse; vfs_lock is never held with either.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "unix.h"
#include "fs/fsnotify.h"
#include "fs/vfs.h"

#define NAME_BUCKETS 256
static struct unix_sock *names[NAME_BUCKETS];
static struct spinlock names_lock = SPINLOCK_INIT;

static u32 name_bucket(const u8 *bytes, u32 len, struct vnode *vn, int type)
{
	u32 h = 2166136261u ^ type;

	if (vn)
		return ((u64)vn >> 6) % NAME_BUCKETS;
	for (u32 i = 0; i < len; i++)
		h = (h ^ bytes[i]) * 16777619u;
	return h % NAME_BUCKETS;
}

static struct unix_sock *name_lookup_locked(const u8 *bytes, u32 len,
					    struct vnode *vn, int type)
{
	struct unix_sock *u = names[name_bucket(bytes, len, vn, type)];

	for (; u; u = u->name_next) {
		if (vn ? u->vn == vn
		       : !u->vn && u->sk.type == type && u->addr->len == len &&
				    !memcmp(u->addr->bytes, bytes, len))
			return u;
	}
	return NULL;
}

/* Give u the name a (and the node vn for a path); names_lock held. */
static int name_bind_locked(struct unix_sock *u, struct sock_addr *a,
			    struct vnode *vn)
{
	if (!vn && name_lookup_locked(a->bytes, a->len, NULL, u->sk.type))
		return -EADDRINUSE;
	u64 f = spin_lock_irqsave(&u->lock);
	int ret = u->addr ? -EINVAL : 0;
	if (!ret)
		WRITE_ONCE(u->addr, a);
	spin_unlock_irqrestore(&u->lock, f);
	if (ret)
		return ret;
	u->vn = vn;
	u32 b = name_bucket(a->bytes, a->len, vn, u->sk.type);
	u->name_next = names[b];
	names[b] = u;
	return 0;
}

void unix_name_remove(struct unix_sock *u)
{
	struct vnode *vn = NULL;
	u64 f = spin_lock_irqsave(&names_lock);

	if (u->addr) {
		u32 b = name_bucket(u->addr->bytes, u->addr->len, u->vn,
				    u->sk.type);
		for (struct unix_sock **p = &names[b]; *p; p = &(*p)->name_next)
			if (*p == u) {
				*p = u->name_next;
				break;
			}
		vn = u->vn;
		u->vn = NULL;
	}
	spin_unlock_irqrestore(&names_lock, f);
	if (vn)
		vnode_put(vn);
}

/* Abstract names keep all their bytes; paths end at their first NUL,
 * which is counted (as Linux reports them). */
int unix_addr_check(u8 *buf, u32 len, u32 *out)
{
	u16 family;

	memcpy(&family, buf, sizeof(family));
	if (len <= 2 || len > UNIX_ADDR_MAX || family != AF_UNIX)
		return -EINVAL;
	if (!buf[2]) {
		*out = len;
		return 0;
	}
	buf[len] = 0;
	*out = 2 + strlen((char *)buf + 2) + 1;
	return 0;
}

int unix_find(const u8 *addr, u32 len, int type, struct unix_sock **out)
{
	struct vnode *vn = NULL;

	if (addr[2]) {
		int ret = vfs_lookup(current->proc->cwd, (const char *)addr + 2,
				     0, &vn);
		if (ret)
			return ret;
		/* connecting needs write permission on the socket file */
		ret = vfs_permission(vn, MAY_WRITE);
		if (!ret && (vn->mode & S_IFMT) != S_IFSOCK)
			ret = -ECONNREFUSED;
		if (ret) {
			vnode_put(vn);
			return ret;
		}
	}
	u64 f = spin_lock_irqsave(&names_lock);
	struct unix_sock *u = name_lookup_locked(addr, len, vn, type);
	if (u)
		sock_get(&u->sk);
	spin_unlock_irqrestore(&names_lock, f);
	if (vn)
		vnode_put(vn);
	if (!u)
		return -ECONNREFUSED;
	if (u->sk.type != type) {
		sock_put(&u->sk);
		return -EPROTOTYPE;
	}
	*out = u;
	return 0;
}

/* Create the S_IFSOCK node of a path bind; *out is referenced. */
static int unix_mknod(const char *path, struct vnode **out)
{
	struct vnode *base = NULL, *dir, *vn;
	const char *name;
	size_t len;
	bool slash;
	int depth = 0, ret = 0;

	if (path[0] != '/')
		ret = vfs_lookup_at(NULL, current->proc->cwd, LOOKUP_NOPERM,
				    &base);
	if (ret)
		return ret;
	struct vnode *node =
		vnode_alloc(S_IFSOCK | (0777 & ~current->proc->umask), 0);
	if (!node) {
		ret = -ENOMEM;
		goto out;
	}
	spin_lock(&vfs_lock);
	ret = vfs_lookup_parent_locked(base, path, &dir, &name, &len, &slash,
				       &depth);
	if (!ret) {
		if (!len || slash || (vn = vfs_child_locked(dir, name, len))) {
			if (len && !slash)
				vnode_put(vn);
			ret = -EADDRINUSE;
		} else if (dir->flags & (VN_DELETED | VN_NOCREATE)) {
			ret = dir->flags & VN_DELETED ? -ENOENT : -EACCES;
		} else if (!(ret = vfs_permission(dir, MAY_WRITE | MAY_EXEC))) {
			vfs_init_owner(node, dir);
			ret = vfs_link_locked(dir, node, name, len);
			if (!ret)
				fsnotify_dirent(dir, name, len, S_IFSOCK,
						IN_CREATE);
		}
		vnode_put(dir);
	}
	spin_unlock(&vfs_lock);
	if (ret)
		vnode_put(node);
	else
		*out = node;
out:
	if (base)
		vnode_put(base);
	return ret;
}

/* Bind to a name of the form "\0" + 5 hex digits, as Linux. */
static int unix_autobind(struct unix_sock *u)
{
	static u32 next;
	int ret = -EADDRINUSE;

	if (READ_ONCE(u->addr))
		return 0;
	for (u32 tries = 0; ret == -EADDRINUSE && tries < 0x100000; tries++) {
		char name[9] = {AF_UNIX, 0, 0}; /* 8 bytes and snprintf's NUL */
		u32 n = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
		snprintf(name + 3, 6, "%05x", n & 0xfffff);
		struct sock_addr *a = sock_addr_new(name, 8);
		if (!a)
			return -ENOMEM;
		u64 f = spin_lock_irqsave(&names_lock);
		ret = name_bind_locked(u, a, NULL);
		spin_unlock_irqrestore(&names_lock, f);
		if (ret)
			sock_addr_put(a);
	}
	return ret == -EINVAL ? 0 : ret; /* -EINVAL: bound meanwhile */
}

int unix_bind(struct socket *s, void *addr, u32 len)
{
	struct unix_sock *u = unix_of(s);
	struct vnode *vn = NULL;
	u8 *buf = addr;

	if (len == 2 && buf[0] == AF_UNIX && !buf[1])
		return unix_autobind(u);
	int ret = unix_addr_check(buf, len, &len);
	if (ret)
		return ret;
	if (READ_ONCE(u->addr))
		return -EINVAL;
	if (buf[2] && (ret = unix_mknod((char *)buf + 2, &vn)))
		return ret;
	struct sock_addr *a = sock_addr_new(buf, len);
	if (!a)
		ret = -ENOMEM;
	u64 f = spin_lock_irqsave(&names_lock);
	if (a)
		ret = name_bind_locked(u, a, vn);
	spin_unlock_irqrestore(&names_lock, f);
	if (ret) { /* a node we made stays, like a stale socket file */
		sock_addr_put(a);
		if (vn)
			vnode_put(vn);
	}
	return ret;
}
