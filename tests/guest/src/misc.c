// SPDX-License-Identifier: MIT
/*
 * misc: calls with no better home, each checked by its effect.
 * set_tid_address returns the caller's tid and names the word the kernel
 * clears and futex-wakes when the thread exits (a clone(CLONE_VM) thread,
 * so the address space outlives it); get_robust_list returns the head
 * set_robust_list recorded, ours, another thread's, another process's; a
 * process that dies holding a process-shared robust mutex leaves it
 * EOWNERDEAD to its next locker, waiting or not (the kernel walks the
 * dead thread's robust list); getcpu names a CPU of our affinity mask and
 * node 0; getrandom fills the whole buffer, two draws differ, unknown
 * flags are EINVAL. The old entry points libcs no longer use, each by
 * number: time and gettimeofday agree with CLOCK_REALTIME, getrlimit
 * shows what setrlimit set (and prlimit64 agrees), signalfd reads a
 * pending signal, eventfd starts at its initial count.
 */
#define _GNU_SOURCE

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define FUTEX_WAIT 0

static char stack[65536] __attribute__((aligned(16)));
static volatile int tid_word = -1, child_tid_seen;

static int tid_thread(void *arg)
{
	(void)arg;
	child_tid_seen = (int)syscall(SYS_set_tid_address, &tid_word);
	syscall(SYS_exit, 0);
	return 0;
}

/* The thread's exit clears tid_word and wakes a FUTEX_WAIT on it. */
static void tid_address(void)
{
	unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES |
			      CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
	struct timespec ts = {.tv_sec = 5};
	bool timed_out = false;

	check(syscall(SYS_set_tid_address, NULL) == syscall(SYS_gettid),
	      "set_tid_address returns our tid", "%s", "");
	int tid = clone(tid_thread, stack + sizeof(stack), flags, NULL);
	int w;
	while (tid > 0 && (w = __atomic_load_n(&tid_word, __ATOMIC_SEQ_CST))) {
		long r = syscall(SYS_futex, &tid_word, FUTEX_WAIT, w, &ts);
		if (r == -1 && errno == ETIMEDOUT) {
			timed_out = true;
			break;
		}
	}
	check(tid > 0 && !timed_out && tid_word == 0,
	      "set_tid_address: the word is cleared and woken at exit",
	      "tid %d word %d timed out %d", tid, tid_word, timed_out);
	check(child_tid_seen == tid, "set_tid_address: the thread's tid",
	      "%d vs %d", child_tid_seen, tid);
}

struct robust_head {
	void *list;
	long futex_offset;
	void *pending;
};

/* get_robust_list returns what set_robust_list recorded; libc's is put
 * back after. */
static void robust_list(void)
{
	struct robust_head mine = {&mine, 0, NULL};
	void *old = NULL, *got = NULL;
	size_t old_len = 0, len = 0;

	check(!syscall(SYS_get_robust_list, 0, &old, &old_len) &&
		      old_len == sizeof(mine),
	      "get_robust_list: the length is the head's", "%zu", old_len);
	check_zero(syscall(SYS_set_robust_list, &mine, sizeof(mine)),
		   "set_robust_list");
	check(!syscall(SYS_get_robust_list, 0, &got, &len) && got == &mine &&
		      len == sizeof(mine),
	      "get_robust_list returns the new head", "%p %zu", got, len);
	check_errno(syscall(SYS_set_robust_list, &mine, sizeof(mine) - 1), -1,
		    EINVAL, "set_robust_list of a bad length: EINVAL");
	syscall(SYS_set_robust_list, old, sizeof(mine));
}

static struct robust_head theirs = {&theirs, 0, NULL};
static volatile int other_tid, other_stop;

static void *robust_thread(void *arg)
{
	void *old = NULL;
	size_t len;

	(void)arg;
	syscall(SYS_get_robust_list, 0, &old, &len);
	syscall(SYS_set_robust_list, &theirs, sizeof(theirs));
	other_tid = (int)syscall(SYS_gettid);
	while (!other_stop)
		usleep(1000);
	syscall(SYS_set_robust_list, old, sizeof(theirs));
	return NULL;
}

