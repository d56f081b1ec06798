/* SPDX-License-Identifier: MIT */
/*
 * The kiln subcommands. Each takes the arguments after the subcommand name
 * (argv[0] is the subcommand) and returns the process exit status.
 */
#ifndef PACKER_CMD_H
#define PACKER_CMD_H

#include <stdbool.h>
#include <stddef.h>

/* Exit status for a command-line usage error (build, inspect). */
#define CMD_EXIT_USAGE 2

int cmd_build(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_libvirt(int argc, char **argv);

/* KVM usable here (/dev/kvm opens, vmx/svm)? If not, why in why[len]. */
bool run_kvm_usable(char *why, size_t len);

#endif
