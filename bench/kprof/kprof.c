// SPDX-License-Identifier: MIT
/*
 * kprof: a QEMU TCG plugin that counts the guest instructions executed in
 * each translation block of the kernel's half of the address space
 * (vaddr >= 0xffff800000000000) and, when QEMU exits, writes one line per
 * block: "VADDR INSNS" (hex address, decimal instructions executed). Every
 * count is exact (inline adds, no sampling), so two runs that differ only
 * by the work under study (serving N requests vs idling as long) subtract
 * to that work's kernel cost, block by block; bench/http --kprof maps the
 * blocks to kernel functions with the symbols of build/kernel-debug.elf.
 * Use one vCPU: the inline adds are not atomic.
 *
 * Arguments (-plugin kprof.so,out=FILE): FILE gets the table (default:
 * QEMU's log).
 */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define KERNEL_HALF 0xffff800000000000ull

struct block {
	uint64_t vaddr;
	uint64_t insns;
};

/* One record per (address, length): a block translated again (after a
 * TLB flush or a cache overflow) keeps adding to the same counter. */
static GHashTable *blocks;
static GMutex lock;
static char out_path[512];

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	if (vaddr < KERNEL_HALF)
		return;
	size_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t key = vaddr ^ ((uint64_t)n << 56);
	g_mutex_lock(&lock);
	struct block *b = g_hash_table_lookup(blocks, &key);
	if (!b) {
		uint64_t *k = g_new(uint64_t, 1);
		*k = key;
		b = g_new0(struct block, 1);
		b->vaddr = vaddr;
		g_hash_table_insert(blocks, k, b);
	}
	g_mutex_unlock(&lock);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->insns, n);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	(void)id;
	(void)p;
	FILE *f = out_path[0] ? fopen(out_path, "w") : NULL;
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, blocks);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct block *b = v;
		if (!b->insns)
			continue;
		char line[64];
		snprintf(line, sizeof line, "%" PRIx64 " %" PRIu64 "\n",
			 b->vaddr, b->insns);
		if (f)
			fputs(line, f);
		else
			qemu_plugin_outs(line);
	}
	if (f)
		fclose(f);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info, int argc,
					   char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			snprintf(out_path, sizeof out_path, "%s", argv[i] + 4);
	blocks = g_hash_table_new(g_int64_hash, g_int64_equal);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
