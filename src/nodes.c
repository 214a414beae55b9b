/*
 * GET /api/v2/nodes/ (src/REFERENCE.md, "GET /nodes/"; issue 5 item 1).
 * Every
 * configured node in ascending id order, offset-paginated over the
 * configuration; only the nodes of the page are asked for their
 * roachgate.node_status row, all at once.  A node that does not answer
 * is still listed with what the configuration tells (id, addresses from
 * its connection string, attrs, locality) and its liveness.  Nodes with
 * a fresh copy in the snapshot (snapshot.c) are written from memory when
 * the whole page has one.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "roachgate.h"
#include "apiread.h"
#include "json.h"
#include "paginate.h"
#include "params.h"
#include "snapshot.h"

int	rg_nodes(struct http_request *);

struct nodes_page;

static int	nodes_start(struct http_request *);
static int	nodes_wait(struct http_request *);
static void	node_write(struct rg_json *, const struct rg_node *,
		    struct rg_query *);
static void	node_fields_write(struct rg_json *, const struct rg_node *,
		    struct rg_query *);
static void	node_snap_write(struct rg_json *, const struct rg_node *,
		    const struct rg_snap_list *);
static int	nodes_snapshot(struct nodes_page *, size_t);
static void	addr_write(struct rg_json *, const char *,
		    const struct rg_node *, struct rg_query *, int);
static void	attrs_write(struct rg_json *, const char *);
static void	locality_write(struct rg_json *, const char *);
static void	metrics_write(struct rg_json *, struct rg_query *);
static int	metric_cmp(const void *, const void *);
static int64_t	col_int(struct rg_query *, int, int);
static const char	*col_str(struct rg_query *, int);
static const char	*dsn_address(const struct rg_node *, const char **);

static struct http_state	states[] = {
	KORE_HTTP_STATE(nodes_start),
	KORE_HTTP_STATE(nodes_wait),
};

#define NODES_WAIT	1

/* One row per metric (or one row without any); node columns repeat. */
const char	rg_nodes_sql[] =
	"SELECT s.address, s.sql_address, s.build_tag, s.version_major, "
	"s.version_minor, s.version_patch, s.started_at, s.cluster_name, "
	"s.total_system_memory, s.num_cpus, s.updated_at, m.name, m.value "
	"FROM roachgate.read_node_status() s LEFT JOIN LATERAL "
	"unnest(s.metric_names, s.metric_values) AS m(name, value) ON true";

enum {
	C_ADDRESS, C_SQL_ADDRESS, C_BUILD_TAG, C_MAJOR, C_MINOR, C_PATCH,
	C_STARTED_AT, C_CLUSTER_NAME, C_MEMORY, C_CPUS, C_UPDATED_AT,
	C_METRIC_NAME, C_METRIC_VALUE
};

struct nodes_page {
	size_t		first;		/* index in rg_cfg.nodes */
	int64_t		next;
	int		snap;		/* from the snapshot: lists */
	const struct rg_snap_list	*lists[RG_MAX_NODES];
};

struct metric {
	const char	*name;
	double		value;
};

/* Addresses parsed from each node's connection string, per worker. */
struct dsn_addr {
	int		parsed;
	const char	*network;
	char		address[300];
};

static struct dsn_addr	dsn_addrs[RG_MAX_NODES];

int
rg_nodes(struct http_request *req)
{
	return (http_state_run(states, RG_NITEMS(states), req));
}

