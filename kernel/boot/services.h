/* SPDX-License-Identifier: MIT */
/*
 * Boot services (boot/services.c): programs from the image's
 * /.kiln/services, started before PID 1 runs (a release's epmd).
 */
#ifndef BOOT_SERVICES_H
#define BOOT_SERVICES_H

struct thread;
struct kiln_boot_desc;

/* The image's boot descriptor (boot/main.c; include/kiln/image.h). */
extern struct kiln_boot_desc kiln_desc;

/*
 * Start the image's boot services, waiting for each to listen where its
 * line says, then make init (PID 1's thread, created but not yet
 * runnable) runnable. Returns at once; the work runs in a kernel thread.
 */
void services_start(struct thread *init);

#endif
