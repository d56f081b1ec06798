# SPDX-License-Identifier: MIT
# The kernel: freestanding C and assembly linked at -2 GiB, PVH-bootable.
# Linked twice: the second link fills .kallsyms (symbol names for
# backtraces) from the first; .kallsyms is last, so nothing else moves.

KERNEL_SRCS := \
	kernel/arch/x86_64/boot.S \
	kernel/arch/x86_64/entry.S \
	kernel/arch/x86_64/trampoline.S \
	kernel/arch/x86_64/uaccess.S \
	kernel/arch/x86_64/acpi.c \
	kernel/arch/x86_64/apic.c \
	kernel/arch/x86_64/cpu.c \
	kernel/arch/x86_64/irq.c \
	kernel/arch/x86_64/power.c \
	kernel/arch/x86_64/smp.c \
	kernel/arch/x86_64/trap.c \
	kernel/boot/main.c \
	kernel/boot/payload.c \
	kernel/boot/services.c \
	kernel/drivers/drivers.c \
	kernel/drivers/pci.c \
	kernel/drivers/random.c \
	kernel/drivers/uart.c \
	kernel/drivers/virtio/virtio.c \
	kernel/drivers/virtio/virtio_mmio.c \
	kernel/drivers/virtio/virtio_net.c \
	kernel/drivers/virtio/virtio_pci.c \
	kernel/drivers/virtio/virtio_rng.c \
	kernel/drivers/virtio/virtqueue.c \
	kernel/fs/console.c \
	kernel/fs/devices.c \
	kernel/fs/fdtable.c \
	kernel/fs/locks.c \
	kernel/fs/file.c \
	kernel/fs/uio.c \
	kernel/fs/vfs.c \
	kernel/fs/zimage.c \
	kernel/lib/kallsyms.c \
	kernel/lib/printk.c \
	kernel/lib/string.c \
	kernel/lib/vsnprintf.c \
	kernel/mm/kheap.c \
	kernel/mm/pmm.c \
	kernel/mm/tlb.c \
	kernel/mm/uaccess.c \
	kernel/mm/vm.c \
	kernel/mm/vmm.c \
	kernel/proc/cred.c \
	kernel/proc/exec.c \
	kernel/proc/fork.c \
	kernel/proc/pidfd.c \
	kernel/proc/proc.c \
	kernel/proc/ptimer.c \
	kernel/proc/resource.c \
	kernel/proc/signal.c \
	kernel/sched/dump.c \
	kernel/sched/futex.c \
	kernel/sched/kthread.c \
	kernel/sched/mutex.c \
	kernel/sched/sched.c \
	kernel/sched/time.c \
	kernel/sched/timer.c \
	kernel/sched/waitq.c \
	kernel/sys/sys_fs.c \
	kernel/sys/sys_futex.c \
	kernel/sys/sys_mm.c \
	kernel/sys/sys_pidfd.c \
	kernel/sys/sys_proc.c \
	kernel/sys/sys_procattr.c \
	kernel/sys/sys_signal.c \
	kernel/sys/sys_time.c \
	kernel/sys/syscall.c \
	lib/cpio.c \
	lib/csum.c \
	lib/elf.c \
	lib/zfile.c

# Files: tmpfs, /proc, /sys (one owner edits this block)
KERNEL_SRCS += \
	kernel/fs/inotify.c \
	kernel/fs/procfs.c \
	kernel/fs/perm.c \
	kernel/fs/tmpfs.c \
	kernel/sys/sys_fsmeta.c \
	kernel/sys/sys_inotify.c \
	kernel/sys/sys_cred.c

# Waiting: pipes, eventfd, timerfd, epoll, poll/select (one owner)
KERNEL_SRCS += \
	kernel/fs/epoll.c \
	kernel/fs/eventfd.c \
	kernel/fs/pipe.c \
	kernel/fs/poll.c \
	kernel/fs/sendfile.c \
	kernel/fs/signalfd.c \
	kernel/fs/timerfd.c \
	kernel/sys/sys_poll.c

