/* SPDX-License-Identifier: MIT */
/*
 * hello: the process start-up contract. Prints argv and the KILN_TEST_*
 * environment (sorted), checks the auxiliary vector, uname and the ids,
 * then exits with the status given as argv[1] (default 0), so the harness
 * can test exit-status propagation. On Kiln the program is PID 1 and runs
 * as root, so only relations between ids are checked, never their values.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "guest.h"

extern char **environ;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print the variables named KILN_TEST_*, sorted, so order cannot differ. */
static void print_test_env(void)
{
	char *vars[64];
	size_t n = 0;

	for (char **e = environ; *e && n < 64; e++)
		if (strncmp(*e, "KILN_TEST_", 10) == 0)
			vars[n++] = *e;
	qsort(vars, n, sizeof(vars[0]), cmp_str);
	printf("env: %zu KILN_TEST_ variables\n", n);
	for (size_t i = 0; i < n; i++)
		printf("env: %s\n", vars[i]);
}

/* argv, envp and auxv sit back to back on the initial stack. */
static void check_stack_layout(int argc, char **argv)
{
	check(argv[argc] == NULL, "stack: argv NULL-terminated", "no NULL");
	check(environ == argv + argc + 1, "stack: envp follows argv",
	      "environ is not argv + argc + 1");
}

/* AT_PHDR/AT_PHNUM/AT_ENTRY must describe the program that is running. */
static void check_auxv_program(void)
{
	unsigned long phdr = getauxval(AT_PHDR);
	unsigned long phnum = getauxval(AT_PHNUM);
	unsigned long entry = getauxval(AT_ENTRY);
	const Elf64_Phdr *ph = (const Elf64_Phdr *)phdr;
	const Elf64_Phdr *load0 = NULL;
	const Elf64_Ehdr *eh;
	uintptr_t bias;

	check(phdr && phnum && entry, "auxv: AT_PHDR AT_PHNUM AT_ENTRY set",
	      "phdr %#lx phnum %lu entry %#lx", phdr, phnum, entry);
	check(getauxval(AT_PHENT) == sizeof(Elf64_Phdr), "auxv: AT_PHENT",
	      "%lu", getauxval(AT_PHENT));
	if (!phdr || !phnum || !entry)
		return;
	for (unsigned long i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0 && !load0)
			load0 = &ph[i];
	check(load0 != NULL, "auxv: AT_PHDR has the PT_LOAD of the header",
	      "none of %lu headers", phnum);
	if (!load0)
		return;
	/* Linkers put the program headers right after the ELF header. */
	eh = (const Elf64_Ehdr *)(phdr - sizeof(Elf64_Ehdr));
	bias = (uintptr_t)eh - load0->p_vaddr;
	check(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 &&
		      eh->e_phoff == sizeof(Elf64_Ehdr) &&
		      eh->e_phnum == phnum && eh->e_entry + bias == entry,
	      "auxv: AT_ENTRY matches the ELF header", "e_entry %#lx",
	      (unsigned long)eh->e_entry);
}

/* The remaining auxv entries a libc reads at start-up. */
static void check_auxv_values(void)
{
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	unsigned char bytes[16] = {0}, zero[16] = {0};

	check(getauxval(AT_PAGESZ) == 4096, "auxv: AT_PAGESZ 4096", "%lu",
	      getauxval(AT_PAGESZ));
	check(getauxval(AT_CLKTCK) == 100, "auxv: AT_CLKTCK 100", "%lu",
	      getauxval(AT_CLKTCK));
	check(getauxval(AT_SECURE) == 0, "auxv: AT_SECURE 0", "%lu",
	      getauxval(AT_SECURE));
	check(rnd != NULL, "auxv: AT_RANDOM set", "NULL");
	if (rnd)
		memcpy(bytes, rnd, sizeof(bytes));
	check(memcmp(bytes, zero, 16) != 0, "auxv: AT_RANDOM 16 bytes",
	      "all zero");
	check(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid(),
	      "auxv: AT_UID AT_EUID match getuid geteuid", "%lu %lu",
	      getauxval(AT_UID), getauxval(AT_EUID));
	check(getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(),
	      "auxv: AT_GID AT_EGID match getgid getegid", "%lu %lu",
	      getauxval(AT_GID), getauxval(AT_EGID));
}

static void check_system(void)
{
	struct utsname u;
	int ok = uname(&u) == 0;

	check(ok && strcmp(u.sysname, "Linux") == 0, "uname: sysname Linux",
	      "%s", ok ? u.sysname : "uname failed");
	check(ok && strcmp(u.machine, "x86_64") == 0, "uname: machine x86_64",
	      "%s", ok ? u.machine : "uname failed");
	check(getpid() > 0, "ids: getpid positive", "%d", (int)getpid());
	check(getuid() == geteuid() && getgid() == getegid(),
	      "ids: real and effective ids equal", "uid %d/%d gid %d/%d",
	      (int)getuid(), (int)geteuid(), (int)getgid(), (int)getegid());
	for (int fd = 0; fd < 3; fd++) {
		char what[64];

		snprintf(what, sizeof(what), "fds: fd %d open", fd);
		check(fcntl(fd, F_GETFD) >= 0, what, "errno %d", errno);
	}
}

int main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;

	printf("argc %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] \"%s\"\n", i, argv[i]);
	print_test_env();
	check_stack_layout(argc, argv);
	check_auxv_program();
	check_auxv_values();
	check_system();
	printf("hello: %s, exiting with %d\n",
	       guest_failures ? "checks FAILED" : "all checks passed", status);
	fflush(stdout);
	return guest_failures && status == 0 ? 1 : status;
}
