// SPDX-License-Identifier: MIT
/*
 * Timers that signal: alarm, setitimer/getitimer (ITIMER_REAL, and
 * ITIMER_VIRTUAL and ITIMER_PROF, which run on the process's user time and
 * on its user and system time: sleeping does not run them down), the user
 * and system split of getrusage they rest on, and the
 * timer_create family through raw syscalls (so both C libraries ask the
 * kernel the same thing): SIGEV_SIGNAL with its siginfo (SI_TIMER, the
 * value, the overrun count of a blocked periodic timer), SIGEV_THREAD_ID,
 * TIMER_ABSTIME on CLOCK_REALTIME, gettime and delete, what fork and exec
 * keep (alarm survives exec, POSIX timers do not, fork inherits neither),
 * and the errors Linux gives for bad arguments.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

/* The kernel's struct sigevent (not the C library's). */
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

static int k_timer_create(clockid_t c, struct ksigevent *ev, int *id)
{
	return syscall(SYS_timer_create, c, ev, id);
}

static int k_timer_settime(int id, int flags, const struct itimerspec *n,
			   struct itimerspec *o)
{
	return syscall(SYS_timer_settime, id, flags, n, o);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void test_alarm(void)
{
	signal(SIGALRM, on_alarm);
	check(alarm(5) == 0, "itimers: alarm returns 0 when none was set",
	      "not 0");
	unsigned left = alarm(0);
	check(left == 5, "itimers: alarm returns what was left", "%u", left);
	alarms = 0;
	alarm(1);
	pause();
	check(alarms == 1, "itimers: alarm delivers SIGALRM", "%d",
	      (int)alarms);
}

static void test_setitimer(void)
{
	struct itimerval v = {{0, 50000}, {0, 50000}}, old, cur;

	alarms = 0;
	check_zero(setitimer(ITIMER_REAL, &v, NULL), "itimers: setitimer");
	check_zero(getitimer(ITIMER_REAL, &cur), "itimers: getitimer");
	check(cur.it_interval.tv_usec == 50000 && cur.it_value.tv_sec == 0 &&
		      cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 50000,
	      "itimers: getitimer shows the timer", "%ld.%06ld every %ld us",
	      (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec,
	      (long)cur.it_interval.tv_usec);
	while (alarms < 4)
		pause();
	struct itimerval off = {0};
	check_zero(setitimer(ITIMER_REAL, &off, &old),
		   "itimers: setitimer off");
	check(old.it_interval.tv_usec == 50000,
	      "itimers: setitimer returns the old setting", "interval %ld",
	      (long)old.it_interval.tv_usec);
	int n = alarms;
	usleep(150000);
	check(alarms == n, "itimers: a disarmed timer stays quiet", "%d more",
	      (int)alarms - n);
	v.it_value.tv_usec = 1000000;
	check_errno(setitimer(ITIMER_REAL, &v, NULL), -1, EINVAL,
		    "itimers: setitimer with tv_usec 1000000");
	check_errno(setitimer(7, &off, NULL), -1, EINVAL,
		    "itimers: setitimer with a bad which");
}

static void test_posix(void)
{
	sigset_t set;
	siginfo_t si;
	struct timespec zero = {0, 0};
	int id;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);

	struct ksigevent ev = {.value.sival_int = 42,
			       .signo = SIGRTMIN,
			       .notify = K_SIGEV_SIGNAL};
	check_zero(k_timer_create(CLOCK_MONOTONIC, &ev, &id),
		   "itimers: timer_create");
	struct itimerspec it = {{0, 0}, {0, 20000000}}, cur;
	check_zero(k_timer_settime(id, 0, &it, NULL), "itimers: timer_settime");
	check_zero(syscall(SYS_timer_gettime, id, &cur),
		   "itimers: timer_gettime");
	check(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
		      cur.it_value.tv_nsec <= 20000000,
	      "itimers: timer_gettime shows what is left", "%ld ns",
	      (long)cur.it_value.tv_nsec);
	int sig = sigwaitinfo(&set, &si);
	check(sig == SIGRTMIN && si.si_code == SI_TIMER &&
		      si.si_value.sival_int == 42 && si.si_overrun == 0 &&
		      si.si_timerid == id,
	      "itimers: SI_TIMER siginfo with the value",
	      "sig %d code %d "
	      "value %d overrun %d id %d",
	      sig, si.si_code, si.si_value.sival_int, si.si_overrun,
	      si.si_timerid);

	/* periodic and blocked: one signal, the rest counted as overruns */
	it.it_interval.tv_nsec = it.it_value.tv_nsec = 10000000;
	k_timer_settime(id, 0, &it, NULL);
	usleep(120000);
	sig = sigwaitinfo(&set, &si);
	int over = syscall(SYS_timer_getoverrun, id);
	check(sig == SIGRTMIN && si.si_overrun >= 3 && over == si.si_overrun,
	      "itimers: overruns while the signal is pending",
	      "overrun %d, getoverrun %d", si.si_overrun, over);
	struct itimerspec off = {0};
	k_timer_settime(id, 0, &off, NULL);
	while (sigtimedwait(&set, &si, &zero) > 0) /* one may have come */
		;
	check_errno(sigtimedwait(&set, &si, &zero), -1, EAGAIN,
		    "itimers: only one signal was queued");

	/* TIMER_ABSTIME on CLOCK_REALTIME */
	int rid;
	ev.value.sival_int = 7;
	check_zero(k_timer_create(CLOCK_REALTIME, &ev, &rid),
		   "itimers: timer_create realtime");
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_nsec += 30000000;
	if (now.tv_nsec >= 1000000000) {
		now.tv_sec++;
		now.tv_nsec -= 1000000000;
	}
	struct itimerspec abs = {{0, 0}, now};
	check_zero(k_timer_settime(rid, TIMER_ABSTIME, &abs, NULL),
		   "itimers: TIMER_ABSTIME");
	sig = sigwaitinfo(&set, &si);
	check(sig == SIGRTMIN && si.si_value.sival_int == 7,
	      "itimers: an absolute realtime timer fires", "value %d",
	      si.si_value.sival_int);

	check_zero(syscall(SYS_timer_delete, rid), "itimers: timer_delete");
	check_errno(syscall(SYS_timer_gettime, rid, &cur), -1, EINVAL,
		    "itimers: timer_gettime after delete");
	check_errno(syscall(SYS_timer_delete, rid), -1, EINVAL,
		    "itimers: timer_delete twice");
	check_errno(k_timer_settime(id, 0, NULL, NULL), -1, EINVAL,
		    "itimers: timer_settime without a value");
	struct itimerspec bad = {{0, 0}, {0, 1000000000}};
	check_errno(k_timer_settime(id, 0, &bad, NULL), -1, EINVAL,
		    "itimers: timer_settime with tv_nsec 1e9");
	ev.notify = 99;
	check_errno(k_timer_create(CLOCK_MONOTONIC, &ev, &rid), -1, EINVAL,
		    "itimers: timer_create with a bad notify");
	ev.notify = K_SIGEV_SIGNAL;
	ev.signo = 0;
	check_errno(k_timer_create(CLOCK_MONOTONIC, &ev, &rid), -1, EINVAL,
		    "itimers: timer_create with signal 0");
	ev.notify = K_SIGEV_NONE;
	check_zero(k_timer_create(CLOCK_MONOTONIC, &ev, &rid),
		   "itimers: SIGEV_NONE needs no signal");
	check_zero(syscall(SYS_timer_delete, rid), "itimers: delete it");
	check_errno(k_timer_create(12345, NULL, &rid), -1, EINVAL,
		    "itimers: timer_create on a bad clock");
	syscall(SYS_timer_delete, id);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static volatile int thread_tid;
static volatile int thread_got;

static void *waiter(void *arg)
{
	sigset_t *set = arg;
	siginfo_t si;

	thread_tid = gettid();
	if (sigwaitinfo(set, &si) == SIGRTMIN + 1 && si.si_value.sival_int == 9)
		thread_got = gettid();
	return NULL;
}

static void test_thread_id(void)
{
	sigset_t set;
	pthread_t th;
	int id;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pthread_create(&th, NULL, waiter, &set);
	while (!thread_tid)
		usleep(1000);
	struct ksigevent ev = {.value.sival_int = 9,
			       .signo = SIGRTMIN + 1,
			       .notify = K_SIGEV_THREAD_ID,
			       .tid = thread_tid};
	check_zero(k_timer_create(CLOCK_MONOTONIC, &ev, &id),
		   "itimers: SIGEV_THREAD_ID timer");
	struct itimerspec it = {{0, 0}, {0, 10000000}};
	k_timer_settime(id, 0, &it, NULL);
	pthread_join(th, NULL);
	check(thread_got == thread_tid, "itimers: the named thread gets it",
	      "got %d, tid %d", thread_got, thread_tid);
	ev.tid = 999999;
	check_errno(k_timer_create(CLOCK_MONOTONIC, &ev, &id), -1, EINVAL,
		    "itimers: SIGEV_THREAD_ID of a stranger");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* After exec: alarm still set, POSIX timer 0 gone. */
static int after_exec(void)
{
	struct itimerval cur;
	struct itimerspec ts;

	getitimer(ITIMER_REAL, &cur);
	if (cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0)
		return 2;
	if (syscall(SYS_timer_gettime, 0, &ts) != -1 || errno != EINVAL)
		return 3;
	pause(); /* SIGALRM, default action: killed */
	return 4;
}

static void test_fork_exec(const char *self)
{
	struct itimerval cur;
	int id, st;

	pid_t pid = fork();
	if (pid == 0) {
		/* fork inherits neither */
		alarm(30);
		pid_t c = fork();
		if (c == 0) {
			getitimer(ITIMER_REAL, &cur);
			_exit(cur.it_value.tv_sec || cur.it_value.tv_usec);
		}
		waitpid(c, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			_exit(5);
		struct ksigevent ev = {.signo = SIGUSR1,
				       .notify = K_SIGEV_SIGNAL};
		if (k_timer_create(CLOCK_MONOTONIC, &ev, &id) || id != 0)
			_exit(6);
		alarm(1);
		execl(self, self, "after-exec", (char *)NULL);
		_exit(7);
	}
	waitpid(pid, &st, 0);
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM,
	      "itimers: alarm survives exec, POSIX timers and fork do not",
	      "status %#x", st);
}

static volatile sig_atomic_t vtalrms, profs;

static void on_cpu_timer(int sig)
{
	if (sig == SIGVTALRM)
		vtalrms++;
	else
		profs++;
}

static long tv_ms(struct timeval tv)
{
	return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void test_cpu_itimers(void)
{
	struct sigaction sa = {.sa_handler = on_cpu_timer};
	struct itimerval v = {{0, 100000}, {0, 100000}}, cur, old;
	struct itimerval off = {0};

	sigaction(SIGVTALRM, &sa, NULL);
	sigaction(SIGPROF, &sa, NULL);

	/* user time alone: sleeping leaves ITIMER_VIRTUAL where it was */
	check_zero(setitimer(ITIMER_VIRTUAL, &v, NULL),
		   "itimers: setitimer(ITIMER_VIRTUAL)");
	usleep(300000);
	check_zero(getitimer(ITIMER_VIRTUAL, &cur),
		   "itimers: getitimer(ITIMER_VIRTUAL)");
	check(vtalrms == 0 && tv_ms(cur.it_value) >= 50 &&
		      tv_ms(cur.it_value) <= 110 && /* Linux adds a tick */
		      tv_ms(cur.it_interval) == 100,
	      "itimers: ITIMER_VIRTUAL does not run while the process sleeps",
	      "%d signals, %ld ms left", (int)vtalrms, tv_ms(cur.it_value));
	guest_spin_until(&vtalrms, 3, 20000000000LL);
	check(vtalrms >= 3,
	      "itimers: ITIMER_VIRTUAL: SIGVTALRM every 100 ms "
	      "of user time",
	      "%d signals", (int)vtalrms);
	check_zero(setitimer(ITIMER_VIRTUAL, &off, &old),
		   "itimers: setitimer(ITIMER_VIRTUAL) off");
	check(tv_ms(old.it_interval) == 100 && tv_ms(old.it_value) <= 110,
	      "itimers: ITIMER_VIRTUAL: the old setting comes back",
	      "%ld ms every %ld ms", tv_ms(old.it_value),
	      tv_ms(old.it_interval));

	/* system time: reading /dev/zero is almost all kernel work */
	struct rusage r0, r1;
	static char buf[1 << 20];
	int fd = open("/dev/zero", O_RDONLY);
	getrusage(RUSAGE_SELF, &r0);
	int64_t end = now_ns(CLOCK_PROCESS_CPUTIME_ID) + 300000000LL;
	while (now_ns(CLOCK_PROCESS_CPUTIME_ID) < end)
		if (read(fd, buf, sizeof buf) < 0)
			break;
	getrusage(RUSAGE_SELF, &r1);
	long us = tv_ms(r1.ru_utime) - tv_ms(r0.ru_utime);
	long sy = tv_ms(r1.ru_stime) - tv_ms(r0.ru_stime);
	check(sy > us && sy >= 100,
	      "itimers: getrusage: reading /dev/zero is system time",
	      "user %ld ms, system %ld ms", us, sy);
	r0 = r1;
	end = now_ns(CLOCK_PROCESS_CPUTIME_ID) + 300000000LL;
	volatile unsigned x = 0;
	while (now_ns(CLOCK_PROCESS_CPUTIME_ID) < end)
		for (int i = 0; i < 10000; i++)
			x += i;
	getrusage(RUSAGE_SELF, &r1);
	us = tv_ms(r1.ru_utime) - tv_ms(r0.ru_utime);
	sy = tv_ms(r1.ru_stime) - tv_ms(r0.ru_stime);
	check(us > sy && us >= 100,
	      "itimers: getrusage: a busy loop is user time",
	      "user %ld ms, system %ld ms", us, sy);

	/* ITIMER_PROF counts the system time too: /dev/zero reads alone
	 * must set it off */
	check_zero(setitimer(ITIMER_PROF, &v, NULL),
		   "itimers: setitimer(ITIMER_PROF)");
	end = now_ns(CLOCK_MONOTONIC) + 20000000000LL;
	while (profs < 2 && now_ns(CLOCK_MONOTONIC) < end)
		if (read(fd, buf, sizeof buf) < 0)
			break;
	check(profs >= 2, "itimers: ITIMER_PROF: SIGPROF from system time",
	      "%d signals", (int)profs);
	check_zero(setitimer(ITIMER_PROF, &off, NULL),
		   "itimers: setitimer(ITIMER_PROF) off");
	close(fd);

	/* not inherited by fork */
	check_zero(setitimer(ITIMER_VIRTUAL, &v, NULL),
		   "itimers: ITIMER_VIRTUAL armed again");
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		getitimer(ITIMER_VIRTUAL, &cur);
		_exit(cur.it_value.tv_sec || cur.it_value.tv_usec ? 1 : 0);
	}
	int st = 0;
	waitpid(c, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "itimers: fork: the child's ITIMER_VIRTUAL is disarmed",
	      "status %#x", st);
	setitimer(ITIMER_VIRTUAL, &off, NULL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "after-exec"))
		return after_exec();
	test_alarm();
	test_setitimer();
	test_posix();
	test_thread_id();
	test_cpu_itimers();
	test_fork_exec(access(argv[0], X_OK) == 0 ? argv[0] : "/proc/self/exe");
	guest_exit("itimers");
}