# splice/tee/vmsplice, xattrs, memfd seals (one owner)
KERNEL_SRCS += \
	kernel/fs/memfd.c \
	kernel/fs/splice.c \
	kernel/fs/xattr.c \
	kernel/sys/sys_splice.c \
	kernel/sys/sys_xattr.c

# Sockets: AF_UNIX (one owner)
KERNEL_SRCS += \
	kernel/net/inet.c \
	kernel/net/netdev.c \
	kernel/net/netlink.c \
	kernel/net/netstack.c \
	kernel/net/lwip/sys_arch.c \
	kernel/net/socket.c \
	kernel/net/sockopt.c \
	kernel/net/tcp.c \
	kernel/net/unix.c \
	kernel/net/unix_name.c \
	kernel/sys/sys_socket.c

# System V IPC: shm, sem, msg (one owner)
KERNEL_SRCS += \
	kernel/ipc/ipc.c \
	kernel/ipc/msg.c \
	kernel/ipc/mqueue.c \
	kernel/ipc/sem.c \
	kernel/ipc/shm.c \
	kernel/sys/sys_ipc.c

# The vDSO, linked as a user shared object and embedded (proc/vdso.c)
KERNEL_SRCS += \
	kernel/proc/vdso.c \
	kernel/vdso/vdso_blob.S

# /proc/config.gz (fs/procfs.c): kernel/config/kiln.config, gzip'd below
KERNEL_SRCS += kernel/config/config_blob.S

KBUILD := $(BUILD)/kernel
KERNEL_OBJS := $(patsubst %,$(KBUILD)/%.o,$(KERNEL_SRCS))
KERNEL_LD := kernel/arch/x86_64/kernel.ld
UNISTD_H := /usr/include/x86_64-linux-gnu/asm/unistd_64.h

KCC ?= gcc
# Lock rules checked at run time (include/kernel/spinlock.h): off in the
# product build (they cost ~10% of the kernel's instructions per request),
# on with `make DEBUG_LOCKS=1`, which scripts/test.sh (CI) uses for every
# build and test. The stamp makes every kernel object rebuild when the
# setting changes, so a kernel never mixes objects built both ways.
DEBUG_LOCKS ?= 0
KCFLAGS_DEBUG := $(if $(filter 1,$(DEBUG_LOCKS)),-DKILN_DEBUG_LOCKS)
KFLAGS_STAMP := $(KBUILD)/.debug-locks-$(DEBUG_LOCKS)

$(KFLAGS_STAMP):
	@mkdir -p $(dir $@)
	@rm -f $(KBUILD)/.debug-locks-*
	@touch $@
KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-mno-red-zone -mcmodel=kernel -mgeneral-regs-only \
	-fno-omit-frame-pointer -fno-strict-aliasing -fno-common \
	-fcf-protection=none -D__KILN_KERNEL__ $(KCFLAGS_DEBUG) \
	-Ikernel/include -Ikernel -Iinclude -I. -I$(KBUILD) -MD -MP
KLDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(KERNEL_LD) \
	-Wl,-z,max-page-size=4096 -Wl,--build-id=none -Wl,-z,noexecstack

$(KBUILD)/gen/syscall_names.h: $(UNISTD_H)
	@mkdir -p $(dir $@)
	awk 'BEGIN { print "/* generated from $(UNISTD_H) */"; \
		print "static const char *const linux_syscall_names[] = {" } \
	/^#define __NR_/ { sub("__NR_", "", $$2); \
		printf "\t[%s] = \"%s\",\n", $$3, $$2 } \
	END { print "};" }' $< > $@

$(KBUILD)/kernel/sys/syscall.c.o: $(KBUILD)/gen/syscall_names.h

