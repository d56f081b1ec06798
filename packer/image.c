// SPDX-License-Identifier: MIT
/*
 * Building and reading Kiln images (format: include/kiln/image.h).
 *
 * An image is the kernel ELF, unchanged except for its ELF header (e_phoff,
 * e_phnum) and its .kiln_desc boot descriptor, followed by the page-aligned
 * payload and a new program header table: the kernel's entries plus one
 * PT_LOAD that makes the loader place the payload at a 2 MiB-aligned
 * physical address above the kernel. The payload is struct
 * kiln_payload_hdr, the argv, envp and cmdline strings, and the rootfs cpio
 * archive at a page-aligned offset.
 *
 * image_parse() is the inverse and checks everything the kernel relies on;
 * `kiln inspect`, `kiln run` and the unit tests use it.
 */
#include <err.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cpio.h"
#include "lib/zfile.h"
#include "image.h"
#include "report.h"

#define IMAGE_SHT_NOBITS 8

/* Append n strings, each with its NUL; *size gets the byte count. */
static int image_put_strings(struct buf *out, const char *const *s, size_t n,
			     uint64_t *size)
{
	size_t start = out->len;
	int ret;

	for (size_t i = 0; i < n; i++) {
		ret = buf_put(out, s[i], strlen(s[i]) + 1);
		if (ret)
			return ret;
	}
	*size = out->len - start;
	return 0;
}

/*
 * Lay out the payload in out (which must be empty): header, argv, envp and
 * cmdline strings, then the cpio archive at a page-aligned offset.
 */
int image_build_payload(struct buf *out, const struct image_args *args,
			const void *cpio, size_t cpio_size)
{
	struct kiln_payload_hdr hdr = {
		.magic = KILN_PAYLOAD_MAGIC,
		.version = KILN_IMAGE_VERSION,
		.hdr_size = sizeof(hdr),
	};
	const char *cmdline = args->cmdline ? args->cmdline : "";
	int ret;

	if (out->len != 0 || args->argc == 0)
		return -EINVAL;
	ret = buf_put_zeros(out, sizeof(hdr));
	hdr.argv_off = out->len;
	if (!ret)
		ret = image_put_strings(out, args->argv, args->argc,
					&hdr.argv_size);
	hdr.envp_off = out->len;
	if (!ret)
		ret = image_put_strings(out, args->envp, args->envc,
					&hdr.envp_size);
	hdr.cmdline_off = out->len;
	if (!ret)
		ret = image_put_strings(out, &cmdline, 1, &hdr.cmdline_size);
	if (!ret)
		ret = buf_align(out, IMAGE_PAGE_SIZE);
	hdr.cpio_off = out->len;
	hdr.cpio_size = cpio_size;
	if (!ret)
		ret = buf_put(out, cpio, cpio_size);
	if (ret)
		return ret;
	memcpy(out->data, &hdr, sizeof(hdr));
	return 0;
}

/*
 * Find and check the kernel's boot descriptor; *desc_off gets its file
 * offset. Prints why the kernel is unusable, naming it.
 */
static int image_find_desc(const char *name, const void *kernel, size_t size,
			   struct kiln_boot_desc *desc, uint64_t *desc_off)
{
	const struct elf64_shdr *sh;
	int ret;

