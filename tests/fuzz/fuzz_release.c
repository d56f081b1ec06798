// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for what `kiln build RELEASE_DIR` reads from a release:
 * the dynamic section of ELF files (packer/elfdeps.c: DT_NEEDED, DT_RPATH,
 * DT_RUNPATH strings found through DT_STRTAB), vm.args text split the way
 * erlexec splits it (packer/erlexec.c), and relx's ${VAR:-default}
 * substitution (packer/relscript.c). Every string returned is read in
 * full so that AddressSanitizer catches one that is not what it claims.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packer/elfdeps.h"
#include "packer/erlexec.h"
#include "packer/relscript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void touch_strv(const struct strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		sink += strlen(v->v[i]);
}

static void check_elf(const uint8_t *data, size_t size)
{
	uint64_t *copy = malloc((size / 8 + 1) * 8);
	struct elfdeps_dyn d;
	const char *why = NULL;
	int ret;

	assert(copy);
	memcpy(copy, data, size);
	ret = elfdeps_parse(copy, size, "/origin", &d, &why);
	assert(ret == 0 || ret == -ENOEXEC || ret == -EINVAL);
	if (ret == 0) {
		if (d.interp)
			sink += strlen(d.interp);
		touch_strv(&d.needed);
		touch_strv(&d.rpath);
		touch_strv(&d.runpath);
		elfdeps_dyn_free(&d);
	} else {
		assert(why);
	}
	free(copy);
}

static void check_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct strv v = {0}, env = {0};
	char *s;
	int n;

	assert(text);
	memcpy(text, data, size);
	text[size] = '\0';
	for (int comments = 0; comments < 2; comments++) {
		n = erlexec_split(text, comments, &v);
		assert(n >= 0 && v.n == (size_t)n + (n ? 1 : 0));
		touch_strv(&v);
		strv_free(&v);
	}
	strv_push(&env, "A=alpha");
	strv_push(&env, "EMPTY=");
	s = relscript_subst_os_vars(text, &env);
	sink += strlen(s);
	free(s);
	strv_free(&env);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_elf(data, size);
	check_text(data, size);
	return 0;
}
