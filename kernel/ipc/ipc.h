/* SPDX-License-Identifier: MIT */
/*
 * System V IPC: the key/id namespace shared by shared memory (shm.c),
 * semaphore arrays (sem.c) and message queues (msg.c). Each kind has one
 * struct ipc_ids: a table of objects indexed like Linux (id = index +
 * seq * IPC_MNI, the sequence moving on when allocation wraps, so a
 * reused slot gets a new id), a spinlock and a mutex.
 *
 * Locking (also docs/decisions/sysv-ipc.md):
 *   ids->get_mutex  serialises *get (key lookup + creation, which
 *                   allocates and may sleep); taken before ids->lock.
 *   ids->lock       (spinlock, interrupts on) guards the table and the
 *                   state of every object of that kind.
 * Order: mm->lock -> shm ids->lock (shm's mapping hook runs under the mm
 * lock); sem/msg ids->lock -> an object's wait queue lock -> sched_lock.
 * No user memory is touched under ids->lock: data is copied into kernel
 * buffers first and out after. Objects are reference counted so a
 * sleeper can hold one across IPC_RMID (it then sees o->deleted).
 */
#ifndef IPC_IPC_H
#define IPC_IPC_H

#include <kernel/spinlock.h>
#include <kernel/types.h>
#include <uapi/ipc.h>
#include "sched/mutex.h"

#define IPC_MNI 32768 /* ids: index + seq * IPC_MNI (Linux IPCMNI) */

/* Limits: Linux's defaults, fixed (/proc/sys/kernel shows them). */
#define SHMMIN 1
#define SHMMNI 4096
#define SHMMAX (~0UL - (1UL << 24))
#define SHMALL (~0UL - (1UL << 24)) /* pages */
#define SEMMSL 32000		    /* semaphores per array */
#define SEMMNI 32000		    /* arrays */
#define SEMMNS (SEMMNI * SEMMSL)    /* semaphores in all */
#define SEMOPM 500		    /* operations per semop */
#define SEMVMX 32767		    /* largest value */
#define MSGMNI 32000		    /* queues */
#define MSGMAX 8192		    /* bytes per message */
#define MSGMNB 16384		    /* default msg_qbytes */

/* The part every object starts with (Linux's kern_ipc_perm). */
struct ipc_obj {
	s32 key;		  /* IPC_PRIVATE after shm's IPC_RMID */
	u32 uid, gid, cuid, cgid; /* ids->lock */
	u32 mode;		  /* ids->lock: 0777 bits + SHM_* */
	int id;			  /* fixed once added */
	bool deleted;		  /* ids->lock: out of the table */
	int refcount;		  /* atomic: the table's + users' */
};

struct ipc_ids {
	struct spinlock lock;
	struct mutex get_mutex;
	struct ipc_obj **slots;		 /* lock; cap entries */
	int cap;			 /* lock */
	int in_use;			 /* lock */
	int last_idx;			 /* lock: allocation goes on after it */
	int seq;			 /* lock: sequence of new ids */
	int mni;			 /* most objects at once */
	void (*free)(struct ipc_obj *o); /* the last reference went */
};

#define IPC_IDS_INIT(name, max, free_fn)                                       \
	{                                                                      \
		.lock = SPINLOCK_INIT,                                         \
		.get_mutex = {.wq = {SPINLOCK_INIT,                            \
				     LIST_HEAD_INIT(                           \
					     name.get_mutex.wq.waiters)},      \
			      .owner = NULL},                                  \
		.last_idx = -1, .mni = (max), .free = (free_fn),               \
	}

/* How *get creates and vets objects of one kind. */
struct ipc_get_ops {
	/* a new object for key and flags (allocated, not yet in the table)
	 * or an -errno in *err */
	struct ipc_obj *(*create)(s32 key, int flags, void *arg, int *err);
	/* may an existing object be opened with arg (size, nsems)? */
	int (*check)(struct ipc_obj *o, void *arg);
};

