/* SPDX-License-Identifier: MIT */
/* Linux x86_64 ABI numbers: poll(2) and epoll(7) event bits and epoll_ctl
 * operations. tests/unit/test_uapi.c checks each against the host's headers. */
#ifndef UAPI_POLL_H
#define UAPI_POLL_H

#include <stdint.h>

#define POLLIN	       0x001
#define POLLPRI	       0x002
#define POLLOUT	       0x004
#define POLLERR	       0x008
#define POLLHUP	       0x010
#define POLLNVAL       0x020
#define POLLRDNORM     0x040
#define POLLRDBAND     0x080
#define POLLWRNORM     0x100
#define POLLWRBAND     0x200
#define POLLMSG	       0x400
#define POLLRDHUP      0x2000
#define EPOLL_CTL_ADD  1
#define EPOLL_CTL_DEL  2
#define EPOLL_CTL_MOD  3
#define EPOLLEXCLUSIVE (1U << 28)
#define EPOLLWAKEUP    (1U << 29)
#define EPOLLONESHOT   (1U << 30)
#define EPOLLET	       (1U << 31)

/* epoll_ctl/epoll_wait's event: packed on x86_64. */
struct epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));
_Static_assert(sizeof(struct epoll_event) == 12, "struct epoll_event");

#endif
