// SPDX-License-Identifier: MIT
/*
 * `kiln build RELEASE_DIR -o IMAGE` (see release.h).
 *
 * The steps, in order:
 *  1. relscript.c identifies the release and works out how its start
 *     script would run erlexec; erlexec.c turns that into beam.smp's exact
 *     argv and environment. The release root is then replaced by /app in
 *     every argument and variable, and Kiln's defaults are added where the
 *     release sets nothing (LANG=C.UTF-8, TZ=UTC0, ERL_INETRC).
 *  2. The release is copied into a manifest at /app, without what is never
 *     used at run time (ERTS headers, sources, docs, the build tools in
 *     erts-VSN/bin, the start scripts unless --with-shell).
 *  3. elfdeps.c collects the shared libraries of every ELF file kept
 *     (beam.smp, erl_child_setup, inet_gethost, epmd, heart, NIFs and
 *     port programs), which go in at their host paths with their symlinks.
 *  4. /etc, /tmp, HOME, the C.UTF-8 locale, --with-shell and --add.
 *  5. The manifest becomes the cpio archive of an image (image.c).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfdeps.h"
#include "erlexec.h"
#include "image.h"
#include "manifest.h"
#include "release.h"
#include "relscript.h"
#include "report.h"

/* The programs of erts-VSN/bin that run on a started node. */
static const char *const release_erts_keep[] = {
	"beam.smp", "erl_child_setup", "inet_gethost", "epmd", "heart", NULL};

/* One build in progress. */
struct rb {
	const struct release_opts *o;
	struct rel_info ri;
	struct rel_cmd cmd;
	struct erlexec_result ex;
	struct strv argv, env; /* what the guest runs, with guest paths */
	struct manifest mf;
	struct elfdeps deps;
	char *cookie;	    /* -setcookie value moved to HOME/.erlang.cookie */
	char *services;	    /* /.kiln/services text, or NULL */
	unsigned epmd_port; /* the port the kernel waits for, or 0 */
	size_t rel_files, nlibs;
	uint64_t rel_bytes, lib_bytes;
	bool warned_outside;
};

/* s with every occurrence of the release root replaced by /app. */
static char *rb_map(const struct rb *b, const char *s)
{
	const char *root = b->ri.root;
	size_t rlen = strlen(root);
	struct buf out = {0};
	char *r;

	for (const char *p = s; *p;) {
		const char *hit = strstr(p, root);
		char next = hit ? hit[rlen] : '\0';

		if (!hit) {
			buf_put(&out, p, strlen(p));
			break;
		}
		buf_put(&out, p, (size_t)(hit - p));
		if (next &&
		    (isalnum((unsigned char)next) || strchr("._-+~", next))) {
			buf_put(&out, hit, rlen); /* a longer name */
		} else {
			buf_put(&out, RELEASE_GUEST_ROOT,
				strlen(RELEASE_GUEST_ROOT));
		}
		p = hit + rlen;
	}
	buf_put(&out, "", 1);
	r = xstrdup((const char *)out.data);
	buf_free(&out);
	return r;
}

/* The environment the start script is run in. */
static void rb_input_env(const struct rb *b, struct strv *env)
{
	const struct release_opts *o = b->o;

	strv_pushf(env, "PATH=%s", RELEASE_BASE_PATH);
	strv_pushf(env, "HOME=%s", RELEASE_GUEST_HOME);
	/* Interactive code loading, through the script's own variable. */
	if (o->small_memory && b->ri.kind == REL_MIX)
		env_set(env, "RELEASE_MODE", "interactive");
	if (o->small_memory && b->ri.kind == REL_RELX)
		env_set(env, "CODE_LOADING_MODE", "interactive");
	for (size_t i = 0; i < o->envc; i++)
		env_setkv(env, o->envp[i]);
}

static void rb_take_cookie(struct rb *b);

/*
 * A shell on the console: OTP's tty driver (tty_sl) edits lines only with
 * a TERM it finds in terminfo, so give one where the release sets none.
 * Warn when the flags leave nothing to read the console.
 */
