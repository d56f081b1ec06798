/* SPDX-License-Identifier: MIT */
/* Local APIC (timer, IPIs, EOI) and the fixed vectors; see irq.h for devices.
 */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <kernel/types.h>

#define VEC_TIMER	 0x20
#define VEC_DEVICE_FIRST 0x30 /* device vectors, handed out by irq.c */
#define VEC_DEVICE_LAST	 0xef
#define VEC_RESCHED	 0xf0
#define VEC_TLB		 0xf1
#define VEC_STOP	 0xf2
#define VEC_SPURIOUS	 0xff

void lapic_init_bsp(void);
void lapic_init_ap(void);
u32 lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(u32 apic_id, u32 vector);
void lapic_send_init_sipi(u32 apic_id, u32 trampoline_pa);
void lapic_calibrate(void);
u64 lapic_measure_tsc_hz(void);
/* Fire VEC_TIMER on this CPU at monotonic time deadline_ns (0 = never). */
void lapic_timer_arm(u64 deadline_ns);

#endif
