// SPDX-License-Identifier: MIT
/*
 * POSIX timers on CPU-time clocks: timer_create on CLOCK_PROCESS_CPUTIME_ID,
 * CLOCK_THREAD_CPUTIME_ID and the ids of clock_getcpuclockid and
 * pthread_getcpuclockid. A timer fires (its sigevent's signal) once the
 * clock's CPU time has been used, in a busy loop that makes no syscall;
 * timer_gettime counts down with CPU time, not while sleeping; a thread's
 * clock runs only while that thread runs; an absolute setting is a CPU
 * time; a periodic one keeps firing. Clock reads of those ids, and the
 * errors Linux gives (a bad clock id, a thread of no one, clock_nanosleep
 * on the caller's thread clock). Bounds are generous (TCG is slow): only
 * "at least this much CPU time" and "fired / not yet fired" are checked.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

struct ksigevent {
	union sigval value;
	int signo;
	int notify;
	int tid;
	int pad[11];
};
#define K_SIGEV_SIGNAL	  0
#define K_SIGEV_NONE	  1
#define K_SIGEV_THREAD_ID 4
#define MS		  1000000LL
#define WALL_LIMIT	  (60 * 1000 * MS) /* give up a busy loop after */

static int k_timer_create(clockid_t c, int signo, int notify, int tid, int *id)
{
	struct ksigevent ev = {.signo = signo, .notify = notify, .tid = tid};

	ev.value.sival_int = 77;
	return syscall(SYS_timer_create, c, &ev, id);
}

static int k_settime(int id, int flags, int64_t value, int64_t interval)
{
	struct itimerspec it = {{interval / 1000000000, interval % 1000000000},
				{value / 1000000000, value % 1000000000}};
	return syscall(SYS_timer_settime, id, flags, &it, NULL);
}

static int64_t k_left(int id)
{
	struct itimerspec it;

	if (syscall(SYS_timer_gettime, id, &it))
		return -1;
	return ts_ns(&it.it_value);
}

static volatile sig_atomic_t fired, fired_value;
static volatile int64_t fired_cpu; /* process CPU time in the handler */
static volatile clockid_t fired_clock = CLOCK_PROCESS_CPUTIME_ID;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	struct timespec ts;

	clock_gettime(fired_clock, &ts);
	if (!fired)
		fired_cpu = ts_ns(&ts);
	fired_value = si->si_value.sival_int;
	fired++;
}

/* Use ns of the clock's CPU time in a busy loop. */
static void burn(clockid_t c, int64_t ns)
{
	int64_t end = now_ns(c) + ns;

	while (now_ns(c) < end)
		;
}