static void rb_console_env(struct rb *b)
{
	const char *term = env_get(&b->env, "TERM");
	const struct strv *a = &b->argv;

	if (b->o->console == REL_CONSOLE_NONE)
		return;
	if (!term || !*term)
		env_set(&b->env, "TERM", RELSCRIPT_DEFAULT_TERM);
	if (b->o->console != REL_CONSOLE_ERL)
		return; /* IEx is the user process despite -noshell */
	for (size_t i = 1; i < a->n && strcmp(a->v[i], "-extra"); i++) {
		if (!strcmp(a->v[i], "-noshell") ||
		    !strcmp(a->v[i], "-noinput"))
			warnx("warning: --console erl: the release's flags "
			      "include %s, so no shell reads the console (take "
			      "it out of vm.args or ERL_FLAGS)",
			      a->v[i]);
	}
}

/* Steps 1: the command line and environment of beam.smp in the guest. */
static int rb_command(struct rb *b)
{
	struct strv in = {0};
	char *flags = NULL, *v;
	struct erlexec_opts eo = {.otp_major = b->ri.otp_major};
	static const char *const drop[] = {"OLDPWD", "SHLVL", "_", NULL};
	int ret;

	rb_input_env(b, &in);
	ret = relscript_command(&b->ri, &in, b->o->console, &b->cmd);
	strv_free(&in);
	if (ret)
		return ret;
	/* --env wins over env.sh, as if it were exported after it. */
	for (size_t i = 0; i < b->o->envc; i++)
		env_setkv(&b->cmd.env, b->o->envp[i]);
	if (b->o->small_memory)
		flags = xasprintf("%s %s", RELEASE_SMALL_FLAGS,
				  b->o->erl_flags ? b->o->erl_flags : "");
	eo.extra_flags = flags ? flags : b->o->erl_flags;
	eo.vfiles = &b->cmd.vfiles;
	ret = erlexec_run(&b->cmd.args, &b->cmd.env, &eo, &b->ex);
	free(flags);
	if (ret)
		return ret;
	if (access(b->ex.emu, X_OK) != 0) {
		warnx("%s: erlexec would start this emulator, which is not in "
		      "the release (check -emu_type/-emu_flavor)",
		      b->ex.emu);
		return -ENOENT;
	}
	if (b->ex.detached)
		warnx("warning: -detached: the node is PID 1 of the guest and "
		      "cannot detach; it runs without a shell instead");
	strv_push_own(&b->argv, rb_map(b, b->ex.emu));
	for (size_t i = 1; i < b->ex.argv.n; i++)
		strv_push_own(&b->argv, rb_map(b, b->ex.argv.v[i]));
	for (size_t i = 0; drop[i]; i++)
		env_unset(&b->cmd.env, drop[i]);
	for (size_t i = 0; i < b->cmd.env.n; i++) {
		v = rb_map(b, b->cmd.env.v[i]);
		strv_push_own(&b->env, v);
	}
	if (!env_get(&b->env, "LANG") && !env_get(&b->env, "LC_ALL"))
		env_set(&b->env, "LANG", "C.UTF-8");
	if (!env_get(&b->env, "TZ"))
		env_set(&b->env, "TZ", "UTC0");
	if (!env_get(&b->env, "ERL_INETRC"))
		env_set(&b->env, "ERL_INETRC", RELEASE_GUEST_INETRC);
	if (b->o->small_memory && !env_get(&b->env, "MALLOC_ARENA_MAX"))
		env_set(&b->env, "MALLOC_ARENA_MAX", "1");
	rb_console_env(b);
	env_sort(&b->env);
	rb_take_cookie(b);
	return 0;
}

/*
 * Move "-setcookie COOKIE" out of beam.smp's argv (where `kiln inspect`
 * and /proc/1/cmdline would show it) into HOME/.erlang.cookie, mode 0400,
 * which the node reads when no -setcookie is given, and drop the
 * RELEASE_COOKIE variable that carries the same value. The two-argument
 * form (-setcookie NODE COOKIE) and anything after -extra stay as they are.
 */
static void rb_take_cookie(struct rb *b)
{
	const char *home = env_get(&b->env, "HOME");
	struct strv *a = &b->argv;
	size_t i;

	if (!home || home[0] != '/' || !strcmp(home, "/"))
		return;
	for (i = 1; i + 1 < a->n && strcmp(a->v[i], "-extra"); i++) {
		const char *next = i + 2 < a->n ? a->v[i + 2] : NULL;

		if (strcmp(a->v[i], "-setcookie") ||
		    (next && next[0] != '-' && next[0] != '+'))
			continue;
		free(b->cookie);
		b->cookie = a->v[i + 1];
		free(a->v[i]);
		memmove(&a->v[i], &a->v[i + 2],
			(a->n - i - 1) * sizeof(a->v[0])); /* with the NULL */
		a->n -= 2;
		i--;
	}
	/* the mix start script exports it too; the file is the one copy */
	if (b->cookie)
		env_unset(&b->env, "RELEASE_COOKIE");
}

