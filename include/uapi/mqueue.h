/* SPDX-License-Identifier: MIT */
/* Linux's POSIX message queue ABI on x86_64: struct mq_attr (what
 * mq_open and mq_getsetattr pass) and the priority limit. */
#ifndef UAPI_MQUEUE_H
#define UAPI_MQUEUE_H

#include <stdint.h>

#define MQ_PRIO_MAX 32768

struct mq_attr {
	int64_t mq_flags;   /* O_NONBLOCK or 0 */
	int64_t mq_maxmsg;  /* most messages queued */
	int64_t mq_msgsize; /* largest message */
	int64_t mq_curmsgs; /* messages queued now */
	int64_t reserved[4];
};
_Static_assert(sizeof(struct mq_attr) == 64, "mq_attr");

#endif
