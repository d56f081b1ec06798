// SPDX-License-Identifier: MIT
/*
 * Command-line tests for `kiln build` and `kiln run`.
 *
 * cmd_build() and cmd_run() run in forked children with their output
 * captured. `kiln run` is driven by fake QEMUs (shell scripts named by
 * KILN_QEMU) to pin down the exit-status protocol, and, when QEMU is
 * installed, by the real thing booting the fake kernel under TCG. With
 * KILN_BIN set (make test-unit does), the real kiln binary is run too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <kiln/disk.h>
#include "lib/elf.h"
#include "packer/cmd.h"
#include "packer/disk.h"
#include "packer/util.h"
#include "packer/image.h"
#include "packer/vm.h"
#include "helpers.h"

struct fixture {
	char *dir;
	char *rootfs;
	char *kernel;  /* fake Kiln kernel: prints status 42 */
	char *nodesc;  /* fake kernel without .kiln_desc */
	char *out;     /* dir/out.img */
	char *out_tmp; /* dir/out.img.tmp */
	char *image;   /* a good image, made in setup */
	char *qemu;    /* dir/qemu: fake QEMU script */
};

static struct fixture *fx;

static int setup(void **state)
{
	struct fk_opts good = {.action = FK_STATUS_LINE, .status = 42};
	struct fk_opts nodesc = {.no_desc = true};
	char *p;

	(void)state;
	fx = calloc(1, sizeof(*fx));
	fx->dir = tmp_dir();
	fx->rootfs = path_join(fx->dir, "rootfs");
	tmp_file(fx->rootfs, "hello", "#!/bin/true\n", 0755);
	tmp_file(fx->rootfs, "notexec", "data\n", 0644);
	tmp_file(fx->rootfs, "d/file", "x\n", 0644);
	p = path_join(fx->rootfs, "bin");
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = path_join(fx->rootfs, "bin/sh");
	assert_int_equal(symlink("../hello", p), 0);
	free(p);
	p = path_join(fx->rootfs, "bin/abs");
	assert_int_equal(symlink("/bin/sh", p), 0);
	free(p);
	p = path_join(fx->rootfs, "dangling");
	assert_int_equal(symlink("nothere", p), 0);
	free(p);
	fx->kernel = fk_write(fx->dir, "kernel.elf", &good);
	fx->nodesc = fk_write(fx->dir, "nodesc.elf", &nodesc);
	fx->out = path_join(fx->dir, "out.img");
	fx->out_tmp = path_join(fx->dir, "out.img.tmp");
	fx->image = path_join(fx->dir, "good.img");
	fx->qemu = path_join(fx->dir, "qemu");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tmp_remove(fx->dir);
	free(fx->dir);
	free(fx->rootfs);
	free(fx->kernel);
	free(fx->nodesc);
	free(fx->out);
	free(fx->out_tmp);
	free(fx->image);
	free(fx->qemu);
	free(fx);
	return 0;
}

/* Run `kiln build ARGS...` (NULL-terminated) in a child. */
#define BUILD(c, ...)                                                          \
	run_captured(cmd_build, (char *[]){"build", __VA_ARGS__, NULL}, c)
#define RUN(c, ...)                                                            \
	run_captured(cmd_run, (char *[]){"run", __VA_ARGS__, NULL}, c)

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

static void assert_no_output_file(void)
{
	assert_false(path_exists(fx->out));
	assert_false(path_exists(fx->out_tmp));
}

static void test_build_ok(void **state)
{
	struct captured c;
	struct buf img = {0};
	struct image_view v;

	(void)state;
	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--env", "A=B", "-e", "EMPTY=", "--cmdline", "quiet", "--",
	      "/hello", "x", "--y");
	assert_int_equal(c.status, 0);
	assert_contains(c.err, "wrote");
	assert_true(path_exists(fx->out));
	assert_false(path_exists(fx->out_tmp));
	assert_int_equal(util_read_file(fx->out, &img), 0);
	assert_int_equal(image_parse(img.data, img.len, &v, NULL), 0);
	assert_int_equal(v.argc, 3);
	assert_memory_equal(v.argv, "/hello\0x\0--y\0", 13);
	assert_int_equal(v.envc, 2);
	assert_memory_equal(v.envp, "A=B\0EMPTY=\0", 11);
	assert_string_equal(v.cmdline, "quiet");
	buf_free(&img);
	captured_free(&c);
	unlink(fx->out);
}

static void test_build_symlinked_program(void **state)
{
	struct captured c;

	(void)state;
	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--", "/bin/sh");
	assert_int_equal(c.status, 0);
	captured_free(&c);
	/* An absolute link target resolves inside the rootfs, not the host. */
	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--", "/bin/abs");
	assert_int_equal(c.status, 0);
	captured_free(&c);
	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--", "/./bin/../d/../hello");
	assert_int_equal(c.status, 0);
	captured_free(&c);
	unlink(fx->out);
}

static void test_build_missing_program(void **state)
{
	struct captured c;

	(void)state;
	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--", "/nothere");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "/nothere");
	assert_contains(c.err, fx->rootfs);
	assert_no_output_file();
	captured_free(&c);

	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--", "/dangling");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "/dangling");
	assert_no_output_file();
	captured_free(&c);

	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--", "/d");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "not a regular file");
	assert_no_output_file();
	captured_free(&c);

	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--", "/hello/x");
	assert_int_equal(c.status, 1);
	assert_no_output_file();
	captured_free(&c);

	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--", "hello");
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "absolute path");
	assert_no_output_file();
	captured_free(&c);
}

static void test_build_not_executable_warns(void **state)
{
	struct captured c;

	(void)state;
	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--", "/notexec");
	assert_int_equal(c.status, 0);
	assert_contains(c.err, "not executable");
	captured_free(&c);
	unlink(fx->out);
}

