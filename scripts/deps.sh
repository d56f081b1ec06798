#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs everything Kiln needs to build, test and demo on Debian 12 (root).
# Idempotent: skips apt entirely when every package is already present.
set -euo pipefail

PKGS=(
	build-essential gcc clang lld llvm make git cpio file
	clang-format
	musl-tools
	libcmocka-dev libclang-rt-14-dev
	python3 python3-pytest
	qemu-system-x86 qemu-utils
	libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients
	erlang-nox erlang-dev elixir rebar3
	erlang-common-test erlang-src
	busybox-static
	libzstd-dev zstd
	curl
	wrk
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "deps: installing ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
