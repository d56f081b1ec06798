/* SPDX-License-Identifier: MIT */
/*
 * The image's payload as the kernel reads it at boot (payload.c): the
 * header's ranges checked against the payload's size, the argv and envp
 * string blocks split, and the env= kernel options decoded and applied.
 * Pure code over bytes the image supplies, so it is fuzzed on the host
 * (tests/fuzz/fuzz_payload.c).
 */
#ifndef BOOT_PAYLOAD_H
#define BOOT_PAYLOAD_H

#include <kernel/types.h>

struct payload_view {
	const void *cpio; /* the root filesystem archive */
	u64 cpio_size;
	char *argv, *envp; /* NUL-separated string blocks */
	u64 argv_size, envp_size;
	const char *cmdline; /* the image's kernel options, or NULL */
};

/* Check the header of the payload at base (size bytes): 0 or -EINVAL. */
int payload_parse(u8 *base, u64 size, struct payload_view *v);
/* The next space-separated word of *s at *w, its length (0: no more). */
size_t payload_next_word(const char **s, const char **w);
/* Split a NUL-terminated string block into out (at most max): the
 * count, or -EINVAL if the block does not end in a NUL. */
int payload_split_strings(char *block, u64 size, char **out, int max);

#define PAYLOAD_MAX_ENV 64
/* env=K=V kernel options, decoded (kmalloc'd "K=V" strings). */
struct env_opts {
	char *kv[PAYLOAD_MAX_ENV];
	int n;
};
/* Add the env= options of the command line s to o (a malformed one is
 * skipped with a warning). */
void payload_collect_env(struct env_opts *o, const char *s);
/* Apply o to envp (envc entries, room for max): the new count. */
int payload_apply_env(const struct env_opts *o, char **envp, int envc, int max);

#endif