static void test_build_bad_env(void **state)
{
	struct captured c;

	(void)state;
	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--env", "NOEQUALS", "--", "/hello");
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "--env 'NOEQUALS'");
	assert_contains(c.err, "NAME=VALUE");
	assert_no_output_file();
	captured_free(&c);

	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--env", "=value", "--", "/hello");
	assert_int_equal(c.status, 2);
	assert_no_output_file();
	captured_free(&c);
}

static void test_build_bad_rootfs(void **state)
{
	char *missing = path_join(fx->dir, "no-such-dir");
	char *file = path_join(fx->rootfs, "hello");
	struct captured c;

	(void)state;
	BUILD(&c, "-o", fx->out, "--rootfs", missing, "--kernel", fx->kernel,
	      "--", "/hello");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, missing);
	assert_contains(c.err, "--rootfs");
	assert_no_output_file();
	captured_free(&c);

	BUILD(&c, "-o", fx->out, "--rootfs", file, "--kernel", fx->kernel, "--",
	      "/hello");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "not a directory");
	assert_no_output_file();
	captured_free(&c);
	free(missing);
	free(file);
}

static void test_build_bad_kernel(void **state)
{
	char *missing = path_join(fx->dir, "no-kernel.elf");
	struct captured c;

	(void)state;
	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->nodesc,
	      "--", "/hello");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "not a Kiln kernel (no .kiln_desc section)");
	assert_contains(c.err, fx->nodesc);
	assert_no_output_file();
	captured_free(&c);

	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", missing,
	      "--", "/hello");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, missing);
	assert_contains(c.err, "--kernel");
	assert_no_output_file();
	captured_free(&c);

	/* $KILN_KERNEL is used when --kernel is not given. */
	setenv("KILN_KERNEL", fx->nodesc, 1);
	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--", "/hello");
	unsetenv("KILN_KERNEL");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, fx->nodesc);
	captured_free(&c);

	/* The output may not overwrite the kernel. */
	BUILD(&c, "-o", fx->kernel, "--rootfs", fx->rootfs, "--kernel",
	      fx->kernel, "--", "/hello");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "overwrite the kernel");
	captured_free(&c);
	free(missing);
}

static void test_build_failure_keeps_old_output(void **state)
{
	struct captured c;
	struct buf b = {0};

	(void)state;
	assert_int_equal(util_write_atomic(fx->out, "old", 3), 0);
	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->nodesc,
	      "--", "/hello");
	assert_int_equal(c.status, 1);
	assert_int_equal(util_read_file(fx->out, &b), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "old", 3);
	assert_false(path_exists(fx->out_tmp));
	buf_free(&b);
	captured_free(&c);
	unlink(fx->out);
}

static void test_build_usage(void **state)
{
	struct captured c;

	(void)state;
	/* Not a release: packer/release.c says which file is missing. */
	BUILD(&c, fx->dir, "-o", fx->out);
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "releases/start_erl.data: missing");
	assert_no_output_file();
	captured_free(&c);

	BUILD(&c, fx->dir, "-o", fx->out, "--rootfs", fx->rootfs, "--",
	      "/hello");
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "unexpected argument");
	captured_free(&c);

	BUILD(&c, "--rootfs", fx->rootfs, "--", "/hello");
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "missing -o IMAGE");
	captured_free(&c);

	BUILD(&c, "-o", fx->out, "--", "/hello");
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "missing --rootfs DIR");
	captured_free(&c);

	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs);
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "-- PROGRAM");
	captured_free(&c);

	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--");
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "-- PROGRAM");
	captured_free(&c);

	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--bogus", "--",
	      "/hello");
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "unknown option '--bogus'");
	captured_free(&c);

	BUILD(&c, "-o");
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "needs a value");
	captured_free(&c);

	BUILD(&c, "--help");
	assert_int_equal(c.status, 0);
	assert_contains(c.out, "Usage: kiln build");
	captured_free(&c);
	assert_no_output_file();
}

static void test_build_skips_special_files(void **state)
{
	char *fifo = path_join(fx->rootfs, "fifo");
	struct captured c;

	(void)state;
	assert_int_equal(mkfifo(fifo, 0644), 0);
	BUILD(&c, "-o", fx->out, "--rootfs", fx->rootfs, "--kernel", fx->kernel,
	      "--", "/hello");
	unlink(fifo);
	assert_int_equal(c.status, 0);
	assert_contains(c.err, fifo);
	assert_contains(c.err, "skipping fifo");
	captured_free(&c);
	unlink(fx->out);
	free(fifo);
}

/* Make the fake QEMU: a shell script with body, named by KILN_QEMU. */
static void fake_qemu(const char *body)
{
	char *script;

	/* $R: the exit report file (COM2) kiln run gave QEMU */
	assert_true(asprintf(&script,
			     "#!/bin/sh\nR=/dev/null\nfor a in \"$@\"; do "
			     "case \"$a\" in file,id=kilnexit,path=*) "
			     "R=\"${a#file,id=kilnexit,path=}\";; esac; done\n"
			     "%s\n",
			     body) > 0);
	unlink(fx->qemu);
	tmp_file(fx->dir, "qemu", script, 0755);
	setenv("KILN_QEMU", fx->qemu, 1);
	free(script);
}

/* Make fx->image from the good fake kernel, once. */
static void need_image(void)
{
	struct captured c;

	if (path_exists(fx->image))
		return;
	BUILD(&c, "-o", fx->image, "--rootfs", fx->rootfs, "--kernel",
	      fx->kernel, "--", "/hello");
	assert_int_equal(c.status, 0);
	captured_free(&c);
}

/* kiln run with a fake QEMU whose script is body; returns the status. */
static int run_fake(const char *body, struct captured *c)
{
	need_image();
	fake_qemu(body);
	RUN(c, "--accel", "tcg", fx->image);
	unsetenv("KILN_QEMU");
	return c->status;
}

