/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * GET /api/v2/ranges/hot/ (src/REFERENCE.md, "GET /ranges/hot/"; issue 5
 * item 4): each
 * node's hottest ranges from its roachgate.ranges, token-paginated
 * (tokenpage.c), in v21.1's shape
 *   {"ranges_by_node_id":{"<node>":[...]},"response_error":[...],
 *    "next":"<token>"}.
 * Per node: ranges with load (queries_per_second > 0), hottest first
 * (queries_per_second descending, then range_id ascending), at most the
 * 128 hottest (CockroachDB tracks that many per store).  Items are
 * rangeDescriptorInfo plus, after it, the fields later versions added to
 * hot ranges, always written like CockroachDB's hotRangeInfo.  The
 * `node_id` filter is honoured with and without `limit`; an unknown node
 * is 404 `node not found`, as for /nodes/{node_id}/ranges/.  When every
 * node of the page has a fresh copy in the snapshot (snapshot.c), the
 * page is cut from memory, from items hot_item_write() encoded once.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "roachgate.h"
#include "json.h"
#include "params.h"
#include "rangeinfo.h"
#include "snapshot.h"
#include "tokenpage.h"

int	rg_hot_ranges(struct http_request *);

struct hot_ep;

static int	hot_start(struct http_request *);
static int	hot_wait(struct http_request *);
static int	hot_node_param(struct http_request *, int32_t *);
static void	hot_prepare(struct rg_query *, const struct rg_node *,
		    const char *, const char *, void *);
static void	hot_ranges_write(struct rg_json *, struct hot_ep *,
		    struct rg_fanout *);
static void	hot_item_write(struct rg_json *, struct rg_query *, int,
		    int32_t);
static void	hot_replicas_write(struct rg_json *, const char *);
static double	hot_float(struct rg_query *, int, int);
static void	hot_str(struct rg_json *, const char *, struct rg_query *, int,
		    int);
static int	part_cmp(const void *, const void *);

static struct http_state	states[] = {
	KORE_HTTP_STATE(hot_start),
	KORE_HTTP_STATE(hot_wait),
};

#define HOT_WAIT	1

struct hot_ep {
	struct rg_tokenpage		 tp;	/* first: ep_free */
	int				 snap;	/* tp.mlist[k]: node k's */
};

enum {
	C_RANGE_ID, C_START_KEY, C_END_KEY, C_QPS, C_LEASEHOLDER, C_REPLICAS,
	C_TABLE, C_INDEX, C_DATABASE, C_SCHEMA, C_WPS, C_RPS, C_WBPS, C_RBPS
};

const char	rg_hot_sql[] =
    "SELECT range_id, start_key, end_key, queries_per_second,"
    " leaseholder_name, replica_names, table_name, index_name,"
    " database_name, schema_name, writes_per_second, reads_per_second,"
    " write_bytes_per_second, read_bytes_per_second"
    " FROM roachgate.read_hot_ranges($1::int8, $2::int8)";

int
rg_hot_ranges(struct http_request *req)
{
	return (http_state_run(states, RG_NITEMS(states), req));
}

static int
hot_start(struct http_request *req)
{
	struct rg_ctx	*ctx = rg_ctx_get(req);
	struct hot_ep	*ep;
	struct rg_buf	 tok;
	int32_t		 ids[RG_MAX_NODES], node;
	int64_t		 limit;
	size_t		 i, n;
	int		 status;

	http_populate_qs(req);

	if ((status = hot_node_param(req, &node)) != HTTP_STATUS_OK) {
		rg_respond_error(req, status, status == HTTP_STATUS_NOT_FOUND ?
		    "node not found" : "invalid node ID");
		return (HTTP_STATE_COMPLETE);
	}

	n = 0;
	if (node != 0) {
		ids[n++] = node;
	} else {
		for (i = 0; i < rg_cfg.nnodes; i++)
			ids[n++] = rg_cfg.nodes[i].id;
	}

	if (rg_snapshot_wait(req, RG_SNAP_HOT, ids, n))
		return (HTTP_STATE_RETRY);

	rg_buf_init(&tok);
	rg_tokenpage_params(req, &limit, &tok);

	rg_ctx_ep_free(ctx);
	ctx->ep = ep = kore_calloc(1, sizeof(*ep));
	ctx->ep_free = rg_tokenpage_ep_free;
	rg_tokenpage_init(&ep->tp, "hot ranges", limit, &tok, ids, n,
	    RG_HOT_MAX_PER_NODE);
	ep->snap = rg_snapshot_tokenpage(&ep->tp, RG_SNAP_HOT,
	    ep->tp.mlist, NULL, 0, ep->tp.mfirst);
	if (!ep->snap)
		rg_tokenpage_start(&ep->tp, &ctx->fan, req, hot_prepare, ep);
	rg_buf_free(&tok);

	req->fsm_state = HOT_WAIT;
	return (HTTP_STATE_CONTINUE);
}

