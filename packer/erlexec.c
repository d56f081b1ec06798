// SPDX-License-Identifier: MIT
/*
 * erlexec's argument processing, redone in the packer (see erlexec.h).
 *
 * The steps and their order follow OTP 25's erts/etc/common/erlexec.c so
 * that the result is byte-for-byte what the real erlexec passes to
 * beam.smp; tests/unit/test_release.c checks this against the host's
 * erlexec (-emu_args_exit) and tests/e2e/check-release-argv.py against
 * strace of real start scripts. Where erlexec would print and exit, fork,
 * or run another program (-man, -make, -compile, -emu_args_exit), we stop
 * with an error instead. Paths are whatever the caller passes (host paths
 * of the release); -args_file names are opened as given.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erlexec.h"
#include "util.h"

#define ERLEXEC_MAX_ARGS_FILES 64

/* +M allocators and the switches that take a value (erlexec.c). */
static const char plus_m_au_allocs[] = "uBIDEFHLRSTZ";
static const char *const plus_m_au_switches[] = {
	"as",	  "asbcst", "atags",  "acul",  "acnl",	 "acfml",
	"acful",  "cp",	    "e",      "t",     "lmbcs",	 "mbcgs",
	"mbsd",	  "mmbcs",  "mmmbc",  "mmsbc", "msbclt", "ramv",
	"rmbcmt", "rsbcmt", "rsbcst", "sbct",  "smbcs",	 NULL};
static const char *const plus_m_other_switches[] = {
	"ea",	  "ummc", "uycs", "usac",    "im",   "is",     "lpm", "Mamcbf",
	"Mrmcbf", "Mmcs", "Mscs", "Mscrfsd", "Msco", "Mscrpm", "Ye",  "Ym",
	"Ytp",	  "Ytt",  "Iscs", "Xscs",    "dai",  NULL};
static const char *const plus_s_switches[] = {
	"bt",  "bwtdcpu", "bwtdio", "bwt",    "cl",    "ct", "ecio",
	"fwi", "tbt",	  "wct",    "wtdcpu", "wtdio", "wt", "ws",
	"ss",  "ssdcpu",  "ssdio",  "pp",     "ub",    NULL};
static const char *const plus_h_switches[] = {
	"ms", "mbs", "pds", "max", "maxk", "maxel", "mqd", "", NULL};
static const char *const plus_r_switches[] = {"g", NULL};
static const char *const plus_z_switches[] = {"dbbl", "dntgc", "ebwt", "osrl",
					      NULL};

/* The state of one run, mirroring erlexec's globals. */
struct erlexec {
	const struct erlexec_opts *opts;
	struct strv *env;
	struct strv eargs; /* emulator arguments, before the first -- */
	struct strv args;  /* init arguments */
	const char *epmd_prog;
	bool no_epmd, proto_dist, process_args;
	struct erlexec_result *out;
};

static bool is_one_of(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++) {
		if (strcmp(s, list[i]) == 0)
			return true;
	}
	return false;
}

/*
 * Split s into arguments like erlexec's build_args_from_string: blanks
 * separate, "..." and '...' quote, a backslash takes the next character
 * literally, and with allow_comments a # outside quotes starts a comment
 * that ends at the newline. Appends the arguments to out, followed by a
 * "--" if there was at least one (erlexec's separator between sources).
 * Returns the number of arguments.
 */
