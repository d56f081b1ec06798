/* SPDX-License-Identifier: MIT */
/* lwIP includes <stdlib.h> (for atoi in netif.c, unused by Kiln). */
#ifndef KILN_LWIP_STDLIB_H
#define KILN_LWIP_STDLIB_H
int atoi(const char *s);
#endif
