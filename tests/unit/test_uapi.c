// SPDX-License-Identifier: MIT
/*
 * Every number in include/uapi/ (build/unit/uapi_names.h lists each
 * #define there) against the same name in the host's glibc and Linux
 * headers: a wrong flag or option number fails here, not in a guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <linux/capability.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

extern const long long uapi_kiln_values[];

/* What glibc leaves out, from Linux's headers (uapi_linux.c: the two sets
 * of headers do not mix). */
extern const long long linux_clone_clear_sighand, linux_sa_restorer;
extern const long long linux_ipc_64;
#define CLONE_CLEAR_SIGHAND linux_clone_clear_sighand
#define SA_RESTORER	    linux_sa_restorer
#define IPC_64		    linux_ipc_64

static void test_every_number_matches_the_host(void **state)
{
	(void)state;
	const struct {
		const char *name;
		long long host;
	} host_values[] = {
#define X(name) {#name, (long long)(name)},
#include "uapi_names.h"
#undef X
	};
	size_t n = sizeof host_values / sizeof host_values[0], bad = 0;

	assert_true(n > 300); /* the list really was generated */
	for (size_t i = 0; i < n; i++) {
		if (uapi_kiln_values[i] != host_values[i].host) {
			fprintf(stderr, "%s: kiln %lld, host %lld\n",
				host_values[i].name, uapi_kiln_values[i],
				host_values[i].host);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_number_matches_the_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
