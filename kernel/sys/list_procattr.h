/* SPDX-License-Identifier: MIT */
/* clang-format off */ /* one line per entry: scripts/gen-syscalls-md.py */
/* Stored per-process attributes and kcmp (sys_procattr.c); sysfs(2) (sys_fsmeta.c). Same format as syscall_list.h. */
SYSCALL(135, personality, 1, partial, "stored, inherited and returned as Linux; STICKY_TIMEOUTS keeps select/pselect6/ppoll from writing the time left; the other flags (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, UNAME26, PER_LINUX32) change nothing")
SYSCALL(139, sysfs, 3, full, "options 1-3 over Kiln's filesystem types (sysfs, tmpfs, proc), as /proc/filesystems")
SYSCALL(251, ioprio_set, 3, partial, "Linux 6.1's class/level checks and permission rules; WHO_PROCESS/PGRP/USER; per process (Linux: per thread); stored only: Kiln has no block I/O to order")
SYSCALL(252, ioprio_get, 2, partial, "as ioprio_set: per process, so another thread's tid (not its process's pid) is ESRCH; unset reads as NONE; PGRP/USER return the best, as Linux")
SYSCALL(312, kcmp, 5, partial, "FILE, VM, FILES; FS, SIGHAND, IO, SYSVSEM compare the processes (never shared between processes in Kiln); EPOLL_TFD EOPNOTSUPP; no ptrace permission check (one user)")
SYSCALL(272, unshare, 1, partial, "a single-threaded process shares nothing: FILES/FS/VM/SIGHAND/THREAD are 0, SYSVSEM applies the undo list; in a multithreaded process FILES/FS/SYSVSEM are EINVAL (per-process state in Kiln); NEWNS accepted (one mount table, no mount(2)); other namespaces EPERM/EINVAL as a Linux without CONFIG_*_NS")
SYSCALL(308, setns, 2, partial, "one namespace of each type in Kiln: joining it through a /proc/PID/ns file (of the type flags names) succeeds with Linux's checks (CAP_SYS_ADMIN, CAP_SYS_CHROOT for mnt, EINVAL for one's own user namespace and for mnt in a multithreaded process, EUSERS for time in one); pidfds and other files EINVAL")
/* clang-format on */
