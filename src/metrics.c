/*
 * GET /_status/vars (src/REFERENCE.md, "Later routes (API v2 since
 * v21.2)"): Prometheus text exposition.  Every node's metrics (the ones
 * /nodes/ shows, '.' -> '_', labelled node_id), asked of all nodes at
 * once, and what roachgate sees of the cluster: which nodes answered,
 * their liveness, standbys configured and missing; roachgate's own
 * request, latency and login counters of every worker (reqstats.c), its
 * snapshot ages and its certificate's expiry.  Admin only by default
 * (kore.conf; README "Metrics and rules" has the switch): metrics tell
 * addresses, sizes and load.
 */

#include <stdlib.h>
#include <string.h>

#include "roachgate.h"
#include "certexpiry.h"
#include "json.h"
#include "params.h"
#include "reqstats.h"

int	rg_status_vars(struct http_request *);

static int	vars_start(struct http_request *);
static int	vars_wait(struct http_request *);
static void	node_metrics(struct rg_buf *, struct rg_fanout *);
static void	own_metrics(struct rg_buf *, struct rg_fanout *);
static void	request_metrics(struct rg_buf *, const struct rg_stats *);
static void	login_metrics(struct rg_buf *, const struct rg_stats *);
static void	snapshot_metrics(struct rg_buf *, const struct rg_stats *);
static void	cert_metrics(struct rg_buf *);
static void	family(struct rg_buf *, const char *, const char *);
static void	family_typed(struct rg_buf *, const char *, const char *,
		    const char *);
static void	label(struct rg_buf *, const char *, const char *, int);
static void	prom_name(struct rg_buf *, const char *);
static void	sample(struct rg_buf *, const char *, int32_t, double);
static int	sample_cmp(const void *, const void *);

static struct http_state	states[] = {
	KORE_HTTP_STATE(vars_start),
	KORE_HTTP_STATE(vars_wait),
};

#define VARS_WAIT	1

static const char	vars_sql[] =
    "SELECT m.name, m.value FROM roachgate.read_node_status() s "
    "CROSS JOIN LATERAL unnest(s.metric_names, s.metric_values) "
    "AS m(name, value)";

#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define STREAMING_METRIC	"pg.replication.streaming_standbys"

struct prom_sample {
	const char	*name;		/* the catalog's name, with dots */
	int32_t		 node;
	double		 value;
};

int
rg_status_vars(struct http_request *req)
{
	return (http_state_run(states, RG_NITEMS(states), req));
}

static int
vars_start(struct http_request *req)
{
	struct rg_ctx	*ctx = rg_ctx_get(req);
	size_t		 i;

	ctx->fan.n = rg_cfg.nnodes;
	for (i = 0; i < rg_cfg.nnodes; i++)
		rg_query_prepare(&ctx->fan.q[i], &rg_cfg.nodes[i], vars_sql);
	rg_fanout_start(&ctx->fan, req, rg_cfg.node_timeout_ms);

	req->fsm_state = VARS_WAIT;
	return (HTTP_STATE_CONTINUE);
}

static int
vars_wait(struct http_request *req)
{
	struct rg_ctx	*ctx = rg_ctx_get(req);
	struct rg_stats	*st;
	struct rg_buf	 body;

	if (!rg_fanout_poll(&ctx->fan))
		return (HTTP_STATE_RETRY);

	rg_buf_init(&body);
	node_metrics(&body, &ctx->fan);
	own_metrics(&body, &ctx->fan);

	st = kore_calloc(1, sizeof(*st));
	rg_reqstats_sum(st);
	request_metrics(&body, st);
	login_metrics(&body, st);
	family(&body, "roachgate_pgsql_queue_waiting", "queries waiting for "
	    "a pooled connection (pgsql_conn_max per node and worker), all "
	    "workers");
	sample(&body, "roachgate_pgsql_queue_waiting", 0,
	    (double)st->pgsql_queued);
	snapshot_metrics(&body, st);
	kore_free(st);
	cert_metrics(&body);

	http_response_header(req, "content-type", PROM_CONTENT_TYPE);
	http_response(req, HTTP_STATUS_OK, body.data, body.len);
	rg_buf_free(&body);
	return (HTTP_STATE_COMPLETE);
}

/* Every node's rows, one family per metric name, nodes in id order. */
static void
node_metrics(struct rg_buf *b, struct rg_fanout *f)
{
	struct prom_sample	*s;
	struct rg_query		*q;
	size_t			 i, n, total;
	int			 row;
	char			*end;
	double			 v;

	total = 0;
	for (i = 0; i < f->n; i++)
		total += (size_t)rg_query_rows(&f->q[i]);
	s = kore_calloc(total + 1, sizeof(*s));

	n = 0;
	for (i = 0; i < f->n; i++) {
		q = &f->q[i];
		if (q->state != RG_Q_DONE)
			continue;
		for (row = 0; row < rg_query_rows(q); row++) {
			if (rg_query_isnull(q, row, 0) ||
			    rg_query_isnull(q, row, 1))
				continue;
			v = strtod(rg_query_value(q, row, 1, NULL), &end);
			if (*end != '\0')
				continue;
			s[n].name = rg_query_value(q, row, 0, NULL);
			s[n].node = q->node->id;
			s[n].value = v;
			n++;
		}
	}
	qsort(s, n, sizeof(*s), sample_cmp);

	for (i = 0; i < n; i++) {
		if (i == 0 || strcmp(s[i].name, s[i - 1].name) != 0)
			family(b, s[i].name, "PostgreSQL statistic of each "
			    "node (roachgate.node_status)");
		sample(b, s[i].name, s[i].node, s[i].value);
	}
	kore_free(s);
}

