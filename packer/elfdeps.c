// SPDX-License-Identifier: MIT
/*
 * The shared libraries a set of ELF programs needs (see elfdeps.h).
 *
 * elfdeps_parse() reads one file: lib/elf.c validates the headers, then
 * the dynamic section is located through its PT_DYNAMIC segment and its
 * string table through the PT_LOAD segment that maps DT_STRTAB; every
 * offset and string is bounds-checked against the file. elfdeps_add()
 * walks the closure breadth-first, resolving each DT_NEEDED name in ld.so's
 * order: DT_RPATH of the object and its loaders (if the object has no
 * DT_RUNPATH), DT_RUNPATH, the ld.so.conf directories (which is what the
 * host's ld.so.cache holds), then the built-in system directories. The
 * guest has no ld.so.cache, so a library found only through ld.so.conf is
 * reported. LD_LIBRARY_PATH and glibc-hwcaps subdirectories are not used:
 * the plain library in the directory works on every CPU.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/elf.h"
#include "elfdeps.h"
#include "util.h"

#define DT_NULL	   0
#define DT_NEEDED  1
#define DT_STRTAB  5
#define DT_STRSZ   10
#define DT_RPATH   15
#define DT_RUNPATH 29

#define ELFDEPS_MAX_CONF_DEPTH 8

static const char *const elfdeps_system_dirs[] = {"/lib/x86_64-linux-gnu",
						  "/usr/lib/x86_64-linux-gnu",
						  "/lib", "/usr/lib", NULL};

struct elf64_dyn {
	int64_t d_tag;
	uint64_t d_val;
};

/* The file offset of the string table at vaddr, through the PT_LOADs. */
static int elfdeps_strtab(const struct elf_info *info, uint64_t vaddr,
			  uint64_t size, size_t len, uint64_t *off)
{
	for (uint16_t i = 0; i < info->phnum; i++) {
		const struct elf64_phdr *ph = &info->phdr[i];

		if (ph->p_type != ELF_PT_LOAD || vaddr < ph->p_vaddr ||
		    vaddr - ph->p_vaddr >= ph->p_filesz)
			continue;
		*off = ph->p_offset + (vaddr - ph->p_vaddr);
		if (size > ph->p_filesz - (vaddr - ph->p_vaddr) || *off > len ||
		    size > len - *off)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

/* A NUL-terminated string at index idx of the string table, or NULL. */
static const char *elfdeps_str(const char *tab, uint64_t size, uint64_t idx)
{
	if (idx >= size || strnlen(tab + idx, size - idx) == size - idx)
		return NULL;
	return tab + idx;
}

/* Split a search path into dirs, replacing $ORIGIN / ${ORIGIN}. */
static void elfdeps_split_path(const char *s, const char *origin,
			       struct strv *dirs)
{
	char *copy = xstrdup(s), *save = NULL;

	for (char *e = strtok_r(copy, ":", &save); e;
	     e = strtok_r(NULL, ":", &save)) {
		const char *rest = NULL;

		if (!strncmp(e, "$ORIGIN", 7))
			rest = e + 7;
		else if (!strncmp(e, "${ORIGIN}", 9))
			rest = e + 9;
		if (rest && (*rest == '/' || !*rest))
			strv_pushf(dirs, "%s%s", origin, rest);
		else if (!strchr(e, '$'))
			strv_push(dirs, e);
		else
			warnx("warning: search path entry '%s' (in %s): only "
			      "$ORIGIN is supported, ignoring it",
			      e, origin);
	}
	free(copy);
}

/* Walk the dynamic section and collect the entries we care about. */
static int elfdeps_dynamic(const uint8_t *buf, size_t len,
			   const struct elf_info *info,
			   const struct elf64_phdr *dyn, const char *origin,
			   struct elfdeps_dyn *out, const char **why)
{
	uint64_t strtab = 0, strsz = 0, off;
	bool have_strtab = false;
	size_t n = dyn->p_filesz / sizeof(struct elf64_dyn);
	const char *tab = NULL;

	*why = "malformed dynamic section";
	if (dyn->p_offset > len || dyn->p_filesz > len - dyn->p_offset)
		return -EINVAL;
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			struct elf64_dyn d;
			const char *s;

			memcpy(&d, buf + dyn->p_offset + i * sizeof(d),
			       sizeof(d));
			if (d.d_tag == DT_NULL)
				break;
			if (pass == 0) {
				if (d.d_tag == DT_STRTAB) {
					have_strtab = true;
					strtab = d.d_val;
				}
				if (d.d_tag == DT_STRSZ)
					strsz = d.d_val;
				continue;
			}
			if (d.d_tag != DT_NEEDED && d.d_tag != DT_RPATH &&
			    d.d_tag != DT_RUNPATH)
				continue;
			s = have_strtab ? elfdeps_str(tab, strsz, d.d_val)
					: NULL;
			if (!s)
				return -EINVAL;
			if (d.d_tag == DT_NEEDED)
				strv_push(&out->needed, s);
			else
				elfdeps_split_path(s, origin,
						   d.d_tag == DT_RPATH
							   ? &out->rpath
							   : &out->runpath);
		}
		if (pass == 0 && have_strtab) {
			if (elfdeps_strtab(info, strtab, strsz, len, &off))
				return -EINVAL;
			tab = (const char *)buf + off;
		}
	}
	return 0;
}

