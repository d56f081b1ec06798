#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check `kiln build RELEASE` against the release's own start script.

For each test release built by tests/e2e/make-apps.sh, run its start script
on the host under `strace -f -e trace=execve`, check that the app prints
its "all checks passed" line and exits with status 0, and take the argv
and environment of the final beam.smp execve. Then build an image of the
same release with `kiln build` and compare what `kiln inspect` shows.

They must be identical after the release root is replaced by /app, with
these documented exceptions:
  - argv[0]: the image's is the emulator's path (the kernel execs argv[0]);
    relx sets ESCRIPT_NAME, which makes erlexec put the script there.
  - LANG, TZ and ERL_INETRC are Kiln's defaults when the release sets none.
  - OLDPWD (left by `cd` in the script) is not passed.
  - relx's NAME=node@HOST: the host is the guest's (kiln), not the build
    host's.
  - "-setcookie COOKIE" is not in the image's argv, nor RELEASE_COOKIE in
    its environment: kiln build moves the cookie to $HOME/.erlang.cookie
    (docs/decisions/epmd.md).
Both sides start from the same environment: PATH=/usr/bin:/bin, HOME=/root.

The console modes are checked the same way, with the script's interactive
command run on a pseudo-terminal (which the scripts test for) and
TERM=xterm-256color on both sides (given to kiln build with --env):
`kiln build --console iex` against `bin/hello_ex start_iex`, `--console
erl` against `bin/hello_erl console` and start_erl (hello_sys).

Usage: check-release-argv.py --kiln build/kiln --kernel build/kernel.elf E2E
"""
import argparse
import os
import pty
import select
import socket
import subprocess
import sys
import tempfile
import time

HOME = "/root"
BASE_ENV = {"PATH": "/usr/bin:/bin", "HOME": HOME}
KILN_DEFAULTS = ("LANG", "TZ", "ERL_INETRC")
CONSOLE_TERM = "xterm-256color"
# (release, kiln build --console MODE) pairs checked
CASES = [("hello_ex", "none"), ("hello_erl", "none"), ("hello_sys", "none"),
         ("hello_ex", "iex"), ("hello_erl", "erl"), ("hello_sys", "erl")]
GUEST_ROOT = "/app"
GUEST_SHORT_HOST = "kiln"


def start_command(name, root, console):
    """The command line that starts each test release in the foreground."""
    if name == "hello_ex":
        cmd = "start_iex" if console == "iex" else "start"
        return ["bin/hello_ex", cmd], "hello_ex"
    if name == "hello_erl":
        cmd = "console" if console == "erl" else "foreground"
        return ["bin/hello_erl", cmd], "hello_erl"
    rel = os.path.join(root, "releases")
    return ([os.path.join("bin", "start_erl"), root, rel,
             os.path.join(rel, "start_erl.data"), "-args_file",
             os.path.join(rel, "0.1.0", "vm.args")], "hello_erl")


def parse_strace_line(line):
    """execve("path", [argv...], [envp...]) = 0 with -xx strings."""
    out, cur, i = [], None, line.index("execve(") + 7
    while i < len(line):
        c = line[i]
        if c == '"':
            j = line.index('"', i + 1)
            s = bytes.fromhex(line[i + 1:j].replace("\\x", "")).decode(
                "utf-8", "surrogateescape")
            (cur if cur is not None else out).append(s)
            i = j + 1
            continue
        if c == "[":
            cur = []
        elif c == "]":
            out.append(cur)
            cur = None
        elif c == ")":
            break
        i += 1
    return out[0], out[1], out[2]


def last_beam_exec(trace_prefix):
    """The latest successful execve of a beam.smp across strace -ff files."""
    best = None
    d = os.path.dirname(trace_prefix)
    for f in os.listdir(d):
        if not f.startswith(os.path.basename(trace_prefix) + "."):
            continue
        with open(os.path.join(d, f), encoding="ascii",
                  errors="replace") as fh:
            for line in fh:
                if "execve(" not in line or not line.rstrip().endswith("= 0"):
                    continue
                stamp = float(line.split()[0])
                path, argv, envp = parse_strace_line(line)
                if path.endswith("/beam.smp") and (best is None
                                                   or stamp > best[0]):
                    best = (stamp, path, argv, envp)
    if best is None:
        raise RuntimeError("no beam.smp execve in the trace")
    return best[1:]


def run_on_pty(argv, cwd, env, timeout):
    """Run argv with a pseudo-terminal as stdio; (status, output)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave,
                            stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out, deadline = b"", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            try:
                chunk = os.read(master, 65536) if ready else b""
            except OSError:  # EIO: every writer closed the terminal
                chunk = None
            if chunk:
                out += chunk
            elif chunk is None or proc.poll() is not None:
                break
        status = proc.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()  # ours, by PID
        status = proc.wait()
    finally:
        os.close(master)
    return status, out.decode("utf-8", "replace")


