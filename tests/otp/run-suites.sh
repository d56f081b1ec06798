#!/bin/sh
# SPDX-License-Identifier: MIT
# `make test-otp`: OTP's own socket suites (gen_tcp_api, gen_udp, inet,
# gen_tcp_misc from Debian's erlang source) run natively and on Kiln in the
# same release (tests/otp/build-release.sh: common_test's ct:run_test/1 at
# boot, on a distributed node so the cases that start peer nodes run), then
# compared (tests/otp/compare.py): fails if a case passes on the host but
# not on Kiln, unless tests/otp/allow-list.txt gives the reason.
#
# The host run and the Kiln boot go in parallel (the host run mostly
# sleeps in timeouts); OTP_SERIAL=1 runs them one after the other.
#   OTP_SUITES="gen_udp_SUITE ..."  a subset (default: all four)
#   OTP_SKIP_HOST=1                 reuse build/otp/host.log
#   OTP_CPUS, OTP_MEM, OTP_TIMEOUT  the Kiln boot (2, 512, 5400 s)
#   OTP_CASES="SUITE:case ..."      only those cases (see otp_suites.erl)
#   OTP_NET=none                    Kiln without a NIC (loopback only)
#   OTP_MONITOR=SOCKET              the VM's QMP socket (an NMI dumps its
#                                   state: docs/debugging.md)
# The Kiln VM has a NIC (kernel_test_lib's which_local_addr wants an up,
# non-loopback IPv4 address, as the host has) on QEMU user networking
# with restrict=on: the guest reaches nothing beyond the VM (slirp drops
# what is not DHCP), and a static 10.0.2.15/24 with no name server, so a
# lookup of an unknown name fails at once (glibc asks 127.0.0.1:53, which
# refuses) instead of leaving the machine.
# Logs: build/otp/host.log and build/otp/kiln.log (ct's html logs of the
# host run in build/otp/ct-host); numbers: docs/otp-suites.md.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/otp
rel=$out/otp_suites
suites=${OTP_SUITES:-gen_tcp_api_SUITE gen_udp_SUITE inet_SUITE gen_tcp_misc_SUITE}
cd "$top"

nice -n 10 tests/otp/build-release.sh "$rel"
erts=$(cd "$rel" && echo erts-*)

# Natively: the release's erts through its bin/erl (peer nodes run the
# same script: it comes first in PATH, and is the node's progname).
host_run() {
	rm -rf "$out/ct-host"
	(cd "$out" && PATH=$rel/bin:$PATH OTP_DIST=1 OTP_SUITES=$suites \
		OTP_CT_LOGDIR=$out/ct-host nice -n 10 "$rel/bin/erl" \
		-boot "$rel/releases/1/start" -config "$rel/releases/1/sys" \
		-args_file "$rel/releases/1/vm.args" >"$out/host.log" 2>&1 </dev/null) ||
		echo "run-suites.sh: host run exited with $?"
}

# On Kiln: busybox for os:cmd and the peers' erl script, erlexec for the
# peers, and the peer erl script as /app/bin/start_erl, because a systools
# release's progname (what peers exec) is start_erl.
kiln_run() {
	if [ "${OTP_NET:-user}" = none ]; then
		set --
	else
		set -- -- -netdev user,id=otp0,restrict=on \
			-device virtio-net-pci,disable-legacy=on,netdev=otp0
	fi
	# ERL_INETRC: an empty inetrc, so that name lookups are native (the
	# default the host run has) instead of kiln build's {lookup, [file, dns]}
	echo '%% empty: the default lookup (native), as on the host' >"$out/inetrc"
	./build/kiln build "$rel" -o "$out/otp_suites.img" --with-shell \
		--ip 10.0.2.15/24 --gw 10.0.2.2 \
		--add "$out/inetrc:/app/inetrc" --env ERL_INETRC=/app/inetrc \
		--add "$rel/$erts/bin/erlexec:/app/$erts/bin/erlexec" \
		--add "$rel/bin/erl:/app/bin/start_erl" \
		--env RELEASE_DISTRIBUTION=none --env OTP_DIST=1 \
		--env "OTP_SUITES=$suites" ${OTP_CASES:+--env "OTP_CASES=$OTP_CASES"} \
		${OTP_MULTIPLY_TIMETRAPS:+--env "OTP_MULTIPLY_TIMETRAPS=$OTP_MULTIPLY_TIMETRAPS"} \
		>/dev/null
	nice -n 10 ./build/kiln run --accel tcg --cpus "${OTP_CPUS:-2}" \
		--mem "${OTP_MEM:-512}" --timeout "${OTP_TIMEOUT:-5400}" \
		${OTP_MONITOR:+--monitor "$OTP_MONITOR"} \
		--net none "$out/otp_suites.img" "$@" >"$out/kiln.log" 2>&1 </dev/null ||
		echo "run-suites.sh: kiln run exited with $?"
}

host=
if [ "${OTP_SKIP_HOST:-0}" != 1 ] || [ ! -f "$out/host.log" ]; then
	echo "run-suites.sh: host run of $suites (log: $out/host.log)"
	if [ "${OTP_SERIAL:-0}" = 1 ]; then
		host_run
	else
		host_run &
		host=$!
	fi
fi
echo "run-suites.sh: Kiln run (log: $out/kiln.log)"
kiln_run
[ -z "$host" ] || wait "$host"
grep -a '^otp-suite ' "$out/host.log" | sed 's/^/host: /' || true
tr -d '\r' <"$out/kiln.log" | grep -a '^otp-suite ' | sed 's/^/kiln: /' || true

exec python3 tests/otp/compare.py "$out/host.log" "$out/kiln.log" tests/otp/allow-list.txt
