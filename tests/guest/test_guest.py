# SPDX-License-Identifier: MIT
"""Differential guest tests: each program in tests/guest/src, built with
musl and with glibc, must print the same stdout and exit with the same
status on the host and on Kiln, at every vCPU count in GUEST_CPUS. The
threaded and timing programs are booted GUEST_REPEAT times per setting;
every boot is its own test, e.g. test_guest[futex-musl-cpus4-run07].

With --host-only (or GUEST_HOST_ONLY=1) only the host half runs: every
program must pass its own checks on the host, GUEST_REPEAT times for the
threaded and timing ones.
"""
import os
import threading

import pytest

import guestlib as g


def host_only(config):
    return config.getoption("--host-only") or os.environ.get("GUEST_HOST_ONLY") == "1"


def pytest_generate_tests(metafunc):
    """One test per host run (--host-only) or per Kiln boot."""
    only_host = host_only(metafunc.config)
    params, ids = [], []
    for case in g.CASES:
        for libc in g.LIBCS:
            for cpus in [None] if only_host else g.CPUS:
                for i in range(g.boots(case)):
                    params.append((case, libc, cpus, i))
                    ids.append(f"{case.name}-{libc}-"
                               + ("host" if cpus is None else f"cpus{cpus}")
                               + (f"-run{i:02d}" if case.repeat else ""))
    metafunc.parametrize("case,libc,cpus,run_index", params, ids=ids)


_host_runs = {}
_host_lock = threading.Lock()


def reference(case, libc):
    """The host run of CASE, once per session; it must pass on its own."""
    with _host_lock:
        if (case, libc) not in _host_runs:
            _host_runs[case, libc] = g.run_host(case, libc)
    run = _host_runs[case, libc]
    problem = g.host_problem(case, run)
    if problem:
        pytest.fail(f"host run of {case.name} ({libc}): {problem}\n{run.stdout}{run.stderr}")
    return run


@pytest.fixture(scope="session")
def boots(request, tmp_path_factory):
    for path in (g.KILN, g.KERNEL):
        if not os.path.exists(path):
            pytest.fail(f"{path} missing: run make (or use --host-only)")
    for libc in g.LIBCS:
        for case in g.CASES:
            if not os.path.exists(g.binary(case, libc)):
                pytest.fail(f"{g.binary(case, libc)} missing: run make guest-programs")
    wanted = [tuple(item.callspec.params[k] for k in ("case", "libc", "cpus", "run_index"))
              for item in request.session.items
              if getattr(item, "function", None) is test_guest
              and item.callspec.params["cpus"] is not None]
    pool = g.BootPool(g.Images(str(tmp_path_factory.mktemp("guest-images"))), wanted)
    yield pool
    pool.close()


def test_guest(request, case, libc, cpus, run_index):
    if cpus is None:
        if not os.path.exists(g.binary(case, libc)):
            pytest.fail(f"{g.binary(case, libc)} missing: run make guest-programs")
        run = g.run_host(case, libc)
        problem = g.host_problem(case, run)
        if problem:
            pytest.fail(f"{problem}\n{run.stdout}{run.stderr}", pytrace=False)
        return
    boots = request.getfixturevalue("boots")
    host = reference(case, libc)
    kiln = boots.result(case, libc, cpus, run_index)
    problem = g.mismatch(host, kiln, case)
    if problem:
        pytest.fail(problem, pytrace=False)
