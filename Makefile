# SPDX-License-Identifier: MIT
# Kiln top-level build. `make` builds the kernel and the kiln CLI into build/.
# Each area has its own fragment in mk/ with an explicit source list.

BUILD ?= build
HOSTCC ?= gcc
PYTHON ?= /usr/bin/python3

HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -I.

.PHONY: all soak test test-unit test-guest test-e2e test-e2e-heavy test-e2e-net test-e2e-net-heavy test-otp test-examples check-format check-docs format docs clean
all: $(BUILD)/kernel.elf $(BUILD)/kiln

include mk/kernel.mk
include mk/loader.mk
include mk/packer.mk
include mk/unit.mk
include mk/guest.mk

# The whole default suite: what the README's test command and CI run.
test: all test-unit test-guest test-e2e

# Real releases booted on Kiln (E2E_REPEAT boots per app and vCPU count,
# 20 by default; `make test-e2e-heavy` boots each 50 times).
E2E_REPEAT ?= 20
# The two example boots (~90 s under TCG) are left to `make test-examples`;
# the Mix integration check (~40 s) stays in.
EXAMPLES_SLOW := $(foreach t,test_elixir_example test_erlang_example,\
	--deselect tests/e2e/test_examples.py::$(t))
test-e2e: all test-release
	E2E_REPEAT=$(E2E_REPEAT) $(PYTHON) -m pytest -q -s tests/e2e $(EXAMPLES_SLOW)

test-e2e-heavy:
	$(MAKE) test-e2e E2E_REPEAT=50

# Soak (not in make test): http_ex under load for SOAK_SECONDS (1800),
# 0 errors, guest memory back to its baseline (tests/e2e/soak.py).
soak: all test-release
	$(PYTHON) tests/e2e/soak.py

# Only the networked releases and boot services (tests/e2e/test_net.py,
# test_services.py); part of test-e2e. The heavy variant boots each
# release 3 times with 20 s of wrk per mode and wants 30000 requests a boot.
test-e2e-net: all test-release
	$(PYTHON) -m pytest -q -s tests/e2e/test_net.py tests/e2e/test_services.py

test-e2e-net-heavy:
	E2E_NET_REPEAT=3 E2E_NET_SECONDS=20 E2E_NET_MIN_REQUESTS=30000 \
		$(MAKE) test-e2e-net

# OTP's own socket suites (gen_tcp_api, gen_udp, inet, gen_tcp_misc) on the
# host and on Kiln, compared (tests/otp/run-suites.sh; about an hour
# under TCG, so not part of `make test`). Results: docs/otp-suites.md.
test-otp: all
	tests/otp/run-suites.sh

# The developer flows: examples/elixir_http (mix release), examples/
# erlang_http (rebar3 release) and the Mix integration (integrations/mix),
# each built from scratch and booted (tests/e2e/test_examples.py).
test-examples: all
	$(PYTHON) -m pytest -q -s tests/e2e/test_examples.py

docs: docs/syscalls.md
docs/syscalls.md: kernel/sys/syscall_list.h $(wildcard kernel/sys/list_*.h) scripts/gen-syscalls-md.py
	$(PYTHON) scripts/gen-syscalls-md.py $< > $@

# docs/syscalls.md must match the syscall list.
check-docs:
	@$(PYTHON) scripts/gen-syscalls-md.py kernel/sys/syscall_list.h | \
		diff -u docs/syscalls.md - || \
		{ echo "docs/syscalls.md is stale: run make docs" >&2; exit 1; }

check-format:
	@clang-format --dry-run --Werror $$(git ls-files --cached --others --exclude-standard '*.c' '*.h' | grep -v '^third_party/')

format:
	clang-format -i $$(git ls-files --cached --others --exclude-standard '*.c' '*.h' | grep -v '^third_party/')

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -path $(BUILD)/bench -prune -o -name '*.d' -print 2>/dev/null)