/*
 * parseNodeID: empty means every node; "local" anywhere in the value,
 * in any case, is this server's node (the primary); else
 * strconv.ParseInt(s, 0, 32).  The raw first value is used, whatever
 * Kore's validator made of it, so that Go's answer is reproduced.
 * Returns 200 with *node (0: all), 400 or 404.
 */
static int
hot_node_param(struct http_request *req, int32_t *node)
{
	struct rg_buf	 val;
	const char	*s;
	size_t		 i;
	int64_t		 id;
	int		 status;

	*node = 0;
	rg_buf_init(&val);
	if (rg_param(req, "node_id", &val) == RG_PARAM_MISSING) {
		rg_buf_free(&val);
		return (HTTP_STATUS_OK);
	}

	status = HTTP_STATUS_OK;
	s = (const char *)val.data;
	for (i = 0; i + 5 <= val.len; i++) {
		if (strncasecmp(s + i, "local", 5) == 0) {
			*node = rg_cfg.primary;
			goto out;
		}
	}

	if ((s = rg_param_cstr(&val)) == NULL ||
	    rg_parse_int(s, 0, 32, &id) == -1)
		status = HTTP_STATUS_BAD_REQUEST;
	else if (rg_config_node(&rg_cfg, (int32_t)id) == NULL)
		status = HTTP_STATUS_NOT_FOUND;
	else
		*node = (int32_t)id;
out:
	rg_buf_free(&val);
	return (status);
}

/* The snapshot's encoding: one hot_item_write() object per row. */
int
rg_hot_snap_encode(struct rg_query *q, const struct rg_node *node,
    struct rg_snap_list *list)
{
	rg_snap_add_rows(list, q, node->id, hot_item_write, -1);
	return (0);
}

static void
hot_prepare(struct rg_query *q, const struct rg_node *node,
    const char *offset, const char *count, void *arg)
{
	(void)arg;
	rg_query_prepare(q, node, rg_hot_sql);
	rg_query_param(q, count, -1, 0);
	rg_query_param(q, offset, -1, 0);
}

static int
hot_wait(struct http_request *req)
{
	struct rg_ctx			*ctx = rg_ctx_get(req);
	struct hot_ep			*ep = ctx->ep;
	struct rg_tokenpage_part	 p;
	struct rg_buf			 body, msg;
	struct rg_json			 j;
	size_t				 k, n;
	int				 any;

	if (!rg_tokenpage_poll(&ep->tp, &ctx->fan))
		return (HTTP_STATE_RETRY);

	rg_buf_init(&body);
	rg_buf_init(&msg);
	rg_json_init(&j, &body);
	rg_json_object_open(&j, NULL);
	hot_ranges_write(&j, ep, &ctx->fan);

	any = 0;
	n = rg_tokenpage_nparts(&ep->tp);
	for (k = 0; k < n; k++) {
		rg_tokenpage_part(&ep->tp, &ctx->fan, k, &p);
		if (!p.failed)
			continue;
		if (!any++)
			rg_json_array_open(&j, "response_error");
		rg_buf_reset(&msg);
		rg_tokenpage_error(&ep->tp, &ctx->fan, k, &msg);
		rg_json_object_open(&j, NULL);
		rg_json_stringn(&j, "error_message", (const char *)msg.data,
		    msg.len);
		if (p.node != 0)
			rg_json_int(&j, "node_id", p.node);
		rg_json_object_close(&j);
	}
	if (any)
		rg_json_array_close(&j);

	rg_tokenpage_respond(&ep->tp, &j, req);
	rg_buf_free(&body);
	rg_buf_free(&msg);
	return (HTTP_STATE_COMPLETE);
}

