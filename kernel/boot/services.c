// SPDX-License-Identifier: MIT
/*
 * Boot services: programs the kernel starts before PID 1 runs, listed by
 * `kiln build` in the image file /.kiln/services. A release with Erlang
 * distribution lists its own epmd there, which erlexec would have started
 * with `epmd -daemon` (docs/decisions/epmd.md).
 *
 * Each line is "WAIT PROGRAM [ARGS...]", words separated by blanks, no
 * quoting; '#' starts a comment line. WAIT is "tcp:PORT" (the next program
 * starts once a TCP socket listens on PORT, the service has exited, or
 * SERVICE_WAIT_S seconds have passed) or "-" (no wait).
 *
 * PID 1 is created first (so it keeps pid 1) but made runnable only after
 * the last wait; the services are its children, started with a minimal
 * environment. The starting and waiting happen in a kernel thread ("boot")
 * so the boot CPU can go idle and the services can run on it.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "services.h"
#include "arch/x86_64/percpu.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "net/netstack.h"
#include "proc/proc.h"
#include "sched/kthread.h"
#include "sched/sched.h"
#include "sched/time.h"

#define SERVICES_PATH	 "/.kiln/services"
#define SERVICE_MAX	 8
#define SERVICE_MAX_ARGS 32
#define SERVICE_WAIT_S	 10
#define SERVICE_POLL_MS	 20

struct service {
	int port; /* TCP port to wait for, or 0 */
	int argc;
	char *argv[SERVICE_MAX_ARGS + 1];
};

static char *services_text; /* kmalloc'd copy of the file, split in place */
static struct service services[SERVICE_MAX];
static int nservices;
static struct thread *services_init; /* PID 1's thread, started last */

static char *const service_envp[] = {"PATH=/usr/bin:/bin", "TZ=UTC0", NULL};

/* Parse "tcp:PORT" or "-"; the port, 0 for no wait, -1 if malformed. */
static int services_parse_wait(const char *w)
{
	int port = 0;

	if (!strcmp(w, "-"))
		return 0;
	if (strncmp(w, "tcp:", 4) || !w[4])
		return -1;
	for (w += 4; *w; w++) {
		if (*w < '0' || *w > '9' || port > 65535)
			return -1;
		port = port * 10 + (*w - '0');
	}
	return port >= 1 && port <= 65535 ? port : -1;
}

/* Split one line into a service; false (with a log line) if malformed. */
static bool services_parse_line(char *line, struct service *sv)
{
	char *words[SERVICE_MAX_ARGS + 2] = {line};
	int n = 0;

	for (char *p = line; *p && n < SERVICE_MAX_ARGS + 1;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (n < 2 || words[1][0] != '/' ||
	    (sv->port = services_parse_wait(words[0])) < 0) {
		pr_err("services: %s: bad line starting \"%s\" (want WAIT "
		       "/PROGRAM [ARGS...]; rebuild the image with kiln build)",
		       SERVICES_PATH, words[0]);
		return false;
	}
	sv->argc = n - 1;
	for (int i = 1; i < n; i++)
		sv->argv[i - 1] = words[i];
	sv->argv[n - 1] = NULL;
	return true;
}

/* Read and parse the services file; the number of services. */
static int services_load(void)
{
	const u8 *data;
	u64 size;
	char *line, *next;

	if (vfs_map_file_ro(SERVICES_PATH, &data, &size) || !size)
		return 0;
	services_text = kmalloc(size + 1);
	if (!services_text) {
		pr_err("services: no memory for %s", SERVICES_PATH);
		return 0;
	}
	memcpy(services_text, data, size);
	services_text[size] = '\0';
	for (line = services_text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		if (nservices == SERVICE_MAX) {
			pr_err("services: more than %d in %s; the rest are "
			       "not started",
			       SERVICE_MAX, SERVICES_PATH);
			break;
		}
		if (services_parse_line(line, &services[nservices]))
			nservices++;
	}
	return nservices;
}

/*
 * Let other threads run for up to ms milliseconds. A timed sleep would be
 * better, but a kernel thread's timed wait does not wake up yet (see
 * docs/decisions/epmd.md), so this yields in a loop: the services and the
 * net thread run whenever they are runnable, and the CPU spins otherwise
 * (at most SERVICE_WAIT_S seconds, once, at boot).
 */
static void services_pause_ms(u64 ms)
{
	static struct waitq never; /* nobody wakes it: a plain sleep */
	u64 until = clock_monotonic_ns() + ms * 1000000;

	if (!never.waiters.next)
		waitq_init(&never);
	waitq_wait_event(&never, false, until);
}

/* Wait until sv (process p) listens on its port, exits, or time is up. */
static void services_wait(const struct service *sv, struct process *p)
{
	u64 start = clock_monotonic_ns();
	u64 deadline = start + (u64)SERVICE_WAIT_S * 1000000000;

	for (;;) {
		if (net_tcp_listening((u16)sv->port)) {
			pr_info("services: %s listens on TCP port %d after %lu "
				"ms",
				sv->argv[0], sv->port,
				(clock_monotonic_ns() - start) / 1000000);
			return;
		}
		if (READ_ONCE(p->zombie) || READ_ONCE(p->exiting)) {
			pr_warn("services: %s (pid %d) exited before listening "
				"on TCP port %d; starting %s anyway",
				sv->argv[0], p->pid, sv->port,
				init_process->exe);
			return;
		}
		if (clock_monotonic_ns() >= deadline) {
			pr_warn("services: %s (pid %d) is not listening on TCP "
				"port %d after %d s; starting %s anyway",
				sv->argv[0], p->pid, sv->port, SERVICE_WAIT_S,
				init_process->exe);
			return;
		}
		services_pause_ms(SERVICE_POLL_MS);
	}
}

/* The "boot" kernel thread: each service in order, then PID 1. */
static void services_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < nservices; i++) {
		struct service *sv = &services[i];
		struct process *p;
		int ret = proc_start_service(sv->argv[0], sv->argv, sv->argc,
					     service_envp, 2, &p);

		if (ret) {
			pr_err("services: cannot start %s: error %d",
			       sv->argv[0], -ret);
			continue;
		}
		pr_info("services: started %s (pid %d)%s", sv->argv[0], p->pid,
			sv->port ? ", waiting for it to listen" : "");
		if (sv->port)
			services_wait(sv, p);
	}
	sched_add(services_init);
	kthread_exit();
}

void services_start(struct thread *init)
{
	if (!services_load()) {
		sched_add(init);
		return;
	}
	services_init = init;
	if (!kthread_create(services_thread, NULL, "boot")) {
		pr_err("services: no memory for the boot thread; starting "
		       "%s without its services",
		       init->proc->exe);
		sched_add(init);
	}
}
