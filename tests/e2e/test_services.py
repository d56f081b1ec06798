# SPDX-License-Identifier: MIT
"""Boot services (kernel/boot/services.c, docs/decisions/epmd.md) without
networking: an image whose /.kiln/services lists a program that exits at
once and one that never listens. The kernel must start them in order as
children of PID 1 (the image's program keeps pid 1), notice the first
exit, give up on the second after its 10 s wait with a clear log line, and
only then start PID 1, which runs to its end (status 0).
"""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
KILN = os.path.join(BUILD, "kiln")
SRC = os.path.join(ROOT, "tests", "e2e", "services_src", "svcprog.c")


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    if not shutil.which("musl-gcc"):
        pytest.fail("musl-gcc missing (apt-get install musl-tools)")
    root = tmp_path_factory.mktemp("svc-rootfs")
    subprocess.run(["musl-gcc", "-static", "-Os", "-o",
                    str(root / "svcprog"), SRC], check=True)
    (root / ".kiln").mkdir()
    (root / ".kiln" / "services").write_text(
        "# boot services of the test image\n"
        "tcp:4369 /svcprog exit\n"
        "\n"
        "tcp:4370 /svcprog sleep\n")
    img = os.path.join(BUILD, "e2e", "services.img")
    os.makedirs(os.path.dirname(img), exist_ok=True)
    subprocess.run([KILN, "build", "-o", img, "--rootfs", str(root), "--",
                    "/svcprog", "main"], check=True, capture_output=True)
    return img


def test_services_start_before_pid1(image):
    shown = subprocess.run([KILN, "inspect", image], capture_output=True,
                           text=True, check=True).stdout
    assert "service[0] tcp:4369 /svcprog exit\n" in shown, shown
    assert "service[1] tcp:4370 /svcprog sleep\n" in shown, shown
    p = subprocess.run([KILN, "run", "--accel", "tcg", "--net", "none",
                        "--timeout", "120", image],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=180)
    out = p.stdout.decode(errors="replace").replace("\r\n", "\n")
    assert p.returncode == 0, out
    want = [
        "services: started /svcprog (pid 2), waiting for it to listen",
        "svcprog exit: pid 2 ppid 1",
        "services: /svcprog (pid 2) exited before listening on TCP port "
        "4369; starting /svcprog anyway",
        "services: started /svcprog (pid 3), waiting for it to listen",
        "svcprog sleep: pid 3 ppid 1",
        "services: /svcprog (pid 3) is not listening on TCP port 4370 "
        "after 10 s; starting /svcprog anyway",
        "svcprog main: pid 1 ppid 0",
    ]
    pos = 0
    for w in want:
        i = out.find(w, pos)
        assert i >= 0, f"missing (in order) {w!r}:\n{out}"
        pos = i + len(w)
