/* SPDX-License-Identifier: MIT */
/* kernel/config/kiln.config gzip'd (mk/kernel.mk): /proc/config.gz. */
	.section .rodata.config, "a"
	.globl kiln_config_gz, kiln_config_gz_end
kiln_config_gz:
	.incbin CONFIG_GZ
kiln_config_gz_end:
	.section .note.GNU-stack, "", @progbits
