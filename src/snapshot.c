/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * The per-worker cluster snapshot (README, "Cluster snapshot").  For each
 * node and kind (status, hot ranges, sessions) a worker keeps the last
 * answer of the kind's catalog reader, encoded once, as the JSON items
 * the endpoint writes, so that a request costs a copy from memory.
 *
 * - A copy is served while it is at most snapshot_max_age_ms old,
 *   counted from when the refresh that made it started; 0 turns the
 *   snapshot off (every request reads live).
 * - A request never waits for a refresh while a usable copy exists.
 *   Without one, the endpoints first call rg_snapshot_wait(): the
 *   request sleeps until the node's refresh (started then, if none runs)
 *   ends, and is served from its result; every request that misses
 *   meanwhile joins the same refresh, so a burst on a copy that aged out
 *   costs the node one query, not one live read per request (which, at
 *   thousands of requests a second, queued for seconds behind the node's
 *   pool: README, "Tail latency").  If the refresh fails, they read live.
 * - A timer (every max_age / 4) refreshes the copies that requests used
 *   since the last refresh once they are half their maximum age, so a
 *   busy endpoint keeps being served from memory; unused copies age out
 *   and cost nothing.  One refresh per node and kind at a time; a failed
 *   one keeps the old copy (until it ages out) and waits before retrying.
 * - A node with more than snapshot_max_sessions sessions, or more than
 *   snapshot_max_ranges ranges, is not kept (its pages are read live,
 *   O(page) by the catalog's positions).
 */

#include <stdlib.h>
#include <string.h>

#include "roachgate.h"
#include "snapshot.h"
#include "waitq.h"

struct slot {
	struct rg_query		 q;
	struct rg_waitq		 waiters;	/* for the running refresh */
	int			 kind;
	const struct rg_node	*node;
	struct rg_snap_list	*cur;		/* NULL: none yet */
	u_int64_t		 at;		/* cur's refresh started */
	u_int64_t		 started;	/* the running refresh's */
	u_int64_t		 next_try;
	int			 used;		/* by a request since refresh */
	int			 big;		/* too many rows to keep */
	char			 lim[24];
};

static struct slot	slots[RG_SNAP_NKINDS][RG_MAX_NODES];

static int	(*const encoders[RG_SNAP_NKINDS])(struct rg_query *,
		    const struct rg_node *, struct rg_snap_list *) = {
	rg_nodes_snap_encode,		/* RG_SNAP_STATUS */
	rg_hot_snap_encode,		/* RG_SNAP_HOT */
	rg_sessions_snap_encode,	/* RG_SNAP_SESSIONS */
	rg_ranges_snap_encode,		/* RG_SNAP_RANGES */
};

static void	snapshot_tick(void *, u_int64_t);
static void	refresh_start(struct slot *, u_int64_t);
static void	refresh_done(struct rg_query *, void *);
static void	refresh_store(struct slot *, struct rg_query *);
static int	slot_fresh(const struct slot *, u_int64_t);
static u_int64_t	refresh_backoff(void);
static int64_t	kind_max(int);
static void	list_free(struct rg_snap_list *);
static void	list_index(struct rg_snap_list *);
static int	key_cmp(const struct rg_snap_list *, size_t, const void *,
		    size_t);
static int	by_key_cmp(const void *, const void *, void *);

void
rg_snapshot_init(void)
{
	u_int64_t	tick;
	size_t		i;
	int		k;

	for (k = 0; k < RG_SNAP_NKINDS; k++) {
		for (i = 0; i < rg_cfg.nnodes; i++) {
			slots[k][i].kind = k;
			slots[k][i].node = &rg_cfg.nodes[i];
			TAILQ_INIT(&slots[k][i].waiters);
		}
	}
	if (rg_cfg.snapshot_max_age_ms == 0)
		return;

	tick = (u_int64_t)rg_cfg.snapshot_max_age_ms / 4;
	if (tick < 10)
		tick = 10;
	(void)kore_timer_add(snapshot_tick, tick, NULL, 0);
}

const struct rg_snap_list *
rg_snapshot_get(int kind, int32_t node_id)
{
	const struct rg_node	*node;
	struct slot		*s;
	u_int64_t		 now;

	if (rg_cfg.snapshot_max_age_ms == 0 ||
	    (node = rg_config_node(&rg_cfg, node_id)) == NULL)
		return (NULL);

	s = &slots[kind][node - rg_cfg.nodes];
	s->used = 1;
	now = kore_time_ms();
	if (slot_fresh(s, now))
		return (s->big ? NULL : s->cur);

	if (!rg_query_running(&s->q) && now >= s->next_try)
		refresh_start(s, now);
	return (NULL);
}

int
rg_snapshot_wait(struct http_request *req, int kind, const int32_t *ids,
    size_t n)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	const struct rg_node	*node;
	struct slot		*s, *wait;
	u_int64_t		 now;
	size_t			 i;

	/* Each wait ends with one refresh: n of them cover every node. */
	if (rg_cfg.snapshot_max_age_ms == 0 || ctx->snap_waits >= n)
		return (0);

	now = kore_time_ms();
	wait = NULL;
	for (i = 0; i < n; i++) {
		node = ids != NULL ? rg_config_node(&rg_cfg, ids[i]) :
		    &rg_cfg.nodes[i];
		if (node == NULL)
			continue;
		s = &slots[kind][node - rg_cfg.nodes];
		if (slot_fresh(s, now))
			continue;
		/* Every stale node's refresh starts now, side by side. */
		if (!rg_query_running(&s->q) && now >= s->next_try)
			refresh_start(s, now);
		if (wait == NULL && rg_query_running(&s->q))
			wait = s;
	}
	if (wait == NULL)
		return (0);

	rg_waitq_sleep(&wait->waiters, req);
	ctx->snap_waits++;
	return (1);
}