static void test_process(void)
{
	int id = -1;

	check_zero(k_timer_create(CLOCK_PROCESS_CPUTIME_ID, SIGUSR1,
				  K_SIGEV_SIGNAL, 0, &id),
		   "cputimers: timer_create CLOCK_PROCESS_CPUTIME_ID");
	check(k_left(id) == 0, "cputimers: a new timer is disarmed", "%lld",
	      (long long)k_left(id));
	fired = 0;
	int64_t start = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	check_zero(k_settime(id, 0, 50 * MS, 0), "cputimers: arm 50 ms");
	check(guest_spin_until(&fired, 1, WALL_LIMIT),
	      "cputimers: fires in a busy loop", "not within the wall limit");
	check(fired_cpu - start >= 50 * MS,
	      "cputimers: after at least 50 ms of CPU time", "%lld ns",
	      (long long)(fired_cpu - start));
	check(fired_value == 77, "cputimers: with the sigevent's value", "%d",
	      (int)fired_value);
	check(k_left(id) == 0, "cputimers: a one-shot is disarmed after",
	      "%lld", (long long)k_left(id));

	check_zero(k_settime(id, 0, 10000 * MS, 0), "cputimers: arm 10 s");
	int64_t l0 = k_left(id);
	burn(CLOCK_PROCESS_CPUTIME_ID, 30 * MS);
	int64_t l1 = k_left(id);
	check(l0 <= 10000 * MS && l1 <= l0 - 30 * MS && l1 > 0,
	      "cputimers: timer_gettime counts down with CPU time",
	      "%lld then %lld", (long long)l0, (long long)l1);
	usleep(300 * 1000);
	int64_t l2 = k_left(id);
	check(l2 > l1 - 250 * MS && l2 <= l1,
	      "cputimers: sleeping does not run it down", "%lld then %lld",
	      (long long)l1, (long long)l2);

	/* absolute: a CPU time on the clock */
	fired = 0;
	start = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	check_zero(k_settime(id, TIMER_ABSTIME, start + 40 * MS, 0),
		   "cputimers: arm at an absolute CPU time");
	check(guest_spin_until(&fired, 1, WALL_LIMIT) &&
		      fired_cpu >= start + 40 * MS,
	      "cputimers: fires once the clock passes it", "at %lld",
	      (long long)(fired_cpu - start));

	/* periodic */
	fired = 0;
	check_zero(k_settime(id, 0, 10 * MS, 10 * MS),
		   "cputimers: arm every 10 ms");
	burn(CLOCK_PROCESS_CPUTIME_ID, 200 * MS);
	k_settime(id, 0, 0, 0);
	int over = syscall(SYS_timer_getoverrun, id);
	check(fired >= 3 && fired + over <= 100,
	      "cputimers: a periodic timer keeps firing", "%d signals",
	      (int)fired);
	check_zero(syscall(SYS_timer_delete, id), "cputimers: delete");
}

static volatile int burner_tid, burner_stop;

static void *burner(void *arg)
{
	(void)arg;
	burner_tid = syscall(SYS_gettid);
	while (!burner_stop)
		;
	return NULL;
}

static void test_threads(void)
{
	pthread_t th;
	int tid_self = syscall(SYS_gettid), own = -1, proc = -1, other = -1;
	clockid_t other_clock, pid_clock;

	fired = 0;
	check_zero(k_timer_create(CLOCK_THREAD_CPUTIME_ID, SIGUSR1,
				  K_SIGEV_THREAD_ID, tid_self, &own),
		   "cputimers: timer_create CLOCK_THREAD_CPUTIME_ID");
	/* long: this thread sleeps, but under TCG its wakeups cost CPU */
	check_zero(k_settime(own, 0, 10000 * MS, 0),
		   "cputimers: arm the thread timer 10 s");
	check_zero(clock_getcpuclockid(0, &pid_clock),
		   "cputimers: clock_getcpuclockid");
	check_zero(k_timer_create(pid_clock, SIGUSR2, K_SIGEV_SIGNAL, 0, &proc),
		   "cputimers: timer_create on clock_getcpuclockid's id");
	check_zero(k_settime(proc, 0, 50 * MS, 0),
		   "cputimers: arm the process timer 50 ms");
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);

	pthread_create(&th, NULL, burner, NULL);
	while (!burner_tid)
		usleep(1000);
	check_zero(pthread_getcpuclockid(th, &other_clock),
		   "cputimers: pthread_getcpuclockid");
	check_zero(
		k_timer_create(other_clock, SIGUSR1, K_SIGEV_SIGNAL, 0, &other),
		"cputimers: timer_create on another thread's clock");
	/* its SIGUSR1 runs on the burner as it fires: the handler reads the
	 * burner's clock at once */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	fired_clock = other_clock;
	int64_t c0 = now_ns(other_clock);
	check_zero(k_settime(other, 0, 50 * MS, 0), "cputimers: arm it 50 ms");
	/* the burner runs, this thread sleeps: only its clock moves */
	int64_t end = now_ns(CLOCK_MONOTONIC) + WALL_LIMIT;
	while (!fired && now_ns(CLOCK_MONOTONIC) < end)
		usleep(20 * 1000);
	check(fired == 1, "cputimers: the other thread's timer fired",
	      "%d signals", (int)fired);
	/* not before: a timer armed while its thread runs on another CPU
	 * counts from the arming, not from that thread's last charge */
	check(fired_cpu - c0 >= 50 * MS,
	      "cputimers: its clock had run 50 ms when it fired", "%lld",
	      (long long)(fired_cpu - c0));
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	fired_clock = CLOCK_PROCESS_CPUTIME_ID;
	sigset_t pending;
	sigpending(&pending);
	check(sigismember(&pending, SIGUSR2),
	      "cputimers: the process timer fired too", "%s", "not pending");
	int64_t left = k_left(own);
	check(left > 9000 * MS,
	      "cputimers: this thread's timer ran down by its own time only",
	      "left %lld, thread clock %lld", (long long)left,
	      (long long)now_ns(CLOCK_THREAD_CPUTIME_ID));
	burner_stop = 1;
	pthread_join(th, NULL);
	fired = 0;
	check_zero(k_settime(own, 0, 50 * MS, 0),
		   "cputimers: arm the thread timer 50 ms");
	check(guest_spin_until(&fired, 1, WALL_LIMIT),
	      "cputimers: it fires once this thread spins",
	      "not within the wall limit");
	struct timespec zero = {0, 0};
	check(sigtimedwait(&usr2, NULL, &zero) == SIGUSR2,
	      "cputimers: its SIGUSR2 taken", "errno %d", errno);
	sigprocmask(SIG_UNBLOCK, &usr2, NULL);
	syscall(SYS_timer_delete, own);
	syscall(SYS_timer_delete, proc);
	syscall(SYS_timer_delete, other);
}

