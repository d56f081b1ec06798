# SPDX-License-Identifier: MIT
# zstd's decompressor (1.5.4, unmodified), unpacked from Debian's libzstd
# source package by scripts/fetch-zstd.sh into third_party/zstd, built
# freestanding into the kernel for compressed image files (kernel/fs/
# zimage.c). No assembly, no SIMD (kernel code uses general registers
# only), no legacy formats, no tracing; malloc is the kernel heap's.

ZSTD_DIR := third_party/zstd
ZSTD_STAMP := $(ZSTD_DIR)/.kiln-stamp
ZSTD_SRCS := $(addprefix $(ZSTD_DIR)/lib/, \
	common/entropy_common.c common/error_private.c \
	common/fse_decompress.c common/xxhash.c common/zstd_common.c \
	decompress/huf_decompress.c decompress/zstd_ddict.c \
	decompress/zstd_decompress.c decompress/zstd_decompress_block.c)
ZSTD_INC := -I$(ZSTD_DIR)/lib
ZSTD_DEFS := -DZSTD_DISABLE_ASM -DDEBUGLEVEL=0 -DZSTD_LEGACY_SUPPORT=0 \
	-DZSTD_TRACE=0 -DZSTD_NO_INTRINSICS -DZSTD_STRIP_ERROR_STRINGS \
	-DZSTD_NO_UNUSED_FUNCTIONS -DXXH_NO_STDLIB -U__SSE2__ \
	-Dmalloc=zstd_kmalloc -Dcalloc=zstd_kcalloc -Dfree=zstd_kfree
ZSTD_OBJS := $(patsubst %,$(KBUILD)/%.o,$(ZSTD_SRCS))

$(ZSTD_STAMP): scripts/fetch-zstd.sh scripts/debsrc.sh
	bash scripts/fetch-zstd.sh
	@touch $@

$(ZSTD_SRCS): $(ZSTD_STAMP)

$(KBUILD)/$(ZSTD_DIR)/%.c.o: $(ZSTD_DIR)/%.c $(ZSTD_STAMP) $(KFLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  KCC     $<"
	@$(KCC) $(filter-out -Werror,$(KCFLAGS)) $(ZSTD_INC) $(ZSTD_DEFS) \
		-Wno-unused-parameter -Wno-unused-function -c $< -o $@

$(KBUILD)/kernel/fs/zimage.c.o: KCFLAGS += $(ZSTD_INC)
$(KBUILD)/kernel/fs/zimage.c.o: $(ZSTD_STAMP)
