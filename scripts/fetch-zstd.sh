#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Unpacks the decompressor of zstd, exactly the version Debian 12 ships
# (libzstd's source package, checksum pinned), into third_party/zstd (git-
# ignored): lib/common, lib/decompress and lib/zstd.h, nothing else. The
# kernel builds it freestanding (mk/zstd.mk) to read compressed image
# files; the packer compresses with Debian's libzstd (libzstd-dev), so both
# sides are the same zstd. BSD-3 licensed (the orig tarball's LICENSE).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.5.4+dfsg2
DEBREV=5
ORIG=libzstd_${VERSION}.orig.tar.xz
SHA256=8cf4bbb65e77ec348d052c8d6230eba66d435bddf64c8b5be2fcb16880c19953
DEST=third_party/zstd
STAMP=$DEST/.kiln-stamp

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$SHA256" ]; then
	exit 0
fi

dl=third_party/dl
. scripts/debsrc.sh
debsrc_fetch fetch-zstd "libzstd=${VERSION}-${DEBREV}" "$ORIG" "$SHA256"

rm -rf "$DEST" "$DEST.tmp"
mkdir -p "$DEST.tmp"
tar -xJf "$dl/$ORIG" -C "$DEST.tmp" --strip-components=1 --wildcards \
	'*/LICENSE' '*/lib/common/*' '*/lib/decompress/*' '*/lib/zstd.h' \
	'*/lib/zstd_errors.h'
mv "$DEST.tmp" "$DEST"
echo "$SHA256" >"$STAMP"
echo "fetch-zstd: zstd $VERSION (decompressor) unpacked into $DEST"