/* When this worker's copy was refreshed (kore_time_ms), 0: none. */
u_int64_t
rg_snapshot_at(int kind, int32_t node_id)
{
	const struct rg_node	*node;
	struct slot		*s;

	if ((node = rg_config_node(&rg_cfg, node_id)) == NULL)
		return (0);
	s = &slots[kind][node - rg_cfg.nodes];
	return (s->cur != NULL ? s->at : 0);
}

static void
snapshot_tick(void *arg, u_int64_t now)
{
	struct slot	*s;
	size_t		 i;
	int		 k;

	(void)arg;
	for (k = 0; k < RG_SNAP_NKINDS; k++) {
		for (i = 0; i < rg_cfg.nnodes; i++) {
			s = &slots[k][i];
			rg_query_watch(&s->q, now);
			if (!s->used || s->cur == NULL ||
			    rg_query_running(&s->q) || now < s->next_try ||
			    now - s->at <
			    (u_int64_t)rg_cfg.snapshot_max_age_ms / 2)
				continue;
			refresh_start(s, now);
		}
	}
}

static void
refresh_start(struct slot *s, u_int64_t now)
{
	s->used = 0;
	s->started = now;
	switch (s->kind) {
	case RG_SNAP_STATUS:
		rg_query_prepare(&s->q, s->node, rg_nodes_sql);
		break;
	case RG_SNAP_HOT:
		rg_query_prepare(&s->q, s->node, rg_hot_sql);
		(void)snprintf(s->lim, sizeof(s->lim), "%d",
		    RG_HOT_MAX_PER_NODE);
		rg_query_param(&s->q, s->lim, -1, 0);
		rg_query_param(&s->q, "0", -1, 0);
		break;
	case RG_SNAP_RANGES:
		/* The live reader, unfiltered, one row more than is kept. */
		rg_query_prepare(&s->q, s->node, rg_ranges_sql);
		(void)snprintf(s->lim, sizeof(s->lim), "%lld",
		    (long long)rg_cfg.snapshot_max_ranges + 1);
		rg_query_param(&s->q, s->lim, -1, 0);
		rg_query_param(&s->q, "0", -1, 0);
		break;
	default:
		/* One row more than is kept tells a node that has too many. */
		rg_query_prepare(&s->q, s->node, rg_sessions_sql);
		(void)snprintf(s->lim, sizeof(s->lim), "%lld",
		    (long long)rg_cfg.snapshot_max_sessions + 1);
		rg_query_param(&s->q, NULL, 0, 0);
		rg_query_param(&s->q, s->lim, -1, 0);
		rg_query_param(&s->q, "0", -1, 0);
		break;
	}
	rg_query_start_cb(&s->q, refresh_done, s);
}

