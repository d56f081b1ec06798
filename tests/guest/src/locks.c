/* SPDX-License-Identifier: MIT */
/*
 * locks: advisory file locks between a parent and forked children on one
 * tmpfs file. POSIX record locks (F_SETLK conflicts and EAGAIN, F_GETLK's
 * answer, splitting and merging ranges, release on any close and at exit,
 * F_SETLKW waiting for the holder, EINTR, EDEADLK), OFD locks (per open
 * file description, also within one process), flock (LOCK_SH/LOCK_EX,
 * LOCK_NB, blocking, independent of record locks, shared across fork),
 * leases (F_SETLEASE/F_GETLEASE: the open checks, a break's signal and
 * EWOULDBLOCK, an open that waits for the holder to give way), F_SETOWN
 * and F_SETSIG, and argument errors. Only behaviour is printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static char path[64];
static volatile int *shared; /* a MAP_SHARED page for ordering checks */

static int lk(int fd, int cmd, int type, off_t start, off_t len)
{
	struct flock fl = {.l_type = type,
			   .l_whence = SEEK_SET,
			   .l_start = start,
			   .l_len = len};

	return fcntl(fd, cmd, &fl);
}

/* F_GETLK for [start, start+len): the answer, in *fl. */
static struct flock getlk(int fd, int cmd, int type, off_t start, off_t len)
{
	struct flock fl = {.l_type = type,
			   .l_whence = SEEK_SET,
			   .l_start = start,
			   .l_len = len};

	if (fcntl(fd, cmd, &fl))
		fl.l_type = -1;
	return fl;
}

