// SPDX-License-Identifier: MIT
/*
 * `kiln build`: make a bootable image from the kernel ELF and a rootfs.
 *
 *   kiln build -o IMAGE --rootfs DIR [--env K=V]... [--kernel PATH]
 *              [--cmdline STR] -- PROGRAM [ARGS...]
 *
 * This file parses and checks the command line (the program must be a
 * regular file inside the rootfs), then drives the pieces: cpio_write.c
 * archives the rootfs, image.c lays out the payload and appends it to the
 * kernel, util.c writes IMAGE.tmp and renames it over IMAGE.
 *
 * `kiln build RELEASE_DIR -o IMAGE [OPTIONS]` (an Erlang/Elixir release)
 * is parsed here too and then handed to packer/release.c.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "cpio_write.h"
#include "image.h"
#include "netopts.h"
#include "release.h"
#include "report.h"
#include "zpack.h"

#define BUILD_MAX_SYMLINKS 40

struct build_opts {
	const char *output;
	const char *rootfs;
	const char *kernel;
	const char *cmdline;
	const char *release_dir; /* positional argument before any -- */
	const char **envp;
	size_t envc;
	const char **adds; /* release: --add HOST:GUEST */
	size_t addc;
	const char *erl_flags;	      /* release: --erl-flags */
	bool with_shell;	      /* release: --with-shell */
	bool small_memory;	      /* release: --small-memory */
	enum rel_console console;     /* release: --console */
	int zlevel;		      /* --compress: 0 = none */
	enum disk_format format;      /* --format */
	struct netopts net;	      /* --ip, --gw, --dns, --hostname */
	char *full_cmdline;	      /* --cmdline plus the network options */
	const char *const *prog_argv; /* PROGRAM ARGS... after -- */
	size_t prog_argc;
	bool dashdash;
	bool help;
};

static const char build_usage[] =
	"Usage: kiln build RELEASE_DIR -o IMAGE [OPTIONS]\n"
	"       kiln build -o IMAGE --rootfs DIR [OPTIONS] -- PROGRAM "
	"[ARGS...]\n"
	"\n"
	"Make a bootable image: the Kiln kernel with a root filesystem.\n"
	"\n"
	"With RELEASE_DIR (made by `mix release` or rebar3/systools, with "
	"ERTS\n"
	"included), the image runs beam.smp with exactly the arguments and\n"
	"environment the release's start script would give it (env.sh and\n"
	"vm.args included), the release at /app, and the shared libraries of\n"
	"beam.smp, its helpers and every NIF at their host paths.\n"
	"With --rootfs, it runs PROGRAM (a path inside DIR, e.g. /hello).\n"
	"\n"
	"Options:\n"
	"  -o, --output IMAGE   the image file to write (replaced atomically)\n"
	"      --rootfs DIR     directory to pack as the guest's root "
	"filesystem\n"
	"  -e, --env K=V        set K=V in the environment (repeatable); for "
	"a\n"
	"                       release, as if exported around its start "
	"script\n"
	"      --kernel PATH    kernel ELF to use (default: $KILN_KERNEL, "
	"else\n"
	"                       kernel.elf next to the kiln binary)\n"
	"      --cmdline STR    default kernel options, stored in the image\n"
	"      --compress N     zstd level 1-22 for the files (default 19), "
	"or\n"
	"                       none: each file that gets smaller is stored "
	"in\n"
	"                       128 KiB chunks, decompressed in the guest on\n"
	"                       first use\n"
	"      --format FMT     elf (default): the kernel ELF with the files,\n"
	"                       for kiln run and PVH hypervisors (QEMU\n"
	"                       -kernel, Firecracker, Cloud Hypervisor);\n"
	"                       raw or qcow2: a BIOS-bootable disk with that\n"
	"                       image behind a small loader, for clouds and\n"
	"                       libvirt (kiln libvirt prints a domain)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Network options, stored in the image's kernel options (kiln run's\n"
	"same options are given at boot and read after these):\n" NETOPTS_HELP
	"\n"
	"Release options:\n"
	"      --add HOST:GUEST  add a host file or directory at GUEST\n"
	"                        (repeatable; wins over anything else there)\n"
	"      --erl-flags STR   more emulator flags, e.g. \"+S 1:1 +sbwt "
	"none\"\n"
	"                        (read like ERL_ZFLAGS, after everything "
	"else)\n"
	"      --with-shell      add busybox as /bin/sh (for os:cmd) and keep\n"
	"                        the release's bin/ scripts\n"
	"      --small-memory    interactive code loading, " RELEASE_SMALL_FLAGS
	",\n"
	"                        MALLOC_ARENA_MAX=1\n"
	"      --console MODE    what reads the serial console: none (the\n"
	"                        default, as `bin/NAME start`), iex (IEx,\n"
	"                        as `bin/NAME start_iex`; Elixir only) or\n"
	"                        erl (the Erlang shell, as relx's\n"
	"                        `bin/NAME console`); TERM defaults to\n"
	"                        " RELSCRIPT_DEFAULT_TERM "; its terminfo "
	"entry is added\n"
	"\n"
	"A release with Erlang distribution (RELEASE_DISTRIBUTION=sname, the\n"
	"mix default, or -sname/-name in vm.args) gets its own epmd started "
	"by\n"
	"the kernel before beam.smp (kiln inspect lists it as service[0]); "
	"its\n"
	"-setcookie value goes to $HOME/.erlang.cookie instead of the command\n"
	"line. --env RELEASE_COOKIE=... sets a mix release's cookie.\n"
	"\n"
	"Examples:\n"
	"  kiln build _build/prod/rel/my_app -o my_app.img\n"
	"  kiln build _build/prod/rel/my_app -o iex.img --console iex\n"
	"  kiln build _build/prod/rel/my_app -o node1.img --ip 10.0.3.1/24 \\\n"
	"      --hostname node1 --env RELEASE_COOKIE=secret\n"
	"  kiln build -o hello.img --rootfs rootfs --env TERM=dumb -- /hello "
	"hi\n";

