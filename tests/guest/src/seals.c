// SPDX-License-Identifier: MIT
/*
 * memfd seals: F_ADD_SEALS/F_GET_SEALS on memfds made with and without
 * MFD_ALLOW_SEALING, on a plain tmpfs file and on a pipe; each seal then
 * refusing what it forbids (write, pwrite, ftruncate, fallocate, writable
 * shared mmap, mprotect to writable) while the rest still works;
 * F_SEAL_WRITE refused (EBUSY) while a writable shared mapping exists;
 * F_SEAL_FUTURE_WRITE leaving an existing mapping writable. Also mmap's
 * MAP_SHARED_VALIDATE refusing flags it does not know (EOPNOTSUPP).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

static int sealable(size_t size)
{
	int fd = memfd_create("seals", MFD_ALLOW_SEALING);

	if (size)
		ftruncate(fd, size);
	return fd;
}

static void add_and_get(void)
{
	int fd = sealable(0);

	check(fcntl(fd, F_GET_SEALS) == 0, "seals: none at first", "%d",
	      fcntl(fd, F_GET_SEALS));
	check_zero(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), "seals: add SHRINK");
	check_zero(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), "seals: add GROW");
	check(fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW),
	      "seals: they add up", "%d", fcntl(fd, F_GET_SEALS));
	check_errno(fcntl(fd, F_ADD_SEALS, 0x40), -1, EINVAL,
		    "seals: unknown bits EINVAL");
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int ro = open(path, O_RDONLY);
	check(fcntl(ro, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW),
	      "seals: the same file reopened has them", "%d",
	      fcntl(ro, F_GET_SEALS));
	check_errno(fcntl(ro, F_ADD_SEALS, F_SEAL_WRITE), -1, EPERM,
		    "seals: add through a read-only fd EPERM");
	close(ro);
	check_zero(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL), "seals: add SEAL");
	check_errno(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1, EPERM,
		    "seals: none after SEAL EPERM");
	check(fcntl(fd, F_GET_SEALS) ==
		      (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
	      "seals: SEAL is listed", "%d", fcntl(fd, F_GET_SEALS));
	close(fd);

	fd = memfd_create("plain", 0);
	check(fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL,
	      "seals: without ALLOW_SEALING, SEAL is preset", "%d",
	      fcntl(fd, F_GET_SEALS));
	check_errno(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1, EPERM,
		    "seals: without ALLOW_SEALING EPERM");
	close(fd);

	fd = open("/dev/shm/seals.f", O_RDWR | O_CREAT | O_TRUNC, 0600);
	check(fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL,
	      "seals: a tmpfs file has SEAL preset", "%d",
	      fcntl(fd, F_GET_SEALS));
	check_errno(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), -1, EPERM,
		    "seals: a tmpfs file takes none EPERM");
	close(fd);
	unlink("/dev/shm/seals.f");

	int p[2];
	pipe(p);
	check_errno(fcntl(p[1], F_ADD_SEALS, F_SEAL_GROW), -1, EINVAL,
		    "seals: a pipe EINVAL");
	check_errno(fcntl(p[0], F_GET_SEALS), -1, EINVAL,
		    "seals: get on a pipe EINVAL");
	close(p[0]);
	close(p[1]);

	fd = sealable(0);
	check_zero(fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC), "seals: add EXEC");
	int s = fcntl(fd, F_GET_SEALS);
	check(s == (F_SEAL_EXEC | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
		    F_SEAL_FUTURE_WRITE),
	      "seals: EXEC on an executable memfd implies the write seals",
	      "%#x", s);
	close(fd);
}

static void shrink_grow(void)
{
	char buf[8192];
	int fd = sealable(8192);

	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
	check_errno(ftruncate(fd, 4096), -1, EPERM, "seals: SHRINK truncate");
	check_zero(ftruncate(fd, 12288), "seals: SHRINK lets it grow");
	check_zero(ftruncate(fd, 12288), "seals: SHRINK, same size");
	close(fd);

	fd = sealable(8192);
	fcntl(fd, F_ADD_SEALS, F_SEAL_GROW);
	check_errno(ftruncate(fd, 12288), -1, EPERM, "seals: GROW truncate");
	check_zero(ftruncate(fd, 4096), "seals: GROW lets it shrink");
	memset(buf, 'g', sizeof(buf));
	check(pwrite(fd, buf, 100, 1000) == 100, "seals: GROW writes inside",
	      "no");
	check(pwrite(fd, buf, 100, 4090) == 6,
	      "seals: GROW write across the end stops there", "no");
	check_errno(pwrite(fd, buf, 10, 4096), -1, EPERM,
		    "seals: GROW write at the end EPERM");
	check_errno(fallocate(fd, 0, 0, 8192), -1, EPERM,
		    "seals: GROW fallocate past the end EPERM");
	check_errno(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 8192), -1, EPERM,
		    "seals: GROW fallocate KEEP_SIZE past the end EPERM");
	check_zero(fallocate(fd, 0, 0, 4096), "seals: GROW fallocate inside");
	struct stat st;
	fstat(fd, &st);
	check(st.st_size == 4096, "seals: GROW size unchanged", "%ld",
	      (long)st.st_size);
	close(fd);
}

static void write_seal(void)
{
	char buf[4096];
	int fd = sealable(4096);

	char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check_errno(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1, EBUSY,
		    "seals: WRITE with a writable shared mapping EBUSY");
	munmap(w, 4096);
	char *r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	check_errno(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1, EBUSY,
		    "seals: WRITE with a read-only shared mapping EBUSY");
	munmap(r, 4096);
	char *pv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check_zero(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE),
		   "seals: WRITE once unmapped (a private mapping is fine)");
	memset(buf, 'w', sizeof(buf));
	check_errno(write(fd, buf, 10), -1, EPERM, "seals: WRITE write EPERM");
	check_errno(pwrite(fd, buf, 10, 0), -1, EPERM,
		    "seals: WRITE pwrite EPERM");
	check_errno(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			      4096),
		    -1, EPERM, "seals: WRITE punch hole EPERM");
	w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(w == MAP_FAILED && errno == EPERM,
	      "seals: WRITE writable shared mmap EPERM", "%p errno %d", w,
	      errno);
	r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	check(r != MAP_FAILED, "seals: WRITE read-only shared mmap", "errno %d",
	      errno);
	check_errno(mprotect(r, 4096, PROT_READ | PROT_WRITE), -1, EACCES,
		    "seals: WRITE mprotect to writable EACCES");
	munmap(r, 4096);
	pv[0] = 'p'; /* a private copy: the file is unchanged */
	check(pread(fd, buf, 1, 0) == 1 && buf[0] == 0,
	      "seals: WRITE private copy written, file unchanged", "%d",
	      buf[0]);
	munmap(pv, 4096);
	check_zero(ftruncate(fd, 8192), "seals: WRITE alone lets it grow");
	close(fd);
}

