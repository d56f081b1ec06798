// SPDX-License-Identifier: MIT
/*
 * Kernel log and panic. All console output (kernel lines and the program's
 * writes) goes through console_out() under one lock, which also tracks the
 * column so a kernel line always starts on a fresh line.
 */
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include "drivers/uart.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "sched/time.h"
#include "mm/vmm.h"
#include "kernel/kallsyms.h"
#include "kernel/power.h"

int klog_level = LOG_INFO;
static struct spinlock console_lock = SPINLOCK_INIT;
static bool at_line_start = true;
static volatile bool panicking;
static volatile bool dumping; /* an NMI dump: print without the lock */

void printk_dump_mode(bool on)
{
	dumping = on;
}

static void out_locked_nl(const char *s, size_t n, bool onlcr)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && onlcr)
			uart_putc('\r');
		uart_putc(s[i]);
		at_line_start = s[i] == '\n';
	}
}

static void out_locked(const char *s, size_t n)
{
	out_locked_nl(s, n, true);
}

/* Write the program's bytes to the console. */
void console_out(const char *s, size_t n)
{
	u64 f = spin_lock_irqsave(&console_lock);
	out_locked(s, n);
	spin_unlock_irqrestore(&console_lock, f);
}

/*
 * The same, with '\n' sent as "\r\n" only if onlcr: the tty's output
 * processing (termios OPOST and ONLCR), which a raw-mode program such as
 * OTP's line editor turns off to move the cursor down with a bare '\n'.
 */
void console_out_tty(const char *s, size_t n, bool onlcr)
{
	u64 f = spin_lock_irqsave(&console_lock);
	out_locked_nl(s, n, onlcr);
	spin_unlock_irqrestore(&console_lock, f);
}

static void log_line(const char *prefix, const char *msg, size_t n)
{
	u64 f = irq_save();
	bool lock = !panicking && !dumping;
	if (lock)
		spin_lock(&console_lock);
	if (!at_line_start)
		out_locked("\n", 1);
	out_locked(prefix, strlen(prefix));
	out_locked(msg, n);
	if (!n || msg[n - 1] != '\n')
		out_locked("\n", 1);
	if (lock)
		spin_unlock(&console_lock);
	irq_restore(f);
}

void klog(int level, const char *fmt, ...)
{
	char buf[512], prefix[40];
	va_list ap;

	if (level > klog_level)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	u64 ns = time_boot_ns();
	snprintf(prefix, sizeof(prefix), "[kiln %4u.%06u] ",
		 (unsigned)(ns / 1000000000), (unsigned)(ns / 1000 % 1000000));
	log_line(prefix, buf, n);
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	log_line("[kiln] ", buf, n);
}

/*
 * Can rbp be the next frame after prev on the same kernel stack? Thread
 * stacks live in the vmalloc area's stack slots, boot and interrupt stacks
 * in the image; a frame pointer anywhere else (user code, corruption) or
 * past its stack ends the walk instead of faulting.
 */
static bool frame_ok(u64 rbp, u64 prev)
{
	if (rbp & 7 || rbp < prev)
		return false;
	u64 top = kstack_top_of(prev);
	if (top)
		return rbp + 16 <= top;
	return prev >= KERNEL_TEXT_MIN && rbp - prev < KSTACK_SIZE &&
	       rbp < ~15UL;
}

/* Print the kernel call chain starting at frame pointer rbp. */
void backtrace_from(u64 rip, u64 rbp)
{
	char sym[96];

	kallsyms_format(rip, sym, sizeof(sym));
	kprintf("  [<%016lx>] %s", rip, sym);
	for (int depth = 0; depth < 32 && frame_ok(rbp, rbp); depth++) {
		u64 *frame = (u64 *)rbp;
		u64 ret = frame[1];
		if (ret < KERNEL_TEXT_MIN)
			break;
		kallsyms_format(ret, sym, sizeof(sym));
		kprintf("  [<%016lx>] %s", ret, sym);
		if (frame[0] == rbp || !frame_ok(frame[0], rbp))
			break;
		rbp = frame[0];
	}
}

__noreturn void panic(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	u64 rbp;

	irq_disable();
	bool first = !__atomic_exchange_n(&panicking, true, __ATOMIC_SEQ_CST);
	if (!first)
		for (;;)
			halt();
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	struct percpu *c = this_cpu();
	kprintf("kernel panic on cpu %u: %s", c ? c->id : 0, buf);
	__asm__ volatile("movq %%rbp, %0" : "=r"(rbp));
	backtrace_from((u64)__builtin_return_address(0), rbp);
	power_off(255);
}

/* A spinlock rule was broken (KILN_DEBUG_LOCKS): name the lock and stop. */
__noreturn void spin_bug(struct spinlock *l, const char *what)
{
	char sym[96];

	kallsyms_format((u64)l, sym, sizeof(sym));
	panic("spinlock %s (%p): %s; held by cpu %d", sym, l, what,
	      (int)l->holder - 1);
}
