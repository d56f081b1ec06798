// SPDX-License-Identifier: MIT
/*
 * Shared futexes between processes: a FUTEX_WAIT in one process on a word
 * in MAP_SHARED memory (anonymous, a memfd, a /dev/shm file) is woken by a
 * FUTEX_WAKE from another, also through a mapping at another address;
 * FUTEX_PRIVATE_FLAG keeps them apart; process-shared pthread mutexes and
 * condition variables work across fork.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define FUTEX_WAIT	   0
#define FUTEX_WAKE	   1
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static long futex(volatile int *w, int op, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

/* The child: wait on *w (op) until it is non-zero; exit 0, or 2 if a
 * wait timed out (nobody woke it). */
static void child_waits(volatile int *w, int op)
{
	struct timespec ts = {5, 0};

	while (!*w) {
		long r = futex(w, op, 0, &ts);
		if (r == -1 && errno == ETIMEDOUT)
			_exit(2);
	}
	_exit(0);
}

/* Wake through wake_word until one waiter is woken (3 s at most), then
 * release the child for good; the child's status. */
static void wake_child(pid_t pid, volatile int *wake_word, int op,
		       const char *what)
{
	long n = 0;
	char buf[160];

	for (int i = 0; i < 3000 && n != 1; i++) {
		n = futex(wake_word, op, 1, NULL);
		if (n != 1)
			usleep(1000);
	}
	snprintf(buf, sizeof(buf), "%s: FUTEX_WAKE from another process", what);
	check(n == 1, buf, "woke %ld", n);
	*wake_word = 1;
	futex(wake_word, op, 1, NULL);
	int st;
	snprintf(buf, sizeof(buf), "%s: the waiter was woken", what);
	check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 0,
	      buf, "status %x", st);
}

static void shared_anonymous(void)
{
	volatile int *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	*w = 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		child_waits(w, FUTEX_WAIT);
	wake_child(pid, w, FUTEX_WAKE, "MAP_SHARED|MAP_ANONYMOUS");
	munmap((void *)w, 4096);
}

/* fd mapped twice: the child waits on one view, we wake through another
 * mapping at a different address and offset 0 of a second page. */
static void two_views(int fd, const char *what)
{
	if (fd < 0 || ftruncate(fd, 8192)) {
		check(false, what, "errno %d", errno);
		return;
	}
	volatile int *a =
		mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	a[1024] = 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		child_waits(&a[1024], FUTEX_WAIT);
	volatile int *b =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
	check(b != MAP_FAILED && b != a + 1024, "a second view", "%p %p",
	      (void *)b, (void *)a);
	wake_child(pid, b, FUTEX_WAKE, what);
	munmap((void *)a, 8192);
	munmap((void *)b, 4096);
	close(fd);
}

/* FUTEX_PRIVATE_FLAG: never a waiter of another process. */
static void private_flag(void)
{
	volatile int *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int go[2];

	if (pipe(go))
		return;
	*w = 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec ts = {0, 300000000};
		write(go[1], "x", 1);
		while (!*w)
			if (futex(w, FUTEX_WAIT_PRIVATE, 0, &ts) == -1 &&
			    errno == ETIMEDOUT)
				_exit(3);
		_exit(0);
	}
	char c;
	read(go[0], &c, 1);
	usleep(50000);
	long n = futex(w, FUTEX_WAKE_PRIVATE, 1, NULL);
	check(n == 0, "FUTEX_PRIVATE_FLAG: no waiter in another process",
	      "woke %ld", n);
	int st;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 3,
	      "the private waiter timed out", "status %x", st);
	close(go[0]);
	close(go[1]);
	munmap((void *)w, 4096);
}

struct shared {
	pthread_mutex_t m;
	pthread_cond_t c;
	int turn, rounds, locked_by_child;
};

static int timed_wait(struct shared *s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	return pthread_cond_timedwait(&s->c, &s->m, &ts);
}

/* Ping-pong on a process-shared mutex and condition variable. */
static void pthread_pshared(void)
{
	struct shared *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&s->m, &ma);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&s->c, &ca);
	pthread_mutex_lock(&s->m);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* blocks until the parent unlocks (a futex wait) */
		pthread_mutex_lock(&s->m);
		s->locked_by_child = 1;
		while (s->rounds < 100) {
			while (s->turn != 1)
				if (timed_wait(s))
					_exit(2);
			s->turn = 0;
			s->rounds++;
			pthread_cond_signal(&s->c);
		}
		pthread_mutex_unlock(&s->m);
		_exit(0);
	}
	usleep(100000);
	check(!s->locked_by_child, "pshared mutex: the child waits", "%d",
	      s->locked_by_child);
	int err = 0;
	while (s->rounds < 100 && !err) {
		s->turn = 1;
		pthread_cond_signal(&s->c);
		while (s->turn != 0 && !err)
			err = timed_wait(s);
	}
	pthread_mutex_unlock(&s->m);
	int st;
	waitpid(pid, &st, 0);
	check(!err && s->rounds == 100 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "pshared mutex and condvar: 100 rounds across fork",
	      "err %d rounds %d status %x", err, s->rounds, st);
	munmap(s, sizeof(*s));
}

int main(void)
{
	char name[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	shared_anonymous();
	two_views(syscall(SYS_memfd_create, "shfutex", 0), "memfd");
	snprintf(name, sizeof(name), "/dev/shm/kiln-shfutex.%d", (int)getpid());
	int fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	unlink(name);
	two_views(fd, "/dev/shm file");
	private_flag();
	pthread_pshared();
	guest_exit("shfutex");
}