static void test_run_report(void **state)
{
	struct captured c;

	(void)state;
	/* the report on COM2 and isa-debug-exit's code agree: 7 */
	assert_int_equal(run_fake("printf 'boot\\nbye\\n'; "
				  "printf 'kiln-exit 7\\n' > \"$R\"; exit 15",
				  &c),
			 7);
	assert_string_equal(c.out, "boot\nbye\n");
	assert_contains(c.err, "kiln: accelerator: TCG");
	captured_free(&c);
	/* 200: (200 << 1 | 1) & 0xff is all QEMU can exit with */
	assert_int_equal(
		run_fake("printf 'kiln-exit 200\\n' > \"$R\"; exit 145", &c),
		200);
	captured_free(&c);
	/* a QEMU that fails after the report is a failure */
	assert_int_equal(
		run_fake("printf 'kiln-exit 0\\n' > \"$R\"; exit 2", &c), 125);
	assert_contains(c.err, "the guest reported exit status 0, but qemu "
			       "then exited with code 2");
	captured_free(&c);
}

static void test_run_console_cannot_fake_status(void **state)
{
	struct captured c;

	(void)state;
	/* a program printing the kernel's status line changes nothing */
	assert_int_equal(
		run_fake("printf '[kiln] exit status 0\\n'; exit 1", &c), 125);
	assert_contains(c.err, "kiln: the VM stopped without reporting an "
			       "exit status (qemu exit code 1)");
	captured_free(&c);
	/* malformed reports are no reports */
	assert_int_equal(
		run_fake("printf 'kiln-exit 256\\n' > \"$R\"; exit 1", &c),
		125);
	captured_free(&c);
	assert_int_equal(run_fake("printf 'kiln-exit 4' > \"$R\"; exit 9", &c),
			 125);
	captured_free(&c);
	assert_int_equal(
		run_fake("printf 'kiln-exit x\\n' > \"$R\"; exit 1", &c), 125);
	captured_free(&c);
}

static void test_run_qemu_exit_codes(void **state)
{
	struct captured c;

	(void)state;
	/* isa-debug-exit without a report: no status to give */
	assert_int_equal(run_fake("echo booting; exit 9", &c), 125);
	assert_contains(c.err, "without reporting an exit status");
	captured_free(&c);
	/* QEMU failing at start-up (exit 1, no output) is not status 0. */
	assert_int_equal(run_fake("echo 'qemu: bad option' >&2; exit 1", &c),
			 125);
	assert_contains(c.err, "qemu failed");
	captured_free(&c);
	assert_int_equal(run_fake("kill -9 $$", &c), 125);
	assert_contains(c.err, "signal 9");
	captured_free(&c);

	setenv("KILN_QEMU", "/nonexistent/qemu-system-x86_64", 1);
	RUN(&c, "--accel", "tcg", fx->image);
	unsetenv("KILN_QEMU");
	assert_int_equal(c.status, 125);
	assert_contains(c.err, "cannot run /nonexistent/qemu-system-x86_64");
	captured_free(&c);
}

static void test_run_timeout(void **state)
{
	char *pidfile = path_join(fx->dir, "qemu.pid");
	char *body;
	struct captured c;
	struct buf pid = {0};
	time_t start = time(NULL);

	(void)state;
	need_image();
	assert_true(asprintf(&body, "echo $$ > '%s'; exec sleep 30", pidfile) >
		    0);
	fake_qemu(body);
	RUN(&c, "--accel", "tcg", "--timeout", "1", fx->image);
	unsetenv("KILN_QEMU");
	assert_int_equal(c.status, 124);
	assert_contains(c.err, "kiln: timeout after 1 s");
	assert_true(time(NULL) - start < 10);
	/* The fake QEMU was stopped. */
	assert_int_equal(util_read_file(pidfile, &pid), 0);
	assert_int_equal(kill(atoi((char *)pid.data), 0), -1);
	buf_free(&pid);
	captured_free(&c);
	free(body);
	free(pidfile);
}