/*
 * Read what the ELF file in buf (len bytes, 8-byte aligned) needs from
 * the dynamic loader. origin is the directory $ORIGIN stands for. Returns
 * 0, -ENOEXEC (not an x86_64 ELF program or library) or -EINVAL
 * (malformed), with *why set to a short reason.
 */
int elfdeps_parse(const void *buf, size_t len, const char *origin,
		  struct elfdeps_dyn *out, const char **why)
{
	struct elf_info info;
	const struct elf64_phdr *dyn = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = elf_parse(buf, len, &info);
	if (ret) {
		*why = ret == -ENOEXEC ? "not an x86_64 ELF program or library"
				       : "malformed ELF headers";
		return ret;
	}
	if (info.interp)
		out->interp = xstrdup(info.interp);
	for (uint16_t i = 0; i < info.phnum; i++) {
		if (info.phdr[i].p_type == ELF_PT_DYNAMIC)
			dyn = &info.phdr[i];
	}
	out->has_dynamic = dyn != NULL;
	if (dyn)
		ret = elfdeps_dynamic(buf, len, &info, dyn, origin, out, why);
	if (ret)
		elfdeps_dyn_free(out);
	return ret;
}

void elfdeps_dyn_free(struct elfdeps_dyn *d)
{
	free(d->interp);
	d->interp = NULL;
	strv_free(&d->needed);
	strv_free(&d->rpath);
	strv_free(&d->runpath);
}

/* Does path start with the ELF magic? */
bool elfdeps_is_elf(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool is = false;

	if (fd < 0)
		return false;
	is = read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0;
	close(fd);
	return is;
}

/* Is path an x86_64 ELF64 file that ld.so would accept as a library? */
static bool elfdeps_is_usable_lib(const char *path)
{
	uint8_t h[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, h, sizeof(h)) == sizeof(h) && !memcmp(h, "\177ELF", 4) &&
	     h[4] == 2 && h[5] == 1 && h[18] == ELF_EM_X86_64 && h[19] == 0;
	close(fd);
	return ok;
}

/* Read one ld.so.conf file, following "include" lines. */
static void elfdeps_read_conf(struct strv *dirs, const char *file, int depth)
{
	char *line = NULL, *copy, *confdir;
	size_t cap = 0;
	FILE *f;

	if (depth > ELFDEPS_MAX_CONF_DEPTH || !(f = fopen(file, "re")))
		return;
	copy = xstrdup(file);
	confdir = dirname(copy);
	while (getline(&line, &cap, f) > 0) {
		char *s = line, *end, *pat;
		glob_t g;

		s[strcspn(s, "#\n")] = '\0';
		s += strspn(s, " \t");
		for (end = s + strlen(s); end > s && strchr(" \t", end[-1]);)
			*--end = '\0';
		if (!*s || !strncmp(s, "hwcap ", 6))
			continue;
		if (strncmp(s, "include", 7) || (s[7] != ' ' && s[7] != '\t')) {
			strv_push(dirs, s);
			continue;
		}
		s += 8 + strspn(s + 8, " \t");
		pat = *s == '/' ? xstrdup(s) : xasprintf("%s/%s", confdir, s);
		if (glob(pat, 0, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++)
				elfdeps_read_conf(dirs, g.gl_pathv[i],
						  depth + 1);
			globfree(&g);
		}
		free(pat);
	}
	free(line);
	free(copy);
	fclose(f);
}

/* Set up a closure search: ld_so_conf (or NULL) and the system dirs. */
void elfdeps_init(struct elfdeps *d, const char *ld_so_conf)
{
	memset(d, 0, sizeof(*d));
	if (ld_so_conf)
		elfdeps_read_conf(&d->confdirs, ld_so_conf, 0);
	for (size_t i = 0; elfdeps_system_dirs[i]; i++)
		strv_push(&d->sysdirs, elfdeps_system_dirs[i]);
}

void elfdeps_free(struct elfdeps *d)
{
	strv_free(&d->confdirs);
	strv_free(&d->sysdirs);
	strv_free(&d->found);
	strv_free(&d->found_by);
	strv_free(&d->scanned);
}

/* Look for name in dirs; returns the malloc'd path or NULL. */
static char *elfdeps_search(const struct strv *dirs, const char *name)
{
	for (size_t i = 0; i < dirs->n; i++) {
		char *p = xasprintf("%s/%s", dirs->v[i], name);

		if (elfdeps_is_usable_lib(p))
			return p;
		free(p);
	}
	return NULL;
}

/* An object waiting to be read, and the RPATHs of its loaders. */
struct elfdeps_item {
	char *path;
	char *label; /* how to name it in messages */
	struct strv inherited;
};