int erlexec_split(const char *s, bool allow_comments, struct strv *out)
{
	enum { START, BUILD0, BUILD, SQ, DQ, NEXT, COMMENT } st = START;
	struct buf tok = {0};
	const char *p = s;
	int n = 0;

	for (;;) {
		switch (st) {
		case START:
			if (!*p)
				goto done;
			tok.len = 0;
			st = BUILD0;
			break;
		case BUILD0:
			if (strchr("\n\f\r\t\v ", *p) && *p) {
				p++;
			} else if (!*p) {
				st = START;
			} else if (*p == '#' && allow_comments) {
				p++;
				st = COMMENT;
			} else {
				st = BUILD;
			}
			break;
		case BUILD:
			if (!*p || strchr("\n\f\r\t\v ", *p) ||
			    (*p == '#' && allow_comments)) {
				strv_pushn(out, (const char *)tok.data,
					   tok.len);
				n++;
				st = START;
			} else if (*p == '"' || *p == '\'' || *p == '\\') {
				st = *p == '"' ? DQ : *p == '\'' ? SQ : NEXT;
				p++;
			} else if (buf_put(&tok, p++, 1)) {
				err(1, "out of memory");
			}
			break;
		case SQ:
		case DQ:
			if (*p == (st == DQ ? '"' : '\'') || !*p) {
				p += *p ? 1 : 0;
				st = BUILD;
			} else if (buf_put(&tok, p++, 1)) {
				err(1, "out of memory");
			}
			break;
		case NEXT:
			if (*p && buf_put(&tok, p++, 1))
				err(1, "out of memory");
			st = BUILD;
			break;
		case COMMENT:
			if (*p == '\n' || !*p)
				st = BUILD0;
			else
				p++;
			break;
		}
	}
done:
	buf_free(&tok);
	if (n)
		strv_push(out, "--");
	return n;
}

/* A generated file's contents, or NULL. */
static const char *erlexec_vfile(const struct strv *vfiles, const char *path)
{
	for (size_t i = 0; vfiles && i + 1 < vfiles->n; i += 2) {
		if (strcmp(vfiles->v[i], path) == 0)
			return vfiles->v[i + 1];
	}
	return NULL;
}

/* read_args_file: the arguments in file, or an empty vector. */
static int erlexec_read_file(const char *file, const struct strv *vfiles,
			     struct strv *out)
{
	const char *v = erlexec_vfile(vfiles, file);
	struct buf b = {0};
	char *text;
	int ret;

	if (v) {
		erlexec_split(v, true, out);
		return 0;
	}
	ret = util_read_file(file, &b);
	if (ret) {
		warnx("%s: cannot read this -args_file (erlexec would stop "
		      "with \"Failed to open arguments file\")",
		      file);
		return ret;
	}
	text = strndup(b.data ? (const char *)b.data : "", b.len);
	buf_free(&b);
	if (!text)
		err(1, "out of memory");
	erlexec_split(text, true, out);
	free(text);
	return 0;
}

/* One open -args_file and how far it has been read. */
struct args_frame {
	struct strv argv;
	size_t i;
};

/* get_file_args: expand file (and the -args_file it names) into ab/xab. */
static int erlexec_file_args(const char *file, const struct strv *vfiles,
			     struct strv *ab, struct strv *xab)
{
	struct args_frame stack[ERLEXEC_MAX_ARGS_FILES] = {0};
	int top = 0, ret = 0;

	ret = erlexec_read_file(file, vfiles, &stack[0].argv);
	while (!ret && top >= 0) {
		struct args_frame *f = &stack[top];

		if (f->i >= f->argv.n) {
			strv_free(&f->argv);
			top--;
		} else if (strcmp(f->argv.v[f->i], "-args_file") == 0) {
			if (++f->i >= f->argv.n) {
				warnx("%s: -args_file without a file name",
				      file);
				ret = -EINVAL;
			} else if (top + 1 >= ERLEXEC_MAX_ARGS_FILES) {
				warnx("%s: -args_file nested too deeply (a "
				      "file includes itself?)",
				      f->argv.v[f->i]);
				ret = -ELOOP;
			} else {
				ret = erlexec_read_file(f->argv.v[f->i++],
							vfiles,
							&stack[top + 1].argv);
				stack[++top].i = 0;
			}
		} else if (strcmp(f->argv.v[f->i], "-extra") == 0) {
			while (++f->i < f->argv.n)
				strv_push(xab, f->argv.v[f->i]);
		} else {
			strv_push(ab, f->argv.v[f->i++]);
		}
	}
	for (int i = 0; i < ERLEXEC_MAX_ARGS_FILES; i++)
		strv_free(&stack[i].argv);
	return ret;
}

