// SPDX-License-Identifier: MIT
/*
 * `kiln inspect IMAGE`: check an image the way the kernel will read it
 * (image_parse) and print what it holds: the payload's place, argv, the
 * environment, the default kernel options, the boot services and the
 * rootfs listing.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cpio.h"
#include "lib/zfile.h"
#include "cmd.h"
#include "image.h"

static const char inspect_usage[] =
	"Usage: kiln inspect IMAGE\n"
	"\n"
	"Check IMAGE (made by kiln build, an ELF image or a raw disk) and "
	"print its program, environment,\n"
	"kernel options and root filesystem listing.\n";

/* Print n NUL-terminated strings from s, one per line, after a label. */
static void inspect_strings(const char *label, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		printf("%s[%zu] %s\n", label, i, s);
		s += strlen(s) + 1;
	}
}

/* Print the rootfs listing: mode, size, name (and symlink target). */
static void inspect_cpio(const struct image_view *v)
{
	struct cpio_iter it;
	struct cpio_entry e;

	cpio_iter_init(&it, v->cpio, v->cpio_size);
	while (cpio_next(&it, &e) == 1) {
		struct zfile_view z;
		bool zstd = S_ISREG(e.mode) && e.check == KILN_CPIO_ZSTD;

		if (zstd && zfile_parse(e.data, e.size, &z)) {
			printf("%07o %10s /%s (compressed data malformed)\n",
			       e.mode, "?", e.name);
			continue;
		}
		printf("%07o %10llu /%s", e.mode,
		       (unsigned long long)(zstd ? z.size : e.size), e.name);
		if (zstd)
			printf(" (zstd %llu)", (unsigned long long)e.size);
		if (S_ISLNK(e.mode))
			printf(" -> %.*s", (int)e.size, (const char *)e.data);
		printf("\n");
	}
}

/*
 * Print the boot services (/.kiln/services, started by the kernel before
 * the program: a distributed release's epmd), one "service[N]" per line.
 */
static void inspect_services(const struct image_view *v)
{
	struct cpio_iter it;
	struct cpio_entry e;
	size_t n = 0;

	cpio_iter_init(&it, v->cpio, v->cpio_size);
	while (cpio_next(&it, &e) == 1) {
		const char *p, *end, *nl;

		if (strcmp(e.name, ".kiln/services") || !S_ISREG(e.mode))
			continue;
		p = (const char *)e.data;
		end = p + e.size;
		for (; p < end; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (!nl)
				nl = end;
			if (nl > p && *p != '#')
				printf("service[%zu] %.*s\n", n++,
				       (int)(nl - p), p);
		}
	}
	if (!n)
		printf("services: none\n");
}

/* Entry point of `kiln inspect`; returns the exit status. */
int cmd_inspect(int argc, char **argv)
{
	struct buf image = {0};
	struct image_view v;
	const char *why;
	const void *img;
	size_t img_len;

	if (argc == 2 &&
	    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(inspect_usage, stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "%sTry 'kiln inspect --help'.\n",
			inspect_usage);
		return CMD_EXIT_USAGE;
	}
	if (util_read_file(argv[1], &image))
		return 1;
	img = image.data;
	img_len = image.len;
	switch (disk_kind(image.data, image.len)) {
	case DISK_KIND_QCOW2:
		warnx("%s: a qcow2 disk: kiln inspect reads raw disks and ELF "
		      "images (qemu-img convert -O raw %s DISK.raw)",
		      argv[1], argv[1]);
		buf_free(&image);
		return 1;
	case DISK_KIND_RAW:
		if (!disk_image(image.data, image.len, &img, &img_len)) {
			warnx("%s: a raw disk whose parameter sector names no "
			      "image (rebuild it with kiln build)",
			      argv[1]);
			buf_free(&image);
			return 1;
		}
		printf("raw disk: %zu bytes, the image at LBA 8, %zu bytes\n",
		       image.len, img_len);
		break;
	case DISK_KIND_OTHER:
		break;
	}
	if (image_parse(img, img_len, &v, &why)) {
		warnx("%s: not a valid Kiln image: %s (rebuild it with kiln "
		      "build)",
		      argv[1], why);
		buf_free(&image);
		return 1;
	}
	printf("payload: paddr 0x%llx, %zu bytes at file offset 0x%llx\n",
	       (unsigned long long)v.desc.payload_paddr, v.payload_size,
	       (unsigned long long)v.payload_phdr->p_offset);
	inspect_strings("argv", v.argv, v.argc);
	inspect_strings("env", v.envp, v.envc);
	printf("cmdline: %s\n", v.cmdline);
	inspect_services(&v);
	printf("rootfs: %zu entries, %zu bytes\n", v.nfiles, v.cpio_size);
	inspect_cpio(&v);
	buf_free(&image);
	return 0;
}
