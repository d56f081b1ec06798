// SPDX-License-Identifier: MIT
/*
 * ELF loading: static executables (ET_EXEC), PIE, and dynamic programs
 * (PT_INTERP: ld.so is loaded beside them and started first, with AT_BASE
 * telling it where it is), the initial stack (argv, envp, auxv) in the
 * System V x86_64 layout, and the registers a new program starts with.
 * Segments are private file mappings of the image's pages in place, as
 * the libraries ld.so maps later are: a page costs memory only once it is
 * written (copy-on-write). The page where a segment's file bytes end and
 * its bss begins is an anonymous copy, since its tail must read as zeros.
 * An ELF whose segments share pages or are not page-aligned in the file is
 * copied instead.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "exec.h"
#include "proc.h"
#include "vdso.h"
#include "arch/x86_64/cpu.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "lib/elf.h"
#include "mm/kheap.h"
#include "mm/vm.h"
#include "drivers/random.h"

#define STACK_TOP  0x00007ffffffff000UL
#define STACK_SIZE (8UL << 20)
#define PIE_BASE   0x0000555555554000UL

#define AT_NULL		0
#define AT_PHDR		3
#define AT_PHENT	4
#define AT_PHNUM	5
#define AT_PAGESZ	6
#define AT_BASE		7
#define AT_FLAGS	8
#define AT_ENTRY	9
#define AT_UID		11
#define AT_EUID		12
#define AT_GID		13
#define AT_EGID		14
#define AT_PLATFORM	15
#define AT_HWCAP	16
#define AT_CLKTCK	17
#define AT_SECURE	23
#define AT_RANDOM	25
#define AT_HWCAP2	26
#define AT_EXECFN	31
#define AT_SYSINFO_EHDR 33
#define AT_MINSIGSTKSZ	51

static u32 elf_prot(u32 pflags)
{
	u32 prot = 0;

	if (pflags & ELF_PF_R)
		prot |= PROT_READ;
	if (pflags & ELF_PF_W)
		prot |= PROT_WRITE;
	if (pflags & ELF_PF_X)
		prot |= PROT_EXEC;
	return prot;
}

/* Map every PT_LOAD of the image at bias and copy in its file bytes. */
static int copy_segments(struct mm *mm, const u8 *img,
			 const struct elf_info *ei, u64 bias, u64 *end_out)
{
	u64 prev_end = 0, out;
	int ret;

	for (int i = 0; i < ei->phnum; i++) {
		const struct elf64_phdr *ph = &ei->phdr[i];
		if (ph->p_type != ELF_PT_LOAD || !ph->p_memsz)
			continue;
		u64 s = ALIGN_DOWN(ph->p_vaddr + bias, PAGE_SIZE);
		u64 e = ALIGN_UP(ph->p_vaddr + bias + ph->p_memsz, PAGE_SIZE);
		u32 prot = elf_prot(ph->p_flags);
		if (s < prev_end) {
			/* shares a page with the previous segment */
			ret = vm_mprotect(mm, s, prev_end - s,
					  prot | PROT_READ | PROT_WRITE);
			if (ret)
				return ret;
			s = prev_end;
		}
		if (s < e) {
			ret = vm_mmap(mm, s, e - s, prot, 0, VM_FIXED, NULL, 0,
				      &out);
			if (ret)
				return ret;
		}
		ret = vm_copy_in(mm, ph->p_vaddr + bias, img + ph->p_offset,
				 ph->p_filesz);
		if (ret)
			return ret;
		prev_end = MAX(prev_end, e);
	}
	*end_out = prev_end;
	return 0;
}

/* Segments can be mapped from the file: page-aligned, no shared pages. */
static bool segments_mappable(const struct elf_info *ei)
{
	u64 prev_end = 0;

	for (int i = 0; i < ei->phnum; i++) {
		const struct elf64_phdr *ph = &ei->phdr[i];
		if (ph->p_type != ELF_PT_LOAD || !ph->p_memsz)
			continue;
		if ((ph->p_vaddr - ph->p_offset) % PAGE_SIZE ||
		    ALIGN_DOWN(ph->p_vaddr, PAGE_SIZE) < prev_end)
			return false;
		prev_end = ALIGN_UP(ph->p_vaddr + ph->p_memsz, PAGE_SIZE);
	}
	return true;
}

