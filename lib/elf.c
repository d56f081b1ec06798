// SPDX-License-Identifier: MIT
/*
 * Validating ELF64 x86_64 parser, shared by the kernel's program loader and
 * the packer (which reads the kernel's own ELF).
 *
 * elf_parse() checks the file header and then every program header against
 * the buffer, so that callers may use the segments it describes without
 * further checks. elf_find_section() does the same for the section header
 * table and the section name string table. Every value is untrusted: each
 * offset is checked against the buffer length and each sum for overflow.
 *
 * The returned pointers point into the caller's buffer and are dereferenced
 * as structs, so the buffer must be 8-byte aligned (file data in the kernel
 * is page-aligned, malloc'd buffers are 16-byte aligned); tables at an
 * unaligned offset are rejected as malformed.
 */
#include "elf.h"

#define ELF_EI_CLASS   4
#define ELF_EI_DATA    5
#define ELF_CLASS64    2
#define ELF_DATA2LSB   1
#define ELF_SHT_NOBITS 8
#define ELF_SHN_XINDEX 0xffff
#define ELF_PAGE_SIZE  4096ULL

/* Is [off, off+size) inside a buffer of len bytes, without overflow? */
static bool elf_in_bounds(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

static bool elf_is_aligned_ptr(const void *p, size_t align)
{
	return ((uintptr_t)p & (align - 1)) == 0;
}

/*
 * Check the file header: -ENOEXEC if this is not an ELF64 little-endian
 * x86_64 executable or shared object, -EINVAL if the buffer is unusable.
 */
static int elf_check_ehdr(const void *buf, size_t len)
{
	const struct elf64_ehdr *eh = buf;
	const uint8_t *ident = buf;

	if (!buf || len < sizeof(*eh))
		return -ENOEXEC;
	if (memcmp(ident, "\177ELF", 4) != 0 ||
	    ident[ELF_EI_CLASS] != ELF_CLASS64 ||
	    ident[ELF_EI_DATA] != ELF_DATA2LSB)
		return -ENOEXEC;
	/* Only now may the header be read as a struct. */
	if (!elf_is_aligned_ptr(buf, 8))
		return -EINVAL;
	if (eh->e_machine != ELF_EM_X86_64)
		return -ENOEXEC;
	if (eh->e_type != ELF_ET_EXEC && eh->e_type != ELF_ET_DYN)
		return -ENOEXEC;
	return 0;
}

/* Check one PT_LOAD segment: file range, sizes, address range, alignment. */
static int elf_check_load(const struct elf64_phdr *ph, uint64_t len)
{
	if (!elf_in_bounds(ph->p_offset, ph->p_filesz, len))
		return -EINVAL;
	if (ph->p_filesz > ph->p_memsz)
		return -EINVAL;
	if (ph->p_vaddr > UINT64_MAX - ph->p_memsz)
		return -EINVAL;
	/* The page-aligned end must be representable too. */
	if (ph->p_vaddr + ph->p_memsz > UINT64_MAX - (ELF_PAGE_SIZE - 1))
		return -EINVAL;
	if (ph->p_align > 1) {
		if (ph->p_align & (ph->p_align - 1))
			return -EINVAL;
		if ((ph->p_offset & (ph->p_align - 1)) !=
		    (ph->p_vaddr & (ph->p_align - 1)))
			return -EINVAL;
	}
	return 0;
}

/* Check a PT_INTERP segment and return its path through *interp. */
static int elf_check_interp(const void *buf, size_t len,
			    const struct elf64_phdr *ph, const char **interp)
{
	const char *s;

	if (*interp)
		return -EINVAL; /* more than one PT_INTERP */
	if (ph->p_filesz == 0 ||
	    !elf_in_bounds(ph->p_offset, ph->p_filesz, len))
		return -EINVAL;
	s = (const char *)buf + ph->p_offset;
	if (strnlen(s, ph->p_filesz) == ph->p_filesz)
		return -EINVAL; /* not NUL-terminated */
	*interp = s;
	return 0;
}

/* Fold one PT_LOAD into the page-aligned [min_vaddr, max_vaddr) range. */
static void elf_account_load(struct elf_info *info, const struct elf64_phdr *ph,
			     bool first)
{
	uint64_t lo = ph->p_vaddr & ~(ELF_PAGE_SIZE - 1);
	uint64_t hi = (ph->p_vaddr + ph->p_memsz + ELF_PAGE_SIZE - 1) &
		      ~(ELF_PAGE_SIZE - 1);

	if (first || lo < info->min_vaddr)
		info->min_vaddr = lo;
	if (first || hi > info->max_vaddr)
		info->max_vaddr = hi;
}

/*
 * Without PT_PHDR, the program headers are still visible to the program
 * if a PT_LOAD maps the file range that holds them; return their vaddr
 * there, or 0.
 */
static uint64_t elf_phdr_vaddr_from_loads(const struct elf_info *info)
{
	uint64_t phoff = info->ehdr->e_phoff;
	uint64_t phsize = (uint64_t)info->phnum * sizeof(struct elf64_phdr);

	for (uint16_t i = 0; i < info->phnum; i++) {
		const struct elf64_phdr *ph = &info->phdr[i];

		if (ph->p_type != ELF_PT_LOAD || phoff < ph->p_offset)
			continue;
		if (phoff - ph->p_offset > ph->p_filesz ||
		    phsize > ph->p_filesz - (phoff - ph->p_offset))
			continue;
		return ph->p_vaddr + (phoff - ph->p_offset);
	}
	return 0;
}

/* Validate every program header and fill in the derived fields of info. */
static int elf_scan_phdrs(const void *buf, size_t len, uint64_t file_size,
			  struct elf_info *info)
{
	bool have_load = false, have_phdr = false;
	int ret;

	for (uint16_t i = 0; i < info->phnum; i++) {
		const struct elf64_phdr *ph = &info->phdr[i];

		switch (ph->p_type) {
		case ELF_PT_LOAD:
			ret = elf_check_load(ph, file_size);
			if (ret)
				return ret;
			elf_account_load(info, ph, !have_load);
			have_load = true;
			break;
		case ELF_PT_INTERP:
			ret = elf_check_interp(buf, len, ph, &info->interp);
			if (ret)
				return ret;
			break;
		case ELF_PT_PHDR:
			info->phdr_vaddr = ph->p_vaddr;
			have_phdr = true;
			break;
		case ELF_PT_GNU_STACK:
			info->exec_stack = (ph->p_flags & ELF_PF_X) != 0;
			break;
		default:
			break;
		}
	}
	if (!have_load)
		return -EINVAL;
	if (!have_phdr)
		info->phdr_vaddr = elf_phdr_vaddr_from_loads(info);
	return 0;
}

/*
 * Parse and validate an ELF64 little-endian x86_64 ET_EXEC/ET_DYN image of
 * len bytes at buf (8-byte aligned). Returns 0 and fills *out, -ENOEXEC if
 * it is not such an ELF file, or -EINVAL if its headers are malformed.
 */
int elf_parse(const void *buf, size_t len, struct elf_info *out)
{
	return elf_parse_head(buf, len, len, out);
}

int elf_parse_head(const void *buf, size_t len, uint64_t file_size,
		   struct elf_info *out)
{
	const struct elf64_ehdr *eh = buf;
	struct elf_info info;
	int ret;

	ret = elf_check_ehdr(buf, len);
	if (ret)
		return ret;
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum == 0)
		return -EINVAL;
	if (eh->e_phoff % 8 != 0 ||
	    !elf_in_bounds(eh->e_phoff,
			   (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr),
			   len))
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	info.ehdr = eh;
	info.phdr =
		(const struct elf64_phdr *)((const uint8_t *)buf + eh->e_phoff);
	info.phnum = eh->e_phnum;
	info.type = eh->e_type;
	info.entry = eh->e_entry;
	if (len > file_size)
		return -EINVAL;
	ret = elf_scan_phdrs(buf, len, file_size, &info);
	if (ret)
		return ret;
	*out = info;
	return 0;
}