/* Start kiln run in a child, wait for "ready", send sig, return status. */
static int run_and_signal(int sig, pid_t *qemu_pid)
{
	char *pidfile = path_join(fx->dir, "qemu.pid"), *body, *argv[5];
	int pipefd[2], ws;
	char buf[64];
	size_t got = 0;
	struct buf pid = {0};
	pid_t child;

	need_image();
	unlink(pidfile);
	assert_true(asprintf(&body, "echo $$ > '%s'; echo ready; exec sleep 30",
			     pidfile) > 0);
	fake_qemu(body);
	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		argv[0] = "run";
		argv[1] = "--accel";
		argv[2] = "tcg";
		argv[3] = fx->image;
		argv[4] = NULL;
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		freopen("/dev/null", "w", stderr);
		_exit(cmd_run(4, argv));
	}
	close(pipefd[1]);
	unsetenv("KILN_QEMU");
	while (got < 6) {
		ssize_t n = read(pipefd[0], buf + got, sizeof(buf) - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_memory_equal(buf, "ready\n", 6);
	kill(child, sig);
	assert_int_equal(waitpid(child, &ws, 0), child);
	close(pipefd[0]);
	assert_int_equal(util_read_file(pidfile, &pid), 0);
	*qemu_pid = atoi((char *)pid.data);
	buf_free(&pid);
	free(body);
	free(pidfile);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static void test_run_signals(void **state)
{
	pid_t qemu;

	(void)state;
	assert_int_equal(run_and_signal(SIGTERM, &qemu), 143);
	assert_int_equal(kill(qemu, 0), -1);
	assert_int_equal(run_and_signal(SIGINT, &qemu), 130);
	assert_int_equal(kill(qemu, 0), -1);
}

/* The fake QEMU's argv, one per line, for the given kiln run options. */
static char *qemu_args(char **run_argv)
{
	char *argsfile = path_join(fx->dir, "qemu.args"), *body;
	struct captured c;
	struct buf b = {0};
	char *s;

	need_image();
	assert_true(asprintf(&body,
			     "for a in \"$@\"; do echo \"$a\"; done > '%s'\n"
			     "echo '[kiln] exit status 0'\n"
			     "printf 'kiln-exit 0\\n' > \"$R\"; exit 1",
			     argsfile) > 0);
	fake_qemu(body);
	run_captured(cmd_run, run_argv, &c);
	unsetenv("KILN_QEMU");
	assert_int_equal(c.status, 0);
	assert_int_equal(util_read_file(argsfile, &b), 0);
	assert_int_equal(buf_put(&b, "", 1), 0);
	s = strdup((char *)b.data);
	/* the report file's name is random: call it REPORT */
	char *p = strstr(s, "file,id=kilnexit,path=");
	if (p) {
		p += strlen("file,id=kilnexit,path=");
		char *end = strchr(p, '\n');
		assert_non_null(end);
		memmove(p + 6, end, strlen(end) + 1);
		memcpy(p, "REPORT", 6);
	}
	/* ours: the control socket beside the report, called CTL */
	p = strstr(s, "-qmp\nunix:");
	if (p && strstr(p, "kiln-exit-")) {
		p += strlen("-qmp\nunix:");
		char *end = strstr(p, ".qmp,server=on");
		assert_non_null(end);
		end += 4;
		memmove(p + 3, end, strlen(end) + 1);
		memcpy(p, "CTL", 3);
	}
	buf_free(&b);
	captured_free(&c);
	free(body);
	free(argsfile);
	return s;
}

static void test_run_qemu_command_line(void **state)
{
	char *args, *want;

	(void)state;
	need_image();
	args = qemu_args((char *[]){"run", "--accel", "tcg", fx->image, NULL});
	/* q35 boots through qboot when the ROM is installed */
	bool qboot = access("/usr/share/qemu/qboot.rom", R_OK) == 0;
	assert_true(
		asprintf(&want,
			 "-machine\nq35\n-accel\ntcg\n-cpu\nmax\n-m\n256\n"
			 "-smp\n1\n-kernel\n%s\n%s-nodefaults\n-no-reboot\n"
			 "-nographic\n-serial\nstdio\n-monitor\nnone\n"
			 "-device\nisa-debug-exit,iobase=0xf4,iosize=0x04\n"
			 "-chardev\nfile,id=kilnexit,path=REPORT\n"
			 "-device\nisa-serial,chardev=kilnexit,iobase=0x2f8,"
			 "irq=3\n"
			 "-qmp\nunix:CTL,server=on,wait=off\n"
			 "-netdev\nuser,id=n0\n"
			 "-device\nvirtio-net-pci,disable-legacy=on,netdev=n0\n"
			 "-device\nvirtio-rng-pci,disable-legacy=on\n",
			 fx->image,
			 qboot ? "-bios\n/usr/share/qemu/qboot.rom\n" : "") >
		0);
	assert_string_equal(args, want);
	free(args);
	free(want);

	args = qemu_args((char *[]){
		"run", "--cpus", "4", "--mem", "1024", "--accel", "tcg", "-p",
		"8080:80", "--publish", "2222:22", "--append",
		"quiet loglevel=3", fx->image, "--", "-s", NULL});
	assert_contains(args, "-m\n1024\n-smp\n4\n");
	assert_contains(args, "-append\nquiet loglevel=3\n");
	assert_contains(args, "-netdev\nuser,id=n0,hostfwd=tcp:127.0.0.1:8080-"
			      ":80,hostfwd=tcp:127.0.0.1:2222-:22\n"
			      "-device\nvirtio-net-pci,disable-legacy=on,"
			      "netdev=n0\n-device\nvirtio-rng-pci,"
			      "disable-legacy=on\n-s\n");
	free(args);

	args = qemu_args((char *[]){"run", "--machine", "microvm", "--accel",
				    "tcg", "-p", "1:2", fx->image, NULL});
	assert_contains(args, "-machine\nmicrovm\n");
	assert_true(strstr(args, "qboot") == NULL);
	assert_contains(args, "isa-debug-exit,iobase=0xf4,iosize=0x04\n");
	assert_contains(args, "-device\nvirtio-net-device,netdev=n0\n"
			      "-device\nvirtio-rng-device\n");
	free(args);
}

/* -p forms, --net modes, --mac, the address options and --monitor. */
static void test_run_network(void **state)
{
	char *args;

	(void)state;
	need_image();
	args = qemu_args((char *[]){"run",
				    "--accel",
				    "tcg",
				    "-p",
				    "0.0.0.0:8080:80",
				    "-p",
				    "5353:53/udp",
				    "-p",
				    "127.0.0.2:2222:22/tcp",
				    "--mac",
				    "52:54:00:00:00:01",
				    "--ip",
				    "10.0.3.1/24",
				    "--gw",
				    "10.0.3.254",
				    "--dns",
				    "10.0.3.53",
				    "--hostname",
				    "node1",
				    "--append",
				    "quiet",
				    "--monitor",
				    "/tmp/k.qmp",
				    fx->image,
				    NULL});
	assert_contains(args, "-append\nquiet ip=10.0.3.1/24 gw=10.0.3.254 "
			      "dns=10.0.3.53 hostname=node1\n");
	assert_contains(args, "-qmp\nunix:/tmp/k.qmp,server=on,wait=off\n");
	assert_contains(args,
			"-netdev\nuser,id=n0,hostfwd=tcp:0.0.0.0:8080-:80,"
			"hostfwd=udp:127.0.0.1:5353-:53,"
			"hostfwd=tcp:127.0.0.2:2222-:22\n");
	assert_contains(args, "-device\nvirtio-net-pci,disable-legacy=on,"
			      "netdev=n0,mac=52:54:00:00:00:01\n");
	free(args);

	/* --env: env= kernel options, %XX-encoded, after --append */
	args = qemu_args((char *[]){"run", "--accel", "tcg", "--append",
				    "quiet", "--env", "A=two words", "--env",
				    "B=%\t=", fx->image, NULL});
	assert_contains(args,
			"-append\nquiet env=A=two%20words env=B=%25%09=\n");
	free(args);

	args = qemu_args((char *[]){"run", "--accel", "tcg", "--net",
				    "socket:listen:7000", fx->image, NULL});
	assert_contains(args, "-netdev\nsocket,id=n0,listen=127.0.0.1:7000\n");
	assert_true(strstr(args, "-append") == NULL);
	free(args);
	args = qemu_args((char *[]){"run", "--accel", "tcg", "--net",
				    "socket:connect:7000", "--machine",
				    "microvm", fx->image, NULL});
	assert_contains(args, "-netdev\nsocket,id=n0,connect=127.0.0.1:7000\n"
			      "-device\nvirtio-net-device,netdev=n0\n");
	free(args);
	args = qemu_args((char *[]){"run", "--accel", "tcg", "--net",
				    "tap:tap0", fx->image, NULL});
	assert_contains(args, "-netdev\ntap,id=n0,ifname=tap0,script=no,"
			      "downscript=no\n");
	free(args);
	args = qemu_args((char *[]){"run", "--accel", "tcg", "--net", "none",
				    fx->image, NULL});
	assert_true(strstr(args, "-netdev") == NULL);
	assert_true(strstr(args, "virtio-net") == NULL);
	assert_contains(args, "-device\nvirtio-rng-pci,disable-legacy=on\n");
	free(args);
}

/* Bad network options are usage errors (125) that name the fix. */
static void test_run_network_usage(void **state)
{
	static const char *const bad[][3] = {
		{"-p", "8080", "expected [IP:]HOSTPORT:GUESTPORT"},
		{"-p", "1.2.3:80:80", "expected [IP:]HOSTPORT:GUESTPORT"},
		{"-p", "80:80/sctp", "expected [IP:]HOSTPORT:GUESTPORT"},
		{"-p", "1:2:3:4", "expected [IP:]HOSTPORT:GUESTPORT"},
		{"-p", "0:80", "expected [IP:]HOSTPORT:GUESTPORT"},
		{"--net", "socket:listen:x", "expected user, none, tap:IF"},
		{"--net", "bridge", "expected user, none, tap:IF"},
		{"--mac", "52:54:00:00:00", "expected six hex pairs"},
		{"--ip", "10.0.3.1", "with a prefix length"},
		{"--ip", "10.0.3.1/33", "with a prefix length"},
		{"--gw", "10.0.3.256", "an IPv4 address"},
		{"--dns", "dns.example", "an IPv4 address"},
		{"--hostname", "a b", "--hostname 'a b'"},
	};
	struct captured c;

	(void)state;
	need_image();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run_captured(cmd_run,
			     (char *[]){"run", (char *)bad[i][0],
					(char *)bad[i][1], fx->image, NULL},
			     &c);
		assert_int_equal(c.status, 125);
		assert_contains(c.err, bad[i][2]);
		captured_free(&c);
	}
	run_captured(cmd_run,
		     (char *[]){"run", "--net", "none", "-p", "80:80",
				fx->image, NULL},
		     &c);
	assert_int_equal(c.status, 125);
	assert_contains(c.err, "-p needs --net user");
	captured_free(&c);
}

static void test_run_accel(void **state)
{
	struct captured c;
	int fd = open("/dev/kvm", O_RDWR);

	(void)state;
	need_image();
	fake_qemu("printf 'kiln-exit 0\\n' > \"$R\"; exit 1");
	RUN(&c, fx->image);
	assert_int_equal(c.status, 0);
	assert_contains(c.err, "kiln: accelerator: ");
	if (fd < 0)
		assert_contains(c.err, "kiln: accelerator: TCG (software "
				       "emulation; KVM unavailable: cannot "
				       "open /dev/kvm: ");
	captured_free(&c);
	if (fd < 0) {
		RUN(&c, "--accel", "kvm", fx->image);
		assert_int_equal(c.status, 125);
		assert_contains(c.err, "--accel kvm: KVM unavailable");
		captured_free(&c);
	} else {
		close(fd);
	}
	unsetenv("KILN_QEMU");
}

static void test_run_usage(void **state)
{
	char *missing = path_join(fx->dir, "missing.img");
	struct captured c;

	(void)state;
	need_image();
	RUN(&c, "-p", "80", fx->image);
	assert_int_equal(c.status, 125);
	assert_contains(c.err, "HOSTPORT:GUESTPORT");
	captured_free(&c);
	RUN(&c, "-p", "0:80", fx->image);
	assert_int_equal(c.status, 125);
	captured_free(&c);
	RUN(&c, "--cpus", "0", fx->image);
	assert_int_equal(c.status, 125);
	captured_free(&c);
	RUN(&c, "--mem", "lots", fx->image);
	assert_int_equal(c.status, 125);
	captured_free(&c);
	RUN(&c, "--accel", "hvf", fx->image);
	assert_int_equal(c.status, 125);
	captured_free(&c);
	RUN(&c, "--machine", "pc", fx->image);
	assert_int_equal(c.status, 125);
	captured_free(&c);
	RUN(&c, "--timeout", "0", fx->image);
	assert_int_equal(c.status, 125);
	captured_free(&c);
	RUN(&c, fx->image, fx->image);
	assert_int_equal(c.status, 125);
	assert_contains(c.err, "unexpected argument");
	captured_free(&c);
	RUN(&c, "--cpus", "2");
	assert_int_equal(c.status, 125);
	assert_contains(c.err, "missing IMAGE");
	captured_free(&c);
	RUN(&c, missing);
	assert_int_equal(c.status, 125);
	assert_contains(c.err, missing);
	captured_free(&c);
	RUN(&c, "--help");
	assert_int_equal(c.status, 0);
	assert_contains(c.out, "Usage: kiln run");
	captured_free(&c);
	free(missing);
}

static void test_vm_parse_report(void **state)
{
	(void)state;
	assert_int_equal(vm_parse_report("kiln-exit 0\n", 12), 0);
	assert_int_equal(vm_parse_report("kiln-exit 255\n", 14), 255);
	assert_int_equal(vm_parse_report("kiln-exit 042\n", 14), 42);
	assert_int_equal(vm_parse_report("kiln-exit 256\n", 14), -1);
	assert_int_equal(vm_parse_report("kiln-exit 1000\n", 15), -1);
	assert_int_equal(vm_parse_report("kiln-exit 7", 11), -1);
	assert_int_equal(vm_parse_report("kiln-exit \n", 11), -1);
	assert_int_equal(vm_parse_report("[kiln] exit status 0\n", 21), -1);
	assert_int_equal(vm_parse_report("", 0), -1);
}

/* Boot the fake kernel for real under QEMU (TCG). */
static void test_run_real_qemu(void **state)
{
	struct fk_opts port_only = {.action = FK_PORT_ONLY, .status = 3};
	struct fk_opts spoof = {.action = FK_SPOOF, .status = 3};
	char *k2, *img2 = path_join(fx->dir, "port.img");
	struct captured c;

	(void)state;
	if (system("command -v qemu-system-x86_64 >/dev/null") != 0)
		SKIP_MISSING("qemu-system-x86_64");
	need_image();
	RUN(&c, "--accel", "tcg", "--timeout", "60", fx->image);
	assert_int_equal(c.status, 42);
	assert_contains(c.out, "booting\n[kiln] exit status 42\n");
	captured_free(&c);

	RUN(&c, "--accel", "tcg", "--machine", "microvm", "--cpus", "2",
	    "--timeout", "60", fx->image);
	assert_int_equal(c.status, 42);
	assert_contains(c.out, "[kiln] exit status 42\n");
	captured_free(&c);

	k2 = fk_write(fx->dir, "port.elf", &port_only);
	BUILD(&c, "-o", img2, "--rootfs", fx->rootfs, "--kernel", k2, "--",
	      "/hello");
	assert_int_equal(c.status, 0);
	captured_free(&c);
	RUN(&c, "--accel", "tcg", "--timeout", "60", img2);
	assert_int_equal(c.status, 125); /* exited, but reported nothing */
	assert_false(strstr(c.out, "[kiln]"));
	captured_free(&c);
	free(k2);

	/* a console line claiming status 0 is not a report */
	k2 = fk_write(fx->dir, "spoof.elf", &spoof);
	BUILD(&c, "-o", img2, "--rootfs", fx->rootfs, "--kernel", k2, "--",
	      "/hello");
	assert_int_equal(c.status, 0);
	captured_free(&c);
	RUN(&c, "--accel", "tcg", "--timeout", "60", img2);
	assert_int_equal(c.status, 125);
	assert_contains(c.out, "[kiln] exit status 0\n");
	captured_free(&c);
	free(k2);
	free(img2);
}

/* Run a shell command line; returns its exit status. */
static int sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int ret;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	ret = system(cmd);
	free(cmd);
	return WIFEXITED(ret) ? WEXITSTATUS(ret) : -1;
}

