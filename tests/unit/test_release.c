// SPDX-License-Identifier: MIT
/*
 * Tests for `kiln build RELEASE_DIR` (packer/release.c, relscript.c,
 * erlexec.c) on fake releases made in the test: mix (with env.sh
 * evaluated by /bin/sh), relx (vm.args.src substitution) and systools;
 * errors for incomplete releases, with no output file left behind; what
 * is dropped from the image; and erlexec's argument rules, checked against
 * the host's own erlexec when Erlang is installed; the console modes
 * (--console iex|erl). The comparison with real start scripts under
 * strace is tests/e2e/check-release-argv.py.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/cpio.h"
#include "packer/cmd.h"
#include "packer/erlexec.h"
#include "packer/image.h"
#include "helpers.h"

enum fake_kind { FAKE_MIX, FAKE_RELX, FAKE_SYSTOOLS };

struct fixture {
	char *dir;
	char *kernel;
	char *out;
	char *out_tmp;
};

static struct fixture *fx;

static int setup(void **state)
{
	struct fk_opts k = {.action = FK_STATUS_LINE};

	(void)state;
	fx = calloc(1, sizeof(*fx));
	fx->dir = tmp_dir();
	fx->kernel = fk_write(fx->dir, "kernel.elf", &k);
	fx->out = path_join(fx->dir, "out.img");
	fx->out_tmp = path_join(fx->dir, "out.img.tmp");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tmp_remove(fx->dir);
	free(fx->dir);
	free(fx->kernel);
	free(fx->out);
	free(fx->out_tmp);
	free(fx);
	return 0;
}

/* Make a release of the given kind under fx->dir/NAME; returns its path. */
static char *fake_release(const char *name, enum fake_kind kind)
{
	static const char *const bins[] = {
		"beam.smp", "erl_child_setup", "inet_gethost",
		"epmd",	    "heart",	       "erlexec",
		"erlc",	    "dialyzer",	       NULL};
	char *r = path_join(fx->dir, name), *p;

	tmp_file(r, "releases/start_erl.data", "13.1.5 0.1.0\n", 0644);
	tmp_file(r, "releases/0.1.0/app.rel",
		 "{release, {\"app\", \"0.1.0\"}}.\n", 0644);
	tmp_file(r, "releases/0.1.0/start.boot", "boot", 0644);
	tmp_file(r, "releases/0.1.0/sys.config", "[].\n", 0644);
	tmp_file(r, "releases/0.1.0/app.tar.gz", "old upgrade", 0644);
	for (size_t i = 0; bins[i]; i++) {
		p = path_join("erts-13.1.5/bin", bins[i]);
		tmp_file(r, p, "#!/bin/true\n", 0755);
		free(p);
	}
	tmp_file(r, "erts-13.1.5/include/erl_nif.h", "/* h */\n", 0644);
	tmp_file(r, "lib/app-1.0/ebin/app.app", "{application, app, []}.\n",
		 0644);
	tmp_file(r, "lib/app-1.0/ebin/app.erl", "-module(app).\n", 0644);
	tmp_file(r, "lib/app-1.0/src/app.erl", "-module(app).\n", 0644);
	tmp_file(r, "lib/app-1.0/include/app.hrl", "%% hrl\n", 0644);
	tmp_file(r, "lib/app-1.0/priv/data.txt", "data\n", 0644);
	tmp_file(r, "lib/app-1.0/priv/template.erl", "%% used at run time\n",
		 0644);
	tmp_file(r, "doc/index.html", "<html/>\n", 0644);
	if (kind == FAKE_MIX) {
		tmp_file(r, "bin/app",
			 "#!/bin/sh\n# like mix: . \"$REL_VSN_DIR/env.sh\"\n",
			 0755);
		tmp_file(r, "releases/COOKIE", "secret", 0644);
		tmp_file(r, "releases/0.1.0/env.sh", "#!/bin/sh\n# none\n",
			 0644);
		tmp_file(r, "releases/0.1.0/vm.args", "## comment\n+S 2:2\n",
			 0644);
	} else if (kind == FAKE_RELX) {
		tmp_file(r, "bin/app", "#!/bin/sh\nexport RELX_RPC_TIMEOUT\n",
			 0755);
		tmp_file(r, "releases/0.1.0/vm.args.src",
			 "-sname ${NODE_NAME:-app}\n-setcookie c\n+K true\n",
			 0644);
	}
	return r;
}

/* Run `kiln build ARGS...` in a child. */
#define BUILD(c, ...)                                                          \
	run_captured(cmd_build, (char *[]){"build", __VA_ARGS__, NULL}, c)

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

static void assert_no_output(void)
{
	assert_false(path_exists(fx->out));
	assert_false(path_exists(fx->out_tmp));
}

