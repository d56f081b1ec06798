// SPDX-License-Identifier: MIT
/*
 * Signals racing thread exit: the main thread sends SIGUSR1 with tgkill,
 * tkill and rt_tgsigqueueinfo, in turn, to worker threads while they
 * exit, until the thread is gone (first, one signal to a live thread
 * runs its handler). Every send returns 0 or ESRCH and the process
 * survives (an exiting thread may have blocked signals, as musl's
 * pthread_exit does, so they need not be handled). The kernel
 * looks the thread up and queues the signal under one lock: sending to a
 * thread that was freed in between corrupts the heap, which a kernel with
 * KILN_DEBUG_LOCKS turns into a fault at once (it poisons freed threads).
 * Then the same for POSIX timers: one thread creates and deletes timers
 * while another sets, reads and counts the overruns of each by its id;
 * every call returns 0 or EINVAL. The rounds are bounded by count and by
 * wall time.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

#define ROUNDS	  300
#define WORKERS	  4
#define WALL_NS	  (6 * 1000000000LL)
#define MAX_SENDS 1000000 /* to one thread after it was joined */

static volatile sig_atomic_t handled;
static volatile int worker_tid[WORKERS];

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

/* Publish our tid, run a little (longer for later workers; yielding, so
 * that one vCPU runs the sender too), exit. */
static void *worker(void *arg)
{
	int i = (int)(long)arg;

	worker_tid[i] = syscall(SYS_gettid);
	for (int n = 0; n < 4 * (i + 1); n++) {
		for (volatile int j = 0; j < 500; j++)
			;
		sched_yield();
	}
	return NULL;
}

/* Publish our tid, then wait (yielding) until a SIGUSR1 was handled. */
static void *waiter(void *arg)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + WALL_NS;

	(void)arg;
	worker_tid[0] = syscall(SYS_gettid);
	while (!handled && now_ns(CLOCK_MONOTONIC) < end)
		sched_yield();
	return NULL;
}

/* Send SIGUSR1 to thread tid the k-th way; 0, or the errno. */
static int send_one(int tid, int k)
{
	long r;

	if (k % 3 == 0) {
		r = syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
	} else if (k % 3 == 1) {
		r = syscall(SYS_tkill, tid, SIGUSR1);
	} else {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		si.si_signo = SIGUSR1;
		si.si_code = SI_QUEUE;
		si.si_pid = getpid();
		si.si_uid = getuid();
		r = syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, SIGUSR1, &si);
	}
	return r == 0 ? 0 : errno;
}

static volatile int timer_id = -1, timers_done;

/* Set, read and count overruns of timer timer_id until timers_done;
 * counts the calls that failed with anything but EINVAL. */
static void *timer_user(void *arg)
{
	long bad = 0;
	struct itimerspec it = {{0, 0}, {1000, 0}}, cur;

	(void)arg;
	while (!timers_done) {
		int id = timer_id;
		if (id < 0)
			continue;
		long r[3] = {syscall(SYS_timer_settime, id, 0, &it, NULL),
			     syscall(SYS_timer_gettime, id, &cur),
			     syscall(SYS_timer_getoverrun, id)};
		for (int i = 0; i < 3; i++)
			bad += r[i] < 0 && errno != EINVAL;
	}
	return (void *)bad;
}

/* Timers deleted while another thread uses them by id. */
static void timer_race(void)
{
	struct sigevent ev = {.sigev_notify = SIGEV_NONE};
	int64_t end = now_ns(CLOCK_MONOTONIC) + WALL_NS;
	int rounds = 0, failed = 0;
	pthread_t th;
	void *bad = NULL;

	if (pthread_create(&th, NULL, timer_user, NULL))
		exit(2);
	for (; rounds < 100 * ROUNDS && now_ns(CLOCK_MONOTONIC) < end;
	     rounds++) {
		int id;
		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id)) {
			failed++;
			continue;
		}
		timer_id = id;
		for (volatile int j = 0; j < 200 * (rounds % 8); j++)
			;
		failed += syscall(SYS_timer_delete, id) != 0;
		timer_id = -1;
	}
	timers_done = 1;
	pthread_join(th, &bad);
	check(rounds >= 100 && !failed,
	      "sigrace: timers created and deleted while in use",
	      "%d rounds, %d failed", rounds, failed);
	check(!bad, "sigrace: their users get 0 or EINVAL", "%ld bad",
	      (long)bad);
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	int64_t end = now_ns(CLOCK_MONOTONIC) + WALL_NS;
	int bad = 0, bad_err = 0, rounds = 0, k = 0;
	bool all_gone = true;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGUSR1, &sa, NULL);
	/* a live thread first: the signal runs its handler (an exiting one
	 * may have blocked signals already, as musl's pthread_exit does) */
	pthread_t w;
	if (pthread_create(&w, NULL, waiter, NULL))
		return 2;
	while (!worker_tid[0])
		sched_yield();
	check(syscall(SYS_tgkill, getpid(), worker_tid[0], SIGUSR1) == 0,
	      "sigrace: tgkill to a live thread", "errno %d", errno);
	pthread_join(w, NULL);
	check(handled == 1, "sigrace: its handler ran", "%d", (int)handled);
	for (; rounds < ROUNDS && now_ns(CLOCK_MONOTONIC) < end; rounds++) {
		pthread_t th[WORKERS];
		for (int i = 0; i < WORKERS; i++) {
			worker_tid[i] = 0;
			if (pthread_create(&th[i], NULL, worker,
					   (void *)(long)i))
				return 2;
		}
		for (int i = 0; i < WORKERS; i++) {
			while (!worker_tid[i])
				sched_yield();
		}
		/* each worker in turn until it is gone; then join them */
		for (int i = 0; i < WORKERS; i++) {
			int err;
			while (!(err = send_one(worker_tid[i], k++)))
				sched_yield();
			if (err != ESRCH && !bad++)
				bad_err = err;
		}
		for (int i = 0; i < WORKERS; i++)
			pthread_join(th[i], NULL);
		for (int i = 0; i < WORKERS; i++) {
			int n = 0, err;
			while (!(err = send_one(worker_tid[i], k++)) &&
			       n++ < MAX_SENDS)
				;
			all_gone &= err == ESRCH;
		}
	}
	check(rounds >= 10, "sigrace: at least 10 rounds of exiting threads",
	      "%d rounds", rounds);
	check(!bad, "sigrace: sends to exiting threads return 0 or ESRCH",
	      "%d bad, first errno %d", bad, bad_err);
	check(all_gone, "sigrace: a joined thread is ESRCH", "%s", "not gone");
	timer_race();
	guest_exit("sigrace");
}
