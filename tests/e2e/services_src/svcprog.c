// SPDX-License-Identifier: MIT
/*
 * The program of tests/e2e/test_services.py, run as boot services and as
 * PID 1 of one image:
 *   svcprog exit     prints its pid and parent, exits 3 at once
 *   svcprog sleep    prints its pid and parent, sleeps 60 s
 *   svcprog main     prints its pid, exits 0 (the image's program)
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "main";

	printf("svcprog %s: pid %d ppid %d\n", mode, (int)getpid(),
	       (int)getppid());
	fflush(stdout);
	if (!strcmp(mode, "exit"))
		return 3;
	if (!strcmp(mode, "sleep")) {
		sleep(60);
		return 0;
	}
	return 0;
}
