// SPDX-License-Identifier: MIT
/*
 * The kernel's ABI numbers (include/uapi/), compiled apart from the host's
 * headers, which define the same names: test_uapi.c compares the two.
 */
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/inotify.h>
#include <uapi/ipc.h>
#include <uapi/mman.h>
#include <uapi/mqueue.h>
#include <uapi/poll.h>
#include <uapi/resource.h>
#include <uapi/sched.h>
#include <uapi/signal.h>
#include <uapi/socket.h>

const long long uapi_kiln_values[] = {
#define X(name) (long long)(name),
#include "uapi_names.h"
#undef X
};
