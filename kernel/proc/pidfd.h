/* SPDX-License-Identifier: MIT */
/*
 * pidfd: a file that refers to one process (pidfd_open, clone's
 * CLONE_PIDFD). It holds a reference on the struct process, so it stays
 * valid after the process is reaped and a pid is never confused with a
 * later one. The sys_* wrappers in sys/sys_proc.c and sys/sys_signal.c
 * check arguments and call these.
 */
#ifndef PROC_PIDFD_H
#define PROC_PIDFD_H

#include <kernel/types.h>

struct file;
struct process;
struct ksiginfo;

#define PIDFD_NONBLOCK		  04000 /* O_NONBLOCK */
#define PIDFD_SIGNAL_THREAD	  1
#define PIDFD_SIGNAL_THREAD_GROUP 2

/* A new pidfd for p (flags: O_NONBLOCK, O_CLOEXEC ignored here). */
int pidfd_create(struct process *p, u32 flags, struct file **out);
/* A pidfd for the process pid (live or zombie): -ESRCH if there is none. */
int pidfd_open_pid(int pid, u32 flags, struct file **out);
/* The process f refers to (not referenced: f's reference keeps it), or
 * NULL if f is not a pidfd. */
struct process *pidfd_process(struct file *f);
/* Signal p (a pidfd's process), or with to_thread its leader thread
 * (sig 0: only check it exists). */
int pidfd_signal(struct process *p, int sig, const struct ksiginfo *info,
		 bool to_thread);
/* A new reference to fd of f's process, or -errno. */
int pidfd_get_file(struct file *f, int fd, struct file **out);
/* The last thread of p left: pidfd pollers see POLLIN (fork.c). */
void pidfd_exited(struct process *p);

#endif
