// SPDX-License-Identifier: MIT
/*
 * /init of the Linux-microVM baseline (bench/http): the smallest user space
 * that gives beam.smp what Kiln gives it, then execs it as PID 1, as Kiln
 * does.
 *
 *   1. mounts /proc, /sys, /dev (devtmpfs) and /tmp (tmpfs);
 *   2. brings up lo (127.0.0.1/8) and eth0 with the address from the kernel
 *      command line's Kiln network options, ip=A.B.C.D/N and gw=A.B.C.D
 *      (default 10.0.2.15/24 via 10.0.2.2, QEMU user networking), and sets
 *      the host name from hostname= (default "kiln", as Kiln);
 *   3. loads the kernel modules listed in /.bench/modules, if any (one path
 *      a line, in order: only for a distribution kernel with virtio as
 *      modules; the tinyconfig kernel has everything built in);
 *   4. reads the program's argv and environment from /.bench/argv and
 *      /.bench/envp (NUL-separated: the strings `kiln build` stored in the
 *      Kiln image, extracted by mkinitramfs.py), changes to $PWD, and execs.
 *
 * Static (musl-gcc -static), no libc beyond syscalls wrappers; any failure
 * prints one line and exits, which panics the kernel (and QEMU, started
 * with -no-reboot, stops).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_STRINGS 1024
#define MAX_FILE    (256 * 1024)

static void die(const char *what)
{
	fprintf(stderr, "init: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void set_addr(struct sockaddr *sa, in_addr_t a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = a;
}

/* Give interface name address addr/prefix and bring it up. */
static void if_up(int fd, const char *name, in_addr_t addr, int prefix)
{
	struct ifreq ifr;
	in_addr_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	set_addr(&ifr.ifr_addr, addr);
	if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
		die(name);
	set_addr(&ifr.ifr_netmask, mask);
	if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
		die(name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die(name);
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		die(name);
}

static void default_route(int fd, in_addr_t gw)
{
	struct rtentry rt;

	memset(&rt, 0, sizeof(rt));
	set_addr(&rt.rt_dst, INADDR_ANY);
	set_addr(&rt.rt_genmask, INADDR_ANY);
	set_addr(&rt.rt_gateway, gw);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	if (ioctl(fd, SIOCADDRT, &rt) < 0)
		die("default route");
}

/* Read a whole small file into a NUL-terminated malloc'd buffer. */
static char *slurp(const char *path, size_t *len)
{
	char *buf = malloc(MAX_FILE + 1);
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!buf || fd < 0)
		die(path);
	while (n < MAX_FILE && (r = read(fd, buf + n, MAX_FILE - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Split NUL-separated strings into a NULL-terminated vector. */
static char **split(char *buf, size_t len)
{
	char **v = calloc(MAX_STRINGS + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		die("calloc");
	for (size_t i = 0; i < len && n < MAX_STRINGS; i += strlen(buf + i) + 1)
		v[n++] = buf + i;
	return v;
}

/* The value of kernel option key= on the command line, or def. */
static const char *cmdline_opt(const char *cmdline, const char *key,
			       const char *def)
{
	static char val[256];
	size_t klen = strlen(key);

	for (const char *p = cmdline; *p;) {
		size_t n = strcspn(p, " \n");

		if (n > klen && !strncmp(p, key, klen) && p[klen] == '=' &&
		    n - klen - 1 < sizeof(val)) {
			memcpy(val, p + klen + 1, n - klen - 1);
			val[n - klen - 1] = '\0';
			return val;
		}
		p += n;
		p += strspn(p, " \n");
	}
	return def;
}

/* finit_module every path listed (one a line) in /.bench/modules. */
static void load_modules(void)
{
	size_t len;
	char *list, *path, *save;

	if (access("/.bench/modules", R_OK) < 0)
		return;
	list = slurp("/.bench/modules", &len);
	for (path = strtok_r(list, "\n", &save); path;
	     path = strtok_r(NULL, "\n", &save)) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) < 0)
			die(path);
		close(fd);
	}
	free(list);
}

static void network(const char *cmdline)
{
	char ip[64];
	const char *gw, *host;
	char *slash;
	int prefix = 24;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if_up(fd, "lo", htonl(INADDR_LOOPBACK), 8);
	snprintf(ip, sizeof(ip), "%s",
		 cmdline_opt(cmdline, "ip", "10.0.2.15/24"));
	slash = strchr(ip, '/');
	if (slash) {
		*slash = '\0';
		prefix = atoi(slash + 1);
	}
	if_up(fd, "eth0", inet_addr(ip), prefix);
	gw = cmdline_opt(cmdline, "gw",
			 strcmp(ip, "10.0.2.15") ? NULL : "10.0.2.2");
	if (gw)
		default_route(fd, inet_addr(gw));
	close(fd);
	host = cmdline_opt(cmdline, "hostname", "kiln");
	sethostname(host, strlen(host));
}

int main(void)
{
	size_t clen, alen, elen;
	char *cmdline, *buf, **argv, **envp;

	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	if (mount("proc", "/proc", "proc", 0, NULL) < 0)
		die("mount /proc");
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
		die("mount /sys");
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0 &&
	    errno != EBUSY)
		die("mount /dev");
	if (mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777") < 0)
		die("mount /tmp");
	load_modules();
	cmdline = slurp("/proc/cmdline", &clen);
	network(cmdline);
	buf = slurp("/.bench/argv", &alen);
	argv = split(buf, alen);
	buf = slurp("/.bench/envp", &elen);
	envp = split(buf, elen);
	if (!argv[0]) {
		errno = EINVAL;
		die("/.bench/argv is empty");
	}
	for (char **e = envp; *e; e++)
		if (!strncmp(*e, "PWD=", 4) && chdir(*e + 4) < 0)
			die(*e);
	/* the kernel's part of boot, for bench/product: uptime at exec */
	char up[64] = "?";
	int ufd = open("/proc/uptime", O_RDONLY);
	if (ufd >= 0) {
		ssize_t n = read(ufd, up, sizeof(up) - 1);
		up[n > 0 ? n : 0] = 0;
		up[strcspn(up, " \n")] = 0;
		close(ufd);
	}
	fprintf(stderr, "init: exec %s at %s s\n", argv[0], up);
	execve(argv[0], argv, envp);
	die(argv[0]);
}