/*
 * kiln build --format raw: the loader, the parameter sector and the
 * partition describe the ELF image that follows byte for byte.
 */
static void check_disk_layout(const struct buf *disk, const struct buf *elf)
{
	const uint8_t *d = disk->data;
	struct kiln_disk_params p;
	struct elf_info ei;
	uint32_t n = 0, start, count;
	const void *img;
	size_t img_len;

	assert_int_equal(disk->len % (1u << 20), 0);
	assert_true(disk->len >= 4096 + elf->len);
	assert_int_equal(d[510], 0x55);
	assert_int_equal(d[511], 0xaa);
	memcpy(&p, d + 512, sizeof(p));
	assert_memory_equal(p.magic, KILN_DISK_MAGIC, 8);
	assert_int_equal(p.image_lba, KILN_DISK_IMAGE_LBA);
	assert_int_equal(p.image_size, elf->len);
	assert_memory_equal(d + 4096, elf->data, elf->len);
	assert_int_equal(disk_kind(d, disk->len), DISK_KIND_RAW);
	assert_true(disk_image(d, disk->len, &img, &img_len));
	assert_ptr_equal(img, d + 4096);
	assert_int_equal(img_len, elf->len);
	/* the partition: active, type 0xda, LBA 8 to the end */
	assert_int_equal(d[446], 0x80);
	assert_int_equal(d[450], KILN_DISK_PART_TYPE);
	memcpy(&start, d + 454, 4);
	memcpy(&count, d + 458, 4);
	assert_int_equal(start, 8);
	assert_int_equal((uint64_t)(start + count) * 512, disk->len);
	/* the fake kernel's PVH entry is its text start */
	assert_int_equal(p.entry, FK_TEXT_PADDR);
	/* every PT_LOAD, by address, with its zeros */
	assert_int_equal(elf_parse(elf->data, elf->len, &ei), 0);
	for (uint16_t i = 0; i < ei.phnum; i++) {
		const struct elf64_phdr *ph = &ei.phdr[i];
		bool found = false;

		if (ph->p_type != ELF_PT_LOAD || !ph->p_memsz)
			continue;
		n++;
		for (uint32_t k = 0; k < p.nseg; k++) {
			const struct kiln_disk_seg *s = &p.seg[k];

			if (s->paddr != ph->p_paddr)
				continue;
			found = true;
			assert_int_equal(s->lba, 8 + ph->p_offset / 512);
			assert_int_equal(s->sectors,
					 (ph->p_filesz + 511) / 512);
			assert_int_equal(s->zero_paddr,
					 ph->p_paddr + ph->p_filesz);
			assert_int_equal(s->zero_words,
					 (ph->p_memsz - ph->p_filesz + 1) / 2);
		}
		assert_true(found);
	}
	assert_int_equal(p.nseg, n);
	for (uint32_t k = 1; k < p.nseg; k++)
		assert_true(p.seg[k - 1].paddr < p.seg[k].paddr);
}