static void test_errors(void)
{
	int id;
	struct timespec ts = {0, 1000};

	check_errno(k_timer_create(-8 | 3, SIGUSR1, K_SIGEV_SIGNAL, 0, &id), -1,
		    EOPNOTSUPP, "cputimers: a clock fd's id is EOPNOTSUPP");
	check_errno(clock_gettime(-8 | 3, &ts), -1, EINVAL,
		    "cputimers: reading it (fd 0) is EINVAL");
	check_errno(k_timer_create(-8 | 7, SIGUSR1, K_SIGEV_SIGNAL, 0, &id), -1,
		    EINVAL, "cputimers: a thread clock of kind 3 is EINVAL");
	/* a thread clock of a tid that is no thread of ours */
	clockid_t none = (clockid_t)(~4194000u << 3 | 6);
	check_errno(k_timer_create(none, SIGUSR1, K_SIGEV_SIGNAL, 0, &id), -1,
		    EINVAL, "cputimers: a missing thread's clock is EINVAL");
	check_errno(clock_gettime(none, &ts), -1, EINVAL,
		    "cputimers: and reading it is EINVAL");
	check_errno(syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0,
			    &ts, NULL),
		    -1, EOPNOTSUPP,
		    "cputimers: clock_nanosleep on CLOCK_THREAD_CPUTIME_ID is "
		    "EOPNOTSUPP");
	clockid_t self;
	pthread_getcpuclockid(pthread_self(), &self);
	check_errno(syscall(SYS_clock_nanosleep, self, 0, &ts, NULL), -1,
		    EINVAL, "cputimers: on pthread_getcpuclockid(self) EINVAL");
	clockid_t pc;
	check(clock_getcpuclockid(getpid(), &pc) == 0 &&
		      clock_gettime(pc, &ts) == 0 && ts_ns(&ts) > 0,
	      "cputimers: clock_getcpuclockid(getpid()) reads", "%s", "");
}

int main(void)
{
	struct sigaction sa = {.sa_sigaction = on_sig, .sa_flags = SA_SIGINFO};

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGUSR1, &sa, NULL);
	test_process();
	test_threads();
	test_errors();
	guest_exit("cputimers");
}