static int
nodes_start(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct nodes_page	*pg;
	struct rg_simple_page	 sp;
	struct rg_offpage	 op;
	int32_t			 ids[RG_MAX_NODES];
	size_t			 i;

	/* Go reads the raw values (Atoi): a value Kore's validator dropped
	 * is still the client's value. */
	rg_offpage_parse(req, &op);
	rg_simple_paginate(rg_cfg.nnodes, op.limit, op.offset, &sp);

	for (i = sp.start; i < sp.end; i++)
		ids[i - sp.start] = rg_cfg.nodes[i].id;
	if (rg_snapshot_wait(req, RG_SNAP_STATUS, ids, sp.end - sp.start))
		return (HTTP_STATE_RETRY);

	pg = kore_calloc(1, sizeof(*pg));
	pg->first = sp.start;
	pg->next = sp.next;
	ctx->ep = pg;

	ctx->fan.n = sp.end - sp.start;
	if (ctx->fan.n > 0 && nodes_snapshot(pg, ctx->fan.n)) {
		/* Served from memory: the fan-out's queries stay idle. */
		req->fsm_state = NODES_WAIT;
		return (HTTP_STATE_CONTINUE);
	}
	for (i = 0; i < ctx->fan.n; i++) {
		rg_query_prepare(&ctx->fan.q[i], &rg_cfg.nodes[sp.start + i],
		    rg_nodes_sql);
	}
	if (ctx->fan.n > 0)
		rg_fanout_start(&ctx->fan, req, rg_cfg.node_timeout_ms);

	req->fsm_state = NODES_WAIT;
	return (HTTP_STATE_CONTINUE);
}

static int
nodes_wait(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct nodes_page	*pg = ctx->ep;
	struct rg_json		 j;
	struct rg_buf		 body;
	size_t			 i;

	if (ctx->fan.n > 0 && !pg->snap && !rg_fanout_poll(&ctx->fan))
		return (HTTP_STATE_RETRY);

	rg_buf_init(&body);
	rg_json_init(&j, &body);
	rg_json_object_open(&j, NULL);
	if (rg_cfg.nnodes == 0) {
		/* A nil slice in Go. */
		rg_json_null(&j, "nodes");
	} else {
		/*
		 * simplePaginate slices a non-nil slice: past the end it
		 * is empty, not nil, so Go writes [] (as /nodes/1/ranges/).
		 */
		rg_json_array_open(&j, "nodes");
		for (i = 0; i < ctx->fan.n; i++) {
			if (pg->snap)
				node_snap_write(&j,
				    &rg_cfg.nodes[pg->first + i], pg->lists[i]);
			else
				node_write(&j, &rg_cfg.nodes[pg->first + i],
				    &ctx->fan.q[i]);
		}
		rg_json_array_close(&j);
	}
	if (pg->next != 0)
		rg_json_int(&j, "next", pg->next);
	rg_json_object_close(&j);

	rg_respond_json(req, HTTP_STATUS_OK, &body);
	rg_buf_free(&body);
	return (HTTP_STATE_COMPLETE);
}

/* The page's nodes from the snapshot: 1 if every one has a copy. */
static int
nodes_snapshot(struct nodes_page *pg, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++) {
		pg->lists[i] = rg_snapshot_get(RG_SNAP_STATUS,
		    rg_cfg.nodes[pg->first + i].id);
		if (pg->lists[i] == NULL || pg->lists[i]->n != 1)
			return (0);
	}
	pg->snap = 1;
	return (1);
}

/* The snapshot's encoding of a node: node_fields_write's open object. */
int
rg_nodes_snap_encode(struct rg_query *q, const struct rg_node *n,
    struct rg_snap_list *list)
{
	struct rg_buf	buf;
	struct rg_json	j;

	rg_buf_init(&buf);
	rg_json_init(&j, &buf);
	rg_json_object_open(&j, NULL);
	node_fields_write(&j, n, q);
	rg_snap_add(list, &buf, NULL, 0);
	rg_buf_free(&buf);
	return (0);
}

/*
 * liveness_status is the worker's view now, as on the live path: the
 * open object goes into the body as it is and is closed there (no copy
 * of the item on the way).
 */
static void
node_snap_write(struct rg_json *j, const struct rg_node *n,
    const struct rg_snap_list *list)
{
	const char	*p;
	size_t		 len;

	rg_snap_item(list, 0, &p, &len);
	rg_json_raw(j, NULL, p, len);
	rg_buf_appendf(j->buf, ",\"liveness_status\":%d}",
	    rg_liveness_status(n->id));
}

/* nodeStatus (api_v2_ranges.go), fields in declaration order. */
static void
node_write(struct rg_json *j, const struct rg_node *n, struct rg_query *q)
{
	rg_json_object_open(j, NULL);
	node_fields_write(j, n, q);

	/* After the query: this request's answer (or silence) counts. */
	rg_json_int(j, "liveness_status", rg_liveness_status(n->id));
	rg_json_object_close(j);
}