def run_native(name, root, console, tmp):
    """Run the release under strace; returns (path, argv, env dict)."""
    cmd, prefix = start_command(name, root, console)
    trace = os.path.join(tmp, "trace")
    strace = ["strace", "-f", "-ff", "-qq", "-ttt", "-v", "-xx", "-s",
              "1048576", "-e", "trace=execve", "-e", "signal=none", "-o",
              trace]
    if console == "none":
        proc = subprocess.run(strace + cmd, cwd=root, env=BASE_ENV,
                              capture_output=True, text=True, timeout=120,
                              check=False)
        status, out, err = proc.returncode, proc.stdout, proc.stderr
    else:
        env = dict(BASE_ENV, TERM=CONSOLE_TERM)
        status, out = run_on_pty(strace + cmd, root, env, 120)
        err = ""
    if (status != 0 or f"{prefix}: all checks passed" not in out
            or "FAILED" in out):
        raise RuntimeError(f"native run failed (status {status})"
                           f":\n{out}\n{err}")
    path, argv, envp = last_beam_exec(trace)
    return path, argv, dict(kv.split("=", 1) for kv in envp)


def run_kiln(kiln, kernel, root, console, tmp):
    """Build an image and read its argv/env back with kiln inspect."""
    img = os.path.join(tmp, "app.img")
    env = dict(BASE_ENV)
    extra = [] if console == "none" else ["--env", "TERM=" + CONSOLE_TERM]
    subprocess.run([kiln, "build", root, "-o", img, "--kernel", kernel,
                    "--console", console] + extra,
                   env=env, check=True, capture_output=True, text=True)
    shown = subprocess.run([kiln, "inspect", img], check=True,
                           capture_output=True, text=True).stdout
    argv, envd = [], {}
    for line in shown.splitlines():
        key, _, val = line.partition(" ")
        if key.startswith("argv["):
            argv.append(val)
        elif key.startswith("env["):
            k, _, v = val.partition("=")
            envd[k] = v
    return argv, envd


def guest_map(root, s):
    """Replace the release root by /app where it is a whole path prefix."""
    out, i = [], 0
    while True:
        j = s.find(root, i)
        if j < 0:
            out.append(s[i:])
            return "".join(out)
        nxt = s[j + len(root):j + len(root) + 1]
        out.append(s[i:j])
        keep = nxt != "" and (nxt.isalnum() or nxt in "._-+~")
        out.append(root if keep else GUEST_ROOT)
        i = j + len(root)


def compare(name, root, native, image):
    """List the differences between the native run and the image."""
    path, nargv, nenv = native
    iargv, ienv = image
    errors = []
    nargv = [guest_map(root, a) for a in nargv]
    if "-setcookie" in nargv and "-setcookie" not in iargv:
        i = nargv.index("-setcookie")
        del nargv[i:i + 2]
        nenv.pop("RELEASE_COOKIE", None)
    nenv = {k: guest_map(root, v) for k, v in nenv.items()}
    nenv.pop("OLDPWD", None)
    if "NAME" in nenv and "@" in nenv["NAME"]:
        nenv["NAME"] = nenv["NAME"].split("@")[0] + "@" + GUEST_SHORT_HOST
    for k in KILN_DEFAULTS:
        if k not in nenv:
            ienv.pop(k, None)
    if iargv[:1] != [guest_map(root, path)]:
        errors.append(f"argv[0]: image {iargv[:1]}, exec'd "
                      f"{guest_map(root, path)}")
    if iargv[1:] != nargv[1:]:
        errors.append("argv differs:\n  native " + repr(nargv[1:]) +
                      "\n  image  " + repr(iargv[1:]))
    for k in sorted(set(nenv) | set(ienv)):
        if nenv.get(k) != ienv.get(k):
            errors.append(f"env {k}: native {nenv.get(k)!r}, "
                          f"image {ienv.get(k)!r}")
    return errors, len(iargv), len(ienv)


def epmd_running():
    try:
        with socket.create_connection(("127.0.0.1", 4369), timeout=1):
            return True
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("e2e", help="directory made by make-apps.sh")
    args = ap.parse_args()
    kiln, kernel = os.path.abspath(args.kiln), os.path.abspath(args.kernel)
    names = sorted({n for n, _ in CASES})
    roots = {n: os.path.realpath(os.path.join(args.e2e, n)) for n in names}
    epmd = None
    if not epmd_running():
        # Our own epmd, so that `epmd -daemon` from erlexec returns at once
        # and no daemon outlives the test (strace -f would wait for it).
        erts = [d for d in os.listdir(roots["hello_ex"])
                if d.startswith("erts-")][0]
        epmd = subprocess.Popen(
            [os.path.join(roots["hello_ex"], erts, "bin", "epmd")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            if epmd_running():
                break
            epmd.wait(timeout=0.1) if epmd.poll() is not None else None
    failed = 0
    try:
        for n, console in CASES:
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    native = run_native(n, roots[n], console, tmp)
                    image = run_kiln(kiln, kernel, roots[n], console, tmp)
                    errors, nargs, nvars = compare(n, roots[n], native, image)
                except (RuntimeError, subprocess.CalledProcessError) as e:
                    errors, nargs, nvars = [str(e)], 0, 0
                    if isinstance(e, subprocess.CalledProcessError):
                        errors.append(e.stderr)
            what = n if console == "none" else f"{n} --console {console}"
            if errors:
                failed += 1
                print(f"release argv {what}: FAILED")
                for e in errors:
                    print("  " + e)
            else:
                print(f"release argv {what}: ok (native run passed; {nargs} "
                      f"arguments and {nvars} variables match)")
    finally:
        if epmd:
            epmd.terminate()
            epmd.wait()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
