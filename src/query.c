/*
 * Queries through Kore's asynchronous pgsql layer, one per node, all in
 * flight at once and bound to the request, with one deadline for the
 * lot.  A node that fails or misses the deadline becomes an error on its
 * query; the others still answer.  Results are kept (PGresult) until
 * the fan-out is cleaned up, so handlers read them at leisure.
 *
 * The same state machine serves queries bound to a callback instead of a
 * request (as Kore's pgsql layer does): the sampler and the snapshot
 * refresher, which run from timers.
 */

#include <stdlib.h>
#include <string.h>

#include "roachgate.h"

static void	query_start(struct rg_query *, struct http_request *);
static void	query_send(struct rg_query *);
static void	query_step(struct rg_query *, int);
static void	query_fail(struct rg_query *, const char *);
static void	fanout_timeout(void *, u_int64_t);
static void	query_cb(struct kore_pgsql *, void *);
static void	query_notify(struct rg_query *, int);

void
rg_query_prepare(struct rg_query *q, const struct rg_node *node,
    const char *text)
{
	rg_query_cleanup(q);
	q->node = node;
	q->text = text;
	q->nparams = 0;
	q->state = RG_Q_IDLE;
	q->cb = NULL;
	q->cb_arg = NULL;
}

/* A parameter: v NULL is SQL NULL; len -1 means a C string. */
void
rg_query_param(struct rg_query *q, const void *v, int len, int binary)
{
	if (q->nparams == (int)(sizeof(q->params) / sizeof(q->params[0])))
		fatal("rg_query_param: too many parameters");

	q->params[q->nparams] = v;
	q->lengths[q->nparams] = (v != NULL && len < 0) ?
	    (int)strlen(v) : len;
	q->formats[q->nparams] = binary;
	q->nparams++;
}

void
rg_fanout_init(struct rg_fanout *f, size_t cap)
{
	memset(f, 0, sizeof(*f));
	f->cap = cap > 0 ? cap : 1;
	f->q = kore_calloc(f->cap, sizeof(*f->q));
}

/* The one cleanup path of a fan-out: its queries, then their array. */
void
rg_fanout_free(struct rg_fanout *f)
{
	rg_fanout_cleanup(f);
	kore_free(f->q);
	f->q = NULL;
	f->cap = 0;
}

void
rg_fanout_start(struct rg_fanout *f, struct http_request *req,
    u_int64_t timeout_ms)
{
	size_t		i;

	if (f->n > f->cap)
		fatal("rg_fanout_start: %zu queries, room for %zu",
		    f->n, f->cap);
	f->req = req;
	f->deadline = kore_time_ms() + timeout_ms;
	if (f->timer != NULL)
		kore_timer_remove(f->timer);
	f->timer = kore_timer_add(fanout_timeout, timeout_ms, f,
	    KORE_TIMER_ONESHOT);

	for (i = 0; i < f->n; i++) {
		if (f->q[i].state == RG_Q_IDLE)
			query_start(&f->q[i], req);
	}
}

/* Advances every query; 1 once all are done or failed, else 0 (and the
 * request sleeps until a query or the deadline wakes it). */
int
rg_fanout_poll(struct rg_fanout *f)
{
	size_t		i;
	int		pending, expired;

	expired = (kore_time_ms() >= f->deadline);
	pending = 0;
	for (i = 0; i < f->n; i++) {
		if (f->q[i].state == RG_Q_PENDING)
			query_step(&f->q[i], expired);
		if (f->q[i].state != RG_Q_PENDING)
			continue;
		if (expired) {
			query_fail(&f->q[i], "timed out");
			kore_pgsql_cleanup(&f->q[i].sql);
			f->q[i].setup = 0;
		} else {
			pending++;
		}
	}

	if (pending > 0) {
		http_request_sleep(f->req);
		return (0);
	}

	if (f->timer != NULL) {
		kore_timer_remove(f->timer);
		f->timer = NULL;
	}

	/*
	 * The pgsql layer may have put the request to sleep while we
	 * stepped (a setup that queued): it completes now, and Kore frees
	 * a finished request from the list of running ones only.
	 */
	http_request_wakeup(f->req);
	return (1);
}

void
rg_fanout_cleanup(struct rg_fanout *f)
{
	size_t		i;

	if (f->timer != NULL) {
		kore_timer_remove(f->timer);
		f->timer = NULL;
	}
	/* Every slot: a caller may have lowered n after using more. */
	for (i = 0; i < f->cap; i++)
		rg_query_cleanup(&f->q[i]);
	f->n = 0;
}

void
rg_query_cleanup(struct rg_query *q)
{
	/* First: a callback-bound query is called back from the cleanup. */
	q->state = RG_Q_IDLE;
	if (q->setup) {
		kore_pgsql_cleanup(&q->sql);
		q->setup = 0;
	}
	if (q->res != NULL) {
		PQclear(q->res);
		q->res = NULL;
	}
	free(q->error);
	q->error = NULL;
}

int
rg_query_rows(struct rg_query *q)
{
	return ((q->res != NULL) ? PQntuples(q->res) : 0);
}

const char *
rg_query_value(struct rg_query *q, int row, int col, int *len)
{
	if (len != NULL)
		*len = PQgetlength(q->res, row, col);
	return (PQgetvalue(q->res, row, col));
}

int
rg_query_isnull(struct rg_query *q, int row, int col)
{
	return (PQgetisnull(q->res, row, col));
}

/* A column's text, NULL for SQL NULL (PQgetvalue would give ""). */
const char *
rg_query_text(struct rg_query *q, int row, int col)
{
	if (PQgetisnull(q->res, row, col))
		return (NULL);
	return (PQgetvalue(q->res, row, col));
}

