// SPDX-License-Identifier: MIT
/*
 * kmain: the kernel's initialisation order as one sequence. The boot CPU
 * arrives here from boot.S on the boot page tables with the PVH start info
 * address; it finishes as this CPU's idle thread once the first program
 * (PID 1) is runnable.
 */
#include <kernel/power.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kiln/image.h>
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/percpu.h"
#include "boot/payload.h"
#include "boot/services.h"
#include "proc/vdso.h"
#include "drivers/drivers.h"
#include "drivers/uart.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "lib/libdefs.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "net/netstack.h"
#include "proc/proc.h"
#include "sched/futex.h"
#include "sched/sched.h"
#include "sched/time.h"
#include "sys/syscall.h"

struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;
	u32 memmap_entries;
	u32 reserved;
};

struct hvm_memmap_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
};

#define HVM_START_MAGIC 0x336ec578
#define MAX_MEMMAP	64
#define MAX_ARGS	256

__attribute__((used, section(".kiln_desc"))) struct kiln_boot_desc kiln_desc = {
	.magic = KILN_DESC_MAGIC,
	.version = KILN_IMAGE_VERSION,
};

extern char _kernel_start[], _kernel_end[];

static struct percpu bsp_cpu;
static struct memmap_range memmap[MAX_MEMMAP];
static int nmemmap;
static char cmdline[1024];

/* Low physical memory is reachable through the -2 GiB boot mapping. */
static void *boot_p2v(u64 pa)
{
	return (void *)(pa + KERNEL_VMA);
}

static u64 read_start_info(u32 pa)
{
	const struct hvm_start_info *si = boot_p2v(pa);

	if (!pa || si->magic != HVM_START_MAGIC)
		panic("no PVH start info (magic %x): boot with a PVH loader",
		      pa ? si->magic : 0);
	if (si->cmdline_paddr)
		strlcpy(cmdline, boot_p2v(si->cmdline_paddr), sizeof(cmdline));
	if (si->version < 1 || !si->memmap_paddr)
		panic("PVH start info has no memory map");
	const struct hvm_memmap_entry *e = boot_p2v(si->memmap_paddr);
	for (u32 i = 0; i < si->memmap_entries && nmemmap < MAX_MEMMAP; i++) {
		memmap[nmemmap].base = e[i].addr;
		memmap[nmemmap].size = e[i].size;
		memmap[nmemmap].type = e[i].type;
		nmemmap++;
	}
	return si->rsdp_paddr;
}

/* Apply "key[=value]" options from a command line. */
static void parse_options(const char *s)
{
	const char *w;
	size_t len;

	while ((len = payload_next_word(&s, &w))) {
		if (len == 5 && !memcmp(w, "trace", 5))
			syscall_trace = true;
		else if (len == 6 && !memcmp(w, "strace", 6))
			syscall_trace = true;
		else if (len == 6 && !memcmp(w, "novdso", 6))
			vdso_disabled = true;
		else if (len == 5 && !memcmp(w, "stats", 5))
			kstats_enabled = true;
		else if (len == 5 && !memcmp(w, "quiet", 5))
			klog_level = LOG_WARN;
		else if (len == 10 && !memcmp(w, "loglevel=", 9))
			klog_level = w[9] - '0';
		else if (len > 4 && !memcmp(w, "env=", 4))
			continue; /* start_payload: collect_env */
		else if (drivers_option(w, len) || console_option(w, len))
			continue;
		else
			netstack_option(w, len);
	}
}

static struct env_opts env_opts; /* env= options (payload.c) */

/* Find the RAM range holding pa; returns its end. */
static u64 ram_end_containing(u64 pa)
{
	for (int i = 0; i < nmemmap; i++)
		if (memmap[i].type == 1 && pa >= memmap[i].base &&
		    pa < memmap[i].base + memmap[i].size)
			return memmap[i].base + memmap[i].size;
	panic("no RAM after the kernel image at %lx", pa);
}

static __noreturn void start_payload(void)
{
	static char *argv[MAX_ARGS], *envp[MAX_ARGS];

	if (!kiln_desc.payload_paddr || !kiln_desc.payload_size) {
		pr_err("no program in this image: build one with "
		       "`kiln build -o IMAGE --rootfs DIR -- PROGRAM`");
		power_off(127);
	}
	struct payload_view v;
	if (payload_parse(P2V(kiln_desc.payload_paddr), kiln_desc.payload_size,
			  &v)) {
		pr_err("image payload is malformed");
		power_off(127);
	}
	if (v.cmdline) {
		parse_options(v.cmdline);
		payload_collect_env(&env_opts, v.cmdline);
	}
	parse_options(cmdline); /* the boot loader's options win */
	payload_collect_env(&env_opts, cmdline);
	if (vfs_load_cpio(v.cpio, v.cpio_size))
		power_off(127);
	netstack_init();
	int argc =
		payload_split_strings(v.argv, v.argv_size, argv, MAX_ARGS - 1);
	int envc =
		payload_split_strings(v.envp, v.envp_size, envp, MAX_ARGS - 1);
	if (argc <= 0 || envc < 0) {
		pr_err("image has no valid program command line");
		power_off(127);
	}
	envc = payload_apply_env(&env_opts, envp, envc, MAX_ARGS - 1);
	pr_info("exec %s (%d args, %d env)", argv[0], argc, envc);
	struct thread *init;
	int ret = proc_create_init(argv[0], argv, argc, envp, envc, &init);
	if (ret) {
		pr_err("cannot start %s: error %d", argv[0], -ret);
		power_off(ret == -ENOENT ? 127 : 126);
	}
	services_start(init); /* e.g. epmd, then init runs */
	irq_enable();
	sched_idle_loop();
}

void kmain(u32 start_info_pa)
{
	bsp_cpu.self = &bsp_cpu;
	wrmsr(MSR_GS_BASE, (u64)&bsp_cpu);
	uart_init();
	u64 rsdp = read_start_info(start_info_pa);
	parse_options(cmdline);
	cpu_detect_features();
	cpu_patch_smap();
	pr_info("Kiln booting: cmdline \"%s\"", cmdline);

	paddr_t kstart = (u64)_kernel_start - KERNEL_VMA;
	paddr_t kend = (u64)_kernel_end - KERNEL_VMA;
	paddr_t pstart = kiln_desc.payload_paddr;
	paddr_t pend = pstart + ALIGN_UP(kiln_desc.payload_size, PAGE_SIZE);
	paddr_t early = MAX(kend, pend);
	pmm_early_setup(early, MIN(ram_end_containing(early), 1UL << 30));
	vmm_init_direct(memmap, nmemmap);
	pmm_init(memmap, nmemmap, kstart, kend, pstart, pend);

	idt_init();
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	percpu_setup(&bsp_cpu, 0, b >> 24);
	cpu_init_this();
	acpi_init(rsdp);
	lapic_init_bsp();
	bsp_cpu.apic_id = lapic_id();
	time_init();
	vdso_init();
	lapic_calibrate();
	irq_init();
	console_init_input();
	acpi_power_button_init();
	futex_init();
	vfs_init();
	devices_init();
	struct thread *idle = thread_alloc(NULL);
	BUG_ON(!idle);
	strlcpy(idle->name, "idle", sizeof(idle->name));
	sched_init_cpu(idle);
	smp_init();
	pr_info("cpu: xsave %u bytes, smep %d smap %d, %lu MiB free",
		cpu_features.xsave_size, cpu_features.smep, cpu_features.smap,
		pmm_free_pages() >> 8);
	drivers_init();
	time_start_rtc_check();
	start_payload();
}
