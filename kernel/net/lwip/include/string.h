/* SPDX-License-Identifier: MIT */
/* lwIP includes <string.h>: the kernel's string functions. */
#include <kernel/string.h>
