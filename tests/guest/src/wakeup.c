// SPDX-License-Identifier: MIT
/*
 * Wake-up latency between threads: two threads hand a turn back and forth
 * ROUNDS times, through a futex and through a pair of pipes, first pinned
 * to two different CPUs (the same one when only one is online), then
 * free to run anywhere. Each handoff is checked (the other side saw
 * every round, in order). An idle vCPU takes no timer interrupts, so a
 * wakeup whose IPI is lost or never sent hangs the run (the harness's
 * timeout fails it). The median round trip must stay under LIMIT_MS: a
 * bound for gross regressions (wakeups chained to slice ticks), far above
 * what a TCG guest on a loaded host needs (~0.1 ms), so it does not flake.
 * With -v, prints the median and p99 round trip of each mode (timing,
 * so not part of the compared output).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

#define FUTEX_WAIT	   0
#define FUTEX_WAKE	   1
#define FUTEX_PRIVATE_FLAG 128

#define ROUNDS	 300
#define LIMIT_MS 20

static bool verbose;
static int cpu_a, cpu_b; /* main's CPU and the partner's when pinned */

struct pingpong {
	bool pinned;
	bool use_pipe;
	int turn; /* futex word: 0 main's turn, 1 the partner's */
	int seen; /* rounds the partner saw */
	int bad;  /* rounds the partner saw out of order */
	int to_partner[2], to_main[2];
	int64_t rt[ROUNDS];
};

static long futex(int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op | FUTEX_PRIVATE_FLAG, val, NULL,
		       NULL, 0);
}

static int pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof(s), &s);
}

/* Give the turn to WHO and wake the other side. */
static void pass(struct pingpong *p, int who)
{
	__atomic_store_n(&p->turn, who, __ATOMIC_SEQ_CST);
	futex(&p->turn, FUTEX_WAKE, 1);
}

/* Wait until the turn is WHO's. */
static void await(struct pingpong *p, int who)
{
	int v;

	while ((v = __atomic_load_n(&p->turn, __ATOMIC_SEQ_CST)) != who)
		futex(&p->turn, FUTEX_WAIT, v);
}

static void *partner(void *arg)
{
	struct pingpong *p = arg;

	if (p->pinned && pin(cpu_b))
		p->bad++;
	for (int i = 0; i < ROUNDS; i++) {
		if (p->use_pipe) {
			unsigned char c;
			if (read(p->to_partner[0], &c, 1) != 1 ||
			    c != (unsigned char)i)
				p->bad++;
			c++;
			if (write(p->to_main[1], &c, 1) != 1)
				p->bad++;
			continue;
		}
		await(p, 1);
		if (p->seen != i)
			p->bad++;
		p->seen = i + 1;
		pass(p, 0);
	}
	return NULL;
}

/* One round trip of round I, in ns; -1 if the answer was wrong. */
static int64_t round_trip(struct pingpong *p, int i)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC);

	if (p->use_pipe) {
		unsigned char c = (unsigned char)i;
		if (write(p->to_partner[1], &c, 1) != 1 ||
		    read(p->to_main[0], &c, 1) != 1 ||
		    c != (unsigned char)(i + 1))
			return -1;
	} else {
		pass(p, 1);
		await(p, 0);
		if (p->seen != i + 1)
			return -1;
	}
	return now_ns(CLOCK_MONOTONIC) - t0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void run(bool pinned, bool use_pipe)
{
	static struct pingpong p;
	const char *mode = use_pipe ? "pipe" : "futex";
	const char *where = pinned ? "pinned" : "free";
	char what[96];
	int wrong = 0;
	pthread_t th;

	memset(&p, 0, sizeof(p));
	p.pinned = pinned;
	p.use_pipe = use_pipe;
	if (use_pipe && (pipe(p.to_partner) || pipe(p.to_main))) {
		check(false, "wakeup: pipe", "errno %d", errno);
		return;
	}
	cpu_set_t all;
	CPU_ZERO(&all);
	for (int i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	if (pinned ? pin(cpu_a) : sched_setaffinity(0, sizeof(all), &all))
		check(false, "wakeup: setaffinity", "errno %d", errno);
	if (pthread_create(&th, NULL, partner, &p)) {
		check(false, "wakeup: pthread_create", "failed");
		return;
	}
	/* let the partner reach its first wait */
	usleep(20000);
	for (int i = 0; i < ROUNDS; i++) {
		p.rt[i] = round_trip(&p, i);
		if (p.rt[i] < 0)
			wrong++;
	}
	pthread_join(th, NULL);
	snprintf(what, sizeof(what), "wakeup: %s %s %d round trips in order",
		 mode, where, ROUNDS);
	check(!wrong && !p.bad, what, "%d wrong answers, %d bad rounds", wrong,
	      p.bad);
	qsort(p.rt, ROUNDS, sizeof(p.rt[0]), cmp64);
	int64_t med = p.rt[ROUNDS / 2], p99 = p.rt[ROUNDS * 99 / 100];
	if (verbose)
		printf("  %s %s: median %lld us p99 %lld us max %lld us\n",
		       mode, where, (long long)med / 1000,
		       (long long)p99 / 1000,
		       (long long)p.rt[ROUNDS - 1] / 1000);
	snprintf(what, sizeof(what),
		 "wakeup: %s %s median round trip under %d ms", mode, where,
		 LIMIT_MS);
	check(med < LIMIT_MS * 1000000LL, what, "median %lld us p99 %lld us",
	      (long long)med / 1000, (long long)p99 / 1000);
	if (use_pipe) {
		close(p.to_partner[0]);
		close(p.to_partner[1]);
		close(p.to_main[0]);
		close(p.to_main[1]);
	}
}

int main(int argc, char **argv)
{
	cpu_set_t online;

	verbose = argc > 1 && !strcmp(argv[1], "-v");
	CPU_ZERO(&online);
	sched_getaffinity(0, sizeof(online), &online);
	cpu_a = cpu_b = -1;
	for (int i = 0; i < CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i, &online))
			continue;
		if (cpu_a < 0)
			cpu_a = i;
		cpu_b = i;
	}
	for (int pinned = 1; pinned >= 0; pinned--) {
		run(pinned, false);
		run(pinned, true);
	}
	guest_exit("wakeup");
}
