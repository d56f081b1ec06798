// SPDX-License-Identifier: MIT
/*
 * clone3's argument checks, in Linux's order (kernel/fork.c
 * copy_clone_args_from_user, clone3_args_valid): the size (EINVAL below
 * CLONE_ARGS_SIZE_VER0, E2BIG above a page), bytes past the struct the
 * kernel knows (zero: accepted; not: E2BIG; unreadable: EFAULT),
 * set_tid and set_tid_size together, exit_signal, the flags clone3
 * reserves (CSIGNAL bits, CLONE_DETACHED), CLONE_INTO_CGROUP's size, and
 * the stack (both or neither of stack and stack_size, in user space).
 * Accepted argument blocks start a child that exits at once.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

struct kclone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		stack_size, tls, set_tid, set_tid_size, cgroup;
};

#define K_CLONE_DETACHED      0x00400000ULL
#define K_CLONE_PARENT	      0x00008000ULL
#define K_CLONE_INTO_CGROUP   0x200000000ULL
#define K_CLONE_CLEAR_SIGHAND 0x100000000ULL

static unsigned char *area; /* two pages, the second PROT_NONE */
static size_t page;

/* clone3 with the block at p of size bytes; a child exits 0 at once and
 * is reaped. Returns 0 for a child started, else -errno. */
static long try_clone3(const void *p, size_t size)
{
	fflush(stdout);
	long pid = syscall(SYS_clone3, p, size);
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -errno;
	int status = -1;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1000;
	return 0;
}

/* A block of the first page, zeroed, with exit_signal SIGCHLD. */
static struct kclone_args *fresh(void)
{
	memset(area, 0, page);
	struct kclone_args *ca = (void *)area;
	ca->exit_signal = SIGCHLD;
	return ca;
}

static void expect(long got, long want, const char *what)
{
	check(got == want, what, "got %ld (%s) want %ld", got,
	      got < 0 ? strerror(-got) : "child", want);
}

static void test_sizes(void)
{
	struct kclone_args *ca = fresh();

	expect(try_clone3(ca, 0), -EINVAL, "clone3: size 0 is EINVAL");
	expect(try_clone3(ca, 63), -EINVAL, "clone3: size 63 is EINVAL");
	expect(try_clone3(ca, 64), 0, "clone3: size 64 (VER0) starts a child");
	expect(try_clone3(ca, 80), 0, "clone3: size 80 (VER1) starts a child");
	expect(try_clone3(ca, 88), 0, "clone3: size 88 (VER2) starts a child");
	expect(try_clone3(ca, 200), 0,
	       "clone3: size 200 with a zero tail starts a child");
	expect(try_clone3(ca, page), 0,
	       "clone3: a page with a zero tail starts a child");
	expect(try_clone3(ca, page + 1), -E2BIG,
	       "clone3: more than a page is E2BIG");
	area[88] = 1;
	expect(try_clone3(ca, 89), -E2BIG,
	       "clone3: a non-zero byte past the struct is E2BIG");
	expect(try_clone3(ca, 88), 0,
	       "clone3: a byte past the size is not looked at");
	area[88] = 0;
	area[page - 1] = 0x80;
	expect(try_clone3(ca, page), -E2BIG,
	       "clone3: a non-zero last byte of a page is E2BIG");
	area[page - 1] = 0;
	ca->exit_signal = 1000;
	area[100] = 1;
	expect(try_clone3(ca, 200), -E2BIG,
	       "clone3: E2BIG comes before a bad exit_signal");
	area[100] = 0;
	expect(try_clone3(NULL, 88), -EFAULT, "clone3: NULL is EFAULT");
	/* a struct whose tail runs into a PROT_NONE page */
	struct kclone_args *end = (void *)(area + page - 88);
	memset(end, 0, 88);
	end->exit_signal = SIGCHLD;
	expect(try_clone3(end, 88), 0,
	       "clone3: a struct at the end of a page starts a child");
	expect(try_clone3(end, 120), -EFAULT,
	       "clone3: an unreadable tail is EFAULT");
}

static void test_fields(void)
{
	struct kclone_args *ca = fresh();
	pid_t tids[40] = {0};

	ca->exit_signal = 65;
	expect(try_clone3(ca, 88), -EINVAL, "clone3: exit_signal 65 is EINVAL");
	ca->exit_signal = (1ULL << 32) | SIGCHLD;
	expect(try_clone3(ca, 88), -EINVAL,
	       "clone3: exit_signal's high bits are EINVAL");
	ca = fresh();
	ca->set_tid_size = 1;
	expect(try_clone3(ca, 88), -EINVAL,
	       "clone3: set_tid_size without set_tid is EINVAL");
	ca->set_tid_size = 0;
	ca->set_tid = (uintptr_t)tids;
	expect(try_clone3(ca, 88), -EINVAL,
	       "clone3: set_tid without set_tid_size is EINVAL");
	ca->set_tid_size = 33;
	expect(try_clone3(ca, 88), -EINVAL,
	       "clone3: set_tid_size above 32 is EINVAL");
	ca = fresh();
	ca->cgroup = 5;
	expect(try_clone3(ca, 88), 0,
	       "clone3: cgroup without CLONE_INTO_CGROUP is ignored");
	ca->flags = K_CLONE_INTO_CGROUP;
	expect(try_clone3(ca, 80), -EINVAL,
	       "clone3: CLONE_INTO_CGROUP in a VER1 struct is EINVAL");
	ca->cgroup = 1ULL << 31;
	expect(try_clone3(ca, 88), -EINVAL,
	       "clone3: CLONE_INTO_CGROUP past INT_MAX is EINVAL");
}

static void test_flags_and_stack(void)
{
	struct kclone_args *ca = fresh();
	static char stack[16384];

	ca->flags = K_CLONE_DETACHED;
	expect(try_clone3(ca, 88), -EINVAL, "clone3: CLONE_DETACHED is EINVAL");
	ca->flags = 0x11; /* CSIGNAL bits */
	expect(try_clone3(ca, 88), -EINVAL,
	       "clone3: a signal in flags is EINVAL");
	ca->flags = 1ULL << 34;
	expect(try_clone3(ca, 88), -EINVAL,
	       "clone3: an unknown high flag is EINVAL");
	ca->flags = K_CLONE_PARENT;
	expect(try_clone3(ca, 88), -EINVAL,
	       "clone3: CLONE_PARENT with an exit signal is EINVAL");
	ca = fresh();
	ca->stack_size = sizeof(stack);
	expect(try_clone3(ca, 88), -EINVAL,
	       "clone3: stack_size without a stack is EINVAL");
	ca->stack = (uintptr_t)stack;
	ca->stack_size = 0;
	expect(try_clone3(ca, 88), -EINVAL,
	       "clone3: a stack without stack_size is EINVAL");
	ca->stack = 0xffff800000000000ULL;
	ca->stack_size = 4096;
	expect(try_clone3(ca, 88), -EINVAL,
	       "clone3: a stack in kernel space is EINVAL");
	ca->stack = (uintptr_t)stack;
	ca->stack_size = ~0ULL - 100;
	expect(try_clone3(ca, 88), -EINVAL,
	       "clone3: a stack that wraps is EINVAL");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = sysconf(_SC_PAGESIZE);
	area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || mprotect(area + page, page, PROT_NONE)) {
		check(false, "clone3: mmap", "errno %d", errno);
		guest_exit("clone3");
	}
	test_sizes();
	test_fields();
	test_flags_and_stack();
	guest_exit("clone3");
}
