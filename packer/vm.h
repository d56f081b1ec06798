/* SPDX-License-Identifier: MIT */
/*
 * Running QEMU for `kiln run` and turning what it does into an exit status
 * (the protocol with the kernel is described in vm.c).
 */
#ifndef PACKER_VM_H
#define PACKER_VM_H

#include <stdbool.h>
#include <stddef.h>

#define VM_EXIT_TIMEOUT	 124
#define VM_EXIT_FAILURE	 125
#define VM_STATUS_PREFIX "[kiln] exit status "

/* Finds the last "[kiln] exit status N" line in a stream of output. */
struct vm_scan {
	char line[32]; /* the current line, if it may still match */
	size_t len;
	bool too_long; /* the current line cannot match */
	bool saw_output;
	int status; /* last status reported, or -1 */
};

void vm_scan_init(struct vm_scan *s);
void vm_scan_feed(struct vm_scan *s, const char *buf, size_t n);
void vm_scan_end(struct vm_scan *s);
int vm_exit_status(const struct vm_scan *s, int wstatus);
int vm_run(char *const argv[], unsigned int timeout_s);

#endif