struct part_key {
	size_t		k;
	int32_t		node;
};

/*
 * Go's map[string][]rangeDescriptorInfo: one key per node that answered
 * (an empty list is still a key), keys in string order; a node listed
 * twice (only a hand-made token can do that) keeps its last list.
 */
static void
hot_ranges_write(struct rg_json *j, struct hot_ep *ep, struct rg_fanout *fan)
{
	struct rg_tokenpage		*tp = &ep->tp;
	struct rg_tokenpage_part	 p;
	struct part_key			*keys;
	const char			*item;
	size_t				 k, n, m, len;
	int				 r;
	char				 name[16];

	n = rg_tokenpage_nparts(tp);
	keys = kore_calloc(n + 1, sizeof(*keys));
	for (k = m = 0; k < n; k++) {
		rg_tokenpage_part(tp, fan, k, &p);
		if (p.failed)
			continue;
		keys[m].k = k;
		keys[m].node = p.node;
		m++;
	}
	qsort(keys, m, sizeof(*keys), part_cmp);

	rg_json_object_open(j, "ranges_by_node_id");
	for (k = 0; k < m; k++) {
		if (k + 1 < m && keys[k + 1].node == keys[k].node)
			continue;
		rg_tokenpage_part(tp, fan, keys[k].k, &p);
		(void)snprintf(name, sizeof(name), "%d", (int)p.node);
		rg_json_array_open(j, name);
		for (r = 0; r < p.nrows; r++) {
			if (!ep->snap) {
				hot_item_write(j, p.q, p.row + r, p.node);
				continue;
			}
			rg_snap_item(ep->tp.mlist[keys[k].k],
			    (size_t)(p.row + r), &item, &len);
			rg_json_raw(j, NULL, item, len);
		}
		rg_json_array_close(j);
	}
	rg_json_object_close(j);
	kore_free(keys);
}

/* Node ids as Go sorts their decimal strings; ties in page order. */
static int
part_cmp(const void *a, const void *b)
{
	const struct part_key	*x = a, *y = b;
	char			 sx[16], sy[16];
	int			 c;

	(void)snprintf(sx, sizeof(sx), "%d", (int)x->node);
	(void)snprintf(sy, sizeof(sy), "%d", (int)y->node);
	if ((c = strcmp(sx, sy)) != 0)
		return (c);
	return ((x->k > y->k) - (x->k < y->k));
}

/*
 * rangeDescriptorInfo (range_id, start_key and end_key std base64 and
 * omitted when empty, store_id = the node's only store, qps), then the
 * additive fields, none omitted (CockroachDB's hotRangeInfo has no
 * omitempty): node_id, leaseholder_node_id (0 if not a configured node),
 * replica_node_ids (ascending, never null), table_name, index_name,
 * database_name, schema_name ("" for NULL), and the four rates.
 */
