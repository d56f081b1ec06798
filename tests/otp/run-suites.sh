#!/bin/sh
# SPDX-License-Identifier: MIT
# `make test-otp`: OTP's own socket suites (gen_tcp_api, gen_udp, inet,
# gen_tcp_misc from Debian's erlang source) run natively and on Kiln, in the
# same release (tests/otp/build-release.sh: common_test's ct:run_test/1 at
# boot), then compared (tests/otp/compare.py): fails if a case passes on the
# host but not on Kiln, unless tests/otp/allow-list.txt gives the reason.
#
#   OTP_SUITES="gen_udp_SUITE ..."  a subset (default: all four)
#   OTP_SKIP_HOST=1                 reuse build/otp/host.log
#   OTP_CPUS, OTP_MEM, OTP_TIMEOUT  the Kiln boot (2, 512, 3000 s)
# Logs: build/otp/host.log and build/otp/kiln.log; numbers: docs/otp-suites.md.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/otp
rel=$out/otp_suites
suites=${OTP_SUITES:-gen_tcp_api_SUITE gen_udp_SUITE inet_SUITE gen_tcp_misc_SUITE}
cd "$top"

nice -n 10 tests/otp/build-release.sh "$rel"

if [ "${OTP_SKIP_HOST:-0}" != 1 ] || [ ! -f "$out/host.log" ]; then
	echo "run-suites.sh: host run of $suites (log: $out/host.log)"
	rm -rf "$out/ct-host"
	OTP_SUITES=$suites OTP_CT_LOGDIR=$out/ct-host nice -n 10 \
		"$rel/bin/start_erl" "$rel" "$rel/releases" "$rel/releases/start_erl.data" \
		-args_file "$rel/releases/1/vm.args" >"$out/host.log" 2>&1 </dev/null ||
		echo "run-suites.sh: host run exited with $?"
	grep '^otp-suite ' "$out/host.log" || true
fi

echo "run-suites.sh: Kiln run (log: $out/kiln.log)"
./build/kiln build "$rel" -o "$out/otp_suites.img" \
	--env RELEASE_DISTRIBUTION=none --env "OTP_SUITES=$suites" >/dev/null
nice -n 10 ./build/kiln run --accel tcg --cpus "${OTP_CPUS:-2}" --mem "${OTP_MEM:-512}" \
	--timeout "${OTP_TIMEOUT:-3000}" "$out/otp_suites.img" >"$out/kiln.log" 2>&1 </dev/null ||
	echo "run-suites.sh: kiln run exited with $?"
grep '^otp-suite ' "$out/kiln.log" || true

exec python3 tests/otp/compare.py "$out/host.log" "$out/kiln.log" tests/otp/allow-list.txt
