#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Time from start to the first line an application prints, on Kiln and
natively on the host, for the e2e releases (build them first with
tests/e2e/make-apps.sh). Prints one line per run and the medians.

    bench/first_line.py [--runs N] [--cpus N] [--app hello_ex]

Kiln runs under whatever `kiln run` picks (KVM or TCG: TCG numbers are only
comparable to other TCG numbers from the same machine).
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")


def first_line_time(cmd, marker, timeout=300, env=None):
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         env=env)
    first = None
    try:
        deadline = start + timeout
        for raw in p.stdout:
            line = raw.decode(errors="replace")
            if first is None and line.startswith(marker):
                first = time.monotonic() - start
            if time.monotonic() > deadline:
                break
        p.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return first, time.monotonic() - start, p.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--app", default="hello_ex")
    args = ap.parse_args()
    rel = os.path.join(BUILD, "e2e", args.app)
    img = os.path.join(BUILD, "e2e", "bench-" + args.app + ".img")
    if not os.path.isdir(rel):
        sys.exit(f"{rel} missing: run tests/e2e/make-apps.sh first")
    subprocess.run([os.path.join(BUILD, "kiln"), "build", rel, "-o", img],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marker = "hello_"
    kiln = [os.path.join(BUILD, "kiln"), "run", "--cpus", str(args.cpus),
            "--mem", "512", img]
    native = {"hello_ex": [os.path.join(rel, "bin", "hello_ex"), "start"],
              "hello_sys": [os.path.join(rel, "bin", "start_erl")]}.get(args.app)
    if not native:
        sys.exit(f"no native start command known for {args.app}")
    results = {"kiln": [], "native": []}
    for i in range(args.runs):
        for name, cmd in (("kiln", kiln), ("native", native)):
            first, total, rc = first_line_time(cmd, marker)
            print(f"{name:6s} run {i}: first line {first if first is None else round(first, 3)} s,"
                  f" exit {rc} after {total:.3f} s", flush=True)
            if first is not None:
                results[name].append(first)
    for name, vals in results.items():
        if vals:
            print(f"{name:6s} median first line: {statistics.median(vals):.3f} s "
                  f"({len(vals)} runs)")
    if results["kiln"] and results["native"]:
        print(f"ratio kiln/native: {statistics.median(results['kiln']) / statistics.median(results['native']):.1f}x")


if __name__ == "__main__":
    main()
