# SPDX-License-Identifier: MIT
"""Differential guest tests: the pieces test_guest.py is made of.

A case is one program (tests/guest/src/PROG.c) with its arguments. Each
case runs, for each libc, once on the host (the reference) and is booted on
Kiln with `kiln run --accel tcg`. The Kiln console carries the kernel's log
(lines starting with "[kiln") and the program's stdout; after dropping the
former and turning CRLF into LF, stdout and exit status must equal the
host's. A program killed by signal N counts as exit status 128+N on both.

Settings come from the environment (mk/guest.mk passes them):
  GUEST_BUILD     the build directory (default ROOT/build)
  GUEST_REPEAT    boots of each threaded/timing case per setting (20)
  GUEST_CPUS      vCPU counts to boot with ("1 4")
  GUEST_JOBS      boots run in parallel (2), within a budget of one vCPU
                  per host core (tests/pylib/vcpu_budget.py)
  GUEST_TIMEOUT   seconds per boot (120)
  GUEST_HOST_ONLY 1: run only the host side (also pytest --host-only)
"""
import difflib
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "pylib"))
from vcpu_budget import VcpuBudget  # noqa: E402
BUILD = os.environ.get("GUEST_BUILD", os.path.join(ROOT, "build"))
KILN = os.path.join(BUILD, "kiln")
KERNEL = os.path.join(BUILD, "kernel.elf")
LIBCS = ("musl", "glibc")
REPEAT = int(os.environ.get("GUEST_REPEAT", "20"))
# Cases with a fixed repeat count (an int) use REPEAT too when this is set:
# `make test-guest-heavy`.
HEAVY = os.environ.get("GUEST_HEAVY", "") not in ("", "0")
CPUS = [int(c) for c in os.environ.get("GUEST_CPUS", "1 4").split()]
JOBS = int(os.environ.get("GUEST_JOBS", "2"))
BOOT_TIMEOUT = int(os.environ.get("GUEST_TIMEOUT", "120"))
HOST_TIMEOUT = 60

# The program's whole environment, on the host and in the image.
ENV = {"KILN_TEST_A": "1", "KILN_TEST_B": "two words", "KILN_TEST_EMPTY": ""}


@dataclass(frozen=True)
class Case:
    name: str  # the test id part, e.g. "hello-42"
    prog: str  # the program under tests/guest/src
    args: tuple = ()
    status: int = 0  # the exit status expected on the host
    # True: threaded or timing, boot REPEAT times; an int: that many boots
    # in the default suite (REPEAT with GUEST_HEAVY=1)
    repeat: object = False
    # kernel log lines this case provokes on purpose (see BAD_LOG)
    allowed_log: tuple = ()


# Kernel log lines that fail a boot whatever the program printed: a call
# Kiln lacks, a kernel fault or panic, a signal frame it could not write.
BAD_LOG = ("unsupported syscall", "kernel fault", "kernel panic",
           "bad signal frame", "spinlock ")


def bad_log_lines(case, console):
    """The kernel log lines of CONSOLE that fail CASE."""
    return [l for l in console.replace("\r\n", "\n").split("\n")
            if l.startswith("[kiln") and any(b in l for b in BAD_LOG)
            and not any(a in l for a in case.allowed_log)]


