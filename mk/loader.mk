# SPDX-License-Identifier: MIT
# The disk loader (loader/disk.S): 8 sectors of real-mode code assembled
# flat at 0x7c00, then linked into the kiln binary as kiln_loader[] for
# kiln build --format raw|qcow2 (packer/disk.c, include/kiln/disk.h).

LOADER_BIN := $(BUILD)/loader/disk.bin
LOADER_BLOB := $(BUILD)/loader/blob.o

$(BUILD)/loader/disk.o: loader/disk.S include/kiln/disk.h
	@mkdir -p $(@D)
	$(HOSTCC) -m32 -Iinclude -c -o $@ $<

$(LOADER_BIN): $(BUILD)/loader/disk.o
	ld -m elf_i386 -Ttext=0x7c00 -e _start --oformat binary -o $@ $<
	@test "$$(stat -c %s $@)" -eq 4096 || \
		{ echo "$@: not 8 sectors"; rm -f $@; exit 1; }

$(LOADER_BLOB): $(LOADER_BIN)
	printf '%s\n' '.section .rodata' '.global kiln_loader' \
		'.global kiln_loader_end' 'kiln_loader:' \
		'.incbin "$(abspath $(LOADER_BIN))"' 'kiln_loader_end:' \
		'.section .note.GNU-stack,"",@progbits' | \
		$(HOSTCC) -c -x assembler -o $@ -