static void future_write(void)
{
	char buf[16] = {0};
	int fd = sealable(4096);
	char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	check_zero(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE),
		   "seals: FUTURE_WRITE with a writable mapping");
	memcpy(w, "still", 5);
	check(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "still", 5),
	      "seals: FUTURE_WRITE the old mapping still writes", "%s", buf);
	check_errno(write(fd, "x", 1), -1, EPERM,
		    "seals: FUTURE_WRITE write EPERM");
	char *w2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(w2 == MAP_FAILED && errno == EPERM,
	      "seals: FUTURE_WRITE new writable mapping EPERM", "errno %d",
	      errno);
	munmap(w, 4096);
	close(fd);
}

static void shared_validate(void)
{
	int fd = sealable(4096);
	void *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED_VALIDATE, fd, 0);

	check(m != MAP_FAILED, "mmap: MAP_SHARED_VALIDATE", "errno %d", errno);
	munmap(m, 4096);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
	check(m == MAP_FAILED && errno == EOPNOTSUPP,
	      "mmap: MAP_SHARED_VALIDATE with MAP_SYNC EOPNOTSUPP",
	      "%p errno %d", m, errno);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED_VALIDATE | 0x800000, fd, 0);
	check(m == MAP_FAILED && errno == EOPNOTSUPP,
	      "mmap: MAP_SHARED_VALIDATE with an unknown flag EOPNOTSUPP",
	      "%p errno %d", m, errno);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1,
		 0);
	check(m == MAP_FAILED && errno == EINVAL,
	      "mmap: anonymous MAP_SHARED_VALIDATE EINVAL", "%p errno %d", m,
	      errno);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_SYNC, fd, 0);
	check(m != MAP_FAILED, "mmap: MAP_SHARED ignores MAP_SYNC", "errno %d",
	      errno);
	munmap(m, 4096);
	close(fd);
}

int main(void)
{
	add_and_get();
	shrink_grow();
	write_seal();
	future_write();
	shared_validate();
	guest_exit("seals");
}
