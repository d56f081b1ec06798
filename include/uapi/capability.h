/* SPDX-License-Identifier: MIT */
/* Linux capability numbers and capget/capset versions (linux/capability.h)
 * and NGROUPS_MAX. */
#ifndef UAPI_CAPABILITY_H
#define UAPI_CAPABILITY_H

#define CAP_CHOWN	    0
#define CAP_DAC_OVERRIDE    1
#define CAP_DAC_READ_SEARCH 2
#define CAP_FOWNER	    3
#define CAP_FSETID	    4
#define CAP_KILL	    5
#define CAP_SETGID	    6
#define CAP_SETUID	    7
#define CAP_SETPCAP	    8
#define CAP_LINUX_IMMUTABLE 9
#define CAP_SYS_PTRACE	    19
#define CAP_SYS_ADMIN	    21
#define CAP_SYS_NICE	    23
#define CAP_SYS_RESOURCE    24
#define CAP_MKNOD	    27
#define CAP_LEASE	    28
#define CAP_MAC_OVERRIDE    32
#define CAP_LAST_CAP	    40

/* capget/capset header versions and their count of 32-bit words */
#define _LINUX_CAPABILITY_VERSION_1 0x19980330
#define _LINUX_CAPABILITY_U32S_1    1
#define _LINUX_CAPABILITY_VERSION_2 0x20071026
#define _LINUX_CAPABILITY_U32S_2    2
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define _LINUX_CAPABILITY_U32S_3    2

#define NGROUPS_MAX 65536 /* supplementary groups (linux/limits.h) */

#endif