/* The refresh's result, stored or not, then its waiters run again. */
static void
refresh_done(struct rg_query *q, void *arg)
{
	struct slot		*s = arg;

	refresh_store(s, q);
	rg_waitq_wake(&s->waiters);
}

static void
refresh_store(struct slot *s, struct rg_query *q)
{
	struct rg_snap_list	*list;
	u_int64_t		 now;
	int			 big;

	now = kore_time_ms();
	if (q->state != RG_Q_DONE) {
		s->next_try = now + refresh_backoff();
		rg_query_cleanup(q);
		return;
	}

	list = kore_calloc(1, sizeof(*list));
	rg_buf_init(&list->items);
	rg_buf_init(&list->keys);
	big = rg_query_rows(q) > kind_max(s->kind);
	if (!big) {
		if (encoders[s->kind](q, s->node, list) == -1) {
			list_free(list);
			s->next_try = now + refresh_backoff();
			rg_query_cleanup(q);
			return;
		}
		if (s->kind == RG_SNAP_SESSIONS)
			list_index(list);
	}
	rg_query_cleanup(q);

	if (s->cur != NULL)
		list_free(s->cur);
	s->cur = list;
	s->at = s->started;
	s->big = big;
	/* A node with too many rows is asked again much later. */
	s->next_try = big ? now + 10 * refresh_backoff() : 0;
}

/* The most rows a copy of that kind keeps (the others: their readers'). */
static int64_t
kind_max(int kind)
{
	switch (kind) {
	case RG_SNAP_SESSIONS:
		return (rg_cfg.snapshot_max_sessions);
	case RG_SNAP_RANGES:
		return (rg_cfg.snapshot_max_ranges);
	default:
		return (INT64_MAX);
	}
}

/* A copy at most snapshot_max_age_ms old (from its refresh's start). */
static int
slot_fresh(const struct slot *s, u_int64_t now)
{
	return (s->cur != NULL &&
	    now - s->at <= (u_int64_t)rg_cfg.snapshot_max_age_ms);
}

static u_int64_t
refresh_backoff(void)
{
	u_int64_t	ms;

	ms = (u_int64_t)rg_cfg.snapshot_max_age_ms;
	return (ms < 1000 ? 1000 : ms);
}

void
rg_snap_add(struct rg_snap_list *l, const struct rg_buf *item,
    const void *key, size_t klen)
{
	if (l->n + 2 > l->cap) {
		l->cap = l->cap == 0 ? 16 : l->cap * 2;
		l->off = kore_realloc(l->off, l->cap * sizeof(*l->off));
		l->koff = kore_realloc(l->koff, l->cap * sizeof(*l->koff));
	}
	if (l->n == 0) {
		l->off[0] = 0;
		l->koff[0] = 0;
	}
	rg_buf_append(&l->items, item->data, item->len);
	if (key != NULL)
		rg_buf_append(&l->keys, key, klen);
	l->n++;
	l->off[l->n] = l->items.len;
	l->koff[l->n] = l->keys.len;
}

