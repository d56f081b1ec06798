// SPDX-License-Identifier: MIT
/*
 * `kiln run`: boot an image under QEMU and exit with the guest's status.
 *
 *   kiln run [--cpus N] [--mem MiB] [--accel auto|kvm|tcg]
 *            [--machine q35|microvm] [-p [IP:]HOST:GUEST[/udp]]...
 *            [--net user|none|tap:IF|socket:listen:PORT|socket:connect:PORT]
 *            [--mac MAC] [--ip A/N] [--gw G] [--dns D] [--hostname H]
 *            [--append STR] [--monitor SOCKET] [--timeout SECONDS]
 *            IMAGE [-- QEMU-ARGS...]
 *
 * This file turns the options into a QEMU command line: the accelerator
 * (KVM only if /dev/kvm opens read-write and the CPU has vmx/svm), the
 * machine, the serial console on stdio, COM2 to a file for the exit
 * report and isa-debug-exit for the exit status, a virtio-rng device, and
 * a virtio-net device on the chosen network (QEMU user networking with -p
 * port forwards by default; the address comes from its DHCP server unless
 * --ip is given, which becomes kernel options with the rest of netopts.h;
 * so does the size of the terminal on stdout, for the guest's
 * TIOCGWINSZ). vm.c runs QEMU and works out the exit status. kiln's own
 * failures, usage errors included, exit 125 (like docker run) so they
 * cannot be mistaken for the guest's status.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sys/un.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "image.h"
#include "netopts.h"
#include "vm.h"

enum run_accel {
	RUN_ACCEL_AUTO,
	RUN_ACCEL_KVM,
	RUN_ACCEL_TCG,
};

enum run_net {
	RUN_NET_USER,	 /* QEMU user networking (slirp), with -p */
	RUN_NET_NONE,	 /* no network device */
	RUN_NET_TAP,	 /* a host tap interface */
	RUN_NET_LISTEN,	 /* -netdev socket,listen: VM-to-VM */
	RUN_NET_CONNECT, /* -netdev socket,connect */
};

/* One -p port forward. */
struct run_fwd {
	char bind[16]; /* host IPv4 address */
	unsigned int host, guest;
	bool udp;
};

struct run_opts {
	unsigned int cpus;
	unsigned int mem_mib;
	enum run_accel accel;
	bool microvm;
	struct run_fwd *fwd;
	size_t nfwd;
	enum run_net net;
	const char *net_arg; /* tap: interface; socket: port */
	char *report;	     /* the file QEMU writes COM2 to (exit report) */
	char *ctl;	     /* our own QMP socket: REPORT.qmp */
	const char *mac;
	struct netopts netopts;
	const char *monitor; /* QMP socket path, or NULL */
	const char *append;
	char *env;	      /* --env K=V as kernel options "env=..." */
	const char *snapshot; /* --snapshot FILE */
	const char *restore;  /* --restore FILE */
	int nconfig;	      /* options that shape the VM (not --timeout) */
	unsigned int timeout; /* seconds, 0 = none */
	const char *image;
	enum disk_kind disk; /* a disk image (kiln build --format) */
	char **extra;	     /* QEMU arguments after -- */
	int nextra;
	bool help;
};

/* A NULL-terminated argument vector under construction. */
struct run_argv {
	char **v;
	size_t n;
};

