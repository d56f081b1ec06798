// SPDX-License-Identifier: MIT
/*
 * Build progress and the size report. Sizes come from the archive just
 * written (lib/cpio.c, lib/zfile.c), so they are what the image holds:
 * "files" is the bytes of the files as the guest sees them, "stored" the
 * bytes they take in the image (headers, names, padding, compressed data).
 */
#include <string.h>
#include <sys/stat.h>

#include <kiln/image.h>

#include "lib/cpio.h"
#include "lib/zfile.h"
#include "report.h"

enum { R_ERTS, R_APP, R_LIBS, R_SHLIB, R_OTHER, R_N };

static const char *const report_names[R_N] = {
	"ERTS (erts-*/)",     "app (its lib/, releases/)",
	"OTP and other libs", "shared libraries",
	"other files",
};

void report_stage(int n, int total, const char *what)
{
	fprintf(stderr, "kiln: [%d/%d] %s\n", n, total, what);
}

static int report_kind(const char *name, const char *app)
{
	size_t al = app ? strlen(app) : 0;

	if (!strncmp(name, "app/erts-", 9))
		return R_ERTS;
	if (!strncmp(name, "app/releases", 12) ||
	    (app && !strncmp(name, "app/lib/", 8) &&
	     !strncmp(name + 8, app, al) && name[8 + al] == '-'))
		return R_APP;
	if (!strncmp(name, "app/lib/", 8))
		return R_LIBS;
	if (!strncmp(name, "usr/lib", 7) || !strncmp(name, "lib/", 4) ||
	    !strncmp(name, "lib64/", 6))
		return R_SHLIB;
	if (!app && !strncmp(name, "app/", 4))
		return R_APP;
	return R_OTHER;
}

static double report_mib(unsigned long long n)
{
	return (double)n / (1024.0 * 1024.0);
}

void report_sizes(FILE *f, const void *cpio, size_t cpio_len, size_t kernel_len,
		  size_t image_len, const char *app_name)
{
	unsigned long long files[R_N] = {0}, stored[R_N] = {0}, zfiles = 0;
	unsigned long nfiles[R_N] = {0}, total_files = 0;
	struct cpio_iter it;
	struct cpio_entry e;
	size_t off = 0;

	cpio_iter_init(&it, cpio, cpio_len);
	while (cpio_next(&it, &e) == 1) {
		int k = report_kind(e.name, app_name);
		uint64_t size = e.size;
		struct zfile_view z;

		if (S_ISREG(e.mode) && e.check == KILN_CPIO_ZSTD &&
		    !zfile_parse(e.data, e.size, &z)) {
			size = z.size;
			zfiles++;
		}
		if (S_ISREG(e.mode)) {
			nfiles[k]++;
			total_files++;
			files[k] += size;
		}
		stored[k] += it.off - off;
		off = it.off;
	}
	fprintf(f, "kiln: size report (MiB)          files   stored\n");
	fprintf(f, "kiln:   %-26s %8s %8.2f\n", "kernel", "",
		report_mib(kernel_len));
	for (int k = 0; k < R_N; k++) {
		if (!nfiles[k])
			continue;
		fprintf(f, "kiln:   %-26s %8.2f %8.2f  (%lu files)\n",
			report_names[k], report_mib(files[k]),
			report_mib(stored[k]), nfiles[k]);
	}
	fprintf(f, "kiln:   %-26s %8s %8.2f  (%llu of %lu files compressed)\n",
		"image total", "", report_mib(image_len), zfiles, total_files);
}