/* Map one PT_LOAD at bias from f: file pages, then the bss. */
static int map_segment(struct mm *mm, struct file *f, const u8 *img,
		       const struct elf64_phdr *ph, u64 bias)
{
	u64 start = ALIGN_DOWN(ph->p_vaddr + bias, PAGE_SIZE);
	u64 file_end = ph->p_vaddr + bias + ph->p_filesz;
	u64 end = ALIGN_UP(ph->p_vaddr + bias + ph->p_memsz, PAGE_SIZE);
	/* whole pages of the file; with no bss the last partial one too */
	u64 mapped = ph->p_memsz > ph->p_filesz
			     ? ALIGN_DOWN(file_end, PAGE_SIZE)
			     : ALIGN_UP(file_end, PAGE_SIZE);
	u32 prot = elf_prot(ph->p_flags);
	u64 out;
	int ret;

	if (start < mapped) {
		file_get(f); /* the VMA's reference */
		ret = vm_mmap(mm, start, mapped - start, prot, 0, VM_FIXED, f,
			      ALIGN_DOWN(ph->p_offset, PAGE_SIZE), &out);
		if (ret) {
			file_put(f);
			return ret;
		}
	}
	if (mapped >= end)
		return 0;
	ret = vm_mmap(mm, mapped, end - mapped, prot, 0, VM_FIXED, NULL, 0,
		      &out);
	if (ret || file_end <= mapped)
		return ret;
	/* the file bytes of the page the bss starts in */
	return vm_copy_in(mm, mapped,
			  img + ph->p_offset + (mapped - (ph->p_vaddr + bias)),
			  file_end - mapped);
}

/* The image file to map segments from, or NULL to copy them. */
static struct file *open_exec(const char *path)
{
	struct file *f;

	return vfs_open(vfs_root, path, O_RDONLY, 0, &f) ? NULL : f;
}

/* Map every PT_LOAD of path's image at bias, in place when it can be. */
static int load_segments(struct mm *mm, const char *path, const u8 *img,
			 const struct elf_info *ei, u64 bias, u64 *end_out)
{
	struct file *f = segments_mappable(ei) ? open_exec(path) : NULL;
	u64 end = 0;
	int ret = 0;

	if (!f)
		return copy_segments(mm, img, ei, bias, end_out);
	for (int i = 0; i < ei->phnum && !ret; i++) {
		const struct elf64_phdr *ph = &ei->phdr[i];
		if (ph->p_type != ELF_PT_LOAD || !ph->p_memsz)
			continue;
		ret = map_segment(mm, f, img, ph, bias);
		end = MAX(end, ALIGN_UP(ph->p_vaddr + bias + ph->p_memsz,
					PAGE_SIZE));
	}
	file_put(f);
	*end_out = end;
	return ret;
}

struct stack_builder {
	u8 *buf; /* mirror of the top of the user stack */
	u64 size;
	u64 top;  /* user address of buf + size */
	u64 used; /* bytes used from the top */
};

static u64 sb_push(struct stack_builder *sb, const void *data, u64 len,
		   u64 align)
{
	u64 used = ALIGN_UP(sb->used + len, align);

	if (used > sb->size)
		return 0;
	sb->used = used;
	memcpy(sb->buf + sb->size - used, data, len);
	return sb->top - used;
}

static u64 hwcap(void)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return d;
}

/* Build argc/argv/envp/auxv and strings; returns the initial rsp. */
static int build_stack(struct mm *mm, const struct elf_info *ei, u64 bias,
		       u64 interp_base, u64 vdso_base, const char *path,
		       char *const argv[], int argc, char *const envp[],
		       int envc, u64 *rsp)
{
	struct stack_builder sb = {0};
	u64 out;
	int ret = -E2BIG;

	sb.size = 256 * 1024;
	sb.top = STACK_TOP;
	sb.buf = kmalloc(sb.size);
	u64 *ptrs = kmalloc((argc + envc + 2) * sizeof(u64));
	if (!sb.buf || !ptrs) {
		ret = -ENOMEM;
		goto out;
	}
	u64 execfn = sb_push(&sb, path, strlen(path) + 1, 1);
	for (int i = envc - 1; i >= 0; i--)
		ptrs[argc + 1 + i] =
			sb_push(&sb, envp[i], strlen(envp[i]) + 1, 1);
	for (int i = argc - 1; i >= 0; i--)
		ptrs[i] = sb_push(&sb, argv[i], strlen(argv[i]) + 1, 1);
	ptrs[argc] = 0;
	ptrs[argc + 1 + envc] = 0;
	u64 platform = sb_push(&sb, "x86_64", 7, 1);
	u8 rnd[16];
	random_bytes(rnd, sizeof(rnd));
	u64 at_random = sb_push(&sb, rnd, 16, 16);
	if (!execfn || !platform || !at_random)
		goto out;

	u64 auxv[][2] = {
		{AT_SYSINFO_EHDR, vdso_base},
		{AT_PHDR, ei->phdr_vaddr ? ei->phdr_vaddr + bias : 0},
		{AT_PHENT, sizeof(struct elf64_phdr)},
		{AT_PHNUM, ei->phnum},
		{AT_PAGESZ, PAGE_SIZE},
		{AT_BASE, interp_base},
		{AT_FLAGS, 0},
		{AT_ENTRY, ei->entry + bias},
		{AT_UID, 0},
		{AT_EUID, 0},
		{AT_GID, 0},
		{AT_EGID, 0},
		{AT_SECURE, 0},
		{AT_RANDOM, at_random},
		{AT_HWCAP, hwcap()},
		{AT_HWCAP2, 0},
		{AT_CLKTCK, 100},
		{AT_PLATFORM, platform},
		{AT_EXECFN, execfn},
		{AT_MINSIGSTKSZ, 2048},
		{AT_NULL, 0},
	};
	/* total words: argc + argv + NULL + envp + NULL + auxv; 16-aligned */
	u64 words = 1 + argc + 1 + envc + 1 + ARRAY_SIZE(auxv) * 2;
	sb.used = ALIGN_UP(sb.used + words * 8, 16) - words * 8;
	if (!sb_push(&sb, auxv, sizeof(auxv), 8) ||
	    !sb_push(&sb, &ptrs[argc + 1], (envc + 1) * 8, 8) ||
	    !sb_push(&sb, ptrs, (argc + 1) * 8, 8))
		goto out;
	u64 argc64 = argc;
	*rsp = sb_push(&sb, &argc64, 8, 8);
	if (!*rsp || (*rsp & 15))
		goto out;
	ret = vm_mmap(mm, STACK_TOP - STACK_SIZE, STACK_SIZE,
		      PROT_READ | PROT_WRITE, VMA_STACK, VM_FIXED, NULL, 0,
		      &out);
	if (!ret)
		ret = vm_copy_in(mm, *rsp, sb.buf + sb.size - sb.used, sb.used);
out:
	kfree(sb.buf);
	kfree(ptrs);
	return ret;
}

