#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build everything and boot the demo: a static program packed with
# `kiln build` and booted with `kiln run` (KVM if the host has it, else TCG).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -j"$(nproc)"
mkdir -p build/demo/rootfs
musl-gcc -static -O2 -o build/demo/rootfs/hello examples/hello/hello.c
./build/kiln build -o build/demo/hello.img --rootfs build/demo/rootfs -- /hello
exec ./build/kiln run --cpus 2 --mem 128 build/demo/hello.img
