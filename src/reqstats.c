/*
 * roachgate's own counters for /_status/vars: requests by route and
 * status, a latency histogram per route, queries waiting for a pgsql
 * connection, and the age of each worker's snapshot copies.  Each
 * worker counts its own requests (when Kore frees the request:
 * roachgate.c's ctx_free) and broadcasts its counters to
 * the other workers every RG_STATS_SEND_MS through Kore's messages; a
 * scrape adds its own live counters to the others' latest copies, so it
 * sums the workers, at most RG_STATS_SEND_MS behind for the others.  A
 * worker that Kore restarts starts again from 0 (Prometheus sees a
 * counter reset).
 */

#include <string.h>
#include <time.h>

#include "roachgate.h"
#include "reqstats.h"
#include "snapshot.h"

#define RG_STATS_SEND_MS	1000

/* Kore's route order is the same in every worker: the index is the key. */
static struct {
	size_t				 n;
	const struct kore_module_handle	*hdlr[RG_STATS_ROUTES];
} routes;

/* Kore's pgsql.c: queries waiting for a connection (not in its header). */
extern u_int32_t		 pgsql_queue_count;

static struct rg_stats		 self;
static struct rg_stats		*peers[KORE_WORKER_MAX + 1];

static void	stats_send(void *, u_int64_t);
static void	stats_msg(struct kore_msg *, const void *);

/* HTTP statuses roachgate answers; any other counts as RG_STATS_OTHER. */
const int	rg_stats_codes[RG_STATS_NCODES - 1] = {
	200, 400, 401, 403, 404, 405, 413, 429, 431, 500, 503
};

/* Histogram upper bounds, microseconds; the last bucket is +Inf. */
const u_int64_t	rg_stats_bounds_us[RG_STATS_NBUCKETS - 1] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000
};

void
rg_reqstats_init(void)
{
	struct kore_server		*srv;
	struct kore_domain		*dom;
	struct kore_module_handle	*hdlr;

	LIST_FOREACH(srv, &kore_servers, list) {
		TAILQ_FOREACH(dom, &srv->domains, list) {
			TAILQ_FOREACH(hdlr, &dom->handlers, list) {
				if (routes.n == RG_STATS_ROUTES) {
					kore_log(LOG_WARNING, "reqstats: more "
					    "than %d routes, %s not counted",
					    RG_STATS_ROUTES, hdlr->path);
					continue;
				}
				routes.hdlr[routes.n++] = hdlr;
			}
		}
	}
	self.nroutes = (u_int32_t)routes.n;

	(void)kore_msg_register(RG_MSG_STATS, stats_msg);
	(void)kore_timer_add(stats_send, RG_STATS_SEND_MS, NULL, 0);
}

u_int64_t
rg_reqstats_now_us(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((u_int64_t)ts.tv_sec * 1000000 + (u_int64_t)ts.tv_nsec / 1000);
}

/* A request Kore is freeing, first seen at t0 (rg_reqstats_now_us). */
void
rg_reqstats_done(struct http_request *req, u_int64_t t0)
{
	struct rg_route_stats	*r;
	u_int64_t		 us;
	size_t			 i, b;

	for (i = 0; i < routes.n && routes.hdlr[i] != req->hdlr; i++)
		;
	if (i == routes.n || t0 == 0)
		return;
	r = &self.r[i];
	r->by_code[rg_reqstats_code(req->status)]++;

	us = rg_reqstats_now_us() - t0;
	for (b = 0; b < RG_STATS_NBUCKETS - 1 && us > rg_stats_bounds_us[b];
	    b++)
		;
	r->bucket[b]++;
	r->sum_us += us;
}

/* The by_code index of an HTTP status (RG_STATS_OTHER if not listed). */
size_t
rg_reqstats_code(int status)
{
	size_t		c;

	for (c = 0; c < RG_STATS_OTHER && rg_stats_codes[c] != status; c++)
		;
	return (c);
}

const char *
rg_reqstats_route(size_t i)
{
	return (i < routes.n ? routes.hdlr[i]->path : NULL);
}

const char *
rg_reqstats_handler(size_t i)
{
	return (i < routes.n ? routes.hdlr[i]->func : NULL);
}

/* Every worker's counters added up into out. */
void
rg_reqstats_sum(struct rg_stats *out)
{
	const struct rg_stats	*w;
	size_t			 i, k, n;
	int			 kind;

	stats_send(NULL, 0);		/* this worker's snapshot ages now */
	memcpy(out, &self, sizeof(*out));
	for (i = 0; i < RG_NITEMS(peers); i++) {
		if ((w = peers[i]) == NULL || i == worker->id)
			continue;
		for (n = 0; n < routes.n && n < w->nroutes; n++) {
			for (k = 0; k < RG_STATS_NCODES; k++)
				out->r[n].by_code[k] += w->r[n].by_code[k];
			for (k = 0; k < RG_STATS_NBUCKETS; k++)
				out->r[n].bucket[k] += w->r[n].bucket[k];
			out->r[n].sum_us += w->r[n].sum_us;
		}
		out->pgsql_queued += w->pgsql_queued;
		/* The oldest copy any worker may serve. */
		for (kind = 0; kind < RG_SNAP_NKINDS; kind++) {
			for (k = 0; k < rg_cfg.nnodes; k++) {
				if (w->snap_at[kind][k] != 0 &&
				    (out->snap_at[kind][k] == 0 ||
				    w->snap_at[kind][k] <
				    out->snap_at[kind][k]))
					out->snap_at[kind][k] =
					    w->snap_at[kind][k];
			}
		}
	}
}

/* From the timer: tell the others; from a scrape (now 0): refresh only
 * the gauges. */
static void
stats_send(void *arg, u_int64_t now)
{
	size_t		i;
	int		kind;

	(void)arg;
	self.pgsql_queued = pgsql_queue_count;
	for (kind = 0; kind < RG_SNAP_NKINDS; kind++) {
		for (i = 0; i < rg_cfg.nnodes; i++)
			self.snap_at[kind][i] =
			    rg_snapshot_at(kind, rg_cfg.nodes[i].id);
	}
	if (now != 0)
		kore_msg_send(KORE_MSG_WORKER_ALL, RG_MSG_STATS, &self,
		    sizeof(self));
}

static void
stats_msg(struct kore_msg *msg, const void *data)
{
	if (msg->length != sizeof(struct rg_stats) ||
	    msg->src >= RG_NITEMS(peers) || msg->src == worker->id)
		return;
	if (peers[msg->src] == NULL)
		peers[msg->src] = kore_calloc(1, sizeof(struct rg_stats));
	memcpy(peers[msg->src], data, sizeof(struct rg_stats));
}