static void msleep(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Fork a child running fn(arg); returns its exit status. */
static int in_child(int (*fn)(long), long arg)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* Child side of the conflict checks: a bit set per surprise. */
static int child_conflicts(long ppid)
{
	int fd = open(path, O_RDWR), bad = 0;

	if (lk(fd, F_SETLK, F_WRLCK, 5, 1) != -1 || errno != EAGAIN)
		bad |= 1;
	if (lk(fd, F_SETLK, F_RDLCK, 0, 1) != -1 || errno != EAGAIN)
		bad |= 2;
	struct flock fl = getlk(fd, F_GETLK, F_RDLCK, 3, 2);
	if (fl.l_type != F_WRLCK || fl.l_start != 0 || fl.l_len != 10 ||
	    fl.l_pid != ppid || fl.l_whence != SEEK_SET)
		bad |= 4;
	if (lk(fd, F_SETLK, F_WRLCK, 10, 10))
		bad |= 8; /* beyond the parent's range */
	fl = getlk(fd, F_GETLK, F_WRLCK, 100, 0);
	if (fl.l_type != F_UNLCK)
		bad |= 16;
	/* the parent's read lock at 50 lets us read-lock, not write-lock */
	if (lk(fd, F_SETLK, F_RDLCK, 50, 1))
		bad |= 32;
	if (lk(fd, F_SETLK, F_WRLCK, 50, 1) != -1 || errno != EAGAIN)
		bad |= 64;
	return bad;
}

static void test_posix_conflicts(void)
{
	int fd = open(path, O_RDWR);

	check_zero(lk(fd, F_SETLK, F_WRLCK, 0, 10), "posix write lock");
	check_zero(lk(fd, F_SETLK, F_RDLCK, 50, 1), "posix read lock");
	/* our own locks never conflict with each other */
	check_zero(lk(fd, F_SETLK, F_WRLCK, 5, 1), "relock own range");
	check_zero(lk(fd, F_SETLK, F_WRLCK, 0, 10), "restore own range");
	struct flock fl = getlk(fd, F_GETLK, F_WRLCK, 0, 10);
	check(fl.l_type == F_UNLCK, "F_GETLK ignores own locks", "type %d",
	      fl.l_type);
	int r = in_child(child_conflicts, getpid());
	check(r == 0, "child sees conflicts and F_GETLK holder", "bits %#x", r);
	/* closing ANY fd of the file drops our POSIX locks */
	int fd2 = open(path, O_RDONLY);
	close(fd2);
	r = in_child(child_conflicts, getpid());
	check(r == (1 | 2 | 4 | 64), "locks gone after closing another fd",
	      "bits %#x", r);
	close(fd);
}

/* Split and merge, seen through F_GETLK from a child. */
static int child_ranges(long unused)
{
	int fd = open(path, O_RDWR), bad = 0;
	(void)unused;

	struct flock fl = getlk(fd, F_GETLK, F_WRLCK, 45, 1);
	if (fl.l_type != F_UNLCK)
		bad |= 1; /* the hole */
	fl = getlk(fd, F_GETLK, F_WRLCK, 55, 20);
	if (fl.l_type != F_WRLCK || fl.l_start != 60 || fl.l_len != 40)
		bad |= 2;
	fl = getlk(fd, F_GETLK, F_WRLCK, 0, 1);
	if (fl.l_type != F_WRLCK || fl.l_start != 0 || fl.l_len != 40)
		bad |= 4;
	fl = getlk(fd, F_GETLK, F_WRLCK, 205, 1);
	if (fl.l_type != F_RDLCK || fl.l_start != 200 || fl.l_len != 20)
		bad |= 8; /* two adjacent read locks merged */
	fl = getlk(fd, F_GETLK, F_WRLCK, 1000, 0);
	if (fl.l_type != F_WRLCK || fl.l_start != 1000 || fl.l_len != 0)
		bad |= 16; /* to EOF */
	fl = getlk(fd, F_GETLK, F_WRLCK, 300, 1);
	if (fl.l_type != F_WRLCK || fl.l_start != 295 || fl.l_len != 10)
		bad |= 32; /* a negative length */
	/* several conflicts: an owner's locks are kept by start, so the
	 * first reported is the lowest (the read lock at 200, set before
	 * the write lock at 1000 too, but also below 295) */
	fl = getlk(fd, F_GETLK, F_WRLCK, 150, 0);
	if (fl.l_type != F_RDLCK || fl.l_start != 200)
		bad |= 64;
	return bad;
}

/* LTP fcntl11's first block: a write lock at 10, then a read lock at 1. */
static int child_order(long unused)
{
	int fd = open(path, O_RDWR), bad = 0;
	(void)unused;

	struct flock fl = getlk(fd, F_GETLK, F_WRLCK, 0, 0);
	if (fl.l_type != F_RDLCK || fl.l_start != 1 || fl.l_len != 5)
		bad |= 1;
	fl = getlk(fd, F_GETLK, F_WRLCK, 6, 0);
	if (fl.l_type != F_WRLCK || fl.l_start != 10 || fl.l_len != 5)
		bad |= 2;
	return bad;
}

static void test_ranges(void)
{
	int fd = open(path, O_RDWR);

	lk(fd, F_SETLK, F_WRLCK, 0, 100);
	check_zero(lk(fd, F_SETLK, F_UNLCK, 40, 20), "unlock the middle");
	lk(fd, F_SETLK, F_RDLCK, 200, 10);
	lk(fd, F_SETLK, F_RDLCK, 210, 10);
	lk(fd, F_SETLK, F_WRLCK, 1000, 0);
	check_zero(lk(fd, F_SETLK, F_WRLCK, 305, -10), "negative length");
	int r = in_child(child_ranges, 0);
	check(r == 0, "split, merged, EOF and negative ranges", "bits %#x", r);
	check_zero(lk(fd, F_SETLK, F_UNLCK, 0, 0), "unlock everything");
	lk(fd, F_SETLK, F_WRLCK, 10, 5);
	lk(fd, F_SETLK, F_RDLCK, 1, 5);
	r = in_child(child_order, 0);
	check(r == 0, "F_GETLK reports the lowest of an owner's conflicts",
	      "bits %#x", r);
	lk(fd, F_SETLK, F_UNLCK, 0, 0);
	close(fd);
}

static int child_blocks(long unused)
{
	int fd = open(path, O_RDWR);
	(void)unused;

	shared[1] = 1; /* about to wait */
	if (lk(fd, F_SETLKW, F_WRLCK, 0, 1))
		return 1;
	return shared[0] == 1 ? 0 : 2; /* the parent released first */
}

static void test_setlkw(void)
{
	int fd = open(path, O_RDWR);

	lk(fd, F_SETLK, F_WRLCK, 0, 1);
	shared[0] = shared[1] = 0;
	pid_t pid = fork();
	if (pid == 0)
		_exit(child_blocks(0));
	while (!shared[1])
		msleep(10);
	msleep(100);
	shared[0] = 1;
	lk(fd, F_SETLK, F_UNLCK, 0, 1);
	int status;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "F_SETLKW waits for the holder", "status %#x", status);

	/* a lock held by a process that exits is released */
	pid = fork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);
		_exit(lk(cfd, F_SETLK, F_WRLCK, 0, 0) ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && !WEXITSTATUS(status) &&
		      !lk(fd, F_SETLK, F_WRLCK, 0, 0),
	      "locks released at exit", "status %#x errno %d", status, errno);
	lk(fd, F_SETLK, F_UNLCK, 0, 0);
	close(fd);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void test_eintr(void)
{
	int fd = open(path, O_RDWR);
	struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART */

	lk(fd, F_SETLK, F_WRLCK, 0, 1);
	pid_t pid = fork();
	if (pid == 0) {
		sigaction(SIGUSR1, &sa, NULL);
		int cfd = open(path, O_RDWR);
		shared[2] = 1;
		int r = lk(cfd, F_SETLKW, F_WRLCK, 0, 1);
		_exit(r == -1 && errno == EINTR ? 0 : 1);
	}
	while (!shared[2])
		msleep(10);
	int status;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		msleep(50);
		kill(pid, SIGUSR1);
	}
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "F_SETLKW interrupted: EINTR", "status %#x", status);
	lk(fd, F_SETLK, F_UNLCK, 0, 0);
	close(fd);
}

