/* SPDX-License-Identifier: MIT */
/*
 * PVH entry. The hypervisor (QEMU -kernel, Firecracker, Cloud Hypervisor)
 * finds pvh_start32 through the XEN_ELFNOTE_PHYS32_ENTRY note and jumps to
 * it in 32-bit protected mode, paging off, %ebx = physical address of the
 * hvm_start_info. We build minimal page tables (identity and -2 GiB views of
 * the first 1 GiB), enter long mode, move to the higher half and call
 * kmain(start_info_paddr). mm/vmm.c replaces these tables early in boot.
 */
#include "layout.h"

#define V2P(x) ((x) - KERNEL_VMA)

	.section .note.Xen, "a"
	.p2align 2
	.long 4			/* name size */
	.long 8			/* desc size */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.quad V2P(pvh_start32)

	.section .boot.text, "ax"
	.code32
	.global pvh_start32
pvh_start32:
	cli
	cld
	movl %ebx, V2P(pvh_start_info_pa)
	movl $V2P(boot_stack_top), %esp

	/* PD: 512 x 2 MiB pages covering 0..1 GiB. */
	movl $V2P(boot_pd), %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax		/* present, writable, 2 MiB */
	movl %eax, (%edi, %ecx, 8)
	movl $0, 4(%edi, %ecx, 8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	movl $V2P(boot_pd) + 3, %eax
	movl %eax, V2P(boot_pdpt_low)
	movl %eax, V2P(boot_pdpt_high) + 510 * 8
	movl $V2P(boot_pdpt_low) + 3, %eax
	movl %eax, V2P(boot_pml4)
	movl $V2P(boot_pdpt_high) + 3, %eax
	movl %eax, V2P(boot_pml4) + 511 * 8

	movl %cr4, %eax
	orl $(1 << 5), %eax	/* PAE */
	movl %eax, %cr4
	movl $V2P(boot_pml4), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx	/* EFER */
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax	/* LME, NXE */
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax	/* PG, WP, PE */
	movl %eax, %cr0
	lgdt V2P(boot_gdt_desc)
	ljmp $0x08, $V2P(start64)

	.code64
start64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $higher_half, %rax
	jmp *%rax

	.text
higher_half:
	movabsq $boot_stack_top, %rsp
	xorq %rbp, %rbp
	movl pvh_start_info_pa(%rip), %edi
	call kmain
2:	hlt
	jmp 2b

	.section .rodata
	.p2align 3
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
	.global boot_gdt_desc
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.quad V2P(boot_gdt)

	.data
	.global pvh_start_info_pa
pvh_start_info_pa:
	.long 0

	.section .bss
	.p2align 12
	.global boot_pml4, boot_pdpt_low, boot_pd
boot_pml4:
	.skip 4096
boot_pdpt_low:
	.skip 4096
boot_pdpt_high:
	.skip 4096
boot_pd:
	.skip 4096
	.global boot_stack_top
	.skip 4096		/* guard (not unmapped: boot only) */
boot_stack:
	.skip 16384
boot_stack_top:
