/* SPDX-License-Identifier: MIT */
/*
 * File seals (fcntl F_ADD_SEALS/F_GET_SEALS, fs/memfd.c). Every tmpfs
 * regular file has seals, F_SEAL_SEAL from birth (so it takes no more)
 * unless memfd_create(MFD_ALLOW_SEALING) made it; the image's files and
 * everything else have none and refuse the fcntls (EINVAL), as on Linux.
 * tmpfs calls the checks below before changing a file; mm/vm.c counts
 * the writable shared mappings of each file, which F_SEAL_WRITE needs to
 * be zero.
 */
#ifndef FS_MEMFD_H
#define FS_MEMFD_H

#include <uapi/fcntl.h>
#include <kernel/types.h>

#define F_SEAL_EXEC 0x20
#define F_SEAL_ALL  0x3f

struct file;
struct vnode;

int memfd_add_seals(struct file *f, u64 seals);
int memfd_get_seals(struct file *f);
/* memfd_create(MFD_ALLOW_SEALING): vn may take seals. */
void memfd_allow_sealing(struct vnode *vn);

/*
 * tmpfs, before a change (vn->wlock held): a write of *n bytes at start
 * (shortened to the end of the file under F_SEAL_GROW); a new size; a
 * fallocate of [off, end) (punch: a hole).
 */
int memfd_check_write(struct vnode *vn, u64 start, size_t *n);
int memfd_check_resize(struct vnode *vn, u64 len);
int memfd_check_fallocate(struct vnode *vn, bool punch, u64 end);

/* May vn get new writable shared mappings? false under the write seals. */
bool memfd_may_map_writable(struct vnode *vn);
/* A writable shared mapping of vn is made (check: -EPERM if sealed
 * against it meanwhile) or goes. */
int memfd_map_writable(struct vnode *vn, bool check);
void memfd_unmap_writable(struct vnode *vn);

#endif