static void test_deadlock(void)
{
	int fd = open(path, O_RDWR);

	lk(fd, F_SETLK, F_WRLCK, 0, 1); /* we hold A */
	shared[3] = 0;
	pid_t pid = fork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);
		lk(cfd, F_SETLK, F_WRLCK, 1, 1); /* the child holds B */
		shared[3] = 1;
		int r = lk(cfd, F_SETLKW, F_WRLCK, 0, 1); /* wants A */
		int e = errno;
		if (r)
			close(cfd); /* give up B so the parent gets it */
		_exit(r == 0 ? 0 : e == EDEADLK ? 1 : 2);
	}
	while (!shared[3])
		msleep(10);
	msleep(100);
	int r = lk(fd, F_SETLKW, F_WRLCK, 1, 1); /* wants B */
	int e = errno;
	if (r)
		lk(fd, F_SETLK, F_UNLCK, 0, 1); /* give up A */
	int status;
	waitpid(pid, &status, 0);
	int child = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
	/* whichever waited second gets EDEADLK, the other the lock */
	check((r == 0 && child == 1) || (r == -1 && e == EDEADLK && child == 0),
	      "one side of a deadlock gets EDEADLK",
	      "parent %d errno %d child %d", r, e, child);
	lk(fd, F_SETLK, F_UNLCK, 0, 0);
	close(fd);
}

static void test_ofd(void)
{
	int a = open(path, O_RDWR), b = open(path, O_RDWR);

	check_zero(lk(a, F_OFD_SETLK, F_WRLCK, 0, 10), "OFD lock");
	check_errno(lk(b, F_OFD_SETLK, F_WRLCK, 5, 1), -1, EAGAIN,
		    "OFD conflict in one process");
	struct flock fl = getlk(b, F_OFD_GETLK, F_RDLCK, 0, 1);
	check(fl.l_type == F_WRLCK && fl.l_pid == -1 && fl.l_len == 10,
	      "F_OFD_GETLK pid -1", "type %d pid %d len %ld", fl.l_type,
	      fl.l_pid, (long)fl.l_len);
	check_errno(lk(b, F_SETLK, F_WRLCK, 5, 1), -1, EAGAIN,
		    "POSIX lock conflicts with OFD");
	check_zero(lk(b, F_SETLK, F_WRLCK, 20, 1), "POSIX lock elsewhere");
	check_errno(lk(a, F_OFD_SETLK, F_WRLCK, 20, 1), -1, EAGAIN,
		    "OFD conflicts with POSIX");
	struct flock bad = {.l_type = F_WRLCK, .l_pid = 1};
	check_errno(fcntl(a, F_OFD_SETLK, &bad), -1, EINVAL,
		    "OFD with l_pid set");
	/* an OFD lock lives while any fd of the description does */
	int dup_a = dup(a);
	close(a);
	check_errno(lk(b, F_OFD_SETLK, F_WRLCK, 5, 1), -1, EAGAIN,
		    "OFD lock kept by a dup");
	close(dup_a);
	check_zero(lk(b, F_OFD_SETLK, F_WRLCK, 5, 1), "OFD lock gone at close");
	close(b);
}