/* A parsed image (fx->out) and its strings. */
struct img {
	struct buf b;
	struct image_view v;
	void *inflated[64]; /* compressed files img_file decompressed */
	size_t ninflated;
};

static void img_load(struct img *im)
{
	memset(im, 0, sizeof(*im));
	assert_int_equal(util_read_file(fx->out, &im->b), 0);
	assert_int_equal(image_parse(im->b.data, im->b.len, &im->v, NULL), 0);
}

static void img_free(struct img *im)
{
	for (size_t i = 0; i < im->ninflated; i++)
		free(im->inflated[i]);
	buf_free(&im->b);
	unlink(fx->out);
}

/* Check argv against a NULL-terminated list. */
static void img_assert_argv(const struct img *im, const char *const *want)
{
	const char *s = im->v.argv;
	size_t i;

	for (i = 0; want[i]; i++) {
		if (i >= im->v.argc || strcmp(s, want[i]))
			fail_msg("argv[%zu]: got \"%s\", want \"%s\"", i,
				 i < im->v.argc ? s : "(end)", want[i]);
		s += strlen(s) + 1;
	}
	assert_int_equal(im->v.argc, i);
}

static bool img_has_arg(const struct img *im, const char *arg)
{
	const char *s = im->v.argv;

	for (size_t i = 0; i < im->v.argc; i++, s += strlen(s) + 1) {
		if (!strcmp(s, arg))
			return true;
	}
	return false;
}

/* The value of key in the image's environment, or NULL. */
static const char *img_env(const struct img *im, const char *key)
{
	const char *s = im->v.envp;
	size_t kl = strlen(key);

	for (size_t i = 0; i < im->v.envc; i++, s += strlen(s) + 1) {
		if (!strncmp(s, key, kl) && s[kl] == '=')
			return s + kl + 1;
	}
	return NULL;
}

/*
 * The image's file at path (no leading '/'), or NULL; a compressed file's
 * data and size are its decompressed bytes.
 */
static bool img_file(struct img *im, const char *path, struct cpio_entry *out)
{
	struct cpio_iter it;
	struct cpio_entry e;

	cpio_iter_init(&it, im->v.cpio, im->v.cpio_size);
	while (cpio_next(&it, &e) == 1) {
		if (strcmp(e.name, path))
			continue;
		if (S_ISREG(e.mode) && e.check == KILN_CPIO_ZSTD) {
			size_t n;
			void *d = zfile_inflate(e.data, e.size, &n);
			assert_non_null(d);
			assert_true(im->ninflated < 64);
			im->inflated[im->ninflated++] = d;
			e.data = d;
			e.size = n;
		}
		if (out)
			*out = e;
		return true;
	}
	return false;
}

static void test_missing_start_erl_data(void **state)
{
	char *r = fake_release("nodata", FAKE_MIX), *p;
	struct captured c;

	(void)state;
	p = path_join(r, "releases/start_erl.data");
	unlink(p);
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel);
	assert_int_equal(c.status, 1);
	assert_contains(c.err, p);
	assert_contains(c.err, ": missing — is this a release made by "
			       "`mix release` or rebar3?");
	assert_no_output();
	captured_free(&c);
	tmp_file(r, "releases/start_erl.data", "13.1.5\n", 0644);
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel);
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "expected \"ERTS_VSN REL_VSN\"");
	assert_no_output();
	captured_free(&c);
	BUILD(&c, "/nonexistent/rel", "-o", fx->out, "--kernel", fx->kernel);
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "/nonexistent/rel: cannot use it as a release");
	assert_no_output();
	captured_free(&c);
	free(p);
	free(r);
}

static void test_missing_erts(void **state)
{
	char *r = fake_release("noerts", FAKE_MIX), *p;
	struct captured c;

	(void)state;
	p = path_join(r, "erts-13.1.5");
	tmp_remove(p);
	assert_int_equal(util_write_atomic(fx->out, "old", 3), 0);
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel);
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "erts-13.1.5/bin/beam.smp: missing");
	assert_contains(c.err, "`include_erts: true` (mix)");
	assert_contains(c.err, "`{include_erts, true}` (rebar3");
	assert_false(path_exists(fx->out_tmp));
	unlink(fx->out); /* the old output was left alone */
	captured_free(&c);
	free(p);
	free(r);
}

