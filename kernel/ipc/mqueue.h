/* SPDX-License-Identifier: MIT */
/*
 * POSIX message queues (mqueue.c): named queues of prioritised messages
 * whose descriptors are files (poll, O_NONBLOCK, dup, fork, close). The
 * syscalls in sys/sys_ipc.c decode arguments and call these; user
 * pointers are u64, timeouts are monotonic deadlines (0: none).
 */
#ifndef IPC_MQUEUE_H
#define IPC_MQUEUE_H

#include <kernel/types.h>
#include <uapi/mqueue.h>

/* Linux's defaults for /proc/sys/fs/mqueue (fixed here). */
#define MQ_QUEUES_MAX	   256
#define MQ_MSG_MAX	   10
#define MQ_MSGSIZE_MAX	   8192
#define MQ_MSG_DEFAULT	   10
#define MQ_MSGSIZE_DEFAULT 8192
/* What CAP_SYS_RESOURCE may ask for (Linux's HARD_MSGMAX/MSGSIZEMAX). */
#define MQ_HARD_MSGMAX	   65536
#define MQ_HARD_MSGSIZEMAX (16 * 1024 * 1024)

struct file;

/* mq_open on a name already copied in (without libc's leading '/'):
 * attr NULL for the defaults. The new file, or -errno. */
int mq_open_name(const char *name, int oflag, u32 mode,
		 const struct mq_attr *attr, struct file **out);
int mq_unlink_name(const char *name);
/* The queue file f, or -EBADF if f is not one. */
long mq_send(struct file *f, u64 ubuf, u64 len, u32 prio, u64 deadline);
long mq_receive(struct file *f, u64 ubuf, u64 len, u64 uprio, u64 deadline);
/* notify NULL: unregister (if the caller registered). */
struct mq_notify_req {
	int notify; /* SIGEV_SIGNAL or SIGEV_NONE */
	int signo;
	u64 value;
};
long mq_notify_set(struct file *f, const struct mq_notify_req *req);
long mq_getsetattr(struct file *f, const struct mq_attr *set,
		   struct mq_attr *old);
/* Is f a message queue descriptor? */
bool mq_is_queue(struct file *f);

#endif
