#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Packages the benchmarks need beyond scripts/deps.sh (Debian 12, root):
# the Linux-microVM baseline's kernel source and build tools, wrk,
# iproute2 for bench/http's network namespace, and debootstrap for
# bench/product's container-size comparison. Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/../scripts/deps.sh"

PKGS=(
	linux-source-6.1 flex bison bc libelf-dev libssl-dev xz-utils
	wrk iproute2
	libglib2.0-dev pkg-config
	debootstrap
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "bench deps: installing ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
