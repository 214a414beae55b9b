/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * The load sampler behind range statistics (sql/catalog.md).  One worker
 * only, the lowest-numbered (Kore numbers HTTP workers from 1), runs a
 * timer every sample_interval_ms:
 *   - until it succeeds once: roachgate.configure(node names, primary
 *     name) on the primary;
 *   - then per tick and node: roachgate.load_counters() on that node,
 *     and its result, as opaque text, to roachgate.record_sample(node
 *     name, counters) on the primary.
 * Queries are asynchronous and bound to callbacks (no request exists).
 * A node whose previous round has not finished is skipped; a query that
 * outlives node_timeout_ms is abandoned.  Failures are logged when a
 * query's state changes (ok -> failing -> ok), not on every tick.
 */

#include <stdlib.h>
#include <string.h>

#include "roachgate.h"

#define SAMPLER_WORKER		1

#define SQ_IDLE			0
#define SQ_RUNNING		1
#define SQ_DONE			2
#define SQ_FAILED		3

#define LOG_UNKNOWN		0
#define LOG_OK			1
#define LOG_FAILING		2

struct sq {
	struct kore_pgsql	 sql;
	const struct rg_node	*node;
	const char		*what;
	const char		*text;
	int			 phase;
	int			 setup;
	int			 in_cb;
	int			 again;
	int			 logged;
	u_int64_t		 started;
	PGresult		*res;
	char			*error;
	int			 nparams;
	const char		*params[2];
	int			 lengths[2];
	int			 formats[2];
	char			*owned;		/* a parameter we hold */
	void			(*done)(struct sq *);
	size_t			 idx;
};

static struct {
	int		configured;
	char		*names;			/* text[] literal */
	struct sq	configure;
	struct sq	counters[RG_MAX_NODES];
	struct sq	record[RG_MAX_NODES];
} smp;

static const char	sql_configure[] =
    "SELECT roachgate.configure($1::text[], $2::text)";
static const char	sql_counters[] =
    "SELECT roachgate.load_counters()";
static const char	sql_record[] =
    "SELECT roachgate.record_sample($1::text, $2::jsonb)";

static void	sampler_tick(void *, u_int64_t);
static void	sampler_names(void);
static void	sq_init(struct sq *, const struct rg_node *, const char *,
		    const char *, void (*)(struct sq *), size_t);
static void	sq_start(struct sq *);
static void	sq_cb(struct kore_pgsql *, void *);
static void	sq_step(struct sq *);
static void	sq_finish(struct sq *, int, const char *);
static void	sq_reset(struct sq *);
static void	sq_watch(struct sq *, u_int64_t);
static void	sq_log(struct sq *, int);
static void	configure_done(struct sq *);
static void	counters_done(struct sq *);
static void	record_done(struct sq *);

void
rg_sampler_init(void)
{
	const struct rg_node	*primary;
	size_t			 i;

	if (worker == NULL || worker->id != SAMPLER_WORKER)
		return;

	primary = rg_config_node(&rg_cfg, rg_cfg.primary);
	sampler_names();
	sq_init(&smp.configure, primary, "configure", sql_configure,
	    configure_done, 0);
	for (i = 0; i < rg_cfg.nnodes; i++) {
		sq_init(&smp.counters[i], &rg_cfg.nodes[i], "load_counters",
		    sql_counters, counters_done, i);
		sq_init(&smp.record[i], primary, "record_sample", sql_record,
		    record_done, i);
	}

	kore_log(LOG_NOTICE, "sampler: %zu node(s) every %lld ms (worker %u)",
	    rg_cfg.nnodes, (long long)rg_cfg.sample_interval_ms,
	    (unsigned)worker->id);

	/* The first round right away, then one per interval. */
	(void)kore_timer_add(sampler_tick, 10, NULL, KORE_TIMER_ONESHOT);
	(void)kore_timer_add(sampler_tick, (u_int64_t)rg_cfg.sample_interval_ms,
	    NULL, 0);
}

