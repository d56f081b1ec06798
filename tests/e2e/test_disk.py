# SPDX-License-Identifier: MIT
"""Disk images and libvirt (docs/decisions/disk-image.md).

test_disk_images: `kiln build --format raw|qcow2` of the systools release
hello_sys: the raw disk is reproducible, whole MiB, holds the ELF image
byte for byte behind the loader and `kiln inspect` reads it; `kiln run`
boots the raw disk E2E_DISK_REPEAT times (default 10) at 1 vCPU and the
qcow2 disk as many times at 2 vCPUs (SeaBIOS, then the Kiln loader, then
the kernel), each must print the app's lines and exit 0.

test_disk_serves_http: the inets release http_erl as a qcow2 disk under
`kiln run -p`: the first request answers, and system_powerdown ends it
with status 0.

test_libvirt: the test starts its own libvirtd (its socket in a temporary
directory) and virtlogd, then for a raw disk, a qcow2 disk and an ELF image
of hello_sys: `kiln libvirt` -> `virsh define` -> `virsh start`; the
domain must power itself off with the app's lines and "[kiln] exit status
0" in its serial log file. Then http_erl as a qcow2 domain: after its
ready line, `virsh shutdown` (ACPI power button) must stop it through
SIGTERM and the release's own shutdown, exit status 0.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from test_e2e import boot_many, check_output
from test_net import Vm, build_image, free_port, wait_http

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
KILN = os.path.join(BUILD, "kiln")
REPEAT = int(os.environ.get("E2E_DISK_REPEAT", "10"))
CI = os.environ.get("CI") == "true"
SECTOR = 512


def disk_params(path):
    with open(path, "rb") as f:
        head = f.read(1024)
    assert head[510:512] == b"\x55\xaa", "no MBR signature"
    assert head[512:520] == b"KILNDSK1", "no parameter sector"
    lba = int.from_bytes(head[528:532], "little")
    size = int.from_bytes(head[532:536], "little")
    part = head[446:462]
    return lba, size, part


def test_disk_images():
    elf, _ = build_image("hello_sys", "disk-hello_sys.img")
    raw, log = build_image("hello_sys", "disk-hello_sys.raw", "--format", "raw")
    assert "raw disk" in log, log
    raw2, _ = build_image("hello_sys", "disk2-hello_sys.raw", "--format", "raw")
    qcow, log = build_image("hello_sys", "disk-hello_sys.qcow2",
                            "--format", "qcow2")
    assert "qcow2 disk" in log, log

    with open(raw, "rb") as a, open(raw2, "rb") as b:
        assert a.read() == b.read(), "raw disks of the same release differ"
    assert os.path.getsize(raw) % (1 << 20) == 0
    lba, size, part = disk_params(raw)
    with open(elf, "rb") as f:
        want = f.read()
    with open(raw, "rb") as f:
        f.seek(lba * SECTOR)
        assert f.read(size) == want, "the disk does not hold the ELF image"
    # one partition of type 0xda from LBA 8 to the end
    assert part[4] == 0xDA
    assert int.from_bytes(part[8:12], "little") == lba == 8
    assert (int.from_bytes(part[12:16], "little") + 8) * SECTOR == \
        os.path.getsize(raw)
    info = subprocess.run(["qemu-img", "info", "--output=json", qcow],
                          capture_output=True, text=True, check=True).stdout
    assert '"format": "qcow2"' in info, info
    shown = subprocess.run([KILN, "inspect", raw], capture_output=True,
                           text=True)
    assert shown.returncode == 0, shown.stderr
    assert "raw disk" in shown.stdout and "beam.smp" in shown.stdout, \
        shown.stdout[:2000]

    # options a disk cannot take are refused, not dropped
    p = subprocess.run([KILN, "run", "--accel", "tcg", "--env", "A=1", raw],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "takes no kernel options" in p.stderr, p.stderr

    boot_many("hello_sys", raw, 1, REPEAT, "hello_sys raw disk cpus=1")
    boot_many("hello_sys", qcow, 2, REPEAT, "hello_sys qcow2 disk cpus=2")


def test_disk_serves_http():
    img, _ = build_image("http_erl", "disk-http_erl.qcow2", "--format", "qcow2")
    port = free_port()
    vm = Vm(img, 1, ["-p", f"127.0.0.1:{port}:8080"])
    try:
        wait_http(vm, port, "http_erl")
        assert vm.powerdown() == 0, vm.output()[-3000:]
    finally:
        vm.kill()


class Libvirt:
    """The host's libvirtd if one answers, else a libvirtd and virtlogd of
    the test's own, stopped by PID."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []
        self.uri = "qemu:///system"
        if self.virsh("version", check=False).returncode == 0:
            return  # the host's own libvirtd
        self.sock = os.path.join(tmp, "run", "libvirt-sock")
        self.uri = f"qemu:///system?socket={self.sock}"
        os.makedirs(os.path.join(tmp, "run"))
        conf = os.path.join(tmp, "libvirtd.conf")
        with open(conf, "w") as f:
            f.write(f'unix_sock_dir = "{tmp}/run"\n')
        if not os.path.exists("/run/libvirt/virtlogd-sock"):
            self._start(["virtlogd", "-p", os.path.join(tmp, "virtlogd.pid")],
                        "virtlogd.log")
        self._start(["libvirtd", "-f", conf, "-p",
                     os.path.join(tmp, "libvirtd.pid")], "libvirtd.log")
        deadline = time.monotonic() + 60
        while self.virsh("version", check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise AssertionError("libvirtd did not answer:\n"
                                     + self.log("libvirtd.log"))
            time.sleep(0.5)

    def _start(self, argv, log):
        with open(os.path.join(self.tmp, log), "w") as f:
            self.procs.append(subprocess.Popen(argv, stdout=f,
                                               stderr=subprocess.STDOUT,
                                               stdin=subprocess.DEVNULL))

    def log(self, name):
        with open(os.path.join(self.tmp, name), errors="replace") as f:
            return f.read()[-3000:]

    def virsh(self, *args, check=True):
        p = subprocess.run(["virsh", "-c", self.uri, *args],
                           capture_output=True, text=True, timeout=120)
        if check:
            assert p.returncode == 0, f"virsh {args}: {p.stderr}{p.stdout}"
        return p

    def state(self, name):
        return self.virsh("domstate", name).stdout.strip()

    def wait_off(self, name, timeout):
        deadline = time.monotonic() + timeout
        while self.state(name) != "shut off":
            if time.monotonic() > deadline:
                return False
            time.sleep(1)
        return True

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


@pytest.fixture(scope="module")
def libvirt():
    if not shutil.which("libvirtd") or not shutil.which("virsh"):
        if CI:
            pytest.fail("libvirtd/virsh missing: scripts/deps.sh installs "
                        "libvirt-daemon-system and libvirt-clients")
        pytest.skip("libvirtd/virsh missing (scripts/deps.sh installs them)")
    tmp = tempfile.mkdtemp(prefix="kiln-libvirt-")
    os.chmod(tmp, 0o755)  # a host libvirtd may run QEMU as libvirt-qemu
    lv = Libvirt(tmp)
    try:
        yield lv
    finally:
        lv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def domain(lv, img, name, console, *opts):
    xml = subprocess.run([KILN, "libvirt", img, "--name", name, "--accel",
                          "tcg", "--net", "user", "--console",
                          f"file:{console}", *opts],
                         capture_output=True, text=True, check=True).stdout
    path = os.path.join(lv.tmp, name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    lv.virsh("define", path)


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().replace("\r\n", "\n")
    except FileNotFoundError:
        return ""


@pytest.mark.parametrize("fmt", ["raw", "qcow2", "elf"])
def test_libvirt(libvirt, fmt):
    img, _ = build_image("hello_sys", f"lv-hello_sys.{fmt}", "--format", fmt)
    name = f"kiln-test-{os.getpid()}-{fmt}"
    console = os.path.join(libvirt.tmp, name + ".log")
    domain(libvirt, img, name, console)
    try:
        libvirt.virsh("start", name)
        off = libvirt.wait_off(name, 300)
        out = read(console)
        assert off, f"{name} still running after 300 s:\n{out[-3000:]}"
        problem = check_output("hello_sys", out)
        assert not problem, f"{problem}\n{out[-3000:]}"
        assert "[kiln] exit status 0" in out, out[-3000:]
    finally:
        if libvirt.state(name) != "shut off":
            libvirt.virsh("destroy", name, check=False)
        libvirt.virsh("undefine", name, check=False)


def test_libvirt_shutdown(libvirt):
    img, _ = build_image("http_erl", "lv-http_erl.qcow2", "--format", "qcow2")
    name = f"kiln-test-{os.getpid()}-http"
    console = os.path.join(libvirt.tmp, name + ".log")
    domain(libvirt, img, name, console)
    try:
        libvirt.virsh("start", name)
        deadline = time.monotonic() + 300
        while "http_erl: ready http" not in read(console):
            assert time.monotonic() < deadline, read(console)[-3000:]
            assert libvirt.state(name) == "running", read(console)[-3000:]
            time.sleep(1)
        libvirt.virsh("shutdown", name)
        off = libvirt.wait_off(name, 120)
        out = read(console)
        assert off, f"no power-off after virsh shutdown:\n{out[-3000:]}"
        assert "[kiln] exit status 0" in out, out[-3000:]
    finally:
        if libvirt.state(name) != "shut off":
            libvirt.virsh("destroy", name, check=False)
        libvirt.virsh("undefine", name, check=False)
