/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_WAITQ_H
#define RG_WAITQ_H

#include "roachgate.h"

/*
 * Requests asleep until one query that several of them need ends (a
 * single-flight read: the snapshot's refresh, a session's re-check).
 * A request waits on one queue at a time (rg_ctx.wait); a request freed
 * while it waits leaves its queue (rg_waitq_leave, from ctx_free).
 */
struct rg_waiter {
	TAILQ_ENTRY(rg_waiter)	 list;
	struct http_request	*req;
	struct rg_waitq		*q;
};

TAILQ_HEAD(rg_waitq, rg_waiter);

/* The request sleeps on q: its handler (or hook) returns RETRY. */
void	rg_waitq_sleep(struct rg_waitq *, struct http_request *);

/* Every request on q wakes and runs its state again. */
void	rg_waitq_wake(struct rg_waitq *);

void	rg_waitq_leave(struct rg_ctx *);

#endif /* !RG_WAITQ_H */
