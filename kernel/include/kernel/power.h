/* SPDX-License-Identifier: MIT */
/*
 * Ending the VM. power_off() prints "[kiln] exit status N" (the line
 * `kiln run` reads), then tries isa-debug-exit, ACPI S5 and the i8042
 * reset line, in that order.
 */
#ifndef KERNEL_POWER_H
#define KERNEL_POWER_H

#include <kernel/types.h>

__noreturn void power_off(int status);

#endif
