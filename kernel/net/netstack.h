/* SPDX-License-Identifier: MIT */
/*
 * The TCP/IP stack as the rest of the kernel sees it: lwIP behind one
 * sleeping lock, driven by one kernel thread ("net") that drains device
 * receive rings and runs lwIP's timers. Loopback traffic is delivered
 * when the lock is released (net_unlock), so a send to 127.0.0.1 reaches
 * the receiver before the sending syscall returns, as on Linux.
 *
 * Addressing: the kernel command line's `ip=A/N gw=G dns=D[,D]
 * hostname=H host=NAME:A` (static), else DHCP on eth0 (waited for at
 * boot, bounded). /etc/hosts, /etc/resolv.conf and /etc/hostname are
 * written to match before the first program starts.
 *
 * Lock order: net lock (mutex) -> a socket's spinlock -> wait queue locks
 * -> sched_lock. Nothing under the net lock touches user memory.
 */
#ifndef NET_NETSTACK_H
#define NET_NETSTACK_H

#include <kernel/types.h>

#define NET_DNS_MAX 3

struct netif;

/* A kernel command-line word for the stack (ip=, gw=...): true if taken. */
bool netstack_option(const char *w, size_t len);
/* Start the stack: interfaces, addresses (waiting for DHCP), /etc files,
 * the net thread. Called once the image's files are loaded. */
void netstack_init(void);
/* Wake the net thread (safe from interrupt handlers). */
void netstack_kick(void);
/* The stack's state on the console (the NMI dump: no locks taken). */
void netstack_dump(void);
/* The `stats` lines of the network devices. */
void netstack_print_stats(void);
/* The stack lock: every lwIP call is made holding it. */
void net_lock(void);
void net_unlock(void);
bool net_lock_held(void);
/* True once a TCP listener exists on port (any local address). */
bool net_tcp_listening(u16 port);
/* DHCP's DNS servers (network byte order), from the option hook. */
void net_set_dns(struct netif *nif, const u32 *addrs, int n);
/* The source address a packet to dst would carry (net lock held;
 * network byte order; 0 without a route). */
u32 net_source_addr(u32 dst);
/* One interface as programs see it (SIOCGIF*, netlink). */
struct net_iface {
	char name[16];
	int index;
	bool loopback, up;
	u16 mtu;
	u8 mac[6];
	u32 addr, mask; /* network byte order; 0: none */
};
/* The interfaces, in index order; the count (at most max). */
int net_ifaces(struct net_iface *out, int max);
/* The interface Linux would call name ("lo", "eth0"), or NULL; net lock. */
struct netif *net_netif_by_name(const char *name);
/* Is addr (network byte order) one of ours: loopback, an interface's? */
bool net_addr_is_local(u32 addr);

#endif
