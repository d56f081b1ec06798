/* SPDX-License-Identifier: MIT */
/*
 * User memory access with fault recovery. Each instruction that may fault
 * on a user address has an __ex_table entry (fault rip, fixup rip); the
 * page-fault handler first tries to page the address in, and if that
 * fails resumes at the fixup. SMAP is lifted (stac) only inside these.
 */
/* stac/clac sites are recorded so boot can patch them to NOPs on CPUs
 * without SMAP (where they would be invalid opcodes). */
.macro USER_OPEN
999:	stac
	.pushsection .smap_sites, "a"
	.quad 999b
	.popsection
.endm
.macro USER_CLOSE
999:	clac
	.pushsection .smap_sites, "a"
	.quad 999b
	.popsection
.endm

	.text
/* size_t __copy_user(void *dst, const void *src, size_t n): bytes left */
	.global __copy_user
__copy_user:
	movq %rdx, %rcx
	USER_OPEN
1:	rep movsb
	USER_CLOSE
	xorl %eax, %eax
	ret
2:	USER_CLOSE
	movq %rcx, %rax
	ret
	.section __ex_table, "a"
	.quad 1b, 2b
	.text

/* size_t __clear_user(void *dst, size_t n): bytes left */
	.global __clear_user
__clear_user:
	movq %rsi, %rcx
	xorl %eax, %eax
	USER_OPEN
3:	rep stosb
	USER_CLOSE
	ret
4:	USER_CLOSE
	movq %rcx, %rax
	ret
	.section __ex_table, "a"
	.quad 3b, 4b
	.text

/* int __user_cmpxchg32(u32 *uaddr, u32 old, u32 new, u32 *actual) */
	.global __user_cmpxchg32
__user_cmpxchg32:
	movl %esi, %eax
	USER_OPEN
5:	lock cmpxchgl %edx, (%rdi)
	USER_CLOSE
	movl %eax, (%rcx)
	xorl %eax, %eax
	ret
6:	USER_CLOSE
	movl $-14, %eax
	ret
	.section __ex_table, "a"
	.quad 5b, 6b
	.text
