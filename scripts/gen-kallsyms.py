#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn `nm -n kernel.elf` output (stdin) into the .kallsyms section.

Emits assembly defining kallsyms_num, kallsyms_addrs (sorted), kallsyms_offsets
and kallsyms_names. Empty input gives an empty table (first link)."""
import sys

syms = []
for line in sys.stdin:
    parts = line.split()
    if len(parts) != 3 or parts[1] not in "tTwW":
        continue
    if parts[2].startswith("kallsyms_"):
        continue
    syms.append((int(parts[0], 16), parts[2]))
syms.sort()

out = ['\t.section .kallsyms, "a"', "\t.p2align 3",
       "\t.global kallsyms_num, kallsyms_addrs, kallsyms_offsets, kallsyms_names",
       "kallsyms_num:", f"\t.quad {len(syms)}", "kallsyms_addrs:"]
out += [f"\t.quad {a:#x}" for a, _ in syms]
out.append("kallsyms_offsets:")
off = 0
for _, n in syms:
    out.append(f"\t.long {off}")
    off += len(n) + 1
out.append("kallsyms_names:")
out += [f'\t.asciz "{n}"' for _, n in syms]
out.append("\t.byte 0")
print("\n".join(out))
