/*
 * GET /api/v2/nodes/{node_id}/ranges/ and GET /api/v2/ranges/{range_id}/
 * (src/REFERENCE.md, "GET /nodes/{node_id}/ranges/" and
 * "GET /ranges/{range_id}/"; issue 5 items 2 and 3), from each node's
 * roachgate.ranges.
 *
 * A node's ranges: `local` is the primary; the `ranges` filter keeps
 * CockroachDB's semantics (sorted, unknown ids skipped, a repeated id
 * listed again); limit/offset are applied in SQL whenever limit > 0
 * (LIMIT limit+1 tells whether a next page exists).
 *
 * One range: every node is asked at once; nodes that hold it answer
 * with their rangeInfo, nodes that fail with an error entry, keyed by
 * decimal node id in Go's sorted map order.
 *
 * Both are cut from the snapshot (snapshot.c) when the nodes asked have
 * a usable copy of their whole ranges list: the view is evaluated once
 * per refresh instead of once per request, and a page or a range is then
 * a slice or a binary search of the list, never a scan of it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roachgate.h"
#include "json.h"
#include "params.h"
#include "rangeinfo.h"
#include "snapshot.h"

int	rg_node_ranges(struct http_request *);
int	rg_range(struct http_request *);

static int	node_ranges_start(struct http_request *);
static int	node_ranges_wait(struct http_request *);
static int	range_start(struct http_request *);
static int	range_wait(struct http_request *);
static int	path_id(struct http_request *, const char *, const char *,
		    char *, size_t);
static void	node_ranges_live(struct http_request *,
		    const struct rg_node *, const int64_t *, size_t, int,
		    int64_t, int64_t);
static void	node_ranges_snap(struct http_request *,
		    const struct rg_snap_list *, const int64_t *, size_t,
		    int64_t, int64_t);
static int64_t	snap_page(struct rg_json *, const struct rg_snap_list *,
		    int64_t, int64_t);
static int64_t	snap_filtered(struct rg_json *, const struct rg_snap_list *,
		    const int64_t *, size_t, int64_t, int64_t);
static void	snap_item(struct rg_json *, const char *,
		    const struct rg_snap_list *, size_t);
static int	range_snap(struct http_request *, int64_t);
static int	ranges_filter(struct http_request *, int64_t **, size_t *,
		    int *);
static int	row_parse(struct rg_range_row *, struct rg_query *, int);

static struct http_state	node_ranges_states[] = {
	KORE_HTTP_STATE(node_ranges_start),
	KORE_HTTP_STATE(node_ranges_wait),
};

static struct http_state	range_states[] = {
	KORE_HTTP_STATE(range_start),
	KORE_HTTP_STATE(range_wait),
};

#define RANGES_WAIT	1

/* $1 limit (NULL = all), $2 offset, $3 the sorted filter. */
const char	rg_ranges_sql[] =
	"SELECT " RG_RANGEINFO_COLUMNS " FROM "
	"roachgate.read_ranges($1::int8, $2::int8, NULL)";
#define NODE_RANGES_FILTER_SQL \
	"SELECT " RG_RANGEINFO_COLUMNS " FROM " \
	"roachgate.read_ranges($1::int8, $2::int8, $3::int8[])"
#define RANGE_SQL \
	"SELECT " RG_RANGEINFO_COLUMNS " FROM roachgate.read_range($1::int8)"

struct node_ranges_state {
	int64_t		limit;
	int64_t		offset;
	char		limit_text[24];
	char		offset_text[24];
	char		filter[];	/* int8[] literal, "" = none */
};

struct range_state {
	int64_t		range_id;
	char		id_text[24];
};

int
rg_node_ranges(struct http_request *req)
{
	return (http_state_run(node_ranges_states,
	    RG_NITEMS(node_ranges_states), req));
}

int
rg_range(struct http_request *req)
{
	return (http_state_run(range_states, RG_NITEMS(range_states), req));
}

