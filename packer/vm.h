/* SPDX-License-Identifier: MIT */
/*
 * Running QEMU for `kiln run` and turning what it does into an exit status
 * (the protocol with the kernel is described in vm.c).
 */
#ifndef PACKER_VM_H
#define PACKER_VM_H

#include <stdbool.h>
#include <stddef.h>

#define VM_EXIT_TIMEOUT 124
#define VM_EXIT_FAILURE 125

/* The kernel's exit report, out of band on COM2: "kiln-exit N\n". The
 * status in a report file (read whole), or -1 if there is none. */
int vm_parse_report(const char *text, size_t len);
/*
 * kiln run's exit status for a VM that ran to its end: the reported
 * status (or -1), whether the console printed anything, and QEMU's wait
 * status; prints why when it is 125.
 */
int vm_exit_status(int reported, bool saw_output, int wstatus);
/* kiln run --snapshot: when to save the VM, and where. */
struct vm_snapshot {
	const char *host; /* probe this published TCP port (IPv4) ... */
	unsigned int port;
	const char *path; /* ... then append the VM's state to this file */
	bool saved;	  /* out: it was */
};

/*
 * Run QEMU (argv), its console on our stdout; report is the file QEMU
 * writes COM2 to, ctl its QMP socket for a graceful stop (or NULL), snap
 * what --snapshot asks (or NULL). Returns kiln run's exit status (0 once
 * a snapshot is saved).
 */
int vm_run(char *const argv[], const char *report, const char *ctl,
	   struct vm_snapshot *snap, unsigned int timeout_s);

/* Does the TCP port answer a request (any bytes back within 1 s)? */
bool vm_port_answers(const char *host, unsigned int port);

/* Send system_powerdown to the QMP socket at path; 0 or -errno. */
int vm_qmp_powerdown(const char *path);

#endif
