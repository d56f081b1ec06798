// SPDX-License-Identifier: MIT
/*
 * execve: a failed exec (ENOENT, ENOEXEC, EACCES) leaves a multithreaded
 * process intact; a successful exec from a secondary thread leaves one
 * thread whose tid is the pid; a program written into tmpfs at run time
 * runs; paths relative to the cwd work (for exec and /proc/self/exe);
 * "#!" scripts get the interpreter, its one optional argument and the
 * script's path in argv, nest, and report their errors as Linux does.
 *
 * The program copies itself into DIR and runs the copy in "dump" mode
 * (KEXEC_DUMP set), which prints its argv, /proc/self/exe, its name and
 * whether it is alone, with DIR shown as $DIR so host and Kiln agree.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static char dir[64];

/* Print s with the test directory shown as $DIR. */
static void put_path(const char *s)
{
	size_t n = strlen(dir);

	if (n && !strncmp(s, dir, n))
		printf("$DIR%s", s + n);
	else
		printf("%s", s);
}

static int dump(int argc, char **argv)
{
	char buf[256];

	printf("  argc %d:", argc);
	for (int i = 0; i < argc; i++) {
		printf(" [");
		put_path(argv[i]);
		printf("]");
	}
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("\n  exe ");
	put_path(buf);
	prctl(PR_GET_NAME, buf);
	printf("\n  name %s\n", buf);
	if (getenv("KEXEC_TID"))
		printf("  tid is pid: %s\n",
		       syscall(SYS_gettid) == getpid() ? "yes" : "no");
	fflush(stdout);
	return 0;
}

static void write_file(const char *name, const void *data, size_t len,
		       mode_t mode)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) ||
	    chmod(path, mode))
		check(false, "write_file", "%s errno %d", path, errno);
}

static void write_script(const char *name, const char *line, mode_t mode)
{
	char text[256];

	snprintf(text, sizeof(text), "%s\necho not a shell\n", line);
	write_file(name, text, strlen(text), mode);
}

/* Copy this program into DIR/prog, executable. */
static void copy_self(void)
{
	static char buf[4 << 20];
	int fd = open("/proc/self/exe", O_RDONLY);
	ssize_t n = 0, r;

	while (fd >= 0 && (r = read(fd, buf + n, sizeof(buf) - n)) > 0)
		n += r;
	close(fd);
	check(n > 0 && n < (ssize_t)sizeof(buf), "read /proc/self/exe",
	      "n %zd errno %d", n, errno);
	write_file("prog", buf, n, 0755);
}

/* fork, chdir to cwd (if set), exec path with args; the exit status. */
static int run(const char *cwd, const char *path, char *const args[])
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (cwd && chdir(cwd))
			_exit(120);
		execv(path, args);
		printf("  execv: errno %s\n", errno == ENOENT	 ? "ENOENT"
					      : errno == ENOEXEC ? "ENOEXEC"
					      : errno == EACCES	 ? "EACCES"
					      : errno == ELOOP	 ? "ELOOP"
								 : "other");
		fflush(stdout);
		_exit(121);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void runs(const char *what, const char *cwd, const char *path,
		 char *const args[], int want)
{
	printf("%s:\n", what);
	int st = run(cwd, path, args);
	check(st == want, what, "status %d, want %d", st, want);
}

