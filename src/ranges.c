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
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roachgate.h"
#include "json.h"
#include "params.h"
#include "rangeinfo.h"

int	rg_node_ranges(struct http_request *);
int	rg_range(struct http_request *);

static int	node_ranges_start(struct http_request *);
static int	node_ranges_wait(struct http_request *);
static int	range_start(struct http_request *);
static int	range_wait(struct http_request *);
static int	path_id(struct http_request *, const char *, const char *,
		    char *, size_t);
static int	ranges_filter(struct http_request *, struct rg_buf *, int *);
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
#define NODE_RANGES_SQL \
	"SELECT " RG_RANGEINFO_COLUMNS " FROM " \
	"roachgate.read_ranges($1::int8, $2::int8, NULL)"
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
	struct rg_ctx			*ctx = rg_ctx_get(req);
	struct node_ranges_state	*st;
	const struct rg_node		*node;
	struct rg_buf			 lim, off, filter;
	char				 idtext[64];
	int64_t				 id;
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

	rg_buf_init(&filter);
	if (ranges_filter(req, &filter, &filtered) == -1) {
		rg_buf_free(&filter);
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "invalid range ID");
		return (HTTP_STATE_COMPLETE);
	}

	/* Deliberately 404, where CockroachDB answers 500 (README). */
	if ((node = rg_config_node(&rg_cfg, (int32_t)id)) == NULL) {
		rg_buf_free(&filter);
		rg_respond_error(req, HTTP_STATUS_NOT_FOUND, "node not found");
		return (HTTP_STATE_COMPLETE);
	}

	/* The query's parameters live as long as the request: in ep. */
	st = kore_calloc(1, sizeof(*st) + filter.len + 1);
	memcpy(st->filter, rg_buf_cstr(&filter), filter.len + 1);
	rg_buf_free(&filter);
	ctx->ep = st;

	rg_buf_init(&lim);
	rg_buf_init(&off);
	hl = rg_param(req, "limit", &lim) != RG_PARAM_MISSING;
	ho = rg_param(req, "offset", &off) != RG_PARAM_MISSING;
	rg_parse_limit_offset(hl ? rg_param_cstr(&lim) : NULL,
	    ho ? rg_param_cstr(&off) : NULL, &st->limit, &st->offset);
	rg_buf_free(&lim);
	rg_buf_free(&off);

	ctx->fan.n = 1;
	rg_query_prepare(&ctx->fan.q[0], node,
	    filtered ? NODE_RANGES_FILTER_SQL : NODE_RANGES_SQL);
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

	req->fsm_state = RANGES_WAIT;
	return (HTTP_STATE_CONTINUE);
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
 * is a 400.  Writes the ids, sorted, as an int8[] literal.
 */
static int
ranges_filter(struct http_request *req, struct rg_buf *out, int *filtered)
{
	struct rg_buf	val;
	int64_t		*ids;
	size_t		 i, n, max;
	const char	*p, *s;
	int		 rv;

	*filtered = 0;
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
	ids = kore_calloc(max, sizeof(*ids));
	rv = -1;
	if (rg_parse_id_list(s, ids, max, &n) == 0) {
		qsort(ids, n, sizeof(*ids), rg_id_cmp);
		rg_buf_appendc(out, '{');
		for (i = 0; i < n; i++) {
			rg_buf_appendf(out, "%s%lld", i > 0 ? "," : "",
			    (long long)ids[i]);
		}
		rg_buf_appendc(out, '}');
		*filtered = 1;
		rv = 0;
	}

	kore_free(ids);
	rg_buf_free(&val);
	return (rv);
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
