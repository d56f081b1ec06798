// SPDX-License-Identifier: MIT
/*
 * `kiln libvirt IMAGE`: print a libvirt domain that boots IMAGE, for
 * `virsh define` (and so OpenStack, Proxmox, virt-manager). A disk image
 * (kiln build --format raw|qcow2) boots from a read-only virtio disk
 * through its own loader; an ELF image boots by direct kernel boot
 * (<kernel>, QEMU's -kernel, PVH). Either way: q35, ACPI (the guest powers
 * off through it when its program ends), virtio-net, virtio-rng and the
 * console on the first serial port. See docs/decisions/disk-image.md.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "disk.h"

struct lv_opts {
	const char *image;
	const char *name;
	unsigned int cpus;
	unsigned int mem_mib;
	int kvm; /* -1: auto */
	const char *net;
	const char *console;
	const char *append;
	bool help;
};

static const char lv_usage[] =
	"Usage: kiln libvirt IMAGE [OPTIONS]\n"
	"\n"
	"Print a libvirt domain (XML) that boots IMAGE, for example:\n"
	"  kiln libvirt app.qcow2 > app.xml && virsh define app.xml && "
	"virsh start app\n"
	"\n"
	"A disk image (kiln build --format raw|qcow2) boots from a read-only\n"
	"virtio disk through its own loader, as on any cloud; an ELF image\n"
	"(the default kiln build output) boots by direct kernel boot. The\n"
	"domain is q35 with ACPI: the guest powers off when its program ends\n"
	"(on_poweroff: destroy), and virsh shutdown stops it gracefully\n"
	"(SIGTERM to the program, as kiln run's Ctrl-C).\n"
	"\n"
	"Options:\n"
	"      --name NAME        domain name (default: the image's file "
	"name\n"
	"                         without its extension)\n"
	"      --cpus N           virtual CPUs (default 1)\n"
	"      --mem MiB          memory in MiB (default 256)\n"
	"      --accel auto|kvm|tcg\n"
	"                         domain type kvm or qemu (default auto: kvm "
	"if\n"
	"                         this host has it)\n"
	"      --net network:NAME|bridge:BR|user|none\n"
	"                         the virtio-net link (default "
	"network:default,\n"
	"                         libvirt's NAT network with DHCP)\n"
	"      --console pty|file:PATH\n"
	"                         the serial console: a pty for virsh console\n"
	"                         (default) or appended to a file\n"
	"      --append STR       kernel options (ELF images only; a disk "
	"takes\n"
	"                         its options from kiln build)\n"
	"  -h, --help             show this help\n";

static int lv_usage_error(const char *msg, const char *arg)
{
	fprintf(stderr,
		"kiln: %s%s%s\nTry 'kiln libvirt --help' for more "
		"information.\n",
		msg, arg ? ": " : "", arg ? arg : "");
	return CMD_EXIT_USAGE;
}

static int lv_parse(int argc, char **argv, struct lv_opts *o)
{
	static const struct option longopts[] = {
		{"name", required_argument, NULL, 'n'},
		{"cpus", required_argument, NULL, 'c'},
		{"mem", required_argument, NULL, 'm'},
		{"accel", required_argument, NULL, 'a'},
		{"net", required_argument, NULL, 'N'},
		{"console", required_argument, NULL, 'C'},
		{"append", required_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-:h", longopts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (o->image)
				return lv_usage_error("unexpected argument",
						      optarg);
			o->image = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'c':
			if (util_parse_uint(optarg, 1, 64, &o->cpus))
				return lv_usage_error("--cpus takes 1 to 64",
						      optarg);
			break;
		case 'm':
			if (util_parse_uint(optarg, 16, 1u << 20, &o->mem_mib))
				return lv_usage_error("--mem takes MiB from 16",
						      optarg);
			break;
		case 'a':
			if (!strcmp(optarg, "auto"))
				o->kvm = -1;
			else if (!strcmp(optarg, "kvm") ||
				 !strcmp(optarg, "tcg"))
				o->kvm = !strcmp(optarg, "kvm");
			else
				return lv_usage_error(
					"--accel takes auto, kvm or tcg",
					optarg);
			break;
		case 'N':
			o->net = optarg;
			break;
		case 'C':
			o->console = optarg;
			break;
		case 'A':
			o->append = optarg;
			break;
		case 'h':
			o->help = true;
			break;
		case ':':
			return lv_usage_error("option needs a value",
					      argv[optind - 1]);
		default:
			return lv_usage_error("unknown option",
					      argv[optind - 1]);
		}
	}
	if (o->help)
		return 0;
	if (!o->image)
		return lv_usage_error("missing IMAGE", NULL);
	if (strcmp(o->net, "user") && strcmp(o->net, "none") &&
	    (strncmp(o->net, "network:", 8) || !o->net[8]) &&
	    (strncmp(o->net, "bridge:", 7) || !o->net[7]))
		return lv_usage_error("--net takes network:NAME, bridge:BR, "
				      "user or none",
				      o->net);
	if (strcmp(o->console, "pty") &&
	    (strncmp(o->console, "file:", 5) || !o->console[5]))
		return lv_usage_error("--console takes pty or file:PATH",
				      o->console);
	return 0;
}