/* vm.args text: blanks, quotes, backslashes, # comments. */
static void test_vm_args_split(void **state)
{
	struct strv v = {0};
	static const char text[] =
		"## Name of the node\n-sname  app # trailing comment\n"
		"+K true\n\t+A30\n-setcookie 'a b'\n-env X \"1 2\"#c\n"
		"-kernel x\\ y\n\"\"\n#-name ignored\n";
	static const char *const want[] = {
		"-sname", "app", "+K",	"true",	   "+A30", "-setcookie", "a b",
		"-env",	  "X",	 "1 2", "-kernel", "x y",  "",		 "--"};

	(void)state;
	assert_int_equal(erlexec_split(text, true, &v), 13);
	assert_int_equal(v.n, 14);
	for (size_t i = 0; i < v.n; i++)
		assert_string_equal(v.v[i], want[i]);
	strv_free(&v);
	/* Without comments (the ERL_*FLAGS variables), # is a character. */
	assert_int_equal(erlexec_split("+S 1 #x", false, &v), 3);
	assert_string_equal(v.v[2], "#x");
	strv_free(&v);
	assert_int_equal(erlexec_split(" # only a comment\n", true, &v), 0);
	assert_int_equal(v.n, 0);
}

/* +flags become -flags before the first --; -env sets the environment. */
static void test_erlexec_flags(void **state)
{
	char *vm = path_join(fx->dir, "flags.vm.args");
	struct strv args = {0}, env = {0};
	struct erlexec_opts o = {.otp_major = 25,
				 .extra_flags = "+S 1:1 -extra z"};
	struct erlexec_result r;
	static const char *const want[] = {"/r/erts/bin/beam.smp",
					   "-K",
					   "true",
					   "-A30",
					   "-sbwt",
					   "none",
					   "-MIscs",
					   "32",
					   "-Bd",
					   "-S",
					   "1:1",
					   "--",
					   "-root",
					   "/r",
					   "-bindir",
					   "/r/erts/bin",
					   "-progname",
					   "erl",
					   "--",
					   "-home",
					   "/h",
					   "--",
					   "-noshell",
					   "-noinput",
					   "-sname",
					   "n",
					   "-setcookie",
					   "c",
					   "--",
					   "-s",
					   "m",
					   "--",
					   "-extra",
					   "x",
					   "z",
					   "--",
					   NULL};

	(void)state;
	tmp_file(fx->dir, "flags.vm.args",
		 "+K true\n+A30\n+sbwt none # comment\n-sname n\n"
		 "-setcookie c\n+MIscs 32\n-env KILN_T \"a b\"\n+Bd\n",
		 0644);
	strv_push(&args, "-noinput");
	strv_push(&args, "-args_file");
	strv_push(&args, vm);
	strv_push(&args, "-s");
	strv_push(&args, "m");
	strv_push(&args, "-extra");
	strv_push(&args, "x");
	strv_push(&env, "BINDIR=/r/erts/bin");
	strv_push(&env, "ROOTDIR=/r");
	strv_push(&env, "HOME=/h");
	strv_push(&env, "PATH=/usr/bin:/bin");
	assert_int_equal(erlexec_run(&args, &env, &o, &r), 0);
	for (size_t i = 0; want[i]; i++) {
		if (i >= r.argv.n || strcmp(r.argv.v[i], want[i]))
			fail_msg("argv[%zu]: got %s, want %s", i,
				 i < r.argv.n ? r.argv.v[i] : "(end)", want[i]);
	}
	assert_int_equal(r.argv.n, 36);
	assert_true(r.distributed);
	assert_true(r.start_epmd);
	assert_string_equal(r.node_name, "n");
	assert_string_equal(env_get(&env, "KILN_T"), "a b");
	assert_string_equal(env_get(&env, "PATH"),
			    "/r/erts/bin:/r/bin:/usr/bin:/bin");
	erlexec_result_free(&r);
	strv_free(&args);
	strv_free(&env);
	free(vm);
}

/* Child: exec the host's erlexec with argv[1..] after -emu_args_exit. */
static int host_erlexec(int argc, char **argv)
{
	char **av = calloc((size_t)argc + 2, sizeof(*av));
	char *envp[] = {"BINDIR=/r/erts/bin",
			"ROOTDIR=/r",
			"HOME=/h",
			"PATH=/usr/bin:/bin",
			"EMU=beam",
			"PROGNAME=erl",
			"ERL_AFLAGS=+S 1 -a b",
			"ERL_FLAGS=-c d",
			"ERL_ZFLAGS=+Q 1024 -extra z",
			NULL};

	av[0] = argv[0];
	av[1] = "-emu_args_exit";
	for (int i = 1; i < argc; i++)
		av[i + 1] = argv[i];
	execve(argv[0], av, envp);
	return 127;
}

