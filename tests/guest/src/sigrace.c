// SPDX-License-Identifier: MIT
/*
 * Signals racing thread exit: the main thread sends SIGUSR1 with tgkill,
 * tkill and rt_tgsigqueueinfo, in turn, to worker threads while they
 * exit, until the thread is gone. Every send returns 0 or ESRCH, the
 * process survives, the signals that arrive run the handler. The kernel
 * looks the thread up and queues the signal under one lock: sending to a
 * thread that was freed in between corrupts the heap, which a kernel with
 * KILN_DEBUG_LOCKS turns into a fault at once (it poisons freed threads).
 * The rounds are bounded by count and by wall time.
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

int main(void)
{
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	int64_t end = now_ns(CLOCK_MONOTONIC) + WALL_NS;
	int bad = 0, bad_err = 0, rounds = 0, k = 0;
	long sends = 0;
	bool all_gone = true;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGUSR1, &sa, NULL);
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
			while (!(err = send_one(worker_tid[i], k++))) {
				sends++;
				sched_yield();
			}
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
	check(sends > 0 && handled > 0,
	      "sigrace: signals sent before the exit were handled",
	      "%ld sent, %d handled", sends, (int)handled);
	guest_exit("sigrace");
}
