/* SPDX-License-Identifier: MIT */
/* Syscalls for files: tmpfs, /proc, /sys, directories, memfd. Same format as syscall_list.h. */
