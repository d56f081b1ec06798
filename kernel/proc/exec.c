// SPDX-License-Identifier: MIT
/*
 * ELF loading: static executables (ET_EXEC), PIE, and dynamic programs
 * (PT_INTERP: ld.so is loaded beside them and started first, with AT_BASE
 * telling it where it is), "#!" interpreter scripts, the initial stack (argv,
 * envp, auxv) in the System V x86_64 layout, and the registers a new program
 * starts with. Segments are private file mappings of the image's pages in
 * place, as the libraries ld.so maps later are: a page costs memory only once
 * it is written (copy-on-write). The page where a segment's file bytes end and
 * its bss begins is an anonymous copy, since its tail must read as zeros.
 * An ELF whose segments share pages or are not page-aligned in the file is
 * copied instead. Programs written into tmpfs at run time are read into
 * memory first, their segments mapped from the tmpfs pages all the same.
 * Loading builds a complete new address space before anything of the
 * caller changes (exec_load), so a failing execve returns to an intact
 * process; exec_commit then installs it.
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
#include "mm/vmm.h"
#include "drivers/random.h"

#define STACK_TOP 0x00007ffffffff000UL
#define PIE_BASE  0x0000555555554000UL

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
static int map_segment(struct mm *mm, struct file *f,
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
	paddr_t pa;
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
	/* the file bytes of the page the bss starts in: one page of the
	 * file, as the segment is congruent to its offset */
	u64 off = ph->p_offset + (mapped - (ph->p_vaddr + bias));
	ret = f->ops->get_page(f, off >> PAGE_SHIFT, &pa);
	if (ret)
		return ret == -EFAULT ? -EIO : ret;
	ret = vm_copy_in(mm, mapped, P2V(pa), file_end - mapped);
	page_put(pa);
	return ret;
}

/* An executable opened for exec: its bytes and the open file. */
struct exec_file {
	struct file *f;
	const u8 *img; /* the file's first img_len bytes: in place, or copy */
	u64 img_len;   /* the whole file (size), or its head */
	u64 size;
	u8 *copy; /* kmalloc'd copy of the file's bytes, or NULL */
};

/*
 * Files whose bytes are not in place (tmpfs, compressed image files) are
 * read for exec only as far as their headers (EXEC_HEAD bytes); the
 * segments are mapped from the file's pages. A whole copy (at most
 * EXEC_MAX_COPY) is made only for headers past the head or segments
 * that cannot be mapped.
 */
#define EXEC_HEAD     (16UL << 10)
#define EXEC_MAX_COPY (64UL << 20)

static void exec_file_close(struct exec_file *ef)
{
	if (ef->f)
		file_put(ef->f);
	kfree(ef->copy);
	memset(ef, 0, sizeof(*ef));
}

/* Copy a file's first size bytes through its pages. */
static int read_pages(struct file *f, u8 *buf, u64 size)
{
	for (u64 off = 0; off < size; off += PAGE_SIZE) {
		paddr_t pa;
		int ret = f->ops->get_page(f, off >> PAGE_SHIFT, &pa);
		if (ret)
			return ret == -EFAULT ? -EIO : ret;
		memcpy(buf + off, P2V(pa), MIN(PAGE_SIZE, size - off));
		page_put(pa);
	}
	return 0;
}

/*
 * Open path (relative to cwd unless absolute) for exec. As on Linux, it
 * must be a regular file the caller may execute (root needs one x bit); the
 * bytes of an image file are used in place, a tmpfs file's are copied.
 */
static int exec_file_open(const char *cwd, const char *path,
			  struct exec_file *ef)
{
	struct vnode *vn;
	int ret = vfs_lookup(cwd, path, 0, &vn);

	memset(ef, 0, sizeof(*ef));
	if (ret)
		return ret;
	ret = S_ISREG(vn->mode) ? vfs_permission(vn, MAY_EXEC) : -EACCES;
	if (!ret)
		ret = file_open_vnode(vn, O_RDONLY, &ef->f);
	vnode_put(vn);
	if (ret)
		return ret;
	vn = ef->f->vn;
	ef->size = READ_ONCE(vn->size);
	if (vn->data && !(vn->flags & VN_TMPFS)) {
		ef->img = vn->data;
		ef->img_len = ef->size;
		return 0;
	}
	u64 n = MIN(ef->size, EXEC_HEAD);
	if (!ef->f->ops->get_page) {
		ret = -EACCES;
	} else if (!(ef->copy = kmalloc(MAX(n, 1)))) {
		ret = -ENOMEM;
	} else {
		ret = read_pages(ef->f, ef->copy, n);
		ef->img = ef->copy;
		ef->img_len = n;
	}
	if (ret)
		exec_file_close(ef);
	return ret;
}

