// SPDX-License-Identifier: MIT
/*
 * String vectors and "K=V" environments (see strv.h). Out of memory is
 * fatal here, which keeps the release builder's logic free of allocation
 * checks; everything else there still returns 0 or -errno.
 */
#define _GNU_SOURCE
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

/* strdup that cannot fail. */
char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		err(1, "out of memory");
	return p;
}

/* asprintf that cannot fail. */
char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		err(1, "out of memory");
	return p;
}

/* Append str, taking ownership of it. */
void strv_push_own(struct strv *s, char *str)
{
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			err(1, "out of memory");
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
}

/* Append a copy of str. */
void strv_push(struct strv *s, const char *str)
{
	strv_push_own(s, xstrdup(str));
}

/* Append a copy of the len bytes at str (which may be NULL if len is 0). */
void strv_pushn(struct strv *s, const char *str, size_t len)
{
	char *p = strndup(len ? str : "", len);

	if (!p)
		err(1, "out of memory");
	strv_push_own(s, p);
}

/* Append a formatted string. */
void strv_pushf(struct strv *s, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		err(1, "out of memory");
	strv_push_own(s, p);
}

/* Append copies of every string of from. */
void strv_pushv(struct strv *s, const struct strv *from)
{
	for (size_t i = 0; i < from->n; i++)
		strv_push(s, from->v[i]);
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

bool strv_contains(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i], str) == 0)
			return true;
	}
	return false;
}

/* Index of key's entry in env, or -1. */
static long env_find(const struct strv *env, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < env->n; i++) {
		if (strncmp(env->v[i], key, klen) == 0 &&
		    env->v[i][klen] == '=')
			return (long)i;
	}
	return -1;
}

/* The value of key, or NULL if it is not set. */
const char *env_get(const struct strv *env, const char *key)
{
	long i = env_find(env, key);

	return i < 0 ? NULL : env->v[i] + strlen(key) + 1;
}

/* Set key to val, replacing an earlier value in place. */
void env_set(struct strv *env, const char *key, const char *val)
{
	long i = env_find(env, key);
	char *kv = xasprintf("%s=%s", key, val);

	if (i < 0) {
		strv_push_own(env, kv);
		return;
	}
	free(env->v[i]);
	env->v[i] = kv;
}

/* Set from a "K=V" string (which must contain '='). */
void env_setkv(struct strv *env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *key = strndup(kv, (size_t)(eq - kv));

	if (!key)
		err(1, "out of memory");
	env_set(env, key, eq + 1);
	free(key);
}

void env_unset(struct strv *env, const char *key)
{
	long i = env_find(env, key);

	if (i < 0)
		return;
	free(env->v[i]);
	memmove(&env->v[i], &env->v[i + 1],
		(env->n - (size_t)i) * sizeof(env->v[0]));
	env->n--;
}

static int env_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort by name, so that images do not depend on the order of discovery. */
void env_sort(struct strv *env)
{
	if (env->n > 1)
		qsort(env->v, env->n, sizeof(env->v[0]), env_cmp);
}
