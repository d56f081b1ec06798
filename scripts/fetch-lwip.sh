#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Unpacks lwIP, exactly the version Debian 12 ships, into third_party/ (git-
# ignored) and applies our patch queue (kernel/net/lwip/patches/series).
# The source comes from Debian's source package (`apt-get source`), its
# checksum checked; a deb-src line for bookworm is added to apt if missing.
# Only src/core, src/core/ipv4 and src/netif/ethernet.c are built (BSD-3);
# Debian's port/ (GPL) is never used.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=2.1.3+dfsg1
DEBREV=2
ORIG=lwip_${VERSION}.orig.tar.xz
SHA256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
DEST=third_party/lwip
PATCHES=kernel/net/lwip/patches
STAMP=$DEST/.kiln-stamp

want="$SHA256 $(cat "$PATCHES"/series "$PATCHES"/*.patch | sha256sum | cut -c1-64)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
	exit 0
fi

dl=third_party/dl
. scripts/debsrc.sh
debsrc_fetch fetch-lwip "lwip=${VERSION}-${DEBREV}" "$ORIG" "$SHA256"

rm -rf "$DEST" "$DEST.tmp"
mkdir -p "$DEST.tmp"
tar -xJf "$dl/$ORIG" -C "$DEST.tmp" --strip-components=1
while read -r p; do
	[ -n "$p" ] || continue
	patch -s -d "$DEST.tmp" -p1 <"$PATCHES/$p"
done <"$PATCHES/series"
mv "$DEST.tmp" "$DEST"
echo "$want" >"$STAMP"
echo "fetch-lwip: lwIP $VERSION unpacked into $DEST"