/* Expand one source of arguments (the command line or a variable). */
static int erlexec_expand_source(const struct strv *src,
				 const struct strv *vfiles, struct strv *ab,
				 struct strv *xab)
{
	for (size_t ix = 0; ix < src->n;) {
		const char *a = src->v[ix];

		if (strcmp(a, "-args_file") == 0) {
			int ret;

			if (++ix == src->n) {
				warnx("erlexec: missing argument(s) for "
				      "'-args_file'");
				return -EINVAL;
			}
			ret = erlexec_file_args(src->v[ix++], vfiles, ab, xab);
			if (ret)
				return ret;
		} else if (strcmp(a, "-extra") == 0) {
			while (++ix < src->n)
				strv_push(xab, src->v[ix]);
		} else {
			strv_push(ab, a);
			ix++;
		}
	}
	return 0;
}

/* initial_argv_massage: merge the flag variables, expand -args_file. */
static int erlexec_massage(const struct strv *args, const struct strv *env,
			   const struct erlexec_opts *o, struct strv *out)
{
	struct strv src[7] = {{0}}, ab = {0}, xab = {0};
	char *otp_var = xasprintf("ERL_OTP%u_FLAGS", o->otp_major);
	const char *vars[] = {otp_var,	   "ERL_AFLAGS", NULL,
			      "ERL_FLAGS", "ERL_ZFLAGS", NULL};
	size_t nsrc = 0;
	int ret = 0;
	bool only_cmdline;

	for (size_t v = 0; v < 5; v++) {
		if (vars[v]) {
			const char *val = env_get(env, vars[v]);

			if (val && erlexec_split(val, false, &src[nsrc]))
				nsrc++;
		} else if (args->n) {
			strv_pushv(&src[nsrc++], args);
			strv_push(&src[nsrc++], "--");
		}
	}
	if (o->extra_flags && erlexec_split(o->extra_flags, false, &src[nsrc]))
		nsrc++;
	free(otp_var);
	only_cmdline = nsrc == (args->n ? 2u : 0u);
	if (only_cmdline) {
		bool has_file = false;

		for (size_t i = 0; i < args->n; i++) {
			if (strcmp(args->v[i], "-extra") == 0)
				break;
			has_file |= strcmp(args->v[i], "-args_file") == 0;
		}
		if (!has_file) {
			strv_pushv(out, args);
			goto out;
		}
	}
	for (size_t s = 0; !ret && s < nsrc; s++)
		ret = erlexec_expand_source(&src[s], o->vfiles, &ab, &xab);
	if (!ret) {
		strv_pushv(out, &ab);
		if (xab.n)
			strv_push(out, "-extra");
		strv_pushv(out, &xab);
	}
out:
	for (size_t s = 0; s < nsrc; s++)
		strv_free(&src[s]);
	strv_free(&ab);
	strv_free(&xab);
	return ret;
}

/* NEXT_ARG_CHECK: option argv[i] needs a value that is not "--". */
static bool erlexec_has_value(const struct strv *a, size_t i)
{
	if (i + 1 >= a->n || strcmp(a->v[i + 1], "--") == 0) {
		warnx("erlexec would stop: missing argument(s) for '%s'",
		      a->v[i]);
		return false;
	}
	return true;
}

/* Add +X (as -X) and, if it takes one, its value to the emulator flags. */
static void erlexec_eargs(struct erlexec *e, const char *flag,
			  const char *value)
{
	strv_pushf(&e->eargs, "-%s", flag + 1);
	if (value)
		strv_push(&e->eargs, value);
}

