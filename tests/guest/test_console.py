# SPDX-License-Identifier: MIT
"""The console's line discipline, driven through kiln run's stdin.

A program reads fds 0 as a terminal: whole lines in canonical mode with
the input echoed, Enter's \\r read as \\n (ICRNL), erase and kill editing,
^D at the start of a line as end of file, raw mode (no ICANON, no ECHO)
returning bytes at once, output without OPOST keeping a bare \\n (as OTP's
line editor needs to move the cursor down), and ^C raising SIGINT in the
foreground process group. The harness types each part only once the
program says it is reading. The host has no console to compare with: what
Linux's tty does for the same bytes is written down here.
"""
import os
import subprocess
import time

import pytest

import guestlib as g

PROG = r"""
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
static volatile sig_atomic_t got;
static void on_int(int s) { got = s; }
static void rd(const char *tag)
{
	char b[256];
	ssize_t n = read(0, b, sizeof(b));
	printf("%s: %zd [", tag, n);
	for (ssize_t i = 0; i < n; i++)
		printf(b[i] == '\n' ? "\\n" : "%c", b[i]);
	printf("]\n");
	fflush(stdout);
}
static void ready(int n) { printf("ready %d\n", n); fflush(stdout); }
int main(void)
{
	struct termios t;
	signal(SIGINT, on_int);
	ready(1); rd("line1");
	ready(2); rd("line2");
	ready(3); rd("line3");
	ready(4); rd("eof");
	tcgetattr(0, &t);
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(0, TCSANOW, &t);
	ready(5); rd("raw");
	t.c_oflag &= ~OPOST;
	tcsetattr(0, TCSANOW, &t);
	printf("bare\n");
	fflush(stdout);
	t.c_oflag |= OPOST;
	t.c_lflag |= ICANON | ECHO | ISIG;
	tcsetattr(0, TCSANOW, &t);
	ready(6);
	while (!got)
		usleep(10000);
	printf("sigint %d\n", got);
	return 0;
}
"""

INPUT = {1: b"hello\r", 2: b"abX\x7fc\r", 3: b"junk\x15ok\r", 4: b"\x04",
         5: b"xyz", 6: b"\x03"}


@pytest.fixture(scope="module")
def image(request, tmp_path_factory):
    return g.c_image(request, tmp_path_factory, "tty", PROG)


def test_line_discipline(image):
    p = subprocess.Popen([g.KILN, "run", "--accel", "tcg", "--net", "none",
                          "--timeout", "120", image], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = b""
    try:
        os.set_blocking(p.stdout.fileno(), False)
        deadline = time.monotonic() + 150
        step = 1
        while p.poll() is None and time.monotonic() < deadline:
            chunk = p.stdout.read() or b""
            out += chunk
            if step in INPUT and f"ready {step}\n".encode() in \
                    out.replace(b"\r\n", b"\n"):
                time.sleep(0.2)  # the program is in read()
                p.stdin.write(INPUT[step])
                p.stdin.flush()
                step += 1
            time.sleep(0.02)
        p.wait(timeout=30)
        out += p.stdout.read() or b""
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    text = out.decode(errors="replace").replace("\r\n", "\n")
    assert p.returncode == 0, text[-3000:]
    assert "line1: 6 [hello\\n]" in text, text[-3000:]
    assert "hello\n" in text.split("ready 1")[1], "no echo"
    assert "line2: 4 [abc\\n]" in text, text[-3000:]
    assert "abX\b \bc" in text, "no erase echo"
    assert "line3: 3 [ok\\n]" in text, text[-3000:]
    assert "eof: 0 []" in text, text[-3000:]
    raw = [l for l in text.split("\n") if l.startswith("raw: ")]
    assert raw and raw[0][5] in "123" and "[x" in raw[0], text[-3000:]
    assert "xyz" not in text.split("ready 5")[1].split("raw:")[0], "echoed"
    assert b"]\r\nbare\nready 6" in out, out[-300:]  # no ONLCR without OPOST
    assert "^C" in text and "sigint 2" in text, text[-3000:]