static const char run_usage[] =
	"Usage: kiln run [OPTIONS] IMAGE [-- QEMU-ARGS...]\n"
	"\n"
	"Boot IMAGE (made by kiln build) under QEMU with the console on this\n"
	"terminal, and exit with the guest program's exit status.\n"
	"A raw or qcow2 disk (kiln build --format) boots through SeaBIOS and\n"
	"its own loader, on q35, and takes no kernel options at run time.\n"
	"\n"
	"Options:\n"
	"      --cpus N               virtual CPUs (default 1)\n"
	"      --mem MiB              memory in MiB (default 256)\n"
	"      --accel auto|kvm|tcg   accelerator (default auto: KVM if "
	"usable)\n"
	"      --machine q35|microvm  machine type (default q35)\n"
	"      --append STR           kernel command line, given to QEMU's "
	"-append\n"
	"      --snapshot FILE        boot, wait until the first published "
	"TCP\n"
	"                             port answers a request, save the "
	"running\n"
	"                             VM to FILE and exit (needs -p)\n"
	"      --restore FILE         resume a VM saved by --snapshot, with\n"
	"                             its image and options (only --timeout\n"
	"                             and --monitor may be added)\n"
	"      --env K=V              set K=V in the program's environment\n"
	"                             for this boot (repeatable; over the\n"
	"                             image's value; a release's\n"
	"                             config/runtime.exs sees it)\n"
	"      --monitor SOCKET       a QMP socket (unix path) for e.g.\n"
	"                             system_powerdown, which the guest turns\n"
	"                             into SIGTERM for its program\n"
	"      --timeout SECONDS      stop the VM and exit 124 after SECONDS\n"
	"  -h, --help                 show this help\n"
	"QEMU-ARGS after -- are passed to QEMU unchanged.\n"
	"\n"
	"Network (a virtio-net device, plus virtio-rng, always):\n"
	"  -p, --publish [IP:]HOST:GUEST[/udp]\n"
	"                             forward host port HOST on IP (default\n"
	"                             127.0.0.1) to the guest's port GUEST, "
	"TCP\n"
	"                             unless /udp (repeatable; --net user)\n"
	"      --net user             QEMU user networking (default): the "
	"guest\n"
	"                             gets 10.0.2.15/24 by DHCP, gateway "
	"10.0.2.2,\n"
	"                             DNS 10.0.2.3, and reaches the host "
	"through -p\n"
	"      --net none             no network device\n"
	"      --net tap:IF           the host's tap interface IF\n"
	"      --net socket:listen:PORT, --net socket:connect:PORT\n"
	"                             a link between two VMs through\n"
	"                             127.0.0.1:PORT (start the listening one\n"
	"                             first; give each VM its own --mac and "
	"--ip)\n"
	"      --mac MAC              the guest's MAC address (default "
	"QEMU's,\n"
	"                             52:54:00:12:34:56)\n" NETOPTS_HELP
	"                             (these four become kernel options,\n"
	"                             after --append; kiln build stores them "
	"too)\n"
	"\n"
	"Examples:\n"
	"  kiln run -p 8080:8080 app.img             # http://127.0.0.1:8080\n"
	"  kiln run -p 0.0.0.0:5353:53/udp app.img   # UDP, on every address\n"
	"  kiln run --net socket:listen:7000 --mac 52:54:00:00:00:01 \\\n"
	"      --ip 10.0.3.1/24 --hostname node1 a.img   # then, elsewhere:\n"
	"  kiln run --net socket:connect:7000 --mac 52:54:00:00:00:02 \\\n"
	"      --ip 10.0.3.2/24 --hostname node2 b.img\n"
	"\n"
	"Stopping: Ctrl-C (or SIGINT, SIGTERM) presses the VM's power button:\n"
	"the guest program gets SIGTERM (a release stops cleanly) and kiln\n"
	"exits with its status. A second Ctrl-C, or 30 s without an exit,\n"
	"stops QEMU at once.\n"
	"\n"
	"Environment: KILN_QEMU names the QEMU binary (default\n"
	"qemu-system-x86_64).\n"
	"Exit status: the guest program's (0-255); 124 on timeout; 125 if the\n"
	"VM or kiln failed; 128+N when kiln stops QEMU because of signal N.\n";

/* Report a usage error; returns the exit status for it. */
__attribute__((format(printf, 1, 2))) static int
run_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kiln: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'kiln run --help' for more information.\n");
	return VM_EXIT_FAILURE;
}

/*
 * Parse "[IP:]HOST:GUEST[/udp|/tcp]" into *f; false if malformed.
 */
static bool run_parse_fwd(const char *arg, struct run_fwd *f)
{
	char *copy = strdup(arg), *parts[3], *proto, *p;
	int n = 0;
	bool ok = false;

	if (!copy)
		err(VM_EXIT_FAILURE, "out of memory");
	memset(f, 0, sizeof(*f));
	proto = strchr(copy, '/');
	if (proto) {
		*proto++ = '\0';
		f->udp = !strcmp(proto, "udp");
		if (!f->udp && strcmp(proto, "tcp"))
			goto out;
	}
	for (p = copy; n < 3; n++) {
		parts[n] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (n == 3 || n < 1)
		goto out;
	strcpy(f->bind, "127.0.0.1");
	if (n == 2) {
		if (!netopts_is_ipv4(parts[0]))
			goto out;
		strcpy(f->bind, parts[0]);
	}
	ok = !util_parse_uint(parts[n - 1], 1, 65535, &f->host) &&
	     !util_parse_uint(parts[n], 1, 65535, &f->guest);
out:
	free(copy);
	return ok;
}

/* Parse and record one -p port forward. */
static int run_add_fwd(struct run_opts *o, const char *arg)
{
	struct run_fwd f;
	void *p;

	if (!run_parse_fwd(arg, &f))
		return run_usage_error("-p %s: expected [IP:]HOSTPORT:GUESTPORT"
				       "[/udp], e.g. -p 8080:80 or -p "
				       "0.0.0.0:5353:53/udp",
				       arg);
	p = realloc(o->fwd, (o->nfwd + 1) * sizeof(*o->fwd));
	if (!p)
		err(VM_EXIT_FAILURE, "out of memory");
	o->fwd = p;
	o->fwd[o->nfwd++] = f;
	return 0;
}

/* Parse --net MODE. */
static int run_set_net(struct run_opts *o, const char *arg)
{
	unsigned int port;

	o->net_arg = NULL;
	if (!strcmp(arg, "user")) {
		o->net = RUN_NET_USER;
	} else if (!strcmp(arg, "none")) {
		o->net = RUN_NET_NONE;
	} else if (!strncmp(arg, "tap:", 4) && arg[4]) {
		o->net = RUN_NET_TAP;
		o->net_arg = arg + 4;
	} else if (!strncmp(arg, "socket:listen:", 14) &&
		   !util_parse_uint(arg + 14, 1, 65535, &port)) {
		o->net = RUN_NET_LISTEN;
		o->net_arg = arg + 14;
	} else if (!strncmp(arg, "socket:connect:", 15) &&
		   !util_parse_uint(arg + 15, 1, 65535, &port)) {
		o->net = RUN_NET_CONNECT;
		o->net_arg = arg + 15;
	} else {
		return run_usage_error("--net %s: expected user, none, tap:IF, "
				       "socket:listen:PORT or "
				       "socket:connect:PORT",
				       arg);
	}
	return 0;
}

/* Is s a MAC address, six hex pairs separated by ':'? */
static bool run_is_mac(const char *s)
{
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]))
			return false;
		s += 2;
		if (i < 5 && *s++ != ':')
			return false;
	}
	return *s == '\0';
}

