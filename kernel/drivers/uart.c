// SPDX-License-Identifier: MIT
/*
 * 16550 UART driver (COM1, port 0x3f8). Output is polled; input raises
 * IRQ 4 to the given handler once uart_enable_rx_irq() is called and is drained
 * by the console (fs/console.c). Callers serialise output with the console
 * lock.
 */
#include <kernel/printk.h>
#include "uart.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"

#define COM1	 0x3f8
#define COM2	 0x2f8
#define UART_THR 0
#define UART_RBR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR	 0x01
#define LSR_THRE 0x20

static bool uart_present;

void uart_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x80); /* DLAB */
	outb(COM1 + 0, 1);	     /* 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, 0x03); /* 8N1 */
	outb(COM1 + UART_FCR, 0xc7); /* FIFO on, cleared */
	outb(COM1 + UART_MCR, 0x0b); /* DTR, RTS, OUT2 */
	uart_present = inb(COM1 + UART_LSR) != 0xff;
}

void uart_putc(char c)
{
	if (!uart_present)
		return;
	for (int i = 0; i < 100000; i++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_THR, c);
}

int uart_getc(void)
{
	if (!uart_present || !(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_RBR);
}

int uart_enable_rx_irq(void (*handler)(void *), void *arg)
{
	int ret;

	if (!uart_present || !irq_have_ioapic())
		return -ENODEV;
	ret = irq_attach_isa(4, false, handler, arg, "uart");
	if (ret < 0)
		return ret;
	outb(COM1 + UART_IER, 0x01);
	return 0;
}

/*
 * The exit status out of band, on COM2, where `kiln run` attaches a file
 * (programs can print anything on COM1, including a fake status line,
 * but cannot reach COM2: user mode has no port I/O). Silently nothing if
 * COM2 is absent.
 */
void uart_report_status(int status)
{
	char line[24];
	int n = snprintf(line, sizeof(line), "kiln-exit %d\n", status & 0xff);

	outb(COM2 + UART_IER, 0);
	outb(COM2 + UART_LCR, 0x03);
	if (inb(COM2 + UART_LSR) == 0xff)
		return;
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < 100000; k++)
			if (inb(COM2 + UART_LSR) & LSR_THRE)
				break;
		outb(COM2 + UART_THR, line[i]);
	}
}
