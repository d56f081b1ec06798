// SPDX-License-Identifier: MIT
/*
 * The console device behind fds 0-2 and /dev/console: writes go to the
 * serial port (through the same lock as kernel log lines), reads come from
 * a receive ring filled by the UART interrupt. It answers the tty ioctls
 * libc asks (TCGETS, TIOCGWINSZ), since a serial console is a terminal.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "file.h"
#include "drivers/uart.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "sched/waitq.h"
#include "arch/x86_64/percpu.h"

void console_out(const char *s, size_t n);

#define RX_SIZE 1024
static u8 rx_buf[RX_SIZE];
static u32 rx_head, rx_tail; /* rx_wait.lock */
static struct waitq rx_wait = {SPINLOCK_INIT, LIST_HEAD_INIT(rx_wait.waiters)};

/* The UART's receive interrupt: move its bytes to the ring, wake readers. */
static void console_irq(void *arg)
{
	int c;
	bool got = false;

	(void)arg;
	spin_lock(&rx_wait.lock);
	while ((c = uart_getc()) >= 0) {
		if (rx_head - rx_tail < RX_SIZE)
			rx_buf[rx_head++ % RX_SIZE] = c;
		got = true;
	}
	spin_unlock(&rx_wait.lock);
	if (got)
		waitq_wake(&rx_wait, POLLIN | POLLRDNORM, -1);
}

/* Console input: the UART interrupt fills the receive ring. */
void console_init_input(void)
{
	uart_enable_rx_irq(console_irq, NULL);
}

static ssize_t console_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	u8 tmp[128];
	(void)pos;

	if (!n)
		return 0;
	if (f->flags & O_NONBLOCK) {
		if (READ_ONCE(rx_head) == READ_ONCE(rx_tail))
			return -EAGAIN;
	} else {
		int ret = waitq_wait_event(&rx_wait, rx_head != rx_tail, 0);
		if (ret)
			return ret;
	}
	u64 fl = spin_lock_irqsave(&rx_wait.lock);
	size_t k = 0;
	while (k < n && k < sizeof(tmp) && rx_tail != rx_head)
		tmp[k++] = rx_buf[rx_tail++ % RX_SIZE];
	spin_unlock_irqrestore(&rx_wait.lock, fl);
	if (copy_to_user(ubuf, tmp, k))
		return -EFAULT;
	return k;
}

static ssize_t console_write(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	char tmp[256];
	size_t done = 0;
	(void)f;
	(void)pos;

	while (done < n) {
		size_t k = MIN(n - done, sizeof(tmp));
		if (copy_from_user(tmp, ubuf + done, k))
			return done ? (ssize_t)done : -EFAULT;
		console_out(tmp, k);
		done += k;
	}
	return done;
}

#define TCGETS	   0x5401
#define TCSETS	   0x5402
#define TCSETSW	   0x5403
#define TCSETSF	   0x5404
#define TIOCGPGRP  0x540f
#define TIOCSPGRP  0x5410
#define TIOCGWINSZ 0x5413
#define FIONREAD   0x541b

struct kernel_termios {
	u32 c_iflag, c_oflag, c_cflag, c_lflag;
	u8 c_line;
	u8 c_cc[19];
};

static struct kernel_termios termios = {
	.c_iflag = 0x500, /* ICRNL | IXON */
	.c_oflag = 0x5,	  /* OPOST | ONLCR */
	.c_cflag = 0xbf,  /* B38400 | CS8 | CREAD */
	.c_lflag =
		0x8a3b, /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
	.c_cc = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22},
};

static int console_ioctl(struct file *f, u32 cmd, u64 arg)
{
	(void)f;
	switch (cmd) {
	case TCGETS:
		return copy_to_user(arg, &termios, sizeof(termios));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return copy_from_user(&termios, arg, sizeof(termios));
	case TIOCGWINSZ: {
		u16 ws[4] = {24, 80, 0, 0};
		return copy_to_user(arg, ws, sizeof(ws));
	}
	case TIOCGPGRP: {
		int pg = current->proc->pgid;
		return copy_to_user(arg, &pg, sizeof(pg));
	}
	case TIOCSPGRP:
		return 0;
	case FIONREAD: {
		int n = READ_ONCE(rx_head) - READ_ONCE(rx_tail);
		return copy_to_user(arg, &n, sizeof(n));
	}
	}
	return -ENOTTY;
}

/* Always writable; readable while the receive ring holds bytes. */
static u32 console_poll(struct file *f, struct poll_table *pt)
{
	(void)f;
	poll_wait(&rx_wait, pt);
	u32 mask = POLLOUT | POLLWRNORM;
	if (READ_ONCE(rx_head) != READ_ONCE(rx_tail))
		mask |= POLLIN | POLLRDNORM;
	return mask;
}

const struct file_ops console_fops = {
	.read = console_read,
	.write = console_write,
	.ioctl = console_ioctl,
	.poll = console_poll,
};