/* Every nodeStatus field but the last, liveness_status. */
static void
node_fields_write(struct rg_json *j, const struct rg_node *n,
    struct rg_query *q)
{
	int		ok;

	ok = (q->state == RG_Q_DONE && rg_query_rows(q) > 0);

	rg_json_int(j, "node_id", n->id);
	addr_write(j, "address", n, q, ok ? C_ADDRESS : -1);
	attrs_write(j, n->attrs);
	locality_write(j, n->locality);

	rg_json_object_open(j, "ServerVersion");
	rg_json_int(j, "major_val", ok ? col_int(q, C_MAJOR, 32) : 0);
	rg_json_int(j, "minor_val", ok ? col_int(q, C_MINOR, 32) : 0);
	rg_json_int(j, "patch", ok ? col_int(q, C_PATCH, 32) : 0);
	rg_json_int(j, "internal", 0);
	rg_json_object_close(j);

	rg_json_string(j, "build_tag", ok ? col_str(q, C_BUILD_TAG) : "");
	rg_json_int(j, "started_at", ok ? col_int(q, C_STARTED_AT, 64) : 0);
	rg_json_string(j, "cluster_name",
	    ok ? col_str(q, C_CLUSTER_NAME) : "");
	addr_write(j, "sql_address", n, q, ok ? C_SQL_ADDRESS : -1);

	if (ok) {
		metrics_write(j, q);
		if (col_int(q, C_MEMORY, 64) != 0)
			rg_json_int(j, "total_system_memory",
			    col_int(q, C_MEMORY, 64));
		if (col_int(q, C_CPUS, 32) != 0)
			rg_json_int(j, "num_cpus", col_int(q, C_CPUS, 32));
		if (col_int(q, C_UPDATED_AT, 64) != 0)
			rg_json_int(j, "updated_at",
			    col_int(q, C_UPDATED_AT, 64));
	}
}

/* util.UnresolvedAddr: both fields always present (non-nullable). */
static void
addr_write(struct rg_json *j, const char *key, const struct rg_node *n,
    struct rg_query *q, int col)
{
	const char	*addr, *network;

	network = "tcp";
	addr = (col >= 0) ? col_str(q, col) : "";
	if (*addr == '\0')
		addr = dsn_address(n, &network);

	rg_json_object_open(j, key);
	rg_json_string(j, "network_field", network);
	rg_json_string(j, "address_field", addr);
	rg_json_object_close(j);
}

/* roachpb.Attributes: "a,b" -> {"attrs":["a","b"]}; none -> {}. */
static void
attrs_write(struct rg_json *j, const char *attrs)
{
	const char	*p, *e;
	int		open;

	open = 0;
	rg_json_object_open(j, "attrs");
	for (p = attrs; p != NULL && *p != '\0'; p = (*e == ',') ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if (e == p)
			continue;
		if (!open) {
			rg_json_array_open(j, "attrs");
			open = 1;
		}
		rg_json_stringn(j, NULL, p, (size_t)(e - p));
	}
	if (open)
		rg_json_array_close(j);
	rg_json_object_close(j);
}

/*
 * roachpb.Locality: "k=v,k2=v2" -> {"tiers":[{"key":"k","value":"v"},..]}.
 * Tiers carries json:"tiers" without omitempty (a non-nullable repeated
 * message in gogoproto), so no locality is {"tiers":null}, as in Go.
 */
static void
locality_write(struct rg_json *j, const char *loc)
{
	const char	*p, *e, *eq;
	int		open;

	open = 0;
	rg_json_object_open(j, "locality");
	for (p = loc; p != NULL && *p != '\0'; p = (*e == ',') ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		eq = memchr(p, '=', (size_t)(e - p));
		if (eq == NULL)
			continue;
		if (!open) {
			rg_json_array_open(j, "tiers");
			open = 1;
		}
		rg_json_object_open(j, NULL);
		rg_json_stringn(j, "key", p, (size_t)(eq - p));
		rg_json_stringn(j, "value", eq + 1, (size_t)(e - eq - 1));
		rg_json_object_close(j);
	}
	if (open)
		rg_json_array_close(j);
	else
		rg_json_null(j, "tiers");
	rg_json_object_close(j);
}

