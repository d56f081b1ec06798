/* SPDX-License-Identifier: MIT */
/*
 * Extended attributes of the tree's files (fs/xattr.c), as Linux's tmpfs
 * keeps them: the user., trusted. and security. namespaces, values in
 * kernel memory, freed with the vnode. Names and values are kernel
 * copies; the sys layer copies them in and out.
 */
#ifndef FS_XATTR_H
#define FS_XATTR_H

#include <kernel/types.h>

#define XATTR_CREATE   0x1
#define XATTR_REPLACE  0x2
#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_LIST_MAX 65536

struct vnode;

/*
 * Set name to size bytes of value (flags: XATTR_CREATE, XATTR_REPLACE),
 * or remove it when value is NULL (-ENODATA if missing).
 */
int xattr_set(struct vnode *vn, const char *name, const void *value,
	      size_t size, u32 flags);
/* The value of name into buf (size 0: only its length); its length. */
ssize_t xattr_get(struct vnode *vn, const char *name, void *buf, size_t size);
/* The names, each NUL-terminated, into buf (size 0: only the length). */
ssize_t xattr_list(struct vnode *vn, char *buf, size_t size);
/* The answers for a file without a vnode (a pipe or socket by fd). */
int xattr_check_anon(const char *name, bool write);
/* Free vn's attributes (the vnode is going). */
void xattr_free(struct vnode *vn);

#endif