/* Our erlexec and the host's print the same emulator arguments. */
static void test_erlexec_matches_host(void **state)
{
	static const char *const cases[][28] = {
		{"+K", "true", "-sname", "n", "-epmd", "/bin/true", "+A30",
		 "-s", "m", "f", "-extra", "x", "+y"},
		{"-args_file", "@1", "-boot", "start", "-mode", "embedded"},
		{"+Bd",	   "+Bi",      "+c",	   "false", "+c",
		 "+MIscs", "32",       "+Mea",	   "min",   "+sbwt",
		 "none",   "+SDcpu",   "1:1",	   "+SP",   "50:50",
		 "+hms",   "1000",     "+IOt",	   "2",	    "+zdbbl",
		 "1024",   "-noinput", "-version", "+pc",   "unicode"},
		{"-x", "-env", "KILN_E", "1", "-configfd", "0", "-name", "a@b",
		 "-start_epmd", "false", "+JPperf", "true", "+rg", "2", "--",
		 "y"},
	};
	char *vm1 = path_join(fx->dir, "h1.args"), *vm2, *rel;
	glob_t g;

	(void)state;
	if (glob("/usr/lib/erlang/erts-*/bin/erlexec", 0, NULL, &g) != 0)
		SKIP_MISSING("Debian's erlang (erlexec)");
	vm2 = path_join(fx->dir, "h2.args");
	tmp_file(fx->dir, "h1.args",
		 "# comment\n+P 5000 -setcookie 'x y' -args_file ", 0644);
	rel = strdup(vm2);
	{
		FILE *f = fopen(vm1, "a");

		fprintf(f, "%s\n-hidden\n", rel);
		fclose(f);
	}
	tmp_file(fx->dir, "h2.args", "+sbwt none\n-extra from_file\n", 0644);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char *av[30] = {g.gl_pathv[0]};
		struct strv args = {0}, env = {0}, lines = {0};
		struct erlexec_opts o = {.otp_major = 25};
		struct erlexec_result r;
		struct captured c;
		size_t n = 0;

		for (n = 0; cases[k][n]; n++) {
			const char *a =
				strcmp(cases[k][n], "@1") ? cases[k][n] : vm1;

			av[n + 1] = (char *)a;
			strv_push(&args, a);
		}
		run_captured(host_erlexec, av, &c);
		assert_int_equal(c.status, 0);
		for (char *s = c.out, *nl; (nl = strchr(s, '\n')); s = nl + 1)
			strv_pushn(&lines, s, (size_t)(nl - s));
		strv_push(&env, "BINDIR=/r/erts/bin");
		strv_push(&env, "ROOTDIR=/r");
		strv_push(&env, "HOME=/h");
		strv_push(&env, "PATH=/usr/bin:/bin");
		strv_push(&env, "ERL_AFLAGS=+S 1 -a b");
		strv_push(&env, "ERL_FLAGS=-c d");
		strv_push(&env, "ERL_ZFLAGS=+Q 1024 -extra z");
		assert_int_equal(erlexec_run(&args, &env, &o, &r), 0);
		if (lines.n != r.argv.n - 1)
			fail_msg("case %zu: host erlexec gave %zu arguments, "
				 "we %zu:\n%s",
				 k, lines.n, r.argv.n - 1, c.out);
		for (size_t i = 0; i < lines.n; i++)
			assert_string_equal(lines.v[i], r.argv.v[i + 1]);
		erlexec_result_free(&r);
		strv_free(&args);
		strv_free(&env);
		strv_free(&lines);
		captured_free(&c);
	}
	globfree(&g);
	free(vm1);
	free(vm2);
	free(rel);
}