/* get_robust_list of another thread and of another process. */
static void robust_list_other(void)
{
	pthread_t th;
	void *got = NULL;
	size_t len = 0;
	int p[2];
	char c;

	pthread_create(&th, NULL, robust_thread, NULL);
	while (!other_tid)
		usleep(1000);
	check(!syscall(SYS_get_robust_list, other_tid, &got, &len) &&
		      got == &theirs,
	      "get_robust_list of another thread", "%p errno %d", got, errno);
	other_stop = 1;
	pthread_join(th, NULL);

	if (pipe(p))
		return;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		syscall(SYS_set_robust_list, &theirs, sizeof(theirs));
		write(p[1], "r", 1);
		for (;;)
			pause();
	}
	read(p[0], &c, 1);
	got = NULL;
	check(!syscall(SYS_get_robust_list, pid, &got, &len) && got == &theirs,
	      "get_robust_list of another process", "%p errno %d", got, errno);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
}

/* Lock m in a child that exits holding it: with waiting, 200 ms later
 * (the parent is waiting for m by then); else at once, reaped here. */
static pid_t child_dies_holding(pthread_mutex_t *m, bool waiting)
{
	int p[2];
	char c;

	if (pipe(p))
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(m);
		write(p[1], "l", 1);
		if (waiting)
			usleep(200000);
		_exit(0);
	}
	read(p[0], &c, 1);
	close(p[0]);
	close(p[1]);
	if (!waiting)
		waitpid(pid, NULL, 0);
	return pid;
}

/* The next locker of a robust mutex whose owner died gets EOWNERDEAD,
 * whether it was already waiting (the kernel wakes it) or comes later;
 * pthread_mutex_consistent makes the mutex usable again. */
static void robust_mutex(void)
{
	pthread_mutex_t *m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(m, &a);
	for (int waiting = 0; waiting < 2; waiting++) {
		pid_t pid = child_dies_holding(m, waiting);
		struct timespec ts = deadline_after(CLOCK_REALTIME, 3000000000);
		int r = pthread_mutex_timedlock(m, &ts);
		check(r == EOWNERDEAD,
		      waiting ? "robust mutex: a waiter gets EOWNERDEAD"
			      : "robust mutex: the next locker gets EOWNERDEAD",
		      "%d (%s)", r, strerror(r));
		if (r == EOWNERDEAD)
			check_zero(pthread_mutex_consistent(m),
				   "robust mutex: consistent");
		if (r == EOWNERDEAD || r == 0)
			pthread_mutex_unlock(m);
		else
			break; /* m stays held by the dead child: no more */
		if (waiting)
			waitpid(pid, NULL, 0);
	}
	int r = pthread_mutex_trylock(m);
	check(r == 0, "robust mutex: usable after", "%d", r);
	if (!r)
		pthread_mutex_unlock(m);
}

static void cpu_number(void)
{
	unsigned cpu = ~0u, node = ~0u;
	cpu_set_t set;

	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof(set), &set);
	long r = syscall(SYS_getcpu, &cpu, &node, NULL);
	check(r == 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set) && node == 0,
	      "getcpu: a CPU of our affinity mask, node 0",
	      "ret %ld cpu %u node %u", r, cpu, node);
	check_zero(syscall(SYS_getcpu, NULL, NULL, NULL), "getcpu: NULLs");
}

