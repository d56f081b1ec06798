// SPDX-License-Identifier: MIT
/*
 * fd-table operations for process lifecycles: clone for fork, close the
 * close-on-exec fds at execve, and release everything at exit.
 */
#include <kernel/string.h>
#include "file.h"
#include "mm/kheap.h"

struct fdtable *fdtable_clone(struct fdtable *t)
{
	struct fdtable *n = kzalloc(sizeof(*n));

	if (!n)
		return NULL;
	spin_init(&n->lock);
	u64 f = spin_lock_irqsave(&t->lock);
	int size = t->size;
	spin_unlock_irqrestore(&t->lock, f);
	n->fds = kzalloc(size * sizeof(*n->fds));
	n->cloexec = kzalloc(size);
	if (!n->fds || !n->cloexec) {
		kfree(n->fds);
		kfree(n->cloexec);
		kfree(n);
		return NULL;
	}
	f = spin_lock_irqsave(&t->lock);
	n->size = MIN(size, t->size);
	for (int i = 0; i < n->size; i++) {
		n->fds[i] = t->fds[i];
		n->cloexec[i] = t->cloexec[i];
		if (n->fds[i])
			file_get(n->fds[i]);
	}
	spin_unlock_irqrestore(&t->lock, f);
	return n;
}

void fdtable_close_on_exec(struct fdtable *t)
{
	for (int fd = 0;; fd++) {
		struct file *victim = NULL;
		u64 f = spin_lock_irqsave(&t->lock);
		if (fd >= t->size) {
			spin_unlock_irqrestore(&t->lock, f);
			return;
		}
		if (t->fds[fd] && t->cloexec[fd]) {
			victim = t->fds[fd];
			t->fds[fd] = NULL;
			t->cloexec[fd] = 0;
		}
		spin_unlock_irqrestore(&t->lock, f);
		if (victim)
			file_close(victim, t);
	}
}

void fdtable_put(struct fdtable *t)
{
	for (int fd = 0; fd < t->size; fd++)
		if (t->fds[fd])
			file_close(t->fds[fd], t);
	kfree(t->fds);
	kfree(t->cloexec);
	kfree(t);
}
