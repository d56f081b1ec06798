// SPDX-License-Identifier: MIT
/*
 * fork and memory protections: a private page that is read-only or
 * PROT_NONE at fork time is still copy-on-write. Whichever side later
 * makes it writable again (mprotect) and writes, the other keeps the old
 * contents; a shared page stays shared whatever its protection.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define PAGE 4096

/* A private (or shared) page holding VALUE, then protected with PROT. */
static volatile int *page_with(int value, int prot, int share)
{
	volatile int *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			       share | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		check(false, "mmap", "errno %d", errno);
		exit(1);
	}
	p[0] = value;
	if (mprotect((void *)p, PAGE, prot)) {
		check(false, "mprotect", "errno %d", errno);
		exit(1);
	}
	return p;
}

/* The child makes the page writable, writes 2 and exits: what is seen? */
static int child_writes(volatile int *p)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (mprotect((void *)p, PAGE, PROT_READ | PROT_WRITE))
			_exit(3);
		p[0] = 2;
		_exit(p[0] == 2 ? 0 : 4);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		check(false, "child", "status %x", st);
		return -1;
	}
	mprotect((void *)p, PAGE, PROT_READ);
	return p[0];
}

/* The parent writes after the fork; the child reports what it sees. */
static int parent_writes(volatile int *p, int middle_prot)
{
	int go[2], back[2];

	if (pipe(go) || pipe(back))
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		mprotect((void *)p, PAGE, PROT_READ);
		int v = p[0];
		write(back[1], &v, sizeof(v));
		_exit(0);
	}
	/* a detour through another protection must not drop the COW */
	mprotect((void *)p, PAGE, middle_prot);
	mprotect((void *)p, PAGE, PROT_READ | PROT_WRITE);
	p[0] = 3;
	write(go[1], "x", 1);
	int v = -1;
	if (read(back[0], &v, sizeof(v)) != sizeof(v))
		v = -1;
	waitpid(pid, NULL, 0);
	close(go[0]);
	close(go[1]);
	close(back[0]);
	close(back[1]);
	return v;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	static const struct {
		const char *name;
		int prot;
	} prots[] = {
		{"PROT_READ", PROT_READ},
		{"PROT_NONE", PROT_NONE},
		{"PROT_READ|PROT_WRITE", PROT_READ | PROT_WRITE},
		{"PROT_EXEC", PROT_READ | PROT_EXEC},
	};
	char what[128];

	for (unsigned i = 0; i < sizeof(prots) / sizeof(prots[0]); i++) {
		volatile int *p = page_with(1, prots[i].prot, MAP_PRIVATE);
		int v = child_writes(p);
		snprintf(what, sizeof(what),
			 "private %s page: the child's write not seen",
			 prots[i].name);
		check(v == 1, what, "parent reads %d", v);
		munmap((void *)p, PAGE);

		p = page_with(1, prots[i].prot, MAP_PRIVATE);
		v = parent_writes(p, PROT_NONE);
		snprintf(what, sizeof(what),
			 "private %s page: the parent's write not seen",
			 prots[i].name);
		check(v == 1, what, "child reads %d", v);
		mprotect((void *)p, PAGE, PROT_READ);
		check(p[0] == 3, "the parent keeps its write", "%d", p[0]);
		munmap((void *)p, PAGE);

		p = page_with(1, prots[i].prot, MAP_PRIVATE);
		v = parent_writes(p, PROT_READ);
		snprintf(what, sizeof(what),
			 "private %s page, via PROT_READ: parent's write not "
			 "seen",
			 prots[i].name);
		check(v == 1, what, "child reads %d", v);
		munmap((void *)p, PAGE);

		p = page_with(1, prots[i].prot, MAP_SHARED);
		v = child_writes(p);
		snprintf(what, sizeof(what),
			 "shared %s page: the child's write seen",
			 prots[i].name);
		check(v == 2, what, "parent reads %d", v);
		munmap((void *)p, PAGE);
	}

	/* a page never touched before the fork is private to each side */
	volatile int *p =
		mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int v = child_writes(p);
	check(v == 0, "untouched PROT_NONE page: the child's write not seen",
	      "%d", v);
	munmap((void *)p, PAGE);
	guest_exit("forkmem");
}
