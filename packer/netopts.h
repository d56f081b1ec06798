/* SPDX-License-Identifier: MIT */
/*
 * The guest's network settings as kernel command-line options, shared by
 * `kiln build` (stored in the image) and `kiln run` (given at boot):
 *
 *   --ip A.B.C.D/N   ip=A.B.C.D/N   static address (default: DHCP)
 *   --gw A.B.C.D     gw=A.B.C.D     default gateway
 *   --dns A.B.C.D    dns=A.B.C.D    name server
 *   --hostname NAME  hostname=NAME  uname nodename (and /etc/hosts)
 *
 * The kernel parses these options (kernel/net); here they are checked so
 * that a typo fails at the command line, not at boot.
 */
#ifndef PACKER_NETOPTS_H
#define PACKER_NETOPTS_H

#include <stdbool.h>

struct netopts {
	const char *ip, *gw, *dns, *hostname;
};

/* Options that set one field: their getopt values (see NETOPTS_LONGOPTS). */
enum {
	NETOPT_IP = 0x100,
	NETOPT_GW,
	NETOPT_DNS,
	NETOPT_HOSTNAME,
};

#define NETOPTS_LONGOPTS                                                       \
	{"ip", required_argument, NULL, NETOPT_IP},                            \
		{"gw", required_argument, NULL, NETOPT_GW},                    \
		{"dns", required_argument, NULL, NETOPT_DNS},                  \
	{                                                                      \
		"hostname", required_argument, NULL, NETOPT_HOSTNAME           \
	}

#define NETOPTS_HELP                                                           \
	"      --ip A.B.C.D/N         static IPv4 address and prefix length\n" \
	"                             (default: DHCP, e.g. QEMU user-net's\n"  \
	"                             10.0.2.15/24)\n"                         \
	"      --gw A.B.C.D           default gateway (with --ip)\n"           \
	"      --dns A.B.C.D          name server (with --ip)\n"               \
	"      --hostname NAME        the guest's host name (the node's\n"     \
	"                             -sname host part)\n"

bool netopts_is_ipv4(const char *s);
/*
 * Record option c (a NETOPT_* value) with its argument; 0, or -EINVAL
 * after printing why.
 */
int netopts_set(struct netopts *n, int c, const char *arg);
/* "ip=... gw=... dns=... hostname=..." for the options set ("" if none);
 * malloc'd. */
char *netopts_cmdline(const struct netopts *n);
/* base and extra joined by a space (either may be NULL or ""); malloc'd. */
char *netopts_join(const char *base, const char *extra);

#endif
