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
#include "sched/time.h"
#include "sched/waitq.h"
#include "arch/x86_64/percpu.h"

/*
 * Input goes through a small line discipline that honours the termios
 * flags TCGETS reports (docs/decisions/console-tty.md): ICRNL; ISIG
 * (VINTR, VQUIT: the signal to the foreground process group); ICANON
 * (a read returns one whole line; VERASE, VKILL, VWERASE edit it, VEOF at
 * its start reads as end of file); ECHO (with ECHOE, ECHOK and ECHOCTL);
 * and VMIN/VTIME without ICANON; on output (the program's and the echo),
 * OPOST|ONLCR. It runs in the UART interrupt, as a
 * tty's does, so echo follows typing. `ready` holds what a read may take:
 * bytes, and CONS_EOF for a VEOF on an empty line.
 */
#define RX_SIZE	 1024
#define LINE_MAX 1024
#define CONS_EOF 0x100

#define OPOST	0x1
#define ONLCR	0x4
#define IGNCR	0x80
#define ICRNL	0x100
#define INLCR	0x40
#define ISIG	0x1
#define ICANON	0x2
#define ECHO	0x8
#define ECHOE	0x10
#define ECHOK	0x20
#define ECHONL	0x40
#define NOFLSH	0x80
#define ECHOCTL 0x200
#define VINTR	0
#define VQUIT	1
#define VERASE	2
#define VKILL	3
#define VEOF	4
#define VTIME	5
#define VMIN	6
#define VWERASE 14

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

static u16 ready[RX_SIZE];
static u32 rd_head, rd_tail;		 /* rx_wait.lock */
static u8 line[LINE_MAX];		 /* the line being edited (ICANON) */
static u32 line_len;			 /* rx_wait.lock */
static int fg_pgrp = 1;			 /* TIOCSPGRP; 1: PID 1's group */
static u16 win_cols = 80, win_rows = 24; /* TIOCGWINSZ; set once at boot */
static struct waitq rx_wait = {SPINLOCK_INIT, LIST_HEAD_INIT(rx_wait.waiters)};

/* Output through the tty: '\n' becomes "\r\n" under OPOST|ONLCR. */
static void tty_out(const char *s, size_t n)
{
	u32 of = READ_ONCE(termios.c_oflag);

	console_out_tty(s, n, (of & (OPOST | ONLCR)) == (OPOST | ONLCR));
}

static void put_ready(u16 c)
{
	if (rd_head - rd_tail < RX_SIZE)
		ready[rd_head++ % RX_SIZE] = c;
}

/* Echo c as a tty does (ECHOCTL: ^X for control characters). */
static void echo_char(u8 c)
{
	u32 lf = termios.c_lflag;

	if (!(lf & ECHO)) {
		if (c == '\n' && (lf & ECHONL))
			tty_out("\n", 1);
		return;
	}
	if ((lf & ECHOCTL) && c < 32 && c != '\n' && c != '\t') {
		char two[2] = {'^', (char)(c + 64)};
		tty_out(two, 2);
	} else {
		tty_out((const char *)&c, 1);
	}
}

/* Take the last character off the line, and off the screen (ECHOE). */
static void erase_one(void)
{
	if (!line_len)
		return;
	u8 c = line[--line_len];
	if ((termios.c_lflag & (ECHO | ECHOE)) == (ECHO | ECHOE)) {
		int w = (termios.c_lflag & ECHOCTL) && c < 32 && c != '\t' ? 2
									   : 1;
		while (w--)
			tty_out("\b \b", 3);
	}
}

/* One received byte through the line discipline (rx_wait.lock held). */
static bool input_byte(u8 c, int *sig)
{
	u32 in = termios.c_iflag, lf = termios.c_lflag;
	const u8 *cc = termios.c_cc;

	if (c == '\r' && (in & IGNCR))
		return false;
	if (c == '\r' && (in & ICRNL))
		c = '\n';
	else if (c == '\n' && (in & INLCR))
		c = '\r';
	if ((lf & ISIG) && c && (c == cc[VINTR] || c == cc[VQUIT])) {
		*sig = c == cc[VINTR] ? 2 /* SIGINT */ : 3 /* SIGQUIT */;
		if (!(lf & NOFLSH)) {
			line_len = 0;
			rd_tail = rd_head;
		}
		echo_char(c);
		return false;
	}
	if (!(lf & ICANON)) {
		put_ready(c);
		echo_char(c);
		return true;
	}
	if (c && (c == cc[VERASE] || c == '\b')) {
		erase_one();
		return false;
	}
	if (c && c == cc[VWERASE]) {
		while (line_len && line[line_len - 1] == ' ')
			erase_one();
		while (line_len && line[line_len - 1] != ' ')
			erase_one();
		return false;
	}
	if (c && c == cc[VKILL]) {
		if ((lf & ECHOK) && !(lf & ECHOE))
			echo_char('\n');
		while (line_len)
			erase_one();
		return false;
	}
	bool eof = c && c == cc[VEOF];
	if (!eof) {
		if (line_len < LINE_MAX - 1 || c == '\n')
			line[line_len++] = c;
		echo_char(c);
	}
	if (!eof && c != '\n')
		return false;
	/* the line is done: it becomes readable */
	for (u32 i = 0; i < line_len; i++)
		put_ready(line[i]);
	if (eof && !line_len)
		put_ready(CONS_EOF);
	line_len = 0;
	return true;
}

