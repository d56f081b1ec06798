#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole default test suite (what CI runs): dependencies, build, docs and
# formatting checks, unit tests with sanitizers, fuzz-corpus regression,
# differential guest tests booted under QEMU (20 boots per threaded test at
# 1 and 4 vCPUs) and the end-to-end releases (20 boots at 1, 2 and 4).
set -euo pipefail
cd "$(dirname "$0")/.."
# Every kernel built and tested here checks its lock rules at run time
# (KILN_DEBUG_LOCKS; the product build leaves them out, mk/kernel.mk).
export DEBUG_LOCKS=1
bash scripts/deps.sh
make -j"$(nproc)" all
make check-docs
make check-format
make test
