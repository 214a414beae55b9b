/*
 * GET /api/v2/health/restart_safety/?node_id=N (src/REFERENCE.md, "Later
 * routes (API v2 since v21.2)"), no login: would restarting node N now
 * leave data unavailable or under-replicated?  PostgreSQL's answer:
 *  - the primary leads every range (raft leadership) and cannot drain
 *    while it takes writes: never safe;
 *  - a standby: safe only while the primary answers and every other
 *    configured standby streams from it (else every range is already
 *    under-replicated, or unavailable without a primary).
 * 200 when safe, 503 when not, with RestartSafetyResponse's counters.
 */

#include <string.h>

#include "apiread.h"
#include "json.h"
#include "params.h"

int	rg_restart_safety(struct http_request *);

static int	restart_start(struct http_request *);
static int	restart_wait(struct http_request *);
static int	streams(struct rg_query *, const char *);

static struct http_state	states[] = {
	KORE_HTTP_STATE(restart_start),
	KORE_HTTP_STATE(restart_wait),
};

#define RESTART_WAIT	1

/* One row per streaming standby the node knows of (or one without). */
static const char	restart_sql[] =
    "SELECT s.node_name, s.range_count, r.name "
    "FROM roachgate.read_restart_state($1) s "
    "LEFT JOIN LATERAL unnest(s.replica_names) AS r(name) ON true";

enum { C_NODE_NAME, C_RANGE_COUNT, C_REPLICA };

/* q[0] is the primary; q[1] the target, when that is a standby. */
struct restart_req {
	const struct rg_node	*target;
};

int
rg_restart_safety(struct http_request *req)
{
	return (http_state_run(states, RG_NITEMS(states), req));
}

static int
restart_start(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct restart_req	*rr;
	struct rg_buf		 val;
	int64_t			 id;
	int			 r;

	http_populate_qs(req);
	rg_buf_init(&val);
	r = rg_param(req, "node_id", &val);
	if (r != RG_PARAM_OK ||
	    rg_parse_int(rg_buf_cstr(&val), 10, 32, &id) == -1 || id <= 0) {
		rg_buf_free(&val);
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "invalid node ID");
		return (HTTP_STATE_COMPLETE);
	}
	rg_buf_free(&val);

	ctx->ep = rr = kore_calloc(1, sizeof(*rr));
	if ((rr->target = rg_config_node(&rg_cfg, (int32_t)id)) == NULL) {
		rg_respond_error(req, HTTP_STATUS_NOT_FOUND, "node not found");
		return (HTTP_STATE_COMPLETE);
	}

	/* The range count comes from the primary (which holds every range),
	 * or from the target when the primary does not answer. */
	ctx->fan.n = 1;
	rg_query_prepare(&ctx->fan.q[0], rg_config_node(&rg_cfg,
	    rg_cfg.primary), restart_sql);
	rg_query_param(&ctx->fan.q[0], "t", -1, 0);
	if (rr->target->id != rg_cfg.primary) {
		ctx->fan.n = 2;
		rg_query_prepare(&ctx->fan.q[1], rr->target, restart_sql);
		rg_query_param(&ctx->fan.q[1], "t", -1, 0);
	}
	rg_fanout_start(&ctx->fan, req, rg_cfg.node_timeout_ms);

	req->fsm_state = RESTART_WAIT;
	return (HTTP_STATE_CONTINUE);
}

static int
restart_wait(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct restart_req	*rr = ctx->ep;
	struct rg_query		*p = &ctx->fan.q[0], *src;
	struct rg_json		 j;
	struct rg_buf		 body;
	int64_t			 ranges, unavail, under, leader, busy;
	size_t			 i;
	int			 pok, safe;

	if (!rg_fanout_poll(&ctx->fan))
		return (HTTP_STATE_RETRY);

	pok = p->state == RG_Q_DONE && rg_query_rows(p) > 0;
	src = pok ? p : (ctx->fan.n > 1 ? &ctx->fan.q[1] : NULL);
	ranges = 0;
	if (src != NULL && src->state == RG_Q_DONE &&
	    rg_query_rows(src) > 0 && rg_parse_int(rg_query_value(src, 0,
	    C_RANGE_COUNT, NULL), 10, 64, &ranges) == -1)
		ranges = 0;

	unavail = under = leader = busy = 0;
	if (!pok) {
		unavail = ranges;
	} else if (rr->target->id == rg_cfg.primary) {
		leader = ranges;
		busy = 1;
	} else {
		for (i = 0; i < rg_cfg.nnodes; i++) {
			if (rg_cfg.nodes[i].id == rg_cfg.primary ||
			    &rg_cfg.nodes[i] == rr->target)
				continue;
			if (!streams(p, rg_cfg.nodes[i].name))
				under = ranges;
		}
	}

	/* A primary that does not answer is unsafe even with no ranges. */
	safe = pok && rr->target->id != rg_cfg.primary && under == 0;

	/* RestartSafetyResponse: every field omitempty. */
	rg_buf_init(&body);
	rg_json_init(&j, &body);
	rg_json_object_open(&j, NULL);
	rg_json_int(&j, "node_id", rr->target->id);
	if (safe)
		rg_json_bool(&j, "is_restart_safe", 1);
	if (unavail != 0)
		rg_json_int(&j, "unavailable_range_count", unavail);
	if (under != 0)
		rg_json_int(&j, "underreplicated_range_count", under);
	if (leader != 0)
		rg_json_int(&j, "raft_leadership_on_node_count", leader);
	if (busy != 0)
		rg_json_int(&j, "store_not_draining_count", busy);
	rg_json_object_close(&j);

	rg_respond_json(req, safe ? HTTP_STATUS_OK :
	    HTTP_STATUS_SERVICE_UNAVAILABLE, &body);
	rg_buf_free(&body);
	return (HTTP_STATE_COMPLETE);
}

/* Whether the primary's answer lists name among its streaming standbys. */
static int
streams(struct rg_query *p, const char *name)
{
	const char	*v;
	int		 i;

	for (i = 0; i < rg_query_rows(p); i++) {
		if ((v = rg_query_text(p, i, C_REPLICA)) != NULL &&
		    strcmp(v, name) == 0)
			return (1);
	}
	return (0);
}