/* What this scrape saw of each node, and the primary's replication. */
static void
own_metrics(struct rg_buf *b, struct rg_fanout *f)
{
	struct rg_query	*q;
	size_t		 i;
	int		 row;
	double		 streaming;

	family(b, "roachgate_node_up", "1 if the node answered this scrape "
	    "within node_timeout_ms");
	for (i = 0; i < f->n; i++)
		sample(b, "roachgate_node_up", f->q[i].node->id,
		    f->q[i].state == RG_Q_DONE);

	family(b, "roachgate_node_liveness_status", "liveness_status of "
	    "/nodes/ (3 LIVE, 2 UNAVAILABLE, 1 DEAD, 0 UNKNOWN)");
	for (i = 0; i < f->n; i++)
		sample(b, "roachgate_node_liveness_status", f->q[i].node->id,
		    rg_liveness_status(f->q[i].node->id));

	/* No primary: nothing streams. */
	streaming = 0;
	for (i = 0; i < f->n; i++) {
		q = &f->q[i];
		if (q->node->id != rg_cfg.primary || q->state != RG_Q_DONE)
			continue;
		for (row = 0; row < rg_query_rows(q); row++) {
			if (strcmp(rg_query_value(q, row, 0, NULL),
			    STREAMING_METRIC) == 0)
				streaming = strtod(rg_query_value(q, row, 1,
				    NULL), NULL);
		}
	}
	family(b, "roachgate_standbys_configured", "standbys in the "
	    "configuration");
	sample(b, "roachgate_standbys_configured", 0,
	    (double)(rg_cfg.nnodes - 1));
	family(b, "roachgate_standbys_missing", "configured standbys not "
	    "streaming from the primary (every range is under-replicated "
	    "while > 0)");
	sample(b, "roachgate_standbys_missing", 0,
	    streaming >= (double)(rg_cfg.nnodes - 1) ? 0 :
	    (double)(rg_cfg.nnodes - 1) - streaming);
}

/*
 * Requests by route (kore.conf's pattern) and status, and a latency
 * histogram per route, from the first time a worker ran the request to
 * its response; every worker's, added up (reqstats.c).
 */
static void
request_metrics(struct rg_buf *b, const struct rg_stats *st)
{
	const struct rg_route_stats	*r;
	u_int64_t			 n, cum;
	size_t				 i, k;

	family_typed(b, "roachgate_http_requests_total", "requests answered, "
	    "by route (kore.conf) and HTTP status, all workers", "counter");
	for (i = 0; i < st->nroutes; i++) {
		for (k = 0; k < RG_STATS_NCODES; k++) {
			if ((n = st->r[i].by_code[k]) == 0)
				continue;
			rg_buf_appends(b, "roachgate_http_requests_total");
			label(b, "route", rg_reqstats_route(i), '{');
			if (k == RG_STATS_OTHER)
				label(b, "code", "other", ',');
			else
				rg_buf_appendf(b, ",code=\"%d\"",
				    rg_stats_codes[k]);
			rg_buf_appendf(b, "} %llu\n", (unsigned long long)n);
		}
	}

	family_typed(b, "roachgate_http_request_duration_seconds", "time "
	    "from a worker's first run of a request to its response, by "
	    "route, all workers", "histogram");
	for (i = 0; i < st->nroutes; i++) {
		r = &st->r[i];
		cum = 0;
		for (k = 0; k < RG_STATS_NBUCKETS; k++)
			cum += r->bucket[k];
		if (cum == 0)
			continue;
		cum = 0;
		for (k = 0; k < RG_STATS_NBUCKETS; k++) {
			cum += r->bucket[k];
			rg_buf_appends(b,
			    "roachgate_http_request_duration_seconds_bucket");
			label(b, "route", rg_reqstats_route(i), '{');
			rg_buf_appends(b, ",le=\"");
			if (k == RG_STATS_NBUCKETS - 1)
				rg_buf_appends(b, "+Inf");
			else
				rg_json_format_float(b,
				    (double)rg_stats_bounds_us[k] / 1e6, 64);
			rg_buf_appendf(b, "\"} %llu\n",
			    (unsigned long long)cum);
		}
		rg_buf_appends(b, "roachgate_http_request_duration_seconds_sum");
		label(b, "route", rg_reqstats_route(i), '{');
		rg_buf_appends(b, "} ");
		rg_json_format_float(b, (double)r->sum_us / 1e6, 64);
		rg_buf_appends(b,
		    "\nroachgate_http_request_duration_seconds_count");
		label(b, "route", rg_reqstats_route(i), '{');
		rg_buf_appendf(b, "} %llu\n", (unsigned long long)cum);
	}
}

