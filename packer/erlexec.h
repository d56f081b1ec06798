/* SPDX-License-Identifier: MIT */
/*
 * What ERTS's erlexec does to its command line before it execs beam.smp,
 * redone at build time: Kiln's kernel starts beam.smp directly, so the
 * packer must produce the emulator's exact argv and environment. Follows
 * erts/etc/common/erlexec.c of OTP 25 (Unix paths): ERL_AFLAGS/ERL_FLAGS/
 * ERL_ZFLAGS, -args_file expansion (quotes, backslashes, # comments),
 * "+X" emulator flags turned into "-X" and moved before the first "--",
 * -env, -extra, -home, -root/-bindir/-progname, and PATH.
 */
#ifndef PACKER_ERLEXEC_H
#define PACKER_ERLEXEC_H

#include <stdbool.h>

#include "strv.h"

struct erlexec_result {
	struct strv argv; /* beam.smp's argv; argv[0] as erlexec sets it */
	char *emu; /* the emulator erlexec would exec (BINDIR/beam.smp) */
	bool distributed; /* -name or -sname given */
	bool start_epmd;  /* erlexec would run "epmd -daemon" first */
	char *node_name;  /* the -name/-sname value, or NULL */
	bool detached;	  /* -detached: erlexec would fork into background */
};

/* Inputs besides the arguments and the environment. */
struct erlexec_opts {
	const char *extra_flags;   /* more flags, after ERL_ZFLAGS, or NULL */
	unsigned otp_major;	   /* names the ERL_OTP<N>_FLAGS variable */
	const struct strv *vfiles; /* files to read from memory: path,
				      contents, path, ...; or NULL */
};

int erlexec_run(const struct strv *args, struct strv *env,
		const struct erlexec_opts *opts, struct erlexec_result *out);
void erlexec_result_free(struct erlexec_result *r);

int erlexec_split(const char *s, bool allow_comments, struct strv *out);

#endif
