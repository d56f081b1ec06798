# SPDX-License-Identifier: MIT
"""End-to-end: real Erlang/Elixir releases packed by `kiln build RELEASE`,
booted with `kiln run` under TCG, checked by their console output and exit
status. Each (app, vCPU count) is booted E2E_REPEAT times (`make test-e2e`
passes 20, `make test-e2e-heavy` 50); every boot must pass. Boots run
E2E_JOBS at a time within a budget of one vCPU per host core.

The releases come from tests/e2e/make-apps.sh (run by `make test-e2e`).
The last two tests check the memory claims of the README at --mem 64.
"""
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "pylib"))
from vcpu_budget import VcpuBudget  # noqa: E402
BUILD = os.path.join(ROOT, "build")
KILN = os.path.join(BUILD, "kiln")
REPEAT = int(os.environ.get("E2E_REPEAT", "20"))
CPUS = [int(c) for c in os.environ.get("E2E_CPUS", "1 2 4").split()]
JOBS = int(os.environ.get("E2E_JOBS", "2"))
TIMEOUT = int(os.environ.get("E2E_TIMEOUT", "300"))

# Lines each app must print, in this order (other lines may come between).
APPS = {
    "hello_ex": [
        "hello_ex: IO.puts ok",
        "hello_ex: io:format ok 42",
        "hello_ex: sha256 ok",
        "hello_ex: port ok",
        "hello_ex: tmp_file ok",
        "hello_ex: env.sh ok",
        "hello_ex: emu_flavor jit",
        "hello_ex: all checks passed",
    ],
    # the plain Erlang app, released with systools (the rebar3/relx release
    # of the same app needs a node name, so distribution, so networking)
    "hello_sys": [
        "hello_erl: io:format ok",
        "hello_erl: sha256 ok",
        "hello_erl: port ok",
        "hello_erl: tmp_file ok",
        "hello_erl: sys.config ok",
        "hello_erl: emu_flavor jit",
        "hello_erl: all checks passed",
    ],
}


def release_dir(app):
    return os.path.join(BUILD, "e2e", app)


@pytest.fixture(scope="session", params=sorted(APPS))
def image(request):
    app = request.param
    rel = release_dir(app)
    if not os.path.isdir(rel):
        pytest.fail(f"{rel} missing: run `make test-release` (make test-e2e does)")
    return app, build_image(app, "boot-" + app + ".img")


def boot(img, cpus, mem=512):
    start = time.monotonic()
    p = subprocess.run([KILN, "run", "--accel", "tcg", "--cpus", str(cpus),
                        "--mem", str(mem), "--timeout", str(TIMEOUT), img],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=TIMEOUT + 60)
    out = p.stdout.decode(errors="replace").replace("\r\n", "\n")
    return p.returncode, out, time.monotonic() - start


def check_output(app, out):
    lines = [l for l in out.split("\n") if not l.startswith("[kiln")]
    pos = 0
    for want in APPS[app]:
        while pos < len(lines) and not lines[pos].startswith(want):
            pos += 1
        if pos == len(lines):
            return f"missing line {want!r}"
        pos += 1
    return None


def boot_many(app, img, cpus, n, label, mem=512):
    """Boot img n times (JOBS at a time, within the vCPU budget); every
    boot must exit 0 and print app's lines."""
    budget = VcpuBudget()
    with ThreadPoolExecutor(max_workers=JOBS) as ex:
        results = list(ex.map(lambda _: budget.run(cpus, boot, img, cpus, mem),
                              range(n)))
    failures = []
    for i, (rc, out, _) in enumerate(results):
        problem = check_output(app, out)
        if rc != 0 or problem:
            failures.append(f"boot {i}: exit {rc}, {problem or 'bad exit'}\n{out[-3000:]}")
    times = sorted(r[2] for r in results)
    print(f"{label}: {n - len(failures)}/{n} passed, "
          f"median {times[len(times) // 2]:.1f}s")
    assert not failures, f"{len(failures)}/{n} boots failed:\n" + "\n".join(failures[:3])


@pytest.mark.parametrize("cpus", CPUS)
def test_release_boots(image, cpus):
    app, img = image
    boot_many(app, img, cpus, REPEAT, f"{app} cpus={cpus}")


# The memory claims of the README: in 64 MiB of guest RAM the Elixir
# release runs when built with --small-memory, and with ERTS's default
# allocators it stops with a message that names both fixes.
SMALL_REPEAT = int(os.environ.get("E2E_SMALL_REPEAT", "5"))


def build_image(app, name, *flags):
    img = os.path.join(BUILD, "e2e", name)
    subprocess.run([KILN, "build", release_dir(app), "-o", img, *flags],
                   check=True, stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT, timeout=300)
    return img


def test_release_image_is_compressed_and_reproducible():
    """kiln build of a release: zstd-compressed files, a size report, and
    the same bytes when built again from the same release."""
    imgs, logs = [], []
    for name in ("repro1-hello_ex.img", "repro2-hello_ex.img"):
        img = os.path.join(BUILD, "e2e", name)
        p = subprocess.run([KILN, "build", release_dir("hello_ex"), "-o", img],
                           check=True, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=300)
        imgs.append(img)
        logs.append(p.stdout.decode(errors="replace"))
    log = logs[0]
    for part in ("kernel", "ERTS (erts-*/)", "app (its lib/, releases/)",
                 "OTP and other libs", "shared libraries", "image total"):
        assert f"kiln:   {part}" in log, log
    with open(imgs[0], "rb") as a, open(imgs[1], "rb") as b:
        assert a.read() == b.read(), "two builds of one release differ"
    shown = subprocess.run([KILN, "inspect", imgs[0]], check=True,
                           capture_output=True, text=True).stdout
    beam = [l for l in shown.splitlines() if l.endswith(")")
            and "/bin/beam.smp (zstd " in l]
    assert beam, shown[:3000]
    for img in imgs:
        os.unlink(img)


def test_small_memory_in_64_mib():
    img = build_image("hello_ex", "small-hello_ex.img", "--small-memory")
    boot_many("hello_ex", img, 2, SMALL_REPEAT,
              "hello_ex --small-memory, 64 MiB, cpus=2", mem=64)


def test_default_allocators_in_64_mib_say_out_of_memory():
    img = build_image("hello_ex", "default-hello_ex.img")
    rc, out, _ = boot(img, 1, 64)
    assert rc == 128 + 7, f"exit {rc} (want SIGBUS, 135)\n{out[-3000:]}"
    assert "out of memory: beam.smp" in out and "--small-memory" in out, out[-3000:]
