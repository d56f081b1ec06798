// SPDX-License-Identifier: MIT
/*
 * A tiny static port program for the e2e test releases: prints its
 * arguments, one per line, and exits with status 3, so a test can check
 * both what a port sends back and its exit status. Built with musl-gcc
 * -static by tests/e2e/make-apps.sh into the app's priv/portprog.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("portprog: argc=%d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("portprog: arg%d=%s\n", i, argv[i]);
	return 3;
}
