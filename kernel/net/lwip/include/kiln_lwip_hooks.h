/* SPDX-License-Identifier: MIT */
/* Hooks lwIP calls into Kiln (declared for lwIP's sources; sys_arch.c). */
#ifndef KILN_LWIP_HOOKS_H
#define KILN_LWIP_HOOKS_H

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"

u32_t kiln_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
		   const ip_addr_t *remote_ip, u16_t remote_port);
/* An ICMP destination unreachable arrived (p at its ICMP header). */
void kiln_icmp_dest_unreach(struct pbuf *p);
/* The TIME-WAIT index (net/netstack.c, lwIP patch 0005). */
struct tcp_pcb;
void kiln_tcp_tw_add(struct tcp_pcb *pcb);
void kiln_tcp_tw_del(struct tcp_pcb *pcb);
struct tcp_pcb *kiln_tcp_tw_lookup(const ip_addr_t *lip, u16_t lport,
				   const ip_addr_t *rip, u16_t rport);
void kiln_dhcp_option(struct netif *netif, u8_t option, u8_t len,
		      struct pbuf *p, u16_t offset);

#endif
