/* SPDX-License-Identifier: MIT */
/*
 * The one list of implemented syscalls. Each entry:
 *   SYSCALL(number, linux_name, nargs, status, "notes")
 * status is full (Linux semantics for every variant Linux programs and
 * ERTS use), partial (the notes say what is missing) or stub (an honest
 * constant answer, with the reason). It feeds the dispatch table, the
 * names in syscall traces and docs/syscalls.md (make docs). Numbers not
 * listed return -ENOSYS, logged once with the Linux name.
 */
SYSCALL(0, read, 3, full, "")
SYSCALL(1, write, 3, full, "")
SYSCALL(2, open, 3, full,
	"image files read-only, tmpfs everywhere else, /proc, /dev; "
	"O_CREAT/O_EXCL/O_TRUNC/O_TMPFILE/O_PATH")
SYSCALL(3, close, 1, full, "")
SYSCALL(4, stat, 2, full, "")
SYSCALL(5, fstat, 2, full, "")
SYSCALL(6, lstat, 2, full, "")
SYSCALL(8, lseek, 3, full, "SEEK_SET/CUR/END")
SYSCALL(9, mmap, 6, partial,
	"anonymous and file-backed (private COW, shared); shared anonymous "
	"memory is not shared across fork yet")
SYSCALL(10, mprotect, 3, full, "")
SYSCALL(11, munmap, 2, full, "frees pages and address space at once")
SYSCALL(12, brk, 1, full, "")
SYSCALL(13, rt_sigaction, 4, full,
	"SA_SIGINFO/ONSTACK/RESTART/NODEFER/RESETHAND")
SYSCALL(14, rt_sigprocmask, 4, full, "")
SYSCALL(15, rt_sigreturn, 0, full, "restored state sanitised")
SYSCALL(16, ioctl, 3, partial,
	"console tty ioctls, FIONBIO, FIOCLEX/FIONCLEX, FIONREAD; ENOTTY "
	"elsewhere")
SYSCALL(17, pread64, 4, full, "")
SYSCALL(19, readv, 3, full, "")
SYSCALL(20, writev, 3, full, "zero-length NULL iov entries allowed")
SYSCALL(21, access, 2, full, "")
SYSCALL(24, sched_yield, 0, full, "")
SYSCALL(25, mremap, 5, full, "")
SYSCALL(28, madvise, 3, full,
	"DONTNEED/FREE zap anonymous pages; hints accepted")
SYSCALL(32, dup, 1, full, "")
SYSCALL(33, dup2, 2, full, "")
SYSCALL(34, pause, 0, full, "")
SYSCALL(35, nanosleep, 2, full, "")
SYSCALL(39, getpid, 0, full, "")
SYSCALL(56, clone, 5, full, "threads, fork (copy-on-write), vfork semantics")
SYSCALL(57, fork, 0, full, "")
SYSCALL(58, vfork, 0, full, "the parent waits for exec or exit")
SYSCALL(59, execve, 3, full,
	"static and dynamic ELF from the file tree; #! scripts")
SYSCALL(60, exit, 1, full, "")
SYSCALL(61, wait4, 4, full, "rusage zeroed")
SYSCALL(62, kill, 2, full, "")
SYSCALL(63, uname, 1, full, "")
SYSCALL(72, fcntl, 3, full,
	"F_GETFL/SETFL/GETFD/SETFD/DUPFD(_CLOEXEC); F_GETLK/SETLK(W)/OFD_* "
	"accepted")
