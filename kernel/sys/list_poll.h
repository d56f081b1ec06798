/* SPDX-License-Identifier: MIT */
/* clang-format off */ /* one line per entry: scripts/gen-syscalls-md.py */
/* Syscalls for waiting: pipes, eventfd, timerfd, epoll, poll, select. Same format as syscall_list.h. */
SYSCALL(7, poll, 3, full, "")
SYSCALL(22, pipe, 1, full, "64 KiB; writes up to PIPE_BUF (4096) atomic; FIONREAD")
SYSCALL(23, select, 5, full, "updates the timeout, as Linux")
SYSCALL(213, epoll_create, 1, full, "")
SYSCALL(232, epoll_wait, 4, full, "")
SYSCALL(233, epoll_ctl, 4, full, "ADD/MOD/DEL; ET, ONESHOT, EXCLUSIVE (as a plain wakeup); nested epoll with ELOOP checks")
SYSCALL(270, pselect6, 6, full, "")
SYSCALL(271, ppoll, 5, full, "")
SYSCALL(281, epoll_pwait, 6, full, "")
SYSCALL(282, signalfd, 3, full, "")
SYSCALL(283, timerfd_create, 2, full, "REALTIME, MONOTONIC, BOOTTIME (and the _ALARM clocks, as plain ones)")
SYSCALL(284, eventfd, 1, full, "")
SYSCALL(289, signalfd4, 4, full, "SFD_NONBLOCK, SFD_CLOEXEC; reads the caller's signals, as Linux; poll and epoll")
SYSCALL(286, timerfd_settime, 4, full, "TFD_TIMER_CANCEL_ON_SET accepted: the realtime clock is never set")
SYSCALL(287, timerfd_gettime, 2, full, "")
SYSCALL(290, eventfd2, 2, full, "EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC")
SYSCALL(291, epoll_create1, 1, full, "")
SYSCALL(293, pipe2, 2, partial, "O_CLOEXEC, O_NONBLOCK; O_DIRECT (packet mode) is EINVAL, as Linux before 3.4")
SYSCALL(441, epoll_pwait2, 6, full, "")
/* clang-format on */
