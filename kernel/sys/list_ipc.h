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
SYSCALL(220, semtimedop, 4, full, "relative timeout: EAGAIN when it passes")
/* clang-format on */
