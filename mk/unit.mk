# SPDX-License-Identifier: MIT
# Host unit tests (tests/unit/, cmocka) and fuzz targets (tests/fuzz/,
# libFuzzer) for lib/ and packer/.
#
#   make test-unit          build and run every unit test with ASan+UBSan,
#                           after replaying the committed fuzz corpora
#   make test-fuzz-regress  run each fuzz target once over its corpus
#   make fuzz               fuzz each target for FUZZ_SECONDS (default 30)
#   make test-release       build the e2e test releases (tests/e2e/apps) and
#                           check kiln build's beam.smp argv/env against
#                           their start scripts run under strace (~20 s;
#                           part of make test)
#
# The code under test is compiled again with sanitizers under
# $(BUILD)/unit/ and $(BUILD)/fuzz/; -MD dependency files sit beside it.

UNIT_TESTS := cpio csum elf image cli release elfdeps zfile uapi
UNIT_CFLAGS := $(HOST_CFLAGS) -O1 -fsanitize=address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all
UNIT_SUPPORT_SRCS := tests/unit/helpers.c $(PACKER_LIB_SRCS) $(LIB_SRCS)
UNIT_SUPPORT_OBJS := $(patsubst %.c,$(BUILD)/unit/%.o,$(UNIT_SUPPORT_SRCS)) \
	$(LOADER_BLOB)
UNIT_BINS := $(patsubst %,$(BUILD)/unit/test_%,$(UNIT_TESTS))
UNIT_TEST_OBJS := $(patsubst %,$(BUILD)/unit/tests/unit/test_%.o,$(UNIT_TESTS))

$(BUILD)/unit/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(UNIT_CFLAGS) -MD -MP -c -o $@ $<

$(BUILD)/unit/test_%: $(BUILD)/unit/tests/unit/test_%.o $(UNIT_SUPPORT_OBJS)
	$(HOSTCC) $(UNIT_CFLAGS) -o $@ $^ -lcmocka -lzstd

