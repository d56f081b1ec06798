/* SPDX-License-Identifier: MIT */
/*
 * fileio2: one open file shared by threads and by processes. Linux
 * serialises the file position (f_pos_lock), so readers sharing an fd each
 * get different records, and writers sharing an fd (no O_APPEND) never
 * overwrite each other: read, write, readv and writev. Also the status
 * flags changed through FIONBIO and F_SETFL from two threads at once.
 * Only behaviour is printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define THREADS 4
#define RECORDS 8000 /* 4-byte records */

static char path[64];
static int shared_fd;
static bool use_vec;
static unsigned char seen[RECORDS];

static ssize_t rec_io(bool write_it, uint32_t *rec)
{
	if (!use_vec)
		return write_it ? write(shared_fd, rec, 4)
				: read(shared_fd, rec, 4);
	struct iovec iov[2] = {{rec, 2}, {(char *)rec + 2, 2}};
	return write_it ? writev(shared_fd, iov, 2) : readv(shared_fd, iov, 2);
}

static void *reader(void *arg)
{
	uint32_t rec;
	long bad = 0;

	(void)arg;
	while (rec_io(false, &rec) == 4) {
		if (rec >= RECORDS)
			bad++;
		else
			__atomic_add_fetch(&seen[rec], 1, __ATOMIC_RELAXED);
	}
	return (void *)bad;
}

static void *writer(void *arg)
{
	long base = (long)arg, bad = 0;

	for (uint32_t i = base; i < RECORDS; i += THREADS)
		if (rec_io(true, &i) != 4)
			bad++;
	return (void *)bad;
}

/* Run fn in THREADS threads; the number of bad results they saw. */
static long run_threads(void *(*fn)(void *))
{
	pthread_t t[THREADS];
	long bad = 0;

	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, fn, (void *)i);
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += (long)r;
	}
	return bad;
}

/* How many records of the file at path are missing or repeated. */
static int check_file(void)
{
	int fd = open(path, O_RDONLY), wrong = 0;
	uint32_t rec;
	unsigned char count[RECORDS] = {0};
	struct stat st;

	if (fd < 0 || fstat(fd, &st) || st.st_size != RECORDS * 4)
		return -1;
	while (read(fd, &rec, 4) == 4)
		if (rec < RECORDS)
			count[rec]++;
	close(fd);
	for (int i = 0; i < RECORDS; i++)
		wrong += count[i] != 1;
	return wrong;
}

static void make_file(void)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	for (uint32_t i = 0; i < RECORDS; i++)
		if (write(fd, &i, 4) != 4)
			check(false, "make_file", "errno %d", errno);
	close(fd);
}

static void shared_reads(const char *what)
{
	make_file();
	memset(seen, 0, sizeof(seen));
	shared_fd = open(path, O_RDONLY);
	long bad = run_threads(reader);
	int dup = 0, missing = 0;
	for (int i = 0; i < RECORDS; i++) {
		dup += seen[i] > 1;
		missing += seen[i] == 0;
	}
	check(!bad && !dup && !missing, what,
	      "bad %ld duplicated %d missing %d", bad, dup, missing);
	close(shared_fd);
}

static void shared_writes(const char *what)
{
	shared_fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	long bad = run_threads(writer);
	close(shared_fd);
	int wrong = check_file();
	check(!bad && !wrong, what, "bad %ld wrong records %d", bad, wrong);
}

/* Two processes reading one inherited file description. */
static void fork_reads(void)
{
	int p[2];
	make_file();
	shared_fd = open(path, O_RDONLY);
	if (pipe(p))
		return;
	memset(seen, 0, sizeof(seen));
	pid_t pid = fork();
	if (pid == 0) {
		uint32_t rec;
		close(p[0]);
		while (read(shared_fd, &rec, 4) == 4)
			if (write(p[1], &rec, 4) != 4)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	uint32_t rec;
	while (read(shared_fd, &rec, 4) == 4)
		if (rec < RECORDS)
			seen[rec]++;
	while (read(p[0], &rec, 4) == 4)
		if (rec < RECORDS)
			seen[rec]++;
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	int wrong = 0;
	for (int i = 0; i < RECORDS; i++)
		wrong += seen[i] != 1;
	check(WIFEXITED(status) && !WEXITSTATUS(status) && !wrong,
	      "parent and child share the offset", "status %d wrong %d", status,
	      wrong);
	close(shared_fd);
}

static volatile bool stop;

static void *toggle_nonblock(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		int on = i & 1;
		ioctl(shared_fd, FIONBIO, &on);
	}
	int on = 1;
	ioctl(shared_fd, FIONBIO, &on);
	return NULL;
}

static void flags_race(void)
{
	shared_fd = open(path, O_RDWR);
	pthread_t t;
	pthread_create(&t, NULL, toggle_nonblock, NULL);
	/* Meanwhile set O_APPEND through F_SETFL from a consistent view:
	 * each F_SETFL keeps O_NONBLOCK as we read it, so only the final
	 * flag state of the toggler must survive with O_APPEND set. */
	int fl = fcntl(shared_fd, F_GETFL);
	fcntl(shared_fd, F_SETFL, (fl & O_NONBLOCK) | O_APPEND);
	pthread_join(t, NULL);
	fl = fcntl(shared_fd, F_GETFL);
	check((fl & O_NONBLOCK) && (fl & O_APPEND) &&
		      (fl & O_ACCMODE) == O_RDWR,
	      "flags after FIONBIO and F_SETFL", "flags %#x", fl);
	close(shared_fd);
}

/* Positional I/O on a pipe is ESPIPE, even on the end that cannot do
 * the direction asked (Linux checks FMODE_PWRITE first). */
static void pipe_positional(void)
{
	int p[2];
	char c = 'x';
	struct iovec v = {&c, 1};

	check_zero(pipe(p), "pipe for pwrite");
	check_errno(pwrite(p[1], &c, 1, 0), -1, ESPIPE, "pwrite on a pipe");
	check_errno(syscall(SYS_pwritev2, p[0], &v, 1, 0, 0, 0), -1, ESPIPE,
		    "pwritev2 on a pipe's read end");
	check_errno(syscall(SYS_preadv2, p[1], &v, 1, 0, 0, 0), -1, ESPIPE,
		    "preadv2 on a pipe's write end");
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	pipe_positional();
	snprintf(path, sizeof(path), "/tmp/kiln-fileio2-%d", getpid());
	shared_reads("threads read a shared fd: each record once");
	shared_writes("threads write a shared fd: no record lost");
	use_vec = true;
	shared_reads("threads readv a shared fd: each record once");
	shared_writes("threads writev a shared fd: no record lost");
	use_vec = false;
	fork_reads();
	flags_race();
	unlink(path);
	guest_exit("fileio2");
}