/*
 * A distributed node needs epmd listening before it registers; erlexec
 * would run `epmd -daemon`. Here the kernel starts the release's own epmd
 * from /.kiln/services and waits for its port (docs/decisions/epmd.md).
 */
static int rb_services(struct rb *b)
{
	const char *port = env_get(&b->env, "ERL_EPMD_PORT");
	const char *addr = env_get(&b->env, "ERL_EPMD_ADDRESS");
	char *host = xasprintf("%s/epmd", b->ri.erts_bin), *args;
	unsigned long p = 4369;
	char *end;

	if (!b->ex.distributed || !b->ex.start_epmd) {
		free(host);
		return 0;
	}
	if (access(host, X_OK) != 0) {
		warnx("%s: missing, but the node is distributed (%s) and "
		      "needs epmd; rebuild the release with ERTS, or set "
		      "RELEASE_DISTRIBUTION=none",
		      host, b->ex.node_name);
		free(host);
		return -ENOENT;
	}
	free(host);
	if (port && *port) {
		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno || *end || p < 1 || p > 65535) {
			warnx("ERL_EPMD_PORT=%s: expected a TCP port (1-65535)",
			      port);
			return -EINVAL;
		}
	}
	if (addr && (!*addr || strpbrk(addr, " \t\n"))) {
		warnx("ERL_EPMD_ADDRESS='%s': expected addresses separated by "
		      "commas, without blanks",
		      addr);
		return -EINVAL;
	}
	b->epmd_port = (unsigned)p;
	args = xasprintf("%s%s%s%s", port && *port ? " -port " : "",
			 port && *port ? port : "", addr ? " -address " : "",
			 addr ? addr : "");
	b->services = xasprintf(
		"# Started by the Kiln kernel before beam.smp, in order "
		"(kiln build).\n"
		"# WAIT PROGRAM [ARGS...]; WAIT is tcp:PORT (start the next "
		"when PORT listens) or -.\n"
		"tcp:%lu %s/erts-%s/bin/epmd%s\n",
		p, RELEASE_GUEST_ROOT, b->ri.erts_vsn, args);
	free(args);
	return 0;
}

/* Is rel (a path inside the release) needed at run time? */
static bool rb_keep(const struct rb *b, const char *rel, bool is_dir)
{
	char top[NAME_MAX + 1], erts[NAME_MAX + 1];
	const char *slash = strchr(rel, '/'), *base = strrchr(rel, '/');
	size_t tlen = slash ? (size_t)(slash - rel) : strlen(rel);

	if (tlen > NAME_MAX)
		return true;
	memcpy(top, rel, tlen);
	top[tlen] = '\0';
	base = base ? base + 1 : rel;
	snprintf(erts, sizeof(erts), "erts-%s", b->ri.erts_vsn);
	if (!strcmp(top, "bin"))
		return b->o->with_shell;
	if (!strcmp(top, "doc") || !strcmp(top, "man"))
		return false;
	if (!strncmp(top, "erts-", 5)) {
		const char *emu = strrchr(b->ex.emu, '/') + 1;

		if (strcmp(top, erts))
			return false;
		if (!slash || !strcmp(slash, "/bin"))
			return true;
		if (strncmp(slash, "/bin/", 5) || strchr(slash + 5, '/'))
			return false;
		for (size_t i = 0; release_erts_keep[i]; i++) {
			if (!strcmp(slash + 5, release_erts_keep[i]))
				return true;
		}
		return !strcmp(slash + 5, emu);
	}
	if (!strcmp(top, "lib")) {
		static const char *const drop[] = {"src", "include", "c_src",
						   "doc", "man",     NULL};
		const char *sub = slash ? strchr(slash + 1, '/') : NULL;
		size_t n;

		if (!sub)
			return true;
		n = strcspn(sub + 1, "/");
		for (size_t i = 0; drop[i]; i++) {
			if (strlen(drop[i]) == n &&
			    !strncmp(sub + 1, drop[i], n))
				return false;
		}
		if (!is_dir && strncmp(sub + 1, "priv/", 5) &&
		    (!fnmatch("*.erl", base, 0) || !fnmatch("*.hrl", base, 0)))
			return false;
		return true;
	}
	if (!strcmp(top, "releases") && !is_dir)
		return fnmatch("*.tar.gz", base, 0) != 0;
	return true;
}

