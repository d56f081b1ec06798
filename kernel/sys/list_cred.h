/* SPDX-License-Identifier: MIT */
/* clang-format off */ /* one line per entry: scripts/gen-syscalls-md.py */
/* Credentials: per-process ids, groups and capabilities (proc/cred.c, sys_cred.c). Same format as syscall_list.h. */
SYSCALL(102, getuid, 0, full, "")
SYSCALL(104, getgid, 0, full, "")
SYSCALL(105, setuid, 1, full, "Linux's rules; capabilities follow the uids (euid 0: all of them)")
SYSCALL(106, setgid, 1, full, "")
SYSCALL(107, geteuid, 0, full, "")
SYSCALL(108, getegid, 0, full, "")
SYSCALL(113, setreuid, 2, full, "saved uid set as Linux")
SYSCALL(114, setregid, 2, full, "")
SYSCALL(115, getgroups, 2, full, "sorted, as Linux")
SYSCALL(116, setgroups, 2, full, "CAP_SETGID; up to NGROUPS_MAX (65536)")
SYSCALL(117, setresuid, 3, full, "")
SYSCALL(118, getresuid, 3, full, "")
SYSCALL(119, setresgid, 3, full, "")
SYSCALL(120, getresgid, 3, full, "")
SYSCALL(122, setfsuid, 1, full, "returns the old fsuid; the filesystem capabilities follow it")
SYSCALL(123, setfsgid, 1, full, "returns the old fsgid")
/* clang-format on */
