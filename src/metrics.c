/*
 * GET /_status/vars (src/REFERENCE.md, "Later routes (API v2 since
 * v21.2)"): Prometheus text exposition.  Every node's metrics (the ones
 * /nodes/ shows, '.' -> '_', labelled node_id), asked of all nodes at
 * once, and what roachgate sees of the cluster: which nodes answered,
 * their liveness, standbys configured and missing.  Admin only by default
 * (kore.conf; README "Metrics and rules" has the switch): metrics tell
 * addresses, sizes and load.
 */

#include <stdlib.h>
#include <string.h>

#include "roachgate.h"
#include "json.h"
#include "params.h"

int	rg_status_vars(struct http_request *);

static int	vars_start(struct http_request *);
static int	vars_wait(struct http_request *);
static void	node_metrics(struct rg_buf *, struct rg_fanout *);
static void	own_metrics(struct rg_buf *, struct rg_fanout *);
static void	family(struct rg_buf *, const char *, const char *);
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
	struct rg_buf	 body;

	if (!rg_fanout_poll(&ctx->fan))
		return (HTTP_STATE_RETRY);

	rg_buf_init(&body);
	node_metrics(&body, &ctx->fan);
	own_metrics(&body, &ctx->fan);

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
	rg_buf_appends(b, "# HELP ");
	prom_name(b, name);
	rg_buf_appendf(b, " %s\n# TYPE ", help);
	prom_name(b, name);
	rg_buf_appends(b, " gauge\n");
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