static void
hot_item_write(struct rg_json *j, struct rg_query *q, int row, int32_t node)
{
	const struct rg_node	*lh;
	struct rg_buf		 sk, ek;
	const char		*v;
	int64_t			 range_id;

	rg_buf_init(&sk);
	rg_buf_init(&ek);
	range_id = 0;
	if ((v = rg_query_text(q, row, C_RANGE_ID)) != NULL &&
	    rg_parse_int(v, 10, 64, &range_id) == -1)
		range_id = 0;
	if ((v = rg_query_text(q, row, C_START_KEY)) != NULL &&
	    rg_bytea_decode(v, &sk) == -1)
		rg_buf_reset(&sk);
	if ((v = rg_query_text(q, row, C_END_KEY)) != NULL &&
	    rg_bytea_decode(v, &ek) == -1)
		rg_buf_reset(&ek);

	rg_json_object_open(j, NULL);
	rg_json_int(j, "range_id", range_id);
	if (sk.len > 0)
		rg_json_bytes(j, "start_key", sk.data, sk.len);
	if (ek.len > 0)
		rg_json_bytes(j, "end_key", ek.data, ek.len);
	rg_json_int(j, "store_id", node);
	rg_json_float64(j, "queries_per_second", hot_float(q, row, C_QPS));

	rg_json_int(j, "node_id", node);
	lh = NULL;
	if ((v = rg_query_text(q, row, C_LEASEHOLDER)) != NULL)
		lh = rg_config_node_by_name(&rg_cfg, v);
	rg_json_int(j, "leaseholder_node_id", lh != NULL ? lh->id : 0);
	hot_replicas_write(j, rg_query_text(q, row, C_REPLICAS));
	hot_str(j, "table_name", q, row, C_TABLE);
	hot_str(j, "index_name", q, row, C_INDEX);
	hot_str(j, "database_name", q, row, C_DATABASE);
	hot_str(j, "schema_name", q, row, C_SCHEMA);
	rg_json_float64(j, "writes_per_second", hot_float(q, row, C_WPS));
	rg_json_float64(j, "reads_per_second", hot_float(q, row, C_RPS));
	rg_json_float64(j, "write_bytes_per_second",
	    hot_float(q, row, C_WBPS));
	rg_json_float64(j, "read_bytes_per_second", hot_float(q, row, C_RBPS));
	rg_json_object_close(j);

	rg_buf_free(&sk);
	rg_buf_free(&ek);
}

/*
 * replica_names (a text[] in PostgreSQL's text form, e.g. {n1,n2} or
 * {"a b",c}) to the configured nodes' ids, ascending; names that are not
 * configured nodes are left out.
 */
static void
hot_replicas_write(struct rg_json *j, const char *arr)
{
	int64_t			 ids[RG_MAX_NODES];
	const struct rg_node	*node;
	struct rg_buf		 name;
	size_t			 n, i;
	int			 quoted;

	n = 0;
	rg_buf_init(&name);
	if (arr != NULL && *arr == '{')
		arr++;
	while (arr != NULL && *arr != '\0' && *arr != '}') {
		rg_buf_reset(&name);
		quoted = (*arr == '"');
		if (quoted) {
			for (arr++; *arr != '\0' && *arr != '"'; arr++) {
				if (*arr == '\\' && arr[1] != '\0')
					arr++;
				rg_buf_appendc(&name, (uint8_t)*arr);
			}
			if (*arr == '"')
				arr++;
		} else {
			for (; *arr != '\0' && *arr != ',' && *arr != '}';
			    arr++)
				rg_buf_appendc(&name, (uint8_t)*arr);
		}
		if (*arr == ',')
			arr++;
		if (!quoted && strcmp(rg_buf_cstr(&name), "NULL") == 0)
			continue;
		node = rg_config_node_by_name(&rg_cfg, rg_buf_cstr(&name));
		if (node == NULL || n == RG_MAX_NODES)
			continue;
		for (i = 0; i < n && ids[i] != node->id; i++)
			;
		if (i == n)
			ids[n++] = node->id;
	}
	rg_buf_free(&name);

	qsort(ids, n, sizeof(ids[0]), rg_id_cmp);
	rg_json_array_open(j, "replica_node_ids");
	for (i = 0; i < n; i++)
		rg_json_int(j, NULL, ids[i]);
	rg_json_array_close(j);
}

/* float8 text; NULL, junk and non-finite values are 0 (Go cannot
 * marshal NaN or Inf). */
static double
hot_float(struct rg_query *q, int row, int c)
{
	const char	*v;
	char		*end;
	double		 d;

	if ((v = rg_query_text(q, row, c)) == NULL)
		return (0);
	d = strtod(v, &end);
	if (end == v || *end != '\0' || !isfinite(d))
		return (0);
	return (d);
}

static void
hot_str(struct rg_json *j, const char *key, struct rg_query *q, int row,
    int c)
{
	const char	*v;
	int		 len;

	v = "";
	len = 0;
	if (!rg_query_isnull(q, row, c))
		v = rg_query_value(q, row, c, &len);
	rg_json_stringn(j, key, v, (size_t)len);
}
