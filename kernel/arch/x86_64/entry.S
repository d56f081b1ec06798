/* SPDX-License-Identifier: MIT */
/*
 * Kernel entry and exit: interrupt/exception stubs, the syscall entry, the
 * common return path and the context switch. Every entry from user mode
 * builds a struct trapframe (trapframe.h) at the top of the thread's kernel
 * stack; every exit to user mode goes through trap_return (iretq).
 */
#include "layout.h"

#define USER_CS (0x28 | 3)
#define USER_DS (0x20 | 3)

.macro PUSH_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro POP_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

/* Vectors that push an error code: 8, 10-14, 17, 21, 29, 30. */
.macro ISR n
	.p2align 4
isr_\n:
	.if (\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp isr_common
.endm

	.text
	.altmacro
.set i, 0
.rept 256
	ISR %i
	.set i, i + 1
.endr

isr_common:
	cld
	testb $3, 24(%rsp)		/* cs of the interrupted context */
	jz 1f
	swapgs
1:	PUSH_REGS
	movq %rsp, %rdi
	xorq %rbp, %rbp
	call trap_dispatch
	.global trap_return
trap_return:
	cli
	POP_REGS
	testb $3, 24(%rsp)
	jz 2f
	swapgs
2:	addq $16, %rsp			/* vector, error */
	iretq

/*
 * syscall: RCX = user RIP, R11 = user RFLAGS; IF, DF, TF, AC cleared by
 * FMASK. Switch to the thread's kernel stack and build a trapframe.
 */
	.global syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:8
	movq %gs:16, %rsp
	pushq $USER_DS
	pushq %gs:8
	pushq %r11
	pushq $USER_CS
	pushq %rcx
	pushq $0
	pushq $0x100
	PUSH_REGS
	movq %rsp, %rdi
	xorq %rbp, %rbp
	sti
	call syscall_dispatch
	jmp trap_return

/*
 * A new thread's first switch lands here with its trapframe right above;
 * sched_tail() drops the scheduler lock taken by the previous thread.
 */
	.global thread_start_user
thread_start_user:
	call sched_tail
	jmp trap_return

/*
 * A new kernel thread's first switch lands here: r12 is its function, r13
 * its argument (kthread_create); interrupts go on once the scheduler lock
 * is dropped. Returning from the function ends the thread.
 */
	.global kthread_start
kthread_start:
	call sched_tail
	sti
	movq %r13, %rdi
	call *%r12
	call kthread_exit

/*
 * void switch_context(u64 *save_rsp, u64 new_rsp): save callee-saved
 * registers and RFLAGS on this stack, switch stacks, restore the other's.
 */
	.global switch_context
switch_context:
	pushfq
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	popfq
	ret

	.section .rodata
	.p2align 3
	.global isr_table
isr_table:
.macro ISRADDR n
	.quad isr_\n
.endm
.set i, 0
.rept 256
	ISRADDR %i
	.set i, i + 1
.endr
