# SPDX-License-Identifier: MIT
"""kiln run --env: variables set at boot, without rebuilding the image.

The hello program prints its KILN_TEST_* environment. Built with two
variables, it is booted with --env that overrides one, adds ones with
spaces, '%', UTF-8 and an empty value; and with malformed env= kernel
options, which the kernel must skip with a warning and nothing else.
"""
import os
import shutil
import subprocess

import pytest

import guestlib as g


@pytest.fixture(scope="module")
def image(request, tmp_path_factory):
    if (request.config.getoption("--host-only")
            or os.environ.get("GUEST_HOST_ONLY") == "1"):
        pytest.skip("host-only run")
    d = tmp_path_factory.mktemp("runenv")
    rootfs = d / "rootfs"
    rootfs.mkdir()
    shutil.copy2(os.path.join(g.BUILD, "guest", "musl", "hello"),
                 rootfs / "hello")
    img = d / "hello.img"
    subprocess.run([g.KILN, "build", "-o", str(img), "--rootfs", str(rootfs),
                    "--env", "KILN_TEST_A=1", "--env", "KILN_TEST_B=keep",
                    "--", "/hello"], check=True, capture_output=True)
    return str(img)


def boot(img, *args):
    p = subprocess.run([g.KILN, "run", "--accel", "tcg", "--net", "none",
                        "--timeout", "120", *args, img],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=180)
    out = p.stdout.decode(errors="replace").replace("\r\n", "\n")
    assert p.returncode == 0, out[-3000:]
    return out


def env_lines(out):
    return [l for l in out.split("\n") if l.startswith("env: KILN_TEST_")]


def test_env_at_boot(image):
    out = boot(image, "--env", "KILN_TEST_A=over",
               "--env", "KILN_TEST_NEW=two words %41 \u00e9",
               "--env", "KILN_TEST_E=")
    assert env_lines(out) == [
        "env: KILN_TEST_A=over",
        "env: KILN_TEST_B=keep",
        "env: KILN_TEST_E=",
        "env: KILN_TEST_NEW=two words %41 \u00e9",
    ], out[-3000:]


def test_bad_env_options_are_skipped(image):
    out = boot(image, "--append", "env=KILN_TEST_X%4 env==x env=%00 env=K")
    assert env_lines(out) == ["env: KILN_TEST_A=1", "env: KILN_TEST_B=keep"]
    assert out.count("ignoring the kernel option env=") == 4, out[-3000:]


def test_env_usage_error(image):
    p = subprocess.run([g.KILN, "run", "--env", "=x", image],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 125 and "expected NAME=VALUE" in p.stderr, p.stderr