static void test_build_disk(void **state)
{
	char *raw = path_join(fx->dir, "disk.raw");
	char *qcow = path_join(fx->dir, "disk.qcow2");
	struct buf disk = {0}, elf = {0}, bad = {0};
	const char *why = NULL;
	const void *img;
	size_t img_len;
	struct captured c;

	(void)state;
	if (system("command -v qemu-img >/dev/null") != 0)
		SKIP_MISSING("qemu-img (qemu-utils)");
	if (system("command -v qemu-system-x86_64 >/dev/null") != 0)
		SKIP_MISSING("qemu-system-x86_64");
	need_image();
	BUILD(&c, "-o", raw, "--format", "raw", "--rootfs", fx->rootfs,
	      "--kernel", fx->kernel, "--", "/hello");
	assert_int_equal(c.status, 0);
	assert_contains(c.err, "raw disk");
	captured_free(&c);
	assert_int_equal(util_read_file(raw, &disk), 0);
	assert_int_equal(util_read_file(fx->image, &elf), 0);
	check_disk_layout(&disk, &elf);

	/* the packer's own checks: not an image, a truncated image */
	assert_int_equal(disk_make(disk.data, disk.len, &bad, &why), -ENOEXEC);
	assert_non_null(why);
	why = NULL;
	assert_true(disk_make(elf.data, elf.len / 2, &bad, &why) < 0);
	assert_non_null(why);
	/* a parameter sector that names more than the disk holds */
	memcpy(disk.data + 512 + 20, &(uint32_t){0xffffff00u}, 4);
	assert_false(disk_image(disk.data, disk.len, &img, &img_len));
	disk.data[512] = 'X';
	assert_int_equal(disk_kind(disk.data, disk.len), DISK_KIND_OTHER);
	assert_int_equal(disk_kind(disk.data, 100), DISK_KIND_OTHER);
	buf_free(&bad);

	BUILD(&c, "-o", fx->out, "--format", "vmdk", "--rootfs", fx->rootfs,
	      "--kernel", fx->kernel, "--", "/hello");
	assert_int_equal(c.status, 2);
	assert_contains(c.err, "--format takes elf, raw or qcow2");
	assert_no_output_file();
	captured_free(&c);

	BUILD(&c, "-o", qcow, "--format", "qcow2", "--rootfs", fx->rootfs,
	      "--kernel", fx->kernel, "--", "/hello");
	assert_int_equal(c.status, 0);
	captured_free(&c);
	buf_free(&disk);
	assert_int_equal(util_read_file(qcow, &disk), 0);
	assert_int_equal(disk_kind(disk.data, disk.len), DISK_KIND_QCOW2);
	assert_false(path_exists(fx->out_tmp));

	/* a disk takes no kernel options at run time */
	RUN(&c, "--accel", "tcg", "--env", "A=B", raw);
	assert_int_equal(c.status, VM_EXIT_FAILURE);
	assert_contains(c.err, "takes no kernel options");
	captured_free(&c);
	RUN(&c, "--accel", "tcg", "--machine", "microvm", raw);
	assert_int_equal(c.status, VM_EXIT_FAILURE);
	assert_contains(c.err, "boots on q35 only");
	captured_free(&c);

	/* booted for real: SeaBIOS, the loader, the fake kernel's status */
	RUN(&c, "--accel", "tcg", "--timeout", "60", raw);
	assert_int_equal(c.status, 42);
	assert_contains(c.out, "[kiln] exit status 42\n");
	captured_free(&c);
	RUN(&c, "--accel", "tcg", "--timeout", "60", qcow);
	assert_int_equal(c.status, 42);
	captured_free(&c);
	buf_free(&disk);
	buf_free(&elf);
	free(raw);
	free(qcow);
}

