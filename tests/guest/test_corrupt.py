# SPDX-License-Identifier: MIT
"""A damaged compressed file in an image: EIO, a log line, no crash.

An image holds a 300 KB file (compressed: several zstd chunks, each with
its checksum) and a program that reads it whole, then maps it. One byte
in the middle of the second chunk's frame is flipped in the image file.
The kernel must boot, the read must fail with EIO where the damage is
(not return wrong bytes), the first chunk must still read, a mapping of
the damaged page must give SIGBUS to the program only, and the kernel
must say which file is damaged.
"""
import struct
import subprocess

import pytest

import guestlib as g

PROG = r"""
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
static sigjmp_buf jb;
static void on_bus(int s) { (void)s; siglongjmp(jb, 1); }
int main(void)
{
	static char b[400000];
	int fd = open("/data", O_RDONLY);
	ssize_t n = pread(fd, b, 131072, 0);
	int ok = n == 131072;
	for (ssize_t i = 0; ok && i < n; i++)
		ok = b[i] == (char)("0123456789abcdef"[i % 16]);
	printf("chunk0: %s\n", ok ? "good" : "BAD");
	n = pread(fd, b, 131072, 131072);
	printf("chunk1: %zd errno %d\n", n, n < 0 ? errno : 0);
	signal(SIGBUS, on_bus);
	char *m = mmap(NULL, 300000, PROT_READ, MAP_PRIVATE, fd, 0);
	if (sigsetjmp(jb, 1) == 0) {
		volatile char c = m[131072 + 100];
		(void)c;
		printf("map: no fault\n");
	} else {
		printf("map: SIGBUS\n");
	}
	return 0;
}
"""


def find_data(img):
    """Offset in img of the compressed /data's second frame, and its length."""
    b = open(img, "rb").read()
    phoff, = struct.unpack_from("<Q", b, 32)
    phnum, = struct.unpack_from("<H", b, 56)
    ph = phoff + 56 * (phnum - 1)
    p_offset, = struct.unpack_from("<Q", b, ph + 8)
    cpio_off, cpio_size = struct.unpack_from("<QQ", b, p_offset + 16)
    base = p_offset + cpio_off
    off = 0
    while off < cpio_size:
        h = b[base + off: base + off + 110]
        assert h[:6] == b"070701", h[:6]
        f = [int(h[6 + 8 * i: 14 + 8 * i], 16) for i in range(13)]
        size, namesize, check = f[6], f[11], f[12]
        name = b[base + off + 110: base + off + 110 + namesize].split(b"\0")[0]
        data = (off + 110 + namesize + 3) & ~3
        if name == b"data":
            assert check == 1, "not compressed"
            z = base + data
            nchunks, = struct.unpack_from("<I", b, z + 16)
            ends = struct.unpack_from(f"<{nchunks}I", b, z + 24)
            return z + ends[0], ends[1] - ends[0]
        off = (data + size + 3) & ~3
    raise AssertionError("no /data in the image")


@pytest.fixture(scope="module")
def image(request, tmp_path_factory):
    img = g.c_image(request, tmp_path_factory, "r", PROG,
                    {"data": b"0123456789abcdef" * (300000 // 16)})
    at, n = find_data(img)
    with open(img, "r+b") as f:
        f.seek(at + n // 2)
        c = f.read(1)
        f.seek(at + n // 2)
        f.write(bytes([c[0] ^ 0x5a]))
    return img


def test_damaged_chunk(image):
    p = subprocess.run([g.KILN, "run", "--accel", "tcg", "--net", "none",
                        "--timeout", "120", image], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=180)
    out = p.stdout.decode(errors="replace").replace("\r\n", "\n")
    assert p.returncode == 0, out[-3000:]
    assert "chunk0: good" in out, out[-3000:]
    assert "chunk1: -1 errno 5" in out, out[-3000:]  # EIO
    assert "map: SIGBUS" in out, out[-3000:]
    assert "image: /data: chunk 1 is damaged" in out, out[-3000:]
    assert "kernel panic" not in out and "kernel fault" not in out