/* Does "+..." option a take the next argument as its value? */
static int erlexec_plus_takes_value(const struct strv *av, size_t i)
{
	const char *a = av->v[i], *next = i + 1 < av->n ? av->v[i + 1] : NULL;

	switch (a[1]) {
	case 'a':
	case 'A':
	case 'C':
	case 'e':
	case 'i':
	case 'n':
	case 'P':
	case 'Q':
	case 't':
	case 'T':
	case 'R':
	case 'W':
	case 'K':
		return a[2] == '\0';
	case 'I':
		if (a[2] == 'O' && (a[3] == 't' || a[3] == 'p' || a[3] == 's'))
			return a[4] == '\0';
		if (a[2] == 'O' && a[3] == 'P' && (a[4] == 't' || a[4] == 'p'))
			return a[5] == '\0';
		return -1; /* erlexec: usage error */
	case 'J':
		return 1;
	case 'S':
		if (a[2] == 'D') {
			if (strncmp(a + 3, "cpu", 3) &&
			    strncmp(a + 3, "Pcpu", 4) &&
			    strncmp(a + 3, "io", 2))
				return -1;
			return !strcmp(a + 3, "cpu") ||
			       !strcmp(a + 3, "Pcpu") || !strcmp(a + 3, "io");
		}
		return a[2] == '\0' || (a[2] == 'P' && a[3] == '\0');
	case 'B':
		if (a[2] != '\0')
			return strchr("icd", a[2]) ? 0 : -1;
		return next && next[0] && !next[1] && strchr("icd", next[0]);
	case 'c':
		return a[2] == '\0' && next &&
		       (!strcmp(next, "true") || !strcmp(next, "false"));
	case 'M':
		if (a[2] && strchr(plus_m_au_allocs, a[2]) &&
		    is_one_of(a + 3, plus_m_au_switches))
			return 1;
		return is_one_of(a + 2, plus_m_other_switches);
	case 'h':
		return is_one_of(a + 2, plus_h_switches);
	case 'r':
		return is_one_of(a + 2, plus_r_switches);
	case 's':
		return is_one_of(a + 2, plus_s_switches);
	case 'p':
		return a[2] == 'c' && a[3] == '\0';
	case 'z':
		return is_one_of(a + 2, plus_z_switches);
	default:
		return 0;
	}
}

/* Handle the "+..." option at av->v[*i]; 0 or -EINVAL. */
static int erlexec_plus(struct erlexec *e, const struct strv *av, size_t *i)
{
	int takes = erlexec_plus_takes_value(av, *i);
	bool soft = av->v[*i][1] == 'B' || av->v[*i][1] == 'c';

	if (takes < 0) {
		warnx("erlexec would stop: bad emulator flag '%s'", av->v[*i]);
		return -EINVAL;
	}
	/* +B and +c take an optional value and never fail. */
	if (takes && !soft && !erlexec_has_value(av, *i))
		return -EINVAL;
	erlexec_eargs(e, av->v[*i], takes ? av->v[*i + 1] : NULL);
	*i += takes ? 1 : 0;
	return 0;
}

/* Options that make erlexec do something other than start the node. */
static bool erlexec_is_unsupported(const char *a)
{
	static const char *const list[] = {"-compile",
					   "-make",
					   "-man",
					   "-emu_args_exit",
					   "-emu_name_exit",
					   "-emu_qouted_cmd_exit",
					   NULL};

	return is_one_of(a, list);
}

