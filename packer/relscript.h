/* SPDX-License-Identifier: MIT */
/*
 * What a release's own start script does before it execs erlexec, redone
 * at build time for the three kinds of release `kiln build` knows:
 *
 *  - mix (Elixir): `bin/NAME start`. releases/VSN/env.sh is evaluated by
 *    /bin/sh on the build host, in a clean environment holding what the
 *    start script sets before sourcing it; the variables it leaves are
 *    captured. Then the script's defaults and the `elixir` and `erl`
 *    scripts' rules give erlexec's arguments and environment.
 *  - relx (rebar3): `bin/NAME foreground`, including vm.args.src,
 *    sys.config.src and RELX_REPLACE_OS_VARS substitution.
 *  - systools (anything else): OTP's start_erl, plus -args_file
 *    releases/VSN/vm.args when that file exists.
 *
 * With a console mode (kiln build --console) the command is the release's
 * interactive one instead: mix `bin/NAME start_iex` (IEx) or `start`
 * without -noshell (the Erlang shell), relx `bin/NAME console`, systools
 * start_erl as it is (docs/decisions/console-shell.md).
 *
 * Everything is computed with host paths (the release's real location);
 * release.c then maps the release root to the guest path /app.
 */
#ifndef PACKER_RELSCRIPT_H
#define PACKER_RELSCRIPT_H

#include "strv.h"

/* The guest's host name (the kernel's uname nodename) and short form. */
#define RELSCRIPT_HOSTNAME	 "kiln.local"
#define RELSCRIPT_SHORT_HOSTNAME "kiln"

enum rel_kind { REL_MIX, REL_RELX, REL_SYSTOOLS };

/* What reads the console: nothing, IEx, or the Erlang shell. */
enum rel_console { REL_CONSOLE_NONE, REL_CONSOLE_IEX, REL_CONSOLE_ERL };

/* TERM for a console image whose environment sets none. */
#define RELSCRIPT_DEFAULT_TERM "xterm-256color"

/* What identifies a release directory. */
struct rel_info {
	char *root;	/* realpath of the release directory */
	char *name;	/* release name (releases/VSN/NAME.rel) */
	char *vsn;	/* release version (start_erl.data) */
	char *erts_vsn; /* ERTS version (start_erl.data) */
	char *erts_bin; /* realpath of ROOT/erts-VSN/bin */
	enum rel_kind kind;
	unsigned otp_major; /* names ERL_OTP<N>_FLAGS */
};

/* How the start script would run erlexec. */
struct rel_cmd {
	struct strv args;   /* erlexec's arguments (without argv[0]) */
	struct strv env;    /* erlexec's environment */
	struct strv vfiles; /* generated files: path, contents, path, ... */
	char *tmp_dir;	    /* a directory the release writes to, or NULL */
};

int relscript_probe(const char *dir, struct rel_info *ri);
void relscript_info_free(struct rel_info *ri);
int relscript_command(const struct rel_info *ri, const struct strv *env,
		      enum rel_console console, struct rel_cmd *cmd);
int relscript_console_parse(const char *s, enum rel_console *out);
void relscript_cmd_free(struct rel_cmd *cmd);
const char *relscript_kind_name(enum rel_kind kind);
const char *relscript_vfile(const struct strv *vfiles, const char *path);
char *relscript_subst_os_vars(const char *text, const struct strv *env);

#endif
