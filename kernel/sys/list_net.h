/* SPDX-License-Identifier: MIT */
/* Syscalls for sockets: AF_UNIX now, AF_INET with lwIP later. Same format as syscall_list.h. */
