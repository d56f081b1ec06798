// SPDX-License-Identifier: MIT
/*
 * The demo program until the Erlang demo app lands: prints from several
 * threads (futex-based joins, TLS, clocks) and exits with a status.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void *worker(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < 100000; i++) {
		pthread_mutex_lock(&lock);
		total++;
		pthread_mutex_unlock(&lock);
	}
	return (void *)id;
}

int main(void)
{
	struct utsname u;
	struct timespec t0, t1;
	pthread_t th[8];

	uname(&u);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("Hello from %s %s on %ld vCPU(s)\n", u.sysname, u.release,
	       sysconf(_SC_NPROCESSORS_ONLN));
	for (long i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("8 threads counted to %ld in %ld ms\n", total,
	       (t1.tv_sec - t0.tv_sec) * 1000 +
		       (t1.tv_nsec - t0.tv_nsec) / 1000000);
	return total == 800000 ? 0 : 1;
}
