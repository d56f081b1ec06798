/* SPDX-License-Identifier: MIT */
/*
 * Application processor start-up code, copied to AP_TRAMPOLINE_PA. An AP
 * starts here in real mode after INIT-SIPI-SIPI, enters long mode on the
 * boot page tables (which identity-map this page and map the kernel) and
 * jumps to ap_start64 in the kernel proper.
 */
#include "layout.h"

#define TA(x) ((x) - trampoline_start + AP_TRAMPOLINE_PA)

	.section .trampoline, "a"
	.code16
	.global trampoline_start
trampoline_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl TA(tr_gdt_desc)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $TA(tr_pm32)

	.code32
tr_pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $(1 << 5), %eax
	movl %eax, %cr4
	movl TA(tr_cr3), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010000, %eax
	movl %eax, %cr0
	ljmpl $0x18, $TA(tr_lm64)

	.code64
tr_lm64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq TA(tr_entry), %rax
	jmp *%rax

	.p2align 3
tr_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
tr_gdt_desc:
	.word 31
	.long TA(tr_gdt)
	.global tr_cr3, tr_entry
tr_cr3:
	.long 0
	.p2align 3
tr_entry:
	.quad 0
	.global trampoline_end
trampoline_end:

	.text
	.global ap_start64
ap_start64:
	movq ap_boot_cr3(%rip), %rax
	movq %rax, %cr3
	movq ap_boot_stack(%rip), %rsp
	xorq %rbp, %rbp
	call ap_main
1:	hlt
	jmp 1b
