# SPDX-License-Identifier: MIT
# lwIP 2.1.3, unmodified but for kernel/net/lwip/patches, unpacked from
# Debian's source package by scripts/fetch-lwip.sh into third_party/lwip.
# Only the raw-API core, IPv4 and Ethernet are built; our port
# (lwipopts.h, arch/cc.h, sys_arch.c) lives in kernel/net/lwip.

LWIP_DIR := third_party/lwip
LWIP_STAMP := $(LWIP_DIR)/.kiln-stamp
LWIP_SRCS := $(addprefix $(LWIP_DIR)/src/, \
	core/def.c core/inet_chksum.c core/init.c core/ip.c core/mem.c \
	core/memp.c core/netif.c core/pbuf.c core/tcp.c core/tcp_in.c \
	core/tcp_out.c core/timeouts.c core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c \
	core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c \
	netif/ethernet.c)
LWIP_INC := -Ikernel/net/lwip/include -I$(LWIP_DIR)/src/include
LWIP_OBJS := $(patsubst %,$(KBUILD)/%.o,$(LWIP_SRCS))

$(LWIP_STAMP): scripts/fetch-lwip.sh kernel/net/lwip/patches/series \
		$(wildcard kernel/net/lwip/patches/*.patch)
	bash scripts/fetch-lwip.sh
	@touch $@

$(LWIP_SRCS): $(LWIP_STAMP)

# lwIP's own code: our kernel flags, minus warnings it was not written for.
$(KBUILD)/$(LWIP_DIR)/%.c.o: $(LWIP_DIR)/%.c $(LWIP_STAMP) $(KFLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  KCC     $<"
	@$(KCC) $(KCFLAGS) $(LWIP_INC) -Wno-unused-parameter \
		-Wno-sign-compare -Wno-address -Wno-unused-but-set-variable -c $< -o $@

# Kiln's own files that include lwIP headers.
LWIP_USERS := $(filter kernel/net/%,$(KERNEL_SRCS))
$(patsubst %,$(KBUILD)/%.o,$(LWIP_USERS)): KCFLAGS += $(LWIP_INC)
$(patsubst %,$(KBUILD)/%.o,$(LWIP_USERS)): $(LWIP_STAMP)
