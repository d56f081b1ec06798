// SPDX-License-Identifier: MIT
/*
 * Placeholder until lwIP lands: no TCP socket listens anywhere yet, so
 * boot services that wait for a port (boot/services.c) time out. The
 * stack's own net_tcp_listening replaces this file.
 */
#include "netstack.h"

bool net_tcp_listening(u16 port)
{
	(void)port;
	return false;
}