#define LIBVIRT(c, ...)                                                        \
	run_captured(cmd_libvirt, (char *[]){"libvirt", __VA_ARGS__, NULL}, c)

static void test_libvirt_xml(void **state)
{
	char *raw = path_join(fx->dir, "lv.raw");
	struct captured c;

	(void)state;
	need_image();
	BUILD(&c, "-o", raw, "--format", "raw", "--rootfs", fx->rootfs,
	      "--kernel", fx->kernel, "--", "/hello");
	assert_int_equal(c.status, 0);
	captured_free(&c);

	LIBVIRT(&c, raw, "--accel", "tcg", "--cpus", "2", "--mem", "64");
	assert_int_equal(c.status, 0);
	assert_contains(c.out, "<domain type='qemu'>\n  <name>lv</name>\n");
	assert_contains(c.out, "<memory unit='MiB'>64</memory>");
	assert_contains(c.out, "<vcpu>2</vcpu>");
	assert_contains(c.out, "<driver name='qemu' type='raw'/>");
	assert_contains(c.out, "<source file='");
	assert_contains(c.out, "/lv.raw'/>");
	assert_contains(c.out, "<boot dev='hd'/>");
	assert_contains(c.out, "<source network='default'/>");
	assert_contains(c.out, "<serial type='pty'>");
	assert_contains(c.out, "<on_poweroff>destroy</on_poweroff>");
	assert_false(strstr(c.out, "<kernel>"));
	captured_free(&c);

	/* an ELF image: direct kernel boot, with kernel options */
	LIBVIRT(&c, fx->image, "--accel", "kvm", "--name", "a&b", "--append",
		"x=<1>", "--net", "bridge:br0", "--console", "file:/tmp/c.log");
	assert_int_equal(c.status, 0);
	assert_contains(c.out, "<domain type='kvm'>");
	assert_contains(c.out, "<name>a&amp;b</name>");
	assert_contains(c.out, "<kernel>");
	assert_contains(c.out, "<cmdline>x=&lt;1&gt;</cmdline>");
	assert_contains(c.out, "<source bridge='br0'/>");
	assert_contains(c.out, "<source path='/tmp/c.log' append='on'/>");
	assert_contains(c.out, "<cpu mode='host-passthrough'/>");
	assert_false(strstr(c.out, "<disk"));
	captured_free(&c);

	LIBVIRT(&c, raw, "--append", "x=1");
	assert_int_equal(c.status, 1);
	assert_contains(c.err, "takes no kernel options");
	captured_free(&c);
	LIBVIRT(&c, raw, "--net", "tap");
	assert_int_equal(c.status, 2);
	captured_free(&c);
	LIBVIRT(&c, fx->rootfs);
	assert_int_equal(c.status, 1);
	captured_free(&c);
	LIBVIRT(&c, "--help");
	assert_int_equal(c.status, 0);
	assert_contains(c.out, "Usage: kiln libvirt IMAGE");
	captured_free(&c);
	free(raw);
}