/* Report a usage error and return the usage exit status. */
__attribute__((format(printf, 1, 2))) static int
build_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kiln: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'kiln build --help' for more information.\n");
	return CMD_EXIT_USAGE;
}

/* Record one --env value; it must look like K=V with a non-empty K. */
static int build_add_env(struct build_opts *o, const char *kv)
{
	const char **p;

	if (!strchr(kv, '=') || kv[0] == '=')
		return build_usage_error("--env '%s': expected NAME=VALUE, "
					 "e.g. --env LANG=C.UTF-8",
					 kv);
	p = realloc(o->envp, (o->envc + 1) * sizeof(*p));
	if (!p)
		err(1, "out of memory");
	o->envp = p;
	o->envp[o->envc++] = kv;
	return 0;
}

/* Record one --add value. */
static int build_add_release_opt(struct build_opts *o, const char *spec)
{
	const char **p = realloc(o->adds, (o->addc + 1) * sizeof(*p));

	if (!p)
		err(1, "out of memory");
	o->adds = p;
	o->adds[o->addc++] = spec;
	return 0;
}

/*
 * Parse the command line into *o, in order ("-" mode), so that a
 * positional argument before "--" (a release directory) can be told apart
 * from PROGRAM after it. Returns 0 or a usage exit status.
 */
static int build_parse(int argc, char **argv, struct build_opts *o)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"rootfs", required_argument, NULL, 'r'},
		{"env", required_argument, NULL, 'e'},
		{"kernel", required_argument, NULL, 'k'},
		{"cmdline", required_argument, NULL, 'c'},
		{"add", required_argument, NULL, 'a'},
		{"erl-flags", required_argument, NULL, 'f'},
		{"with-shell", no_argument, NULL, 's'},
		{"small-memory", no_argument, NULL, 'm'},
		{"compress", required_argument, NULL, 'z'},
		{"format", required_argument, NULL, 'F'},
		{"console", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		NETOPTS_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	const char *last_arg = NULL;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-:o:e:h", longopts, NULL)) != -1) {
		last_arg = optarg;
		switch (c) {
		case 1:
			if (o->release_dir)
				return build_usage_error(
					"unexpected argument '%s' (the program "
					"and its arguments go after --)",
					optarg);
			o->release_dir = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'r':
			o->rootfs = optarg;
			break;
		case 'e':
			ret = build_add_env(o, optarg);
			if (ret)
				return ret;
			break;
		case 'k':
			o->kernel = optarg;
			break;
		case 'c':
			o->cmdline = optarg;
			break;
		case 'a':
			ret = build_add_release_opt(o, optarg);
			if (ret)
				return ret;
			break;
		case 'f':
			o->erl_flags = optarg;
			break;
		case 's':
			o->with_shell = true;
			break;
		case 'm':
			o->small_memory = true;
			break;
		case 'C':
			if (relscript_console_parse(optarg, &o->console))
				return build_usage_error(
					"--console '%s': expected none, iex "
					"(an IEx prompt, Elixir releases) or "
					"erl (the Erlang shell)",
					optarg);
			break;
		case 'z': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (!strcmp(optarg, "none"))
				v = 0;
			else if (*end || end == optarg || v < 1 ||
				 v > ZPACK_MAX_LEVEL)
				return build_usage_error(
					"--compress takes a zstd level from 1 "
					"to %d, or none",
					ZPACK_MAX_LEVEL);
			o->zlevel = (int)v;
			break;
		}
		case 'F':
			if (disk_format_parse(optarg, &o->format))
				return build_usage_error(
					"--format takes elf, raw or qcow2");
			break;
		case 'h':
			o->help = true;
			break;
		case NETOPT_IP:
		case NETOPT_GW:
		case NETOPT_DNS:
		case NETOPT_HOSTNAME:
			if (netopts_set(&o->net, c, optarg))
				return build_usage_error("bad network option");
			break;
		case ':':
			return build_usage_error("option '%s' needs a value",
						 argv[optind - 1]);
		default:
			if (optopt)
				return build_usage_error("unknown option '-%c'",
							 optopt);
			return build_usage_error("unknown option '%s'",
						 argv[optind - 1]);
		}
	}
	/* getopt stops at "--" (which is not an option's value) or the end. */
	if (optind > 1 && optind <= argc && argv[optind - 1] != last_arg &&
	    strcmp(argv[optind - 1], "--") == 0) {
		o->dashdash = true;
		o->prog_argv = (const char *const *)argv + optind;
		o->prog_argc = (size_t)(argc - optind);
	}
	return 0;
}

