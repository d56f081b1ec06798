/* SPDX-License-Identifier: MIT */
/*
 * String vectors and environments for the release builder: argv-like,
 * NULL-terminated arrays of malloc'd strings that grow as needed. An
 * environment is a strv of "K=V" strings. Running out of memory is fatal
 * (err(1)), as elsewhere in the packer, so these functions cannot fail.
 */
#ifndef PACKER_STRV_H
#define PACKER_STRV_H

#include <stdbool.h>
#include <stddef.h>

/* Zero-initialise; v is NULL or NULL-terminated. */
struct strv {
	char **v;
	size_t n;
	size_t cap;
};

void strv_push(struct strv *s, const char *str);
void strv_pushn(struct strv *s, const char *str, size_t len);
void strv_push_own(struct strv *s, char *str);
void strv_pushf(struct strv *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strv_pushv(struct strv *s, const struct strv *from);
void strv_free(struct strv *s);
bool strv_contains(const struct strv *s, const char *str);

const char *env_get(const struct strv *env, const char *key);
void env_set(struct strv *env, const char *key, const char *val);
void env_setkv(struct strv *env, const char *kv);
void env_unset(struct strv *env, const char *key);
void env_sort(struct strv *env);

char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