static int
node_ranges_start(struct http_request *req)
{
	const struct rg_snap_list	*list;
	const struct rg_node		*node;
	struct rg_buf			 lim, off;
	char				 idtext[64];
	int64_t				 id, limit, offset, *ids;
	size_t				 nids;
	int				 filtered, hl, ho;

	http_populate_qs(req);

	if (path_id(req, "/api/v2/nodes/", "/ranges/", idtext,
	    sizeof(idtext)) == -1) {
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "invalid node ID");
		return (HTTP_STATE_COMPLETE);
	}
	if (strcmp(idtext, "local") == 0) {
		id = rg_cfg.primary;
	} else if (rg_parse_int(idtext, 10, 32, &id) == -1 || id <= 0) {
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "invalid node ID");
		return (HTTP_STATE_COMPLETE);
	}

	if (ranges_filter(req, &ids, &nids, &filtered) == -1) {
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "invalid range ID");
		return (HTTP_STATE_COMPLETE);
	}

	/* Deliberately 404, where CockroachDB answers 500 (README). */
	if ((node = rg_config_node(&rg_cfg, (int32_t)id)) == NULL) {
		kore_free(ids);
		rg_respond_error(req, HTTP_STATUS_NOT_FOUND, "node not found");
		return (HTTP_STATE_COMPLETE);
	}
	/* Without a usable copy, wait for the node's one refresh. */
	if (rg_snapshot_wait(req, RG_SNAP_RANGES, &node->id, 1)) {
		kore_free(ids);
		return (HTTP_STATE_RETRY);
	}

	rg_buf_init(&lim);
	rg_buf_init(&off);
	hl = rg_param(req, "limit", &lim) != RG_PARAM_MISSING;
	ho = rg_param(req, "offset", &off) != RG_PARAM_MISSING;
	rg_parse_limit_offset(hl ? rg_param_cstr(&lim) : NULL,
	    ho ? rg_param_cstr(&off) : NULL, &limit, &offset);
	rg_buf_free(&lim);
	rg_buf_free(&off);

	if ((list = rg_snapshot_get(RG_SNAP_RANGES, node->id)) != NULL) {
		node_ranges_snap(req, list, filtered ? ids : NULL, nids,
		    limit, offset);
		kore_free(ids);
		return (HTTP_STATE_COMPLETE);
	}

	node_ranges_live(req, node, ids, nids, filtered, limit, offset);
	kore_free(ids);
	req->fsm_state = RANGES_WAIT;
	return (HTTP_STATE_CONTINUE);
}

/* The page from the node's reader: one query, the filter as int8[]. */
static void
node_ranges_live(struct http_request *req, const struct rg_node *node,
    const int64_t *ids, size_t nids, int filtered, int64_t limit,
    int64_t offset)
{
	struct rg_ctx			*ctx = rg_ctx_get(req);
	struct node_ranges_state	*st;
	struct rg_buf			 filter;
	size_t				 i;

	rg_buf_init(&filter);
	if (filtered) {
		rg_buf_appendc(&filter, '{');
		for (i = 0; i < nids; i++) {
			rg_buf_appendf(&filter, "%s%lld", i > 0 ? "," : "",
			    (long long)ids[i]);
		}
		rg_buf_appendc(&filter, '}');
	}

	/* The query's parameters live as long as the request: in ep. */
	st = kore_calloc(1, sizeof(*st) + filter.len + 1);
	memcpy(st->filter, rg_buf_cstr(&filter), filter.len + 1);
	rg_buf_free(&filter);
	st->limit = limit;
	st->offset = offset;
	ctx->ep = st;

	ctx->fan.n = 1;
	rg_query_prepare(&ctx->fan.q[0], node,
	    filtered ? NODE_RANGES_FILTER_SQL : rg_ranges_sql);
	/* One row past the page says whether there is a next one. */
	if (st->limit > 0 && st->limit < INT64_MAX) {
		(void)snprintf(st->limit_text, sizeof(st->limit_text),
		    "%lld", (long long)(st->limit + 1));
		rg_query_param(&ctx->fan.q[0], st->limit_text, -1, 0);
	} else {
		rg_query_param(&ctx->fan.q[0], NULL, 0, 0);
	}
	(void)snprintf(st->offset_text, sizeof(st->offset_text), "%lld",
	    (long long)st->offset);
	rg_query_param(&ctx->fan.q[0], st->offset_text, -1, 0);
	if (filtered)
		rg_query_param(&ctx->fan.q[0], st->filter, -1, 0);
	rg_fanout_start(&ctx->fan, req, rg_cfg.node_timeout_ms);
}

/*
 * The page from the node's copy, the same bytes as node_ranges_wait
 * writes: ids (sorted, or NULL for no filter) are looked up, the page
 * is sliced; work is O(page + filter), never O(list).
 */
static void
node_ranges_snap(struct http_request *req, const struct rg_snap_list *list,
    const int64_t *ids, size_t nids, int64_t limit, int64_t offset)
{
	struct rg_json	j;
	struct rg_buf	body;
	int64_t		next;

	rg_buf_init(&body);
	rg_json_init(&j, &body);
	rg_json_object_open(&j, NULL);
	rg_json_array_open(&j, "ranges");
	if (ids != NULL)
		next = snap_filtered(&j, list, ids, nids, limit, offset);
	else
		next = snap_page(&j, list, limit, offset);
	rg_json_array_close(&j);
	if (next != 0)
		rg_json_int(&j, "next", next);
	rg_json_object_close(&j);

	rg_respond_json(req, HTTP_STATUS_OK, &body);
	rg_buf_free(&body);
}