/* Collect the libraries an ELF file kept in the image needs. */
static int rb_scan_elf(struct rb *b, const char *host, const char *label,
		       bool strict)
{
	if (!elfdeps_is_elf(host))
		return 0;
	return elfdeps_add(&b->deps, host, label, strict);
}

static int rb_scan_tree(struct rb *b, const char *host);

/* Add one entry of the release (host path, guest path, lstat). */
static int rb_add_entry(struct rb *b, const char *host, const char *rel,
			const struct stat *st);

/* Add the release directory rel ("" for the root) and what it holds. */
static int rb_add_dir(struct rb *b, const char *rel)
{
	char *host = xasprintf("%s%s%s", b->ri.root, *rel ? "/" : "", rel);
	struct dirent **list;
	int n = scandir(host, &list, NULL, alphasort), ret = 0;

	if (n < 0) {
		ret = -errno;
		warn("%s: cannot list the directory", host);
		free(host);
		return ret;
	}
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		char *crel = xasprintf("%s%s%s", rel, *rel ? "/" : "", name);
		char *chost = xasprintf("%s/%s", host, name);
		struct stat st;

		if (!ret && strcmp(name, ".") && strcmp(name, "..")) {
			if (lstat(chost, &st) < 0) {
				ret = -errno;
				warn("%s", chost);
			} else if (rb_keep(b, crel, S_ISDIR(st.st_mode))) {
				ret = rb_add_entry(b, chost, crel, &st);
			}
		}
		free(crel);
		free(chost);
		free(list[i]);
	}
	free(list);
	free(host);
	return ret;
}

static int rb_add_entry(struct rb *b, const char *host, const char *rel,
			const struct stat *st)
{
	char *guest = xasprintf("%s/%s", RELEASE_GUEST_ROOT, rel);
	char real[PATH_MAX], target[PATH_MAX];
	struct stat tst;
	bool outside = false;
	int ret = 0;
	ssize_t n;

	if (S_ISLNK(st->st_mode) && realpath(host, real) &&
	    strncmp(real, b->ri.root, strlen(b->ri.root)) &&
	    stat(real, &tst) == 0) {
		/* Out of the release (rebar3 dev mode): copy the target. */
		if (!b->warned_outside)
			warnx("warning: %s: symlink out of the release; "
			      "copying "
			      "what it points to (is this a dev-mode build?)",
			      host);
		b->warned_outside = true;
		outside = true;
		st = &tst;
		host = real;
	}
	if (S_ISDIR(st->st_mode) && outside) {
		ret = mf_add_tree(&b->mf, guest, host);
		if (!ret)
			ret = rb_scan_tree(b, host);
	} else if (S_ISDIR(st->st_mode)) {
		ret = mf_add_dir(&b->mf, guest, st->st_mode);
		if (!ret)
			ret = rb_add_dir(b, rel);
	} else if (S_ISREG(st->st_mode)) {
		ret = mf_add_file(&b->mf, guest, host, st);
		b->rel_files++;
		b->rel_bytes += (uint64_t)st->st_size;
		if (!ret)
			ret = rb_scan_elf(b, host, host,
					  !strncmp(rel, "erts-", 5));
	} else if (S_ISLNK(st->st_mode)) {
		n = readlink(host, target, sizeof(target) - 1);
		if (n < 0) {
			ret = -errno;
			warn("%s", host);
		} else {
			char *mapped;

			target[n] = '\0';
			mapped = rb_map(b, target);
			ret = mf_add_symlink(&b->mf, guest, mapped);
			free(mapped);
		}
	}
	free(guest);
	return ret;
}

/* Step 3: put every library found at its host path. */
static int rb_add_libs(struct rb *b)
{
	size_t rlen = strlen(b->ri.root);
	int ret = 0;

	for (size_t i = 0; !ret && i < b->deps.found.n; i++) {
		const char *p = b->deps.found.v[i];
		char real[PATH_MAX];
		struct stat st;

		if (!strncmp(p, b->ri.root, rlen) && p[rlen] == '/') {
			char *g = rb_map(b, p);

			if (!mf_lookup(&b->mf, g) && stat(p, &st) == 0)
				ret = mf_add_file(&b->mf, g, p, &st);
			free(g);
			continue;
		}
		if (mf_lookup(&b->mf, p))
			continue; /* --add put something there */
		ret = mf_add_host_path(&b->mf, p);
		if (!ret && realpath(p, real) && stat(real, &st) == 0) {
			b->nlibs++;
			b->lib_bytes += (uint64_t)st.st_size;
		}
	}
	return ret;
}