/* Load the program interpreter (ld.so) anywhere free; returns its bias. */
static int load_interp(struct mm *mm, const char *path, u64 *bias_out,
		       u64 *entry_out)
{
	struct elf_info ei;
	const u8 *img;
	u64 size, base, end;
	int ret = vfs_map_file_ro(path, &img, &size);

	if (ret) {
		pr_err("exec: interpreter %s: error %d", path, -ret);
		return ret == -ENOENT ? -ENOENT : -ELIBBAD;
	}
	ret = elf_parse(img, size, &ei);
	if (ret || ei.interp || ei.type != ELF_ET_DYN)
		return -ELIBBAD;
	/* find room for the whole span, then map segments over it */
	ret = vm_mmap(mm, 0, ei.max_vaddr - ei.min_vaddr, PROT_NONE, 0, VM_HINT,
		      NULL, 0, &base);
	if (ret)
		return ret;
	u64 bias = base - ei.min_vaddr;
	ret = load_segments(mm, path, img, &ei, bias, &end);
	if (ret)
		return ret;
	*bias_out = bias;
	*entry_out = ei.entry + bias;
	return 0;
}

int exec_kernel(struct process *p, struct thread *t, const char *path,
		char *const argv[], int argc, char *const envp[], int envc)
{
	struct elf_info ei;
	const u8 *img;
	u64 size, bias = 0, end, rsp, interp_bias = 0, entry, vdso_base;
	int ret = vfs_map_file_ro(path, &img, &size);

	if (ret)
		return ret;
	ret = elf_parse(img, size, &ei);
	if (ret)
		return ret;
	if (ei.type == ELF_ET_DYN)
		bias = PIE_BASE - ei.min_vaddr;
	entry = ei.entry + bias;
	struct mm *mm = mm_create();
	if (!mm)
		return -ENOMEM;
	ret = load_segments(mm, path, img, &ei, bias, &end);
	if (!ret && ei.interp)
		ret = load_interp(mm, ei.interp, &interp_bias, &entry);
	if (!ret)
		ret = vdso_map(mm, &vdso_base);
	if (!ret)
		ret = build_stack(mm, &ei, bias, interp_bias, vdso_base, path,
				  argv, argc, envp, envc, &rsp);
	if (ret) {
		mm_put(mm);
		return ret;
	}
	mm->brk_start = mm->brk = end;
	p->mm = mm;
	const char *base = path;
	for (const char *s = path; *s; s++)
		if (*s == '/')
			base = s + 1;
	strlcpy(p->comm, base, sizeof(p->comm));
	strlcpy(p->exe, path, sizeof(p->exe));
	strlcpy(t->name, p->comm, sizeof(t->name));
	memset(t->tf, 0, sizeof(*t->tf));
	t->tf->rip = entry;
	t->tf->rsp = rsp;
	t->tf->cs = USER_CS;
	t->tf->ss = USER_DS;
	t->tf->rflags = RFLAGS_IF | 0x2;
	t->fs_base = 0;
	return 0;
}