/* A default mix release: the exact argv of `bin/app start`. */
static void test_mix_release(void **state)
{
	char *r = fake_release("mix", FAKE_MIX);
	struct captured c;
	struct img im;
	struct cpio_entry e;
	static const char *const want[] = {"/app/erts-13.1.5/bin/beam.smp",
					   "-S",
					   "2:2",
					   "--",
					   "-root",
					   "/app",
					   "-bindir",
					   "/app/erts-13.1.5/bin",
					   "-progname",
					   "erl",
					   "--",
					   "-home",
					   "/root",
					   "--",
					   "-noshell",
					   "-s",
					   "elixir",
					   "start_cli",
					   "-mode",
					   "embedded",
					   "-sname",
					   "app",
					   "-config",
					   "/app/releases/0.1.0/sys",
					   "-boot",
					   "/app/releases/0.1.0/start",
					   "-boot_var",
					   "RELEASE_LIB",
					   "/app/lib",
					   "--",
					   "--",
					   "-extra",
					   "--no-halt",
					   NULL};

	(void)state;
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel);
	assert_int_equal(c.status, 0);
	assert_contains(c.err, "release app 0.1.0 (mix, erts 13.1.5)");
	assert_contains(c.err, "distribution: node app; the kernel starts "
			       "epmd first");
	assert_contains(c.err, "cookie: in /root/.erlang.cookie");
	img_load(&im);
	img_assert_argv(&im, want);
	/* The cookie is a file the node reads, not an argument. */
	assert_false(img_has_arg(&im, "-setcookie"));
	assert_false(img_has_arg(&im, "secret"));
	assert_null(img_env(&im, "RELEASE_COOKIE"));
	assert_true(img_file(&im, "root/.erlang.cookie", &e));
	assert_int_equal(e.mode, 0100400);
	assert_int_equal(e.size, 6);
	assert_memory_equal(e.data, "secret", 6);
	/* epmd is a boot service the kernel waits for on port 4369. */
	assert_true(img_file(&im, ".kiln/services", &e));
	assert_non_null(memmem(e.data, e.size,
			       "\ntcp:4369 /app/erts-13.1.5/bin/epmd\n", 36));
	assert_string_equal(img_env(&im, "RELEASE_ROOT"), "/app");
	assert_string_equal(img_env(&im, "RELEASE_TMP"), "/app/tmp");
	assert_string_equal(img_env(&im, "BINDIR"), "/app/erts-13.1.5/bin");
	assert_string_equal(img_env(&im, "PATH"),
			    "/app/erts-13.1.5/bin:/app/bin:/usr/bin:/bin");
	assert_string_equal(img_env(&im, "LANG"), "C.UTF-8");
	assert_string_equal(img_env(&im, "TZ"), "UTC0");
	assert_string_equal(img_env(&im, "ERL_INETRC"), "/etc/erl_inetrc");
	assert_string_equal(img_env(&im, "PWD"), "/app");
	assert_null(img_env(&im, "OLDPWD"));
	/* Kept, dropped and generated files. */
	assert_true(img_file(&im, "app/erts-13.1.5/bin/beam.smp", NULL));
	assert_true(img_file(&im, "app/erts-13.1.5/bin/epmd", NULL));
	assert_false(img_file(&im, "app/erts-13.1.5/bin/erlc", NULL));
	assert_false(img_file(&im, "app/erts-13.1.5/bin/erlexec", NULL));
	assert_false(img_file(&im, "app/erts-13.1.5/include", NULL));
	assert_false(img_file(&im, "app/lib/app-1.0/src", NULL));
	assert_false(img_file(&im, "app/lib/app-1.0/include", NULL));
	assert_false(img_file(&im, "app/lib/app-1.0/ebin/app.erl", NULL));
	assert_true(img_file(&im, "app/lib/app-1.0/priv/template.erl", NULL));
	assert_true(img_file(&im, "app/lib/app-1.0/priv/data.txt", NULL));
	assert_false(img_file(&im, "app/releases/0.1.0/app.tar.gz", NULL));
	assert_false(img_file(&im, "app/doc", NULL));
	assert_false(img_file(&im, "app/bin", NULL));
	assert_true(img_file(&im, "app/tmp", &e) && S_ISDIR(e.mode));
	assert_true(img_file(&im, "tmp", &e) && (e.mode & 07777) == 01777);
	assert_true(img_file(&im, "root", NULL));
	assert_true(img_file(&im, "etc/passwd", &e));
	assert_memory_equal(e.data, "root:x:0:0:root:/root:/bin/sh\n", e.size);
	assert_true(img_file(&im, "etc/hosts", &e));
	assert_non_null(memmem(e.data, e.size, "kiln.local kiln", 15));
	assert_true(img_file(&im, "etc/nsswitch.conf", NULL));
	assert_true(img_file(&im, "etc/erl_inetrc", &e));
	assert_memory_equal(e.data, "{lookup, [file, dns]}.\n", e.size);
	img_free(&im);
	captured_free(&c);
	free(r);
}

/* env.sh runs in /bin/sh; what it exports reaches the node. */
static void test_mix_env_sh(void **state)
{
	char *r = fake_release("mixenv", FAKE_MIX);
	struct captured c;
	struct img im;

	(void)state;
	tmp_file(
		r, "releases/0.1.0/env.sh",
		"echo 'env.sh output goes to stderr'\n"
		"case $RELEASE_COMMAND in start) export MY_VAR=\"$RELEASE_NAME "
		"at $RELEASE_ROOT\";; esac\n"
		"export RELEASE_DISTRIBUTION=none\n"
		"export ELIXIR_ERL_OPTIONS=\"+sbwt none -kernel a b\"\n"
		"export OVERRIDDEN=from_env_sh\n",
		0644);
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel, "--env",
	      "RELEASE_MODE=interactive", "--env", "OVERRIDDEN=from_cli");
	assert_int_equal(c.status, 0);
	assert_contains(c.err, "env.sh output goes to stderr");
	img_load(&im);
	assert_string_equal(img_env(&im, "MY_VAR"), "app at /app");
	assert_string_equal(img_env(&im, "OVERRIDDEN"), "from_cli");
	assert_string_equal(img_env(&im, "RELEASE_MODE"), "interactive");
	assert_false(img_has_arg(&im, "-sname"));
	assert_true(img_has_arg(&im, "interactive"));
	assert_true(img_has_arg(&im, "-sbwt"));
	assert_true(img_has_arg(&im, "-kernel"));
	img_free(&im);
	captured_free(&c);

	/* A failing env.sh or a bad RELEASE_DISTRIBUTION: no image. */
	tmp_file(r, "releases/0.1.0/env.sh", "exit 3\n", 0644);
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel);
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "releases/0.1.0/env.sh as `bin/app start` does "
			       "failed (/bin/sh exited with 3");
	assert_no_output();
	captured_free(&c);
	tmp_file(r, "releases/0.1.0/env.sh", "export RELEASE_DISTRIBUTION=x\n",
		 0644);
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel);
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "RELEASE_DISTRIBUTION is 'x'");
	assert_no_output();
	captured_free(&c);
	free(r);
}

