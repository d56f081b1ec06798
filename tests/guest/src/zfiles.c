// SPDX-License-Identifier: MIT
/*
 * Reading a file of the image every way a program can: this program's own
 * binary, which kiln build stores compressed (zstd chunks of 128 KiB,
 * decompressed on first use; docs/decisions/compressed-files.md). On the
 * host it reads /proc/self/exe, the same bytes. read() in odd sizes,
 * pread() across chunk and page boundaries, mmap at offsets, a private
 * writable mapping (the file must not change), read() into a mapping of
 * the same file, a reopen after every user is gone (the cache is given
 * back and refilled; the last user may be a munmap), and threads reading at
 * once must all see the bytes of the first plain read.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

#define CHUNK	 (128 * 1024)
#define NTHREADS 4

static const char *self_path;
static unsigned char *ref; /* the whole file, by plain read() */
static size_t size;

static const char *pick_self(const char *argv0)
{
	return access(argv0, R_OK) == 0 ? argv0 : "/proc/self/exe";
}

/* Read all of fd in pieces of step bytes into buf (size bytes). */
static ssize_t read_all(int fd, unsigned char *buf, size_t cap, size_t step)
{
	size_t done = 0;

	for (;;) {
		size_t want = step < cap - done ? step : cap - done;
		ssize_t n = read(fd, buf + done, want ? want : 1);
		if (n < 0)
			return -1;
		if (n == 0)
			return (ssize_t)done;
		done += (size_t)n;
		if (done == cap) {
			unsigned char extra;
			return read(fd, &extra, 1) == 0 ? (ssize_t)done : -1;
		}
	}
}

static void check_reads(void)
{
	static const size_t steps[] = {1000, 4096, 7777, 65536, 200000};
	unsigned char *buf = malloc(size);
	int bad = 0;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int fd = open(self_path, O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read_all(fd, buf, size, steps[i]);
		if (n != (ssize_t)size || memcmp(buf, ref, size))
			bad++;
		close(fd);
	}
	check(bad == 0, "zfiles: read in odd sizes", "%d of 5 differ", bad);
	free(buf);
}

static void check_preads(void)
{
	int fd = open(self_path, O_RDONLY), bad = 0, tried = 0;
	unsigned char buf[64];

	for (size_t base = 0; base <= size; base += 4096) {
		for (int d = -3; d <= 3; d += 3) {
			if ((long)base + d < 0 || base + d > size)
				continue;
			size_t off = base + d;
			size_t want = size - off < sizeof(buf) ? size - off
							       : sizeof(buf);
			ssize_t n = pread(fd, buf, sizeof(buf), off);
			tried++;
			if (n != (ssize_t)want || memcmp(buf, ref + off, want))
				bad++;
		}
	}
	check(bad == 0 && tried > 3,
	      "zfiles: pread across page and chunk edges", "%d of %d differ",
	      bad, tried);
	check(pread(fd, buf, 8, size) == 0, "zfiles: pread at EOF", "not 0");
	check(pread(fd, buf, 8, size + 100000) == 0, "zfiles: pread past EOF",
	      "not 0");
	close(fd);
}

static void check_mmaps(void)
{
	int fd = open(self_path, O_RDONLY);
	unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);

	check(m != MAP_FAILED && !memcmp(m, ref, size), "zfiles: mmap whole",
	      "differs");
	/* the tail of the last page reads as zeros */
	size_t tail = (4096 - size % 4096) % 4096;
	int zeros = 1;
	for (size_t i = 0; m != MAP_FAILED && i < tail; i++)
		zeros &= m[size + i] == 0;
	check(zeros, "zfiles: mmap tail past EOF is zero", "not zero");
	if (m != MAP_FAILED)
		munmap(m, size);

	int bad = 0;
	for (size_t off = 0; off < size; off += CHUNK / 2 + 4096) {
		size_t len = size - off < 3 * 4096 ? size - off : 3 * 4096;
		unsigned char *p =
			mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, (off_t)off);
		if (p == MAP_FAILED || memcmp(p, ref + off, len))
			bad++;
		if (p != MAP_FAILED)
			munmap(p, len);
	}
	check(bad == 0, "zfiles: mmap at offsets", "%d differ", bad);

	/* a private writable mapping: writes stay in the mapping */
	unsigned char *w =
		mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	unsigned char b = 0;
	if (w != MAP_FAILED) {
		w[0] ^= 0xff;
		w[size - 1] ^= 0xff;
	}
	check(w != MAP_FAILED && pread(fd, &b, 1, 0) == 1 && b == ref[0] &&
		      w[0] == (unsigned char)(ref[0] ^ 0xff),
	      "zfiles: private write leaves the file", "changed");

	/* read() of the file into a mapping of the file itself */
	if (w != MAP_FAILED) {
		ssize_t n =
			pread(fd, w, size > 2 * CHUNK ? 2 * CHUNK : size, 0);
		check(n > 0 && !memcmp(w, ref, (size_t)n),
		      "zfiles: read into a mapping of the same file", "n=%zd",
		      n);
		munmap(w, size);
	}
	close(fd);
}

static void check_reopen(void)
{
	/* every user gone: on Kiln the cache is given back, then refilled */
	unsigned char *buf = malloc(size);
	int fd = open(self_path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read_all(fd, buf, size, 4096);

	check(n == (ssize_t)size && !memcmp(buf, ref, size),
	      "zfiles: read again after close", "differs");
	close(fd);
	free(buf);
}

/* the mapping outlives the fd: the last user goes in munmap */
static void check_unmap_last(void)
{
	int fd = open(self_path, O_RDONLY);
	unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);

	close(fd);
	check(m != MAP_FAILED && !memcmp(m, ref, size),
	      "zfiles: mapping after close", "differs");
	check(m != MAP_FAILED && munmap(m, size) == 0,
	      "zfiles: munmap of the last user", "failed");
	check_reopen();
}

static void *reader(void *arg)
{
	long id = (long)arg, bad = 0;
	int fd = open(self_path, O_RDONLY);
	unsigned char buf[4096];

	/* each thread walks the file from a different chunk */
	size_t nchunks = (size + CHUNK - 1) / CHUNK;
	for (size_t k = 0; k < nchunks; k++) {
		size_t off = ((k + (size_t)id) % nchunks) * CHUNK;
		for (size_t o = off; o < off + CHUNK && o < size; o += 4096) {
			size_t want = size - o < 4096 ? size - o : 4096;
			if (pread(fd, buf, 4096, o) != (ssize_t)want ||
			    memcmp(buf, ref + o, want))
				bad++;
		}
	}
	close(fd);
	return (void *)bad;
}

static void check_threads(void)
{
	pthread_t t[NTHREADS];
	long bad = 0;

	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, reader, (void *)i);
	for (int i = 0; i < NTHREADS; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += (long)r;
	}
	check(bad == 0, "zfiles: threads reading at once", "%ld pages differ",
	      bad);
}

int main(int argc, char **argv)
{
	struct stat st;
	(void)argc;

	self_path = pick_self(argv[0]);
	int fd = open(self_path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || st.st_size <= 0) {
		check(false, "zfiles: open self", "errno %d", errno);
		guest_exit("zfiles");
	}
	size = (size_t)st.st_size;
	ref = malloc(size);
	check(read_all(fd, ref, size, 1 << 20) == (ssize_t)size,
	      "zfiles: read whole", "short");
	close(fd);
	check_reads();
	check_preads();
	check_mmaps();
	check_reopen();
	check_unmap_last();
	check_threads();
	guest_exit("zfiles");
}
