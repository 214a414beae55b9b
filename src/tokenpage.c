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
static void	tp_alloc(struct rg_tokenpage *, size_t);
static void	*tp_array(size_t, size_t);

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
	const uint32_t	*all;

	tp->what = what;
	tp->limit = limit > 0 ? limit : 0;
	tp->cap = cap > 0 ? cap : 0;
	tp->done = 0;
	tp->mem = 0;
	tp->nspan = 0;
	rg_page_state_init(&tp->st);

	/* Node ids are int32 kept as their uint32 bit pattern (paginate.h). */
	all = (const uint32_t *)ids;
	if (nids > RG_PAGE_MAXNODES)
		nids = RG_PAGE_MAXNODES;

	if (tp->limit == 0) {
		/* iterateNodes: every node, whole lists, `next` zero. */
		tp_alloc(tp, nids);
		memcpy(tp->ids, all, nids * sizeof(all[0]));
		tp->n = nids;
		return;
	}

	/* A bad token silently restarts from the beginning. */
	if (tok != NULL && tok->len > 0 &&
	    rg_page_state_unmarshal(&tp->st, (const char *)tok->data,
	    tok->len) == -1)
		rg_page_state_clear(&tp->st);
	rg_page_state_merge(&tp->st, all, nids);
	tp_alloc(tp, (tp->st.in_progress != 0) + tp->st.nto_query);
	tp->n = rg_page_state_nodes(&tp->st, tp->ids, tp->nalloc);
}

/* Room for n nodes: what this page asks, not RG_PAGE_MAXNODES. */
static void
tp_alloc(struct rg_tokenpage *tp, size_t n)
{
	tp->nalloc = n;
	tp->ids = tp_array(n, sizeof(*tp->ids));
	tp->len = tp_array(n, sizeof(*tp->len));
	tp->node = tp_array(n, sizeof(*tp->node));
	tp->span = tp_array(n, sizeof(*tp->span));
	tp->mlist = tp_array(n, sizeof(*tp->mlist));
	tp->mfirst = tp_array(n, sizeof(*tp->mfirst));
}

void
rg_tokenpage_free(struct rg_tokenpage *tp)
{
	kore_free(tp->ids);
	kore_free(tp->len);
	kore_free(tp->node);
	kore_free(tp->span);
	kore_free(tp->mlist);
	kore_free(tp->mfirst);
	rg_page_state_free(&tp->st);
	tp->ids = NULL;
	tp->len = NULL;
	tp->node = NULL;
	tp->span = NULL;
	tp->mlist = NULL;
	tp->mfirst = NULL;
	tp->n = tp->nalloc = tp->nspan = 0;
}

void
rg_tokenpage_ep_free(void *ep)
{
	rg_tokenpage_free(ep);
}

/* kore_calloc(n, size), with room for one when n is 0. */
static void *
tp_array(size_t n, size_t size)
{
	return (kore_calloc(n > 0 ? n : 1, size));
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
	const struct rg_node		*node;
	struct rg_tokenpage_node	*nd;
	size_t				 i, s;
	int64_t				 count;

	fan->n = 0;
	for (i = 0; i < tp->n; i++) {
		nd = &tp->node[i];
		nd->slot = -1;
		nd->first = 0;
		tp->len[i] = -1;
		/* Unknown nodes (a stale token) fail without a query; so
		 * does a node a token names twice once every slot is used. */
		node = rg_config_node(&rg_cfg, (int32_t)tp->ids[i]);
		if (node == NULL || fan->n == fan->cap)
			continue;

		s = fan->n++;
		nd->slot = (int)s;
		tp_rows(tp, i, &nd->first, &count);
		(void)snprintf(nd->off, sizeof(nd->off), "%" PRId64,
		    nd->first);
		(void)snprintf(nd->cnt, sizeof(nd->cnt), "%" PRId64, count);
		prepare(&fan->q[s], node, nd->off,
		    count == -1 ? NULL : nd->cnt, arg);
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

	if (tp->node[i].slot < 0)
		return (-1);
	q = &fan->q[tp->node[i].slot];
	if (q->state != RG_Q_DONE)
		return (-1);
	return (tp->node[i].first + rg_query_rows(q));
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
		tp->node[i].slot = -1;
		tp->node[i].first = 0;
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
	if (sp->error != 0 || tp->node[k].slot < 0)
		return;

	p->q = &fan->q[tp->node[k].slot];
	p->row = (int)((int64_t)sp->start - tp->node[k].first);
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
	} else if (tp->node[k].slot < 0) {
		rg_buf_appendf(out, "failed to dial into node %d (%s): "
		    "unknown node", (int)node,
		    rg_liveness_name(rg_liveness_status(node)));
	} else {
		rg_node_error(out, tp->what, node, rg_liveness_status(node),
		    fan->q[tp->node[k].slot].error);
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
