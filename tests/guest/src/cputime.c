// SPDX-License-Identifier: MIT
/*
 * Process CPU time and parent death: times() and getrusage(RUSAGE_SELF)
 * count every thread, exited ones included, and the children waited for
 * (tms_cutime, RUSAGE_CHILDREN); prctl(PR_SET_PDEATHSIG) delivers its
 * signal when the parent exits, and PR_GET_PDEATHSIG reads it back.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

/* Burn CPU for ms milliseconds of this thread's own CPU time. */
static void burn(long ms)
{
	int64_t end = now_ns(CLOCK_THREAD_CPUTIME_ID) + ms * 1000000;
	volatile unsigned x = 0;

	while (now_ns(CLOCK_THREAD_CPUTIME_ID) < end)
		for (int i = 0; i < 10000; i++)
			x += i;
}

static void *burner(void *arg)
{
	burn((long)arg);
	return NULL;
}

static long ticks_ms(clock_t t)
{
	return t * 1000 / sysconf(_SC_CLK_TCK);
}

static void thread_times(void)
{
	pthread_t a, b;
	struct tms t;
	struct rusage ru;

	pthread_create(&a, NULL, burner, (void *)300L);
	pthread_create(&b, NULL, burner, (void *)300L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	times(&t);
	long ms = ticks_ms(t.tms_utime + t.tms_stime);
	check(ms >= 500, "times: two exited threads' 600 ms are counted",
	      "%ld ms", ms);
	getrusage(RUSAGE_SELF, &ru);
	long ru_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
		     (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	check(ru_ms >= 500, "getrusage(SELF): exited threads counted", "%ld ms",
	      ru_ms);
	int64_t pc = now_ns(CLOCK_PROCESS_CPUTIME_ID) / 1000000;
	check(pc >= 500, "CLOCK_PROCESS_CPUTIME_ID: exited threads counted",
	      "%ld ms", (long)pc);
}

static void children_times(void)
{
	struct tms t;
	struct rusage ru;

	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		burn(300);
		_exit(0);
	}
	times(&t);
	check(t.tms_cutime + t.tms_cstime == 0,
	      "tms_cutime: nothing before the wait", "%ld",
	      (long)(t.tms_cutime + t.tms_cstime));
	waitpid(c, NULL, 0);
	times(&t);
	long ms = ticks_ms(t.tms_cutime + t.tms_cstime);
	check(ms >= 250, "tms_cutime: the waited-for child's 300 ms", "%ld ms",
	      ms);
	getrusage(RUSAGE_CHILDREN, &ru);
	long ru_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
		     (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	check(ru_ms >= 250, "getrusage(CHILDREN): the child's 300 ms", "%ld ms",
	      ru_ms);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* A middle process forks a child with PR_SET_PDEATHSIG, then exits. */
static void pdeathsig(void)
{
	int ready[2], report[2];

	if (pipe(ready) || pipe(report))
		return;
	fflush(stdout);
	pid_t m = fork();
	if (m == 0) {
		pid_t c = fork();
		if (c == 0) {
			int sig = 0;
			sigset_t set;
			sigemptyset(&set);
			sigaddset(&set, SIGUSR1);
			sigprocmask(SIG_BLOCK, &set, NULL);
			signal(SIGUSR1, on_usr1);
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			prctl(PR_GET_PDEATHSIG, &sig);
			write(ready[1], &sig, sizeof(sig));
			struct timespec ts = {5, 0};
			siginfo_t si;
			sig = sigtimedwait(&set, &si, &ts);
			write(report[1], &sig, sizeof(sig));
			_exit(0);
		}
		int sig = 0;
		read(ready[0], &sig, sizeof(sig));
		_exit(sig == SIGUSR1 ? 0 : 1);
	}
	int st;
	waitpid(m, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "PR_GET_PDEATHSIG reads SIGUSR1 back", "status %x", st);
	struct pollfd pfd = {report[0], POLLIN, 0};
	int sig = 0;
	if (poll(&pfd, 1, 6000) == 1)
		read(report[0], &sig, sizeof(sig));
	check(sig == SIGUSR1, "PR_SET_PDEATHSIG: SIGUSR1 when the parent exits",
	      "got %d", sig);
	close(ready[0]);
	close(ready[1]);
	close(report[0]);
	close(report[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	thread_times();
	children_times();
	pdeathsig();
	guest_exit("cputime");
}