	ret = elf_find_section(kernel, size, KILN_DESC_SECTION, &sh);
	if (ret == -ENOENT || (!ret && (sh->sh_type == IMAGE_SHT_NOBITS ||
					sh->sh_size < sizeof(*desc)))) {
		warnx("%s: not a Kiln kernel (no .kiln_desc section); pass the "
		      "kernel.elf built by make with --kernel",
		      name);
		return -ENOEXEC;
	}
	if (ret) {
		warnx("%s: corrupt ELF section headers; rebuild the kernel",
		      name);
		return ret;
	}
	memcpy(desc, (const uint8_t *)kernel + sh->sh_offset, sizeof(*desc));
	if (desc->magic != KILN_DESC_MAGIC) {
		warnx("%s: not a Kiln kernel (no .kiln_desc section with the "
		      "KILNDESC magic); pass the kernel.elf built by make",
		      name);
		return -ENOEXEC;
	}
	if (desc->version != KILN_IMAGE_VERSION) {
		warnx("%s: image format version %u, but this kiln writes "
		      "version %u; rebuild kiln and the kernel together",
		      name, desc->version, KILN_IMAGE_VERSION);
		return -ENOEXEC;
	}
	if (desc->payload_size != 0 || desc->payload_paddr != 0) {
		warnx("%s: already contains a payload (it is an image made by "
		      "kiln build); pass the plain kernel.elf instead",
		      name);
		return -EEXIST;
	}
	*desc_off = sh->sh_offset;
	return 0;
}

/* The first 2 MiB-aligned physical address above every kernel PT_LOAD. */
static int image_payload_paddr(const struct elf_info *ki, uint64_t *paddr)
{
	uint64_t top = 0;

	for (uint16_t i = 0; i < ki->phnum; i++) {
		const struct elf64_phdr *ph = &ki->phdr[i];

		if (ph->p_type != ELF_PT_LOAD)
			continue;
		if (ph->p_paddr > UINT64_MAX - ph->p_memsz)
			return -EOVERFLOW;
		if (ph->p_paddr + ph->p_memsz > top)
			top = ph->p_paddr + ph->p_memsz;
	}
	return util_align_up(top, IMAGE_PAYLOAD_ALIGN, paddr);
}

/* Append the kernel's program headers plus the payload's PT_LOAD. */
static int image_put_phdrs(struct buf *out, const struct elf_info *ki,
			   uint64_t payload_off, uint64_t paddr,
			   uint64_t payload_size)
{
	struct elf64_phdr ph = {
		.p_type = ELF_PT_LOAD,
		.p_flags = ELF_PF_R,
		.p_offset = payload_off,
		.p_vaddr = paddr,
		.p_paddr = paddr,
		.p_filesz = payload_size,
		.p_memsz = payload_size,
		.p_align = IMAGE_PAGE_SIZE,
	};
	int ret;

	ret = buf_put(out, ki->phdr, (size_t)ki->phnum * sizeof(ph));
	if (!ret)
		ret = buf_put(out, &ph, sizeof(ph));
	return ret;
}

/*
 * Build the image in out (which must be empty) from the kernel ELF (named
 * kernel_name in messages) and a payload made by image_build_payload().
 */
int image_assemble(struct buf *out, const char *kernel_name, const void *kernel,
		   size_t kernel_size, const void *payload, size_t payload_size)
{
	struct kiln_boot_desc desc;
	struct elf64_ehdr eh;
	struct elf_info ki;
	uint64_t desc_off, paddr, payload_off, phoff;
	int ret;

	if (out->len != 0 || payload_size == 0)
		return -EINVAL;
	ret = elf_parse(kernel, kernel_size, &ki);
	if (ret) {
		warnx("%s: not a valid x86_64 ELF executable (%s); pass the "
		      "kernel.elf built by make",
		      kernel_name, strerror(-ret));
		return ret;
	}
	ret = image_find_desc(kernel_name, kernel, kernel_size, &desc,
			      &desc_off);
	if (ret)
		return ret;
	if (ki.phnum >= 0xfffe || image_payload_paddr(&ki, &paddr)) {
		warnx("%s: unusable program headers; rebuild the kernel",
		      kernel_name);
		return -EINVAL;
	}

	ret = buf_put(out, kernel, kernel_size);
	if (!ret)
		ret = buf_align(out, IMAGE_PAGE_SIZE);
	payload_off = out->len;
	if (!ret)
		ret = buf_put(out, payload, payload_size);
	if (!ret)
		ret = buf_align(out, 8);
	phoff = out->len;
	if (!ret)
		ret = image_put_phdrs(out, &ki, payload_off, paddr,
				      payload_size);
	if (ret)
		return ret;

	memcpy(&eh, out->data, sizeof(eh));
	eh.e_phoff = phoff;
	eh.e_phnum = ki.phnum + 1;
	memcpy(out->data, &eh, sizeof(eh));
	desc.payload_paddr = paddr;
	desc.payload_size = payload_size;
	memcpy(out->data + desc_off, &desc, sizeof(desc));
	return 0;
}