/* relx: vm.args.src is filled in at build time; NAME gets the guest host. */
static void test_relx_release(void **state)
{
	char *r = fake_release("relx", FAKE_RELX);
	struct captured c;
	struct img im;
	struct cpio_entry e;
	static const char *const want[] = {"/app/erts-13.1.5/bin/beam.smp",
					   "-Bd",
					   "-K",
					   "true",
					   "--",
					   "-root",
					   "/app",
					   "-bindir",
					   "/app/erts-13.1.5/bin",
					   "-progname",
					   "app",
					   "--",
					   "-home",
					   "/root",
					   "--",
					   "-noshell",
					   "-noinput",
					   "-boot",
					   "/app/releases/0.1.0/start",
					   "-mode",
					   "embedded",
					   "-boot_var",
					   "SYSTEM_LIB_DIR",
					   "/app/lib",
					   "-config",
					   "/app/releases/0.1.0/sys.config",
					   "-sname",
					   "node1",
					   "--",
					   "--",
					   "foreground",
					   "--",
					   NULL};

	(void)state;
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel, "-e",
	      "NODE_NAME=node1");
	assert_int_equal(c.status, 0);
	img_load(&im);
	img_assert_argv(&im, want);
	assert_string_equal(img_env(&im, "NAME"), "node1@kiln");
	assert_string_equal(img_env(&im, "ESCRIPT_NAME"), "/app/bin/app");
	assert_string_equal(img_env(&im, "PROGNAME"), "app");
	assert_string_equal(img_env(&im, "TERM"), "screen");
	assert_string_equal(img_env(&im, "LD_LIBRARY_PATH"),
			    "/app/erts-13.1.5/lib:");
	assert_true(img_file(&im, "app/releases/0.1.0/vm.args", &e));
	assert_memory_equal(e.data, "-sname node1\n", 13);
	assert_true(img_file(&im, "root/.erlang.cookie", &e));
	assert_memory_equal(e.data, "c", 1);
	img_free(&im);
	captured_free(&c);

	/* ERL_EPMD_PORT moves epmd and what the kernel waits for. */
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel, "-e",
	      "ERL_EPMD_PORT=4370");
	assert_int_equal(c.status, 0);
	img_load(&im);
	assert_true(img_file(&im, ".kiln/services", &e));
	assert_non_null(
		memmem(e.data, e.size,
		       "tcp:4370 /app/erts-13.1.5/bin/epmd -port 4370\n", 46));
	img_free(&im);
	captured_free(&c);

	/* No -name/-sname: the relx script refuses to start. */
	tmp_file(r, "releases/0.1.0/vm.args.src", "+K true\n", 0644);
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel);
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "vm.args: need to have exactly one of either "
			       "-name or -sname");
	assert_no_output();
	captured_free(&c);
	free(r);
}

