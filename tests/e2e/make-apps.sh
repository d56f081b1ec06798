#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the end-to-end test releases from tests/e2e/apps into OUT
# (default build/e2e), with ERTS included:
#
#   OUT/hello_ex   Elixir, `mix release` (start: bin/hello_ex start)
#   OUT/hello_erl  Erlang, rebar3/relx  (start: bin/hello_erl foreground)
#   OUT/hello_sys  Erlang, plain systools release assembled by hand, with
#                  OTP's start_erl as bin/start_erl (start: see below)
#   OUT/http_ex    Elixir, a DEFAULT `mix release` (distribution on):
#                  gen_tcp HTTP/1.1 server on 8080, UDP echo on 8081
#   OUT/http_erl   Erlang, rebar3/relx: inets httpd on 8080 (-sname);
#                  pings $PING_NODE when that is set (tests/e2e/test_net.py)
#
# Each app prints "APP: CHECK ok ..." lines and "APP: all checks passed",
# then stops the node with status 0. Needs Debian's erlang, elixir, rebar3
# and musl-tools; no network (no Hex packages). Takes ~15 s.
#
# hello_sys starts with:
#   bin/start_erl $ROOT $ROOT/releases $ROOT/releases/start_erl.data \
#       -args_file $ROOT/releases/0.1.0/vm.args
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
apps=$top/tests/e2e/apps
out=${1:-$top/build/e2e}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$out/work

for tool in erl erlc mix rebar3 musl-gcc; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "make-apps.sh: $tool is missing (apt-get install erlang" \
			"elixir rebar3 musl-tools)" >&2
		exit 1
	fi
done

rm -rf "$work" "$out/hello_ex" "$out/hello_erl" "$out/hello_sys" \
	"$out/http_ex" "$out/http_erl"
mkdir -p "$work/home"
# Keep mix, hex and rebar3 away from the user's home and the network.
export HOME="$work/home" MIX_HOME="$work/mix" HEX_OFFLINE=1 \
	REBAR_CACHE_DIR="$work/rebar3" MIX_ENV=prod LANG=C.UTF-8

echo "make-apps.sh: portprog (musl-gcc -static)"
musl-gcc -static -Os -o "$work/portprog" "$apps/hello_ex/priv_src/portprog.c"

echo "make-apps.sh: hello_ex (mix release)"
cp -r "$apps/hello_ex" "$work/hello_ex"
mkdir -p "$work/hello_ex/priv"
cp "$work/portprog" "$work/hello_ex/priv/portprog"
(cd "$work/hello_ex" && mix release --quiet --overwrite --path "$out/hello_ex")

echo "make-apps.sh: hello_erl (rebar3 release)"
cp -r "$apps/hello_erl" "$work/hello_erl"
mkdir -p "$work/hello_erl/priv"
cp "$work/portprog" "$work/hello_erl/priv/portprog"
(cd "$work/hello_erl" && rebar3 release >"$work/rebar3.log" 2>&1) ||
	{ cat "$work/rebar3.log" >&2; exit 1; }
cp -a "$work/hello_erl/_build/default/rel/hello_erl" "$out/hello_erl"

echo "make-apps.sh: hello_sys (systools)"
sys=$work/sys
mkdir -p "$sys/lib/hello_erl-0.1.0/ebin" "$sys/lib/hello_erl-0.1.0/priv"
erlc -o "$sys/lib/hello_erl-0.1.0/ebin" "$apps/hello_erl/src/hello_erl_app.erl"
sed 's/{modules, \[\]}/{modules, [hello_erl_app]}/' \
	"$apps/hello_erl/src/hello_erl.app.src" \
	>"$sys/lib/hello_erl-0.1.0/ebin/hello_erl.app"
cp "$work/portprog" "$sys/lib/hello_erl-0.1.0/priv/portprog"
cp "$apps/hello_erl/config/sys.config" "$sys/sys.config"
(cd "$sys" && erl -noshell -eval '
	Vsn = fun(A) -> _ = application:load(A),
		{ok, V} = application:get_key(A, vsn), V end,
	Apps = [{A, Vsn(A)} || A <- [kernel, stdlib, crypto]],
	Rel = {release, {"hello_sys", "0.1.0"},
		{erts, erlang:system_info(version)},
		Apps ++ [{hello_erl, "0.1.0"}]},
	ok = file:write_file("hello_sys.rel", io_lib:format("~p.~n", [Rel])),
	Path = ["lib/*/ebin" | code:get_path()],
	Ok = fun(ok) -> ok; ({ok, _, _}) -> ok end,
	Ok(systools:make_script("hello_sys", [{path, Path}, silent])),
	Ok(systools:make_tar("hello_sys", [{path, Path},
		{erts, code:root_dir()}, silent])),
	halt().')
mkdir -p "$out/hello_sys"
tar -xzf "$sys/hello_sys.tar.gz" -C "$out/hello_sys"
erts_vsn=$(erl -noshell -eval 'io:put_chars(erlang:system_info(version)), halt().')
printf '%s 0.1.0\n' "$erts_vsn" >"$out/hello_sys/releases/start_erl.data"
mkdir -p "$out/hello_sys/bin"
cp "$out/hello_sys/erts-$erts_vsn/bin/start_erl" "$out/hello_sys/bin/start_erl"
cat >"$out/hello_sys/releases/0.1.0/vm.args" <<'EOF'
## hello_sys: no distribution, no shell on the console.
-noshell
+sbwt none
-env HELLO_ERL_ENV "from vm.args"
EOF

echo "make-apps.sh: http_ex (mix release, default config)"
cp -r "$apps/http_ex" "$work/http_ex"
(cd "$work/http_ex" && mix release --quiet --overwrite --path "$out/http_ex")

echo "make-apps.sh: http_erl (rebar3 release)"
cp -r "$apps/http_erl" "$work/http_erl"
(cd "$work/http_erl" && rebar3 release >"$work/rebar3-http.log" 2>&1) ||
	{ cat "$work/rebar3-http.log" >&2; exit 1; }
cp -a "$work/http_erl/_build/default/rel/http_erl" "$out/http_erl"

echo "make-apps.sh: built $out/hello_ex $out/hello_erl $out/hello_sys" \
	"$out/http_ex $out/http_erl"
