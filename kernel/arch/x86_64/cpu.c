// SPDX-License-Identifier: MIT
/*
 * Per-CPU descriptor tables and feature setup: GDT with a TSS per CPU (IST
 * stacks for NMI, #DF and #MC), the shared IDT, control registers (NX,
 * SMEP, SMAP, SSE, XSAVE) and the syscall MSRs. Called once per CPU.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "cpu.h"
#include "percpu.h"
#include "mm/kheap.h"

struct cpu_features cpu_features;
struct percpu *cpu_table[MAX_CPUS];
u32 ncpus = 1;

struct idt_entry {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type;
	u16 off_mid;
	u32 off_hi;
	u32 zero;
} __packed;

static struct idt_entry idt[256] __aligned(16);
extern u64 isr_table[256];
extern char syscall_entry[];

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

#define IST_NMI	       1
#define IST_DF	       2
#define IST_MC	       3
#define IST_STACK_SIZE 16384

static void idt_set(int vec, u64 handler, int ist, int dpl)
{
	struct idt_entry *e = &idt[vec];

	e->off_lo = handler & 0xffff;
	e->sel = GDT_KCODE;
	e->ist = ist;
	e->type = 0x8e | (dpl << 5); /* present, interrupt gate */
	e->off_mid = (handler >> 16) & 0xffff;
	e->off_hi = handler >> 32;
	e->zero = 0;
}

/* Build the IDT once; every CPU loads the same table. */
void idt_init(void)
{
	for (int i = 0; i < 256; i++)
		idt_set(i, isr_table[i], 0, 0);
	idt_set(2, isr_table[2], IST_NMI, 0);
	idt_set(8, isr_table[8], IST_DF, 0);
	idt_set(18, isr_table[18], IST_MC, 0);
	idt_set(3, isr_table[3], 0, 3); /* int3 from user */
}

/* Detect CPU features on the boot CPU; every CPU must match. */
void cpu_detect_features(void)
{
	u32 a, b, c, d, max;

	cpuid(0, 0, &max, &b, &c, &d);
	cpuid(1, 0, &a, &b, &c, &d);
	cpu_features.xsave = c & (1 << 26);
	cpu_features.avx = c & (1 << 28);
	cpu_features.rdrand = c & (1 << 30);
	cpu_features.x2apic = c & (1 << 21);
	cpu_features.tsc_deadline = c & (1 << 24);
	cpu_features.hypervisor = c & (1u << 31);
	cpu_features.pge = d & (1 << 13);
	if (max >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		cpu_features.smep = b & (1 << 7);
		cpu_features.smap = b & (1 << 20);
		cpu_features.rdseed = b & (1 << 18);
		cpu_features.fsgsbase = b & 1;
	}
	cpuid(0x80000000, 0, &max, &b, &c, &d);
	if (max >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		cpu_features.pdpe1gb = d & (1 << 26);
	}
	if (max >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		cpu_features.invariant_tsc = d & (1 << 8);
	}
	cpu_features.xsave_size = 512;
	if (cpu_features.xsave) {
		cpuid(0xd, 0, &a, &b, &c, &d);
		cpu_features.xcr0 = 0x3; /* x87 | SSE */
		if (cpu_features.avx && (a & 0x4))
			cpu_features.xcr0 |= 0x4;
	}
}

static void xsetbv(u32 idx, u64 v)
{
	__asm__ volatile("xsetbv" ::"c"(idx), "a"((u32)v), "d"((u32)(v >> 32)));
}

/* Control registers, FPU and syscall MSRs for the calling CPU. */
void cpu_init_this(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4();

	cr0 &= ~(CR0_EM | CR0_TS);
	cr0 |= CR0_MP | CR0_NE | CR0_WP;
	write_cr0(cr0);
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (cpu_features.pge)
		cr4 |= CR4_PGE;
	if (cpu_features.xsave)
		cr4 |= CR4_OSXSAVE;
	if (cpu_features.smep)
		cr4 |= CR4_SMEP;
	if (cpu_features.smap)
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
	if (cpu_features.xsave) {
		u32 a, b, c, d;
		xsetbv(0, cpu_features.xcr0);
		cpuid(0xd, 0, &a, &b, &c, &d);
		cpu_features.xsave_size = b;
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	/* sysret would use 0x18+16 = user CS, 0x18+8 = user SS. */
	wrmsr(MSR_STAR, ((u64)GDT_UCODE32 << 48) | ((u64)GDT_KCODE << 32));
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	wrmsr(MSR_FMASK,
	      RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | RFLAGS_NT);
	/* PAT: keep WB/WT/UC-/UC defaults, entry 1 write-combining unused. */
}

static void gdt_load(struct percpu *c)
{
	u64 tss = (u64)&c->tss;
	struct desc_ptr gp = {sizeof(c->gdt) - 1, (u64)c->gdt};
	struct desc_ptr ip = {sizeof(idt) - 1, (u64)idt};

	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffff; /* kernel code 64 */
	c->gdt[2] = 0x00cf92000000ffff; /* kernel data */
	c->gdt[3] = 0x00cffa000000ffff; /* user code 32 (sysret layout) */
	c->gdt[4] = 0x00cff2000000ffff; /* user data */
	c->gdt[5] = 0x00affa000000ffff; /* user code 64 */
	c->gdt[6] = (sizeof(struct tss) - 1) | ((tss & 0xffffff) << 16) |
		    (0x89ULL << 40) | (((tss >> 24) & 0xff) << 56);
	c->gdt[7] = tss >> 32;
	c->gdt[8] = 0;
	__asm__ volatile("lgdt %0" ::"m"(gp));
	__asm__ volatile("lidt %0" ::"m"(ip));
	__asm__ volatile("pushq $0x08\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n\t"
			 "1:\n\t"
			 "movw $0x10, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorw %%ax, %%ax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t" ::
				 : "rax", "memory");
	__asm__ volatile("ltr %w0" ::"r"(GDT_TSS));
}

/* Install c as this CPU's per-CPU block: GDT/TSS/IDT and %gs base. */
void percpu_setup(struct percpu *c, u32 id, u32 apic_id)
{
	c->self = c;
	c->id = id;
	c->apic_id = apic_id;
	/* %gs first: spinlocks (kmalloc below) read this CPU's id through it */
	wrmsr(MSR_GS_BASE, (u64)c);
	list_init(&c->timers);
	spin_init(&c->timer_lock);
	for (int i = 0; i < 3; i++) {
		if (!c->ist_stacks[i])
			c->ist_stacks[i] = kmalloc(IST_STACK_SIZE);
		BUG_ON(!c->ist_stacks[i]);
		c->tss.ist[i] = (u64)c->ist_stacks[i] + IST_STACK_SIZE;
	}
	c->tss.iomap_base = sizeof(struct tss);
	cpu_table[id] = c;
	gdt_load(c);
	wrmsr(MSR_GS_BASE, (u64)c); /* loading the GDT's selectors cleared it */
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/* Set the stack the CPU switches to on entry from ring 3. */
void cpu_set_kernel_stack(u64 top)
{
	struct percpu *c = this_cpu();

	c->tss.rsp[0] = top;
	c->kstack_top = top;
}

extern const u64 __smap_sites_start[], __smap_sites_end[];

void cpu_patch_smap(void)
{
	if (cpu_features.smap)
		return;
	for (const u64 *s = __smap_sites_start; s < __smap_sites_end; s++) {
		u8 *p = (u8 *)*s;
		p[0] = 0x0f; /* 3-byte nop: 0f 1f 00 */
		p[1] = 0x1f;
		p[2] = 0x00;
	}
}
