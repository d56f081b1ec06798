# SPDX-License-Identifier: MIT
# Differential guest tests (tests/guest/): small static Linux programs, each
# built against musl and glibc, run on the host and booted on Kiln; stdout
# and exit status must match.
#
#   make guest-programs    build $(BUILD)/guest/{musl,glibc}/PROG
#   make test-guest        run the harness: every program on the host and on
#                          Kiln (TCG) at each of GUEST_CPUS; the threaded and
#                          timing programs GUEST_REPEAT times per setting
#   make test-guest-host   the host half only (no kernel or kiln needed)
#   make test-guest-heavy  every repeated case GUEST_REPEAT times (the
#                          default suite boots pipes/epoll/unix/procs 5 times)
#
# GUEST_REPEAT (default 20), GUEST_CPUS (default "1 4"), GUEST_JOBS (boots
# in parallel, default 2) and GUEST_TIMEOUT (seconds per boot, default 120)
# are read from the environment or the make command line.

GUEST_PROGS := hello mm threads futex clocks segv io files pipes epoll unix procs tlb tcp udp tcpburst
GUEST_PROGS += forkmem vfork exec shfutex pgrp sigs cputime clone madv
GUEST_PROGS += links fileio2 locks fileio3 creds perms procstat memlock zfiles loadavg itimers sigfd sendfile fifo inotify
GUEST_PROGS += splice xattr seals sysvipc mqueue
GUEST_PROGS += procfiles pidfd procattr misc rlimits nicecaps
GUEST_PROGS += pipesz affinity clone3 cputimers sigrace wakeup
GUEST_LIBCS := musl glibc
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror
GUEST_MUSL_CC ?= musl-gcc
GUEST_GLIBC_CC ?= gcc
GUEST_REPEAT ?= 20
GUEST_CPUS ?= 1 4
GUEST_JOBS ?= 2
GUEST_TIMEOUT ?= 300

GUEST_BINS := $(foreach libc,$(GUEST_LIBCS),\
	$(patsubst %,$(BUILD)/guest/$(libc)/%,$(GUEST_PROGS)))
GUEST_ENV := GUEST_BUILD=$(abspath $(BUILD)) GUEST_REPEAT=$(GUEST_REPEAT) \
	GUEST_HEAVY=$(GUEST_HEAVY) \
	GUEST_CPUS="$(GUEST_CPUS)" GUEST_JOBS=$(GUEST_JOBS) \
	GUEST_TIMEOUT=$(GUEST_TIMEOUT)

.PHONY: guest-programs test-guest-host

$(BUILD)/guest/musl/%: tests/guest/src/%.c
	@mkdir -p $(@D)
	$(GUEST_MUSL_CC) -static $(GUEST_CFLAGS) -MD -MP -MF $@.d -o $@ $<

$(BUILD)/guest/glibc/%: tests/guest/src/%.c
	@mkdir -p $(@D)
	$(GUEST_GLIBC_CC) -static -pthread $(GUEST_CFLAGS) -MD -MP -MF $@.d \
		-o $@ $<

guest-programs: $(GUEST_BINS)

test-guest: $(BUILD)/kiln $(BUILD)/kernel.elf $(GUEST_BINS)
	$(GUEST_ENV) $(PYTHON) -m pytest -q tests/guest

test-guest-host: $(GUEST_BINS)
	$(GUEST_ENV) GUEST_HOST_ONLY=1 $(PYTHON) -m pytest -q tests/guest

.PHONY: test-guest-heavy
test-guest-heavy:
	$(MAKE) test-guest GUEST_HEAVY=1