/* map[string]float64 with omitempty: keys sorted bytewise like Go. */
static void
metrics_write(struct rg_json *j, struct rg_query *q)
{
	struct metric	*m;
	size_t		 i, n, rows;
	char		*end;
	double		 v;

	rows = (size_t)rg_query_rows(q);
	m = kore_calloc(rows, sizeof(*m));
	n = 0;
	for (i = 0; i < rows; i++) {
		if (rg_query_isnull(q, (int)i, C_METRIC_NAME) ||
		    rg_query_isnull(q, (int)i, C_METRIC_VALUE))
			continue;
		v = strtod(rg_query_value(q, (int)i, C_METRIC_VALUE, NULL),
		    &end);
		if (*end != '\0' || !isfinite(v))
			continue;
		m[n].name = rg_query_value(q, (int)i, C_METRIC_NAME, NULL);
		m[n].value = v;
		n++;
	}

	if (n > 0) {
		qsort(m, n, sizeof(*m), metric_cmp);
		rg_json_object_open(j, "metrics");
		for (i = 0; i < n; i++) {
			/* A map holds a name once: keep the last. */
			if (i + 1 < n && strcmp(m[i].name, m[i + 1].name) == 0)
				continue;
			rg_json_float64(j, m[i].name, m[i].value);
		}
		rg_json_object_close(j);
	}
	kore_free(m);
}

static int
metric_cmp(const void *a, const void *b)
{
	const struct metric	*x = a, *y = b;

	return (strcmp(x->name, y->name));
}

static int64_t
col_int(struct rg_query *q, int col, int bits)
{
	int64_t		v;

	if (rg_query_isnull(q, 0, col) ||
	    rg_parse_int(rg_query_value(q, 0, col, NULL), 10, bits, &v) == -1)
		return (0);
	return (v);
}

static const char *
col_str(struct rg_query *q, int col)
{
	if (rg_query_isnull(q, 0, col))
		return ("");
	return (rg_query_value(q, 0, col, NULL));
}

/*
 * host:port of the first host in the node's connection string, for a
 * node that does not answer; a unix socket directory gives the socket.
 */
static const char *
dsn_address(const struct rg_node *n, const char **network)
{
	struct dsn_addr		*d;
	PQconninfoOption	*opts, *o;
	const char		*host, *port;
	char			 h[256], p[32];
	size_t			 idx;

	idx = (size_t)(n - rg_cfg.nodes);
	if (idx >= RG_MAX_NODES) {
		*network = "tcp";
		return ("");
	}
	d = &dsn_addrs[idx];
	if (d->parsed) {
		*network = d->network;
		return (d->address);
	}

	d->parsed = 1;
	d->network = "tcp";
	host = port = NULL;
	if ((opts = PQconninfoParse(n->dsn, NULL)) != NULL) {
		for (o = opts; o->keyword != NULL; o++) {
			if (o->val == NULL || *o->val == '\0')
				continue;
			if (strcmp(o->keyword, "host") == 0)
				host = o->val;
			else if (strcmp(o->keyword, "hostaddr") == 0 &&
			    host == NULL)
				host = o->val;
			else if (strcmp(o->keyword, "port") == 0)
				port = o->val;
		}
	}

	/* Lists ("h1,h2") name alternatives: the first one is the node. */
	(void)snprintf(h, sizeof(h), "%s", host != NULL ? host : "localhost");
	h[strcspn(h, ",")] = '\0';
	(void)snprintf(p, sizeof(p), "%s", port != NULL ? port : "5432");
	p[strcspn(p, ",")] = '\0';
	if (*p == '\0')
		(void)snprintf(p, sizeof(p), "5432");

	if (h[0] == '/') {
		d->network = "unix";
		(void)snprintf(d->address, sizeof(d->address),
		    "%s/.s.PGSQL.%s", h, p);
	} else if (strchr(h, ':') != NULL) {
		(void)snprintf(d->address, sizeof(d->address), "[%s]:%s", h, p);
	} else {
		(void)snprintf(d->address, sizeof(d->address), "%s:%s", h, p);
	}

	if (opts != NULL)
		PQconninfoFree(opts);
	*network = d->network;
	return (d->address);
}
