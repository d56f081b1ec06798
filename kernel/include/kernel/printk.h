/* SPDX-License-Identifier: MIT */
/*
 * Kernel log. Every kernel line on the console starts with "[kiln" so tests
 * can tell kernel lines from program output: "[kiln   1.234567] msg".
 * Levels filter by the `loglevel=` command line option (default INFO).
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <kernel/types.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern int klog_level;

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void klog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Raw console output without the prefix, for multi-line reports. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* While on, kernel lines skip the console lock (the NMI dump, which may
 * have interrupted a CPU holding it). */
void printk_dump_mode(bool on);
/* A program's bytes to the console, with \n as \r\n when onlcr
 * (the console's OPOST|ONLCR), under the console lock. */
void console_out_tty(const char *s, size_t n, bool onlcr);
__noreturn void panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#define pr_err(...)   klog(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

#define BUG_ON(c)                                                              \
	do {                                                                   \
		if (unlikely(c))                                               \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c);     \
	} while (0)

#endif
