// SPDX-License-Identifier: MIT
/* The ABI numbers glibc's headers leave out, from Linux's (test_uapi.c). */
#include <asm/signal.h>
#include <linux/ipc.h>
#include <linux/sched.h>

const long long linux_clone_clear_sighand = (long long)CLONE_CLEAR_SIGHAND;
const long long linux_sa_restorer = (long long)SA_RESTORER;
const long long linux_ipc_64 = (long long)IPC_64;
