/*
 * Node events for GET /api/v2/events/: one worker only (the sampler's,
 * so each change is recorded once) asks every node for its start time
 * each sample_interval_ms and hands the answer, or the failure to get
 * one, to roachgate.log_node_event() on the primary, which compares it
 * with what it last recorded and logs node_join, node_restart,
 * node_unavailable or node_available (sql/postgres/87_eventlog.sql;
 * src/REFERENCE.md, "Node events and certificate expiry").
 * A liveness change (liveness.c: any query of any worker, broadcast)
 * probes that node at once rather than at the next round.  The probe
 * runs on query.c's engine bound to callbacks, so a failed probe also
 * feeds liveness.c like any query; no request ever waits on it.  A node
 * seen down while the primary cannot take the record keeps that
 * observation (its own time) until the primary can: a primary that
 * stops answering is logged when it comes back, before its restart
 * (the round after).
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "roachgate.h"
#include "params.h"

struct obs {
	int		up;
	int64_t		started;	/* ns; up only */
	int64_t		seen;		/* ns, wall clock */
	int64_t		last_up;	/* ns, 0: not since we started */
};

struct ne_node {
	const struct rg_node	*node;
	struct rg_query		 probe;
	struct rg_query		 record;
	struct obs		 now;		/* the latest probe */
	struct obs		 owed;		/* a down not yet recorded */
	int			 owe;
	int			 sending_owed;
	int			 failing;	/* record: logged as failing */
	int			 kicked;	/* liveness changed: probe now */
	char			 p[5][24];	/* record's parameters */
};

static struct ne_node	nodes[RG_MAX_NODES];
static int		active;		/* this is the worker that records */
static struct kore_timer	*kick_timer;

static const char	sql_probe[] =
    "SELECT roachgate.ns(pg_postmaster_start_time())";
static const char	sql_record[] =
    "SELECT roachgate.log_node_event($1::text, $2::int8, $3::bool, "
    "$4::int8, $5::int8, $6::int8)";

static void	nodeevents_tick(void *, u_int64_t);
static void	nodeevents_kick(void *, u_int64_t);
static void	probe_start(struct ne_node *);
static void	probe_cb(struct rg_query *, void *);
static void	record_send(struct ne_node *, const struct obs *);
static void	record_cb(struct rg_query *, void *);
static int64_t	wall_ns(void);

void
rg_nodeevents_init(void)
{
	size_t		i;

	if (worker == NULL || worker->id != RG_SAMPLER_WORKER)
		return;

	for (i = 0; i < rg_cfg.nnodes; i++)
		nodes[i].node = &rg_cfg.nodes[i];
	active = 1;

	(void)kore_timer_add(nodeevents_tick, 10, NULL, KORE_TIMER_ONESHOT);
	(void)kore_timer_add(nodeevents_tick,
	    (u_int64_t)rg_cfg.sample_interval_ms, NULL, 0);
}

/*
 * From liveness.c, in every worker, possibly from inside a query's own
 * callback: only note it, and probe from a timer.
 */
void
rg_nodeevents_changed(int32_t node)
{
	size_t		i;

	if (!active)
		return;
	for (i = 0; i < rg_cfg.nnodes; i++) {
		if (nodes[i].node->id == node)
			nodes[i].kicked = 1;
	}
	if (kick_timer == NULL)
		kick_timer = kore_timer_add(nodeevents_kick, 1, NULL,
		    KORE_TIMER_ONESHOT);
}

static void
nodeevents_tick(void *arg, u_int64_t now)
{
	size_t		i;

	(void)arg;
	for (i = 0; i < rg_cfg.nnodes; i++) {
		rg_query_watch(&nodes[i].probe, now);
		rg_query_watch(&nodes[i].record, now);
		probe_start(&nodes[i]);
	}
}