/* shmget/semget/msgget: the id of key's object, created per flags. */
int ipc_get(struct ipc_ids *ids, s32 key, int flags,
	    const struct ipc_get_ops *ops, void *arg);
/* The object with this id, referenced, or NULL (-EINVAL for callers). */
struct ipc_obj *ipc_lookup(struct ipc_ids *ids, int id);
struct ipc_obj *ipc_lookup_locked(struct ipc_ids *ids, int id);
/* The object at table index idx (the *_STAT commands), referenced. */
struct ipc_obj *ipc_lookup_index(struct ipc_ids *ids, int idx);
/* Take o out of the table (IPC_RMID); the caller still holds its own
 * reference and drops the table's with ipc_put once unlocked. */
void ipc_remove_locked(struct ipc_ids *ids, struct ipc_obj *o);
void ipc_get_ref(struct ipc_obj *o);
void ipc_put(struct ipc_ids *ids, struct ipc_obj *o);
/* The highest index in use, or 0 (what the *_INFO commands return). */
int ipc_max_index(struct ipc_ids *ids);
int ipc_in_use(struct ipc_ids *ids);

/*
 * The one permission check: may the caller use o for flag (0400 read,
 * 0200 write, both, or 0 just to name it)? 0 or -EACCES. The mode bits
 * are matched against the caller's uid/gid as Linux's ipcperms does;
 * CAP_IPC_OWNER (everyone is root today) overrides them.
 */
int ipc_check_perm(const struct ipc_obj *o, int flag);
/* IPC_SET / IPC_RMID: owner, creator or CAP_SYS_ADMIN. 0 or -EPERM. */
int ipc_check_owner(const struct ipc_obj *o);
void ipc_init_perm(struct ipc_obj *o, s32 key, int flags);
void ipc_fill_perm(const struct ipc_obj *o, struct ipc64_perm *p);
/* IPC_SET: uid, gid and the 0777 bits from p. */
void ipc_set_perm(struct ipc_obj *o, const struct ipc64_perm *p);
/* Realtime seconds (the *_time fields) and the caller's pid. */
s64 ipc_now(void);
int ipc_pid(void);

/* A SysV command without IPC_64 (0x100, which glibc and musl add). */
static inline int ipc_cmd(int cmd)
{
	return cmd & ~IPC_64;
}

/* The mechanisms behind the syscalls (user pointers are u64). */
long shm_get(s32 key, u64 size, int flags);
long shm_attach(int id, u64 addr, int flags);
long shm_detach(u64 addr);
long shm_ctl(int id, int cmd, u64 ubuf);
long sem_get(s32 key, int nsems, int flags);
/* semop on kernel copies of the operations; deadline: monotonic ns or 0 */
long sem_op(int id, struct sembuf *sops, u32 nsops, u64 deadline);
long sem_ctl(int id, int num, int cmd, u64 arg);
long msg_get(s32 key, int flags);
long msg_send(int id, u64 umsg, u64 size, int flags);
long msg_recv(int id, u64 umsg, u64 size, s64 type, int flags);
long msg_ctl(int id, int cmd, u64 ubuf);

/*
 * The /proc files of System V IPC, by path under /proc: "sysvipc/shm",
 * "sysvipc/sem", "sysvipc/msg" (one line per object, as Linux) and the
 * limits "sys/kernel/{shmmax,shmall,shmmni,sem,msgmax,msgmnb,msgmni}".
 * Each line of text goes to emit(ctx, line).
 */
void ipc_proc_show(const char *name, void (*emit)(void *ctx, const char *line),
		   void *ctx);
void shm_proc_show(void (*emit)(void *ctx, const char *line), void *ctx);
void sem_proc_show(void (*emit)(void *ctx, const char *line), void *ctx);
void msg_proc_show(void (*emit)(void *ctx, const char *line), void *ctx);
/* "  644": mode's low 12 bits in octal, as Linux's "%4o" */
void ipc_mode_octal(u32 mode, char out[8]);

struct process;
/* Apply and drop p's SEM_UNDO adjustments: its last thread left. */
void sem_exit(struct process *p);

#endif
