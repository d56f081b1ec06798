/* SPDX-License-Identifier: MIT */
/*
 * The kernel's virtual memory layout (usable from C and assembly).
 *   0x0000000000000000 - 0x00007fffffffffff  user space (one per process)
 *   0xffff800000000000 - ...                 direct map of physical memory
 *   0xffffc90000000000 - ...                 vmalloc: kernel stacks, MMIO
 *   0xffffffff80000000 - ...                 kernel image (phys 1 MiB up)
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define KERNEL_VMA	0xffffffff80000000
#define KERNEL_LMA	0x100000
#define DIRECT_MAP_BASE 0xffff800000000000
#define VMALLOC_BASE	0xffffc90000000000
#define VMALLOC_SIZE	0x0000010000000000
#define USER_TOP	0x0000800000000000

/* AP trampoline is copied to this low physical page. */
#define AP_TRAMPOLINE_PA 0x8000

#endif