/* The UART's receive interrupt: its bytes through the discipline. */
static void console_irq(void *arg)
{
	int c, sig = 0;
	bool got = false;

	(void)arg;
	spin_lock(&rx_wait.lock);
	while ((c = uart_getc()) >= 0)
		got |= input_byte((u8)c, &sig);
	int pgrp = fg_pgrp;
	spin_unlock(&rx_wait.lock);
	if (got)
		waitq_wake(&rx_wait, POLLIN | POLLRDNORM, -1);
	if (sig)
		proc_signal_pgrp(pgrp, sig);
}

/* A decimal number in [1, 9999] from s[0..len), or 0. */
static u16 parse_dim(const char *s, size_t len)
{
	u32 v = 0;

	if (!len || len > 4)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (u32)(s[i] - '0');
	}
	return (u16)v;
}

/*
 * The boot option "winsize=COLSxROWS": the size of the terminal kiln run
 * shows the console on, for TIOCGWINSZ (a serial line has no way to tell;
 * OTP's line editor wraps long lines at this width). Without it, 80x24.
 * Changes after boot are not seen (no SIGWINCH). True if word was ours.
 */
bool console_option(const char *w, size_t len)
{
	const char *x;
	u16 cols, rows;

	if (len < 8 || memcmp(w, "winsize=", 8))
		return false;
	x = memchr(w + 8, 'x', len - 8);
	cols = x ? parse_dim(w + 8, (size_t)(x - w - 8)) : 0;
	rows = x ? parse_dim(x + 1, (size_t)(w + len - x - 1)) : 0;
	if (!cols || !rows) {
		pr_warn("console: %.*s: expected winsize=COLSxROWS\n", (int)len,
			w);
		return true;
	}
	win_cols = cols;
	win_rows = rows;
	return true;
}

/* Console input: the UART interrupt fills the receive ring. */
void console_init_input(void)
{
	uart_enable_rx_irq(console_irq, NULL);
}

static bool have_ready(void)
{
	return READ_ONCE(rd_head) != READ_ONCE(rd_tail);
}

static ssize_t console_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	u8 tmp[128];
	(void)pos;

	if (!n)
		return 0;
	bool canon = termios.c_lflag & ICANON;
	u8 vmin = termios.c_cc[VMIN], vtime = termios.c_cc[VTIME];
	if (f->flags & O_NONBLOCK) {
		if (!have_ready())
			return -EAGAIN;
	} else if (!canon && !vmin) {
		/* VMIN 0: return what there is, after VTIME tenths at most */
		u64 deadline = clock_monotonic_ns() + vtime * 100000000ULL;
		if (vtime && !have_ready()) {
			int ret = waitq_wait_event(&rx_wait, have_ready(),
						   deadline);
			if (ret && ret != -ETIMEDOUT)
				return ret;
		}
	} else {
		int ret = waitq_wait_event(&rx_wait, have_ready(), 0);
		if (ret)
			return ret;
	}
	u64 fl = spin_lock_irqsave(&rx_wait.lock);
	size_t k = 0;
	if (rd_tail != rd_head && ready[rd_tail % RX_SIZE] == CONS_EOF) {
		rd_tail++; /* VEOF on an empty line: end of file */
	} else {
		while (k < n && k < sizeof(tmp) && rd_tail != rd_head &&
		       ready[rd_tail % RX_SIZE] != CONS_EOF) {
			u8 c = (u8)ready[rd_tail++ % RX_SIZE];
			tmp[k++] = c;
			if (canon && c == '\n')
				break; /* one line per read */
		}
	}
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
		tty_out(tmp, k);
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

static int console_ioctl(struct file *f, u32 cmd, u64 arg)
{
	(void)f;
	switch (cmd) {
	case TCGETS:
		return copy_to_user(arg, &termios, sizeof(termios));
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		struct kernel_termios t;
		if (copy_from_user(&t, arg, sizeof(t)))
			return -EFAULT;
		u64 fl = spin_lock_irqsave(&rx_wait.lock);
		bool was_canon = termios.c_lflag & ICANON;
		termios = t;
		if (cmd == TCSETSF) {
			rd_tail = rd_head; /* flush input */
			line_len = 0;
		} else if (was_canon && !(t.c_lflag & ICANON)) {
			/* a half-typed line becomes readable */
			for (u32 i = 0; i < line_len; i++)
				put_ready(line[i]);
			line_len = 0;
		}
		spin_unlock_irqrestore(&rx_wait.lock, fl);
		waitq_wake(&rx_wait, POLLIN | POLLRDNORM, -1);
		return 0;
	}
	case TIOCGWINSZ: {
		u16 ws[4] = {win_rows, win_cols, 0, 0};
		return copy_to_user(arg, ws, sizeof(ws));
	}
	case TIOCGPGRP: {
		int pg = READ_ONCE(fg_pgrp);
		return copy_to_user(arg, &pg, sizeof(pg));
	}
	case TIOCSPGRP: {
		int pg;
		if (copy_from_user(&pg, arg, sizeof(pg)))
			return -EFAULT;
		if (pg <= 0)
			return -EINVAL;
		WRITE_ONCE(fg_pgrp, pg);
		return 0;
	}
	case FIONREAD: {
		int n = 0;
		u64 fl = spin_lock_irqsave(&rx_wait.lock);
		for (u32 i = rd_tail; i != rd_head; i++)
			n += ready[i % RX_SIZE] != CONS_EOF;
		spin_unlock_irqrestore(&rx_wait.lock, fl);
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
	if (have_ready())
		mask |= POLLIN | POLLRDNORM;
	return mask;
}

const struct file_ops console_fops = {
	.read = console_read,
	.write = console_write,
	.ioctl = console_ioctl,
	.poll = console_poll,
};