static bool all_zero(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void random_bytes(void)
{
	unsigned char a[64] = {0}, b[64] = {0};

	long ra = syscall(SYS_getrandom, a, sizeof(a), 0);
	long rb = syscall(SYS_getrandom, b, sizeof(b), 1 /* GRND_NONBLOCK */);
	check(ra == 64 && rb == 64, "getrandom: the whole buffer", "%ld %ld",
	      ra, rb);
	check(!all_zero(a, 32) && !all_zero(a + 32, 32) && !all_zero(b, 64) &&
		      memcmp(a, b, sizeof(a)),
	      "getrandom: filled, two draws differ", "%s", "");
	check(syscall(SYS_getrandom, a, 0, 0) == 0, "getrandom of 0 bytes",
	      "%s", "");
	check_errno(syscall(SYS_getrandom, a, 8, 0x40), -1, EINVAL,
		    "getrandom: unknown flag EINVAL");
	check_errno(syscall(SYS_getrandom, (void *)8, 8, 0), -1, EFAULT,
		    "getrandom: bad buffer EFAULT");
}

static void old_clocks(void)
{
	long t = 0;
	struct timeval tv = {0};
	int64_t real = now_ns(CLOCK_REALTIME) / 1000000000;

	long r = syscall(SYS_time, &t);
	check(r == t && r >= real && r <= real + 2,
	      "time: the realtime seconds, also through the pointer",
	      "%ld %ld vs %lld", r, t, (long long)real);
	check(syscall(SYS_time, NULL) >= real, "time(NULL)", "%s", "");
	r = syscall(SYS_gettimeofday, &tv, NULL);
	int64_t us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	int64_t now_us = now_ns(CLOCK_REALTIME) / 1000;
	check(r == 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000 &&
		      us <= now_us && now_us - us < 2000000,
	      "gettimeofday agrees with CLOCK_REALTIME", "%ld %lld vs %lld", r,
	      (long long)us, (long long)now_us);
}

struct krlimit {
	unsigned long cur, max;
};

/* 0 if every step held, else the step that failed. */
static int rlimit_steps(void)
{
	struct krlimit set = {100, 200}, got = {0, 0}, bad = {300, 200};
	struct rlimit pr;

	if (syscall(SYS_setrlimit, RLIMIT_NOFILE, &set))
		return 1;
	if (syscall(SYS_getrlimit, RLIMIT_NOFILE, &got) || got.cur != 100 ||
	    got.max != 200)
		return 2;
	if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &pr) ||
	    pr.rlim_cur != 100 || pr.rlim_max != 200)
		return 3;
	if (syscall(SYS_setrlimit, RLIMIT_NOFILE, &bad) != -1 ||
	    errno != EINVAL)
		return 4;
	set.cur = set.max = 0;
	if (syscall(SYS_setrlimit, RLIMIT_CORE, &set) ||
	    syscall(SYS_getrlimit, RLIMIT_CORE, &got) || got.cur || got.max)
		return 5;
	if (syscall(SYS_getrlimit, 99, &got) != -1 || errno != EINVAL)
		return 6;
	return 0;
}

/* In a child, so that our own limits stay. */
static void old_rlimits(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(rlimit_steps());
	int st = -1;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "setrlimit, getrlimit: the limits set are read back", "step %d",
	      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void old_fds(void)
{
	sigset_t set;
	struct signalfd_siginfo si = {0};
	uint64_t v = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int fd = syscall(SYS_signalfd, -1, &set, 8);
	raise(SIGUSR1);
	ssize_t n = fd >= 0 ? read(fd, &si, sizeof(si)) : -1;
	check(n == sizeof(si) && si.ssi_signo == SIGUSR1,
	      "signalfd: reads the pending signal", "fd %d n %zd signo %u", fd,
	      n, si.ssi_signo);
	if (fd >= 0)
		close(fd);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	fd = syscall(SYS_eventfd, 5);
	n = fd >= 0 ? read(fd, &v, 8) : -1;
	check(n == 8 && v == 5, "eventfd: its initial count", "fd %d %zd %llu",
	      fd, n, (unsigned long long)v);
	v = 3;
	check(fd >= 0 && write(fd, &v, 8) == 8 && read(fd, &v, 8) == 8 &&
		      v == 3 && !(fcntl(fd, F_GETFL) & O_NONBLOCK),
	      "eventfd: counts, blocking", "%llu", (unsigned long long)v);
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	tid_address();
	robust_list();
	robust_list_other();
	robust_mutex();
	cpu_number();
	random_bytes();
	old_clocks();
	old_rlimits();
	old_fds();
	guest_exit("misc");
}
