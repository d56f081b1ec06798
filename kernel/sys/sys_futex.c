// SPDX-License-Identifier: MIT
/* futex(2): decode the operation and timeout; mechanism in sched/futex.c. */
#include "syscall.h"
#include "arch/x86_64/percpu.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "sched/futex.h"
#include "sched/time.h"

#define FUTEX_WAIT	     0
#define FUTEX_WAKE	     1
#define FUTEX_REQUEUE	     3
#define FUTEX_CMP_REQUEUE    4
#define FUTEX_WAKE_OP	     5
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256

long sys_futex(u64 uaddr, u64 op, u64 val, u64 uts, u64 uaddr2, u64 val3)
{
	struct mm *mm = current->proc->mm;
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	u64 deadline;
	int ret;

	if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		ret = time_deadline_from_user(uts, false, false, &deadline);
		return ret ? ret
			   : futex_wait(mm, uaddr, shared, (u32)val, deadline,
					FUTEX_BITSET_ANY);
	case FUTEX_WAIT_BITSET:
		if (!(u32)val3)
			return -EINVAL;
		ret = time_deadline_from_user(uts, true, realtime, &deadline);
		return ret ? ret
			   : futex_wait(mm, uaddr, shared, (u32)val, deadline,
					(u32)val3);
	case FUTEX_WAKE:
		return futex_wake(mm, uaddr, shared, (int)val,
				  FUTEX_BITSET_ANY);
	case FUTEX_WAKE_BITSET:
		if (!(u32)val3)
			return -EINVAL;
		return futex_wake(mm, uaddr, shared, (int)val, (u32)val3);
	case FUTEX_REQUEUE:
		return futex_requeue(mm, uaddr, (int)val, uaddr2, (int)uts,
				     shared, false, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(mm, uaddr, (int)val, uaddr2, (int)uts,
				     shared, true, (u32)val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(mm, uaddr, (int)val, uaddr2, (int)uts,
				     shared, (u32)val3);
	}
	return -ENOSYS;
}
