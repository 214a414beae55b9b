/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * The fan-out half of CockroachDB's token pagination: which nodes to ask,
 * for which rows, and how their answers become one page (see
 * tokenpage.h).  The pagination arithmetic itself is paginate.c's.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tokenpage.h"
#include "params.h"
#include "rangeinfo.h"

static void	tp_rows(struct rg_tokenpage *, size_t, int64_t *, int64_t *);
static int64_t	tp_length(struct rg_tokenpage *, struct rg_fanout *, size_t);
static void	tp_cut(struct rg_tokenpage *);

void
rg_tokenpage_params(struct http_request *req, int64_t *limit,
    struct rg_buf *tok)
{
	struct rg_buf	 val;
	const char	*s;

	rg_buf_init(&val);
	rg_buf_reset(tok);

	*limit = 0;
	if (rg_param(req, "limit", &val) != RG_PARAM_MISSING &&
	    (s = rg_param_cstr(&val)) != NULL)
		*limit = rg_parse_limit(s);

	if (*limit > 0 && rg_param(req, "start", &val) != RG_PARAM_MISSING)
		rg_buf_append(tok, val.data, val.len);

	rg_buf_free(&val);
}

void
rg_tokenpage_init(struct rg_tokenpage *tp, const char *what, int64_t limit,
    const struct rg_buf *tok, const int32_t *ids, size_t nids, int64_t cap)
{
	uint32_t	all[RG_PAGE_MAXNODES];
	size_t		i;

	tp->what = what;
	tp->limit = limit > 0 ? limit : 0;
	tp->cap = cap > 0 ? cap : 0;
	tp->done = 0;
	tp->mem = 0;
	tp->nspan = 0;
	rg_page_state_init(&tp->st);

	if (nids > RG_PAGE_MAXNODES)
		nids = RG_PAGE_MAXNODES;
	for (i = 0; i < nids; i++)
		all[i] = (uint32_t)ids[i];

	if (tp->limit == 0) {
		/* iterateNodes: every node, whole lists, `next` zero. */
		memcpy(tp->ids, all, nids * sizeof(all[0]));
		tp->n = nids;
		return;
	}

	/* A bad token silently restarts from the beginning. */
	if (tok != NULL && tok->len > 0 &&
	    rg_page_state_unmarshal(&tp->st, (const char *)tok->data,
	    tok->len) == -1)
		rg_page_state_init(&tp->st);
	rg_page_state_merge(&tp->st, all, nids);
	tp->n = rg_page_state_nodes(&tp->st, tp->ids, RG_PAGE_MAXNODES);
}

/* Which rows of node i's list this page asks for: OFFSET and LIMIT
 * (-1: no limit). */
static void
tp_rows(struct rg_tokenpage *tp, size_t i, int64_t *first, int64_t *count)
{
	*first = 0;
	*count = -1;
	if (tp->limit > 0) {
		*first = rg_page_fetch_start(&tp->st, tp->ids[i]);
		if (tp->limit < INT64_MAX)
			*count = tp->limit + 1;
	}
	if (tp->cap > 0) {
		if (*first >= tp->cap)
			*count = 0;
		else if (*count == -1 || *count > tp->cap - *first)
			*count = tp->cap - *first;
	}
}

void
rg_tokenpage_start(struct rg_tokenpage *tp, struct rg_fanout *fan,
    struct http_request *req, rg_tokenpage_prepare prepare, void *arg)
{
	const struct rg_node	*node;
	size_t			 i, s;
	int64_t			 count;

	fan->n = 0;
	for (i = 0; i < tp->n; i++) {
		tp->slot[i] = -1;
		tp->len[i] = -1;
		tp->first[i] = 0;
		/* Unknown nodes (a stale token) fail without a query. */
		node = rg_config_node(&rg_cfg, (int32_t)tp->ids[i]);
		if (node == NULL || fan->n == RG_MAX_NODES)
			continue;

		s = fan->n++;
		tp->slot[i] = (int16_t)s;
		tp_rows(tp, i, &tp->first[i], &count);
		(void)snprintf(tp->off[s], sizeof(tp->off[s]), "%" PRId64,
		    tp->first[i]);
		(void)snprintf(tp->cnt[s], sizeof(tp->cnt[s]), "%" PRId64,
		    count);
		prepare(&fan->q[s], node, tp->off[s],
		    count == -1 ? NULL : tp->cnt[s], arg);
	}

	if (fan->n > 0)
		rg_fanout_start(fan, req, rg_cfg.node_timeout_ms);
}

/* The length of node i's list as far as this page can tell (paginate.h:
 * start + rows read), or -1 if the node failed. */
