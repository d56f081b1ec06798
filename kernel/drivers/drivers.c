// SPDX-License-Identifier: MIT
/* Device discovery at boot and the drivers' boot options (drivers.h). */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "drivers.h"
#include "pci.h"
#include "random.h"
#include "virtio/virtio.h"

#define MMIO_OPT "virtio_mmio.device="

void drivers_init(void)
{
	pci_init();
	virtio_mmio_init();
	random_check_sources();
}

static bool word_is(const char *w, size_t len, const char *opt)
{
	return len == strlen(opt) && !memcmp(w, opt, len);
}

bool drivers_option(const char *w, size_t len)
{
	size_t n = strlen(MMIO_OPT);

	if (word_is(w, len, "nomsix"))
		pci_nomsix = true;
	else if (word_is(w, len, "netselftest"))
		virtio_net_selftest = true;
	else if (len > n && !memcmp(w, MMIO_OPT, n)) {
		if (virtio_mmio_param(w + n, len - n))
			pr_warn("virtio: bad option %.*s (expected "
				"%sSIZE@BASE:IRQ)",
				(int)len, w, MMIO_OPT);
	} else
		return false;
	return true;
}
