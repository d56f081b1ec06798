// SPDX-License-Identifier: MIT
/*
 * Random bytes for AT_RANDOM, getrandom and /dev/urandom. RDRAND is used
 * when present; otherwise a SplitMix64 stream keyed by the TSC. The
 * fallback is not cryptographic: the boot log says which one is in use.
 */
#include "random.h"
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "arch/x86_64/cpu.h"

static u64 mix_state;
static struct spinlock mix_lock = SPINLOCK_INIT;

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

static u64 splitmix(void)
{
	u64 f = spin_lock_irqsave(&mix_lock);
	mix_state += 0x9e3779b97f4a7c15ULL ^ rdtsc();
	u64 z = mix_state;
	spin_unlock_irqrestore(&mix_lock, f);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void random_bytes(void *buf, size_t n)
{
	u8 *p = buf;

	while (n) {
		u64 v;
		if (!cpu_features.rdrand || !rdrand64(&v))
			v = splitmix();
		size_t k = MIN(n, sizeof(v));
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}