/* Check that the required arguments are there; 0 or a usage status. */
static int build_check_args(const struct build_opts *o)
{
	if (o->release_dir && (o->rootfs || o->dashdash))
		return build_usage_error(
			"unexpected argument '%s' (the program "
			"and its arguments go after --)",
			o->release_dir);
	if (!o->output)
		return build_usage_error("missing -o IMAGE");
	if (o->release_dir)
		return 0;
	if (o->addc || o->erl_flags || o->with_shell || o->small_memory ||
	    o->console != REL_CONSOLE_NONE)
		return build_usage_error("--add, --erl-flags, --with-shell, "
					 "--small-memory and --console are for "
					 "release builds (kiln build "
					 "RELEASE_DIR ...)");
	if (!o->rootfs)
		return build_usage_error("missing --rootfs DIR");
	if (!o->dashdash || o->prog_argc == 0)
		return build_usage_error("missing the program to run: end the "
					 "command with -- PROGRAM [ARGS...]");
	if (o->prog_argv[0][0] != '/')
		return build_usage_error(
			"PROGRAM '%s' must be an absolute path "
			"inside the rootfs, e.g. /hello",
			o->prog_argv[0]);
	return 0;
}

/*
 * Follow the guest path prog inside the host directory root, resolving
 * symlinks as the guest will (absolute targets restart at root, ".." stops
 * at root). Returns 0 with *host set to the resolved host path (free it),
 * or -errno.
 */
static int build_resolve(const char *root, const char *prog, char **host)
{
	char *todo = strdup(prog), *done = strdup("");
	int links = 0, ret = 0;

	while (!ret && todo && done && *todo) {
		char *slash, *rest, *comp = todo, *path = NULL, *next;
		struct stat st;

		while (*comp == '/')
			comp++;
		slash = strchr(comp, '/');
		rest = slash ? slash + 1 : comp + strlen(comp);
		if (slash)
			*slash = '\0';
		if (*comp == '\0' || strcmp(comp, ".") == 0) {
			next = strdup(rest);
		} else if (strcmp(comp, "..") == 0) {
			char *up = strrchr(done, '/');

			if (up)
				*up = '\0';
			next = strdup(rest);
		} else if (asprintf(&path, "%s%s/%s", root, done, comp) < 0) {
			path = NULL;
			next = NULL;
		} else if (lstat(path, &st) < 0) {
			ret = -errno;
			next = NULL;
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(path, target, sizeof(target) - 1);

			if (n < 0 || ++links > BUILD_MAX_SYMLINKS) {
				ret = n < 0 ? -errno : -ELOOP;
				next = NULL;
			} else {
				target[n] = '\0';
				if (target[0] == '/')
					done[0] = '\0';
				if (asprintf(&next, "%s/%s", target, rest) < 0)
					next = NULL;
			}
		} else if (*rest && !S_ISDIR(st.st_mode)) {
			ret = -ENOTDIR;
			next = NULL;
		} else {
			char *d;

			if (asprintf(&d, "%s/%s", done, comp) < 0)
				d = NULL;
			free(done);
			done = d;
			next = strdup(rest);
		}
		free(path);
		free(todo);
		todo = next;
	}
	if (!ret && (!todo || !done))
		ret = -ENOMEM;
	if (!ret && asprintf(host, "%s%s", root, done) < 0)
		ret = -ENOMEM;
	free(todo);
	free(done);
	return ret;
}

