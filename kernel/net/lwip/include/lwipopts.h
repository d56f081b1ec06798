/* SPDX-License-Identifier: MIT */
/*
 * lwIP configuration for Kiln: raw API only (NO_SYS, no sockets, no
 * netconn), every call made under the stack lock (net/netstack.c), memory
 * from the kernel heap so connections cost only what they use. Tuned for
 * servers: MSS 1460, window scaling with 256 KiB windows, TIME_WAIT of 60 s
 * as Linux (TCP_MSL 30 s), a 16-bit listen backlog (patches/), SO_REUSE.
 * IPv4 only: AF_INET6 sockets are -EAFNOSUPPORT (docs/decisions/network.md).
 */
#ifndef KILN_LWIPOPTS_H
#define KILN_LWIPOPTS_H

#define NO_SYS		     1
#define LWIP_SOCKET	     0
#define LWIP_NETCONN	     0
#define LWIP_RAW	     0
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS	     1
#define LWIP_CALLBACK_API    1

/* Memory: the kernel heap for everything (mem_clib_* in sys_arch.c). */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT	8
#include <stddef.h>
void *kiln_lwip_malloc(size_t size);
void *kiln_lwip_calloc(size_t n, size_t size);
void kiln_lwip_free(void *p);
#define mem_clib_malloc kiln_lwip_malloc
#define mem_clib_calloc kiln_lwip_calloc
#define mem_clib_free	kiln_lwip_free
/* Pool sizes only feed lwIP's sanity checks when pools are heap-backed. */
#define MEMP_NUM_TCP_SEG 8192
#define MEMP_NUM_PBUF	 4096
#define PBUF_POOL_SIZE	 1024

/* IPv4, Ethernet, ARP, ICMP, DHCP. */
#define LWIP_IPV4		      1
#define LWIP_IPV6		      0
#define LWIP_ARP		      1
#define LWIP_ETHERNET		      1
#define ARP_QUEUEING		      1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define LWIP_ICMP		      1
#define LWIP_BROADCAST_PING	      1
#define LWIP_DHCP		      1
#define DHCP_DOES_ARP_CHECK	      0 /* an ARP probe would add ~1 s to boot */
#define LWIP_AUTOIP		      0
#define LWIP_IGMP		      0
#define LWIP_DNS		      0 /* DNS servers come from a DHCP hook */
#define IP_REASSEMBLY		      1
#define IP_FRAG			      1
#define IP_DEFAULT_TTL		      64
#define LWIP_NETIF_HOSTNAME	      1
#define LWIP_NETIF_STATUS_CALLBACK    1
#define LWIP_NETIF_LINK_CALLBACK      0
#define LWIP_SINGLE_NETIF	      0
#define LWIP_CHECKSUM_CTRL_PER_NETIF  1

/* Checksums eight bytes a step (lib/csum.c) instead of lwIP's two. */
#include "lib/csum.h"
#define LWIP_CHKSUM(p, len) csum_native((p), (size_t)(len))

/* Loopback: 127.0.0.1 and our own addresses, polled by netstack.c. */
#define LWIP_NETIF_LOOPBACK		   1
#define LWIP_HAVE_LOOPIF		   1
#define LWIP_LOOPBACK_MAX_PBUFS		   0
#define LWIP_NETIF_LOOPBACK_MULTITHREADING 0

/* UDP and TCP. */
#define LWIP_UDP		   1
#define LWIP_UDPLITE		   0
#define LWIP_TCP		   1
#define TCP_MSS			   1460
#define LWIP_WND_SCALE		   1
#define TCP_RCV_SCALE		   3
#define TCP_WND			   (256 * 1024)
#define TCP_SND_BUF		   (256 * 1024)
#define TCP_SND_QUEUELEN	   (4 * TCP_SND_BUF / TCP_MSS + 1)
#define TCP_SNDLOWAT		   (16 * TCP_MSS)
#define TCP_QUEUE_OOSEQ		   1
#define TCP_OOSEQ_MAX_BYTES	   (256 * 1024)
#define LWIP_TCP_SACK_OUT	   1
#define TCP_LISTEN_BACKLOG	   1
#define TCP_DEFAULT_LISTEN_BACKLOG 128
#define TCP_MSL			   30000UL /* TIME_WAIT 2*MSL = 60 s, as Linux */
#define LWIP_TCP_KEEPALIVE	   1
#define SO_REUSE		   1
#define LWIP_TCP_TIMESTAMPS	   0
#define TCP_OVERSIZE		   TCP_MSS

/* Randomness and RFC 6528 initial sequence numbers (sys_arch.c). */
#include <stdint.h>
struct ip4_addr;
uint32_t kiln_lwip_rand(void);
#define LWIP_RAND()	      kiln_lwip_rand()
#define LWIP_HOOK_FILENAME    "kiln_lwip_hooks.h"
#define LWIP_HOOK_ICMP_DUR(p) kiln_icmp_dest_unreach(p) /* patches/0003 */
#define LWIP_HOOK_TCP_ISN     kiln_tcp_isn
/* patches/0005: the TIME-WAIT index */
#define LWIP_HOOK_TCP_TW_ADD(pcb) kiln_tcp_tw_add(pcb)
#define LWIP_HOOK_TCP_TW_DEL(pcb) kiln_tcp_tw_del(pcb)
#define LWIP_HOOK_TCP_TW_LOOKUP(lip, lport, rip, rport)                        \
	kiln_tcp_tw_lookup(lip, lport, rip, rport)
#define LWIP_HOOK_DHCP_PARSE_OPTION(netif, dhcp, state, msg, msg_type, option, \
				    len, pbuf, offset)                         \
	kiln_dhcp_option(netif, option, len, pbuf, offset)

#define LWIP_STATS	   0
#define LWIP_DEBUG	   0
#define LWIP_PROVIDE_ERRNO 0

#endif