/*
 * Items [offset, offset + limit) (limit 0: to the end), as the reader's
 * position seek and LIMIT cut them; the next offset, 0 for none.
 */
static int64_t
snap_page(struct rg_json *j, const struct rg_snap_list *list, int64_t limit,
    int64_t offset)
{
	size_t		i, end;
	int64_t		next;

	i = (u_int64_t)offset < list->n ? (size_t)offset : list->n;
	end = list->n;
	next = 0;
	if (limit > 0 && (u_int64_t)limit < end - i) {
		end = i + (size_t)limit;
		next = offset + limit;
	}
	for (; i < end; i++)
		snap_item(j, NULL, list, i);
	return (next);
}

/*
 * The filter's ids the node holds, a repeated id again, in the sorted
 * filter's order, cut by offset and limit as the reader's join is.
 */
static int64_t
snap_filtered(struct rg_json *j, const struct rg_snap_list *list,
    const int64_t *ids, size_t nids, int64_t limit, int64_t offset)
{
	size_t		k;
	ssize_t		i;
	int64_t		seen;

	seen = 0;
	for (k = 0; k < nids; k++) {
		if ((i = rg_snap_find_id(list, ids[k])) == -1 ||
		    seen++ < offset)
			continue;
		if (limit > 0 && seen - offset > limit)
			return (offset + limit);
		snap_item(j, NULL, list, (size_t)i);
	}
	return (0);
}

static void
snap_item(struct rg_json *j, const char *key, const struct rg_snap_list *list,
    size_t i)
{
	const char	*p;
	size_t		 len;

	rg_snap_item(list, i, &p, &len);
	rg_json_raw(j, key, p, len);
}

static int
node_ranges_wait(struct http_request *req)
{
	struct rg_ctx			*ctx = rg_ctx_get(req);
	struct node_ranges_state	*st = ctx->ep;
	struct rg_query			*q = &ctx->fan.q[0];
	struct rg_range_row		 row;
	struct rg_json			 j;
	struct rg_buf			 body;
	int64_t				 next;
	int				 i, n;

	if (!rg_fanout_poll(&ctx->fan))
		return (HTTP_STATE_RETRY);

	if (q->state != RG_Q_DONE) {
		rg_respond_internal(req, "ranges of node %d: %s",
		    q->node->id, q->error);
		return (HTTP_STATE_COMPLETE);
	}

	n = rg_query_rows(q);
	next = 0;
	if (st->limit > 0 && n > st->limit) {
		n = (int)st->limit;
		next = st->offset + st->limit;
	}

	rg_range_row_init(&row);
	rg_buf_init(&body);
	rg_json_init(&j, &body);
	rg_json_object_open(&j, NULL);
	rg_json_array_open(&j, "ranges");
	for (i = 0; i < n; i++) {
		if (row_parse(&row, q, i) == -1) {
			rg_range_row_free(&row);
			rg_buf_free(&body);
			rg_respond_internal(req, "ranges of node %d: bad "
			    "catalog row %d", q->node->id, i);
			return (HTTP_STATE_COMPLETE);
		}
		rg_rangeinfo_write(&j, NULL, &row, q->node->id);
	}
	rg_json_array_close(&j);
	if (next != 0)
		rg_json_int(&j, "next", next);
	rg_json_object_close(&j);

	rg_respond_json(req, HTTP_STATUS_OK, &body);
	rg_range_row_free(&row);
	rg_buf_free(&body);
	return (HTTP_STATE_COMPLETE);
}

static int
range_start(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct range_state	*st;
	char			 idtext[64];
	size_t			 i;
	int64_t			 id;

	if (path_id(req, "/api/v2/ranges/", "/", idtext,
	    sizeof(idtext)) == -1 || rg_parse_int(idtext, 10, 64, &id) == -1) {
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "invalid range ID");
		return (HTTP_STATE_COMPLETE);
	}
	if (rg_snapshot_wait(req, RG_SNAP_RANGES, NULL, rg_cfg.nnodes))
		return (HTTP_STATE_RETRY);
	if (range_snap(req, id))
		return (HTTP_STATE_COMPLETE);

	st = kore_calloc(1, sizeof(*st));
	st->range_id = id;
	(void)snprintf(st->id_text, sizeof(st->id_text), "%lld",
	    (long long)id);
	ctx->ep = st;

	ctx->fan.n = rg_cfg.nnodes;
	for (i = 0; i < ctx->fan.n; i++) {
		rg_query_prepare(&ctx->fan.q[i], &rg_cfg.nodes[i], RANGE_SQL);
		rg_query_param(&ctx->fan.q[i], st->id_text, -1, 0);
	}
	rg_fanout_start(&ctx->fan, req, rg_cfg.node_timeout_ms);

	req->fsm_state = RANGES_WAIT;
	return (HTTP_STATE_CONTINUE);
}

