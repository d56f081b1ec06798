#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Unpacks OTP's own test suites for the installed Erlang (lib/kernel/test,
# plus ts_install_cth.erl and ts_lib.erl from lib/common_test/test_server,
# the hook the kernel suites name) into third_party/otp-tests (git-
# ignored), exactly as Debian 12 ships them: `apt-get source` of the
# installed erlang version, checksum pinned. Debian's patch queue touches
# nothing under lib/kernel/test or test_server, so the orig tarball is the
# source. Only those paths are extracted (tar path filters): the tarball
# holds all of OTP (48 MB xz). Used by tests/otp/run-suites.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=25.2.3+dfsg
DEBVER="1:${VERSION}-1+deb12u4"
ORIG=erlang_${VERSION}.orig.tar.xz
SHA256=65c77675af31235d19ee7888fb2a9d858759b1089ba33126344697be7600d271
TOP=otp-OTP-25.2.3
DEST=third_party/otp-tests
STAMP=$DEST/.kiln-stamp

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$SHA256" ]; then
	exit 0
fi

installed=$(dpkg-query -W -f='${Version}' erlang-base 2>/dev/null || true)
if [ "$installed" != "$DEBVER" ]; then
	echo "fetch-otp-tests: erlang-base is '$installed', the pinned source is" \
		"$DEBVER: update VERSION, DEBVER and SHA256 here together" >&2
	exit 1
fi

dl=third_party/dl
. scripts/debsrc.sh
debsrc_fetch fetch-otp-tests "erlang=$DEBVER" "$ORIG" "$SHA256"

rm -rf "$DEST" "$DEST.tmp"
mkdir -p "$DEST.tmp"
tar -xJf "$dl/$ORIG" -C "$DEST.tmp" --strip-components=1 --wildcards \
	"$TOP/lib/kernel/test/*" \
	"$TOP/lib/common_test/test_server/ts_install_cth.erl" \
	"$TOP/lib/common_test/test_server/ts_lib.erl" \
	"$TOP/lib/common_test/test_server/ts.hrl"
mv "$DEST.tmp" "$DEST"
echo "$SHA256" >"$STAMP"
echo "fetch-otp-tests: OTP $VERSION test sources unpacked into $DEST"
