# SPDX-License-Identifier: MIT
"""End-to-end networking: real releases serving HTTP and UDP on Kiln,
driven from the host through QEMU user-net port forwards, and Erlang
distribution between two Kiln VMs on a QEMU socket link.

  http_ex   a DEFAULT `mix release` (distribution on, so the kernel starts
            epmd first): gen_tcp HTTP/1.1 on 8080, UDP echo on 8081
  http_erl  rebar3 release with inets httpd on 8080 (-sname)

Each (app, vCPU count) boots E2E_NET_REPEAT times (default 1). Every boot:
wait for the app's "ready" line and a first good response; wrk at 1, 10 and
100 keep-alive connections and 10 with `Connection: close`, each for
E2E_NET_SECONDS (default 3) with a Lua check of every body (wrk must report
no socket errors, no non-2xx and no bad body); E2E_NET_BURST connections
(default 1000) opened at once by a Python client, every response checked
(test_burst_over_tap: through a tap device in a network namespace the
test creates, since QEMU user-net's port forward listens with a backlog of
1 and resets connections beyond it, whatever the guest does); UDP echo
(http_ex); one more request; then QEMU's system_powerdown (the guest's
program gets SIGTERM) and the VM must exit with status 0.
`make test-e2e-net-heavy` runs 3 boots with 20 s of wrk per mode and
checks at least E2E_NET_MIN_REQUESTS (30000) requests per boot.

test_distribution_between_vms: http_ex (--ip 10.0.3.1/24 --hostname h1)
and http_erl (--ip 10.0.3.2/24 --hostname h2) on `--net socket:...`;
http_erl pings http_ex@h1 with http_ex's cookie (PING_* variables, see
apps/http_erl/src/http_erl_app.erl) and must get pong.

All traffic stays on 127.0.0.1 (host side), inside the VMs' own link, or
inside the test's own network namespace.
"""
import json
import os
import re
import resource
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
KILN = os.path.join(BUILD, "kiln")
REPEAT = int(os.environ.get("E2E_NET_REPEAT", "1"))
CPUS = [int(c) for c in os.environ.get("E2E_NET_CPUS", "1 2").split()]
SECONDS = int(os.environ.get("E2E_NET_SECONDS", "3"))
BURST = int(os.environ.get("E2E_NET_BURST", "1000"))
MIN_REQUESTS = int(os.environ.get("E2E_NET_MIN_REQUESTS", "0"))
BOOT_TIMEOUT = int(os.environ.get("E2E_TIMEOUT", "300"))

HELLO = {"http_ex": "hello from http_ex\n", "http_erl": "hello from http_erl\n"}
UDP = {"http_ex": 8081}


def echo_body(q):
    return f"echo {q} {len(q.encode())}\n"


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_image(app, name, *flags):
    rel = os.path.join(BUILD, "e2e", app)
    if not os.path.isdir(rel):
        pytest.fail(f"{rel} missing: run `make test-release` (make test-e2e does)")
    img = os.path.join(BUILD, "e2e", name)
    p = subprocess.run([KILN, "build", rel, "-o", img, *flags],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=300, check=False)
    assert p.returncode == 0, p.stdout.decode(errors="replace")
    return img, p.stdout.decode(errors="replace")