static int
range_wait(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct range_state	*st = ctx->ep;
	struct rg_query		*q;
	struct rg_range_row	 row;
	struct rg_json		 j;
	struct rg_buf		 body, err, what, key;
	int64_t			 ids[RG_MAX_NODES];
	size_t			 i, k, n;
	int			 bad;

	if (!rg_fanout_poll(&ctx->fan))
		return (HTTP_STATE_RETRY);

	/* Nodes that hold the range or failed, in Go's map key order. */
	n = 0;
	for (i = 0; i < ctx->fan.n; i++) {
		q = &ctx->fan.q[i];
		if (q->state != RG_Q_DONE || rg_query_rows(q) > 0)
			ids[n++] = q->node->id;
	}
	rg_json_sort_ids_as_strings(ids, n);

	rg_range_row_init(&row);
	rg_buf_init(&body);
	rg_buf_init(&err);
	rg_buf_init(&what);
	rg_buf_init(&key);
	rg_buf_appendf(&what, "details about range %lld",
	    (long long)st->range_id);

	rg_json_init(&j, &body);
	rg_json_object_open(&j, NULL);
	rg_json_object_open(&j, "responses_by_node_id");
	for (k = 0; k < n; k++) {
		for (i = 0; ctx->fan.q[i].node->id != ids[k]; i++)
			;
		q = &ctx->fan.q[i];
		rg_buf_reset(&key);
		rg_buf_appendf(&key, "%lld", (long long)ids[k]);

		bad = (q->state == RG_Q_DONE && row_parse(&row, q, 0) == -1);
		rg_json_object_open(&j, rg_buf_cstr(&key));
		if (q->state == RG_Q_DONE && !bad) {
			rg_rangeinfo_write(&j, "range_info", &row,
			    q->node->id);
		} else {
			rg_rangeinfo_write_zero(&j, "range_info");
			rg_buf_reset(&err);
			rg_node_error(&err, rg_buf_cstr(&what), q->node->id,
			    rg_liveness_status(q->node->id),
			    bad ? "invalid catalog row" : q->error);
			rg_json_string(&j, "error", rg_buf_cstr(&err));
		}
		rg_json_object_close(&j);
	}
	rg_json_object_close(&j);
	rg_json_object_close(&j);

	rg_respond_json(req, HTTP_STATUS_OK, &body);
	rg_range_row_free(&row);
	rg_buf_free(&body);
	rg_buf_free(&err);
	rg_buf_free(&what);
	rg_buf_free(&key);
	return (HTTP_STATE_COMPLETE);
}

/*
 * The range from every node's copy, as range_wait writes it when no node
 * fails: 1 when answered, 0 when a node has no usable copy (then every
 * node is read live, so that failures are reported as live ones are).
 */
static int
range_snap(struct http_request *req, int64_t range_id)
{
	const struct rg_snap_list	*lists[RG_MAX_NODES];
	const struct rg_node		*node;
	struct rg_json			 j;
	struct rg_buf			 body, key;
	int64_t				 ids[RG_MAX_NODES];
	ssize_t				 at;
	size_t				 i, k, n;
	int				 all;

	/* Every node is asked: each miss starts that node's refresh. */
	all = 1;
	for (i = 0; i < rg_cfg.nnodes; i++) {
		lists[i] = rg_snapshot_get(RG_SNAP_RANGES, rg_cfg.nodes[i].id);
		all = all && lists[i] != NULL;
	}
	if (!all)
		return (0);

	n = 0;
	for (i = 0; i < rg_cfg.nnodes; i++) {
		if (rg_snap_find_id(lists[i], range_id) != -1)
			ids[n++] = rg_cfg.nodes[i].id;
	}
	rg_json_sort_ids_as_strings(ids, n);

	rg_buf_init(&body);
	rg_buf_init(&key);
	rg_json_init(&j, &body);
	rg_json_object_open(&j, NULL);
	rg_json_object_open(&j, "responses_by_node_id");
	for (k = 0; k < n; k++) {
		node = rg_config_node(&rg_cfg, (int32_t)ids[k]);
		i = (size_t)(node - rg_cfg.nodes);
		at = rg_snap_find_id(lists[i], range_id);
		rg_buf_reset(&key);
		rg_buf_appendf(&key, "%lld", (long long)ids[k]);
		rg_json_object_open(&j, rg_buf_cstr(&key));
		snap_item(&j, "range_info", lists[i], (size_t)at);
		rg_json_object_close(&j);
	}
	rg_json_object_close(&j);
	rg_json_object_close(&j);

	rg_respond_json(req, HTTP_STATUS_OK, &body);
	rg_buf_free(&body);
	rg_buf_free(&key);
	return (1);
}

