/* SPDX-License-Identifier: MIT */
/* The linked vDSO (built from vdso.c by mk/kernel.mk), page-aligned. */
	.section .rodata.vdso, "a"
	.balign 4096
	.globl vdso_start, vdso_end
vdso_start:
	.incbin VDSO_SO
vdso_end:
	.balign 4096
	.section .note.GNU-stack, "", @progbits