/* Make ef->img the whole file (a copy), if it is only the head. */
static int exec_file_whole(struct exec_file *ef)
{
	if (ef->img_len == ef->size)
		return 0;
	if (ef->size > EXEC_MAX_COPY)
		return -ENOMEM;
	u8 *copy = kmalloc(ef->size);
	if (!copy)
		return -ENOMEM;
	int ret = read_pages(ef->f, copy, ef->size);
	if (ret) {
		kfree(copy);
		return ret;
	}
	kfree(ef->copy);
	ef->img = ef->copy = copy;
	ef->img_len = ef->size;
	return 0;
}

/* Parse ef's ELF headers, from its head if they lie there. */
static int exec_file_parse(struct exec_file *ef, struct elf_info *ei)
{
	int ret = elf_parse_head(ef->img, ef->img_len, ef->size, ei);

	if (ret == -EINVAL && ef->img_len < ef->size) {
		ret = exec_file_whole(ef);
		if (!ret)
			ret = elf_parse(ef->img, ef->img_len, ei);
	}
	return ret;
}

/* Map every PT_LOAD of ef at bias, from the file when it can be. */
static int load_segments(struct mm *mm, struct exec_file *ef,
			 struct elf_info *ei, u64 bias, u64 *end_out)
{
	u64 end = 0;
	int ret = 0;