/*
 * --env K=V: the kernel option env=K=V, %XX-encoding spaces, '%' and
 * every byte outside printable ASCII (the kernel decodes it and sets K
 * in the program's environment, over the image's value).
 */
static int run_add_env(struct run_opts *o, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t old = o->env ? strlen(o->env) : 0;
	char *p;

	if (!eq || eq == kv)
		return run_usage_error("--env %s: expected NAME=VALUE", kv);
	p = realloc(o->env, old + 5 + 3 * strlen(kv) + 1);
	if (!p)
		return run_usage_error("out of memory");
	o->env = p;
	p += old;
	if (old)
		*p++ = ' ';
	p += sprintf(p, "env=");
	for (const unsigned char *c = (const unsigned char *)kv; *c; c++) {
		if (*c <= ' ' || *c == '%' || *c >= 0x7f)
			p += sprintf(p, "%%%02X", *c);
		else
			*p++ = (char)*c;
	}
	*p = 0;
	return 0;
}

/* Handle one option of `kiln run`; 0 or an exit status. */
static int run_option(struct run_opts *o, int c, const char *arg)
{
	if (c != 't' && c != 'Q' && c != 'h' && c != 'R')
		o->nconfig++;
	switch (c) {
	case 'S':
	case 'R':
		/* the name goes into a shell command for QEMU (exec:) */
		if (strpbrk(arg, "'\"\\\n"))
			return run_usage_error(
				"--%s %s: the file name may not "
				"hold quotes, backslashes or "
				"newlines",
				c == 'S' ? "snapshot" : "restore", arg);
		*(c == 'S' ? &o->snapshot : &o->restore) = arg;
		return 0;
	case 'c':
		if (util_parse_uint(arg, 1, 255, &o->cpus))
			return run_usage_error("--cpus %s: expected 1-255",
					       arg);
		return 0;
	case 'm':
		if (util_parse_uint(arg, 16, 1u << 22, &o->mem_mib))
			return run_usage_error("--mem %s: expected MiB, 16 or "
					       "more, e.g. --mem 512",
					       arg);
		return 0;
	case 'a':
		if (strcmp(arg, "auto") == 0)
			o->accel = RUN_ACCEL_AUTO;
		else if (strcmp(arg, "kvm") == 0)
			o->accel = RUN_ACCEL_KVM;
		else if (strcmp(arg, "tcg") == 0)
			o->accel = RUN_ACCEL_TCG;
		else
			return run_usage_error("--accel %s: expected auto, kvm "
					       "or tcg",
					       arg);
		return 0;
	case 'M':
		if (strcmp(arg, "q35") != 0 && strcmp(arg, "microvm") != 0)
			return run_usage_error("--machine %s: expected q35 or "
					       "microvm",
					       arg);
		o->microvm = strcmp(arg, "microvm") == 0;
		return 0;
	case 'p':
		return run_add_fwd(o, arg);
	case 'n':
		return run_set_net(o, arg);
	case 'e':
		if (!run_is_mac(arg))
			return run_usage_error("--mac %s: expected six hex "
					       "pairs, e.g. 52:54:00:00:00:01",
					       arg);
		o->mac = arg;
		return 0;
	case 'Q':
		o->monitor = arg;
		return 0;
	case NETOPT_IP:
	case NETOPT_GW:
	case NETOPT_DNS:
	case NETOPT_HOSTNAME:
		if (netopts_set(&o->netopts, c, arg))
			return run_usage_error("bad network option");
		return 0;
	case 'A':
		o->append = arg;
		return 0;
	case 'E':
		return run_add_env(o, arg);
	case 't':
		if (util_parse_uint(arg, 1, 1u << 30, &o->timeout))
			return run_usage_error("--timeout %s: expected a "
					       "positive number of seconds",
					       arg);
		return 0;
	case 'h':
		o->help = true;
		return 0;
	}
	return run_usage_error("internal error: option %d", c);
}

