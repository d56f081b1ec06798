#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the Linux-microVM baseline kernel and /init for bench/http:
#
#   bench/linux-microvm/build.sh [OUT]      (default OUT: build/bench)
#
# OUT/vmlinux  Debian's linux-source-6.1, `make tinyconfig` plus
#              kiln-baseline.config; an ELF with a PVH entry note, booted
#              like a Kiln image with QEMU -kernel (kiln run accepts it)
# OUT/init     init.c, static with musl
#
# The initramfs is made per image by mkinitramfs.py (bench/http does it).
# Needs bench/deps.sh's packages. Builds with -j2 under nice (~15 min on 2
# shared cores the first time; make does nothing when it is up to date).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build/bench}
mkdir -p "$out"
src=$out/linux-source-6.1
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "build.sh: $tarball missing: run bench/deps.sh" >&2; exit 1; }
if [ ! -f "$src/Makefile" ]; then
	echo "build.sh: unpacking $tarball"
	nice -n 15 tar -xf "$tarball" -C "$out"
fi
frag=$here/kiln-baseline.config
if [ ! -f "$src/.config" ] || [ "$frag" -nt "$src/.config" ]; then
	(cd "$src" && nice -n 15 make -s tinyconfig >/dev/null &&
		nice -n 15 scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null &&
		nice -n 15 make -s olddefconfig)
	# Every option the fragment asks for must have survived olddefconfig.
	grep '^CONFIG_' "$frag" | while read -r opt; do
		grep -qx "$opt" "$src/.config" || { echo "build.sh: $opt did not stick" >&2; exit 1; }
	done
fi
echo "build.sh: make vmlinux (-j2, nice)"
(cd "$src" && nice -n 15 make -s -j2 vmlinux)
cp "$src/vmlinux" "$out/vmlinux"
musl-gcc -static -Os -Wall -Wextra -Werror -o "$out/init" "$here/init.c"
echo "build.sh: built $out/vmlinux and $out/init"