static int child_flock(long mode)
{
	int fd = open(path, O_RDONLY);

	if (mode == 0) /* non-blocking: must fail */
		return flock(fd, LOCK_EX | LOCK_NB) == -1 &&
				       errno == EWOULDBLOCK
			       ? 0
			       : 1;
	shared[4] = 1;
	if (flock(fd, LOCK_EX)) /* blocking: after the parent's LOCK_UN */
		return 2;
	return shared[5] == 1 ? 0 : 3;
}

static void test_flock(void)
{
	int a = open(path, O_RDONLY), b = open(path, O_RDONLY);

	check_zero(flock(a, LOCK_EX), "flock LOCK_EX");
	check_errno(flock(b, LOCK_EX | LOCK_NB), -1, EWOULDBLOCK,
		    "second LOCK_EX is EWOULDBLOCK");
	check_errno(flock(b, LOCK_SH | LOCK_NB), -1, EWOULDBLOCK,
		    "LOCK_SH against LOCK_EX");
	check(in_child(child_flock, 0) == 0, "child LOCK_NB fails", "no");
	check_zero(lk(b, F_SETLK, F_RDLCK, 0, 0), "record locks ignore flock");
	check_zero(flock(a, LOCK_SH), "downgrade to LOCK_SH");
	check_zero(flock(b, LOCK_SH | LOCK_NB), "two LOCK_SH");
	check_errno(flock(a, LOCK_EX | LOCK_NB), -1, EWOULDBLOCK,
		    "upgrade blocked by the other LOCK_SH");
	check_zero(flock(b, LOCK_UN), "LOCK_UN");
	check_zero(flock(a, LOCK_EX | LOCK_NB), "upgrade now");
	/* a forked child shares a's description, and so its lock */
	pid_t pid = fork();
	if (pid == 0)
		_exit(flock(a, LOCK_EX | LOCK_NB) ? 1 : 0);
	int status;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "inherited fd shares the flock", "status %#x", status);
	/* blocking flock waits for LOCK_UN */
	shared[4] = shared[5] = 0;
	pid = fork();
	if (pid == 0)
		_exit(child_flock(1));
	while (!shared[4])
		msleep(10);
	msleep(100);
	shared[5] = 1;
	flock(a, LOCK_UN);
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "LOCK_EX waits for LOCK_UN", "status %#x", status);
	/* close releases */
	check_zero(flock(b, LOCK_EX | LOCK_NB), "LOCK_EX after the child");
	close(b);
	check_zero(flock(a, LOCK_EX | LOCK_NB), "released at close");
	check_errno(flock(a, 3), -1, EINVAL, "flock bad op");
	check_errno(flock(-1, LOCK_SH), -1, EBADF, "flock bad fd");
	close(a);
}

static void test_errors(void)
{
	int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);

	check_errno(lk(ro, F_SETLK, F_WRLCK, 0, 1), -1, EBADF,
		    "write lock on O_RDONLY");
	check_errno(lk(wo, F_SETLK, F_RDLCK, 0, 1), -1, EBADF,
		    "read lock on O_WRONLY");
	check_errno(lk(ro, F_SETLK, 7, 0, 1), -1, EINVAL, "bad l_type");
	check_errno(lk(ro, F_SETLK, F_RDLCK, -1, 1), -1, EINVAL,
		    "negative start");
	check_errno(lk(ro, F_SETLK, F_RDLCK, 2, -5), -1, EINVAL,
		    "range before 0");
	struct flock fl = {.l_type = F_RDLCK, .l_whence = 9};
	check_errno(fcntl(ro, F_SETLK, &fl), -1, EINVAL, "bad l_whence");
	fl = (struct flock){.l_type = F_UNLCK};
	check_errno(fcntl(ro, F_GETLK, &fl), -1, EINVAL, "F_GETLK of F_UNLCK");
	check_errno(fcntl(ro, F_SETLK, (void *)8), -1, EFAULT,
		    "bad flock pointer");
	close(ro);
	close(wo);
}