	if (!segments_mappable(ei) || !ef->f->ops->get_page) {
		int ret = exec_file_whole(ef);
		if (ret)
			return ret;
		/* the copy moved the headers ei points into */
		ret = elf_parse(ef->img, ef->img_len, ei);
		if (ret)
			return ret;
		return copy_segments(mm, ef->img, ei, bias, end_out);
	}
	for (int i = 0; i < ei->phnum && !ret; i++) {
		const struct elf64_phdr *ph = &ei->phdr[i];
		if (ph->p_type != ELF_PT_LOAD || !ph->p_memsz)
			continue;
		ret = map_segment(mm, ef->f, ph, bias);
		end = MAX(end, ALIGN_UP(ph->p_vaddr + bias + ph->p_memsz,
					PAGE_SIZE));
	}
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
		       int envc, const struct cred *c, u64 *rsp)
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
		{AT_UID, c->uid},
		{AT_EUID, c->euid},
		{AT_GID, c->gid},
		{AT_EGID, c->egid},
		/* Linux's secureexec (no file capabilities) */
		{AT_SECURE, c->euid != c->uid || c->egid != c->gid},
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
	u64 stack_size = rlimit_stack_size(); /* fixed: it does not grow */
	ret = vm_mmap(mm, STACK_TOP - stack_size, stack_size,
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
static int load_interp(struct mm *mm, const char *cwd, const char *path,
		       u64 *bias_out, u64 *entry_out)
{
	struct exec_file ef;
	struct elf_info ei;
	u64 base, end;
	int ret = exec_file_open(cwd, path, &ef);

	if (ret) {
		pr_err("exec: interpreter %s: error %d", path, -ret);
		return ret == -ENOENT ? -ENOENT : -ELIBBAD;
	}
	ret = exec_file_parse(&ef, &ei);
	if (ret || ei.interp || ei.type != ELF_ET_DYN) {
		ret = -ELIBBAD;
		goto out;
	}
	/* find room for the whole span, then map segments over it */
	ret = vm_mmap(mm, 0, ei.max_vaddr - ei.min_vaddr, PROT_NONE, 0, VM_HINT,
		      NULL, 0, &base);
	if (ret)
		goto out;
	u64 bias = base - ei.min_vaddr;
	ret = load_segments(mm, &ef, &ei, bias, &end);
	*bias_out = bias;
	*entry_out = ei.entry + bias;
out:
	exec_file_close(&ef);
	return ret;
}

/* Build the new address space for ef (an ELF file) into im. */
static int load_elf(struct exec_file *ef, const char *cwd, const char *execfn,
		    char *const argv[], int argc, char *const envp[], int envc,
		    struct exec_image *im)
{
	struct elf_info ei;
	u64 bias = 0, end, interp_bias = 0, entry, vdso_base;
	int ret = exec_file_parse(ef, &ei);

	if (ret)
		return ret;
	if (ei.type == ELF_ET_DYN)
		bias = PIE_BASE - ei.min_vaddr;
	entry = ei.entry + bias;
	struct mm *mm = mm_create();
	if (!mm)
		return -ENOMEM;
	ret = load_segments(mm, ef, &ei, bias, &end);
	if (!ret && ei.interp)
		ret = load_interp(mm, cwd, ei.interp, &interp_bias, &entry);
	if (!ret)
		ret = vdso_map(mm, &vdso_base);
	if (!ret)
		ret = build_stack(mm, &ei, bias, interp_bias, vdso_base, execfn,
				  argv, argc, envp, envc, &im->cred, &im->rsp);
	if (ret) {
		mm_put(mm);
		return ret;
	}
	mm->brk_start = mm->brk = end;
	im->mm = mm;
	im->entry = entry;
	return 0;
}

/*
 * "#!interpreter [argument]" on the first line (at most SHEBANG_MAX bytes
 * are looked at, as Linux's BINPRM_BUF_SIZE): the interpreter and its one
 * optional argument (the rest of the line, spaces included, trimmed).
 */
#define SHEBANG_MAX 256

static int parse_shebang(const u8 *img, u64 size, char *line, char **interp,
			 char **arg)
{
	u64 n = MIN(size, SHEBANG_MAX - 1), i;

	memcpy(line, img, n);
	line[n] = 0;
	for (i = 2; i < n && line[i] != '\n'; i++)
		;
	bool whole = i < n; /* the line ended within the buffer */
	line[i] = 0;
	char *s = line + 2;
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	if (e == s || (!whole && !*e))
		return -ENOEXEC; /* no interpreter, or it may be cut short */
	*interp = s;
	*arg = NULL;
	if (!*e)
		return 0;
	*e++ = 0;
	while (*e == ' ' || *e == '\t')
		e++;
	char *end = e + strlen(e);
	while (end > e && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = 0;
	if (*e)
		*arg = e;
	return 0;
}

/* Interpreter scripts may name scripts, this many deep (Linux: ELOOP). */
#define EXEC_MAX_DEPTH 5

int exec_load(const char *cwd, const char *path, char *const argv[], int argc,
	      char *const envp[], int envc, struct exec_image *im)
{
	char *lines[EXEC_MAX_DEPTH] = {0};
	char **argvs[EXEC_MAX_DEPTH] = {0};
	const char *file = path;
	struct exec_file ef;
	int ret, depth;

	memset(im, 0, sizeof(*im));
	for (depth = 0;; depth++) {
		ret = exec_file_open(cwd, file, &ef);
		if (ret)
			goto out;
		if (ef.size < 2 || ef.img[0] != '#' || ef.img[1] != '!')
			break;
		char *interp, *arg;
		if (depth == EXEC_MAX_DEPTH) {
			ret = -ELOOP;
			goto out_close;
		}
		lines[depth] = kmalloc(SHEBANG_MAX);
		argvs[depth] = kmalloc((argc + 3) * sizeof(char *));
		if (!lines[depth] || !argvs[depth]) {
			ret = -ENOMEM;
			goto out_close;
		}
		ret = parse_shebang(ef.img, ef.img_len, lines[depth], &interp,
				    &arg);
		if (ret)
			goto out_close;
		exec_file_close(&ef);
		/* argv becomes: interpreter [arg] file argv[1]... */
		char **nargv = argvs[depth];
		int n = 0;
		nargv[n++] = interp;
		if (arg)
			nargv[n++] = arg;
		nargv[n++] = (char *)file;
		for (int i = 1; i < argc; i++)
			nargv[n++] = argv[i];
		nargv[n] = NULL;
		argv = nargv;
		argc = n;
		file = interp;
	}
	/* the ELF's set-id bits count (a script's are ignored, as Linux) */
	struct vnode *vn = ef.f->vn;
	cred_exec_prepare(&im->cred, vn->mode & S_ISUID, vn->uid,
			  (vn->mode & (S_ISGID | 0010)) == (S_ISGID | 0010),
			  vn->gid);
	ret = load_elf(&ef, cwd, path, argv, argc, envp, envc, im);
	if (ret)
		goto out_close;
	if (vfs_path_of(ef.f->vn, im->exe, sizeof(im->exe)) < 0)
		strlcpy(im->exe, file, sizeof(im->exe));
	/* the name is the file execve was given, even for a script */
	const char *base = path;
	for (const char *s = path; *s; s++)
		if (*s == '/' && s[1])
			base = s + 1;
	strlcpy(im->comm, base, sizeof(im->comm));
out_close:
	exec_file_close(&ef);
out:
	for (int i = 0; i < EXEC_MAX_DEPTH; i++) {
		kfree(lines[i]);
		kfree(argvs[i]);
	}
	return ret;
}

void exec_image_drop(struct exec_image *im)
{
	if (im->mm)
		mm_put(im->mm);
	im->mm = NULL;
}

void exec_commit(struct process *p, struct thread *t, struct exec_image *im)
{
	u64 f = spin_lock_irqsave(&p->lock); /* proc_mm_get may look */
	p->mm = im->mm;
	spin_unlock_irqrestore(&p->lock, f);
	im->mm = NULL;
	strlcpy(p->comm, im->comm, sizeof(p->comm));
	strlcpy(p->exe, im->exe, sizeof(p->exe));
	cred_exec_commit(p, &im->cred);
	strlcpy(t->name, p->comm, sizeof(t->name));
	memset(t->tf, 0, sizeof(*t->tf));
	t->tf->rip = im->entry;
	t->tf->rsp = im->rsp;
	t->tf->cs = USER_CS;
	t->tf->ss = USER_DS;
	t->tf->rflags = RFLAGS_IF | 0x2;
	t->fs_base = 0;
}

int exec_kernel(struct process *p, struct thread *t, const char *path,
		char *const argv[], int argc, char *const envp[], int envc)
{
	struct exec_image im;
	int ret = exec_load(p->cwd, path, argv, argc, envp, envc, &im);

	if (!ret)
		exec_commit(p, t, &im);
	return ret;
}