/* {"n1","n2"}: each name quoted, so any configured name is one element. */
static void
sampler_names(void)
{
	struct rg_buf	b;
	const char	*p;
	size_t		i;

	rg_buf_init(&b);
	rg_buf_appendc(&b, '{');
	for (i = 0; i < rg_cfg.nnodes; i++) {
		if (i > 0)
			rg_buf_appendc(&b, ',');
		rg_buf_appendc(&b, '"');
		for (p = rg_cfg.nodes[i].name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				rg_buf_appendc(&b, '\\');
			rg_buf_appendc(&b, (uint8_t)*p);
		}
		rg_buf_appendc(&b, '"');
	}
	rg_buf_appendc(&b, '}');
	smp.names = kore_strdup(rg_buf_cstr(&b));
	rg_buf_free(&b);
}

static void
sampler_tick(void *arg, u_int64_t now)
{
	const struct rg_node	*primary;
	size_t			 i;

	(void)arg;
	sq_watch(&smp.configure, now);
	for (i = 0; i < rg_cfg.nnodes; i++) {
		sq_watch(&smp.counters[i], now);
		sq_watch(&smp.record[i], now);
	}

	if (!smp.configured) {
		if (smp.configure.phase != SQ_RUNNING) {
			primary = rg_config_node(&rg_cfg, rg_cfg.primary);
			smp.configure.nparams = 2;
			smp.configure.params[0] = smp.names;
			smp.configure.params[1] = primary->name;
			sq_start(&smp.configure);
		}
		return;
	}

	for (i = 0; i < rg_cfg.nnodes; i++) {
		if (smp.counters[i].phase == SQ_RUNNING ||
		    smp.record[i].phase == SQ_RUNNING)
			continue;
		smp.counters[i].nparams = 0;
		sq_start(&smp.counters[i]);
	}
}

static void
configure_done(struct sq *q)
{
	if (q->phase == SQ_DONE) {
		smp.configured = 1;
		kore_log(LOG_NOTICE, "sampler: catalog configured: nodes %s, "
		    "primary %s", smp.names, q->params[1]);
	}
}

/* Hand the node's counters, untouched, to record_sample() on the primary. */
static void
counters_done(struct sq *q)
{
	struct sq	*rec = &smp.record[q->idx];
	const char	*v;

	if (q->phase != SQ_DONE)
		return;
	if (q->res == NULL || PQntuples(q->res) != 1 ||
	    PQgetisnull(q->res, 0, 0)) {
		q->phase = SQ_FAILED;
		q->error = kore_strdup("load_counters() returned no value");
		sq_log(q, LOG_FAILING);
		return;
	}
	v = PQgetvalue(q->res, 0, 0);

	if (rec->phase == SQ_RUNNING)
		return;
	kore_free(rec->owned);
	rec->owned = kore_strdup(v);
	rec->nparams = 2;
	rec->params[0] = q->node->name;
	rec->params[1] = rec->owned;
	sq_start(rec);
}

static void
record_done(struct sq *q)
{
	(void)q;
}

static void
sq_init(struct sq *q, const struct rg_node *node, const char *what,
    const char *text, void (*done)(struct sq *), size_t idx)
{
	memset(q, 0, sizeof(*q));
	q->node = node;
	q->what = what;
	q->text = text;
	q->done = done;
	q->idx = idx;
	q->phase = SQ_IDLE;
	q->logged = LOG_UNKNOWN;
}

/* Frees what the last run left (result, error, pgsql state). */
static void
sq_reset(struct sq *q)
{
	if (q->setup) {
		q->setup = 0;
		kore_pgsql_cleanup(&q->sql);
	}
	if (q->res != NULL) {
		PQclear(q->res);
		q->res = NULL;
	}
	kore_free(q->error);
	q->error = NULL;
}

static void
sq_start(struct sq *q)
{
	int	i;

	sq_reset(q);
	for (i = 0; i < q->nparams; i++) {
		q->lengths[i] = (int)strlen(q->params[i]);
		q->formats[i] = 0;
	}

	kore_pgsql_init(&q->sql);
	kore_pgsql_bind_callback(&q->sql, sq_cb, q);
	q->setup = 1;
	q->phase = SQ_RUNNING;
	q->started = kore_time_ms();

	if (!kore_pgsql_setup(&q->sql, q->node->dbname, KORE_PGSQL_ASYNC)) {
		/* INIT: queued for a connection; the callback resumes it. */
		if (q->sql.state != KORE_PGSQL_STATE_INIT)
			sq_finish(q, 0, q->sql.error);
		return;
	}
	if (!kore_pgsql_query_param_fields(&q->sql, q->text, 0, q->nparams,
	    q->params, q->lengths, q->formats))
		sq_finish(q, 0, q->sql.error);
}