/* Locate and check the section header table and the section name table. */
static int elf_section_tables(const void *buf, size_t len,
			      const struct elf64_shdr **shdrs,
			      const char **strtab, uint64_t *strtab_size)
{
	const struct elf64_ehdr *eh = buf;
	const struct elf64_shdr *sh, *str;
	int ret;

	ret = elf_check_ehdr(buf, len);
	if (ret)
		return ret;
	if (eh->e_shoff == 0 || eh->e_shnum == 0)
		return -ENOENT; /* no section headers at all */
	if (eh->e_shentsize != sizeof(struct elf64_shdr) ||
	    eh->e_shoff % 8 != 0 ||
	    !elf_in_bounds(eh->e_shoff,
			   (uint64_t)eh->e_shnum * sizeof(struct elf64_shdr),
			   len))
		return -EINVAL;
	/* Extended numbering (SHN_XINDEX) is not used by anything we load. */
	if (eh->e_shstrndx == ELF_SHN_XINDEX || eh->e_shstrndx >= eh->e_shnum)
		return -EINVAL;

	sh = (const struct elf64_shdr *)((const uint8_t *)buf + eh->e_shoff);
	str = &sh[eh->e_shstrndx];
	if (str->sh_type == ELF_SHT_NOBITS ||
	    !elf_in_bounds(str->sh_offset, str->sh_size, len))
		return -EINVAL;
	*shdrs = sh;
	*strtab = (const char *)buf + str->sh_offset;
	*strtab_size = str->sh_size;
	return 0;
}

/*
 * Find the section called name through e_shstrndx. Returns 0 and sets *out
 * (whose file range, unless SHT_NOBITS, is inside the buffer), -ENOENT if
 * there is no such section, or -ENOEXEC / -EINVAL like elf_parse().
 */
int elf_find_section(const void *buf, size_t len, const char *name,
		     const struct elf64_shdr **out)
{
	const struct elf64_ehdr *eh = buf;
	const struct elf64_shdr *sh;
	const char *strtab;
	uint64_t strtab_size;
	size_t want = strlen(name);
	int ret;

	ret = elf_section_tables(buf, len, &sh, &strtab, &strtab_size);
	if (ret)
		return ret;
	for (uint16_t i = 0; i < eh->e_shnum; i++) {
		const char *s;
		uint64_t room;
		size_t slen;

		if (sh[i].sh_name >= strtab_size)
			return -EINVAL;
		s = strtab + sh[i].sh_name;
		room = strtab_size - sh[i].sh_name;
		slen = strnlen(s, room);
		if (slen == room)
			return -EINVAL; /* name not NUL-terminated */
		if (slen != want || memcmp(s, name, want) != 0)
			continue;
		if (sh[i].sh_type != ELF_SHT_NOBITS &&
		    !elf_in_bounds(sh[i].sh_offset, sh[i].sh_size, len))
			return -EINVAL;
		*out = &sh[i];
		return 0;
	}
	return -ENOENT;
}
