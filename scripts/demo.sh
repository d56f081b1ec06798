#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build everything and boot the demo: examples/elixir_http, a supervised
# Elixir HTTP server built with a default `mix release`, packed with
# `kiln build` and booted with `kiln run` (KVM if the host has it, else TCG)
# with its port 8080 published on a host port of 127.0.0.1. The script waits until the app
# answers, fetches / with curl, stops the VM with QMP system_powerdown (the
# release gets SIGTERM and must exit with status 0), and prints the app's
# HTTP answer last. Knobs: DEMO_PORT (default: a free port), DEMO_TIMEOUT
# (seconds to wait for the first answer, default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
# A free host port unless DEMO_PORT says which.
port=${DEMO_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
timeout=${DEMO_TIMEOUT:-300}
out=$top/build/demo

bash scripts/deps.sh
make -j"$(nproc)"

echo "demo: building examples/elixir_http (MIX_ENV=prod mix release)"
rm -rf "$out"
mkdir -p "$out/home"
cp -r examples/elixir_http "$out/elixir_http"
# mix, hex and rebar stay inside build/demo and offline (no Hex packages).
(cd "$out/elixir_http" &&
	HOME="$out/home" MIX_HOME="$out/mix" HEX_OFFLINE=1 \
		REBAR_CACHE_DIR="$out/rebar3" MIX_ENV=prod LANG=C.UTF-8 \
		mix release --quiet --overwrite)
rel=$out/elixir_http/_build/prod/rel/elixir_http

echo "demo: ./build/kiln build $rel -o build/demo/elixir_http.img"
./build/kiln build "$rel" -o "$out/elixir_http.img"

qmp=$out/qmp.sock
log=$out/console.log
echo "demo: ./build/kiln run -p 127.0.0.1:$port:8080 --monitor $qmp" \
	"build/demo/elixir_http.img (console in $log)"
./build/kiln run --cpus 2 --mem 256 -p "127.0.0.1:$port:8080" \
	--monitor "$qmp" "$out/elixir_http.img" >"$log" 2>&1 </dev/null &
vm=$!
cleanup() { kill "$vm" 2>/dev/null || true; }
trap cleanup EXIT

deadline=$((SECONDS + timeout))
until grep -q "elixir_http: ready" "$log" &&
	curl -fsS -m 5 "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
	if ! kill -0 "$vm" 2>/dev/null; then
		cat "$log"
		echo "demo: the VM exited before the app answered" >&2
		exit 1
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		cat "$log"
		echo "demo: no answer on 127.0.0.1:$port after $timeout s" >&2
		exit 1
	fi
	sleep 1
done
grep "elixir_http: ready" "$log"
answer=$(curl -fsS -m 10 -i "http://127.0.0.1:$port/" | tr -d '\r')

echo "demo: stopping the VM (QMP system_powerdown: the release gets SIGTERM)"
python3 - "$qmp" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rwb")
json.loads(f.readline())  # QMP greeting
for cmd in ("qmp_capabilities", "system_powerdown"):
    f.write(json.dumps({"execute": cmd}).encode() + b"\n")
    f.flush()
    while True:
        reply = json.loads(f.readline())
        if "return" in reply or "error" in reply:
            break
    if "error" in reply:
        sys.exit(f"qmp {cmd}: {reply['error']}")
PY
deadline=$((SECONDS + 120))
while kill -0 "$vm" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
	sleep 1
done
if kill -0 "$vm" 2>/dev/null; then
	tail -n 30 "$log"
	echo "demo: the VM did not stop within 120 s of system_powerdown" >&2
	exit 1
fi
rc=0
wait "$vm" || rc=$?
trap - EXIT
if [ "$rc" -ne 0 ]; then
	tail -n 30 "$log"
	echo "demo: the VM exited with status $rc after system_powerdown" >&2
	exit 1
fi
echo "demo: the release stopped cleanly (exit status 0)"
echo "demo: curl -i http://127.0.0.1:$port/ answered:"
printf '%s\n' "$answer"