/*
 * Kore calls back from inside its own pgsql calls (scheduling, reading,
 * releasing a connection, waking the queue), including the ones this
 * code makes: nested calls only mark that another step is due, and the
 * outermost one loops until nothing is left.
 */
static void
sq_cb(struct kore_pgsql *pgsql, void *arg)
{
	struct sq	*q = arg;

	(void)pgsql;
	if (q->in_cb) {
		q->again = 1;
		return;
	}
	q->in_cb = 1;
	do {
		q->again = 0;
		if (q->phase == SQ_RUNNING)
			sq_step(q);
	} while (q->again);
	q->in_cb = 0;
}

static void
sq_step(struct sq *q)
{
	switch (q->sql.state) {
	case KORE_PGSQL_STATE_INIT:
		/*
		 * Woken in the wait queue (which still holds our entry and
		 * removes it after this callback): set up again, without
		 * cleaning up, or the queue entry would be freed twice.
		 */
		if (!kore_pgsql_setup(&q->sql, q->node->dbname,
		    KORE_PGSQL_ASYNC)) {
			if (q->sql.state != KORE_PGSQL_STATE_INIT)
				sq_finish(q, 0, q->sql.error);
			return;
		}
		if (!kore_pgsql_query_param_fields(&q->sql, q->text, 0,
		    q->nparams, q->params, q->lengths, q->formats))
			sq_finish(q, 0, q->sql.error);
		break;
	case KORE_PGSQL_STATE_WAIT:
		break;
	case KORE_PGSQL_STATE_RESULT:
		if (q->res == NULL) {
			q->res = q->sql.result;
			q->sql.result = NULL;
		}
		kore_pgsql_continue(&q->sql);
		break;
	case KORE_PGSQL_STATE_ERROR:
		sq_finish(q, 0, q->sql.error);
		break;
	case KORE_PGSQL_STATE_COMPLETE:
		sq_finish(q, 1, NULL);
		break;
	default:
		/* DONE (and NOTIFY): release the connection -> COMPLETE. */
		kore_pgsql_continue(&q->sql);
		break;
	}
}

/* The query is over: record why, release everything, tell its owner. */
static void
sq_finish(struct sq *q, int ok, const char *why)
{
	char	*error;

	/* A connection that broke under the query can leave no text. */
	if (why == NULL || *why == '\0')
		why = "unknown error";
	error = ok ? NULL : kore_strdup(why);

	/* Set first: the cleanup below calls back with COMPLETE. */
	q->phase = ok ? SQ_DONE : SQ_FAILED;
	if (q->setup) {
		q->setup = 0;
		kore_pgsql_cleanup(&q->sql);
	}
	kore_free(q->error);
	q->error = error;

	if (q->node != NULL)
		rg_liveness_seen(q->node->id, ok);
	sq_log(q, ok ? LOG_OK : LOG_FAILING);
	q->done(q);
}

/*
 * Once per tick: drive a running query (a connection that broke under
 * it does not call back) and abandon one past the node timeout.
 */
static void
sq_watch(struct sq *q, u_int64_t now)
{
	if (q->phase != SQ_RUNNING || q->in_cb)
		return;
	/* Not while queued: only Kore's queue wakeup may resume that. */
	if (q->sql.state != KORE_PGSQL_STATE_INIT)
		sq_cb(&q->sql, q);
	if (q->phase == SQ_RUNNING &&
	    now - q->started >= (u_int64_t)rg_cfg.node_timeout_ms)
		sq_finish(q, 0, "timed out");
}

static void
sq_log(struct sq *q, int state)
{
	size_t	len;

	if (state == q->logged)
		return;

	if (state == LOG_FAILING) {
		len = q->error != NULL ? strlen(q->error) : 0;
		while (len > 0 && (q->error[len - 1] == '\n' ||
		    q->error[len - 1] == ' '))
			q->error[--len] = '\0';
		kore_log(LOG_WARNING, "sampler: %s on %s failed: %s",
		    q->what, q->node->name, q->error != NULL ? q->error : "?");
	} else if (q->logged == LOG_FAILING) {
		kore_log(LOG_NOTICE, "sampler: %s on %s works again",
		    q->what, q->node->name);
	}
	q->logged = state;
}
