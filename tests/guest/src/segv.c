/* SPDX-License-Identifier: MIT */
/*
 * segv: a program that dies of a CPU exception, with no handler installed.
 * The default action ends the process, and both Linux (as seen by a shell)
 * and Kiln report 128 + the signal number. argv[1] picks the fault:
 *   (none) "null"  write near NULL       SIGSEGV (139)
 *   "rodata"       write to a PROT_READ page SIGSEGV (139)
 *   "nx"           jump into a PROT_READ|PROT_WRITE page SIGSEGV (139)
 *   "ud2"          invalid opcode        SIGILL (132)
 *   "div0"         integer divide by zero SIGFPE (136)
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static int (*volatile divide)(int, int);
/* Through a volatile pointer, so the compiler cannot see the bad address. */
static volatile int *volatile bad_pointer = (volatile int *)16;

static int do_divide(int a, int b)
{
	return a / b;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "null";
	unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (page == MAP_FAILED) {
		printf("segv: mmap failed\n");
		return 1;
	}
	page[0] = 0xc3; /* ret, in case the page is wrongly executable */
	printf("before fault: %s\n", how);
	fflush(stdout);
	if (strcmp(how, "null") == 0) {
		*bad_pointer = 1;
	} else if (strcmp(how, "rodata") == 0) {
		mprotect(page, 4096, PROT_READ);
		*(volatile unsigned char *)page = 1;
	} else if (strcmp(how, "nx") == 0) {
		((void (*)(void))page)();
	} else if (strcmp(how, "ud2") == 0) {
		__builtin_trap();
	} else if (strcmp(how, "div0") == 0) {
		divide = do_divide;
		printf("%d\n", divide(1, 0));
	} else {
		printf("segv: unknown fault %s\n", how);
		return 1;
	}
	printf("after fault: not reached\n");
	return 1;
}