CASES = [
    Case("hello", "hello"),
    Case("hello-42", "hello", ("42",), status=42),
    Case("hello-args", "hello", ("3", "two words", "", "x=y"), status=3),
    Case("mm", "mm"),
    Case("io", "io"),
    Case("threads", "threads", repeat=True),
    Case("futex", "futex", repeat=True),
    Case("clocks", "clocks", repeat=True),
    Case("files", "files"),
    Case("links", "links"),
    Case("fileio2", "fileio2", repeat=5),
    Case("locks", "locks", repeat=5),
    Case("fileio3", "fileio3"),
    Case("creds", "creds"),
    Case("perms", "perms"),
    Case("procstat", "procstat", repeat=5),
    Case("pipes", "pipes", repeat=5),
    Case("epoll", "epoll", repeat=5),
    Case("unix", "unix", repeat=5),
    Case("procs", "procs", repeat=5),
    Case("tlb", "tlb", repeat=5),
    Case("tcp", "tcp", repeat=5),
    Case("udp", "udp", repeat=5),
    Case("tcpburst", "tcpburst"),
    Case("segv", "segv", status=128 + signal.SIGSEGV),
    Case("segv-rodata", "segv", ("rodata",), status=128 + signal.SIGSEGV),
    Case("segv-nx", "segv", ("nx",), status=128 + signal.SIGSEGV),
    Case("segv-ud2", "segv", ("ud2",), status=128 + signal.SIGILL),
    Case("segv-div0", "segv", ("div0",), status=128 + signal.SIGFPE),
    Case("forkmem", "forkmem"),
    Case("vfork", "vfork", repeat=5),
    Case("exec", "exec", repeat=5),
    Case("shfutex", "shfutex", repeat=5),
    Case("pgrp", "pgrp", repeat=5),
    Case("sigs", "sigs"),
    Case("cputime", "cputime", repeat=3),
    Case("clone", "clone"),
    Case("madv", "madv"),
    Case("memlock", "memlock", repeat=3),
    Case("zfiles", "zfiles", repeat=3),
    Case("loadavg", "loadavg"),
    Case("itimers", "itimers", repeat=3),
    Case("sigfd", "sigfd", repeat=3),
    Case("sendfile", "sendfile", repeat=3),
    Case("fifo", "fifo", repeat=3),
    Case("inotify", "inotify", repeat=3),
    Case("splice", "splice", repeat=3),
    Case("xattr", "xattr"),
    Case("seals", "seals"),
    Case("sysvipc", "sysvipc", repeat=3),
    Case("mqueue", "mqueue", repeat=3),
    Case("procfiles", "procfiles", repeat=3),
    Case("pidfd", "pidfd", repeat=3),
    Case("procattr", "procattr"),
    Case("misc", "misc", repeat=3),
    Case("rlimits", "rlimits"),
    Case("nicecaps", "nicecaps"),
    Case("pipesz", "pipesz"),
    Case("affinity", "affinity", repeat=3),
    Case("clone3", "clone3"),
    Case("cputimers", "cputimers", repeat=3),
    Case("sigrace", "sigrace", repeat=3),
    Case("wakeup", "wakeup", repeat=3),
]


@dataclass
class Run:
    status: int  # exit status, 128+N for signal N
    stdout: str  # what is compared
    console: str = ""  # Kiln: the whole console, kernel lines included
    stderr: str = ""


def binary(case, libc):
    return os.path.join(BUILD, "guest", libc, case.prog)


def argv(case):
    return ["/" + case.prog, *case.args]


def _no_core():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _run(cmd, timeout, **kw):
    """Run CMD in its own process group; kill the group on timeout."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True, **kw)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        err += f"\n(harness: killed after {timeout}s)".encode()
        return -signal.SIGKILL, out, err
    return p.returncode, out, err


def _status(returncode):
    return 128 - returncode if returncode < 0 else returncode


def run_host(case, libc):
    """Run the program on the host with argv[0] as it is inside the image."""
    rc, out, err = _run(argv(case), HOST_TIMEOUT, executable=binary(case, libc),
                        env=ENV, preexec_fn=_no_core)
    return Run(_status(rc), out.decode(errors="replace"),
               stderr=err.decode(errors="replace"))


def host_problem(case, run):
    """Why a host run is no good as a reference, or None."""
    if run.status != case.status:
        return f"exit status {run.status}, expected {case.status}"
    if "FAILED" in run.stdout:
        return "a check FAILED"
    if run.stderr:
        return "wrote to stderr"
    return None


def kernel_filter(console):
    """The program's stdout: the console without the kernel's lines."""
    text = console.replace("\r\n", "\n")
    return "\n".join(l for l in text.split("\n") if not l.startswith("[kiln"))


class Images:
    """kiln build, once per (case, libc), on first use."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.lock = threading.Lock()
        self.locks = {}
        self.done = {}

    def get(self, case, libc):
        key = (case.name, libc)
        with self.lock:
            lock = self.locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self.done:
                self.done[key] = self._build(case, libc)
            return self.done[key]

    def _build(self, case, libc):
        rootfs = os.path.join(self.workdir, f"rootfs-{case.name}-{libc}")
        img = os.path.join(self.workdir, f"{case.name}-{libc}.img")
        shutil.rmtree(rootfs, ignore_errors=True)
        os.makedirs(rootfs)
        shutil.copy2(binary(case, libc), os.path.join(rootfs, case.prog))
        cmd = [KILN, "build", "-o", img, "--rootfs", rootfs]
        for k, v in sorted(ENV.items()):
            cmd += ["--env", f"{k}={v}"]
        cmd += ["--", *argv(case)]
        rc, out, err = _run(cmd, 60)
        if rc != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({rc}):\n"
                               f"{(out + err).decode(errors='replace')}")
        return img