void
rg_snap_add_rows(struct rg_snap_list *l, struct rg_query *q, int32_t node,
    void (*write)(struct rg_json *, struct rg_query *, int, int32_t),
    int keycol)
{
	struct rg_buf	 buf;
	struct rg_json	 j;
	const char	*key;
	int		 r, klen;

	rg_buf_init(&buf);
	for (r = 0; r < rg_query_rows(q); r++) {
		rg_buf_reset(&buf);
		rg_json_init(&j, &buf);
		write(&j, q, r, node);
		key = NULL;
		klen = 0;
		if (keycol >= 0) {
			key = "";
			if (!rg_query_isnull(q, r, keycol))
				key = rg_query_value(q, r, keycol, &klen);
		}
		rg_snap_add(l, &buf, key, (size_t)klen);
	}
	rg_buf_free(&buf);
}

int
rg_snapshot_tokenpage(struct rg_tokenpage *tp, int kind,
    const struct rg_snap_list **lists, const void *key, size_t klen,
    size_t *first)
{
	int64_t		lens[RG_PAGE_MAXNODES];
	size_t		i, n;

	n = rg_tokenpage_nodes(tp);
	for (i = 0; i < n; i++) {
		lists[i] = rg_snapshot_get(kind, rg_tokenpage_id(tp, i));
		if (lists[i] == NULL)
			return (0);
		first[i] = 0;
		lens[i] = (int64_t)lists[i]->n;
		if (key != NULL)
			lens[i] = (int64_t)rg_snap_key_range(lists[i], key,
			    klen, &first[i]);
	}
	rg_tokenpage_lengths(tp, lens);
	return (1);
}

void
rg_snap_item(const struct rg_snap_list *l, size_t i, const char **p,
    size_t *len)
{
	*p = (const char *)l->items.data + l->off[i];
	*len = l->off[i + 1] - l->off[i];
}

static void
list_free(struct rg_snap_list *l)
{
	rg_buf_free(&l->items);
	rg_buf_free(&l->keys);
	kore_free(l->off);
	kore_free(l->koff);
	kore_free(l->by_key);
	kore_free(l->ids);
	kore_free(l);
}

/* by_key: a filter on the key is then a binary search, not a scan. */
static void
list_index(struct rg_snap_list *l)
{
	size_t		i;

	if (l->n == 0)
		return;
	l->by_key = kore_calloc(l->n, sizeof(*l->by_key));
	for (i = 0; i < l->n; i++)
		l->by_key[i] = i;
	qsort_r(l->by_key, l->n, sizeof(*l->by_key), by_key_cmp, l);
}

/* Item i's key against (key, len), bytewise. */
static int
key_cmp(const struct rg_snap_list *l, size_t i, const void *key, size_t len)
{
	size_t		klen, m;
	int		c;

	klen = l->koff[i + 1] - l->koff[i];
	m = klen < len ? klen : len;
	if (m > 0 && (c = memcmp(l->keys.data + l->koff[i], key, m)) != 0)
		return (c);
	return ((klen > len) - (klen < len));
}

static int
by_key_cmp(const void *a, const void *b, void *arg)
{
	const struct rg_snap_list	*l = arg;
	size_t				 x = *(const size_t *)a;
	size_t				 y = *(const size_t *)b;
	int				 c;

	c = key_cmp(l, x, l->keys.data + l->koff[y],
	    l->koff[y + 1] - l->koff[y]);
	if (c != 0)
		return (c);
	return ((x > y) - (x < y));
}

size_t
rg_snap_key_range(const struct rg_snap_list *l, const void *key, size_t len,
    size_t *first)
{
	size_t		lo, hi, mid, end;

	lo = 0;
	hi = l->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (key_cmp(l, l->by_key[mid], key, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	hi = l->n;
	end = lo;
	while (end < hi) {
		mid = end + (hi - end) / 2;
		if (key_cmp(l, l->by_key[mid], key, len) <= 0)
			end = mid + 1;
		else
			hi = mid;
	}
	return (end - lo);
}

ssize_t
rg_snap_find_id(const struct rg_snap_list *l, int64_t id)
{
	const int64_t	*p;

	if (l->n == 0 || (p = bsearch(&id, l->ids, l->n, sizeof(*l->ids),
	    rg_id_cmp)) == NULL)
		return (-1);
	return (p - l->ids);
}