void
rg_query_start_cb(struct rg_query *q, void (*cb)(struct rg_query *, void *),
    void *arg)
{
	q->cb = cb;
	q->cb_arg = arg;
	q->started = kore_time_ms();
	kore_pgsql_init(&q->sql);
	kore_pgsql_bind_callback(&q->sql, query_cb, q);
	q->setup = 1;
	q->state = RG_Q_PENDING;
	q->in_cb = 1;
	q->again = 0;
	query_send(q);
	while (q->again && q->state == RG_Q_PENDING) {
		q->again = 0;
		query_step(q, 0);
	}
	q->in_cb = 0;
	query_notify(q, RG_Q_PENDING);
}

int
rg_query_running(const struct rg_query *q)
{
	return (q->state == RG_Q_PENDING);
}

void
rg_query_watch(struct rg_query *q, u_int64_t now)
{
	if (q->cb == NULL || q->state != RG_Q_PENDING || q->in_cb)
		return;

	/* Not while queued: only Kore's queue wakeup may resume that. */
	if (q->sql.state != KORE_PGSQL_STATE_INIT)
		query_cb(&q->sql, q);
	if (q->state == RG_Q_PENDING &&
	    now - q->started >= (u_int64_t)rg_cfg.node_timeout_ms) {
		query_fail(q, "timed out");
		kore_pgsql_cleanup(&q->sql);
		q->setup = 0;
		query_notify(q, RG_Q_PENDING);
	}
}

/*
 * Kore calls back from inside its own pgsql calls (scheduling, reading,
 * releasing a connection, waking the queue), including the ones this
 * code makes: nested calls only mark that another step is due, and the
 * outermost one loops until nothing is left, then tells the owner.
 */
static void
query_cb(struct kore_pgsql *pgsql, void *arg)
{
	struct rg_query	*q = arg;
	int		 was;

	(void)pgsql;
	if (q->in_cb) {
		q->again = 1;
		return;
	}
	was = q->state;
	q->in_cb = 1;
	do {
		q->again = 0;
		if (q->state == RG_Q_PENDING)
			query_step(q, 0);
	} while (q->again);
	q->in_cb = 0;
	query_notify(q, was);
}

/* Once, when a callback-bound query leaves PENDING. */
static void
query_notify(struct rg_query *q, int was)
{
	if (was != RG_Q_PENDING || q->state == RG_Q_PENDING || q->cb == NULL)
		return;
	q->cb(q, q->cb_arg);
}

static void
query_start(struct rg_query *q, struct http_request *req)
{
	kore_pgsql_init(&q->sql);
	kore_pgsql_bind_request(&q->sql, req);
	q->setup = 1;
	q->state = RG_Q_PENDING;
	query_send(q);
}

/*
 * Takes a connection and sends the query.  Called again for a query that
 * was queued for a connection (state INIT) each time its request wakes:
 * Kore keeps a query that is still queued in its place in the queue
 * (patch 0002), hands it the connection once dequeued, or reports a failed
 * connect as an error.
 */
static void
query_send(struct rg_query *q)
{
	if (!kore_pgsql_setup(&q->sql, q->node->dbname, KORE_PGSQL_ASYNC)) {
		if (q->sql.state != KORE_PGSQL_STATE_INIT)
			query_fail(q, q->sql.error);
		return;
	}

	if (!kore_pgsql_query_param_fields(&q->sql, q->text, 0, q->nparams,
	    q->params, q->lengths, q->formats))
		query_fail(q, q->sql.error);
}

static void
query_step(struct rg_query *q, int expired)
{
	for (;;) {
		switch (q->sql.state) {
		case KORE_PGSQL_STATE_INIT:
			/* Queued for a connection.  Past the deadline the
			 * caller fails it (and leaves the queue). */
			if (!expired)
				query_send(q);
			return;
		case KORE_PGSQL_STATE_WAIT:
			return;
		case KORE_PGSQL_STATE_RESULT:
			if (q->res == NULL) {
				q->res = q->sql.result;
				q->sql.result = NULL;
			}
			kore_pgsql_continue(&q->sql);
			break;
		case KORE_PGSQL_STATE_ERROR:
			query_fail(q, q->sql.error);
			kore_pgsql_cleanup(&q->sql);
			q->setup = 0;
			return;
		case KORE_PGSQL_STATE_COMPLETE:
			q->state = RG_Q_DONE;
			rg_liveness_seen(q->node->id, 1);
			kore_pgsql_cleanup(&q->sql);
			q->setup = 0;
			return;
		default:
			kore_pgsql_continue(&q->sql);
			break;
		}
	}
}

static void
query_fail(struct rg_query *q, const char *why)
{
	size_t		len;

	free(q->error);
	if ((q->error = strdup(why != NULL ? why : "")) == NULL)
		fatal("strdup");
	len = strlen(q->error);
	while (len > 0 && (q->error[len - 1] == '\n' ||
	    q->error[len - 1] == ' '))
		q->error[--len] = '\0';

	/*
	 * Kore takes the message of a pooled connection that died with a
	 * query on it from libpq, which may have none left (its backend
	 * terminated, the primary restarted): say so rather than nothing.
	 */
	if (len == 0) {
		free(q->error);
		if ((q->error = strdup("connection closed, no message from "
		    "PostgreSQL")) == NULL)
			fatal("strdup");
	}

	q->state = RG_Q_FAILED;
	kore_log(LOG_NOTICE, "node %d (%s): query failed: %s",
	    q->node->id, q->node->name, q->error);
	rg_liveness_seen(q->node->id, 0);
}

static void
fanout_timeout(void *arg, u_int64_t now)
{
	struct rg_fanout	*f = arg;

	(void)now;
	f->timer = NULL;
	http_request_wakeup(f->req);
}
