#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compares OTP's suites run natively (host log) and on Kiln (kiln log),
both printed by tests/otp/otp_suites.erl: per suite the counts side by
side, then every case that passed on the host but not on Kiln. Exits 1 if
such a case is not in the allow-list (tests/otp/allow-list.txt: `SUITE
CASE reason`, one a line), or if a suite did not finish on either side.

usage: compare.py HOST_LOG KILN_LOG [ALLOW_LIST]
"""
import re
import sys

SUMMARY = re.compile(r"^otp-suite (\S+): (\d+) ok, (\d+) failed, (\d+) skipped")
CASE = re.compile(r"^otp-case (\S+) (\S+) (ok|failed|skipped)(?: (.*))?$")


def parse(path):
    """Returns ({suite: (ok, failed, skipped)}, {(suite, case): (status, why)})."""
    counts, cases = {}, {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = SUMMARY.match(line)
            if m:
                counts[m[1]] = tuple(int(m[i]) for i in (2, 3, 4))
                continue
            m = CASE.match(line)
            if m:  # a later line for a case replaces an earlier one
                cases[(m[1], m[2])] = (m[3], m[4] or "")
    return counts, cases


def parse_allow(path):
    allow = {}
    if not path:
        return allow
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                sys.exit(f"{path}:{n}: want `SUITE CASE reason`")
            allow[(parts[0], parts[1])] = parts[2]
    return allow


def fmt(c, cases=None, suite=None):
    if c is not None:
        return f"{c[0]} ok, {c[1]} failed, {c[2]} skipped"
    seen = [st for (s, _), (st, _) in (cases or {}).items() if s == suite]
    if not seen:
        return "did not run"
    n = {st: seen.count(st) for st in ("ok", "failed", "skipped")}
    return (f"unfinished: {n['ok']} ok, {n['failed']} failed, "
            f"{n['skipped']} skipped of {len(seen)} run")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    hcounts, hcases = parse(sys.argv[1])
    kcounts, kcases = parse(sys.argv[2])
    allow = parse_allow(sys.argv[3] if len(sys.argv) > 3 else None)
    bad = False
    suites = list(dict.fromkeys([s for s, _ in hcases] + list(hcounts) +
                                list(kcounts)))
    for s in suites:
        h, k = hcounts.get(s), kcounts.get(s)
        print(f"otp-compare {s:<22} host: {fmt(h, hcases, s):<30} "
              f"kiln: {fmt(k, kcases, s)}")
        if h is None or k is None:
            bad = True
    print()
    allowed, regressions, stale = [], [], []
    for key, (status, _) in sorted(hcases.items()):
        if status != "ok":
            continue
        kstatus, why = kcases.get(key, ("missing", ""))
        if kstatus == "ok":
            if key in allow:
                stale.append(key)
            continue
        if key in allow:
            allowed.append((key, kstatus, allow[key]))
        else:
            regressions.append((key, kstatus, why))
    for (s, c), kstatus, reason in allowed:
        print(f"otp-allowed {s} {c}: {kstatus} on kiln ({reason})")
    for (s, c) in stale:
        print(f"otp-note {s} {c}: allow-listed but passes on kiln now")
    for (s, c), kstatus, why in regressions:
        print(f"otp-REGRESSION {s} {c}: ok on host, {kstatus} on kiln {why}")
    better = [k for k, (st, _) in sorted(kcases.items())
              if st == "ok" and hcases.get(k, ("",))[0] != "ok"]
    for s, c in better:
        print(f"otp-note {s} {c}: ok on kiln, {hcases.get((s, c), ('missing',))[0]} on host")
    n_host_ok = sum(1 for st, _ in hcases.values() if st == "ok")
    print(f"otp-compare: {n_host_ok} cases pass on the host; "
          f"{len(regressions)} of them fail or skip on kiln unexplained, "
          f"{len(allowed)} allow-listed")
    if regressions or bad:
        print("otp-compare: FAILED")
        return 1
    print("otp-compare: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