/* Parse the command line; 0 or an exit status. */
static int run_parse(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{"cpus", required_argument, NULL, 'c'},
		{"mem", required_argument, NULL, 'm'},
		{"accel", required_argument, NULL, 'a'},
		{"machine", required_argument, NULL, 'M'},
		{"publish", required_argument, NULL, 'p'},
		{"net", required_argument, NULL, 'n'},
		{"mac", required_argument, NULL, 'e'},
		{"monitor", required_argument, NULL, 'Q'},
		NETOPTS_LONGOPTS,
		{"append", required_argument, NULL, 'A'},
		{"env", required_argument, NULL, 'E'},
		{"snapshot", required_argument, NULL, 'S'},
		{"restore", required_argument, NULL, 'R'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *last_arg = NULL;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-:p:h", longopts, NULL)) != -1) {
		last_arg = optarg;
		if (c == 1) {
			if (o->image)
				return run_usage_error("unexpected argument "
						       "'%s' (QEMU arguments "
						       "go after --)",
						       optarg);
			o->image = optarg;
		} else if (c == ':') {
			return run_usage_error("option '%s' needs a value",
					       argv[optind - 1]);
		} else if (c == '?') {
			if (optopt)
				return run_usage_error("unknown option '-%c'",
						       optopt);
			return run_usage_error("unknown option '%s'",
					       argv[optind - 1]);
		} else {
			ret = run_option(o, c, optarg);
			if (ret)
				return ret;
		}
	}
	if (optind > 1 && optind <= argc && argv[optind - 1] != last_arg &&
	    strcmp(argv[optind - 1], "--") == 0) {
		o->extra = argv + optind;
		o->nextra = argc - optind;
	}
	if (o->restore) {
		if (o->image || o->nconfig || o->extra)
			return run_usage_error("--restore FILE takes the VM's "
					       "image and options from FILE; "
					       "only --timeout and --monitor "
					       "may be given");
		return 0;
	}
	if (!o->help && !o->image)
		return run_usage_error("missing IMAGE (make one with kiln "
				       "build)");
	if (o->snapshot) {
		size_t i;
		for (i = 0; i < o->nfwd && o->fwd[i].udp; i++)
			;
		if (i == o->nfwd)
			return run_usage_error("--snapshot needs a published "
					       "TCP port (-p HOST:GUEST): the "
					       "VM is saved once it answers");
	}
	if (o->nfwd && o->net != RUN_NET_USER)
		return run_usage_error("-p needs --net user (the default): "
				       "only QEMU user networking forwards "
				       "ports");
	return 0;
}

/* Does /proc/cpuinfo list the vmx or svm flag? */
static bool run_cpu_has_virt(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char *line = NULL, *tok, *save;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		for (tok = strtok_r(line, " \t\n", &save); tok && !found;
		     tok = strtok_r(NULL, " \t\n", &save))
			found = !strcmp(tok, "vmx") || !strcmp(tok, "svm");
	}
	free(line);
	fclose(f);
	return found;
}

/* Can we use KVM? If not, why (into why[len]). */
bool run_kvm_usable(char *why, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "cannot open /dev/kvm: %s", strerror(errno));
		return false;
	}
	close(fd);
	if (!run_cpu_has_virt()) {
		snprintf(why, len, "no vmx or svm flag in /proc/cpuinfo");
		return false;
	}
	return true;
}

/* Settle auto/kvm/tcg into kvm or tcg and say which; 0 or exit status. */
static int run_pick_accel(struct run_opts *o)
{
	char why[160];
	bool kvm;

	if (o->accel == RUN_ACCEL_TCG) {
		fprintf(stderr, "kiln: accelerator: TCG (software emulation; "
				"--accel tcg)\n");
		return 0;
	}
	kvm = run_kvm_usable(why, sizeof(why));
	if (o->accel == RUN_ACCEL_KVM && !kvm) {
		warnx("--accel kvm: KVM unavailable: %s (use --accel tcg, or "
		      "give this user access to /dev/kvm)",
		      why);
		return VM_EXIT_FAILURE;
	}
	o->accel = kvm ? RUN_ACCEL_KVM : RUN_ACCEL_TCG;
	if (kvm)
		fprintf(stderr, "kiln: accelerator: KVM\n");
	else
		fprintf(stderr,
			"kiln: accelerator: TCG (software emulation; KVM "
			"unavailable: %s)\n",
			why);
	return 0;
}