/* Handle the "-..." option at av->v[*i]; 0 or -EINVAL. */
static int erlexec_minus(struct erlexec *e, const struct strv *av, size_t *i)
{
	const char *a = av->v[*i];

	if (erlexec_is_unsupported(a)) {
		warnx("'%s' makes erlexec do something other than start the "
		      "release; remove it from the release's flags",
		      a);
		return -EINVAL;
	}
	if (!strcmp(a, "-configfd")) {
		if (!erlexec_has_value(av, *i))
			return -EINVAL;
		if (strcmp(av->v[*i + 1], "0") == 0) {
			strv_push(&e->args, "-noshell");
			strv_push(&e->args, "-noinput");
		}
		strv_push(&e->args, a);
	} else if (!strcmp(a, "-detached")) {
		e->out->detached = true;
		strv_push(&e->args, "-noshell");
		strv_push(&e->args, "-noinput");
	} else if (!strcmp(a, "-extra")) {
		e->process_args = false;
		strv_push(&e->args, a);
	} else if (!strcmp(a, "-emu_args") || !strcmp(a, "-keep_window")) {
		/* erlexec only prints or ignores these */
	} else if (!strcmp(a, "-env")) {
		if (!erlexec_has_value(av, *i) ||
		    !erlexec_has_value(av, *i + 1))
			return -EINVAL;
		env_set(e->env, av->v[*i + 1], av->v[*i + 2]);
		*i += 2;
	} else if (!strcmp(a, "-epmd")) {
		if (!erlexec_has_value(av, *i))
			return -EINVAL;
		e->epmd_prog = av->v[++*i];
	} else if (!strcmp(a, "-name") || !strcmp(a, "-sname") ||
		   !strcmp(a, "-proto_dist") || !strcmp(a, "-start_epmd")) {
		if (!erlexec_has_value(av, *i))
			return -EINVAL;
		if (a[1] == 'p') {
			e->proto_dist = true;
		} else if (a[2] == 't') {
			if (strcmp(av->v[*i + 1], "true") &&
			    strcmp(av->v[*i + 1], "false")) {
				warnx("erlexec would stop: expected boolean "
				      "argument for '-start_epmd'");
				return -EINVAL;
			}
			e->out->start_epmd = !strcmp(av->v[*i + 1], "true");
		} else {
			e->out->distributed = true;
			free(e->out->node_name);
			e->out->node_name = xstrdup(av->v[*i + 1]);
		}
		strv_push(&e->args, a);
		strv_push(&e->args, av->v[++*i]);
	} else if (!strcmp(a, "-noinput")) {
		strv_push(&e->args, "-noshell");
		strv_push(&e->args, "-noinput");
	} else if (!strcmp(a, "-no_epmd")) {
		strv_push(&e->args, a);
		e->no_epmd = true;
		e->out->start_epmd = false;
	} else if (!strcmp(a, "-version")) {
		strv_push(&e->eargs, "-V");
	} else {
		strv_push(&e->args, a);
	}
	return 0;
}

/* The first pass over the arguments: -smp, -emu_type and -emu_flavor. */
static int erlexec_emu_name(const struct strv *av, const char *bindir,
			    const char *emu, char **path)
{
	const char *type = NULL, *flavor = "smp";

	for (size_t i = 0; i < av->n; i++) {
		const char *a = av->v[i];

		if (!strcmp(a, "-extra"))
			break;
		if ((!strcmp(a, "-smp") && i + 1 < av->n &&
		     !strcmp(av->v[i + 1], "disable")) ||
		    !strcmp(a, "-smpdisable")) {
			warnx("erlexec would stop: '-smp disable' is not "
			      "supported (use +S 1)");
			return -EINVAL;
		}
		if (!strcmp(a, "-smp") && i + 1 < av->n &&
		    (!strcmp(av->v[i + 1], "auto") ||
		     !strcmp(av->v[i + 1], "enable")))
			i++;
		else if (!strcmp(a, "-emu_type") || !strcmp(a, "-emu_flavor")) {
			if (!erlexec_has_value(av, i))
				return -EINVAL;
			if (a[5] == 't')
				type = av->v[++i];
			else
				flavor = av->v[++i];
		}
	}
	if (type && strcmp(type, "opt") != 0)
		*path = xasprintf("%s/%s.%s.%s", bindir, emu, type, flavor);
	else
		*path = xasprintf("%s/%s.%s", bindir, emu, flavor);
	return 0;
}

/* Put bindir first in PATH and drop its other occurrences, as erlexec. */
static void erlexec_path(struct strv *env, const char *bindir,
			 const char *rootdir)
{
	const char *s = env_get(env, "PATH");
	char *slug, *path, *out;
	size_t slen;

	if (!s || !strstr(s, rootdir)) {
		path = xasprintf("%s:%s/bin:%s", bindir, rootdir, s ? s : "");
		env_set(env, "PATH", path);
		free(path);
		return;
	}
	slug = xasprintf("%s:", bindir);
	slen = strlen(slug);
	path = malloc(slen + strlen(s) + 1);
	if (!path)
		err(1, "out of memory");
	memcpy(path, slug, slen);
	out = path + slen;
	for (const char *idx; (idx = strstr(s, slug)); s = idx + slen) {
		memcpy(out, s, (size_t)(idx - s));
		out += idx - s;
	}
	strcpy(out, s);
	env_set(env, "PATH", path);
	free(path);
	free(slug);
}