$(KBUILD)/%.c.o: %.c $(KFLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  KCC     $<"
	@$(KCC) $(KCFLAGS) -c $< -o $@

$(KBUILD)/%.S.o: %.S $(KFLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  KAS     $<"
	@$(KCC) $(KCFLAGS) -D__ASSEMBLY__ -c $< -o $@

VDSO_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC \
	-fvisibility=hidden -ffreestanding -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fcf-protection=none \
	-mgeneral-regs-only
VDSO_LDFLAGS := -nostdlib -shared -Wl,-T,kernel/vdso/vdso.lds \
	-Wl,-soname,linux-vdso.so.1 -Wl,--hash-style=both \
	-Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack

# No relocations may remain: nothing in the vDSO is written at load time.
$(KBUILD)/vdso/vdso.so: kernel/vdso/vdso.c kernel/vdso/vdso_data.h \
		kernel/vdso/vdso.lds
	@mkdir -p $(dir $@)
	@echo "  VDSO    $@"
	@$(KCC) $(VDSO_CFLAGS) -c kernel/vdso/vdso.c -o $(KBUILD)/vdso/vdso.o
	@$(KCC) $(VDSO_LDFLAGS) -o $@ $(KBUILD)/vdso/vdso.o
	@if readelf -rW $@ | grep -q R_X86_64; then \
		echo "vdso.so has relocations" >&2; rm -f $@; exit 1; fi

$(KBUILD)/kernel/vdso/vdso_blob.S.o: kernel/vdso/vdso_blob.S \
		$(KBUILD)/vdso/vdso.so
	@mkdir -p $(dir $@)
	@echo "  KAS     $<"
	@$(KCC) $(KCFLAGS) -D__ASSEMBLY__ -DVDSO_SO='"$(KBUILD)/vdso/vdso.so"' \
		-c $< -o $@

# /proc/config.gz: the config text gzip'd reproducibly (-n: no name or
# time stamp) and embedded (fs/procfs.c)
$(KBUILD)/config/kiln.config.gz: kernel/config/kiln.config
	@mkdir -p $(dir $@)
	@echo "  GZIP    $@"
	@gzip -9n < $< > $@.tmp && mv $@.tmp $@

$(KBUILD)/kernel/config/config_blob.S.o: kernel/config/config_blob.S \
		$(KBUILD)/config/kiln.config.gz
	@mkdir -p $(dir $@)
	@echo "  KAS     $<"
	@$(KCC) $(KCFLAGS) -D__ASSEMBLY__ \
		-DCONFIG_GZ='"$(KBUILD)/config/kiln.config.gz"' -c $< -o $@

$(KBUILD)/kallsyms0.S:
	@mkdir -p $(dir $@)
	$(PYTHON) scripts/gen-kallsyms.py < /dev/null > $@

include mk/lwip.mk
include mk/zstd.mk
KERNEL_OBJS += $(LWIP_OBJS) $(ZSTD_OBJS)

$(KBUILD)/kernel0.elf: $(KERNEL_OBJS) $(KBUILD)/kallsyms0.S.o $(KERNEL_LD)
	$(KCC) $(KLDFLAGS) -o $@ $(KERNEL_OBJS) $(KBUILD)/kallsyms0.S.o

$(KBUILD)/kallsyms.S: $(KBUILD)/kernel0.elf scripts/gen-kallsyms.py
	nm -n $< | $(PYTHON) scripts/gen-kallsyms.py > $@

$(KBUILD)/kallsyms0.S.o: $(KBUILD)/kallsyms0.S
	$(KCC) $(KCFLAGS) -c $< -o $@

$(KBUILD)/kallsyms.S.o: $(KBUILD)/kallsyms.S
	$(KCC) $(KCFLAGS) -c $< -o $@

# kernel-debug.elf keeps the debug info (for gdb); kernel.elf, the one
# images carry, has none (its backtraces use .kallsyms).
$(BUILD)/kernel-debug.elf: $(KBUILD)/kernel0.elf $(KBUILD)/kallsyms.S.o
	$(KCC) $(KLDFLAGS) -o $@ $(KERNEL_OBJS) $(KBUILD)/kallsyms.S.o
	@nm -n $(KBUILD)/kernel0.elf | grep -v -e kallsyms -e _kernel_end > $(KBUILD)/syms0.txt
	@nm -n $@ | grep -v -e kallsyms -e _kernel_end > $(KBUILD)/syms1.txt
	@cmp -s $(KBUILD)/syms0.txt $(KBUILD)/syms1.txt || \
		{ echo "kallsyms changed symbol addresses" >&2; rm -f $@; exit 1; }

$(BUILD)/kernel.elf: $(BUILD)/kernel-debug.elf
	objcopy --strip-debug $< $@