/* Append a formatted argument. */
__attribute__((format(printf, 2, 3))) static void run_arg(struct run_argv *a,
							  const char *fmt, ...)
{
	va_list ap;
	char **v = realloc(a->v, (a->n + 2) * sizeof(*v));
	int ret;

	if (!v)
		err(VM_EXIT_FAILURE, "out of memory");
	a->v = v;
	va_start(ap, fmt);
	ret = vasprintf(&a->v[a->n], fmt, ap);
	va_end(ap);
	if (ret < 0)
		err(VM_EXIT_FAILURE, "out of memory");
	a->v[++a->n] = NULL;
}

static void run_argv_free(struct run_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* The -netdev value for the chosen network (malloc'd). */
static char *run_netdev(const struct run_opts *o)
{
	char *netdev = NULL, *next;

	switch (o->net) {
	case RUN_NET_USER:
		netdev = strdup("user,id=n0");
		for (size_t i = 0; netdev && i < o->nfwd; i++) {
			const struct run_fwd *f = &o->fwd[i];

			if (asprintf(&next, "%s,hostfwd=%s:%s:%u-:%u", netdev,
				     f->udp ? "udp" : "tcp", f->bind, f->host,
				     f->guest) < 0)
				next = NULL;
			free(netdev);
			netdev = next;
		}
		break;
	case RUN_NET_TAP:
		if (asprintf(&netdev,
			     "tap,id=n0,ifname=%s,script=no,downscript=no",
			     o->net_arg) < 0)
			netdev = NULL;
		break;
	case RUN_NET_LISTEN:
	case RUN_NET_CONNECT:
		if (asprintf(&netdev, "socket,id=n0,%s=127.0.0.1:%s",
			     o->net == RUN_NET_LISTEN ? "listen" : "connect",
			     o->net_arg) < 0)
			netdev = NULL;
		break;
	case RUN_NET_NONE:
		return NULL;
	}
	if (!netdev)
		err(VM_EXIT_FAILURE, "out of memory");
	return netdev;
}

/* The network and entropy devices: virtio, modern-only on q35. */
static void run_net_args(struct run_argv *a, const struct run_opts *o)
{
	char *netdev = run_netdev(o);

	if (netdev) {
		run_arg(a, "-netdev");
		run_arg(a, "%s", netdev);
		run_arg(a, "-device");
		/* romfile=: SeaBIOS (disk boots) must not run iPXE */
		run_arg(a, "%s,netdev=n0%s%s%s",
			o->microvm ? "virtio-net-device"
				   : "virtio-net-pci,disable-legacy=on",
			o->mac ? ",mac=" : "", o->mac ? o->mac : "",
			o->disk != DISK_KIND_OTHER ? ",romfile=" : "");
		free(netdev);
	}
	run_arg(a, "-device");
	run_arg(a, "%s",
		o->microvm ? "virtio-rng-device"
			   : "virtio-rng-pci,disable-legacy=on");
}

/*
 * "winsize=COLSxROWS" for a terminal on stdout, where the console shows:
 * a shell's line editor on the guest's console needs its width. NULL
 * when stdout is not a terminal (the kernel then answers 80x24), for
 * --snapshot and --restore, whose two machines must be started alike, and
 * for disks, which take no kernel command line.
 */
static char *run_winsize_opt(const struct run_opts *o)
{
	struct winsize ws;
	char *s;

	if (o->snapshot || o->restore || o->disk != DISK_KIND_OTHER ||
	    !isatty(STDOUT_FILENO) ||
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_col ||
	    !ws.ws_row)
		return NULL;
	if (asprintf(&s, "winsize=%ux%u", ws.ws_col, ws.ws_row) < 0)
		err(VM_EXIT_FAILURE, "out of memory");
	return s;
}

/* The QEMU command line for the options (accel already settled). */
#define QBOOT_ROM "/usr/share/qemu/qboot.rom"

static void run_qemu_args(struct run_argv *a, const struct run_opts *o)
{
	const char *qemu = getenv("KILN_QEMU");
	bool kvm = o->accel == RUN_ACCEL_KVM;
	char *net = netopts_cmdline(&o->netopts);
	char *winsize = run_winsize_opt(o);
	char *user = netopts_join(winsize, o->append); /* --append wins */
	char *opts = netopts_join(user, net);
	char *cmdline = netopts_join(opts, o->env);

	run_arg(a, "%s", qemu && *qemu ? qemu : "qemu-system-x86_64");
	run_arg(a, "-machine");
	run_arg(a, "%s", o->microvm ? "microvm" : "q35");
	if (o->microvm) {
		/* QEMU's virtio-mmio is legacy (version 1) unless told; the
		 * kernel drives virtio 1.x only */
		run_arg(a, "-global");
		run_arg(a, "virtio-mmio.force-legacy=false");
	}
	run_arg(a, "-accel");
	run_arg(a, "%s", kvm ? "kvm" : "tcg");
	run_arg(a, "-cpu");
	run_arg(a, "%s", kvm ? "host" : "max");
	run_arg(a, "-m");
	run_arg(a, "%u", o->mem_mib);
	run_arg(a, "-smp");
	run_arg(a, "%u", o->cpus);
	if (o->disk != DISK_KIND_OTHER) {
		/* SeaBIOS boots the disk's loader (include/kiln/disk.h) */
		run_arg(a, "-drive");
		run_arg(a, "file=%s,format=%s,if=virtio,readonly=on", o->image,
			o->disk == DISK_KIND_RAW ? "raw" : "qcow2");
	} else {
		run_arg(a, "-kernel");
		run_arg(a, "%s", o->image);
	}
	/*
	 * qboot instead of SeaBIOS on q35: it boots PVH kernels faster and
	 * prints nothing on the serial console (SeaBIOS resets the terminal).
	 */
	if (!o->microvm && o->disk == DISK_KIND_OTHER &&
	    access(QBOOT_ROM, R_OK) == 0) {
		run_arg(a, "-bios");
		run_arg(a, "%s", QBOOT_ROM);
	}
	run_arg(a, "-nodefaults");
	run_arg(a, "-no-reboot");
	run_arg(a, "-nographic");
	run_arg(a, "-serial");
	run_arg(a, "stdio");
	run_arg(a, "-monitor");
	run_arg(a, "none");
	run_arg(a, "-device");
	run_arg(a, "isa-debug-exit,iobase=0xf4,iosize=0x04");
	/* COM2 to a file of ours: the kernel's out-of-band exit report */
	run_arg(a, "-chardev");
	run_arg(a, "file,id=kilnexit,path=%s", o->report);
	run_arg(a, "-device");
	run_arg(a, "isa-serial,chardev=kilnexit,iobase=0x2f8,irq=3");
	/* a QMP socket of our own: Ctrl-C presses the power button */
	if (o->ctl) {
		run_arg(a, "-qmp");
		run_arg(a, "unix:%s,server=on,wait=off", o->ctl);
	}
	if (*cmdline) {
		run_arg(a, "-append");
		run_arg(a, "%s", cmdline);
	}
	if (o->monitor) {
		run_arg(a, "-qmp");
		run_arg(a, "unix:%s,server=on,wait=off", o->monitor);
	}
	run_net_args(a, o);
	for (int i = 0; i < o->nextra; i++)
		run_arg(a, "%s", o->extra[i]);
	free(net);
	free(winsize);
	free(user);
	free(opts);
	free(cmdline);
}

/*
 * A disk boots through its own loader (kiln build --format raw|qcow2): no
 * kernel command line reaches it, so the options that become kernel
 * options are refused rather than dropped; 0 or the exit status.
 */
static int run_check_disk(const struct run_opts *o)
{
	char *net = netopts_cmdline(&o->netopts);
	bool opts = (net && *net) || (o->append && *o->append) ||
		    (o->env && *o->env);

	free(net);
	if (o->microvm) {
		warnx("%s: a disk image boots on q35 only; --machine microvm "
		      "needs the ELF image (kiln build --format elf)",
		      o->image);
		return VM_EXIT_FAILURE;
	}
	if (opts) {
		warnx("%s: a disk image takes no kernel options at run time "
		      "(--append, --env, --ip, --gw, --dns, --hostname): give "
		      "them to kiln build, or boot the ELF image (kiln build "
		      "--format elf)",
		      o->image);
		return VM_EXIT_FAILURE;
	}
	return 0;
}

/* IMAGE must be readable; warn (only) if it does not look like one. */
static int run_check_image(const char *image, enum disk_kind *kind)
{
	struct image_view v;
	const void *img;
	size_t img_len;
	const char *why = NULL;
	struct stat st;
	void *map;
	int fd;

	fd = open(image, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		warn("%s: cannot open the image (make one with kiln build)",
		     image);
		if (fd >= 0)
			close(fd);
		return VM_EXIT_FAILURE;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		warnx("%s: not an image file (make one with kiln build)",
		      image);
		close(fd);
		return VM_EXIT_FAILURE;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		warn("%s: cannot read the image", image);
		return VM_EXIT_FAILURE;
	}
	img = map;
	img_len = (size_t)st.st_size;
	*kind = disk_kind(map, img_len);
	if (*kind == DISK_KIND_RAW && !disk_image(map, img_len, &img, &img_len))
		why = "a raw disk whose parameter sector names no image";
	if (!why && *kind != DISK_KIND_QCOW2 &&
	    image_parse(img, img_len, &v, &why) == 0)
		why = NULL;
	if (why)
		warnx("warning: %s: %s; booting it anyway", image, why);
	munmap(map, (size_t)st.st_size);
	return 0;
}

/* An empty file for the kernel's exit report (COM2); 0 or exit status. */
static int run_report_file(struct run_opts *o)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if (asprintf(&o->report, "%s/kiln-exit-XXXXXX", dir) < 0) {
		o->report = NULL;
		warnx("out of memory");
		return VM_EXIT_FAILURE;
	}
	fd = mkstemp(o->report);
	if (fd < 0) {
		warn("%s: cannot create the exit report file (set TMPDIR to a "
		     "writable directory)",
		     o->report);
		return VM_EXIT_FAILURE;
	}
	close(fd);
	/* the control socket beside it (none if the path is too long) */
	if (asprintf(&o->ctl, "%s.qmp", o->report) < 0)
		o->ctl = NULL;
	else if (strlen(o->ctl) >=
		 sizeof(((struct sockaddr_un *)0)->sun_path)) {
		free(o->ctl);
		o->ctl = NULL;
	}
	return 0;
}

/*
 * Snapshot files: a 4 KiB header of text lines, then QEMU's migration
 * stream. The header names the image (absolute path, size, mtime: the
 * saved RAM holds the image as it was) and the kiln run arguments the VM
 * was started with (plus the accelerator chosen), one per line, so that
 * --restore builds the same machine.
 */
#define SNAP_MAGIC "KILN-SNAPSHOT 1\n"
#define SNAP_HDR   4096

static int run_snap_header(const struct run_opts *o, int argc, char **argv,
			   struct buf *h)
{
	char *abs = realpath(o->image, NULL);
	struct stat st;
	int ret = 0;

	if (!abs || stat(abs, &st) < 0) {
		warn("%s", o->image);
		free(abs);
		return VM_EXIT_FAILURE;
	}
	char line[PATH_MAX + 64];
	snprintf(line, sizeof(line),
		 SNAP_MAGIC "image %s\nsize %lld\nmtime %lld.%09ld\n", abs,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec);
	ret = buf_put(h, line, strlen(line));
	for (int i = 1; !ret && i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--snapshot") || !strcmp(a, "--timeout") ||
		    !strcmp(a, "--monitor")) {
			i++; /* and its value */
			continue;
		}
		if (!strncmp(a, "--snapshot=", 11) ||
		    !strncmp(a, "--timeout=", 10) ||
		    !strncmp(a, "--monitor=", 10))
			continue;
		if (strchr(a, '\n')) {
			warnx("--snapshot: an argument holds a newline");
			ret = -EINVAL;
			break;
		}
		snprintf(line, sizeof(line), "arg %s\n",
			 a == o->image ? abs : a);
		ret = buf_put(h, line, strlen(line));
	}
	snprintf(line, sizeof(line), "arg --accel\narg %s\nend\n",
		 o->accel == RUN_ACCEL_KVM ? "kvm" : "tcg");
	if (!ret)
		ret = buf_put(h, line, strlen(line));
	free(abs);
	if (!ret && h->len > SNAP_HDR) {
		warnx("--snapshot: the arguments do not fit in the header");
		ret = -E2BIG;
	}
	if (!ret)
		ret = buf_put_zeros(h, SNAP_HDR - h->len);
	return ret ? VM_EXIT_FAILURE : 0;
}

