# SPDX-License-Identifier: MIT
"""The developer flows the README promises, built from scratch and booted:

  test_elixir_example   examples/elixir_http: MIX_ENV=prod mix release
                        (default config), kiln build, kiln run -p
  test_erlang_example   examples/erlang_http: rebar3 release &&
                        kiln build _build/default/rel/erlang_http
  test_mix_integration  a fresh `mix new --sup` project with
                        {:kiln, path: ".../integrations/mix"} and
                        steps: [:assemble, &Kiln.Release.image/1]:
                        `mix release` writes _build/prod/rel/NAME.img,
                        which boots to its ready line; a missing kiln
                        command is a clear Mix error; console: :iex
                        builds an IEx image, which mix kiln.run
                        refuses to run without a terminal

Every boot: wait for the app's ready line, GET / (the greeting), /health
and a 404 through a published port on 127.0.0.1, then QMP
system_powerdown and exit status 0. mix, hex and rebar3 run offline with
HOME inside the test's build directory. `make test-examples`.
"""
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_net import BOOT_TIMEOUT, KILN, ROOT, Vm, free_port, http_get  # noqa: E402

WORK = os.path.join(ROOT, "build", "examples")
CPUS = int(os.environ.get("E2E_EXAMPLES_CPUS", "2"))


def tool_env():
    home = os.path.join(WORK, "home")
    os.makedirs(home, exist_ok=True)
    env = dict(os.environ, HOME=home, MIX_HOME=os.path.join(WORK, "mix"),
               HEX_OFFLINE="1", REBAR_CACHE_DIR=os.path.join(WORK, "rebar3"),
               MIX_ENV="prod", LANG="C.UTF-8")
    return env


def run(cmd, cwd, env=None, ok=True):
    p = subprocess.run(cmd, cwd=cwd, env=env or tool_env(), timeout=600,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode(errors="replace")
    if ok:
        assert p.returncode == 0, f"{cmd}: exit {p.returncode}\n{out}"
    return p.returncode, out


def fresh_copy(example):
    dst = os.path.join(WORK, example)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "examples", example), dst)
    return dst


def boot_and_check(img, ready, greeting, mem=256):
    """Boots img, checks /, /health and a 404, stops it; returns the greeting."""
    port = free_port()
    vm = Vm(img, CPUS, ["-p", f"127.0.0.1:{port}:8080"], mem=mem)
    try:
        vm.wait_line(ready, BOOT_TIMEOUT)
        for _ in range(30):  # the port forward may lag the ready line
            try:
                status, text = http_get(port, "/", close=True)
                break
            except (OSError, ConnectionError):
                time.sleep(1)
        else:
            raise AssertionError("no HTTP answer:\n" + vm.output()[-3000:])
        assert status == 200, (status, text)
        assert re.search(greeting, text), text
        assert http_get(port, "/health", close=True) == (200, "ok\n")
        assert http_get(port, "/nope", close=True)[0] == 404
        rc = vm.powerdown()
        assert rc == 0, f"exit {rc} after system_powerdown\n{vm.output()[-3000:]}"
        return text
    finally:
        vm.kill()


def kiln_build(rel, img):
    _, out = run([KILN, "build", rel, "-o", img], cwd=ROOT)
    return out


def test_elixir_example():
    src = fresh_copy("elixir_http")
    run(["mix", "release", "--overwrite"], src)
    rel = os.path.join(src, "_build", "prod", "rel", "elixir_http")
    img = os.path.join(WORK, "elixir_http.img")
    kiln_build(rel, img)
    text = boot_and_check(img, r"elixir_http: ready http 8080 node elixir_http@",
                          r"on Kiln!\nos: +unix/linux .*\nnode: +elixir_http@")
    print(text)


def test_erlang_example():
    src = fresh_copy("erlang_http")
    run(["rebar3", "release"], src)
    rel = os.path.join(src, "_build", "default", "rel", "erlang_http")
    img = os.path.join(WORK, "erlang_http.img")
    out = kiln_build(rel, img)
    assert "the kernel starts epmd" in out, out
    text = boot_and_check(img, r"erlang_http: ready http 8080 node erlang_http@",
                          r"on Kiln!\nos: +unix/linux\nnode: +erlang_http@")
    print(text)