/*
 * The id between prefix and suffix of the request path.  Kore compiles
 * regex routes with REG_NOSUB, so req->cgroups is never filled: the
 * route's regex has already checked the shape, cut the path instead.
 */
static int
path_id(struct http_request *req, const char *prefix, const char *suffix,
    char *out, size_t outlen)
{
	size_t		len, plen, slen;

	len = strlen(req->path);
	plen = strlen(prefix);
	slen = strlen(suffix);
	if (len < plen + slen || strncmp(req->path, prefix, plen) != 0 ||
	    strcmp(req->path + len - slen, suffix) != 0 ||
	    len - plen - slen >= outlen)
		return (-1);

	memcpy(out, req->path + plen, len - plen - slen);
	out[len - plen - slen] = '\0';
	return (0);
}

/*
 * The `ranges` parameter (first value, as Go reads it, whether or not
 * Kore's validator kept it): each element ParseInt(x, 10, 64), any error
 * is a 400.  *ids: the ids, sorted, the caller frees (NULL: no filter).
 */
static int
ranges_filter(struct http_request *req, int64_t **ids, size_t *n,
    int *filtered)
{
	struct rg_buf	val;
	size_t		max;
	const char	*p, *s;

	*filtered = 0;
	*ids = NULL;
	*n = 0;
	rg_buf_init(&val);
	if (rg_param(req, "ranges", &val) == RG_PARAM_MISSING) {
		rg_buf_free(&val);
		return (0);
	}
	if ((s = rg_param_cstr(&val)) == NULL) {
		rg_buf_free(&val);
		return (-1);
	}

	max = 1;
	for (p = s; *p != '\0'; p++) {
		if (*p == ',')
			max++;
	}
	*ids = kore_calloc(max, sizeof(**ids));
	if (rg_parse_id_list(s, *ids, max, n) == -1) {
		kore_free(*ids);
		*ids = NULL;
		rg_buf_free(&val);
		return (-1);
	}
	qsort(*ids, *n, sizeof(**ids), rg_id_cmp);
	*filtered = 1;
	rg_buf_free(&val);
	return (0);
}

/* qsort(3) order of int64_t ids, ascending (also hot.c's replicas). */
int
rg_id_cmp(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *)a, y = *(const int64_t *)b;

	return ((x > y) - (x < y));
}

static int
row_parse(struct rg_range_row *row, struct rg_query *q, int r)
{
	const char	*vals[RG_RANGEINFO_NCOLS];
	int		 c;

	for (c = 0; c < RG_RANGEINFO_NCOLS; c++)
		vals[c] = rg_query_text(q, r, c);
	return (rg_range_row_parse(row, &rg_cfg, vals));
}

/*
 * The snapshot's encoding: node_ranges_wait's item for each row, with its
 * range_id.  The reader orders by range_position, which follows range_id
 * (sql/postgres/40_ranges.sql, the fixture's positions too); a list out of
 * that order is refused (-1: read live), as lookups binary-search it.
 */
int
rg_ranges_snap_encode(struct rg_query *q, const struct rg_node *node,
    struct rg_snap_list *list)
{
	struct rg_range_row	 row;
	struct rg_json		 j;
	struct rg_buf		 buf;
	int			 r, n, rv;

	if ((n = rg_query_rows(q)) > 0)
		list->ids = kore_calloc((size_t)n, sizeof(*list->ids));
	rg_range_row_init(&row);
	rg_buf_init(&buf);
	rv = 0;
	for (r = 0; r < n; r++) {
		if (row_parse(&row, q, r) == -1 ||
		    (r > 0 && row.range_id <= list->ids[r - 1])) {
			rv = -1;
			break;
		}
		rg_buf_reset(&buf);
		rg_json_init(&j, &buf);
		rg_rangeinfo_write(&j, NULL, &row, node->id);
		rg_snap_add(list, &buf, NULL, 0);
		list->ids[r] = row.range_id;
	}
	rg_range_row_free(&row);
	rg_buf_free(&buf);
	return (rv);
}
