# SPDX-License-Identifier: MIT
"""An interactive shell on the serial console (kiln build --console).

Each test boots a real release under `kiln run --accel tcg` on a
pseudo-terminal, as a person would at a terminal, waits for the shell's
prompt, types into it and reads the answers:
  http_ex  --console iex: IEx (what `bin/http_ex start_iex` runs)
  http_erl --console erl: the Erlang shell (`bin/http_erl console`)
Both use OTP's line editor (tty_sl, in raw mode on the kernel's console):
an expression is evaluated, a line is edited (Backspace, Ctrl-A, arrow
keys, history), Tab completes (erl), and halting with status 3 makes kiln
run exit with 3; the shell sees the terminal's width (kiln run passes it
as winsize=COLSxROWS). Every wait is bounded; on failure the kiln run this test
started is killed by its PID.
"""
import fcntl
import os
import pty
import re
import selectors
import signal
import struct
import subprocess
import termios
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
KILN = os.path.join(BUILD, "kiln")
BOOT_TIMEOUT = int(os.environ.get("E2E_TIMEOUT", "300"))
STEP_TIMEOUT = 60
COLS, ROWS = 132, 40  # the pseudo-terminal's size, which the guest sees
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def build_image(app, name, *flags):
    rel = os.path.join(BUILD, "e2e", app)
    if not os.path.isdir(rel):
        pytest.fail(f"{rel} missing: run `make test-release` "
                    "(make test-e2e does)")
    img = os.path.join(BUILD, "e2e", name)
    p = subprocess.run([KILN, "build", rel, "-o", img, *flags],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=300, check=False)
    return p.returncode, img, p.stdout.decode(errors="replace")


class Console:
    """`kiln run IMAGE` with a pseudo-terminal as its controlling terminal
    (so kiln relays it in raw mode, as for a person typing)."""

    def __init__(self, img):
        args = [KILN, "run", "--accel", "tcg", "--timeout",
                str(BOOT_TIMEOUT + 300), img]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            fcntl.ioctl(1, termios.TIOCSWINSZ,
                        struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.execv(KILN, args)
        self.out = b""
        self.status = None

    def text(self, since=0):
        """Output from offset since, without colours and carriage returns."""
        return ANSI.sub(b"", self.out[since:]).replace(b"\r", b"").decode(
            errors="replace")

    def expect(self, pattern, timeout, since=0):
        """Wait until pattern (bytes) appears after offset since."""
        sel = selectors.DefaultSelector()
        sel.register(self.fd, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        try:
            while pattern not in self.out[since:]:
                if time.monotonic() > deadline:
                    return False
                if sel.select(0.5):
                    try:
                        data = os.read(self.fd, 65536)
                    except OSError:  # EIO: kiln run has exited
                        return False
                    if not data:
                        return False
                    self.out += data
        finally:
            sel.close()
        return True

    def type(self, keys, then, timeout=STEP_TIMEOUT):
        """Type keys and wait for then; the output since the keys."""
        mark = len(self.out)
        os.write(self.fd, keys)
        assert self.expect(then, timeout, mark), \
            f"typed {keys!r}, no {then!r}:\n{self.text()[-3000:]}"
        return self.text(mark)

    def wait_exit(self, timeout):
        """kiln run's exit status, after reading to the end of its output."""
        self.expect(b"\0never\0", timeout)
        deadline = time.monotonic() + 10
        while self.status is None and time.monotonic() < deadline:
            pid, ws = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(ws)
            else:
                time.sleep(0.1)
        return self.status

    def close(self):
        """Kill our kiln run (by PID) if it is still there."""
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.status = -signal.SIGKILL
        os.close(self.fd)


@pytest.fixture
def console():
    made = []

    def boot(img):
        made.append(Console(img))
        return made[-1]
    yield boot
    for c in made:
        c.close()


def result_of(seg):
    """The lines a shell printed for one input, prompts and echo aside."""
    return [l.strip() for l in seg.split("\n")[1:-1] if l.strip()]


def test_iex_on_the_console(console):
    rc, img, log = build_image("http_ex", "console-iex.img", "--console",
                               "iex")
    assert rc == 0, log
    assert "console: IEx reads the serial console" in log, log
    c = console(img)
    assert c.expect(b"iex(http_ex@kiln)1> ", BOOT_TIMEOUT), c.text()[-3000:]
    assert "Interactive Elixir" in c.text()
    seg = c.type(b"Enum.sum([20, 22])\r", b"iex(http_ex@kiln)2> ")
    assert "42" in result_of(seg), seg
    seg = c.type(b":io.columns()\r", b"iex(http_ex@kiln)3> ")
    assert f"{{:ok, {COLS}}}" in result_of(seg), seg
    # Backspace, Ctrl-A (start of line), then an insertion: 23 * 1114.
    seg = c.type(b"3 * 11145\x7f\x01" + b"2\r", b"iex(http_ex@kiln)4> ")
    assert "25622" in result_of(seg), seg
    # Up arrow recalls it (alone: edlin drops what follows in the same
    # read), Left arrow and an insertion make it 23 * 10114.
    c.type(b"\x1b[A", b"23 * 1114")
    seg = c.type(b"\x1b[D\x1b[D\x1b[D" + b"0\r", b"iex(http_ex@kiln)5> ")
    assert "232622" in result_of(seg), seg
    c.type(b"System.halt(3)\r", b"exit status 3")
    assert c.wait_exit(STEP_TIMEOUT) == 3, c.text()[-3000:]


def test_erlang_shell_on_the_console(console):
    rc, img, log = build_image("http_erl", "console-erl.img", "--console",
                               "erl")
    assert rc == 0, log
    c = console(img)
    assert c.expect(b"(http_erl@kiln)1> ", BOOT_TIMEOUT), c.text()[-3000:]
    assert "Eshell V" in c.text()
    seg = c.type(b"X = 6 * 7.\r", b"(http_erl@kiln)2> ")
    assert "42" in result_of(seg), seg
    c.type(b"lists:rev\t", b"reverse(")  # Tab completes the name
    seg = c.type(b"[1,2,X]).\r", b"(http_erl@kiln)3> ")
    assert "[42,2,1]" in result_of(seg), seg
    seg = c.type(b"io:rows().\r", b"(http_erl@kiln)4> ")
    assert f"{{ok,{ROWS}}}" in result_of(seg), seg
    c.type(b"halt(3).\r", b"exit status 3")
    assert c.wait_exit(STEP_TIMEOUT) == 3, c.text()[-3000:]


def test_iex_needs_an_elixir_release():
    rc, _, log = build_image("http_erl", "console-bad.img", "--console",
                             "iex")
    assert rc == 1, log
    assert "is a relx release, not an Elixir one made by `mix release`; " \
        "use --console erl" in log, log