/* systools + options: --erl-flags, --small-memory, --add; a bad NIF. */
static void test_systools_options(void **state)
{
	char *r = fake_release("sys", FAKE_SYSTOOLS);
	char *extra = path_join(fx->dir, "extra.conf");
	char *add = NULL;
	struct captured c;
	struct img im;
	struct cpio_entry e;

	(void)state;
	tmp_file(fx->dir, "extra.conf", "extra\n", 0644);
	tmp_file(r, "releases/0.1.0/vm.args", "-noshell\n", 0644);
	tmp_file(r, "lib/app-1.0/priv/broken_nif.so",
		 "\177ELF\2\1\1\0 truncated", 0755);
	assert_true(asprintf(&add, "%s:/app/etc/extra.conf", extra) > 0);
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel, "--erl-flags",
	      "+S 1:1", "--small-memory", "--add", add, "--cmdline", "quiet",
	      "--ip", "10.0.3.1/24", "--gw", "10.0.3.254", "--dns", "10.0.3.53",
	      "--hostname", "node1");
	assert_int_equal(c.status, 0);
	assert_contains(c.err, "(systools, erts 13.1.5)");
	assert_contains(c.err, "warning: ");
	assert_contains(c.err, "lib/app-1.0/priv/broken_nif.so: not an x86_64 "
			       "ELF program or library; copied as is");
	img_load(&im);
	assert_true(img_has_arg(&im, "-MIscs"));
	assert_true(img_has_arg(&im, "-Mea"));
	assert_true(img_has_arg(&im, "1:1"));
	assert_true(img_has_arg(&im, "-noshell"));
	assert_true(img_has_arg(&im, "start_erl"));
	assert_string_equal(img_env(&im, "MALLOC_ARENA_MAX"), "1");
	assert_string_equal(img_env(&im, "RELDIR"), "/app/releases");
	assert_string_equal(im.v.cmdline,
			    "quiet ip=10.0.3.1/24 gw=10.0.3.254 dns=10.0.3.53 "
			    "hostname=node1");
	/* Not distributed: no epmd to start, no cookie file. */
	assert_false(img_file(&im, ".kiln/services", NULL));
	assert_false(img_file(&im, "root/.erlang.cookie", NULL));
	assert_true(img_file(&im, "app/etc/extra.conf", &e));
	assert_memory_equal(e.data, "extra\n", 6);
	assert_true(img_file(&im, "app/lib/app-1.0/priv/broken_nif.so", NULL));
	img_free(&im);
	captured_free(&c);

	/* Release options do not apply to --rootfs builds. */
	BUILD(&c, "-o", fx->out, "--rootfs", r, "--with-shell", "--", "/x");
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "are for release builds");
	captured_free(&c);
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel, "--add", "nocolon");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "--add 'nocolon': expected HOST:GUEST");
	assert_no_output();
	captured_free(&c);
	free(add);
	free(extra);
	free(r);
}

/* --with-shell brings busybox as /bin/sh and keeps bin/. */
static void test_with_shell(void **state)
{
	char *r;
	struct captured c;
	struct img im;
	struct cpio_entry e;

	(void)state;
	if (access("/bin/busybox", X_OK) != 0)
		SKIP_MISSING("/bin/busybox (busybox-static)");
	r = fake_release("shell", FAKE_MIX);
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel, "--with-shell");
	assert_int_equal(c.status, 0);
	img_load(&im);
	assert_true(img_file(&im, "app/bin/app", NULL));
	assert_true(img_file(&im, "usr/bin/sh", &e) ||
		    img_file(&im, "bin/sh", &e));
	assert_true(S_ISLNK(e.mode));
	assert_memory_equal(e.data, "busybox", 7);
	img_free(&im);
	captured_free(&c);
	free(r);
}

/* --console iex: what `bin/app start_iex` runs; only with Elixir's IEx. */
static void test_console_iex(void **state)
{
	char *r = fake_release("iex", FAKE_MIX);
	struct captured c;
	struct img im;
	bool have_terminfo =
		access("/lib/terminfo/x/xterm-256color", R_OK) == 0 ||
		access("/usr/share/terminfo/x/xterm-256color", R_OK) == 0;
	static const char *const want[] = {"/app/erts-13.1.5/bin/beam.smp",
					   "-S",
					   "2:2",
					   "--",
					   "-root",
					   "/app",
					   "-bindir",
					   "/app/erts-13.1.5/bin",
					   "-progname",
					   "erl",
					   "--",
					   "-home",
					   "/root",
					   "--",
					   "-elixir",
					   "ansi_enabled",
					   "true",
					   "-noshell",
					   "-user",
					   "Elixir.IEx.CLI",
					   "-mode",
					   "embedded",
					   "-sname",
					   "app",
					   "-config",
					   "/app/releases/0.1.0/sys",
					   "-boot",
					   "/app/releases/0.1.0/start",
					   "-boot_var",
					   "RELEASE_LIB",
					   "/app/lib",
					   "--",
					   "--",
					   "-extra",
					   "--no-halt",
					   "+iex",
					   NULL};

	(void)state;
	/* A mix release without the iex application: no image. */
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel, "--console", "iex");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "has no lib/iex-*");
	assert_no_output();
	captured_free(&c);

	tmp_file(r, "lib/iex-1.14.0/ebin/iex.app", "{application, iex, []}.\n",
		 0644);
	tmp_file(r, "releases/0.1.0/env.sh",
		 "case $RELEASE_COMMAND in start_iex) export IN_IEX=yes;; "
		 "esac\n",
		 0644);
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel, "--console", "iex");
	assert_int_equal(c.status, 0);
	assert_contains(c.err, "console: IEx reads the serial console "
			       "(TERM=xterm-256color)");
	img_load(&im);
	img_assert_argv(&im, want);
	assert_string_equal(img_env(&im, "RELEASE_COMMAND"), "start_iex");
	assert_string_equal(img_env(&im, "IN_IEX"), "yes");
	assert_string_equal(img_env(&im, "TERM"), "xterm-256color");
	/* tty_sl edits lines only with the TERM's terminfo entry */
	if (have_terminfo)
		assert_true(
			img_file(&im, "lib/terminfo/x/xterm-256color", NULL) ||
			img_file(&im, "usr/lib/terminfo/x/xterm-256color",
				 NULL) ||
			img_file(&im, "usr/share/terminfo/x/xterm-256color",
				 NULL));
	img_free(&im);
	captured_free(&c);

	/* NO_COLOR turns the elixir script's ANSI flag off; TERM is kept. */
	BUILD(&c, r, "-o", fx->out, "--kernel", fx->kernel, "--console", "iex",
	      "--env", "NO_COLOR=1", "--env", "TERM=vt100");
	assert_int_equal(c.status, 0);
	img_load(&im);
	assert_false(img_has_arg(&im, "ansi_enabled"));
	assert_true(img_has_arg(&im, "Elixir.IEx.CLI"));
	assert_string_equal(img_env(&im, "TERM"), "vt100");
	img_free(&im);
	captured_free(&c);
	free(r);
}

