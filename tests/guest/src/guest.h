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
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