/* Resolve name for an object with the given dynamic info. */
static char *elfdeps_resolve(struct elfdeps *d, const struct elfdeps_dyn *dyn,
			     const struct strv *inherited, const char *name,
			     const char *label)
{
	char *p = NULL, *sys;

	if (strchr(name, '/'))
		return name[0] == '/' && elfdeps_is_usable_lib(name)
			       ? xstrdup(name)
			       : NULL;
	if (!dyn->runpath.n) {
		p = elfdeps_search(&dyn->rpath, name);
		if (!p)
			p = elfdeps_search(inherited, name);
	}
	if (!p)
		p = elfdeps_search(&dyn->runpath, name);
	if (p)
		return p;
	/* The host's ld.so.cache (ld.so.conf) comes before the system dirs. */
	p = elfdeps_search(&d->confdirs, name);
	sys = elfdeps_search(&d->sysdirs, name);
	if (p && !sys)
		warnx("warning: %s (needed by %s) is found through "
		      "/etc/ld.so.conf, but the guest has no ld.so.cache: add "
		      "its directory to LD_LIBRARY_PATH with --env",
		      p, label);
	if (p) {
		free(sys);
		return p;
	}
	return sys;
}

/* Record a found library and queue it; duplicates are ignored. */
static void elfdeps_found(struct elfdeps *d, struct elfdeps_item **q,
			  size_t *nq, char *path, const char *by,
			  const struct strv *inherited)
{
	struct elfdeps_item *it;

	if (strv_contains(&d->found, path)) {
		free(path);
		return;
	}
	strv_push(&d->found, path);
	strv_push(&d->found_by, by);
	it = realloc(*q, (*nq + 1) * sizeof(**q));
	if (!it)
		err(1, "out of memory");
	*q = it;
	it = &(*q)[(*nq)++];
	memset(it, 0, sizeof(*it));
	it->path = path;
	it->label = xstrdup(path);
	if (inherited)
		strv_pushv(&it->inherited, inherited);
}

/*
 * Read the queued object (*q)[idx] and queue what it needs. The queue may
 * move while this runs, so the item is copied first.
 */
static int elfdeps_visit(struct elfdeps *d, size_t idx, bool strict,
			 struct elfdeps_item **q, size_t *nq)
{
	struct elfdeps_dyn dyn;
	struct buf b = {0};
	char real[PATH_MAX], *origin, *path, *label;
	const char *why;
	struct strv inh = {0}, loaders = {0};
	int ret;

	if (!realpath((*q)[idx].path, real) || strv_contains(&d->scanned, real))
		return 0;
	strv_push(&d->scanned, real);
	path = xstrdup((*q)[idx].path);
	label = xstrdup((*q)[idx].label);
	strv_pushv(&loaders, &(*q)[idx].inherited);
	ret = util_read_file(path, &b);
	if (ret)
		goto out;
	origin = xstrdup(path);
	ret = elfdeps_parse(b.data, b.len, dirname(origin), &dyn, &why);
	buf_free(&b);
	free(origin);
	if (ret && idx == 0 && !strict) {
		warnx("warning: %s: %s; copied as is, without the libraries "
		      "it may need",
		      label, why);
		ret = 0;
		goto out;
	}
	if (ret) {
		warnx("%s: %s (is the file damaged?)", label, why);
		goto out;
	}
	if (dyn.interp)
		elfdeps_found(d, q, nq, xstrdup(dyn.interp), label, NULL);
	/* What this object's own dependencies inherit: its RPATH first. */
	if (!dyn.runpath.n)
		strv_pushv(&inh, &dyn.rpath);
	strv_pushv(&inh, &loaders);
	for (size_t i = 0; !ret && i < dyn.needed.n; i++) {
		char *p = elfdeps_resolve(d, &dyn, &loaders, dyn.needed.v[i],
					  label);

		if (!p) {
			warnx("%s: needs %s, which is not on this host's "
			      "library path (install the package that "
			      "provides it, or --add it)",
			      label, dyn.needed.v[i]);
			ret = -ENOENT;
		} else {
			elfdeps_found(d, q, nq, p, label, &inh);
		}
	}
	elfdeps_dyn_free(&dyn);
out:
	strv_free(&inh);
	strv_free(&loaders);
	free(path);
	free(label);
	return ret;
}

/*
 * Add the ELF file path (named label in messages) and everything it needs
 * to the closure. If the file itself cannot be parsed, strict makes that
 * an error; otherwise it is a warning and the file is taken as is. A
 * needed library that cannot be found is always an error. Returns 0 or
 * -errno, having printed why.
 */
int elfdeps_add(struct elfdeps *d, const char *path, const char *label,
		bool strict)
{
	struct elfdeps_item *q = calloc(1, sizeof(*q));
	size_t nq = 1;
	int ret = 0;

	if (!q)
		err(1, "out of memory");
	q[0].path = xstrdup(path);
	q[0].label = xstrdup(label);
	for (size_t i = 0; !ret && i < nq; i++)
		ret = elfdeps_visit(d, i, strict, &q, &nq);
	for (size_t i = 0; i < nq; i++) {
		free(q[i].path);
		free(q[i].label);
		strv_free(&q[i].inherited);
	}
	free(q);
	return ret;
}
