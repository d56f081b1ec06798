/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the guest test programs. Each program runs on the host
 * Linux and on Kiln and must print exactly the same thing, so a check prints
 * only what it verified ("mm: mmap zeroed ok"); the values behind a failure
 * are printed only when it fails, where a difference is wanted anyway.
 * Programs end with guest_exit(), which exits 1 if any check failed.
 */
#ifndef GUEST_H
#define GUEST_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int guest_failures;

/* Print "WHAT ok", or "WHAT FAILED: DETAIL" and count the failure. */
static inline __attribute__((format(printf, 3, 4))) void
check(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("%s ok\n", what);
		return;
	}
	guest_failures++;
	printf("%s FAILED: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Check that a libc call failed (returned FAIL) with errno ERR. */
static inline void check_errno(long ret, long fail, int err, const char *what)
{
	int saved = errno;

	check(ret == fail && saved == err, what, "returned %ld errno %d (%s)",
	      ret, saved, strerror(saved));
}

/* Check that a call returning 0 or -1/errno succeeded. */
static inline void check_zero(long ret, const char *what)
{
	int saved = errno;

	check(ret == 0, what, "returned %ld errno %d (%s)", ret, saved,
	      strerror(saved));
}

/* Nanoseconds on CLOCK, or 0 (and a failed check) if it cannot be read. */
static inline int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) != 0) {
		check(false, "clock_gettime", "clock %d errno %d", (int)clock,
		      errno);
		return 0;
	}
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A timespec NS nanoseconds from now on CLOCK (for absolute deadlines). */
static inline struct timespec deadline_after(clockid_t clock, int64_t ns)
{
	int64_t t = now_ns(clock) + ns;
	struct timespec ts = {.tv_sec = t / 1000000000,
			      .tv_nsec = t % 1000000000};

	return ts;
}

static inline int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* Spin in user mode (the clock is read through the vDSO) until *flag
 * reaches n, or until wall_ns of CLOCK_MONOTONIC pass: whether it did. */
static inline bool guest_spin_until(volatile sig_atomic_t *flag, int n,
				    int64_t wall_ns)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + wall_ns;

	while (*flag < n) {
		for (volatile int i = 0; i < 100000 && *flag < n; i++)
			;
		if (now_ns(CLOCK_MONOTONIC) > end)
			return false;
	}
	return true;
}

/* Run fn in a child; its checks print there; fail if it failed. */
static inline void guest_in_child(const char *what, void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(guest_failures ? 1 : 0);
	}
	int st = -1;
	check(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 0,
	      what, "status %#x errno %d", st, errno);
}

/* Become user and group id (as root: real, effective and saved), with
 * the supplementary groups given; raw syscalls, so that both C libraries
 * ask the kernel the same thing. */
static inline void guest_drop_to(unsigned id, int ngroups, const gid_t *groups)
{
	check_zero(syscall(SYS_setgroups, ngroups, groups), "setgroups");
	check_zero(syscall(SYS_setgid, id), "setgid");
	check_zero(syscall(SYS_setuid, id), "setuid");
}

/* Print the summary line and exit 0 if every check passed, else 1. */
static inline __attribute__((noreturn)) void guest_exit(const char *prog)
{
	if (guest_failures)
		printf("%s: %d checks FAILED\n", prog, guest_failures);
	else
		printf("%s: all checks passed\n", prog);
	fflush(stdout);
	exit(guest_failures ? 1 : 0);
}

#endif
