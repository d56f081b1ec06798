/* SPDX-License-Identifier: MIT */
/* The NMI state dump (dump.c, docs/debugging.md). */
#ifndef SCHED_DUMP_H
#define SCHED_DUMP_H

struct trapframe;

void dump_nmi(struct trapframe *tf);

#endif
