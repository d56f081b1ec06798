/* SPDX-License-Identifier: MIT */
/*
 * The TCP/IP stack as the rest of the kernel sees it: lwIP behind one
 * sleeping lock, driven by one kernel thread ("net") that drains device
 * receive rings, polls the loopback interface and runs lwIP's timers.
 */
#ifndef NET_NETSTACK_H
#define NET_NETSTACK_H

#include <kernel/types.h>

/* Start the stack: interfaces, addresses, the net thread. */
void netstack_init(void);
/* Wake the net thread (safe from interrupt handlers). */
void netstack_kick(void);
/* The stack lock: every lwIP call is made holding it. */
void net_lock(void);
void net_unlock(void);
bool net_lock_held(void);
/* Is a TCP socket listening on port (any address)? Takes the lock. */
bool net_tcp_listening(u16 port);

#endif