/* The small /etc that glibc and ERTS read. */
static int rb_add_etc(struct rb *b)
{
	static const char hosts[] =
		"127.0.0.1\tlocalhost " RELSCRIPT_HOSTNAME
		" " RELSCRIPT_SHORT_HOSTNAME "\n"
		"::1\tlocalhost ip6-localhost ip6-loopback\n";
	static const char nsswitch[] = "passwd:\tfiles\ngroup:\tfiles\n"
				       "shadow:\tfiles\nhosts:\tfiles dns\n"
				       "networks:\tfiles\nprotocols:\tfiles\n"
				       "services:\tfiles\n";
	char *passwd =
		xasprintf("root:x:0:0:root:%s:/bin/sh\n", RELEASE_GUEST_HOME);
	int ret;

	ret = mf_add_data(&b->mf, "/etc/passwd", passwd, 0644);
	free(passwd);
	if (!ret)
		ret = mf_add_data(&b->mf, "/etc/group", "root:x:0:\n", 0644);
	if (!ret)
		ret = mf_add_data(&b->mf, "/etc/hosts", hosts, 0644);
	if (!ret)
		ret = mf_add_data(&b->mf, "/etc/nsswitch.conf", nsswitch, 0644);
	if (!ret &&
	    !strcmp(env_get(&b->env, "ERL_INETRC"), RELEASE_GUEST_INETRC))
		ret = mf_add_data(&b->mf, RELEASE_GUEST_INETRC,
				  "{lookup, [file, dns]}.\n", 0644);
	return ret;
}

/* The C.UTF-8 locale, so that the VM's file names are UTF-8. */
static int rb_add_locale(struct rb *b)
{
	static const char dir[] = "/usr/lib/locale/C.utf8";
	const char *lang = env_get(&b->env, "LC_ALL");
	struct stat st;
	int ret;

	if (!lang || !*lang)
		lang = env_get(&b->env, "LANG");
	if (!lang || !strcmp(lang, "C") || !strcmp(lang, "POSIX"))
		return 0;
	if (strcasecmp(lang, "C.UTF-8") && strcasecmp(lang, "C.utf8")) {
		warnx("warning: LANG=%s: only the C.UTF-8 locale is added to "
		      "the image; --add the files of this one",
		      lang);
		return 0;
	}
	if (stat(dir, &st) < 0) {
		warnx("warning: %s: missing on this host, so the node will use "
		      "latin1 file names (Elixir warns about it)",
		      dir);
		return 0;
	}
	ret = mf_add_host_path(&b->mf, dir);
	if (!ret)
		ret = mf_add_tree(&b->mf, dir, dir);
	if (!ret && stat("/usr/share/locale/locale.alias", &st) == 0)
		ret = mf_add_host_path(&b->mf,
				       "/usr/share/locale/locale.alias");
	return ret;
}

/*
 * A console image: the terminfo entry of its TERM, from where the host's
 * ncurses (which beam.smp's libtinfo is) looks, at the same path.
 */
static int rb_add_terminfo(struct rb *b)
{
	static const char *const dirs[] = {"/etc/terminfo", "/lib/terminfo",
					   "/usr/share/terminfo", NULL};
	const char *term = env_get(&b->env, "TERM");
	int ret = 0;

	if (b->o->console == REL_CONSOLE_NONE || !term || !*term ||
	    !strcmp(term, "dumb"))
		return 0;
	if (strchr(term, '/') || term[0] == '.') {
		warnx("TERM=%s: not a terminal name (fix --env TERM=...)",
		      term);
		return -EINVAL;
	}
	for (size_t i = 0; dirs[i]; i++) {
		char *p = xasprintf("%s/%c/%s", dirs[i], term[0], term);
		bool found = access(p, R_OK) == 0;

		if (found)
			ret = mf_add_host_path(&b->mf, p);
		free(p);
		if (found)
			return ret;
	}
	warnx("warning: TERM=%s: no terminfo entry on this host, so the "
	      "shell will not edit lines (apt-get install ncurses-term, or "
	      "--env TERM=xterm)",
	      term);
	return 0;
}

