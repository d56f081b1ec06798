/* SPDX-License-Identifier: MIT */
/* clang-format off */ /* one line per entry: scripts/gen-syscalls-md.py */
/* System V IPC (ipc/, sys_ipc.c). Same format as syscall_list.h. */
SYSCALL(29, shmget, 3, full, "segments are tmpfs shared memory; SHMMAX/SHMMIN/SHMMNI/SHMALL as Linux's defaults; SHM_HUGETLB/NORESERVE ignored")
SYSCALL(30, shmat, 3, full, "SHM_RDONLY/RND/REMAP/EXEC; nattch counts VMAs (fork, split, exit, exec)")
SYSCALL(31, shmctl, 3, full, "IPC_STAT/SET/RMID (destroyed on last detach)/INFO, SHM_INFO/STAT/STAT_ANY/LOCK/UNLOCK")
SYSCALL(64, semget, 3, full, "")
SYSCALL(65, semop, 3, full, "SEM_UNDO (undone at process exit), IPC_NOWAIT, EIDRM, EINTR (never restarted)")
SYSCALL(66, semctl, 4, full, "IPC_STAT/SET/RMID/INFO, SEM_INFO/STAT/STAT_ANY, GET/SETVAL, GET/SETALL, GETPID/NCNT/ZCNT")
SYSCALL(67, shmdt, 1, full, "Linux's rules: the attachment's VMAs in its range, not what was mapped over part of it")
SYSCALL(68, msgget, 2, full, "")
SYSCALL(69, msgsnd, 4, full, "blocks while msg_qbytes is full; IPC_NOWAIT, EIDRM")
SYSCALL(70, msgrcv, 5, full, "msgtyp 0/>0/<0, MSG_NOERROR/EXCEPT/COPY, IPC_NOWAIT, EIDRM")
SYSCALL(71, msgctl, 3, full, "IPC_STAT/SET/RMID/INFO, MSG_INFO/STAT/STAT_ANY")
SYSCALL(240, mq_open, 4, partial, "names in one flat namespace (no /dev/mqueue listing); fd always close-on-exec; msg_max 10, msgsize_max 8192, queues_max 256 (CAP_SYS_RESOURCE passes), RLIMIT_MSGQUEUE fixed at 819200 bytes")
SYSCALL(241, mq_unlink, 1, full, "the queue lives until its last descriptor closes; EPERM (libc: EACCES) for another user's queue")
SYSCALL(242, mq_timedsend, 5, full, "priority order, blocks while full; absolute CLOCK_REALTIME timeout (not moved by a later clock change), EAGAIN, EINTR/SA_RESTART")
SYSCALL(243, mq_timedreceive, 5, full, "highest priority first, FIFO within one; blocking as mq_timedsend")
SYSCALL(244, mq_notify, 2, partial, "SIGEV_SIGNAL (SI_MESGQ) and SIGEV_NONE; SIGEV_THREAD (libc's netlink socket) fails with EOPNOTSUPP")
SYSCALL(245, mq_getsetattr, 3, full, "")
SYSCALL(220, semtimedop, 4, full, "relative timeout: EAGAIN when it passes")
/* clang-format on */
