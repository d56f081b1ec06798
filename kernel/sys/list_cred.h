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
SYSCALL(125, capget, 2, full, "versions 1, 2 and 3 (an unknown one: version 3 written back, EINVAL; NULL data: 0); any pid")
SYSCALL(126, capset, 2, full, "own process only (EPERM); new permitted within the old, effective within permitted, inheritable within the old inheritable and permitted sets unless CAP_SETPCAP; no ambient or bounding sets, no file capabilities")
/* clang-format on */
