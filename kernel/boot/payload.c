// SPDX-License-Identifier: MIT
/*
 * The payload kiln build appends to the kernel (include/kiln/image.h):
 * its header is checked before anything in it is used, every range must
 * lie inside the payload, and the string blocks must end in a NUL. The
 * env= options of the kernel command line (kiln run --env) are decoded
 * here too. Boot code (main.c) calls these once; they only read the bytes
 * they are given, so malformed input means an error, never a fault.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kiln/image.h>
#include "payload.h"
#include "lib/libdefs.h"
#include "mm/kheap.h"

static bool range_ok(const struct kiln_payload_hdr *h, u64 size, u64 off,
		     u64 len)
{
	return off + len >= off && off + len <= size && off >= h->hdr_size;
}

int payload_parse(u8 *base, u64 size, struct payload_view *v)
{
	const struct kiln_payload_hdr *h = (const void *)base;

	if (size < sizeof(*h) || h->magic != KILN_PAYLOAD_MAGIC ||
	    h->version != KILN_IMAGE_VERSION || h->hdr_size < sizeof(*h) ||
	    !range_ok(h, size, h->cpio_off, h->cpio_size) ||
	    !range_ok(h, size, h->argv_off, h->argv_size) ||
	    !range_ok(h, size, h->envp_off, h->envp_size) ||
	    !range_ok(h, size, h->cmdline_off, h->cmdline_size))
		return -EINVAL;
	v->cpio = base + h->cpio_off;
	v->cpio_size = h->cpio_size;
	v->argv = (char *)base + h->argv_off;
	v->argv_size = h->argv_size;
	v->envp = (char *)base + h->envp_off;
	v->envp_size = h->envp_size;
	v->cmdline = NULL;
	if (h->cmdline_size && base[h->cmdline_off + h->cmdline_size - 1] == 0)
		v->cmdline = (const char *)base + h->cmdline_off;
	return 0;
}

size_t payload_next_word(const char **s, const char **w)
{
	while (**s == ' ')
		(*s)++;
	*w = *s;
	while (**s && **s != ' ')
		(*s)++;
	return *s - *w;
}

int payload_split_strings(char *block, u64 size, char **out, int max)
{
	int n = 0;

	if (!size)
		return 0;
	if (block[size - 1] != 0)
		return -EINVAL;
	for (u64 i = 0; i < size && n < max;) {
		out[n++] = block + i;
		i += strlen(block + i) + 1;
	}
	return n;
}

/*
 * "env=K=V" options (kiln run --env): K=V goes into the program's
 * environment, replacing K's value from the image. The option's value is
 * percent-encoded (%XX), so it can hold spaces.
 */
void payload_collect_env(struct env_opts *o, const char *s)
{
	const char *w;
	size_t len;

	while ((len = payload_next_word(&s, &w))) {
		if (len <= 4 || memcmp(w, "env=", 4))
			continue;
		char *kv = kmalloc(len - 3);
		size_t n = 0;
		bool ok = kv != NULL;
		for (size_t i = 4; ok && i < len; i++) {
			if (w[i] != '%') {
				kv[n++] = w[i];
				continue;
			}
			int hi = i + 2 < len ? lib_hex_digit(w[i + 1]) : -1;
			int lo = i + 2 < len ? lib_hex_digit(w[i + 2]) : -1;
			ok = hi >= 0 && lo >= 0 && (hi || lo);
			/* (found by fuzz_payload: a "%X" at the end shifted -1)
			 */
			if (ok)
				kv[n++] = (char)(hi << 4 | lo);
			i += 2;
		}
		if (ok) {
			kv[n] = 0;
			char *eq = memchr(kv, '=', n);
			ok = eq && eq != kv;
		}
		if (!ok || o->n == PAYLOAD_MAX_ENV) {
			pr_warn("ignoring the kernel option %.*s: %s", (int)len,
				w,
				ok ? "too many env= options"
				   : "want env=NAME=VALUE, %XX-encoded");
			kfree(kv);
			continue;
		}
		o->kv[o->n++] = kv;
	}
}

int payload_apply_env(const struct env_opts *o, char **envp, int envc, int max)
{
	for (int i = 0; i < o->n; i++) {
		char *kv = o->kv[i];
		size_t klen = strchr(kv, '=') - kv + 1; /* with the '=' */
		int j;
		for (j = 0; j < envc; j++)
			if (!strncmp(envp[j], kv, klen))
				break;
		if (j < envc) {
			envp[j] = kv;
		} else if (envc < max) {
			envp[envc++] = kv;
		} else {
			pr_warn("env: no room for %s", kv);
		}
	}
	return envc;
}
