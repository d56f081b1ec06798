#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Soak: http_ex (a default mix release) on Kiln under a mix of
keep-alive and new-connection load for SOAK_SECONDS (default 1800) at
about 70% of the peak it measures first, then idle past TIME_WAIT; every
request must be answered, wrk must see 0 errors, and the guest's free
memory must come back to within SOAK_SLACK_KB (default 4096) of its
baseline taken after warm-up. Prints the numbers. `make soak` runs it;
not part of `make test` (it takes the better part of an hour).

Traffic goes only to 127.0.0.1 (QEMU user-net port forward)."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_net as t  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "1800"))
SLACK_KB = int(os.environ.get("SOAK_SLACK_KB", "4096"))
CPUS = int(os.environ.get("SOAK_CPUS", "2"))


def meminfo(port):
    status, body = t.http_get(port, "/meminfo", timeout=30)
    assert status == 200, body
    m = re.search(r"free_kb (\d+) beam_bytes (\d+)", body)
    return int(m.group(1)), int(m.group(2))


def wrk(port, conns, seconds, rate=None, close=False):
    """wrk (or wrk at a fixed rate with -R when given is not in Debian's
    wrk: the rate is shaped by the connection count instead)."""
    cmd = ["wrk", "-t", "2" if conns > 1 else "1", "-c", str(conns), "-d",
           f"{seconds}s", "--timeout", "10s"]
    if close:
        cmd += ["-H", "Connection: close"]
    cmd.append(f"http://127.0.0.1:{port}/echo?soak")
    out = subprocess.run(cmd, capture_output=True, text=True,
                         timeout=seconds + 120).stdout
    req = int(re.search(r"(\d+) requests in", out).group(1))
    errs = re.search(r"Socket errors: (.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert not errs and not non2xx, out
    return req / seconds, out


def main():
    img, _ = t.build_image("http_ex", "soak-http_ex.img")
    port = t.free_port()
    # the VM outlives the soak: boot, warm-up, idle, rounds, idle again
    vm = t.Vm(img, CPUS, ["-p", f"127.0.0.1:{port}:8080"],
              timeout=t.BOOT_TIMEOUT + SECONDS + 900)
    try:
        t.wait_http(vm, port, "http_ex")
        wrk(port, 10, 10)  # warm-up
        time.sleep(70)      # past TIME_WAIT
        base_free, base_beam = meminfo(port)
        peak, _ = wrk(port, 10, 20)
        print(f"soak: baseline free {base_free} KiB, beam {base_beam} B; "
              f"peak {peak:.0f} req/s (10 conns keep-alive)", flush=True)
        # ~70%: fewer connections, and one in four rounds with new
        # connections per request
        total, rounds, end = 0, 0, time.monotonic() + SECONDS
        while time.monotonic() < end:
            step = int(min(60, max(5, end - time.monotonic())))
            close = rounds % 4 == 3
            rate, _ = wrk(port, 7, step, close=close)
            total += rate * step
            rounds += 1
            print(f"soak: round {rounds}: {rate:.0f} req/s for {step} s "
                  f"({'new connection per request' if close else 'keep-alive'})",
                  flush=True)
        time.sleep(70)
        free, beam = meminfo(port)
        print(f"soak: {rounds} rounds, about {total:.0f} requests, 0 errors; "
              f"after: free {free} KiB (baseline {base_free}), beam {beam} B")
        assert free >= base_free - SLACK_KB, (
            f"guest free memory {free} KiB < baseline {base_free} - {SLACK_KB}")
        assert vm.powerdown() == 0, vm.output()[-3000:]
        print("soak: ok")
    except BaseException:
        # a VM that exited looks like a flood of refused connections to wrk
        print(f"soak: VM {'running' if vm.proc.poll() is None else 'exited'}"
              f"; its console ends:\n" + vm.output()[-3000:], flush=True)
        raise
    finally:
        vm.kill()


if __name__ == "__main__":
    main()
