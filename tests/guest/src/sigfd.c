// SPDX-License-Identifier: MIT
/*
 * signalfd: blocked signals read as struct signalfd_siginfo: who sent
 * them, real-time ones queued, SIGCHLD with its status, a POSIX timer's
 * value; poll and epoll readiness, a blocking read woken by a signal from
 * another thread, changing the mask, and the errors Linux gives.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static int sfd_block;

static void *sender(void *arg)
{
	(void)arg;
	usleep(50000);
	kill(getpid(), SIGUSR2);
	return NULL;
}

int main(void)
{
	sigset_t set;
	struct signalfd_siginfo ssi[3];
	ssize_t n;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGRTMIN + 2);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);

	int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	check(sfd >= 0, "sigfd: signalfd", "errno %d", errno);
	check_errno(read(sfd, ssi, sizeof(ssi)), -1, EAGAIN,
		    "sigfd: nothing pending: EAGAIN");
	struct pollfd pfd = {sfd, POLLIN, 0};
	check(poll(&pfd, 1, 0) == 0, "sigfd: poll not ready", "ready");

	raise(SIGUSR1);
	check(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN),
	      "sigfd: poll ready after raise", "revents %#x", pfd.revents);
	n = read(sfd, ssi, sizeof(ssi));
	check(n == sizeof(ssi[0]) && ssi[0].ssi_signo == SIGUSR1 &&
		      ssi[0].ssi_code == SI_TKILL &&
		      ssi[0].ssi_pid == (unsigned)getpid(),
	      "sigfd: raise read back", "n %zd signo %u code %d pid %u", n,
	      ssi[0].ssi_signo, ssi[0].ssi_code, ssi[0].ssi_pid);

	kill(getpid(), SIGRTMIN);
	kill(getpid(), SIGRTMIN);
	n = read(sfd, ssi, sizeof(ssi));
	check(n == 2 * (ssize_t)sizeof(ssi[0]) &&
		      ssi[0].ssi_signo == (unsigned)SIGRTMIN &&
		      ssi[1].ssi_signo == (unsigned)SIGRTMIN &&
		      ssi[0].ssi_code == SI_USER,
	      "sigfd: real-time signals queue", "n %zd", n);

	/* epoll */
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	check(epoll_wait(ep, &out, 1, 0) == 0, "sigfd: epoll not ready",
	      "ready");
	kill(getpid(), SIGUSR1);
	check(epoll_wait(ep, &out, 1, 1000) == 1 && out.data.u32 == 7,
	      "sigfd: epoll ready", "not ready");
	read(sfd, ssi, sizeof(ssi));
	close(ep);

	/* SIGCHLD with the child's status */
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	struct pollfd wait1 = {sfd, POLLIN, 0};
	poll(&wait1, 1, 5000);
	n = read(sfd, ssi, sizeof(ssi));
	check(n >= (ssize_t)sizeof(ssi[0]) && ssi[0].ssi_signo == SIGCHLD &&
		      ssi[0].ssi_code == CLD_EXITED && ssi[0].ssi_status == 3 &&
		      ssi[0].ssi_pid == (unsigned)pid,
	      "sigfd: SIGCHLD carries the child's exit",
	      "signo %u code %d "
	      "status %d",
	      ssi[0].ssi_signo, ssi[0].ssi_code, ssi[0].ssi_status);
	waitpid(pid, NULL, 0);

	/* a POSIX timer's signal */
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL,
			       .sigev_signo = SIGRTMIN + 2,
			       .sigev_value.sival_int = 77};
	timer_t tid;
	check_zero(timer_create(CLOCK_MONOTONIC, &sev, &tid),
		   "sigfd: timer_create");
	struct itimerspec it = {{0, 0}, {0, 10000000}};
	timer_settime(tid, 0, &it, NULL);
	struct pollfd wait2 = {sfd, POLLIN, 0};
	poll(&wait2, 1, 5000);
	n = read(sfd, ssi, sizeof(ssi));
	check(n == sizeof(ssi[0]) && ssi[0].ssi_code == SI_TIMER &&
		      ssi[0].ssi_int == 77,
	      "sigfd: a timer's signal with its value", "code %d int %d",
	      ssi[0].ssi_code, ssi[0].ssi_int);
	timer_delete(tid);

	/* a blocking read, woken by another thread's kill */
	sfd_block = signalfd(-1, &set, 0);
	pthread_t th;
	pthread_create(&th, NULL, sender, NULL);
	n = read(sfd_block, ssi, sizeof(ssi));
	check(n == sizeof(ssi[0]) && ssi[0].ssi_signo == SIGUSR2,
	      "sigfd: a blocking read wakes", "n %zd", n);
	pthread_join(th, NULL);

	/* a new mask for the same fd */
	sigset_t only;
	sigemptyset(&only);
	sigaddset(&only, SIGUSR2);
	check(signalfd(sfd, &only, 0) == sfd, "sigfd: change the mask",
	      "errno %d", errno);
	kill(getpid(), SIGUSR1);
	check_errno(read(sfd, ssi, sizeof(ssi)), -1, EAGAIN,
		    "sigfd: a signal outside the mask is not read");
	sigset_t pend;
	sigpending(&pend);
	check(sigismember(&pend, SIGUSR1), "sigfd: and stays pending", "gone");

	/* errors */
	check_errno(syscall(SYS_signalfd4, -1, &set, 4, 0), -1, EINVAL,
		    "sigfd: sizemask 4");
	check_errno(signalfd(-1, &set, 0x1234), -1, EINVAL, "sigfd: bad flags");
	check_errno(signalfd(1000, &set, 0), -1, EBADF, "sigfd: closed fd");
	check_errno(signalfd(1, &set, 0), -1, EINVAL, "sigfd: not a signalfd");
	check_errno(read(sfd, ssi, 100), -1, EINVAL, "sigfd: short buffer");
	check_errno(write(sfd, ssi, sizeof(ssi[0])), -1, EINVAL,
		    "sigfd: write");
	guest_exit("sigfd");
}