class Vm:
    """One `kiln run` in the background, its console collected by a thread."""

    def __init__(self, img, cpus, args=(), mem=256, wrap=(), timeout=None):
        self.qmp = tempfile.mktemp(prefix="kiln-qmp-", suffix=".sock")
        self.lines = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(
            [*wrap, KILN, "run", "--accel", "tcg", "--cpus", str(cpus), "--mem",
             str(mem), "--timeout", str(timeout or BOOT_TIMEOUT + 600),
             "--monitor",
             self.qmp, *args, img],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)  # EOF
            self.cond.notify_all()

    def output(self):
        with self.cond:
            return "\n".join(l for l in self.lines if l is not None)

    def wait_line(self, pattern, timeout):
        """The first console line matching pattern (a regex)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for l in self.lines:
                    if l is not None and rx.search(l):
                        return l
                if None in self.lines:
                    raise AssertionError(f"VM exited before {pattern!r}:\n"
                                         + self.output()[-4000:])
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {pattern!r} after {timeout} s:\n"
                                         + self.output()[-4000:])
                self.cond.wait(left)

    def qmp_command(self, cmd):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(self.qmp)
        f = s.makefile("rwb")
        json.loads(f.readline())  # greeting
        for c in ("qmp_capabilities", cmd):
            f.write(json.dumps({"execute": c}).encode() + b"\n")
            f.flush()
            while True:
                reply = json.loads(f.readline())
                if "return" in reply or "error" in reply:
                    break
            assert "error" not in reply, reply
        s.close()

    def state_dump(self, timeout=60):
        """The kernel's state dump (an NMI: threads, where each sleeps, the
        network stack and device queues; docs/debugging.md), as text."""
        try:
            before = len(self.output())
            self.qmp_command("inject-nmi")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                out = self.output()[before:]
                if "dump: end" in out:
                    return out[out.index("[kiln] dump:"):
                               out.index("dump: end") + 9]
                time.sleep(0.5)
            return "(no state dump after %d s)" % timeout
        except (OSError, AssertionError, ValueError) as e:
            return f"(no state dump: {e})"

    def powerdown(self, timeout=120):
        """system_powerdown; the VM must exit by itself with status 0."""
        self.qmp_command("system_powerdown")
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("no exit after system_powerdown:\n"
                                 + self.output()[-4000:])
        self.reader.join(10)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            # SIGHUP: kiln run stops QEMU at once, by pid (SIGTERM would
            # press the power button first)
            self.proc.send_signal(signal.SIGHUP)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if os.path.exists(self.qmp):
            os.unlink(self.qmp)


def http_get(port, path, close=False, timeout=10):
    """One request on a new connection: (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        hdr = "Connection: close\r\n" if close else ""
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: kiln\r\n{hdr}\r\n".encode())
        return read_response(s)


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"EOF in headers: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for l in lines[1:]:
        k, _, v = l.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("EOF in body")
        body += chunk
    return status, body[:length].decode()


def wait_http(vm, port, app, timeout=BOOT_TIMEOUT):
    vm.wait_line(rf"{app}: ready http", timeout)
    deadline = time.monotonic() + 60
    while True:
        try:
            st, body = http_get(port, "/")
            assert (st, body) == (200, HELLO[app]), (st, body)
            return
        except (OSError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


WRK_LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  good = 0; bad = 0; first_bad = ""
  local q = string.match(wrk.path, "^/echo%?(.*)$")
  if q then want = "echo " .. q .. " " .. #q .. "\n" else want = os.getenv("KILN_HELLO") end
end
function response(status, headers, body)
  if status == 200 and body == want then good = good + 1
  else bad = bad + 1; if first_bad == "" then first_bad = status .. " " .. tostring(body) end end
end
function done(summary, latency, requests)
  local g, b, fb = 0, 0, ""
  for _, t in ipairs(threads) do
    g = g + t:get("good"); b = b + t:get("bad")
    if fb == "" then fb = t:get("first_bad") end
  end
  io.write(string.format("kiln-check good=%d bad=%d first_bad=%q\n", g, b, fb))
end
"""


def run_wrk(port, app, conns, close, path):
    """wrk for SECONDS; returns the number of requests, after the checks."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_LUA)
        script = f.name
    try:
        cmd = ["wrk", "-t", str(min(2, conns)), "-c", str(conns), "-d",
               f"{SECONDS}s", "--timeout", "10s", "-s", script]
        if close:
            cmd += ["-H", "Connection: close"]
        cmd.append(f"http://127.0.0.1:{port}{path}")
        p = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=SECONDS + 120,
                           env=dict(os.environ, KILN_HELLO=HELLO[app]))
    finally:
        os.unlink(script)
    out = p.stdout + p.stderr
    label = f"wrk -c {conns}{' close' if close else ''} {path}"
    assert p.returncode == 0, f"{label}: exit {p.returncode}\n{out}"
    assert "Socket errors" not in out, f"{label}: socket errors\n{out}"
    assert "Non-2xx" not in out, f"{label}: non-2xx responses\n{out}"
    m = re.search(r"(\d+) requests in", out)
    c = re.search(r"kiln-check good=(\d+) bad=(\d+)", out)
    assert m and c, f"{label}: cannot read wrk's output\n{out}"
    total, good, bad = int(m.group(1)), int(c.group(1)), int(c.group(2))
    assert bad == 0, f"{label}: {bad} bad responses\n{out}"
    assert total > 0 and good >= total, f"{label}: {good}/{total}\n{out}"
    print(f"{label}: {total} requests, all correct")
    return total


def burst(port, n, timeout=120, host="127.0.0.1"):
    """n connections opened at once, one request each (Connection: close);
    every response must be right and the server must then close (EOF).
    Returns the seconds it took."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1000), hard))
    start = time.monotonic()
    sel = selectors.DefaultSelector()
    conns = {}
    for i in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, port))
        q = f"burst{i}"
        req = f"GET /echo?{q} HTTP/1.1\r\nHost: kiln\r\nConnection: close\r\n\r\n"
        conns[s] = {"out": req.encode(), "in": b"", "want": echo_body(q)}
        sel.register(s, selectors.EVENT_WRITE)
    done = 0
    errors = []
    while done < n:
        left = timeout - (time.monotonic() - start)
        if left <= 0:
            states = {"not sent": 0, "no response": 0, "response, no EOF": 0}
            for c in conns.values():
                if "closed" in c:
                    continue
                states["not sent" if c["out"] else "response, no EOF"
                       if body_complete(c["in"]) else "no response"] += 1
            raise AssertionError(f"burst: {done}/{n} done after {timeout} s; "
                                 f"open ones: {states}")
        for key, ev in sel.select(min(left, 1.0)):
            s, c = key.fileobj, conns[key.fileobj]
            try:
                if ev & selectors.EVENT_WRITE:
                    sent = s.send(c["out"])
                    c["out"] = c["out"][sent:]
                    if not c["out"]:
                        sel.modify(s, selectors.EVENT_READ)
                    continue
                chunk = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:
                chunk, c["err"] = b"", str(e)
            if chunk:
                c["in"] += chunk
                continue
            sel.unregister(s)
            s.close()
            c["closed"] = True
            done += 1
            head, _, body = c["in"].partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200") or body.decode() != c["want"]:
                errors.append((c.get("err"), c["in"][:200]))
    sel.close()
    took = time.monotonic() - start
    assert not errors, f"burst: {len(errors)}/{n} bad, e.g. {errors[:3]}"
    print(f"burst: {n} connections, all correct, {took:.1f}s")
    return took


def body_complete(data):
    head, sep, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"content-length: *(\d+)", head, re.I)
    return bool(sep and m and len(body) >= int(m.group(1)))


def healthy(port, timeout=60):
    """One more correct request within timeout (stuck connections of an
    earlier phase may still be draining)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            got = http_get(port, "/echo?after", close=True)
            assert got == (200, echo_body("after")), got
            return 0
        except (OSError, ConnectionError):
            if time.monotonic() > deadline:
                raise


class StubDns:
    """A DNS server of our own on the host's 127.0.0.1 (UDP): every A
    query for a name under kiln.test gets 192.0.2.7, anything else
    NXDOMAIN. The guest reaches it as 10.0.2.2 through QEMU user-net."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.queries = []
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.5)
        while not self.stop:
            try:
                q, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            if len(q) < 12:
                continue
            name, i = [], 12
            while i < len(q) and q[i]:
                name.append(q[i + 1:i + 1 + q[i]].decode(errors="replace"))
                i += 1 + q[i]
            qname = ".".join(name)
            self.queries.append(qname)
            question = q[12:i + 5]
            ok = qname.endswith(".kiln.test") and q[i + 1:i + 3] == b"\0\1"
            flags = b"\x81\x80" if ok else b"\x81\x83"
            head = q[:2] + flags + b"\0\1" + (b"\0\1" if ok else b"\0\0") + b"\0\0\0\0"
            ans = (b"\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4" + bytes([192, 0, 2, 7])) if ok else b""
            self.sock.sendto(head + question + ans, peer)

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()


def check_names(port):
    """inet_res against our stub DNS server, and OTP's native lookup of
    the VM's own name (inet_gethost, fork+exec, glibc, /etc/hosts)."""
    dns = StubDns()
    try:
        status, body = http_get(port, f"/resolve?www.kiln.test,10.0.2.2,{dns.port}", timeout=60)
        assert (status, body) == (200, "192.0.2.7\n"), (status, body, dns.queries)
        status, body = http_get(port, f"/resolve?nowhere.example,10.0.2.2,{dns.port}", timeout=60)
        assert status == 502 and "nxdomain" in body, (status, body)
    finally:
        dns.close()
    status, body = http_get(port, "/native?kiln", timeout=60)
    assert (status, body) == (200, "10.0.2.15\n"), (status, body)
    print("names: inet_res via a stub DNS server and native lookup of kiln, ok")


def udp_echo(port, n=50):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        for i in range(n):
            msg = f"udp {i}".encode()
            for attempt in range(3):
                s.sendto(msg, ("127.0.0.1", port))
                try:
                    data, _ = s.recvfrom(2048)
                except socket.timeout:
                    continue
                assert data == b"echo " + msg, data
                break
            else:
                raise AssertionError(f"udp: no echo of {msg!r}")
    print(f"udp: {n} datagrams echoed")


@pytest.fixture(scope="module", params=["http_ex", "http_erl"])
def app_image(request):
    app = request.param
    img, log = build_image(app, f"net-{app}.img")
    # compressed: a small HTTP app's image is under 10 MiB
    assert "image total" in log, log
    assert os.path.getsize(img) < 10 << 20, log
    # a default mix release / a -sname relx release: epmd is a service
    shown = subprocess.run([KILN, "inspect", img], capture_output=True,
                           text=True, check=True).stdout
    assert re.search(r"^service\[0\] tcp:4369 /app/erts-[^ ]+/bin/epmd$",
                     shown, re.M), shown[:3000]
    assert "-setcookie" not in shown
    return app, img


@pytest.mark.parametrize("cpus", CPUS)
def test_http_under_load(app_image, cpus):
    app, img = app_image
    for boot in range(REPEAT):
        port = free_port()
        args = ["-p", f"127.0.0.1:{port}:8080"]
        uport = None
        if app in UDP:
            uport = free_port(socket.SOCK_DGRAM)
            args += ["-p", f"127.0.0.1:{uport}:{UDP[app]}/udp"]
        vm = Vm(img, cpus, args)
        failures = []
        total = 0

        def phase(name, fn, *a):
            """Run one check; a failure is recorded and the next runs."""
            try:
                return fn(*a)
            except (AssertionError, OSError, ConnectionError) as e:
                failures.append(f"{name}: {str(e)[:1500]}")
                return 0

        try:
            wait_http(vm, port, app)
            assert "listens on TCP port 4369" in vm.output(), vm.output()[-3000:]
            for conns, close, path in [(1, False, "/"), (10, False, "/echo?k10"),
                                       (100, False, "/echo?k100"),
                                       (10, True, "/echo?c10")]:
                total += phase(f"wrk -c {conns}", run_wrk, port, app, conns,
                               close, path)
            if uport:
                phase("udp", udp_echo, uport)
            if app == "http_ex":
                phase("names", check_names, port)
            # the 1,000-connection burst: test_burst_over_tap (user-net's
            # port forward listens with a backlog of 1)
            phase("one more request", healthy, port)
            rc = vm.powerdown()
            if rc != 0:
                failures.append(f"exit {rc} after system_powerdown\n"
                                f"{vm.output()[-3000:]}")
            assert not failures, "\n".join(failures)
            assert MIN_REQUESTS == 0 or total >= MIN_REQUESTS, (
                f"{total} requests < {MIN_REQUESTS}")
            print(f"{app} cpus={cpus} boot {boot}: {total} wrk requests, ok")
        finally:
            vm.kill()


def test_distribution_between_vms():
    """http_erl on one VM pings http_ex on another by name and cookie."""
    cookie_file = os.path.join(BUILD, "e2e", "http_ex", "releases", "COOKIE")
    with open(cookie_file) as f:
        cookie = f.read().strip()
    img1, _ = build_image("http_ex", "dist-http_ex.img")
    img2, _ = build_image("http_erl", "dist-http_erl.img",
                          "--env", "PING_NODE=http_ex@h1",
                          "--env", "PING_ADDR=10.0.3.1",
                          "--env", f"PING_COOKIE={cookie}")
    link = free_port()
    vm1 = Vm(img1, 1, ["--net", f"socket:listen:{link}", "--mac",
                       "52:54:00:00:03:01", "--ip", "10.0.3.1/24",
                       "--hostname", "h1"])
    vm2 = None
    try:
        vm1.wait_line(r"http_ex: ready http 8080 udp 8081 node http_ex@h1",
                      BOOT_TIMEOUT)
        vm2 = Vm(img2, 1, ["--net", f"socket:connect:{link}", "--mac",
                           "52:54:00:00:03:02", "--ip", "10.0.3.2/24",
                           "--hostname", "h2"])
        line = vm2.wait_line(r"http_erl: ping http_ex@h1 (pong|pang)",
                             BOOT_TIMEOUT + 90)
        assert line.endswith("pong"), vm2.output()[-3000:]
        vm2.wait_line(r"http_erl: remote node http_ex@h1$", 60)
        assert vm2.powerdown() == 0, vm2.output()[-3000:]
        assert vm1.powerdown() == 0, vm1.output()[-3000:]
    finally:
        if vm2:
            vm2.kill()
        vm1.kill()


class Netns:
    """A network namespace of our own with a tap device for one VM: the
    host side is 10.0.9.1/24 on the tap, the guest 10.0.9.2/24."""

    HOST, GUEST = "10.0.9.1", "10.0.9.2"

    def __init__(self):
        self.name = f"kilne2e{os.getpid()}"
        self.tap = "ktap0"
        self._ip("netns", "add", self.name)
        try:
            self.run("ip", "link", "set", "lo", "up")
            self.run("ip", "tuntap", "add", "dev", self.tap, "mode", "tap")
            self.run("ip", "addr", "add", f"{self.HOST}/24", "dev", self.tap)
            self.run("ip", "link", "set", self.tap, "up")
        except Exception:
            self.close()
            raise

    @staticmethod
    def _ip(*args):
        subprocess.run(["ip", *args], check=True, capture_output=True)

    def cmd(self, *args):
        return ["ip", "netns", "exec", self.name, *args]

    def run(self, *args, **kw):
        return subprocess.run(self.cmd(*args), check=True, capture_output=True,
                              **kw)

    def close(self):
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


def netns_available():
    if os.geteuid() != 0:
        return "needs root (ip netns, tap devices)"
    try:
        ns = Netns()
    except (OSError, subprocess.CalledProcessError) as e:
        return f"cannot make a network namespace with a tap device: {e}"
    ns.close()
    return None


@pytest.mark.parametrize("cpus", CPUS)
def test_burst_over_tap(cpus):
    """E2E_NET_BURST connections at once to http_ex over a tap link."""
    why = netns_available()
    if why and os.environ.get("CI") != "true":
        pytest.skip(why)
    assert why is None, why
    img, _ = build_image("http_ex", "burst-http_ex.img")
    ns = Netns()
    vm = None
    try:
        vm = Vm(img, cpus, ["--net", f"tap:{ns.tap}", "--ip",
                            f"{Netns.GUEST}/24", "--gw", Netns.HOST],
                wrap=ns.cmd())
        vm.wait_line(r"http_ex: ready http 8080", BOOT_TIMEOUT)
        for attempt in range(3):  # until the guest answers on the link
            r = subprocess.run(ns.cmd(sys.executable, __file__, "burst",
                                      Netns.GUEST, "8080", "1"),
                               capture_output=True, text=True, timeout=60)
            if r.returncode == 0:
                break
            time.sleep(2)
        r = subprocess.run(ns.cmd(sys.executable, __file__, "burst",
                                  Netns.GUEST, "8080", str(BURST)),
                           capture_output=True, text=True, timeout=300)
        print(r.stdout.strip())
        if r.returncode != 0:
            # still serving a new connection? and the kernel's view of it
            p = subprocess.run(ns.cmd(sys.executable, __file__, "burst",
                                      Netns.GUEST, "8080", "1"),
                               capture_output=True, text=True, timeout=150)
            probe = "a new connection afterwards: " + (
                "served" if p.returncode == 0 else p.stdout + p.stderr)
            boot = vm.output()[:3000]
            raise AssertionError(r.stdout + r.stderr + boot + "\n" + probe +
                                 "\n" + vm.state_dump())
        assert vm.powerdown() == 0, vm.output()[-3000:]
    finally:
        if vm:
            vm.kill()
        ns.close()


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "burst":
    # run inside the namespace by test_burst_over_tap
    burst(int(sys.argv[3]), int(sys.argv[4]), host=sys.argv[2])


def test_ctrl_c_and_sigterm_stop_the_guest_gracefully():
    """kiln run's first Ctrl-C (typed on its terminal) or SIGTERM presses
    the power button: the release gets SIGTERM, stops with init:stop, and
    kiln exits with its status 0. A second Ctrl-C stops QEMU at once."""
    import pty
    img, _ = build_image("http_ex", "stop-http_ex.img")
    args = [KILN, "run", "--accel", "tcg", "--timeout",
            str(BOOT_TIMEOUT + 120), img]

    def read_until(fd, out, pat, timeout):
        sel = selectors.DefaultSelector()
        sel.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while pat not in out[0] and time.monotonic() < deadline:
            if sel.select(0.5):
                try:
                    d = os.read(fd, 4096)
                except OSError:
                    break
                if not d:
                    break
                out[0] += d
        sel.close()
        return pat in out[0]

    def on_pty(keys):
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(KILN, args)
        out = [b""]
        try:
            assert read_until(fd, out, b"http_ex: ready", BOOT_TIMEOUT), \
                out[0].decode(errors="replace")[-3000:]
            for k in keys:
                os.write(fd, k)
                time.sleep(0.2)
            read_until(fd, out, b"\xff", 120)  # to EOF
        finally:
            _, ws = os.waitpid(pid, 0)
            os.close(fd)
        return os.waitstatus_to_exitcode(ws), out[0].decode(errors="replace")

    rc, out = on_pty([b"\x03"])
    assert rc == 0, f"exit {rc}\n{out[-3000:]}"
    assert "kiln: stopping the guest: power button" in out, out[-3000:]
    assert "power button: SIGTERM to pid 1" in out, out[-3000:]

    rc, out = on_pty([b"\x03", b"\x03"])
    assert rc == 128 + 2, f"exit {rc}\n{out[-3000:]}"

    p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        buf = b""
        deadline = time.monotonic() + BOOT_TIMEOUT
        while b"http_ex: ready" not in buf and time.monotonic() < deadline:
            d = p.stdout.read1(4096)
            if not d:
                break
            buf += d
        p.send_signal(15)
        rest = p.communicate(timeout=120)[0]
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    text = (buf + rest).decode(errors="replace")
    assert p.returncode == 0, f"exit {p.returncode}\n{text[-3000:]}"
    assert "power button: SIGTERM to pid 1" in text, text[-3000:]


def test_snapshot_and_restore(tmp_path):
    """kiln run --snapshot saves the VM once its port answers; --restore
    resumes it serving at once, with the wall clock put right (the RTC
    check), and stops gracefully; a changed image is refused."""
    img, _ = build_image("http_ex", "snap-http_ex.img")
    port = free_port()
    snap = str(tmp_path / "http_ex.snap")
    p = subprocess.run([KILN, "run", "--accel", "tcg", "-p", f"{port}:8080",
                        "--snapshot", snap, "--timeout", str(BOOT_TIMEOUT),
                        img], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=BOOT_TIMEOUT + 60)
    out = p.stdout.decode(errors="replace")
    assert p.returncode == 0, out[-3000:]
    assert f"port {port} answers: saving the VM" in out, out[-3000:]
    assert os.path.getsize(snap) > 4096 and not os.path.exists(snap + ".tmp")
    time.sleep(5)  # the restored guest's wall clock is 5 s behind

    # the same port: it comes from the snapshot's options
    proc = subprocess.Popen([KILN, "run", "--restore", snap, "--timeout",
                             "300"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        t0 = time.monotonic()
        got = None
        while time.monotonic() - t0 < 60 and got is None:
            try:
                with socket.create_connection(("127.0.0.1", port), 0.5) as s:
                    s.settimeout(0.5)
                    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                    data = s.recv(4096)
                    if data.startswith(b"HTTP/1.1 200"):
                        got = data
            except OSError:
                time.sleep(0.05)
        assert got and HELLO["http_ex"].encode() in got, got
        proc.send_signal(15)
        rest = proc.communicate(timeout=120)[0].decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, rest[-3000:]
    assert "kiln: restoring" in rest, rest[-3000:]
    assert re.search(r"time: wall clock stepped forward by \d+ s", rest), \
        rest[-3000:]

    os.utime(img)  # the image changed: the snapshot no longer fits
    p = subprocess.run([KILN, "run", "--restore", snap], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 125 and "image changed since the snapshot" in \
        p.stderr, p.stderr


MICROVM_REPEAT = int(os.environ.get("E2E_MICROVM_REPEAT", "5"))


def test_microvm_serves_http():
    """`kiln run --machine microvm`: no PCI, no ACPI tables of a PC (the
    devices are virtio-mmio); http_erl serves wrk at 10 connections and
    its own powerdown, E2E_MICROVM_REPEAT boots (default 5) at 1 and 2
    vCPUs alternately."""
    img, _ = build_image("http_erl", "microvm-http_erl.img")
    for boot in range(MICROVM_REPEAT):
        port = free_port()
        vm = Vm(img, 1 + boot % 2, ["--machine", "microvm", "-p",
                                    f"127.0.0.1:{port}:8080"])
        try:
            wait_http(vm, port, "http_erl")
            assert "virtio-rng at mmio" in vm.output(), vm.output()[-3000:]
            run_wrk(port, "http_erl", 10, False, "/")
            healthy(port)
            assert vm.powerdown() == 0, vm.output()[-3000:]
        finally:
            vm.kill()
