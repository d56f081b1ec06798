// SPDX-License-Identifier: MIT
/*
 * Checking the guest network options and turning them into kernel
 * command-line options (see netopts.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netopts.h"

/* Is s exactly a dotted-quad IPv4 address (four numbers 0-255)? */
bool netopts_is_ipv4(const char *s)
{
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		int digits = 0;

		while (isdigit((unsigned char)*s) && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return false;
		if (part < 3 && *s++ != '.')
			return false;
	}
	return *s == '\0';
}

/* A.B.C.D/N with N in 0-32. */
static bool netopts_is_cidr(const char *s)
{
	const char *slash = strchr(s, '/');
	char addr[16];
	char *end;
	long n;

	if (!slash || (size_t)(slash - s) >= sizeof(addr) || !slash[1])
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	errno = 0;
	n = strtol(slash + 1, &end, 10);
	return netopts_is_ipv4(addr) && !errno && !*end && n >= 0 && n <= 32 &&
	       isdigit((unsigned char)slash[1]);
}

/* A host name: letters, digits, '-' and '.', 1-63 characters. */
static bool netopts_is_hostname(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > 63 || s[0] == '-' || s[0] == '.')
		return false;
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.')
			return false;
	}
	return true;
}

int netopts_set(struct netopts *n, int c, const char *arg)
{
	switch (c) {
	case NETOPT_IP:
		if (!netopts_is_cidr(arg))
			break;
		n->ip = arg;
		return 0;
	case NETOPT_GW:
		if (!netopts_is_ipv4(arg))
			break;
		n->gw = arg;
		return 0;
	case NETOPT_DNS:
		if (!netopts_is_ipv4(arg))
			break;
		n->dns = arg;
		return 0;
	case NETOPT_HOSTNAME:
		if (!netopts_is_hostname(arg)) {
			warnx("--hostname '%s': expected letters, digits, '-' "
			      "and '.', at most 63, e.g. --hostname node1",
			      arg);
			return -EINVAL;
		}
		n->hostname = arg;
		return 0;
	default:
		return -EINVAL;
	}
	warnx("--%s '%s': expected %s",
	      c == NETOPT_IP   ? "ip"
	      : c == NETOPT_GW ? "gw"
			       : "dns",
	      arg,
	      c == NETOPT_IP ? "an IPv4 address with a prefix length, e.g. "
			       "--ip 10.0.3.1/24"
			     : "an IPv4 address, e.g. 10.0.2.2");
	return -EINVAL;
}

/* Append " key=val" to *s (if val is set). */
static void netopts_add(char **s, const char *key, const char *val)
{
	char *next;

	if (!val)
		return;
	if (asprintf(&next, "%s%s%s=%s", *s, **s ? " " : "", key, val) < 0)
		err(1, "out of memory");
	free(*s);
	*s = next;
}

char *netopts_cmdline(const struct netopts *n)
{
	char *s = strdup("");

	if (!s)
		err(1, "out of memory");
	netopts_add(&s, "ip", n->ip);
	netopts_add(&s, "gw", n->gw);
	netopts_add(&s, "dns", n->dns);
	netopts_add(&s, "hostname", n->hostname);
	return s;
}

char *netopts_join(const char *base, const char *extra)
{
	char *s;

	base = base ? base : "";
	extra = extra ? extra : "";
	if (asprintf(&s, "%s%s%s", base, *base && *extra ? " " : "", extra) < 0)
		err(1, "out of memory");
	return s;
}