APP_HELLO = '''
defmodule KilnHello.Ready do
  use Task, restart: :transient
  def start_link(_), do: Task.start_link(fn -> IO.puts("kiln_hello: ready #{node()} #{inspect(:os.type())}") end)
end
'''

RELEASES = '''      deps: deps(),
      releases: [
        kiln_hello: [
          steps: [:assemble, &Kiln.Release.image/1],
          kiln: [memory_profile: :small, env: [{"KILN_HELLO", "from-env"}],
                 add: ["extra.txt:/extra.txt"]]
        ]
      ]'''


def test_mix_integration():
    os.makedirs(WORK, exist_ok=True)
    proj = os.path.join(WORK, "kiln_hello")
    shutil.rmtree(proj, ignore_errors=True)
    run(["mix", "new", "--sup", "kiln_hello"], WORK)
    mix_exs = os.path.join(proj, "mix.exs")
    with open(mix_exs) as f:
        s = f.read()
    dep = os.path.join(ROOT, "integrations", "mix")
    s = s.replace("deps: deps()", RELEASES, 1)
    s = re.sub(r"defp deps do\n    \[", "defp deps do\n    [\n      {:kiln, path: "
               + repr(dep).replace("'", '"') + ", runtime: false},", s, 1)
    with open(mix_exs, "w") as f:
        f.write(s)
    app_ex = os.path.join(proj, "lib", "kiln_hello", "application.ex")
    with open(app_ex) as f:
        s = f.read()
    s = s.replace("children = [", "children = [\n      KilnHello.Ready,", 1)
    with open(app_ex, "w") as f:
        f.write(s)
    with open(os.path.join(proj, "lib", "kiln_hello", "ready.ex"), "w") as f:
        f.write(APP_HELLO)
    with open(os.path.join(proj, "extra.txt"), "w") as f:
        f.write("extra\n")

    # Without kiln anywhere: a clear error, no image.
    env = tool_env()
    env.pop("KILN", None)
    env["PATH"] = "/usr/bin:/bin"
    rc, out = run(["mix", "release", "--overwrite"], proj, env=env, ok=False)
    assert rc != 0 and "the kiln command was not found" in out, out
    img = os.path.join(proj, "_build", "prod", "rel", "kiln_hello.img")
    assert not os.path.exists(img)

    env["KILN"] = KILN
    _, out = run(["mix", "release", "--overwrite"], proj, env=env)
    assert os.path.isfile(img), out
    assert "--small-memory" in out and "KILN_HELLO=from-env" in out, out
    shown = subprocess.run([KILN, "inspect", img], capture_output=True,
                           text=True, check=True).stdout
    assert "/extra.txt" in shown, shown[:3000]
    assert "KILN_HELLO=from-env" in shown, shown[:3000]

    vm = Vm(img, CPUS, mem=64)
    try:
        vm.wait_line(r"kiln_hello: ready kiln_hello@\S+ \{:unix, :linux\}",
                     BOOT_TIMEOUT)
        rc = vm.powerdown()
        assert rc == 0, f"exit {rc}\n{vm.output()[-3000:]}"
    finally:
        vm.kill()

    # console: :iex reaches kiln build; mix kiln.run cannot give kiln run
    # the terminal, so it says what to type instead.
    with open(mix_exs) as f:
        s = f.read()
    with open(mix_exs, "w") as f:
        f.write(s.replace("kiln: [memory_profile:",
                          "kiln: [console: :iex, memory_profile:", 1))
    _, out = run(["mix", "release", "--overwrite"], proj, env=env)
    assert "--console iex" in out, out
    shown = subprocess.run([KILN, "inspect", img], capture_output=True,
                           text=True, check=True).stdout
    assert "Elixir.IEx.CLI" in shown, shown[:3000]
    rc, out = run(["mix", "kiln.run"], proj, env=env, ok=False)
    assert rc != 0 and "needs your terminal" in out, out
    assert f"{KILN} run " in out and img in out, out
