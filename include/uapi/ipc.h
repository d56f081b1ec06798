/* SPDX-License-Identifier: MIT */
/*
 * Linux's System V IPC ABI on x86_64: the *64_ds structures (what glibc
 * and musl pass, with IPC_64 in the command or not: on x86_64 the old and
 * the 64 forms are the same), the info structures and the flag values.
 */
#ifndef UAPI_IPC_H
#define UAPI_IPC_H

#include <stdint.h>

#define IPC_PRIVATE 0
#define IPC_CREAT   01000
#define IPC_EXCL    02000
#define IPC_NOWAIT  04000

#define IPC_RMID 0
#define IPC_SET	 1
#define IPC_STAT 2
#define IPC_INFO 3
#define IPC_64	 0x0100

/* shmat flags, shm_perm.mode bits, shmctl commands */
#define SHM_RDONLY    010000
#define SHM_RND	      020000
#define SHM_REMAP     040000
#define SHM_EXEC      0100000
#define SHM_HUGETLB   04000
#define SHM_NORESERVE 010000
#define SHM_DEST      01000
#define SHM_LOCKED    02000
#define SHM_LOCK      11
#define SHM_UNLOCK    12
#define SHM_STAT      13
#define SHM_INFO      14
#define SHM_STAT_ANY  15

/* semop flags, semctl commands */
#define SEM_UNDO     0x1000
#define GETPID	     11
#define GETVAL	     12
#define GETALL	     13
#define GETNCNT	     14
#define GETZCNT	     15
#define SETVAL	     16
#define SETALL	     17
#define SEM_STAT     18
#define SEM_INFO     19
#define SEM_STAT_ANY 20

/* msgrcv flags, msgctl commands */
#define MSG_NOERROR  010000
#define MSG_EXCEPT   020000
#define MSG_COPY     040000
#define MSG_STAT     11
#define MSG_INFO     12
#define MSG_STAT_ANY 13

struct ipc64_perm {
	int32_t key;
	uint32_t uid, gid, cuid, cgid;
	uint32_t mode;
	uint16_t seq;
	uint16_t pad2;
	uint64_t unused1, unused2;
};
_Static_assert(sizeof(struct ipc64_perm) == 48, "struct ipc64_perm");
_Static_assert(__builtin_offsetof(struct ipc64_perm, seq) == 24,
	       "ipc64_perm.seq");

struct shmid64_ds {
	struct ipc64_perm shm_perm;
	uint64_t shm_segsz;
	int64_t shm_atime, shm_dtime, shm_ctime;
	int32_t shm_cpid, shm_lpid;
	uint64_t shm_nattch;
	uint64_t unused4, unused5;
};
_Static_assert(sizeof(struct shmid64_ds) == 112, "struct shmid64_ds");
_Static_assert(__builtin_offsetof(struct shmid64_ds, shm_nattch) == 88,
	       "shm_nattch");

struct shminfo64 {
	uint64_t shmmax, shmmin, shmmni, shmseg, shmall;
	uint64_t unused[4];
};
_Static_assert(sizeof(struct shminfo64) == 72, "struct shminfo64");

struct shm_info {
	int32_t used_ids;
	uint64_t shm_tot, shm_rss, shm_swp;
	uint64_t swap_attempts, swap_successes;
};
_Static_assert(sizeof(struct shm_info) == 48, "struct shm_info");

struct semid64_ds {
	struct ipc64_perm sem_perm;
	int64_t sem_otime;
	uint64_t unused1;
	int64_t sem_ctime;
	uint64_t unused2;
	uint64_t sem_nsems;
	uint64_t unused3, unused4;
};
_Static_assert(sizeof(struct semid64_ds) == 104, "struct semid64_ds");
_Static_assert(__builtin_offsetof(struct semid64_ds, sem_nsems) == 80,
	       "sem_nsems");

struct sembuf {
	uint16_t sem_num;
	int16_t sem_op;
	int16_t sem_flg;
};
_Static_assert(sizeof(struct sembuf) == 6, "struct sembuf");

struct seminfo {
	int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz,
		semvmx, semaem;
};
_Static_assert(sizeof(struct seminfo) == 40, "struct seminfo");

struct msqid64_ds {
	struct ipc64_perm msg_perm;
	int64_t msg_stime, msg_rtime, msg_ctime;
	uint64_t msg_cbytes, msg_qnum, msg_qbytes;
	int32_t msg_lspid, msg_lrpid;
	uint64_t unused4, unused5;
};
_Static_assert(sizeof(struct msqid64_ds) == 120, "struct msqid64_ds");
_Static_assert(__builtin_offsetof(struct msqid64_ds, msg_lspid) == 96,
	       "msg_lspid");

struct msginfo {
	int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
	uint16_t msgseg;
};
_Static_assert(sizeof(struct msginfo) == 32, "struct msginfo");

#endif
