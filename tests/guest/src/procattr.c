// SPDX-License-Identifier: MIT
/*
 * Per-process attributes: personality(2) (stored, inherited, and
 * STICKY_TIMEOUTS keeping select's timeout), ioprio_get/set (classes,
 * errors, inheritance, permission, process groups), kcmp (files, address
 * spaces, fd tables across fork and CLONE_VM) and sysfs(2) with
 * /proc/filesystems; process_vm_readv/writev between a parent and a
 * child; unshare (what every Linux agrees on: a single-threaded process,
 * SEM_UNDO applied by CLONE_SYSVSEM, the privilege checks). Every check would
 * fail if the call did nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <pthread.h>
#include <unistd.h>

#include "guest.h"

#define IOPRIO(class, data) ((class) << 13 | (data))
#define KCMP_FILE	    0
#define KCMP_VM		    1
#define KCMP_FILES	    2

static long ioprio_get(int which, int who)
{
	return syscall(SYS_ioprio_get, which, who);
}

static long ioprio_set(int which, int who, int prio)
{
	return syscall(SYS_ioprio_set, which, who, prio);
}

static long kcmp(int p1, int p2, int type, long i1, long i2)
{
	return syscall(SYS_kcmp, p1, p2, type, i1, i2);
}

/* Run fn in a child; its exit status (0: its checks passed). */
static int in_child(int (*fn)(void))
{
	fflush(stdout);
	int pid = fork();
	if (pid == 0)
		_exit(fn());
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static int child_personality(void)
{
	return personality(0xffffffff) == ADDR_NO_RANDOMIZE ? 0 : 1;
}

static void check_child(int (*fn)(void), const char *what)
{
	int st = in_child(fn);

	check(st == 0, what, "child status %d", st);
}

static void personality_checks(void)
{
	check(personality(0xffffffff) == PER_LINUX, "personality: PER_LINUX",
	      "got %#x", personality(0xffffffff));
	int old = personality(ADDR_NO_RANDOMIZE);
	check(old == PER_LINUX, "personality: set returns the old one",
	      "got %#x", old);
	check(personality(0xffffffff) == ADDR_NO_RANDOMIZE,
	      "personality: stored", "got %#x", personality(0xffffffff));
	check_child(child_personality, "personality: a child inherits it");
	personality(PER_LINUX);

	/* select leaves its timeout alone under STICKY_TIMEOUTS only (the
	 * raw call: musl's select passes the kernel a copy) */
	struct timeval tv = {0, 20000};
	fd_set r;
	FD_ZERO(&r);
	personality(PER_LINUX | STICKY_TIMEOUTS);
	int n = syscall(SYS_select, 0, &r, NULL, NULL, &tv);
	check(n == 0 && tv.tv_sec == 0 && tv.tv_usec == 20000,
	      "personality: STICKY_TIMEOUTS keeps select's timeout",
	      "n %d tv %ld.%06ld", n, (long)tv.tv_sec, (long)tv.tv_usec);
	personality(PER_LINUX);
	tv = (struct timeval){0, 20000};
	n = syscall(SYS_select, 0, &r, NULL, NULL, &tv);
	check(n == 0 && tv.tv_usec < 20000,
	      "personality: select updates the timeout otherwise",
	      "n %d tv %ld.%06ld", n, (long)tv.tv_sec, (long)tv.tv_usec);
}

static int child_ioprio(void)
{
	return ioprio_get(1, 0) == IOPRIO(3, 7) ? 0 : 1;
}

/* As nobody: may not change a root process's I/O priority. */
static int child_ioprio_nobody(void)
{
	if (setuid(65534))
		return 2;
	errno = 0;
	long r = ioprio_set(1, getppid(), IOPRIO(2, 1));
	return r == -1 && errno == EPERM ? 0 : 1;
}

/* Alone in a new process group: the group's value is its own; with a
 * second member whose value is unset, the best of the two counts an
 * unset value as best-effort level 4. */
static int child_ioprio_pgrp(void)
{
	if (setpgid(0, 0) || ioprio_set(1, 0, IOPRIO(3, 0)))
		return 2;
	if (ioprio_get(2, 0) != IOPRIO(3, 0))
		return 3;
	int p[2];
	if (pipe(p))
		return 2;
	int pid = fork();
	if (pid == 0) {
		char c;
		ioprio_set(1, 0, IOPRIO(0, 0));
		close(p[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	/* wait until the member has reset its value */
	for (int i = 0; i < 2000 && ioprio_get(1, pid) != 0; i++)
		usleep(1000);
	long best = ioprio_get(2, 0);
	close(p[1]);
	waitpid(pid, NULL, 0);
	return best == IOPRIO(2, 4) ? 0 : 4;
}

static void ioprio_checks(void)
{
	check(ioprio_get(1, 0) == 0, "ioprio: unset reads as NONE", "got %ld",
	      ioprio_get(1, 0));
	check_zero(ioprio_set(1, 0, IOPRIO(2, 3)), "ioprio: set BE 3");
	check(ioprio_get(1, getpid()) == IOPRIO(2, 3), "ioprio: read back",
	      "got %#lx", ioprio_get(1, getpid()));
	check_zero(ioprio_set(1, 0, IOPRIO(1, 0)), "ioprio: root sets RT");
	check(ioprio_get(1, 0) == IOPRIO(1, 0), "ioprio: RT read back",
	      "got %#lx", ioprio_get(1, 0));
	check_zero(ioprio_set(1, 0, IOPRIO(3, 7)), "ioprio: set IDLE 7");
	check_child(child_ioprio, "ioprio: a child inherits it");
	check_errno(ioprio_set(1, 0, IOPRIO(0, 1)), -1, EINVAL,
		    "ioprio: NONE with a level EINVAL");
	check_errno(ioprio_set(1, 0, IOPRIO(4, 0)), -1, EINVAL,
		    "ioprio: class 4 EINVAL");
	check_errno(ioprio_set(4, 0, IOPRIO(2, 0)), -1, EINVAL,
		    "ioprio: set which 4 EINVAL");
	check_errno(ioprio_get(0, 0), -1, EINVAL, "ioprio: get which 0 EINVAL");
	check_errno(ioprio_get(1, 999999), -1, ESRCH,
		    "ioprio: get a missing pid ESRCH");
	check_errno(ioprio_set(1, 999999, 0), -1, ESRCH,
		    "ioprio: set a missing pid ESRCH");
	check_child(child_ioprio_nobody,
		    "ioprio: nobody may not change root's EPERM");
	check(ioprio_get(1, 0) == IOPRIO(3, 7), "ioprio: unchanged by nobody",
	      "got %#lx", ioprio_get(1, 0));
	check_child(child_ioprio_pgrp, "ioprio: process groups");
	check_zero(ioprio_set(1, 0, IOPRIO(0, 0)), "ioprio: reset to NONE");
	check(ioprio_get(1, 0) == 0, "ioprio: NONE again", "got %#lx",
	      ioprio_get(1, 0));
}

static int shared_vm_child(void *arg)
{
	(void)arg;
	pause();
	return 0;
}

static void kcmp_checks(void)
{
	int me = getpid();
	int a = open("/proc/self/stat", O_RDONLY);
	int b = dup(a);
	int c = open("/proc/self/stat", O_RDONLY);

	check(kcmp(me, me, KCMP_FILE, a, b) == 0,
	      "kcmp: a dup is the same file", "r %ld errno %d",
	      kcmp(me, me, KCMP_FILE, a, b), errno);
	long r = kcmp(me, me, KCMP_FILE, a, c);
	check(r == 1 || r == 2, "kcmp: another open is another file", "r %ld",
	      r);
	r = kcmp(me, me, KCMP_VM, 0, 0);
	check(r == 0, "kcmp: own address space", "r %ld", r);

	int p[2];
	if (pipe(p))
		return;
	int pid = fork();
	if (pid == 0) {
		char ch;
		close(p[1]);
		read(p[0], &ch, 1);
		_exit(0);
	}
	check(kcmp(me, pid, KCMP_FILE, a, a) == 0,
	      "kcmp: a child's inherited fd is the same file", "r %ld",
	      kcmp(me, pid, KCMP_FILE, a, a));
	r = kcmp(me, pid, KCMP_VM, 0, 0);
	check(r == 1 || r == 2, "kcmp: a fork has its own address space",
	      "r %ld", r);
	r = kcmp(me, pid, KCMP_FILES, 0, 0);
	check(r == 1 || r == 2, "kcmp: a fork has its own fd table", "r %ld",
	      r);
	check_errno(kcmp(me, pid, KCMP_FILE, a, 999), -1, EBADF,
		    "kcmp: a closed fd EBADF");
	check_errno(kcmp(me, pid, 8, 0, 0), -1, EINVAL, "kcmp: type 8 EINVAL");
	check_errno(kcmp(me, pid, -1, 0, 0), -1, EINVAL,
		    "kcmp: type -1 EINVAL");
	check_errno(kcmp(me, 999999, KCMP_FILE, a, a), -1, ESRCH,
		    "kcmp: a missing pid ESRCH");
	close(p[1]);
	close(p[0]);
	waitpid(pid, NULL, 0);

	/* a CLONE_VM child (not a thread) shares the address space only */
	static char stack[64 * 1024] __attribute__((aligned(16)));
	pid = clone(shared_vm_child, stack + sizeof(stack), CLONE_VM | SIGCHLD,
		    NULL);
	check(pid > 0, "kcmp: clone CLONE_VM", "errno %d", errno);
	if (pid > 0) {
		check(kcmp(me, pid, KCMP_VM, 0, 0) == 0,
		      "kcmp: CLONE_VM shares the address space", "r %ld",
		      kcmp(me, pid, KCMP_VM, 0, 0));
		r = kcmp(me, pid, KCMP_FILES, 0, 0);
		check(r == 1 || r == 2,
		      "kcmp: CLONE_VM alone does not share fds", "r %ld", r);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close(a);
	close(b);
	close(c);
}

static void sysfs_checks(void)
{
	char buf[64];
	const char *names[] = {"sysfs", "tmpfs", "proc"};

	for (int i = 0; i < 3; i++) {
		long r = syscall(SYS_sysfs, 1, names[i]);
		check(r == i, "sysfs: index of a type", "%s: %ld errno %d",
		      names[i], r, errno);
		memset(buf, 0, sizeof(buf));
		r = syscall(SYS_sysfs, 2, i, buf);
		check(r == 0 && !strcmp(buf, names[i]),
		      "sysfs: name at an index", "%d: %ld '%s'", i, r, buf);
	}
	long n = syscall(SYS_sysfs, 3);
	check(n >= 3, "sysfs: count", "%ld", n);
	check_errno(syscall(SYS_sysfs, 1, "ext0"), -1, EINVAL,
		    "sysfs: unknown type EINVAL");
	check_errno(syscall(SYS_sysfs, 2, 1000, buf), -1, EINVAL,
		    "sysfs: index past the end EINVAL");
	check_errno(syscall(SYS_sysfs, 4), -1, EINVAL,
		    "sysfs: option 4 EINVAL");
	check_errno(syscall(SYS_sysfs, 1, (char *)1), -1, EFAULT,
		    "sysfs: bad name EFAULT");
	check_errno(syscall(SYS_sysfs, 2, 0, (char *)1), -1, EFAULT,
		    "sysfs: bad buffer EFAULT");

	FILE *f = fopen("/proc/filesystems", "r");
	char line[128];
	int seen = 0;
	while (f && fgets(line, sizeof(line), f))
		seen += !strcmp(line, "nodev\ttmpfs\n") ||
			!strcmp(line, "nodev\tproc\n");
	if (f)
		fclose(f);
	check(seen == 2, "sysfs: /proc/filesystems lists tmpfs and proc",
	      "seen %d", seen);
}

static char vmbuf[2][64]; /* the same addresses in parent and child */

static long vm_rw(int pid, struct iovec *l, int nl, struct iovec *r, int nr,
		  long flags, bool write)
{
	return syscall(write ? SYS_process_vm_writev : SYS_process_vm_readv,
		       pid, l, nl, r, nr, flags);
}

/* As nobody: may not read a root process's memory. */
static int child_vm_nobody(void)
{
	char b[8];
	struct iovec l = {b, sizeof(b)}, r = {vmbuf[0], sizeof(b)};

	if (setuid(65534))
		return 2;
	errno = 0;
	long n = vm_rw(getppid(), &l, 1, &r, 1, 0, false);
	return n == -1 && errno == EPERM ? 0 : 1;
}

static void vm_rw_checks(void)
{
	int go[2], done[2];
	char *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	strcpy(vmbuf[0], "parent zero");
	strcpy(vmbuf[1], "parent one");
	strcpy(ro, "read-only");
	if (pipe(go) || pipe(done) || ro == MAP_FAILED)
		return;
	fflush(stdout);
	int pid = fork();
	if (pid == 0) {
		char c;
		strcpy(vmbuf[0], "child zero");
		strcpy(vmbuf[1], "child one");
		mprotect(ro, 4096, PROT_READ);
		write(go[1], "r", 1);
		read(done[0], &c, 1); /* the parent wrote */
		_exit(!strcmp(vmbuf[0], "CHILD-0") &&
				      !strcmp(vmbuf[1], "CHILD-1")
			      ? 0
			      : 1);
	}
	char c, a[16] = {0}, b[16] = {0};
	read(go[0], &c, 1);

	struct iovec l[2] = {{a, 11}, {b, 9}};
	struct iovec r[2] = {{vmbuf[0], 11}, {vmbuf[1], 9}};
	long n = vm_rw(pid, l, 2, r, 2, 0, false);
	check(n == 20 && !strcmp(a, "child zero") && !strcmp(b, "child one"),
	      "process_vm: readv reads the child's copy", "n %ld '%s' '%s'", n,
	      a, b);
	/* one local buffer across two remote ranges */
	char all[32] = {0};
	struct iovec one = {all, 20};
	n = vm_rw(pid, &one, 1, r, 2, 0, false);
	check(n == 20 && !memcmp(all, "child zero\0child one", 20),
	      "process_vm: readv gathers remote ranges", "n %ld", n);
	/* a remote range that cannot be read ends the transfer */
	struct iovec bad[2] = {{vmbuf[0], 11}, {(void *)16, 9}};
	n = vm_rw(pid, l, 2, bad, 2, 0, false);
	check(n == 11, "process_vm: short at an unmapped remote range",
	      "n %ld errno %d", n, errno);
	check_errno(vm_rw(pid, l, 1, bad + 1, 1, 0, false), -1, EFAULT,
		    "process_vm: nothing readable EFAULT");
	struct iovec rol = {(void *)"X", 1}, ror = {ro, 1};
	check_errno(vm_rw(pid, &rol, 1, &ror, 1, 0, true), -1, EFAULT,
		    "process_vm: writev to a read-only page EFAULT");
	check_errno(vm_rw(pid, l, 1, r, 1, 1, false), -1, EINVAL,
		    "process_vm: flags EINVAL");
	check_errno(vm_rw(999999, l, 1, r, 1, 0, false), -1, ESRCH,
		    "process_vm: a missing pid ESRCH");
	struct iovec empty = {a, 0};
	check(vm_rw(999999, &empty, 1, r, 1, 0, false) == 0,
	      "process_vm: nothing to move is 0 before the pid", "errno %d",
	      errno);
	struct iovec badl = {(void *)16, 4};
	check_errno(vm_rw(pid, &badl, 1, r, 1, 0, false), -1, EFAULT,
		    "process_vm: a bad local buffer EFAULT");
	check_child(child_vm_nobody, "process_vm: nobody reading root EPERM");

	/* writes land in the child's copy only (copy-on-write broken) */
	struct iovec w[2] = {{(void *)"CHILD-0", 8}, {(void *)"CHILD-1", 8}};
	struct iovec wr[2] = {{vmbuf[0], 8}, {vmbuf[1], 8}};
	n = vm_rw(pid, w, 2, wr, 2, 0, true);
	check(n == 16, "process_vm: writev", "n %ld errno %d", n, errno);
	write(done[1], "w", 1);
	int st = 0;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "process_vm: the child sees the writes", "status %#x", st);
	check(!strcmp(vmbuf[0], "parent zero") && !strcmp(ro, "read-only"),
	      "process_vm: the parent's copy is untouched", "'%s'", vmbuf[0]);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	munmap(ro, 4096);
}

/* As nobody: new namespaces need CAP_SYS_ADMIN. */
static int child_unshare_nobody(void)
{
	if (setuid(65534))
		return 2;
	errno = 0;
	if (unshare(CLONE_NEWNS) != -1 || errno != EPERM)
		return 1;
	errno = 0;
	return unshare(CLONE_NEWUTS) == -1 && errno == EPERM ? 0 : 3;
}

/* Root in a single-threaded child: a new mount namespace. */
static int child_unshare_ns(void)
{
	return unshare(CLONE_NEWNS) == 0 && access("/proc/self/stat", R_OK) == 0
		       ? 0
		       : 1;
}

static void *idle_thread(void *arg)
{
	pause();
	return arg;
}

/* With a second thread: no private address space. */
static int child_unshare_threads(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, idle_thread, NULL))
		return 2;
	errno = 0;
	return unshare(CLONE_VM) == -1 && errno == EINVAL ? 0 : 1;
}

static void unshare_checks(void)
{
	check_zero(unshare(0), "unshare: nothing");
	check_errno(unshare(1), -1, EINVAL, "unshare: unknown flag EINVAL");
	int fd = open("/proc/self/stat", O_RDONLY);
	check_zero(unshare(CLONE_FILES), "unshare: CLONE_FILES alone");
	check(fcntl(fd, F_GETFD) >= 0, "unshare: fds kept", "errno %d", errno);
	close(fd);
	check_zero(unshare(CLONE_FS), "unshare: CLONE_FS alone");
	check_zero(unshare(CLONE_VM | CLONE_SIGHAND),
		   "unshare: CLONE_VM single-threaded");

	int id = semget(IPC_PRIVATE, 1, 0600);
	struct sembuf up = {0, 3, SEM_UNDO};
	check(id >= 0 && semop(id, &up, 1) == 0 && semctl(id, 0, GETVAL) == 3,
	      "unshare: SEM_UNDO semop", "id %d errno %d", id, errno);
	check_zero(unshare(CLONE_SYSVSEM), "unshare: CLONE_SYSVSEM");
	check(semctl(id, 0, GETVAL) == 0,
	      "unshare: CLONE_SYSVSEM applies the undo", "val %d",
	      semctl(id, 0, GETVAL));
	semctl(id, 0, IPC_RMID);
	check_child(child_unshare_nobody, "unshare: namespaces need privilege");
	check_child(child_unshare_ns, "unshare: CLONE_NEWNS as root");
	check_child(child_unshare_threads,
		    "unshare: CLONE_VM with threads EINVAL");
}

/* As nobody: joining even one's own net namespace needs CAP_SYS_ADMIN. */
static int child_setns_nobody(void)
{
	int net = open("/proc/self/ns/net", O_RDONLY);
	if (net < 0 || setuid(65534))
		return 2;
	errno = 0;
	return setns(net, CLONE_NEWNET) == -1 && errno == EPERM ? 0 : 1;
}

/* setns into the namespaces one is in (all Kiln has). */
static void setns_checks(void)
{
	int net = open("/proc/self/ns/net", O_RDONLY),
	    uts = open("/proc/self/ns/uts", O_RDONLY),
	    user = open("/proc/self/ns/user", O_RDONLY),
	    root = open("/", O_RDONLY);

	check(net >= 0 && uts >= 0 && user >= 0 && root >= 0,
	      "setns: open the ns files", "errno %d", errno);
	check_errno(setns(-1, 0), -1, EBADF, "setns: bad fd EBADF");
	check_errno(setns(root, 0), -1, EINVAL, "setns: not an ns file EINVAL");
	check_errno(setns(root, CLONE_NEWNET), -1, EINVAL,
		    "setns: a directory as CLONE_NEWNET EINVAL");
	check_zero(setns(net, CLONE_NEWNET), "setns: own net namespace");
	check_zero(setns(net, 0), "setns: own net namespace, any type");
	check_errno(setns(net, CLONE_NEWUTS), -1, EINVAL,
		    "setns: net file as CLONE_NEWUTS EINVAL");
	check_zero(setns(uts, CLONE_NEWUTS), "setns: own uts namespace");
	check_errno(setns(user, CLONE_NEWUSER), -1, EINVAL,
		    "setns: own user namespace EINVAL");
	check_child(child_setns_nobody, "setns: needs privilege");
	close(net);
	close(uts);
	close(user);
	close(root);
}

static int child_sched_batch(void)
{
	return syscall(SYS_sched_getscheduler, 0) == SCHED_BATCH ? 0 : 1;
}

static int child_sched_reset(void)
{
	return syscall(SYS_sched_getscheduler, 0) == SCHED_IDLE ? 0 : 1;
}

static long setsched(int pid, int policy, struct sched_param *sp);

/* As nobody: no real-time policy, and not root's process. */
static int child_sched_nobody(void)
{
	struct sched_param sp;
	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = 10;
	if (setuid(65534))
		return 2;
	errno = 0;
	if (setsched(0, SCHED_FIFO, &sp) != -1 || errno != EPERM)
		return 1;
	sp.sched_priority = 0;
	errno = 0;
	return setsched(getppid(), SCHED_OTHER, &sp) == -1 && errno == EPERM
		       ? 0
		       : 3;
}

/* The raw calls: musl's wrappers are ENOSYS stubs. */
static long setsched(int pid, int policy, struct sched_param *sp)
{
	return syscall(SYS_sched_setscheduler, pid, policy, sp);
}

static void sched_checks(void)
{
	struct sched_param sp;

	memset(&sp, 0, sizeof(sp));
	check(syscall(SYS_sched_getscheduler, 0) == SCHED_OTHER,
	      "sched: SCHED_OTHER at first", "%s", "");
	check_zero(setsched(0, SCHED_BATCH, &sp), "sched: set SCHED_BATCH");
	check(syscall(SYS_sched_getscheduler, getpid()) == SCHED_BATCH,
	      "sched: SCHED_BATCH read back", "%s", "");
	check_child(child_sched_batch, "sched: a child inherits it");
	check_zero(setsched(0, SCHED_IDLE | SCHED_RESET_ON_FORK, &sp),
		   "sched: SCHED_IDLE with SCHED_RESET_ON_FORK");
	check(syscall(SYS_sched_getscheduler, 0) ==
		      (SCHED_IDLE | SCHED_RESET_ON_FORK),
	      "sched: the flag is reported", "%s", "");
	check_child(child_sched_reset, "sched: the child drops the flag");
	check_zero(syscall(SYS_sched_setparam, 0, &sp),
		   "sched: sched_setparam 0");
	sp.sched_priority = 7;
	check(syscall(SYS_sched_getparam, 0, &sp) == 0 &&
		      sp.sched_priority == 0,
	      "sched: sched_getparam 0", "priority %d", sp.sched_priority);
	check_errno(syscall(SYS_sched_getparam, 0, NULL), -1, EINVAL,
		    "sched: sched_getparam NULL EINVAL");
	sp.sched_priority = 5;
	check_errno(syscall(SYS_sched_setparam, 0, &sp), -1, EINVAL,
		    "sched: a priority for SCHED_IDLE EINVAL");
	check_errno(setsched(0, SCHED_OTHER, &sp), -1, EINVAL,
		    "sched: a priority for SCHED_OTHER EINVAL");
	sp.sched_priority = 0;
	check_errno(setsched(0, 4, &sp), -1, EINVAL, "sched: policy 4 EINVAL");
	check_errno(setsched(-1, SCHED_OTHER, &sp), -1, EINVAL,
		    "sched: pid -1 EINVAL");
	check_errno(setsched(0, SCHED_OTHER, NULL), -1, EINVAL,
		    "sched: NULL param EINVAL");
	check_errno(setsched(999999, SCHED_OTHER, &sp), -1, ESRCH,
		    "sched: a missing pid ESRCH");
	check_child(child_sched_nobody, "sched: nobody EPERM");
	check_zero(setsched(0, SCHED_OTHER, &sp), "sched: back to SCHED_OTHER");
}

int main(void)
{
	personality_checks();
	ioprio_checks();
	kcmp_checks();
	sysfs_checks();
	vm_rw_checks();
	unshare_checks();
	setns_checks();
	sched_checks();
	guest_exit("procattr");
}