/* The login route's answers: 200 a session, 401 refused, 429 throttled. */
static void
login_metrics(struct rg_buf *b, const struct rg_stats *st)
{
	static const struct {
		const char	*name;
		const char	*help;
		int		 code;
	} m[] = {
		{ "roachgate_logins_total", "logins that opened a session", 200 },
		{ "roachgate_login_failures_total", "logins refused (401)",
		    401 },
		{ "roachgate_logins_throttled_total", "logins refused by the "
		    "throttle (429)", 429 },
	};
	const char	*h;
	u_int64_t	 n;
	size_t		 i, k, c;

	for (k = 0; k < RG_NITEMS(m); k++) {
		c = rg_reqstats_code(m[k].code);
		n = 0;
		for (i = 0; i < st->nroutes; i++) {
			if ((h = rg_reqstats_handler(i)) != NULL &&
			    strcmp(h, "rg_login") == 0)
				n += st->r[i].by_code[c];
		}
		family_typed(b, m[k].name, m[k].help, "counter");
		rg_buf_appendf(b, "%s %llu\n", m[k].name,
		    (unsigned long long)n);
	}
}

/* The oldest snapshot copy any worker holds, per kind and node. */
static void
snapshot_metrics(struct rg_buf *b, const struct rg_stats *st)
{
	static const char	*kinds[RG_SNAP_NKINDS] = {
		"status", "hot_ranges", "sessions", "ranges"
	};
	u_int64_t		 now;
	size_t			 i;
	int			 k;

	family(b, "roachgate_snapshot_age_seconds", "age of the oldest "
	    "snapshot copy a worker holds (served while at most "
	    "snapshot_max_age_ms old; no copy: no sample)");
	now = kore_time_ms();
	for (k = 0; k < RG_SNAP_NKINDS; k++) {
		for (i = 0; i < rg_cfg.nnodes; i++) {
			if (st->snap_at[k][i] == 0)
				continue;
			rg_buf_appends(b, "roachgate_snapshot_age_seconds");
			label(b, "kind", kinds[k], '{');
			rg_buf_appendf(b, ",node_id=\"%d\"} ",
			    rg_cfg.nodes[i].id);
			rg_json_format_float(b, now > st->snap_at[k][i] ?
			    (double)(now - st->snap_at[k][i]) / 1000 : 0, 64);
			rg_buf_appendc(b, '\n');
		}
	}
}

/* CockroachDB's name and meaning: Unix seconds, 0 for none. */
static void
cert_metrics(struct rg_buf *b)
{
	const char	*dom;
	int64_t		 t;
	size_t		 i, n;

	family(b, "security_certificate_expiration_node", "expiry of the "
	    "server certificate, Unix seconds (0: none or unreadable)");
	if ((n = rg_certexpiry_count()) == 0)
		rg_buf_appends(b, "security_certificate_expiration_node 0\n");
	for (i = 0; i < n; i++) {
		t = rg_certexpiry_get(i, &dom);
		rg_buf_appends(b, "security_certificate_expiration_node");
		if (n > 1) {
			label(b, "domain", dom, '{');
			rg_buf_appendc(b, '}');
		}
		rg_buf_appendf(b, " %lld\n", (long long)t);
	}
}

/* sep, then name="value" with Prometheus' escapes. */
static void
label(struct rg_buf *b, const char *name, const char *v, int sep)
{
	rg_buf_appendf(b, "%c%s=\"", sep, name);
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			rg_buf_appendc(b, '\\');
		if (*v == '\n')
			rg_buf_appends(b, "\\n");
		else
			rg_buf_appendc(b, (uint8_t)*v);
	}
	rg_buf_appendc(b, '"');
}

/* Prometheus names: the catalog's [a-z0-9_.] with '.' as '_'. */
static void
prom_name(struct rg_buf *b, const char *name)
{
	for (; *name != '\0'; name++)
		rg_buf_appendc(b, *name == '.' ? '_' : (uint8_t)*name);
}

static void
family(struct rg_buf *b, const char *name, const char *help)
{
	family_typed(b, name, help, "gauge");
}

static void
family_typed(struct rg_buf *b, const char *name, const char *help,
    const char *type)
{
	rg_buf_appends(b, "# HELP ");
	prom_name(b, name);
	rg_buf_appendf(b, " %s\n# TYPE ", help);
	prom_name(b, name);
	rg_buf_appendf(b, " %s\n", type);
}

/* node 0: a cluster-wide sample, without a label. */
static void
sample(struct rg_buf *b, const char *name, int32_t node, double v)
{
	prom_name(b, name);
	if (node != 0)
		rg_buf_appendf(b, "{node_id=\"%d\"}", node);
	rg_buf_appendc(b, ' ');
	rg_json_format_float(b, v, 64);
	rg_buf_appendc(b, '\n');
}

static int
sample_cmp(const void *a, const void *b)
{
	const struct prom_sample	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return (c);
	return ((x->node > y->node) - (x->node < y->node));
}