SYSCALL(79, getcwd, 2, full, "")
SYSCALL(80, chdir, 1, full, "")
SYSCALL(89, readlink, 3, full, "")
SYSCALL(95, umask, 1, full, "")
SYSCALL(96, gettimeofday, 2, full, "")
SYSCALL(97, getrlimit, 2, full, "")
SYSCALL(98, getrusage, 2, partial, "CPU time all reported as user time")
SYSCALL(99, sysinfo, 1, full, "")
SYSCALL(100, times, 1, partial, "as getrusage")
SYSCALL(102, getuid, 0, full, "always 0 (root)")
SYSCALL(104, getgid, 0, full, "always 0")
SYSCALL(107, geteuid, 0, full, "always 0")
SYSCALL(108, getegid, 0, full, "always 0")
SYSCALL(109, setpgid, 2, full, "")
SYSCALL(110, getppid, 0, full, "")
SYSCALL(111, getpgrp, 0, full, "")
SYSCALL(112, setsid, 0, full, "")
SYSCALL(121, getpgid, 1, full, "")
SYSCALL(124, getsid, 1, full, "")
SYSCALL(127, rt_sigpending, 2, full, "")
SYSCALL(128, rt_sigtimedwait, 4, full, "")
SYSCALL(130, rt_sigsuspend, 2, full, "")
SYSCALL(131, sigaltstack, 2, full, "")
SYSCALL(140, getpriority, 2, stub, "nice 0 for everyone")
SYSCALL(141, setpriority, 3, stub, "accepted, one priority for all threads")
SYSCALL(143, sched_getparam, 2, stub, "SCHED_OTHER, priority 0")
SYSCALL(145, sched_getscheduler, 1, stub, "SCHED_OTHER")
SYSCALL(146, sched_get_priority_max, 1, full, "")
SYSCALL(147, sched_get_priority_min, 1, full, "")
SYSCALL(157, prctl, 5, partial,
	"PR_SET/GET_NAME, PR_SET_PDEATHSIG...; others EINVAL")
SYSCALL(158, arch_prctl, 2, full, "ARCH_SET/GET_FS/GS")
SYSCALL(160, setrlimit, 2, full, "")
SYSCALL(186, gettid, 0, full, "")
SYSCALL(200, tkill, 2, full, "")
SYSCALL(201, time, 1, full, "")
SYSCALL(202, futex, 6, full,
	"WAIT/WAKE/(CMP_)REQUEUE/WAKE_OP/*_BITSET, private and shared, "
	"MONOTONIC/REALTIME; PI ops ENOSYS")
SYSCALL(203, sched_setaffinity, 3, stub, "accepted, not enforced")
SYSCALL(204, sched_getaffinity, 3, full, "the vCPUs")
SYSCALL(217, getdents64, 3, full, "")
SYSCALL(218, set_tid_address, 1, full, "")
SYSCALL(228, clock_gettime, 2, full,
	"REALTIME/MONOTONIC(_RAW/_COARSE)/BOOTTIME/PROCESS/THREAD_CPUTIME")
SYSCALL(229, clock_getres, 2, full, "")
SYSCALL(230, clock_nanosleep, 4, full, "")
SYSCALL(231, exit_group, 1, full, "")
SYSCALL(234, tgkill, 3, full, "")
SYSCALL(247, waitid, 5, full, "P_ALL/P_PID/P_PGID")
SYSCALL(257, openat, 4, full, "as open")
SYSCALL(262, newfstatat, 4, full, "AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW")
SYSCALL(267, readlinkat, 4, full, "")
SYSCALL(269, faccessat, 3, full, "")
SYSCALL(273, set_robust_list, 2, full, "recorded")
SYSCALL(274, get_robust_list, 3, full, "")
SYSCALL(292, dup3, 3, full, "")
SYSCALL(302, prlimit64, 4, full, "own process; STACK 8 MiB, NOFILE 65536")
SYSCALL(309, getcpu, 3, full, "")
SYSCALL(318, getrandom, 3, full, "RDRAND or TSC-seeded")
SYSCALL(334, rseq, 4, stub, "-ENOSYS: glibc then works without it")
SYSCALL(435, clone3, 2, full, "")
SYSCALL(439, faccessat2, 4, full, "")

/* Areas maintained separately (one file each, same format). */
#include "list_fs.h"
#include "list_poll.h"
#include "list_net.h"