/* Read a snapshot's header: the stored arguments into *args. */
static int run_snap_read(const char *path, struct run_argv *args)
{
	char hdr[SNAP_HDR + 1], *line, *save;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, hdr, SNAP_HDR);
	const char *image = NULL;
	long long size = -1;
	char mtime[64] = "";
	bool end = false;

	if (fd >= 0)
		close(fd);
	if (n != SNAP_HDR || memcmp(hdr, SNAP_MAGIC, strlen(SNAP_MAGIC))) {
		if (fd < 0)
			warn("%s", path);
		else
			warnx("%s: not a snapshot made by kiln run --snapshot",
			      path);
		return VM_EXIT_FAILURE;
	}
	hdr[SNAP_HDR] = 0;
	run_arg(args, "run");
	for (line = strtok_r(hdr + strlen(SNAP_MAGIC), "\n", &save);
	     line && !end; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "image ", 6))
			image = line + 6;
		else if (!strncmp(line, "size ", 5))
			size = atoll(line + 5);
		else if (!strncmp(line, "mtime ", 6))
			snprintf(mtime, sizeof(mtime), "%s", line + 6);
		else if (!strncmp(line, "arg ", 4))
			run_arg(args, "%s", line + 4);
		else if (!strcmp(line, "end"))
			end = true;
	}
	struct stat st;
	char now[64];
	if (!end || !image) {
		warnx("%s: the snapshot's header is damaged", path);
		return VM_EXIT_FAILURE;
	}
	if (stat(image, &st) < 0) {
		warn("%s: the image this snapshot was saved from", image);
		return VM_EXIT_FAILURE;
	}
	snprintf(now, sizeof(now), "%lld.%09ld", (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec);
	if (st.st_size != size || strcmp(now, mtime)) {
		warnx("%s: the image changed since the snapshot %s was saved; "
		      "save a new one with kiln run --snapshot",
		      image, path);
		return VM_EXIT_FAILURE;
	}
	return 0;
}

