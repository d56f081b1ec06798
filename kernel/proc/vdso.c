// SPDX-License-Identifier: MIT
/*
 * The vDSO and its [vvar] page, mapped into every program at exec (and
 * announced with AT_SYSINFO_EHDR), so clock_gettime, gettimeofday and
 * time need no syscall: the stock BEAM reads the clock tens of thousands
 * of times while booting. Both are private, read-only mappings of kernel
 * pages through two static files whose get_page hands out those pages
 * (reserved: never refcounted or freed). vdso.c is the user-side code.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "vdso.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "fs/file.h"
#include "mm/vm.h"
#include "sched/time.h"
#include "vdso/vdso_data.h"

extern const u8 vdso_start[], vdso_end[];

bool vdso_disabled; /* the "novdso" boot option */

static union {
	struct vdso_data d;
	u8 page[PAGE_SIZE];
} vvar_page __aligned(PAGE_SIZE);

static u64 vdso_pages(void)
{
	return ALIGN_UP((u64)(vdso_end - vdso_start), PAGE_SIZE) >> PAGE_SHIFT;
}

static paddr_t kernel_pa(const void *p)
{
	return (u64)p - KERNEL_VMA;
}

static int vdso_get_page(struct file *f, u64 pgoff, paddr_t *pa);

static const struct file_ops vdso_fops = {
	.get_page = vdso_get_page,
};

/* Never released: the kernel holds the first reference for good. */
static struct file vdso_file = {.refcount = 1, .ops = &vdso_fops};
static struct file vvar_file = {.refcount = 1, .ops = &vdso_fops};

static int vdso_get_page(struct file *f, u64 pgoff, paddr_t *pa)
{
	if (f == &vvar_file && pgoff == 0)
		*pa = kernel_pa(&vvar_page);
	else if (f == &vdso_file && pgoff < vdso_pages())
		*pa = kernel_pa(vdso_start + (pgoff << PAGE_SHIFT));
	else
		return -EFAULT;
	return 0;
}

void vdso_set_realtime(u64 realtime_ns)
{
	struct vdso_data *d = &vvar_page.d;

	__atomic_add_fetch(&d->seq, 1, __ATOMIC_SEQ_CST); /* odd: changing */
	WRITE_ONCE(d->realtime_ns, realtime_ns);
	__atomic_add_fetch(&d->seq, 1, __ATOMIC_SEQ_CST);
}

void vdso_init(void)
{
	struct vdso_data *d = &vvar_page.d;
	u64 tsc, mult, rt;

	list_init(&vdso_file.epitems);
	list_init(&vvar_file.epitems);
	time_vdso_params(&tsc, &mult, &rt);
	d->tsc_at_boot = tsc;
	d->ns_mult = mult;
	d->realtime_ns = rt;
	/*
	 * The clocks are computed in user mode when the TSC is the same on
	 * every vCPU and never stops: an invariant TSC, or a hypervisor's
	 * (KVM, QEMU and Firecracker keep the vCPUs' TSCs in step, and the
	 * kernel's own clock trusts it already). The "novdso" option sends
	 * every call to the syscall instead.
	 */
	const char *why = NULL;
	if (vdso_disabled)
		why = "novdso";
	else if (!cpu_features.invariant_tsc && !cpu_features.hypervisor)
		why = "TSC not invariant";
	else if (!mult)
		why = "no TSC frequency";
	d->enabled = !why;
	pr_info("vdso: %lu page(s), clocks in user mode %s%s%s", vdso_pages(),
		why ? "off (" : "on", why ? why : "", why ? ")" : "");
}

int vdso_map(struct mm *mm, u64 *base)
{
	u64 n = vdso_pages(), at, out;
	int ret = vm_mmap(mm, 0, (n + 1) << PAGE_SHIFT, PROT_NONE, 0, VM_HINT,
			  NULL, 0, &at);

	if (ret)
		return ret;
	file_get(&vvar_file);
	ret = vm_mmap(mm, at, PAGE_SIZE, PROT_READ, 0, VM_FIXED, &vvar_file, 0,
		      &out);
	if (ret) {
		file_put(&vvar_file);
		return ret;
	}
	file_get(&vdso_file);
	ret = vm_mmap(mm, at + PAGE_SIZE, n << PAGE_SHIFT,
		      PROT_READ | PROT_EXEC, 0, VM_FIXED, &vdso_file, 0, &out);
	if (ret) {
		file_put(&vdso_file);
		return ret;
	}
	*base = at + PAGE_SIZE;
	return 0;
}

const char *vdso_vma_name(const struct file *f)
{
	if (f == &vdso_file)
		return "[vdso]";
	if (f == &vvar_file)
		return "[vvar]";
	return NULL;
}
