/* SPDX-License-Identifier: MIT */
/* clang-format off */ /* one line per entry: scripts/gen-syscalls-md.py */
/* Credentials: everyone is root and stays root (sys_cred.c). Same format as syscall_list.h. */
SYSCALL(105, setuid, 1, partial, "0 succeeds (root stays root); another uid EPERM: no credentials kept")
SYSCALL(106, setgid, 1, partial, "as setuid")
SYSCALL(113, setreuid, 2, partial, "ids 0 or -1 succeed; others EPERM")
SYSCALL(114, setregid, 2, partial, "as setreuid")
SYSCALL(115, getgroups, 2, full, "no supplementary groups (0), as a kernel-started init")
SYSCALL(117, setresuid, 3, partial, "as setreuid")
SYSCALL(118, getresuid, 3, full, "0, 0, 0")
SYSCALL(119, setresgid, 3, partial, "as setreuid")
SYSCALL(120, getresgid, 3, full, "0, 0, 0")
SYSCALL(122, setfsuid, 1, partial, "returns the old fsuid (0); only 0 takes")
SYSCALL(123, setfsgid, 1, partial, "as setfsuid")
/* clang-format on */
