// SPDX-License-Identifier: MIT
/*
 * lwIP's port to Kiln: time (sys_now), memory from the kernel heap,
 * diagnostics, randomness, RFC 6528 initial sequence numbers, and the DHCP
 * option hook that picks up DNS servers. Everything here runs with the
 * stack lock held (net/netstack.c), as every lwIP call does.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "lwip/opt.h"
#include "lwip/arch.h"
#include "lwip/sys.h"
#include "kiln_lwip_hooks.h"
#include "drivers/random.h"
#include "mm/kheap.h"
#include "net/netstack.h"
#include "sched/time.h"

u32_t sys_now(void)
{
	return (u32_t)(time_boot_ns() / 1000000);
}

void *kiln_lwip_malloc(size_t size)
{
	return kmalloc(size);
}

void *kiln_lwip_calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kzalloc(n * size);
}

void kiln_lwip_free(void *p)
{
	kfree(p);
}

void kiln_lwip_diag(const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pr_info("lwip: %s", buf);
}

void kiln_lwip_assert(const char *msg, const char *file, int line)
{
	panic("lwip: assertion \"%s\" failed at %s:%d", msg, file, line);
}

int atoi(const char *s)
{
	int n = 0;

	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return n;
}

uint32_t kiln_lwip_rand(void)
{
	u32 r;

	random_bytes(&r, sizeof(r));
	return r;
}

/* SipHash-2-4 of four 64-bit words under a 128-bit key. */
#define ROTL(x, b) (u64)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = ROTL(v1, 13);                                             \
		v1 ^= v0;                                                      \
		v0 = ROTL(v0, 32);                                             \
		v2 += v3;                                                      \
		v3 = ROTL(v3, 16);                                             \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = ROTL(v3, 21);                                             \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = ROTL(v1, 17);                                             \
		v1 ^= v2;                                                      \
		v2 = ROTL(v2, 32);                                             \
	} while (0)

static u64 siphash(const u64 key[2], const u64 *m, int n)
{
	u64 v0 = key[0] ^ 0x736f6d6570736575ULL;
	u64 v1 = key[1] ^ 0x646f72616e646f6dULL;
	u64 v2 = key[0] ^ 0x6c7967656e657261ULL;
	u64 v3 = key[1] ^ 0x7465646279746573ULL;

	for (int i = 0; i < n; i++) {
		v3 ^= m[i];
		SIPROUND;
		SIPROUND;
		v0 ^= m[i];
	}
	u64 b = (u64)(n * 8) << 56;
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * RFC 6528: ISN = M + F(local, remote, secret), M a 4 microsecond clock,
 * F a keyed hash, so sequence numbers are unpredictable off-path yet keep
 * increasing for one connection 4-tuple (lwIP's default is a counter).
 */
u32_t kiln_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
		   const ip_addr_t *remote_ip, u16_t remote_port)
{
	static u64 key[2];
	static bool keyed;
	u64 m[2];

	if (!keyed) {
		random_bytes(key, sizeof(key));
		keyed = true;
	}
	m[0] = (u64)ip_2_ip4(local_ip)->addr << 32 | ip_2_ip4(remote_ip)->addr;
	m[1] = (u64)local_port << 16 | remote_port;
	return (u32_t)siphash(key, m, 2) + (u32_t)(clock_monotonic_ns() / 4000);
}

/* DHCP option 6 (domain name servers): remembered for /etc/resolv.conf. */
void kiln_dhcp_option(struct netif *netif, u8_t option, u8_t len,
		      struct pbuf *p, u16_t offset)
{
	u32 addrs[NET_DNS_MAX];
	int n = 0;

	if (option != 6)
		return;
	for (; n < NET_DNS_MAX && (n + 1) * 4 <= len; n++)
		if (pbuf_copy_partial(p, &addrs[n], 4, offset + n * 4) != 4)
			break;
	net_set_dns(netif, addrs, n);
}