/* --console erl: the Erlang shell; --console iex needs a mix release. */
static void test_console_erl(void **state)
{
	char *mix = fake_release("mixerl", FAKE_MIX);
	char *relx = fake_release("relxerl", FAKE_RELX);
	char *sys = fake_release("syserl", FAKE_SYSTOOLS);
	struct captured c;
	struct img im;

	(void)state;
	/* mix: `bin/app start` without -noshell; the Elixir CLI still runs. */
	BUILD(&c, mix, "-o", fx->out, "--kernel", fx->kernel, "--console",
	      "erl");
	assert_int_equal(c.status, 0);
	assert_contains(c.err, "console: the Erlang shell reads the serial "
			       "console");
	img_load(&im);
	assert_false(img_has_arg(&im, "-noshell"));
	assert_false(img_has_arg(&im, "-user"));
	assert_true(img_has_arg(&im, "start_cli"));
	assert_true(img_has_arg(&im, "ansi_enabled"));
	assert_string_equal(img_env(&im, "RELEASE_COMMAND"), "start");
	img_free(&im);
	captured_free(&c);

	/* relx: `bin/app console`, with relx's own TERM default. */
	BUILD(&c, relx, "-o", fx->out, "--kernel", fx->kernel, "--console",
	      "erl");
	assert_int_equal(c.status, 0);
	img_load(&im);
	assert_false(img_has_arg(&im, "-noinput"));
	assert_false(img_has_arg(&im, "-noshell"));
	assert_false(img_has_arg(&im, "-Bd"));
	assert_false(img_has_arg(&im, "foreground"));
	assert_true(img_has_arg(&im, "console"));
	assert_string_equal(img_env(&im, "TERM"), "screen");
	img_free(&im);
	captured_free(&c);
	BUILD(&c, relx, "-o", fx->out, "--kernel", fx->kernel, "--console",
	      "iex");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "is a relx release, not an Elixir one made by "
			       "`mix release`; use --console erl");
	assert_no_output();
	captured_free(&c);

	/* systools: start_erl as it is; a -noshell in vm.args is reported. */
	tmp_file(sys, "releases/0.1.0/vm.args", "-noshell\n", 0644);
	BUILD(&c, sys, "-o", fx->out, "--kernel", fx->kernel, "--console",
	      "erl");
	assert_int_equal(c.status, 0);
	assert_contains(c.err, "warning: --console erl: the release's flags "
			       "include -noshell");
	unlink(fx->out);
	captured_free(&c);
	BUILD(&c, sys, "-o", fx->out, "--kernel", fx->kernel, "--console",
	      "iex");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "is a systools release");
	assert_no_output();
	captured_free(&c);

	/* Usage errors. */
	BUILD(&c, mix, "-o", fx->out, "--kernel", fx->kernel, "--console",
	      "bash");
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "--console 'bash': expected none, iex");
	captured_free(&c);
	BUILD(&c, "-o", fx->out, "--rootfs", mix, "--console", "erl", "--",
	      "/x");
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "--console are for release builds");
	captured_free(&c);
	free(mix);
	free(relx);
	free(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_start_erl_data),
		cmocka_unit_test(test_missing_erts),
		cmocka_unit_test(test_vm_args_split),
		cmocka_unit_test(test_erlexec_flags),
		cmocka_unit_test(test_erlexec_matches_host),
		cmocka_unit_test(test_mix_release),
		cmocka_unit_test(test_mix_env_sh),
		cmocka_unit_test(test_relx_release),
		cmocka_unit_test(test_systools_options),
		cmocka_unit_test(test_with_shell),
		cmocka_unit_test(test_console_iex),
		cmocka_unit_test(test_console_erl),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
