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

/* The next space-separated word of *s at *w, its length (0: no more). */
static size_t next_word(const char **s, const char **w)
{
	while (**s == ' ')
		(*s)++;
	*w = *s;
	while (**s && **s != ' ')
		(*s)++;
	return *s - *w;
}

/* Apply "key[=value]" options from a command line. */
static void parse_options(const char *s)
{
	const char *w;
	size_t len;

	while ((len = next_word(&s, &w))) {
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

/*
 * "env=K=V" options (kiln run --env): K=V goes into the program's
 * environment, replacing K's value from the image. The option's value is
 * percent-encoded (%XX), so it can hold spaces. A malformed one is
 * skipped with a warning.
 */
#define MAX_ENV_OPTS 64
static char *env_opts[MAX_ENV_OPTS];
static int nenv_opts;

static void collect_env(const char *s)
{
	const char *w;
	size_t len;

	while ((len = next_word(&s, &w))) {
		if (len <= 4 || memcmp(w, "env=", 4))
			continue;
		char *kv = kmalloc(len - 3);
		size_t n = 0;
		bool ok = kv != NULL;
		for (size_t i = 4; ok && i < len; i++) {
			if (w[i] != '%') {
				kv[n++] = w[i];
				continue;
			}
			int hi = i + 2 < len ? lib_hex_digit(w[i + 1]) : -1;
			int lo = i + 2 < len ? lib_hex_digit(w[i + 2]) : -1;
			ok = hi >= 0 && lo >= 0 && (hi || lo);
			kv[n++] = (char)(hi << 4 | lo);
			i += 2;
		}
		if (ok) {
			kv[n] = 0;
			char *eq = memchr(kv, '=', n);
			ok = eq && eq != kv;
		}
		if (!ok || nenv_opts == MAX_ENV_OPTS) {
			pr_warn("ignoring the kernel option %.*s: %s", (int)len,
				w,
				ok ? "too many env= options"
				   : "want env=NAME=VALUE, %XX-encoded");
			kfree(kv);
			continue;
		}
		env_opts[nenv_opts++] = kv;
	}
}

/* Apply the env= options to envp (envc entries, room for max). */
static int apply_env(char **envp, int envc, int max)
{
	for (int i = 0; i < nenv_opts; i++) {
		char *kv = env_opts[i];
		size_t klen = strchr(kv, '=') - kv + 1; /* with the '=' */
		int j;
		for (j = 0; j < envc; j++)
			if (!strncmp(envp[j], kv, klen))
				break;
		if (j < envc) {
			envp[j] = kv;
		} else if (envc < max) {
			envp[envc++] = kv;
		} else {
			pr_warn("env: no room for %s", kv);
		}
	}
	return envc;
}

/* Find the RAM range holding pa; returns its end. */
static u64 ram_end_containing(u64 pa)
{
	for (int i = 0; i < nmemmap; i++)
		if (memmap[i].type == 1 && pa >= memmap[i].base &&
		    pa < memmap[i].base + memmap[i].size)
			return memmap[i].base + memmap[i].size;
	panic("no RAM after the kernel image at %lx", pa);
}

/* Split a NUL-separated block into a pointer array. */
static int split_strings(char *block, u64 size, char **out, int max)
{
	int n = 0;

	if (!size)
		return 0;
	if (block[size - 1] != 0)
		return -EINVAL;
	for (u64 i = 0; i < size && n < max;) {
		out[n++] = block + i;
		i += strlen(block + i) + 1;
	}
	return n;
}

static bool payload_range_ok(const struct kiln_payload_hdr *h, u64 off,
			     u64 size)
{
	return off + size >= off && off + size <= kiln_desc.payload_size &&
	       off >= h->hdr_size;
}

static __noreturn void start_payload(void)
{
	static char *argv[MAX_ARGS], *envp[MAX_ARGS];

	if (!kiln_desc.payload_paddr || !kiln_desc.payload_size) {
		pr_err("no program in this image: build one with "
		       "`kiln build -o IMAGE --rootfs DIR -- PROGRAM`");
		power_off(127);
	}
	u8 *base = P2V(kiln_desc.payload_paddr);
	struct kiln_payload_hdr *h = (void *)base;
	if (kiln_desc.payload_size < sizeof(*h) ||
	    h->magic != KILN_PAYLOAD_MAGIC ||
	    h->version != KILN_IMAGE_VERSION || h->hdr_size < sizeof(*h) ||
	    !payload_range_ok(h, h->cpio_off, h->cpio_size) ||
	    !payload_range_ok(h, h->argv_off, h->argv_size) ||
	    !payload_range_ok(h, h->envp_off, h->envp_size) ||
	    !payload_range_ok(h, h->cmdline_off, h->cmdline_size)) {
		pr_err("image payload is malformed");
		power_off(127);
	}
	if (h->cmdline_size &&
	    base[h->cmdline_off + h->cmdline_size - 1] == 0) {
		parse_options((char *)base + h->cmdline_off);
		collect_env((char *)base + h->cmdline_off);
	}
	parse_options(cmdline); /* the boot loader's options win */
	collect_env(cmdline);
	if (vfs_load_cpio(base + h->cpio_off, h->cpio_size))
		power_off(127);
	netstack_init();
	int argc = split_strings((char *)base + h->argv_off, h->argv_size, argv,
				 MAX_ARGS - 1);
	int envc = split_strings((char *)base + h->envp_off, h->envp_size, envp,
				 MAX_ARGS - 1);
	if (argc <= 0 || envc < 0) {
		pr_err("image has no valid program command line");
		power_off(127);
	}
	envc = apply_env(envp, envc, MAX_ARGS - 1);
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