def boot(img, cpus):
    """Boot IMG under TCG with CPUS vCPUs; the program's Run."""
    cmd = [KILN, "run", "--accel", "tcg", "--cpus", str(cpus),
           "--timeout", str(BOOT_TIMEOUT), img]
    rc, out, err = _run(cmd, BOOT_TIMEOUT + 60)
    console = out.decode(errors="replace")
    return Run(_status(rc), kernel_filter(console), console=console,
               stderr=err.decode(errors="replace"))


def mismatch(host, kiln, case=None):
    """A report of how the Kiln run differs from the host run, or None."""
    bad = bad_log_lines(case, kiln.console) if case else []
    if host.status == kiln.status and host.stdout == kiln.stdout and not bad:
        return None
    msg = [f"exit status: host {host.status}, kiln {kiln.status}"]
    if bad:
        msg.append("kernel log lines that fail the run:")
        msg += bad
    if kiln.status == 124:
        msg.append("(kiln run timed out)")
    elif kiln.status == 125:
        msg.append("(the VM or kiln failed)")
    diff = difflib.unified_diff(host.stdout.splitlines(), kiln.stdout.splitlines(),
                                "host", "kiln", lineterm="")
    msg += ["--- stdout diff ---", *diff]
    console = kiln.console.replace("\r\n", "\n").rstrip("\n")
    msg += ["--- kiln console (unfiltered) ---", console]
    if kiln.stderr:
        msg += ["--- kiln stderr ---", kiln.stderr.rstrip("\n")]
    return "\n".join(msg)


class BootPool:
    """Runs every selected boot in a pool of JOBS, in test order, so two
    QEMUs are busy while pytest reports results one by one."""

    def __init__(self, images, boots):
        self.images = images
        self.pool = ThreadPoolExecutor(max_workers=JOBS)
        self.budget = VcpuBudget()
        self.futures = {}
        for key in boots:
            self._submit(key)

    def _submit(self, key):
        if key not in self.futures:
            self.futures[key] = self.pool.submit(self._boot, *key)
        return self.futures[key]

    def _boot(self, case, libc, cpus, _run_index):
        img = self.images.get(case, libc)
        return self.budget.run(cpus, boot, img, cpus)

    def result(self, case, libc, cpus, run_index):
        return self._submit((case, libc, cpus, run_index)).result()

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


def boots(case):
    """How many Kiln boots CASE gets per libc and vCPU count."""
    if case.repeat is True or (case.repeat and HEAVY):
        return REPEAT
    if case.repeat:
        return min(int(case.repeat), REPEAT)
    return 1


def c_image(request, tmp_path_factory, name, src, files=None):
    """A --rootfs image whose program /NAME is the C source src (static,
    musl), with files {name: bytes} beside it; skipped in host-only runs.
    For the tests that drive one program themselves (test_console.py,
    test_corrupt.py)."""
    import pytest
    if (request.config.getoption("--host-only")
            or os.environ.get("GUEST_HOST_ONLY") == "1"):
        pytest.skip("host-only run")
    if not shutil.which("musl-gcc"):
        pytest.fail("musl-gcc not installed (scripts/deps.sh installs it)")
    d = tmp_path_factory.mktemp(name)
    root = d / "rootfs"
    root.mkdir()
    for fname, data in (files or {}).items():
        (root / fname).write_bytes(data)
    (d / f"{name}.c").write_text(src)
    subprocess.run(["musl-gcc", "-static", "-O2", "-o", str(root / name),
                    str(d / f"{name}.c")], check=True)
    img = str(d / f"{name}.img")
    subprocess.run([KILN, "build", "-o", img, "--rootfs", str(root), "--",
                    "/" + name], check=True, capture_output=True)
    return img