static int64_t
tp_length(struct rg_tokenpage *tp, struct rg_fanout *fan, size_t i)
{
	struct rg_query	*q;

	if (tp->slot[i] < 0)
		return (-1);
	q = &fan->q[tp->slot[i]];
	if (q->state != RG_Q_DONE)
		return (-1);
	return (tp->first[i] + rg_query_rows(q));
}

int
rg_tokenpage_poll(struct rg_tokenpage *tp, struct rg_fanout *fan)
{
	size_t		i;

	if (tp->done)
		return (1);
	if (fan->n > 0 && !rg_fanout_poll(fan))
		return (0);

	for (i = 0; i < tp->n; i++)
		tp->len[i] = tp_length(tp, fan, i);
	tp_cut(tp);
	return (1);
}

size_t
rg_tokenpage_nodes(const struct rg_tokenpage *tp)
{
	return (tp->n);
}

int32_t
rg_tokenpage_id(const struct rg_tokenpage *tp, size_t i)
{
	return ((int32_t)tp->ids[i]);
}

void
rg_tokenpage_lengths(struct rg_tokenpage *tp, const int64_t *lens)
{
	size_t		i;

	for (i = 0; i < tp->n; i++) {
		tp->slot[i] = -1;
		tp->first[i] = 0;
		tp->len[i] = lens[i];
		if (tp->cap > 0 && tp->len[i] > tp->cap)
			tp->len[i] = tp->cap;
	}
	tp->mem = 1;
	tp_cut(tp);
}

/* The page from the lengths: the `next` state and one span per node. */
static void
tp_cut(struct rg_tokenpage *tp)
{
	size_t		i;

	if (tp->limit > 0) {
		(void)rg_page_collect(&tp->st, tp->limit, tp->ids, tp->len,
		    tp->n, tp->span, &tp->nspan);
	} else {
		for (i = 0; i < tp->n; i++) {
			tp->span[i].node = tp->ids[i];
			tp->span[i].start = 0;
			tp->span[i].end = tp->len[i] < 0 ? 0 :
			    (size_t)tp->len[i];
			tp->span[i].error = tp->len[i] < 0;
		}
		tp->nspan = tp->n;
	}

	tp->done = 1;
}

size_t
rg_tokenpage_nparts(const struct rg_tokenpage *tp)
{
	return (tp->done ? tp->nspan : 0);
}

/* Spans are consumed in node-list order, so span k is node k's. */
void
rg_tokenpage_part(struct rg_tokenpage *tp, struct rg_fanout *fan, size_t k,
    struct rg_tokenpage_part *p)
{
	const struct rg_page_span	*sp = &tp->span[k];

	p->node = (int32_t)sp->node;
	p->failed = sp->error;
	p->q = NULL;
	p->row = 0;
	p->nrows = 0;
	if (tp->mem && sp->error == 0) {
		p->row = (int)sp->start;
		p->nrows = (int)(sp->end - sp->start);
		return;
	}
	if (sp->error != 0 || tp->slot[k] < 0)
		return;

	p->q = &fan->q[tp->slot[k]];
	p->row = (int)((int64_t)sp->start - tp->first[k]);
	p->nrows = (int)(sp->end - sp->start);
	/* Only a token naming a node twice could get here; stay in range. */
	if (p->row < 0 || p->row > rg_query_rows(p->q)) {
		p->row = 0;
		p->nrows = 0;
	} else if (p->nrows > rg_query_rows(p->q) - p->row)
		p->nrows = rg_query_rows(p->q) - p->row;
}

void
rg_tokenpage_error(struct rg_tokenpage *tp, struct rg_fanout *fan, size_t k,
    struct rg_buf *out)
{
	const struct rg_page_span	*sp = &tp->span[k];
	int32_t				 node = (int32_t)sp->node;

	if (sp->error == 2) {
		/* paginate() met a node that the state does not hold. */
		rg_buf_appendf(out, "node %d not found in pagination state",
		    (int)node);
	} else if (tp->slot[k] < 0) {
		rg_buf_appendf(out, "failed to dial into node %d (%s): "
		    "unknown node", (int)node,
		    rg_liveness_name(rg_liveness_status(node)));
	} else {
		rg_node_error(out, tp->what, node, rg_liveness_status(node),
		    fan->q[tp->slot[k]].error);
	}
}

void
rg_tokenpage_next(const struct rg_tokenpage *tp, struct rg_buf *out)
{
	(void)rg_page_state_marshal(&tp->st, out);
}

void
rg_tokenpage_respond(const struct rg_tokenpage *tp, struct rg_json *j,
    struct http_request *req)
{
	struct rg_buf	next;

	rg_buf_init(&next);
	rg_tokenpage_next(tp, &next);
	rg_json_stringn(j, "next", (const char *)next.data, next.len);
	rg_json_object_close(j);
	rg_respond_json(req, HTTP_STATUS_OK, j->buf);
	rg_buf_free(&next);
}