/* PROGRAM must resolve to a regular file inside the rootfs. */
static int build_check_program(const char *rootfs, const char *prog)
{
	struct stat st;
	char *host;
	int ret;

	ret = build_resolve(rootfs, prog, &host);
	if (ret) {
		warnx("PROGRAM %s: %s in the rootfs %s (copy it there, or fix "
		      "the path after --)",
		      prog, ret == -ENOENT ? "not found" : strerror(-ret),
		      rootfs);
		return ret;
	}
	if (stat(host, &st) < 0 || !S_ISREG(st.st_mode)) {
		warnx("PROGRAM %s: %s is not a regular file (the program after "
		      "-- must be an executable file in the rootfs)",
		      prog, host);
		free(host);
		return -EINVAL;
	}
	if (!(st.st_mode & 0111))
		warnx("warning: PROGRAM %s: %s is not executable (chmod +x it)",
		      prog, host);
	free(host);
	return 0;
}

/* The kernel to use: --kernel, $KILN_KERNEL, or kernel.elf beside kiln. */
static char *build_kernel_path(const char *opt)
{
	char self[PATH_MAX], *path;
	const char *env = getenv("KILN_KERNEL");
	ssize_t n;

	if (opt)
		return strdup(opt);
	if (env && *env)
		return strdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		warn("/proc/self/exe: cannot find the kiln binary's directory "
		     "(pass --kernel PATH)");
		return NULL;
	}
	self[n] = '\0';
	if (asprintf(&path, "%s/kernel.elf", dirname(self)) < 0)
		return NULL;
	return path;
}

/* Refuse to write the image over the kernel it is made from. */
static int build_check_output(const char *output, const char *kernel)
{
	struct stat a, b;

	if (stat(output, &a) == 0 && stat(kernel, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		warnx("%s: the output would overwrite the kernel; choose "
		      "another -o IMAGE",
		      output);
		return -EEXIST;
	}
	return 0;
}

/* Build the payload and the image in memory, then write it atomically. */
static int build_image(const struct build_opts *o, const char *kernel_path)
{
	struct buf cpio = {0};
	struct image_args args = {
		.argv = o->prog_argv,
		.argc = o->prog_argc,
		.envp = o->envp,
		.envc = o->envc,
		.cmdline = o->full_cmdline,
		.format = o->format,
	};
	int ret;

	report_stage(1, 2,
		     o->zlevel ? "packing the rootfs (zstd)"
			       : "packing the rootfs");
	ret = cpio_write_tree(&cpio, o->rootfs, o->zlevel);
	if (!ret) {
		report_stage(2, 2, "writing the image");
		ret = image_write(o->output, kernel_path, &args, &cpio, NULL);
	}
	buf_free(&cpio);
	return ret;
}

/* `kiln build RELEASE_DIR`: hand over to release.c; the exit status. */
static int build_release(const struct build_opts *o)
{
	struct release_opts r = {
		.dir = o->release_dir,
		.output = o->output,
		.cmdline = o->full_cmdline,
		.envp = o->envp,
		.envc = o->envc,
		.adds = o->adds,
		.addc = o->addc,
		.erl_flags = o->erl_flags,
		.with_shell = o->with_shell,
		.small_memory = o->small_memory,
		.console = o->console,
		.zlevel = o->zlevel,
		.format = o->format,
	};
	char *kernel = build_kernel_path(o->kernel);
	int ret = 1;

	if (kernel && !build_check_output(o->output, kernel)) {
		r.kernel = kernel;
		ret = release_build(&r) ? 1 : 0;
	}
	free(kernel);
	return ret;
}

/* The kernel options to store: --cmdline, then the network options. */
static char *build_cmdline(const struct build_opts *o)
{
	char *net = netopts_cmdline(&o->net), *all;

	all = netopts_join(o->cmdline, net);
	free(net);
	return all;
}

/* Entry point of `kiln build`; returns the exit status. */
int cmd_build(int argc, char **argv)
{
	struct build_opts o = {.zlevel = ZPACK_DEFAULT_LEVEL};
	struct stat st;
	char *kernel = NULL;
	int ret;

	ret = build_parse(argc, argv, &o);
	if (!ret && o.help) {
		fputs(build_usage, stdout);
		goto out;
	}
	if (!ret)
		ret = build_check_args(&o);
	if (ret)
		goto out;
	o.full_cmdline = build_cmdline(&o);
	ret = 1;
	if (o.release_dir) {
		ret = build_release(&o);
		goto out;
	}
	if (stat(o.rootfs, &st) < 0) {
		warn("%s: cannot use it as the rootfs (pass an existing "
		     "directory to --rootfs)",
		     o.rootfs);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		warnx("%s: not a directory (pass a directory to --rootfs)",
		      o.rootfs);
		goto out;
	}
	if (build_check_program(o.rootfs, o.prog_argv[0]))
		goto out;
	kernel = build_kernel_path(o.kernel);
	if (!kernel || build_check_output(o.output, kernel))
		goto out;
	ret = build_image(&o, kernel) ? 1 : 0;
out:
	free(kernel);
	free(o.envp);
	free(o.adds);
	free(o.full_cmdline);
	return ret;
}