# test_uapi: each #define of include/uapi/ (but stat.h's structs) against
# the host's headers; uapi_kiln.c sees only ours, test_uapi.c only the host's.
# ERESTART*, MAX_ERRNO, IN_ALL_BITS and MFD_NAME_MAX are the kernel's own.
UAPI_CHECKED := $(filter-out include/uapi/stat.h,$(wildcard include/uapi/*.h))
$(BUILD)/unit/uapi_names.h: $(UAPI_CHECKED) mk/unit.mk
	@mkdir -p $(@D)
	awk '/^#define [A-Z_0-9]+[ \t]/ && $$2 !~ /_H$$|^ERESTART|^MAX_ERRNO$$|^IN_ALL_BITS$$|^MFD_NAME_MAX$$/ { print "X(" $$2 ")" }' \
		$(UAPI_CHECKED) > $@
$(BUILD)/unit/tests/unit/uapi_kiln.o $(BUILD)/unit/tests/unit/test_uapi.o: \
	$(BUILD)/unit/uapi_names.h
$(BUILD)/unit/tests/unit/uapi_kiln.o $(BUILD)/unit/tests/unit/test_uapi.o: \
	UNIT_CFLAGS += -I$(BUILD)/unit
$(BUILD)/unit/test_uapi: $(BUILD)/unit/tests/unit/uapi_kiln.o \
	$(BUILD)/unit/tests/unit/uapi_linux.o

# Every test binary runs even if an earlier one fails; any failure fails
# the target. test_cli also drives the real $(BUILD)/kiln binary.
test-unit: $(UNIT_BINS) $(BUILD)/kiln test-fuzz-regress
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; \
		KILN_BIN=$(abspath $(BUILD)/kiln) $$t || fail=1; \
	done; \
	if [ $$fail -ne 0 ]; then echo "test-unit: FAILED"; exit 1; fi; \
	echo "test-unit: all passed"

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := cpio elf release zfile image vfscpio payload
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude -I. \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))

$(BUILD)/fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MD -MP -c -o $@ $<

$(BUILD)/fuzz/fuzz_cpio: $(BUILD)/fuzz/tests/fuzz/fuzz_cpio.o \
		$(BUILD)/fuzz/lib/cpio.o
$(BUILD)/fuzz/fuzz_elf: $(BUILD)/fuzz/tests/fuzz/fuzz_elf.o \
		$(BUILD)/fuzz/lib/elf.o
$(BUILD)/fuzz/fuzz_zfile: $(BUILD)/fuzz/tests/fuzz/fuzz_zfile.o \
		$(BUILD)/fuzz/lib/zfile.o
FUZZ_IMAGE_OBJS := $(patsubst %,$(BUILD)/fuzz/packer/%.o,image disk report util) \
	$(LOADER_BLOB) \
	$(BUILD)/fuzz/lib/cpio.o $(BUILD)/fuzz/lib/elf.o $(BUILD)/fuzz/lib/zfile.o
$(BUILD)/fuzz/fuzz_image: $(BUILD)/fuzz/tests/fuzz/fuzz_image.o \
		$(FUZZ_IMAGE_OBJS)
FUZZ_RELEASE_OBJS := $(patsubst %,$(BUILD)/fuzz/packer/%.o,elfdeps erlexec \
	relscript strv util) $(BUILD)/fuzz/lib/elf.o
$(BUILD)/fuzz/fuzz_release: $(BUILD)/fuzz/tests/fuzz/fuzz_release.o \
		$(FUZZ_RELEASE_OBJS)
# Kernel code built for the host (kernel headers first, no lock
# debugging: it reads per-CPU data through %gs), with tests/fuzz/kshim
# standing in for the kernel services it calls.
FUZZ_KCFLAGS := $(FUZZ_CFLAGS) -Ikernel/include -Ikernel -Ibuild/kernel
$(BUILD)/fuzz/k/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_KCFLAGS) -MD -MP -c -o $@ $<
FUZZ_KSHIM := $(BUILD)/fuzz/k/tests/fuzz/kshim/kshim.o
$(BUILD)/fuzz/fuzz_vfscpio: $(BUILD)/fuzz/k/tests/fuzz/fuzz_vfscpio.o \
		$(BUILD)/fuzz/k/kernel/fs/vfs.o $(BUILD)/fuzz/k/kernel/fs/zimage.o \
		$(BUILD)/fuzz/k/lib/cpio.o $(BUILD)/fuzz/k/lib/zfile.o $(FUZZ_KSHIM)
$(BUILD)/fuzz/fuzz_payload: $(BUILD)/fuzz/k/tests/fuzz/fuzz_payload.o \
		$(BUILD)/fuzz/k/kernel/boot/payload.o $(FUZZ_KSHIM)

$(FUZZ_BINS):
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

# Replay the committed seed corpus of each target once (-runs=0).
test-fuzz-regress: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		log=$(BUILD)/fuzz/regress-$$t.log; \
		if $(BUILD)/fuzz/fuzz_$$t -runs=0 tests/fuzz/corpus/$$t \
				>$$log 2>&1; then \
			echo "fuzz corpus $$t: ok"; \
		else \
			cat $$log; echo "fuzz corpus $$t: FAILED"; exit 1; \
		fi; \
	done

# Fuzz each target for FUZZ_SECONDS; new inputs go to $(BUILD)/fuzz/corpus-*
# (copy interesting ones into tests/fuzz/corpus/ by hand).
fuzz: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$t; \
		echo "== fuzzing $$t for $(FUZZ_SECONDS) s"; \
		$(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/ \
			$(BUILD)/fuzz/corpus-$$t \
			tests/fuzz/corpus/$$t; \
	done

# The e2e releases are rebuilt when their sources change; then each runs
# natively under strace and must match what kiln build puts in the image.
E2E_STAMP := $(BUILD)/e2e/.built
$(E2E_STAMP): tests/e2e/make-apps.sh $(shell find tests/e2e/apps -type f)
	tests/e2e/make-apps.sh $(BUILD)/e2e
	@touch $@

test-release: $(BUILD)/kiln $(BUILD)/kernel.elf $(E2E_STAMP)
	$(PYTHON) tests/e2e/check-release-argv.py --kiln $(BUILD)/kiln \
		--kernel $(BUILD)/kernel.elf $(BUILD)/e2e

# `make test` runs it too (this adds a prerequisite to the top Makefile's).
test: test-release

# Keep the objects that only pattern rules mention.
.SECONDARY: $(UNIT_TEST_OBJS) $(UNIT_SUPPORT_OBJS) \
	$(patsubst %,$(BUILD)/fuzz/tests/fuzz/fuzz_%.o,$(FUZZ_TARGETS)) \
	$(BUILD)/fuzz/lib/cpio.o $(BUILD)/fuzz/lib/elf.o \
	$(BUILD)/fuzz/lib/zfile.o $(FUZZ_RELEASE_OBJS) $(FUZZ_IMAGE_OBJS) \
	$(BUILD)/fuzz/k/tests/fuzz/fuzz_vfscpio.o \
	$(BUILD)/fuzz/k/tests/fuzz/fuzz_payload.o $(FUZZ_KSHIM) \
	$(patsubst %,$(BUILD)/fuzz/k/%.o,kernel/fs/vfs kernel/fs/zimage \
		lib/cpio lib/zfile kernel/boot/payload)

.PHONY: fuzz test-fuzz-regress test-release
