// SPDX-License-Identifier: MIT
/*
 * Symbol lookup. scripts/gen-kallsyms.py writes the sorted table into the
 * .kallsyms section on the second link; the first link has an empty one.
 */
#include <kernel/kallsyms.h>
#include <kernel/printk.h>

extern const u64 kallsyms_num;
extern const u64 kallsyms_addrs[];
extern const u32 kallsyms_offsets[];
extern const char kallsyms_names[];

void kallsyms_format(u64 addr, char *buf, size_t size)
{
	u64 lo = 0, hi = kallsyms_num;

	if (!hi || addr < kallsyms_addrs[0]) {
		snprintf(buf, size, "?");
		return;
	}
	while (hi - lo > 1) {
		u64 mid = (lo + hi) / 2;
		if (kallsyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	snprintf(buf, size, "%s+0x%lx", kallsyms_names + kallsyms_offsets[lo],
		 addr - kallsyms_addrs[lo]);
}
