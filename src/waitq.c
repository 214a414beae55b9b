/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * Wait queues of requests (see waitq.h): a leader's query ends, and the
 * requests that wanted the same answer run again and find it where the
 * leader left it (the snapshot, the session cache).
 */

#include "roachgate.h"
#include "waitq.h"

static void	waitq_kick(void *, u_int64_t);

void
rg_waitq_sleep(struct rg_waitq *q, struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct rg_waiter	*w;

	rg_waitq_leave(ctx);
	w = kore_calloc(1, sizeof(*w));
	w->req = req;
	w->q = q;
	TAILQ_INSERT_TAIL(q, w, list);
	ctx->wait = w;
	http_request_sleep(req);
}

void
rg_waitq_wake(struct rg_waitq *q)
{
	struct rg_waiter	*w;

	if (TAILQ_EMPTY(q))
		return;
	while ((w = TAILQ_FIRST(q)) != NULL) {
		http_request_wakeup(w->req);
		rg_waitq_leave(rg_ctx_get(w->req));
	}
	/*
	 * Woken by a handler (a session check's leader, inside Kore's
	 * http_process()), they run at the worker's next turn, and Kore
	 * sleeps until the next event or timer first (up to a 500 ms
	 * snapshot tick once the load stops): a timer due now keeps that
	 * turn from sleeping.
	 */
	(void)kore_timer_add(waitq_kick, 0, NULL, KORE_TIMER_ONESHOT);
}

static void
waitq_kick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
}

void
rg_waitq_leave(struct rg_ctx *ctx)
{
	struct rg_waiter	*w;

	if ((w = ctx->wait) == NULL)
		return;
	TAILQ_REMOVE(w->q, w, list);
	kore_free(w);
	ctx->wait = NULL;
}
