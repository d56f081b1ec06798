/* SPDX-License-Identifier: MIT */
/*
 * `kiln build RELEASE_DIR -o IMAGE`: an image that boots an Erlang/Elixir
 * release made by `mix release`, rebar3 (relx) or systools. build.c parses
 * the command line and calls release_build().
 *
 * Inside the image the release lives at RELEASE_GUEST_ROOT; shared
 * libraries sit at their host paths; /etc holds a few generated files.
 */
#ifndef PACKER_RELEASE_H
#define PACKER_RELEASE_H

#include <stdbool.h>
#include <stddef.h>

#include "disk.h"
#include "relscript.h"

#define RELEASE_GUEST_ROOT     "/app"
#define RELEASE_GUEST_HOME     "/root"
#define RELEASE_GUEST_INETRC   "/etc/erl_inetrc"
#define RELEASE_BASE_PATH      "/usr/bin:/bin"
#define RELEASE_GUEST_SERVICES "/.kiln/services"
#define RELEASE_SMALL_FLAGS    "+MIscs 32 +Mea min"

struct release_opts {
	const char *dir;	 /* the release directory */
	const char *output;	 /* the image to write */
	const char *kernel;	 /* kernel ELF path */
	const char *cmdline;	 /* default kernel options, or NULL */
	const char *const *envp; /* --env K=V */
	size_t envc;
	const char *const *adds; /* --add HOST:GUEST */
	size_t addc;
	const char *erl_flags;	  /* --erl-flags, or NULL */
	bool with_shell;	  /* --with-shell */
	bool small_memory;	  /* --small-memory */
	enum rel_console console; /* --console */
	int zlevel;		  /* --compress: zstd level, 0 = none */
	enum disk_format format;  /* --format */
	const char *ld_so_conf;	  /* NULL: /etc/ld.so.conf (tests override) */
	const char *busybox;	  /* NULL: /bin/busybox (tests override) */
};

int release_build(const struct release_opts *o);

#endif
