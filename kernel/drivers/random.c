// SPDX-License-Identifier: MIT
/*
 * Random bytes for AT_RANDOM, getrandom and /dev/urandom: a ChaCha20
 * generator with fast key erasure. The 256-bit key absorbs entropy
 * (virtio-rng buffers, RDSEED/RDRAND, the TSC) by XOR followed by a
 * ChaCha20 block. Each request takes a fresh key for itself and replaces
 * the shared one under the lock, then generates outside it. A device
 * source (virtio-rng) is asked for more every RESEED_NS. Without RDRAND
 * and without a device, only the TSC feeds it: the boot log says so.
 */
#include "random.h"
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "arch/x86_64/cpu.h"
#include "sched/time.h"

#define RESEED_NS (60ULL * 1000000000)

static struct spinlock pool_lock = SPINLOCK_INIT;
static u32 pool_key[8];	    /* pool_lock */
static u64 pool_counter;    /* pool_lock */
static u64 device_bytes;    /* pool_lock: bytes from a device source */
static u64 last_request_ns; /* pool_lock */
static void (*source_request)(void);

#define ROTL(a, b) (((a) << (b)) | ((a) >> (32 - (b))))
#define QR(a, b, c, d)                                                         \
	(a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12),     \
	 a += b, d ^= a, d = ROTL(d, 8), c += d, b ^= c, b = ROTL(b, 7))

static void chacha20_block(const u32 key[8], u64 counter, u32 out[16])
{
	u32 in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
	u32 x[16];

	memcpy(in + 4, key, 32);
	in[12] = counter;
	in[13] = counter >> 32;
	memcpy(x, in, sizeof(x));
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++)
		out[i] = x[i] + in[i];
}

static bool rdrand64(u64 *v)
{
	for (int i = 0; i < 10; i++) {
		bool ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

/* XOR 32 bytes into the key and stir (pool_lock held). */
static void absorb(const u32 in[8])
{
	u32 block[16];

	for (int i = 0; i < 8; i++)
		pool_key[i] ^= in[i];
	chacha20_block(pool_key, pool_counter++, block);
	memcpy(pool_key, block, 32);
	memset(block, 0, sizeof(block));
}

void random_add_entropy(const void *buf, size_t len)
{
	const u8 *p = buf;
	u64 f = spin_lock_irqsave(&pool_lock);

	device_bytes += len;
	while (len) {
		u32 chunk[8] = {0};
		size_t k = MIN(len, sizeof(chunk));
		memcpy(chunk, p, k);
		absorb(chunk);
		p += k;
		len -= k;
	}
	spin_unlock_irqrestore(&pool_lock, f);
}

/* A key for one request; the pool's key moves on (pool_lock taken). */
static bool take_key(u32 key[8])
{
	u32 fresh[8] = {0}, block[16];
	u64 now = time_boot_ns(), v = 0;
	bool ask;

	for (int i = 0; i < 4; i++) {
		if (cpu_features.rdrand && rdrand64(&v)) {
			fresh[2 * i] = v;
			fresh[2 * i + 1] = v >> 32;
		}
	}
	fresh[0] ^= rdtsc();
	u64 f = spin_lock_irqsave(&pool_lock);
	absorb(fresh);
	chacha20_block(pool_key, pool_counter++, block);
	memcpy(pool_key, block, 32);
	memcpy(key, block + 8, 32);
	ask = source_request && now - last_request_ns > RESEED_NS;
	if (ask)
		last_request_ns = now;
	spin_unlock_irqrestore(&pool_lock, f);
	memset(block, 0, sizeof(block));
	return ask;
}

void random_bytes(void *buf, size_t n)
{
	u32 key[8], block[16];
	u8 *p = buf;

	if (take_key(key))
		source_request();
	for (u64 ctr = 0; n; ctr++) {
		size_t k = MIN(n, sizeof(block));
		chacha20_block(key, ctr, block);
		memcpy(p, block, k);
		p += k;
		n -= k;
	}
	memset(key, 0, sizeof(key));
	memset(block, 0, sizeof(block));
}

void random_register_source(void (*request)(void))
{
	source_request = request;
	last_request_ns = time_boot_ns();
}

static bool rdseed64(u64 *v)
{
	for (int i = 0; i < 100; i++) {
		bool ok;
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

void random_check_sources(void)
{
	u32 seed[8] = {0};
	u64 v;

	if (cpu_features.rdseed) {
		for (int i = 0; i < 4 && rdseed64(&v); i++) {
			seed[2 * i] = v;
			seed[2 * i + 1] = v >> 32;
		}
		u64 f = spin_lock_irqsave(&pool_lock);
		absorb(seed);
		spin_unlock_irqrestore(&pool_lock, f);
	}
	if (cpu_features.rdrand || cpu_features.rdseed ||
	    READ_ONCE(device_bytes))
		return;
	pr_warn("random: NO GOOD ENTROPY SOURCE (no virtio-rng device, no "
		"RDRAND/RDSEED): getrandom and /dev/urandom are seeded from "
		"the TSC only and are predictable; add `-device "
		"virtio-rng-pci` (microvm: `-device virtio-rng-device`) to "
		"the QEMU command line");
}
