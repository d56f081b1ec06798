// SPDX-License-Identifier: MIT
/*
 * The kiln command: `kiln build` makes a bootable image from the Kiln
 * kernel and a root filesystem, `kiln run` boots one under QEMU and returns
 * the guest's exit status, `kiln inspect` shows what an image holds. This
 * file only dispatches; each subcommand lives in its own file (build.c,
 * run.c, inspect.c) and returns its exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

struct main_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct main_cmd main_cmds[] = {
	{"build", cmd_build,
	 "make a bootable image from a release or a rootfs"},
	{"run", cmd_run, "boot an image under QEMU"},
	{"inspect", cmd_inspect, "show what an image holds"},
	{"libvirt", cmd_libvirt, "print a libvirt domain that boots an image"},
};

#define MAIN_NCMDS (sizeof(main_cmds) / sizeof(main_cmds[0]))

static void main_usage(FILE *f)
{
	fprintf(f, "Usage: kiln COMMAND [ARGS...]\n\nCommands:\n");
	for (size_t i = 0; i < MAIN_NCMDS; i++)
		fprintf(f, "  %-9s %s\n", main_cmds[i].name,
			main_cmds[i].summary);
	fprintf(f, "  help      show help for a command\n\n"
		   "Run 'kiln COMMAND --help' for a command's options.\n");
}

static const struct main_cmd *main_find(const char *name)
{
	for (size_t i = 0; i < MAIN_NCMDS; i++) {
		if (strcmp(main_cmds[i].name, name) == 0)
			return &main_cmds[i];
	}
	return NULL;
}

/* `kiln help [COMMAND]`. */
static int main_help(int argc, char **argv)
{
	const struct main_cmd *cmd;
	char help[] = "--help";
	char *args[] = {argv[1], help, NULL};

	if (argc < 2) {
		main_usage(stdout);
		return 0;
	}
	cmd = main_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "kiln: unknown command '%s'\n", argv[1]);
		main_usage(stderr);
		return CMD_EXIT_USAGE;
	}
	return cmd->fn(2, args);
}

int main(int argc, char **argv)
{
	const struct main_cmd *cmd;

	/* err() and warnx() prefix messages with "kiln: ". */
	static char name[] = "kiln";

	program_invocation_name = program_invocation_short_name = name;
	if (argc < 2) {
		main_usage(stderr);
		return CMD_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return main_help(1, argv + 1);
	if (!strcmp(argv[1], "help"))
		return main_help(argc - 1, argv + 1);
	cmd = main_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "kiln: unknown command '%s'\n", argv[1]);
		main_usage(stderr);
		return CMD_EXIT_USAGE;
	}
	return cmd->fn(argc - 1, argv + 1);
}