/* --with-shell: busybox as /bin/sh, for os:cmd and the start scripts. */
static int rb_add_shell(struct rb *b)
{
	const char *bb = b->o->busybox ? b->o->busybox : "/bin/busybox";
	int ret;

	if (access(bb, X_OK) != 0) {
		warnx("%s: missing; --with-shell needs it (apt-get install "
		      "busybox-static)",
		      bb);
		return -ENOENT;
	}
	ret = mf_add_host_path(&b->mf, bb);
	if (!ret)
		ret = mf_add_symlink(&b->mf, "/bin/sh", "busybox");
	if (!ret && mf_lookup(&b->mf, "/bin/sh") &&
	    !mf_lookup(&b->mf, "/bin/busybox"))
		warnx("warning: /bin/sh points to busybox, but %s is not "
		      "/bin/busybox in the image",
		      bb);
	if (!ret)
		ret = rb_scan_elf(b, bb, bb, false);
	return ret;
}

/* Collect the libraries of the ELF files under a host directory. */
static int rb_scan_tree(struct rb *b, const char *host)
{
	struct dirent **list;
	struct stat st;
	int n, ret = 0;

	if (lstat(host, &st) < 0 || S_ISLNK(st.st_mode))
		return 0;
	if (!S_ISDIR(st.st_mode))
		return rb_scan_elf(b, host, host, false);
	n = scandir(host, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char *c = xasprintf("%s/%s", host, list[i]->d_name);

		if (!ret && strcmp(list[i]->d_name, ".") &&
		    strcmp(list[i]->d_name, ".."))
			ret = rb_scan_tree(b, c);
		free(c);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return ret;
}

/* --add HOST:GUEST (split at the last ':' that starts an absolute path). */
static int rb_add_user(struct rb *b, const char *spec)
{
	const char *colon = NULL;
	char *host;
	int ret;

	for (const char *p = spec; (p = strchr(p, ':')); p++) {
		if (p[1] == '/')
			colon = p;
	}
	if (!colon || colon == spec) {
		warnx("--add '%s': expected HOST:GUEST with an absolute GUEST "
		      "path, e.g. --add ./config:/app/config",
		      spec);
		return -EINVAL;
	}
	host = strndup(spec, (size_t)(colon - spec));
	if (!host)
		err(1, "out of memory");
	if (access(host, F_OK) != 0) {
		ret = -errno;
		warn("--add '%s': %s", spec, host);
		free(host);
		return ret;
	}
	ret = mf_add_tree(&b->mf, colon + 1, host);
	if (!ret)
		ret = rb_scan_tree(b, host);
	free(host);
	return ret;
}

/* Steps 2-4: everything that goes into the image. */
static int rb_files(struct rb *b)
{
	const char *home = env_get(&b->env, "HOME");
	int ret;

	ret = mf_add_dir(&b->mf, RELEASE_GUEST_ROOT, 0755);
	if (!ret)
		ret = rb_add_dir(b, "");
	for (size_t i = 0; !ret && i + 1 < b->cmd.vfiles.n; i += 2) {
		char *g = rb_map(b, b->cmd.vfiles.v[i]);
		char *text = rb_map(b, b->cmd.vfiles.v[i + 1]);

		ret = mf_add_data(&b->mf, g, text, 0644);
		free(g);
		free(text);
	}
	if (!ret)
		ret = mf_add_dir(&b->mf, "/tmp", 01777);
	if (!ret && home && home[0] == '/' && strcmp(home, "/"))
		ret = mf_add_dir(&b->mf, home, 0755);
	if (!ret && b->cmd.tmp_dir) {
		char *t = rb_map(b, b->cmd.tmp_dir);

		ret = t[0] == '/' ? mf_add_dir(&b->mf, t, 0755) : 0;
		free(t);
	}
	if (!ret)
		ret = rb_add_etc(b);
	if (!ret && b->cookie) {
		char *path = xasprintf("%s/.erlang.cookie", home);

		ret = mf_add_data(&b->mf, path, b->cookie, 0400);
		free(path);
	}
	if (!ret && b->services)
		ret = mf_add_data(&b->mf, RELEASE_GUEST_SERVICES, b->services,
				  0644);
	if (!ret)
		ret = rb_add_locale(b);
	if (!ret)
		ret = rb_add_terminfo(b);
	if (!ret && b->o->with_shell)
		ret = rb_add_shell(b);
	for (size_t i = 0; !ret && i < b->o->addc; i++)
		ret = rb_add_user(b, b->o->adds[i]);
	if (!ret)
		ret = rb_add_libs(b);
	return ret;
}

/* Step 5: the image, written atomically. */
static int rb_write(struct rb *b)
{
	struct buf cpio = {0};
	struct image_args args = {
		.argv = (const char *const *)b->argv.v,
		.argc = b->argv.n,
		.envp = (const char *const *)b->env.v,
		.envc = b->env.n,
		.cmdline = b->o->cmdline ? b->o->cmdline : "",
		.format = b->o->format,
	};
	int ret;

	report_stage(2, 3,
		     b->o->zlevel ? "packing the files (zstd)"
				  : "packing the files");
	ret = mf_write_cpio(&b->mf, &cpio, b->o->zlevel);
	if (!ret) {
		report_stage(3, 3, "writing the image");
		ret = image_write(b->o->output, b->o->kernel, &args, &cpio,
				  b->ri.name);
	}
	buf_free(&cpio);
	return ret;
}

/* What was found, in a few lines. */
static void rb_summary(const struct rb *b)
{
	const char *interp = NULL;

	for (size_t i = 0; !interp && i < b->deps.found.n; i++) {
		if (strstr(b->deps.found.v[i], "/ld-"))
			interp = b->deps.found.v[i];
	}
	fprintf(stderr,
		"kiln: release %s %s (%s, erts %s): %zu files, %.1f MiB at "
		"%s\n",
		b->ri.name, b->ri.vsn, relscript_kind_name(b->ri.kind),
		b->ri.erts_vsn, b->rel_files, (double)b->rel_bytes / 1048576,
		RELEASE_GUEST_ROOT);
	fprintf(stderr, "kiln: libraries: %zu (%.1f MiB), loader %s\n",
		b->nlibs, (double)b->lib_bytes / 1048576,
		interp ? interp : "none");
	fprintf(stderr, "kiln: runs %s with %zu arguments, %zu variables\n",
		b->argv.v[0], b->argv.n, b->env.n);
	if (b->ex.distributed && b->epmd_port)
		fprintf(stderr,
			"kiln: distribution: node %s; the kernel starts epmd "
			"first and beam.smp once port %u listens "
			"(%s)\n",
			b->ex.node_name, b->epmd_port, RELEASE_GUEST_SERVICES);
	else if (b->ex.distributed)
		fprintf(stderr,
			"kiln: distribution: node %s; epmd is not started "
			"(-start_epmd false)\n",
			b->ex.node_name);
	if (b->cookie)
		fprintf(stderr,
			"kiln: cookie: in %s/.erlang.cookie (mode 0400), not "
			"on the command line\n",
			env_get(&b->env, "HOME"));
	if (b->o->console != REL_CONSOLE_NONE)
		fprintf(stderr,
			"kiln: console: %s reads the serial console "
			"(TERM=%s)\n",
			b->o->console == REL_CONSOLE_IEX ? "IEx"
							 : "the Erlang shell",
			env_get(&b->env, "TERM"));
}

/*
 * Build an image from the release directory o->dir. Returns 0 or -errno,
 * having printed what went wrong and how to fix it; no output file is
 * left behind on failure.
 */
int release_build(const struct release_opts *o)
{
	struct rb b = {.o = o};
	int ret;

	mf_init(&b.mf);
	elfdeps_init(&b.deps,
		     o->ld_so_conf ? o->ld_so_conf : "/etc/ld.so.conf");
	report_stage(1, 3, "reading the release");
	ret = relscript_probe(o->dir, &b.ri);
	if (!ret)
		ret = rb_command(&b);
	if (!ret)
		ret = rb_services(&b);
	if (!ret)
		ret = rb_files(&b);
	if (!ret) {
		rb_summary(&b);
		ret = rb_write(&b);
	}
	relscript_info_free(&b.ri);
	relscript_cmd_free(&b.cmd);
	erlexec_result_free(&b.ex);
	strv_free(&b.argv);
	strv_free(&b.env);
	free(b.cookie);
	free(b.services);
	mf_free(&b.mf);
	elfdeps_free(&b.deps);
	return ret;
}