static volatile sig_atomic_t lease_sigs;

static void on_lease_sig(int sig)
{
	(void)sig;
	lease_sigs++;
}

/* As nobody: a lease on root's file is EACCES. */
static int child_lease_nobody(long unused)
{
	(void)unused;
	int fd = open(path, O_RDONLY);
	if (fd < 0 || setuid(65534))
		return 2;
	return fcntl(fd, F_SETLEASE, F_RDLCK) == -1 && errno == EACCES ? 0 : 1;
}

/* Opens the file for writing (it waits for the parent's lease), writes
 * a byte: 0 if that worked. */
static int child_lease_writer(long unused)
{
	(void)unused;
	int fd = open(path, O_WRONLY);
	return fd >= 0 && pwrite(fd, "L", 1, 0) == 1 ? 0 : 1;
}

static void test_leases(void)
{
	struct sigaction sa = {.sa_handler = on_lease_sig};
	sigaction(SIGIO, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	int fd = open(path, O_RDONLY);
	check(fcntl(fd, F_GETLEASE) == F_UNLCK, "lease: none at first", "%d",
	      fcntl(fd, F_GETLEASE));
	check_zero(fcntl(fd, F_SETLEASE, F_RDLCK), "lease: read lease");
	check(fcntl(fd, F_GETLEASE) == F_RDLCK, "lease: F_GETLEASE read", "%d",
	      fcntl(fd, F_GETLEASE));
	int r2 = open(path, O_RDONLY | O_NONBLOCK);
	check(r2 >= 0 && lease_sigs == 0,
	      "lease: a reader does not break a read lease", "fd %d sigs %d",
	      r2, (int)lease_sigs);
	check_errno(fcntl(fd, F_SETLEASE, F_WRLCK), -1, EAGAIN,
		    "lease: no write lease while another fd is open");
	close(r2);
	check_zero(fcntl(fd, F_SETLEASE, F_WRLCK),
		   "lease: upgrade to a write lease when alone");
	check(fcntl(fd, F_GETLEASE) == F_WRLCK, "lease: F_GETLEASE write", "%d",
	      fcntl(fd, F_GETLEASE));
	check_errno(open(path, O_RDONLY | O_NONBLOCK), -1, EWOULDBLOCK,
		    "lease: a non-blocking open breaks it: EWOULDBLOCK");
	for (int i = 0; i < 2000 && !lease_sigs; i++)
		msleep(1);
	check(lease_sigs == 1, "lease: the holder gets SIGIO", "sigs %d",
	      (int)lease_sigs);
	check(fcntl(fd, F_GETLEASE) == F_RDLCK,
	      "lease: being broken to a read lease", "%d",
	      fcntl(fd, F_GETLEASE));
	check_zero(fcntl(fd, F_SETLEASE, F_UNLCK), "lease: give it up");
	check_errno(fcntl(fd, F_SETLEASE, F_UNLCK), -1, EAGAIN,
		    "lease: F_UNLCK without a lease EAGAIN");
	r2 = open(path, O_RDONLY | O_NONBLOCK);
	check(r2 >= 0, "lease: open works once it is gone", "errno %d", errno);
	close(r2);
	close(fd);

	int rw = open(path, O_RDWR);
	check_errno(fcntl(rw, F_SETLEASE, F_RDLCK), -1, EAGAIN,
		    "lease: no read lease on a file open for writing");
	check_errno(fcntl(rw, F_SETLEASE, 7), -1, EINVAL,
		    "lease: bad type EINVAL");
	close(rw);
	int p[2];
	if (pipe(p) == 0) {
		check_errno(fcntl(p[0], F_SETLEASE, F_RDLCK), -1, EINVAL,
			    "lease: on a pipe EINVAL");
		close(p[0]);
		close(p[1]);
	}
	int st = in_child(child_lease_nobody, 0);
	check(st == 0, "lease: not the owner EACCES", "status %d", st);

	/* a writer in another process waits until the holder gives way;
	 * the break comes as the F_SETSIG signal */
	fd = open(path, O_RDONLY);
	check_zero(fcntl(fd, F_SETSIG, SIGUSR2), "lease: F_SETSIG");
	check(fcntl(fd, F_GETSIG) == SIGUSR2, "lease: F_GETSIG", "%d",
	      fcntl(fd, F_GETSIG));
	lease_sigs = 0;
	check_zero(fcntl(fd, F_SETLEASE, F_WRLCK), "lease: write lease again");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(child_lease_writer(0));
	for (int i = 0; i < 20000 && !lease_sigs; i++)
		msleep(1);
	check(lease_sigs == 1, "lease: F_SETSIG signal on the break", "sigs %d",
	      (int)lease_sigs);
	int status = -1;
	check(waitpid(pid, &status, WNOHANG) == 0,
	      "lease: the writer waits for the holder", "status %#x", status);
	check(fcntl(fd, F_GETLEASE) == F_UNLCK,
	      "lease: being broken for a writer", "%d", fcntl(fd, F_GETLEASE));
	check_zero(fcntl(fd, F_SETLEASE, F_UNLCK), "lease: holder gives way");
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "lease: then the writer's open completes", "status %#x", status);
	close(fd);
	signal(SIGIO, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

static void test_owner(void)
{
	int fd = open(path, O_RDONLY);

	check(fcntl(fd, F_GETOWN) == 0, "F_GETOWN: nobody at first", "%d",
	      fcntl(fd, F_GETOWN));
	check_zero(fcntl(fd, F_SETOWN, getpid()), "F_SETOWN: this process");
	check(fcntl(fd, F_GETOWN) == getpid(), "F_GETOWN: this process", "%d",
	      fcntl(fd, F_GETOWN));
	check_zero(fcntl(fd, F_SETOWN, -getpgrp()), "F_SETOWN: our group");
	check(fcntl(fd, F_GETOWN) == -getpgrp(), "F_GETOWN: our group", "%d",
	      fcntl(fd, F_GETOWN));
	struct f_owner_ex ex = {0};
	check(fcntl(fd, F_GETOWN_EX, &ex) == 0 && ex.type == F_OWNER_PGRP &&
		      ex.pid == getpgrp(),
	      "F_GETOWN_EX: a group", "type %d pid %d", ex.type, ex.pid);
	ex = (struct f_owner_ex){F_OWNER_PID, getpid()};
	check_zero(fcntl(fd, F_SETOWN_EX, &ex), "F_SETOWN_EX: a process");
	check(fcntl(fd, F_GETOWN) == getpid(), "F_GETOWN after F_SETOWN_EX",
	      "%d", fcntl(fd, F_GETOWN));
	check_errno(fcntl(fd, F_SETOWN, 999999), -1, ESRCH,
		    "F_SETOWN: a missing process ESRCH");
	ex = (struct f_owner_ex){7, getpid()};
	check_errno(fcntl(fd, F_SETOWN_EX, &ex), -1, EINVAL,
		    "F_SETOWN_EX: bad type EINVAL");
	check_errno(fcntl(fd, F_SETSIG, 65), -1, EINVAL, "F_SETSIG: 65 EINVAL");
	check(fcntl(fd, F_GETSIG) == 0, "F_GETSIG: 0 at first", "%d",
	      fcntl(fd, F_GETSIG));
	close(fd);
}

int main(void)
{
	snprintf(path, sizeof(path), "/tmp/kiln-locks-%d", getpid());
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0 || write(fd, "0123456789", 10) != 10)
		check(false, "create", "errno %d", errno);
	close(fd);
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	test_posix_conflicts();
	test_ranges();
	test_setlkw();
	test_eintr();
	test_deadlock();
	test_ofd();
	test_flock();
	test_errors();
	test_leases();
	test_owner();
	unlink(path);
	guest_exit("locks");
}