/* The real binary: dispatch, help, inspect, default kernel location. */
static void test_kiln_binary(void **state)
{
	const char *bin = getenv("KILN_BIN");
	const char *d = fx->dir;

	(void)state;
	if (!bin || !*bin)
		SKIP_MISSING("KILN_BIN (make test-unit sets it)");
	need_image();
	assert_int_equal(sh("'%s' --help | grep -q 'Usage: kiln COMMAND'", bin),
			 0);
	assert_int_equal(sh("'%s' 2>/dev/null", bin), 2);
	assert_int_equal(sh("'%s' bogus 2>&1 | grep -q \"unknown command "
			    "'bogus'\"",
			    bin),
			 0);
	assert_int_equal(sh("'%s' bogus 2>/dev/null", bin), 2);
	assert_int_equal(sh("'%s' help run | grep -q 'Usage: kiln run'", bin),
			 0);
	assert_int_equal(
		sh("'%s' build --help | grep -q 'Usage: kiln build'", bin), 0);
	assert_int_equal(sh("'%s' inspect '%s' | grep -qx 'argv\\[0\\] /hello'",
			    bin, fx->image),
			 0);
	assert_int_equal(sh("'%s' inspect '%s' 2>/dev/null", bin, fx->kernel),
			 1);
	/* Without --kernel: kernel.elf next to the binary. */
	assert_int_equal(sh("mkdir -p '%s/bin' && cp '%s' '%s/bin/kiln' && "
			    "cp '%s' '%s/bin/kernel.elf' && "
			    "'%s/bin/kiln' build -o '%s/x.img' --rootfs '%s' "
			    "-- /hello 2>/dev/null",
			    d, bin, d, fx->kernel, d, d, d, fx->rootfs),
			 0);
	assert_int_equal(sh("'%s/bin/kiln' build -o '%s/y.img' --rootfs '%s' "
			    "-- /hello 2>&1 | grep -q 'wrote'",
			    d, d, fx->rootfs),
			 0);
	assert_int_equal(sh("cmp -s '%s/x.img' '%s/y.img'", d, d), 0);
	/* --compress: a zstd level or none; files shown with their sizes */
	assert_int_equal(sh("head -c 200000 /dev/zero > '%s/zeros' && "
			    "'%s/bin/kiln' build -o '%s/z.img' --rootfs '%s' "
			    "--add-unused 2>/dev/null",
			    fx->rootfs, d, d, fx->rootfs),
			 2);
	assert_int_equal(
		sh("'%s/bin/kiln' build -o '%s/z.img' --rootfs '%s' "
		   "-- /hello 2>&1 | grep -q '(4 of 4 files compressed)'",
		   d, d, fx->rootfs),
		0);
	assert_int_equal(sh("'%s/bin/kiln' inspect '%s/z.img' | grep -qx "
			    "'0100644     200000 /zeros (zstd [0-9]*)'",
			    d, d),
			 0);
	assert_int_equal(sh("'%s/bin/kiln' build -o '%s/n.img' --rootfs '%s' "
			    "--compress none -- /hello 2>/dev/null && "
			    "'%s/bin/kiln' inspect '%s/n.img' | grep -qx "
			    "'0100644     200000 /zeros'",
			    d, d, fx->rootfs, d, d),
			 0);
	assert_int_equal(
		sh("'%s/bin/kiln' build -o '%s/n.img' --rootfs '%s' "
		   "--compress 23 -- /hello 2>&1 | grep -q 'zstd level "
		   "from 1 to 22'",
		   d, d, fx->rootfs),
		0);
	assert_int_equal(sh("rm '%s/zeros'", fx->rootfs), 0);
}

int main(void)
{
	static char name[] = "kiln";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_ok),
		cmocka_unit_test(test_build_symlinked_program),
		cmocka_unit_test(test_build_missing_program),
		cmocka_unit_test(test_build_not_executable_warns),
		cmocka_unit_test(test_build_bad_env),
		cmocka_unit_test(test_build_bad_rootfs),
		cmocka_unit_test(test_build_bad_kernel),
		cmocka_unit_test(test_build_failure_keeps_old_output),
		cmocka_unit_test(test_build_usage),
		cmocka_unit_test(test_build_skips_special_files),
		cmocka_unit_test(test_run_report),
		cmocka_unit_test(test_run_console_cannot_fake_status),
		cmocka_unit_test(test_run_qemu_exit_codes),
		cmocka_unit_test(test_run_timeout),
		cmocka_unit_test(test_run_signals),
		cmocka_unit_test(test_run_qemu_command_line),
		cmocka_unit_test(test_run_network),
		cmocka_unit_test(test_run_network_usage),
		cmocka_unit_test(test_run_accel),
		cmocka_unit_test(test_run_usage),
		cmocka_unit_test(test_vm_parse_report),
		cmocka_unit_test(test_run_real_qemu),
		cmocka_unit_test(test_build_disk),
		cmocka_unit_test(test_libvirt_xml),
		cmocka_unit_test(test_kiln_binary),
	};

	/* Messages from err()/warnx() read "kiln: ...", as in the binary. */
	program_invocation_name = program_invocation_short_name = name;
	unsetenv("KILN_QEMU");
	unsetenv("KILN_KERNEL");
	return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
