/* SPDX-License-Identifier: MIT */
/* Syscalls for waiting: pipes, eventfd, timerfd, epoll, poll, select. Same format as syscall_list.h. */