/* s with XML's five special characters escaped, to f. */
static void lv_xml(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* The default domain name: the file name up to its first dot. */
static char *lv_default_name(const char *path)
{
	char *copy = strdup(path), *base, *name, *dot;

	if (!copy)
		return NULL;
	base = basename(copy);
	name = strdup(base);
	free(copy);
	if (name && (dot = strchr(name, '.')) && dot != name)
		*dot = '\0';
	return name;
}

/* The kind of file at path: a disk, an ELF, or -1 (message given). */
static int lv_kind(const char *path, enum disk_kind *kind)
{
	unsigned char head[1024];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, head, sizeof(head));

	if (fd >= 0)
		close(fd);
	if (n < 0) {
		warn("%s: cannot read the image", path);
		return -1;
	}
	*kind = disk_kind(head, (size_t)n);
	if (*kind == DISK_KIND_OTHER && (n < 4 || memcmp(head,
							 "\x7f"
							 "ELF",
							 4))) {
		warnx("%s: neither a Kiln image nor a disk (make one with kiln "
		      "build)",
		      path);
		return -1;
	}
	return 0;
}

static void lv_print(FILE *f, const struct lv_opts *o, const char *abs,
		     enum disk_kind kind, bool kvm)
{
	fputs("<domain type='", f);
	fputs(kvm ? "kvm" : "qemu", f);
	fputs("'>\n  <name>", f);
	lv_xml(f, o->name);
	fprintf(f,
		"</name>\n"
		"  <memory unit='MiB'>%u</memory>\n"
		"  <vcpu>%u</vcpu>\n"
		"  <os>\n"
		"    <type arch='x86_64' machine='q35'>hvm</type>\n",
		o->mem_mib, o->cpus);
	if (kind == DISK_KIND_OTHER) {
		fputs("    <kernel>", f);
		lv_xml(f, abs);
		fputs("</kernel>\n", f);
		if (o->append && *o->append) {
			fputs("    <cmdline>", f);
			lv_xml(f, o->append);
			fputs("</cmdline>\n", f);
		}
	} else {
		fputs("    <boot dev='hd'/>\n", f);
	}
	fprintf(f,
		"  </os>\n"
		"  <features>\n"
		"    <acpi/>\n"
		"    <apic/>\n"
		"  </features>\n"
		"  <cpu mode='%s'/>\n"
		"  <on_poweroff>destroy</on_poweroff>\n"
		"  <on_reboot>destroy</on_reboot>\n"
		"  <on_crash>destroy</on_crash>\n"
		"  <devices>\n",
		kvm ? "host-passthrough" : "maximum");
	if (kind != DISK_KIND_OTHER) {
		fprintf(f,
			"    <disk type='file' device='disk'>\n"
			"      <driver name='qemu' type='%s'/>\n"
			"      <source file='",
			kind == DISK_KIND_RAW ? "raw" : "qcow2");
		lv_xml(f, abs);
		fputs("'/>\n"
		      "      <target dev='vda' bus='virtio'/>\n"
		      "      <readonly/>\n"
		      "    </disk>\n",
		      f);
	}
	if (strcmp(o->net, "none")) {
		const char *type = !strcmp(o->net, "user")	    ? "user"
				   : !strncmp(o->net, "bridge:", 7) ? "bridge"
								    : "network";

		fprintf(f, "    <interface type='%s'>\n", type);
		if (strcmp(type, "user")) {
			fprintf(f, "      <source %s='", type);
			lv_xml(f, strchr(o->net, ':') + 1);
			fputs("'/>\n", f);
		}
		/* no iPXE: the disk's loader boots, not the network */
		fputs("      <model type='virtio'/>\n"
		      "      <rom enabled='no'/>\n"
		      "    </interface>\n",
		      f);
	}
	if (!strcmp(o->console, "pty")) {
		fputs("    <serial type='pty'>\n", f);
	} else {
		fputs("    <serial type='file'>\n      <source path='", f);
		lv_xml(f, o->console + 5);
		fputs("' append='on'/>\n", f);
	}
	fprintf(f,
		"      <target port='0'/>\n"
		"    </serial>\n"
		"    <console type='%s'>\n"
		"      <target type='serial' port='0'/>\n"
		"    </console>\n"
		"    <rng model='virtio'>\n"
		"      <backend model='random'>/dev/urandom</backend>\n"
		"    </rng>\n"
		"    <controller type='usb' model='none'/>\n"
		"    <memballoon model='none'/>\n"
		"  </devices>\n"
		"</domain>\n",
		!strcmp(o->console, "pty") ? "pty" : "file");
}

/* Entry point of `kiln libvirt`; returns the exit status. */
int cmd_libvirt(int argc, char **argv)
{
	struct lv_opts o = {
		.cpus = 1,
		.mem_mib = 256,
		.kvm = -1,
		.net = "network:default",
		.console = "pty",
	};
	enum disk_kind kind;
	char why[128], *abs = NULL, *name = NULL;
	int ret = lv_parse(argc, argv, &o);

	if (ret)
		return ret;
	if (o.help) {
		fputs(lv_usage, stdout);
		return 0;
	}
	if (lv_kind(o.image, &kind))
		return 1;
	if (kind != DISK_KIND_OTHER && o.append) {
		warnx("%s: a disk image takes no kernel options (give them to "
		      "kiln build, or use the ELF image)",
		      o.image);
		return 1;
	}
	abs = realpath(o.image, NULL);
	if (!o.name)
		o.name = name = lv_default_name(o.image);
	if (!abs || !o.name || !*o.name) {
		warnx("%s: cannot name the image", o.image);
		ret = 1;
		goto out;
	}
	if (o.kvm < 0)
		o.kvm = run_kvm_usable(why, sizeof(why));
	lv_print(stdout, &o, abs, kind, o.kvm);
	ret = fflush(stdout) ? 1 : 0;
out:
	free(abs);
	free(name);
	return ret;
}
