/* SPDX-License-Identifier: MIT */
/* 16550 UART on COM1: the console for kernel log and the program's fds. */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <kernel/types.h>

void uart_init(void);
void uart_putc(char c);
/* Returns a received byte or -1 when none is waiting. */
int uart_getc(void);
/* Receive interrupts on: handler(arg) runs for each; 0 or -errno. */
int uart_enable_rx_irq(void (*handler)(void *), void *arg);
/* The VM's exit status for `kiln run`, out of band on COM2. */
void uart_report_status(int status);

#endif
