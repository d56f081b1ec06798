// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for lib/elf.c: parse an arbitrary file, then read every
 * byte that the result claims is inside the buffer (program headers, the
 * interpreter path, each PT_LOAD's file range, found sections), so
 * AddressSanitizer catches any claim that is false.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void touch(const uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		sink ^= p[i];
}

static void check_parse(const uint8_t *data, size_t size)
{
	struct elf_info info;
	int ret = elf_parse(data, size, &info);

	assert(ret == 0 || ret == -ENOEXEC || ret == -EINVAL);
	if (ret)
		return;
	touch((const uint8_t *)info.phdr, info.phnum * sizeof(*info.phdr));
	if (info.interp)
		sink ^= (uint8_t)strlen(info.interp);
	assert(info.min_vaddr <= info.max_vaddr);
	for (uint16_t i = 0; i < info.phnum; i++) {
		const struct elf64_phdr *ph = &info.phdr[i];

		if (ph->p_type != ELF_PT_LOAD)
			continue;
		assert(ph->p_filesz <= ph->p_memsz);
		touch(data + ph->p_offset, ph->p_filesz);
		assert(ph->p_vaddr >= info.min_vaddr);
		assert(ph->p_vaddr + ph->p_memsz <= info.max_vaddr);
	}
}

static void check_section(const uint8_t *data, size_t size, const char *name)
{
	const struct elf64_shdr *sh;
	int ret = elf_find_section(data, size, name, &sh);

	assert(ret == 0 || ret == -ENOENT || ret == -ENOEXEC || ret == -EINVAL);
	if (ret)
		return;
	touch((const uint8_t *)sh, sizeof(*sh));
	if (sh->sh_type != 8 /* SHT_NOBITS */)
		touch(data + sh->sh_offset, sh->sh_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parse(data, size);
	check_section(data, size, ".kiln_desc");
	check_section(data, size, "");
	return 0;
}
