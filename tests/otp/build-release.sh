#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the otp_suites release into OUT (default build/otp/otp_suites):
# OTP's own kernel socket suites (from scripts/fetch-otp-tests.sh) and the
# helpers they need, compiled with the installed erlc, under
# lib/otp_suites-1/test/ with their data dirs (gen_tcp_api_SUITE's NIF
# built with gcc), and the runner (otp_suites.erl, otp_suites_cth.erl) as
# an application that runs them at boot and halts. A plain systools
# release with ERTS, started like tests/e2e's hello_sys:
#   bin/start_erl ROOT ROOT/releases ROOT/releases/start_erl.data \
#       -args_file ROOT/releases/1/vm.args
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
src=$top/third_party/otp-tests/lib
out=${1:-$top/build/otp/otp_suites}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(dirname "$out")/work

"$top/scripts/fetch-otp-tests.sh"

# The suites, and the kernel test modules and ts hook they use.
SUITES="gen_tcp_api_SUITE gen_udp_SUITE inet_SUITE gen_tcp_misc_SUITE"
HELPERS="kernel_test_lib kernel_test_sys_monitor kernel_test_global_sys_monitor"
TS="ts_install_cth ts_lib"

rm -rf "$work" "$out"
app=$work/lib/otp_suites-1
mkdir -p "$app/ebin" "$app/test"
echo "build-release.sh: compiling the suites"
erlc -o "$app/ebin" "$top/tests/otp/otp_suites.erl" "$top/tests/otp/otp_suites_cth.erl"
for m in $SUITES $HELPERS; do
	erlc -I "$src/kernel/test" -o "$app/test" "$src/kernel/test/$m.erl"
done
for m in $TS; do
	erlc -I "$src/common_test/test_server" -o "$app/test" "$src/common_test/test_server/$m.erl"
done
for s in $SUITES; do
	if [ -d "$src/kernel/test/${s}_data" ]; then
		cp -r "$src/kernel/test/${s}_data" "$app/test/"
	fi
done
# What ts_lib:make_non_erlang would make from Makefile.src: the NIF that
# t_fdopen and friends load from the data dir.
erts_inc=$(erl -noshell -eval 'io:put_chars(filename:join([code:root_dir(), "usr", "include"])), halt().')
gcc -O2 -fPIC -shared -I"$erts_inc" -o "$app/test/gen_tcp_api_SUITE_data/gen_tcp_api_SUITE.so" \
	"$src/kernel/test/gen_tcp_api_SUITE_data/gen_tcp_api_SUITE.c"
cat >"$app/ebin/otp_suites.app" <<'APP'
{application, otp_suites,
 [{description, "OTP's kernel socket suites, run at boot"},
  {vsn, "1"},
  {modules, [otp_suites, otp_suites_cth]},
  {registered, []},
  {applications, [kernel, stdlib]},
  {mod, {otp_suites, []}}]}.
APP

echo "build-release.sh: the release (systools)"
(cd "$work" && erl -noshell -eval '
	Vsn = fun(A) -> _ = application:load(A),
		{ok, V} = application:get_key(A, vsn), V end,
	Start = [{A, Vsn(A)} || A <- [kernel, stdlib]],
	%% common_test and what its modules call during a run; loaded, not
	%% started (ct starts what it needs itself).
	Load = [{A, Vsn(A), load} || A <- [compiler, crypto, syntax_tools,
		tools, runtime_tools, sasl, common_test]],
	Rel = {release, {"otp_suites", "1"}, {erts, erlang:system_info(version)},
		Start ++ Load ++ [{otp_suites, "1"}]},
	ok = file:write_file("otp_suites.rel", io_lib:format("~p.~n", [Rel])),
	Path = ["lib/*/ebin" | code:get_path()],
	Ok = fun(ok) -> ok; ({ok, _, _}) -> ok end,
	Ok(systools:make_script("otp_suites", [{path, Path}, silent])),
	Ok(systools:make_tar("otp_suites", [{path, Path},
		{erts, code:root_dir()}, {dirs, [test]}, silent])),
	%% The boot script of peer nodes (erl with no -boot: ROOT/bin/start).
	Peer = {release, {"peer", "1"}, {erts, erlang:system_info(version)},
		Start},
	ok = file:write_file("peer.rel", io_lib:format("~p.~n", [Peer])),
	Ok(systools:make_script("peer", [{path, Path}, silent])),
	halt().')
mkdir -p "$out"
tar -xzf "$work/otp_suites.tar.gz" -C "$out"
erts_vsn=$(erl -noshell -eval 'io:put_chars(erlang:system_info(version)), halt().')
printf '%s 1\n' "$erts_vsn" >"$out/releases/start_erl.data"
mkdir -p "$out/bin"
cp "$out/erts-$erts_vsn/bin/start_erl" "$out/bin/start_erl"
cp "$work/peer.boot" "$out/bin/start.boot"
cp "$work/peer.boot" "$out/bin/start_clean.boot"
sed "s/@ERTS_VSN@/$erts_vsn/" "$top/tests/otp/peer-erl.sh" >"$out/bin/erl"
chmod +x "$out/bin/erl"
echo "[]." >"$out/releases/1/sys.config"
cat >"$out/releases/1/vm.args" <<'ARGS'
## otp_suites: no shell on the console; distribution: see otp_suites.erl.
-noshell
+sbwt none
ARGS
echo "build-release.sh: built $out"
