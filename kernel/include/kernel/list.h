/* SPDX-License-Identifier: MIT */
/* Intrusive circular doubly-linked lists (Linux style). */
#ifndef KERNEL_LIST_H
#define KERNEL_LIST_H

#include <kernel/types.h>

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name)                                                   \
	{                                                                      \
		&(name), &(name)                                               \
	}
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void list_init(struct list_head *h)
{
	h->next = h;
	h->prev = h;
}

static inline void list_insert_between(struct list_head *n,
				       struct list_head *prev,
				       struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

/* Insert n right after h (stack order). */
static inline void list_add(struct list_head *n, struct list_head *h)
{
	list_insert_between(n, h, h->next);
}

/* Insert n before h (queue order when h is the head). */
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	list_insert_between(n, h->prev, h);
}

static inline void list_del(struct list_head *n)
{
	n->next->prev = n->prev;
	n->prev->next = n->next;
	n->next = n;
	n->prev = n;
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

#define list_entry(p, type, member)	  container_of(p, type, member)
#define list_first_entry(h, type, member) list_entry((h)->next, type, member)
#define list_for_each(p, h)		  for (p = (h)->next; p != (h); p = p->next)
#define list_for_each_safe(p, n, h)                                            \
	for (p = (h)->next, n = p->next; p != (h); p = n, n = p->next)
#define list_for_each_entry(e, h, member)                                      \
	for (e = list_entry((h)->next, __typeof__(*e), member);                \
	     &e->member != (h);                                                \
	     e = list_entry(e->member.next, __typeof__(*e), member))
#define list_for_each_entry_safe(e, n, h, member)                              \
	for (e = list_entry((h)->next, __typeof__(*e), member),                \
	    n = list_entry(e->member.next, __typeof__(*e), member);            \
	     &e->member != (h);                                                \
	     e = n, n = list_entry(n->member.next, __typeof__(*e), member))

#endif