/* The main argument loop of erlexec. */
static int erlexec_process(struct erlexec *e, const struct strv *av)
{
	int ret = 0;

	e->process_args = true;
	for (size_t i = 0; !ret && i < av->n; i++) {
		const char *a = av->v[i];

		if (!e->process_args || (a[0] != '-' && a[0] != '+'))
			strv_push(&e->args, a);
		else if (a[0] == '-')
			ret = erlexec_minus(e, av, &i);
		else
			ret = erlexec_plus(e, av, &i);
	}
	if (!ret && e->no_epmd && !e->proto_dist) {
		warnx("erlexec would stop: missing -proto_dist option, "
		      "expected when using -no_epmd");
		ret = -EINVAL;
	}
	return ret;
}

/*
 * Run erlexec's logic on args (its argv without argv[0]) in the
 * environment env, which is updated as erlexec updates it (PATH, -env).
 * opts->extra_flags is treated as one more flags variable after
 * ERL_ZFLAGS. On success fills *out (free it with erlexec_result_free);
 * else prints why.
 */
int erlexec_run(const struct strv *args, struct strv *env,
		const struct erlexec_opts *opts, struct erlexec_result *out)
{
	struct erlexec e = {.opts = opts, .env = env, .out = out};
	struct strv av = {0};
	char *progname = NULL, *emu = NULL, *bindir = NULL, *rootdir = NULL;
	const char *s;
	int ret;

	memset(out, 0, sizeof(*out));
	out->start_epmd = true;
	ret = erlexec_massage(args, env, opts, &av);
	if (ret)
		goto out;
	/* get_parameters: erlexec keeps these even if -env changes them. */
	s = env_get(env, "PROGNAME");
	progname = xstrdup(s ? s : "erl");
	s = env_get(env, "EMU");
	emu = xstrdup(s ? s : "beam");
	s = env_get(env, "BINDIR");
	if (!s) {
		warnx("erlexec: BINDIR is not set");
		ret = -EINVAL;
		goto out;
	}
	bindir = xstrdup(s);
	s = env_get(env, "ROOTDIR");
	rootdir = xstrdup(s ? s : bindir);
	for (int k = 0; !s && k < 2 && strrchr(rootdir, '/'); k++)
		*strrchr(rootdir, '/') = '\0';
	ret = erlexec_emu_name(&av, bindir, emu, &out->emu);
	if (ret)
		goto out;
	s = env_get(env, "ESCRIPT_NAME");
	strv_push(&e.eargs, s ? s : out->emu);
	erlexec_path(env, bindir, rootdir);
	if ((s = env_get(env, "HOME"))) {
		strv_push(&e.args, "-home");
		strv_push(&e.args, s);
	}
	if ((s = env_get(env, "ERL_EPMD_PORT"))) {
		strv_push(&e.args, "-epmd_port");
		strv_push(&e.args, s);
	}
	strv_push(&e.args, "--");
	ret = erlexec_process(&e, &av);
	if (ret)
		goto out;
	out->start_epmd = out->start_epmd && out->distributed;
	strv_pushv(&out->argv, &e.eargs);
	strv_push(&out->argv, "--");
	strv_push(&out->argv, "-root");
	strv_push(&out->argv, rootdir);
	strv_push(&out->argv, "-bindir");
	strv_push(&out->argv, bindir);
	strv_push(&out->argv, "-progname");
	strv_push(&out->argv, progname);
	strv_push(&out->argv, "--");
	strv_pushv(&out->argv, &e.args);
out:
	if (ret)
		erlexec_result_free(out);
	strv_free(&av);
	strv_free(&e.eargs);
	strv_free(&e.args);
	free(progname);
	free(emu);
	free(bindir);
	free(rootdir);
	return ret;
}

void erlexec_result_free(struct erlexec_result *r)
{
	strv_free(&r->argv);
	free(r->emu);
	free(r->node_name);
	r->emu = r->node_name = NULL;
}