/* Is [off, off+size) inside [0, len)? */
static bool image_in_bounds(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

/* Count the NUL-terminated strings in [s, s+size); -1 if malformed. */
static long image_count_strings(const char *s, uint64_t size, bool nonempty)
{
	long n = 0;

	if (size == 0)
		return nonempty ? -1 : 0;
	if (s[size - 1] != '\0')
		return -1;
	for (uint64_t i = 0; i < size; i++)
		n += s[i] == '\0';
	return n;
}

/* Find the descriptor and the payload's PT_LOAD (the last program header). */
static int image_parse_elf(const void *buf, size_t len, struct image_view *v,
			   const char **why)
{
	const struct elf64_shdr *sh;
	const struct elf64_phdr *ph;
	struct elf_info ei;

	if (elf_parse(buf, len, &ei)) {
		*why = "not a valid x86_64 ELF file";
		return -ENOEXEC;
	}
	if (elf_find_section(buf, len, KILN_DESC_SECTION, &sh) ||
	    sh->sh_type == IMAGE_SHT_NOBITS || sh->sh_size < sizeof(v->desc)) {
		*why = "no .kiln_desc section (not a Kiln kernel)";
		return -ENOEXEC;
	}
	memcpy(&v->desc, (const uint8_t *)buf + sh->sh_offset, sizeof(v->desc));
	if (v->desc.magic != KILN_DESC_MAGIC ||
	    v->desc.version != KILN_IMAGE_VERSION) {
		*why = "bad .kiln_desc magic or version";
		return -ENOEXEC;
	}
	if (v->desc.payload_size == 0 || v->desc.payload_paddr == 0) {
		*why = "no payload (a bare kernel, not made by kiln build)";
		return -ENOENT;
	}
	ph = &ei.phdr[ei.phnum - 1];
	if (ph->p_type != ELF_PT_LOAD || ph->p_paddr != v->desc.payload_paddr ||
	    ph->p_vaddr != ph->p_paddr ||
	    ph->p_filesz != v->desc.payload_size ||
	    ph->p_memsz != ph->p_filesz || ph->p_offset % IMAGE_PAGE_SIZE ||
	    ph->p_paddr % IMAGE_PAYLOAD_ALIGN) {
		*why = "the last program header is not the payload's PT_LOAD";
		return -EINVAL;
	}
	v->payload_phdr = ph;
	v->payload = (const uint8_t *)buf + ph->p_offset;
	v->payload_size = ph->p_filesz;
	return 0;
}

/* Check the payload header and its three string areas. */
static int image_parse_hdr(struct image_view *v, const char **why)
{
	struct kiln_payload_hdr *h = &v->hdr;
	const char *p = (const char *)v->payload;
	long argc, envc, ncmd;

	if (v->payload_size < sizeof(*h)) {
		*why = "payload smaller than its header";
		return -EINVAL;
	}
	memcpy(h, v->payload, sizeof(*h));
	if (h->magic != KILN_PAYLOAD_MAGIC ||
	    h->version != KILN_IMAGE_VERSION || h->hdr_size < sizeof(*h)) {
		*why = "bad payload header magic, version or size";
		return -EINVAL;
	}
	if (!image_in_bounds(h->argv_off, h->argv_size, v->payload_size) ||
	    !image_in_bounds(h->envp_off, h->envp_size, v->payload_size) ||
	    !image_in_bounds(h->cmdline_off, h->cmdline_size,
			     v->payload_size) ||
	    !image_in_bounds(h->cpio_off, h->cpio_size, v->payload_size) ||
	    h->cpio_off % IMAGE_PAGE_SIZE) {
		*why = "payload header offsets out of bounds or misaligned";
		return -EINVAL;
	}
	argc = image_count_strings(p + h->argv_off, h->argv_size, true);
	envc = image_count_strings(p + h->envp_off, h->envp_size, false);
	ncmd = image_count_strings(p + h->cmdline_off, h->cmdline_size, true);
	if (argc < 1 || envc < 0 || ncmd != 1) {
		*why = "argv, envp or cmdline strings not NUL-terminated";
		return -EINVAL;
	}
	v->argv = p + h->argv_off;
	v->argc = (size_t)argc;
	v->envp = p + h->envp_off;
	v->envc = (size_t)envc;
	v->cmdline = p + h->cmdline_off;
	v->cpio = v->payload + h->cpio_off;
	v->cpio_size = h->cpio_size;
	return 0;
}

/*
 * Walk the archive to the trailer; file data must be page-aligned, or
 * compressed with a valid chunk table (as the kernel checks at boot).
 */
static int image_parse_cpio(struct image_view *v, const char **why)
{
	struct cpio_iter it;
	struct cpio_entry e;
	struct zfile_view z;
	int ret;

	v->nfiles = 0;
	cpio_iter_init(&it, v->cpio, v->cpio_size);
	while ((ret = cpio_next(&it, &e)) == 1) {
		if (S_ISREG(e.mode) && e.check == KILN_CPIO_ZSTD) {
			if (zfile_parse(e.data, e.size, &z)) {
				*why = "a compressed file's chunk table is "
				       "malformed";
				return -EINVAL;
			}
		} else if (S_ISREG(e.mode) && e.size > 0 &&
			   (v->hdr.cpio_off + e.data_off) % IMAGE_PAGE_SIZE) {
			*why = "a regular file's data is not page-aligned";
			return -EINVAL;
		}
		v->nfiles++;
	}
	if (ret < 0) {
		*why = "malformed or truncated cpio archive";
		return ret;
	}
	return 0;
}

/*
 * Parse the image of len bytes at buf (8-byte aligned) into *v. Returns 0,
 * or -errno with *why set to a short explanation.
 */
int image_parse(const void *buf, size_t len, struct image_view *v,
		const char **why)
{
	const char *dummy;
	int ret;

	if (!why)
		why = &dummy;
	memset(v, 0, sizeof(*v));
	ret = image_parse_elf(buf, len, v, why);
	if (!ret)
		ret = image_parse_hdr(v, why);
	if (!ret)
		ret = image_parse_cpio(v, why);
	return ret;
}

int image_write(const char *output, const char *kernel_path,
		const struct image_args *args, const struct buf *cpio,
		const char *app_name)
{
	struct buf payload = {0}, kernel = {0}, image = {0};
	int ret = image_build_payload(&payload, args, cpio->data, cpio->len);

	if (!ret) {
		ret = util_read_file(kernel_path, &kernel);
		if (ret == -ENOENT)
			warnx("hint: build the kernel with make, or pass "
			      "--kernel PATH or set KILN_KERNEL");
	}
	if (!ret)
		ret = image_assemble(&image, kernel_path, kernel.data,
				     kernel.len, payload.data, payload.len);
	if (!ret)
		ret = disk_write(output, &image, args->format);
	if (!ret) {
		struct stat st;

		report_sizes(stderr, cpio->data, cpio->len, kernel.len,
			     image.len, app_name);
		fprintf(stderr, "kiln: wrote %s (%lld KiB%s)\n", output,
			stat(output, &st) ? 0LL : (long long)st.st_size >> 10,
			args->format == DISK_FORMAT_RAW	    ? ", raw disk"
			: args->format == DISK_FORMAT_QCOW2 ? ", qcow2 disk"
							    : "");
	}
	buf_free(&payload);
	buf_free(&kernel);
	buf_free(&image);
	return ret;
}
