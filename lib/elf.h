/* SPDX-License-Identifier: MIT */
/*
 * Validating ELF64 x86_64 parser shared by the kernel's loader and the
 * packer. elf_parse() checks the header and every program header against the
 * buffer (offsets, sizes, overflow, filesz <= memsz, alignment) so callers
 * may then use the segments without further checks.
 */
#ifndef LIB_ELF_H
#define LIB_ELF_H

#include "libdefs.h"

#define ELF_ET_EXEC	 2
#define ELF_ET_DYN	 3
#define ELF_PT_NULL	 0
#define ELF_PT_LOAD	 1
#define ELF_PT_DYNAMIC	 2
#define ELF_PT_INTERP	 3
#define ELF_PT_NOTE	 4
#define ELF_PT_PHDR	 6
#define ELF_PT_TLS	 7
#define ELF_PT_GNU_STACK 0x6474e551
#define ELF_PF_X	 1
#define ELF_PF_W	 2
#define ELF_PF_R	 4
#define ELF_EM_X86_64	 62

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

struct elf64_shdr {
	uint32_t sh_name;
	uint32_t sh_type;
	uint64_t sh_flags;
	uint64_t sh_addr;
	uint64_t sh_offset;
	uint64_t sh_size;
	uint32_t sh_link;
	uint32_t sh_info;
	uint64_t sh_addralign;
	uint64_t sh_entsize;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ehdr");
_Static_assert(sizeof(struct elf64_phdr) == 56, "phdr");
_Static_assert(sizeof(struct elf64_shdr) == 64, "shdr");

struct elf_info {
	const struct elf64_ehdr *ehdr;
	const struct elf64_phdr *phdr; /* ehdr->e_phnum entries, in buffer */
	uint16_t phnum;
	uint16_t type; /* ELF_ET_EXEC or ELF_ET_DYN */
	uint64_t entry;
	const char *interp;  /* PT_INTERP path, NUL-terminated, or NULL */
	uint64_t phdr_vaddr; /* vaddr of the phdr table if mapped, else 0 */
	uint64_t min_vaddr;  /* lowest PT_LOAD vaddr, page-aligned down */
	uint64_t max_vaddr;  /* highest PT_LOAD vaddr+memsz, page-aligned up */
	bool exec_stack;     /* PT_GNU_STACK has PF_X */
};

/*
 * Parse and validate an ELF64 little-endian x86_64 ET_EXEC/ET_DYN image of
 * len bytes. Returns 0, -ENOEXEC (not an ELF / wrong class, machine or
 * type) or -EINVAL (malformed: out-of-bounds or inconsistent headers).
 */
int elf_parse(const void *buf, size_t len, struct elf_info *out);

/*
 * The same from the first len bytes of a file of file_size bytes: the
 * headers and the PT_INTERP path must lie in the buffer, the segments in
 * the file. -EINVAL also when the headers lie past len.
 */
int elf_parse_head(const void *buf, size_t len, uint64_t file_size,
		   struct elf_info *out);

/*
 * Find a section by name (via e_shstrndx); returns 0 and sets *out, or
 * -ENOENT / -EINVAL. Bounds-checked like elf_parse.
 */
int elf_find_section(const void *buf, size_t len, const char *name,
		     const struct elf64_shdr **out);

#endif