/* Entry point of `kiln run`; returns the exit status. */
int cmd_run(int argc, char **argv)
{
	struct run_opts o = {
		.cpus = 1,
		.mem_mib = 256,
		.accel = RUN_ACCEL_AUTO,
	};
	struct run_argv qemu = {0}, stored = {0};
	struct buf hdr = {0};
	struct vm_snapshot snap = {0};
	char *snap_tmp = NULL;
	int ret;

	ret = run_parse(argc, argv, &o);
	if (!ret && o.help) {
		fputs(run_usage, stdout);
		goto out;
	}
	if (!ret && o.restore) {
		/* the VM as saved, with this run's --timeout and --monitor */
		struct run_opts r = {
			.cpus = 1, .mem_mib = 256, .accel = RUN_ACCEL_AUTO};
		ret = run_snap_read(o.restore, &stored);
		if (!ret)
			ret = run_parse((int)stored.n, stored.v, &r);
		if (!ret) {
			r.restore = o.restore;
			r.timeout = o.timeout;
			r.monitor = o.monitor;
			free(o.fwd);
			o = r;
			fprintf(stderr, "kiln: restoring %s (%s)\n", o.restore,
				o.image);
		}
	}
	if (!ret)
		ret = run_check_image(o.image, &o.disk);
	if (!ret && o.disk != DISK_KIND_OTHER)
		ret = run_check_disk(&o);
	if (!ret)
		ret = run_pick_accel(&o);
	if (!ret && o.snapshot) {
		ret = run_snap_header(&o, argc, argv, &hdr);
		if (!ret && (asprintf(&snap_tmp, "%s.tmp", o.snapshot) < 0 ||
			     util_write_atomic(snap_tmp, hdr.data, hdr.len)))
			ret = VM_EXIT_FAILURE;
		for (size_t i = 0; i < o.nfwd; i++) {
			if (!o.fwd[i].udp && !snap.port) {
				snap.host = o.fwd[i].bind;
				snap.port = o.fwd[i].host;
			}
		}
		snap.path = snap_tmp;
	}
	if (ret)
		goto out;
	ret = run_report_file(&o);
	if (ret)
		goto out;
	if (o.snapshot && !o.ctl) {
		warnx("--snapshot: no room for the control socket's path (set "
		      "TMPDIR to a shorter directory)");
		ret = VM_EXIT_FAILURE;
		unlink(o.report);
		goto out;
	}
	run_qemu_args(&qemu, &o);
	if (o.restore) {
		run_arg(&qemu, "-incoming");
		run_arg(&qemu, "exec:tail -c +%d '%s'", SNAP_HDR + 1,
			o.restore);
	}
	ret = vm_run(qemu.v, o.report, o.ctl, o.snapshot ? &snap : NULL,
		     o.timeout);
	run_argv_free(&qemu);
	unlink(o.report);
	if (o.ctl)
		unlink(o.ctl);
	if (o.snapshot) {
		if (!ret && snap.saved && rename(snap_tmp, o.snapshot) == 0) {
			fprintf(stderr,
				"kiln: snapshot %s written; kiln run --restore "
				"%s resumes it\n",
				o.snapshot, o.snapshot);
		} else {
			if (!ret) {
				warnx("--snapshot: the VM stopped before port "
				      "%u "
				      "answered; nothing was saved",
				      snap.port);
				ret = VM_EXIT_FAILURE;
			}
			unlink(snap_tmp);
		}
	}
out:
	free(o.report);
	free(o.ctl);
	free(o.env);
	free(o.fwd);
	free(snap_tmp);
	buf_free(&hdr);
	run_argv_free(&stored);
	return ret;
}
