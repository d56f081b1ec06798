# SPDX-License-Identifier: MIT
"""Every syscall marked "full" in the syscall list is called by a guest
program (scripts/check-coverage.py). Reads sources only: no build, no
boot, so it runs under `make test-guest` and `make test-guest-host` in a
second.
"""
import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    "check_coverage", os.path.join(ROOT, "scripts", "check-coverage.py"))
cc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cc)


def test_every_full_syscall_is_called(capsys):
    status = cc.main([])
    out = capsys.readouterr()
    assert status == 0, out.err + out.out


def test_reasons_given():
    for name, why in list(cc.ALLOWLIST.items()) + list(cc.NO_EFFECT.items()):
        assert why.strip(), f"{name}: no reason given"


def test_callers_found_and_comments_ignored():
    text = cc.strip_comments(
        "int f(void)\n{\n\t/* fsync(fd) */ // fdatasync(fd)\n"
        "\tputs(\"sync()\");\n\twaitpid(1, 0, 0);\n"
        "\tsyscall(SYS_getcpu, 0, 0, 0);\n\tx.read(1);\n\tp->write(2);\n}\n")
    src = {"prog": text}
    assert cc.users("wait4", src) == ["prog"]  # by its wrapper
    assert cc.users("getcpu", src) == ["prog"]  # by number
    for name in ("fsync", "fdatasync", "sync", "read", "write"):
        assert cc.users(name, src) == [], name


def test_list_parsed():
    rows = cc.rows()
    names = {r[1] for r in rows}
    assert {"read", "openat", "futex"} <= names  # the main list and list_*.h
    assert any(r[3] == "full" for r in rows)
