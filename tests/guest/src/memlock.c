// SPDX-License-Identifier: MIT
/*
 * memlock: mincore, mlock/mlock2/munlock, mlockall/munlockall, msync and
 * membarrier, as a program sees them. mincore tells touched pages from
 * untouched ones; mlock makes a range resident (mincore says so) and
 * MLOCK_ONFAULT does not; a hole gives ENOMEM, bad flags EINVAL; msync on
 * a shared file mapping keeps the file and the mapping the same;
 * membarrier's expedited command needs its registration. Same output on
 * Linux and on Kiln.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

#define PG 4096
/* linux/membarrier.h (not on musl's include path) */
#define MEMBARRIER_CMD_QUERY			  0
#define MEMBARRIER_CMD_GLOBAL			  1
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED	  8
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED 16
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static int resident(char *p, int pages, unsigned char *vec)
{
	int n = 0;

	if (mincore(p, (size_t)pages * PG, vec))
		return -1;
	for (int i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

static long membarrier(int cmd, unsigned flags)
{
	return syscall(SYS_membarrier, cmd, flags, 0);
}

int main(void)
{
	unsigned char vec[8];
	setvbuf(stdout, NULL, _IONBF, 0);

	/* mincore */
	char *p = mmap(NULL, 6 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(resident(p, 4, vec) == 0,
	      "mincore: untouched pages are not resident", "%d",
	      resident(p, 4, vec));
	p[PG] = 1;
	int r = resident(p, 4, vec);
	check(r == 1 && (vec[1] & 1), "mincore: a touched page is resident",
	      "%d resident, vec[1] %d", r, vec[1]);
	check_errno(mincore(p + 1, PG, vec), -1, EINVAL,
		    "mincore: unaligned address EINVAL");
	/* a hole: nothing is mapped between these calls, so it stays one */
	char *h = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(h + PG, PG);
	check_errno(mincore(h, 3 * PG, vec), -1, ENOMEM,
		    "mincore: a hole ENOMEM");
	/* (mlock over a hole: ENOMEM per the man page, but Linux 6.1 gives 0;
	 * not compared) */
	check_errno(msync(h, 3 * PG, MS_SYNC), -1, ENOMEM,
		    "msync: a hole ENOMEM");
	munmap(h, 3 * PG);

	/* mlock */
	check_zero(mlock(p + 2 * PG, 2 * PG), "mlock: two pages");
	r = resident(p, 4, vec);
	check(r == 3 && (vec[2] & 1) && (vec[3] & 1),
	      "mlock: makes the range resident", "%d resident", r);
	check_zero(munlock(p + 2 * PG, 2 * PG), "munlock");
	check_zero(mlock(p + 10, 5), "mlock: an unaligned start is rounded");
	munlock(p, 4 * PG);
	char *q = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check_zero(syscall(SYS_mlock2, q, 2 * PG, MLOCK_ONFAULT),
		   "mlock2: MLOCK_ONFAULT");
	check(resident(q, 2, vec) == 0, "mlock2: ONFAULT leaves pages absent",
	      "%d", resident(q, 2, vec));
	check_errno(syscall(SYS_mlock2, q, PG, 0x10), -1, EINVAL,
		    "mlock2: unknown flag EINVAL");
	munlock(q, 2 * PG);
	check_errno(mlockall(0), -1, EINVAL, "mlockall: no flags EINVAL");
	check_errno(mlockall(MCL_ONFAULT), -1, EINVAL,
		    "mlockall: MCL_ONFAULT alone EINVAL");
	check_zero(mlockall(MCL_CURRENT | MCL_FUTURE),
		   "mlockall: CURRENT|FUTURE");
	check(resident(q, 2, vec) == 2,
	      "mlockall: mapped pages become resident", "%d",
	      resident(q, 2, vec));
	check_zero(munlockall(), "munlockall");

	/* msync */
	char path[] = "/tmp/memlock-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	check(fd >= 0 && ftruncate(fd, PG) == 0, "msync: a file", " ");
	char *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	memcpy(m, "mapped", 6);
	check_zero(msync(m, PG, MS_SYNC), "msync: MS_SYNC");
	char buf[8] = {0};
	check(pread(fd, buf, 6, 0) == 6 && !memcmp(buf, "mapped", 6),
	      "msync: the file has the mapping's bytes", "%.6s", buf);
	check_zero(msync(m, PG, MS_ASYNC | MS_INVALIDATE), "msync: MS_ASYNC");
	check_errno(msync(m, PG, MS_SYNC | MS_ASYNC), -1, EINVAL,
		    "msync: SYNC and ASYNC EINVAL");
	check_errno(msync(m + 1, PG, MS_SYNC), -1, EINVAL,
		    "msync: unaligned EINVAL");
	check_errno(msync(m, PG, 8), -1, EINVAL, "msync: unknown flag EINVAL");
	munmap(m, PG);
	close(fd);

	/* membarrier */
	long mask = membarrier(MEMBARRIER_CMD_QUERY, 0);
	long want = MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_PRIVATE_EXPEDITED |
		    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;
	check(mask > 0 && (mask & want) == want,
	      "membarrier: QUERY lists GLOBAL and PRIVATE_EXPEDITED", "%lx",
	      mask);
	check_errno(membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0), -1, EPERM,
		    "membarrier: PRIVATE_EXPEDITED unregistered EPERM");
	check_zero(membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0),
		   "membarrier: register");
	check_zero(membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0),
		   "membarrier: PRIVATE_EXPEDITED");
	check_zero(membarrier(MEMBARRIER_CMD_GLOBAL, 0), "membarrier: GLOBAL");
	check_errno(membarrier(MEMBARRIER_CMD_QUERY, 1), -1, EINVAL,
		    "membarrier: flags EINVAL");
	check_errno(membarrier(1 << 14, 0), -1, EINVAL,
		    "membarrier: unknown command EINVAL");
	guest_exit("memlock");
}
