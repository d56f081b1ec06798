# SPDX-License-Identifier: MIT
# The kiln command (packer/), a host program, built into $(BUILD)/kiln.
# lib/ is shared with the kernel; here it is compiled for the host.
# Objects and -MD dependency files go under $(BUILD)/packer/.

PACKER_SRCS := \
	packer/main.c \
	packer/build.c \
	packer/run.c \
	packer/vm.c \
	packer/inspect.c \
	packer/image.c \
	packer/cpio_write.c \
	packer/util.c \
	packer/release.c \
	packer/relscript.c \
	packer/erlexec.c \
	packer/elfdeps.c \
	packer/manifest.c \
	packer/strv.c \
	packer/netopts.c \
	packer/report.c \
	packer/zpack.c \
	packer/disk.c \
	packer/libvirt.c

# The packer sources other than main.c: the unit tests link these too.
PACKER_LIB_SRCS := $(filter-out packer/main.c,$(PACKER_SRCS))
LIB_SRCS := lib/cpio.c lib/csum.c lib/elf.c lib/zfile.c

PACKER_OBJS := $(patsubst %.c,$(BUILD)/packer/%.o,$(PACKER_SRCS) $(LIB_SRCS)) \
	$(LOADER_BLOB)

$(BUILD)/kiln: $(PACKER_OBJS)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $^ -lzstd

$(BUILD)/packer/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -MD -MP -c -o $@ $<