static void tmpfs_programs_and_scripts(void)
{
	char path[128], line[200];
	char *args[] = {"a0", "a1", "a 2", NULL};

	copy_self();
	snprintf(path, sizeof(path), "%s/prog", dir);
	runs("a program written into tmpfs runs", NULL, path, args, 0);
	runs("exec relative to the cwd: ./prog", dir, "./prog", args, 0);
	runs("exec relative to the cwd: prog", dir, "prog", args, 0);

	snprintf(line, sizeof(line), "#!%s/prog", dir);
	write_script("s-noarg", line, 0755);
	snprintf(line, sizeof(line), "#! %s/prog  one arg\t with spaces \t",
		 dir);
	write_script("s-arg", line, 0755);
	snprintf(line, sizeof(line), "#!%s/s-arg nested", dir);
	write_script("s-nested", line, 0755);
	snprintf(path, sizeof(path), "%s/s-noarg", dir);
	runs("script without an argument", NULL, path, args, 0);
	snprintf(path, sizeof(path), "%s/s-arg", dir);
	runs("script with an argument", NULL, path, args, 0);
	runs("script by a relative path", dir, "s-arg", args, 0);
	snprintf(path, sizeof(path), "%s/s-nested", dir);
	runs("script whose interpreter is a script", NULL, path, args, 0);

	write_script("s-noexec", line, 0644);
	snprintf(path, sizeof(path), "%s/s-noexec", dir);
	runs("script without execute permission", NULL, path, args, 121);
	snprintf(line, sizeof(line), "#!%s/missing", dir);
	write_script("s-missing", line, 0755);
	snprintf(path, sizeof(path), "%s/s-missing", dir);
	runs("script with a missing interpreter", NULL, path, args, 121);
	write_script("s-empty", "#!   ", 0755);
	snprintf(path, sizeof(path), "%s/s-empty", dir);
	runs("script naming no interpreter", NULL, path, args, 121);
	write_file("junk", "\177ELG junk, not a program\n", 25, 0755);
	snprintf(path, sizeof(path), "%s/junk", dir);
	runs("a file that is no program", NULL, path, args, 121);
	runs("a directory", NULL, dir, args, 121);
}

static volatile int stop, spins;

static void *spinner(void *arg)
{
	(void)arg;
	while (!stop) {
		spins++;
		usleep(1000);
	}
	return NULL;
}

static void *exec_fails(void *arg)
{
	char *args[] = {"x", NULL};

	execv((char *)arg, args);
	return (void *)(long)errno;
}

/* Failed execs leave the other threads running. */
static void failed_exec_keeps_threads(void)
{
	char junk[128], noexec[128];
	char *args[] = {"x", NULL};
	pthread_t th;

	snprintf(junk, sizeof(junk), "%s/junk", dir);
	snprintf(noexec, sizeof(noexec), "%s/s-noexec", dir);
	stop = 0;
	pthread_create(&th, NULL, spinner, NULL);
	usleep(20000);
	errno = 0;
	check_errno(execv("/no/such/program", args), -1, ENOENT,
		    "failed exec: ENOENT");
	check_errno(execv(junk, args), -1, ENOEXEC, "failed exec: ENOEXEC");
	check_errno(execv(noexec, args), -1, EACCES, "failed exec: EACCES");
	int before = spins;
	usleep(50000);
	check(spins > before, "the other thread still runs", "%d -> %d", before,
	      (int)spins);

	/* the same from a second thread while the main one waits */
	pthread_t t2;
	void *res;
	pthread_create(&t2, NULL, exec_fails, junk);
	pthread_join(t2, &res);
	check((long)res == ENOEXEC, "failed exec in a second thread: ENOEXEC",
	      "errno %ld", (long)res);
	before = spins;
	usleep(50000);
	check(spins > before, "the first thread still runs", "%d -> %d", before,
	      (int)spins);
	stop = 1;
	pthread_join(th, NULL);
	check(true, "threads joined", "%s", "");
}

static void *exec_prog(void *arg)
{
	char *args[] = {"from-thread", NULL};

	setenv("KEXEC_TID", "1", 1);
	execv((char *)arg, args);
	_exit(122);
}

/* A successful exec from a secondary thread of a threaded process. */
static void exec_from_thread(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/prog", dir);
	printf("exec from a second thread:\n");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t a, b;
		stop = 0;
		pthread_create(&a, NULL, spinner, NULL);
		pthread_create(&b, NULL, exec_prog, path);
		pthread_join(b, NULL);
		_exit(123);
	}
	int st;
	check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 0,
	      "exec from a second thread", "status %x", st);
}

static void cleanup(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	const char *d = getenv("KEXEC_DIR");

	if (d)
		strncpy(dir, d, sizeof(dir) - 1);
	if (getenv("KEXEC_DUMP"))
		return dump(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof(dir), "/tmp/kiln-exec.%d", (int)getpid());
	cleanup();
	if (mkdir(dir, 0755)) {
		check(false, "mkdir", "errno %d", errno);
		guest_exit("exec");
	}
	setenv("KEXEC_DIR", dir, 1);
	setenv("KEXEC_DUMP", "1", 1);
	tmpfs_programs_and_scripts();
	failed_exec_keeps_threads();
	exec_from_thread();
	cleanup();
	guest_exit("exec");
}
