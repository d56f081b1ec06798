// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the kernel's own image loader: kernel/fs/vfs.c's
 * vfs_load_cpio (paths, directories made on the way, node types, symlinks,
 * compressed files through zimage_create), built for the host with the
 * services of tests/fuzz/kshim. Each input is loaded into a fresh tree,
 * which is then walked: every node's path must resolve back to it, every
 * in-place file's bytes must lie in the input (AddressSanitizer checks the
 * reads), and every symlink is followed. A malformed archive must give an
 * error, never a crash; the tree is freed after each input.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/vfs.h"
#include "tests/fuzz/kshim/kshim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in_data;
static size_t in_size;
static char path[VFS_PATH_MAX];

static void walk(struct vnode *dir, int depth)
{
	struct dentry *d;
	volatile uint8_t sink = 0;

	assert(depth < 4096);
	list_for_each_entry(d, &dir->children, sibling)
	{
		struct vnode *vn = d->vn, *back;
		assert(d->namelen == strlen(d->name) && d->namelen > 0 &&
		       d->namelen <= VFS_NAME_MAX && !strchr(d->name, '/'));
		assert(strcmp(d->name, ".") && strcmp(d->name, ".."));
		if (!vfs_path_of(vn, path, sizeof(path))) {
			/* the path leads back to the same node */
			assert(!vfs_lookup("/", path, LOOKUP_NOFOLLOW, &back));
			assert(back == vn);
			vnode_put(back);
		}
		if (vn->data) {
			assert(vn->data >= in_data &&
			       vn->data + vn->size <= in_data + in_size);
			for (uint64_t i = 0; i < vn->size; i++)
				sink ^= vn->data[i];
		}
		if (S_ISLNK(vn->mode) && !vfs_path_of(vn, path, sizeof(path))) {
			struct vnode *t;
			if (!vfs_lookup("/", path, 0, &t))
				vnode_put(t); /* loops end in ELOOP */
		}
		if (S_ISDIR(vn->mode))
			walk(vn, depth + 1);
	}
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the archive sits in the image: give it its own block so reads
	 * past its end are caught */
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	in_data = copy;
	in_size = size;
	vfs_init();
	int ret = vfs_load_cpio(copy, size);
	assert(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	walk(vfs_root, 0);
	vfs_root = NULL;
	kshim_reset();
	free(copy);
	return 0;
}