static void
nodeevents_kick(void *arg, u_int64_t now)
{
	size_t		i;

	(void)arg;
	(void)now;
	kick_timer = NULL;
	for (i = 0; i < rg_cfg.nnodes; i++) {
		if (nodes[i].kicked)
			probe_start(&nodes[i]);
	}
}

/* A node whose probe or record is still under way waits a round. */
static void
probe_start(struct ne_node *ne)
{
	ne->kicked = 0;
	if (rg_query_running(&ne->probe) || rg_query_running(&ne->record))
		return;
	rg_query_prepare(&ne->probe, ne->node, sql_probe);
	rg_query_start_cb(&ne->probe, probe_cb, ne);
}

static void
probe_cb(struct rg_query *q, void *arg)
{
	struct ne_node	*ne = arg;
	int64_t		 started;

	ne->now.seen = wall_ns();
	ne->now.up = (q->state == RG_Q_DONE && rg_query_rows(q) == 1 &&
	    rg_query_text(q, 0, 0) != NULL &&
	    rg_parse_int(rg_query_text(q, 0, 0), 10, 64, &started) == 0);
	if (ne->now.up) {
		ne->now.started = started;
		ne->now.last_up = ne->now.seen;
	}

	if (rg_query_running(&ne->record))
		return;
	if (ne->owe) {
		ne->sending_owed = 1;
		record_send(ne, &ne->owed);
	} else {
		ne->sending_owed = 0;
		record_send(ne, &ne->now);
	}
}

static void
record_send(struct ne_node *ne, const struct obs *o)
{
	const struct rg_node	*primary;

	primary = rg_config_node(&rg_cfg, rg_cfg.primary);
	(void)snprintf(ne->p[0], sizeof(ne->p[0]), "%" PRId32, ne->node->id);
	(void)snprintf(ne->p[1], sizeof(ne->p[1]), "%s",
	    o->up ? "true" : "false");
	(void)snprintf(ne->p[2], sizeof(ne->p[2]), "%" PRId64, o->started);
	(void)snprintf(ne->p[3], sizeof(ne->p[3]), "%" PRId64, o->seen);
	(void)snprintf(ne->p[4], sizeof(ne->p[4]), "%" PRId64, o->last_up);

	rg_query_prepare(&ne->record, primary, sql_record);
	rg_query_param(&ne->record, ne->node->name, -1, 0);
	rg_query_param(&ne->record, ne->p[0], -1, 0);
	rg_query_param(&ne->record, ne->p[1], -1, 0);
	rg_query_param(&ne->record, o->up ? ne->p[2] : NULL, -1, 0);
	rg_query_param(&ne->record, ne->p[3], -1, 0);
	rg_query_param(&ne->record, o->last_up != 0 ? ne->p[4] : NULL, -1, 0);
	rg_query_start_cb(&ne->record, record_cb, ne);
}

static void
record_cb(struct rg_query *q, void *arg)
{
	struct ne_node	*ne = arg;
	const char	*et;

	if (q->state == RG_Q_DONE) {
		if (ne->failing)
			kore_log(LOG_NOTICE, "node events: recording works "
			    "again");
		ne->failing = 0;
		if (rg_query_rows(q) == 1 &&
		    (et = rg_query_text(q, 0, 0)) != NULL)
			kore_log(LOG_NOTICE, "node events: %s %s", et,
			    ne->node->name);
		/* The latest observation goes next round (not from inside
		 * this query's own callback). */
		if (ne->sending_owed)
			ne->owe = ne->sending_owed = 0;
		return;
	}

	if (!ne->failing)
		kore_log(LOG_WARNING, "node events: recording %s failed: %s",
		    ne->node->name, q->error != NULL ? q->error : "?");
	ne->failing = 1;

	/* Keep the first down seen, with its time, for the next round. */
	if (!ne->sending_owed && !ne->now.up && !ne->owe) {
		ne->owed = ne->now;
		ne->owe = 1;
	}
}

static int64_t
wall_ns(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}
