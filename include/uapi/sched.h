/* SPDX-License-Identifier: MIT */
/* Linux x86_64 ABI numbers: clone(2) flags. tests/unit/test_uapi.c checks each
 * against the host's headers. */
#ifndef UAPI_SCHED_H
#define UAPI_SCHED_H

#define CLONE_VM	     0x00000100
#define CLONE_FS	     0x00000200
#define CLONE_FILES	     0x00000400
#define CLONE_SIGHAND	     0x00000800
#define CLONE_PIDFD	     0x00001000
#define CLONE_VFORK	     0x00004000
#define CLONE_PARENT	     0x00008000
#define CLONE_THREAD	     0x00010000
#define CLONE_SYSVSEM	     0x00040000
#define CLONE_SETTLS	     0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000
/* Accepted with no effect: no tracer, no I/O contexts in Kiln. */
#define CLONE_PTRACE	    0x00002000
#define CLONE_DETACHED	    0x00400000
#define CLONE_UNTRACED	    0x00800000
#define CLONE_IO	    0x80000000UL
#define CLONE_CLEAR_SIGHAND 0x100000000ULL /* clone3 */

#endif
