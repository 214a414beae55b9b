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
 * Queries run on query.c's engine, bound to callbacks (no request
 * exists).  A node whose previous round has not finished is skipped; a
 * query that outlives node_timeout_ms is abandoned (rg_query_watch).
 * Failures are logged when a query's state changes (ok -> failing ->
 * ok), not on every tick.
 */

#include <stdlib.h>
#include <string.h>

#include "roachgate.h"

#define LOG_UNKNOWN		0
#define LOG_OK			1
#define LOG_FAILING		2

struct sq {
	struct rg_query		 q;
	const struct rg_node	*node;
	const char		*what;
	const char		*text;
	int			 logged;
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
static void	sq_start(struct sq *, const char *, const char *);
static void	sq_cb(struct rg_query *, void *);
static void	sq_log(struct sq *, int, const char *);
static void	configure_done(struct sq *);
static void	counters_done(struct sq *);
static void	record_done(struct sq *);

void
rg_sampler_init(void)
{
	const struct rg_node	*primary;
	size_t			 i;

	if (worker == NULL || worker->id != RG_SAMPLER_WORKER)
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
	rg_query_watch(&smp.configure.q, now);
	for (i = 0; i < rg_cfg.nnodes; i++) {
		rg_query_watch(&smp.counters[i].q, now);
		rg_query_watch(&smp.record[i].q, now);
	}

	if (!smp.configured) {
		if (!rg_query_running(&smp.configure.q)) {
			primary = rg_config_node(&rg_cfg, rg_cfg.primary);
			sq_start(&smp.configure, smp.names, primary->name);
		}
		return;
	}

	for (i = 0; i < rg_cfg.nnodes; i++) {
		if (rg_query_running(&smp.counters[i].q) ||
		    rg_query_running(&smp.record[i].q))
			continue;
		sq_start(&smp.counters[i], NULL, NULL);
	}
}

static void
configure_done(struct sq *sq)
{
	if (sq->q.state == RG_Q_DONE) {
		smp.configured = 1;
		kore_log(LOG_NOTICE, "sampler: catalog configured: nodes %s, "
		    "primary %s", smp.names, sq->q.params[1]);
	}
}

/* Hand the node's counters, untouched, to record_sample() on the primary. */
static void
counters_done(struct sq *sq)
{
	struct sq	*rec = &smp.record[sq->idx];
	const char	*v;

	if (sq->q.state != RG_Q_DONE)
		return;
	if (rg_query_rows(&sq->q) != 1 ||
	    (v = rg_query_text(&sq->q, 0, 0)) == NULL) {
		sq_log(sq, LOG_FAILING, "load_counters() returned no value");
		return;
	}

	if (rg_query_running(&rec->q))
		return;
	kore_free(rec->owned);
	rec->owned = kore_strdup(v);
	sq_start(rec, sq->node->name, rec->owned);
}

static void
record_done(struct sq *sq)
{
	(void)sq;
}

static void
sq_init(struct sq *sq, const struct rg_node *node, const char *what,
    const char *text, void (*done)(struct sq *), size_t idx)
{
	memset(sq, 0, sizeof(*sq));
	sq->node = node;
	sq->what = what;
	sq->text = text;
	sq->done = done;
	sq->idx = idx;
	sq->logged = LOG_UNKNOWN;
}

/* Up to two text parameters (NULL: none from there on). */
static void
sq_start(struct sq *sq, const char *p1, const char *p2)
{
	rg_query_prepare(&sq->q, sq->node, sq->text);
	if (p1 != NULL)
		rg_query_param(&sq->q, p1, -1, 0);
	if (p2 != NULL)
		rg_query_param(&sq->q, p2, -1, 0);
	rg_query_start_cb(&sq->q, sq_cb, sq);
}

static void
sq_cb(struct rg_query *q, void *arg)
{
	struct sq	*sq = arg;

	if (q->state == RG_Q_DONE)
		sq_log(sq, LOG_OK, NULL);
	else
		sq_log(sq, LOG_FAILING, q->error);
	sq->done(sq);
}

static void
sq_log(struct sq *sq, int state, const char *why)
{
	if (state == sq->logged)
		return;

	if (state == LOG_FAILING) {
		kore_log(LOG_WARNING, "sampler: %s on %s failed: %s",
		    sq->what, sq->node->name, why != NULL ? why : "?");
	} else if (sq->logged == LOG_FAILING) {
		kore_log(LOG_NOTICE, "sampler: %s on %s works again",
		    sq->what, sq->node->name);
	}
	sq->logged = state;
}
