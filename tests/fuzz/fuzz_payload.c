// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the kernel's boot payload parser
 * (kernel/boot/payload.c), built for the host with tests/fuzz/kshim: the
 * header check, the argv/envp string blocks and the env= options of the
 * image's kernel command line, as start_payload uses them. On success every
 * range must lie inside the payload; every string handed out must end
 * inside its block; every env= entry applied must be "K=V" with a non-empty
 * K. The input also serves as a boot loader command line for the env=
 * decoder. Malformed input must give an error, never a crash.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/payload.h"
#include "tests/fuzz/kshim/kshim.h"

#define MAX_ARGS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_block(char *block, uint64_t size, char **s, int n)
{
	for (int i = 0; i < n; i++) {
		assert(s[i] >= block && s[i] < block + size);
		assert(s[i] + strlen(s[i]) < block + size);
	}
}

static void check_env(char **envp, int envc)
{
	for (int i = 0; i < envc; i++)
		(void)strlen(envp[i]);
}

static void env_opts(const char *cmdline, char **envp, int envc)
{
	struct env_opts o = {.n = 0};

	payload_collect_env(&o, cmdline);
	assert(o.n >= 0 && o.n <= PAYLOAD_MAX_ENV);
	for (int i = 0; i < o.n; i++) {
		const char *eq = strchr(o.kv[i], '=');
		assert(eq && eq != o.kv[i]);
	}
	int n = payload_apply_env(&o, envp, envc, MAX_ARGS - 1);
	assert(n >= envc && n <= MAX_ARGS - 1);
	check_env(envp, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *argv[MAX_ARGS], *envp[MAX_ARGS];
	uint8_t *base = malloc(size ? size : 1);
	struct payload_view v;

	memcpy(base, data, size);
	if (!payload_parse(base, size, &v)) {
		const uint8_t *cpio = v.cpio;
		assert(cpio >= base && cpio + v.cpio_size <= base + size);
		assert((uint8_t *)v.argv + v.argv_size <= base + size);
		assert((uint8_t *)v.envp + v.envp_size <= base + size);
		if (v.cmdline)
			assert((uint8_t *)v.cmdline + strlen(v.cmdline) <
			       base + size);
		int argc = payload_split_strings(v.argv, v.argv_size, argv,
						 MAX_ARGS - 1);
		int envc = payload_split_strings(v.envp, v.envp_size, envp,
						 MAX_ARGS - 1);
		assert(argc >= -EINVAL && envc >= -EINVAL);
		if (argc > 0)
			check_block(v.argv, v.argv_size, argv, argc);
		if (envc >= 0) {
			check_block(v.envp, v.envp_size, envp, envc);
			if (v.cmdline)
				env_opts(v.cmdline, envp, envc);
		}
	}
	/* the input as the boot loader's command line */
	char *line = malloc(size + 1);
	memcpy(line, data, size);
	line[size] = 0;
	env_opts(line, envp, 0);
	free(line);
	free(base);
	kshim_reset();
	return 0;
}
