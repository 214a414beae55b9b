/*
 * GET /api/v2/health/ (src/REFERENCE.md, "GET /health/").  ready=false
 * is liveness of
 * this server alone; ready=true also asks the primary for a query within
 * the node timeout, and answers 500 with the generic text if it cannot.
 */

#include "roachgate.h"
#include "params.h"

int	rg_health(struct http_request *);

static int	health_start(struct http_request *);
static int	health_wait(struct http_request *);

static struct http_state	states[] = {
	KORE_HTTP_STATE(health_start),
	KORE_HTTP_STATE(health_wait),
};

#define HEALTH_WAIT	1

static const char	empty[] = "{}";

int
rg_health(struct http_request *req)
{
	return (http_state_run(states, RG_NITEMS(states), req));
}

static int
health_start(struct http_request *req)
{
	struct rg_ctx	*ctx;
	struct rg_buf	val;
	int		ready, r;

	http_populate_qs(req);
	rg_buf_init(&val);

	ready = 0;
	if ((r = rg_param(req, "ready", &val)) == RG_PARAM_INVALID ||
	    (r == RG_PARAM_OK && rg_parse_bool(rg_buf_cstr(&val), &ready))) {
		rg_buf_free(&val);
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "invalid ready value");
		return (HTTP_STATE_COMPLETE);
	}
	rg_buf_free(&val);

	if (!ready) {
		http_response_header(req, "content-type", "application/json");
		http_response(req, HTTP_STATUS_OK, empty, sizeof(empty) - 1);
		return (HTTP_STATE_COMPLETE);
	}

	ctx = rg_ctx_get(req);
	ctx->fan.n = 1;
	rg_query_prepare(&ctx->fan.q[0], rg_config_node(&rg_cfg,
	    rg_cfg.primary), "SELECT 1");
	rg_fanout_start(&ctx->fan, req, rg_cfg.node_timeout_ms);

	req->fsm_state = HEALTH_WAIT;
	return (HTTP_STATE_CONTINUE);
}

static int
health_wait(struct http_request *req)
{
	struct rg_ctx	*ctx = rg_ctx_get(req);

	if (!rg_fanout_poll(&ctx->fan))
		return (HTTP_STATE_RETRY);

	if (ctx->fan.q[0].state != RG_Q_DONE) {
		rg_respond_internal(req, "readiness: primary n%d: %s",
		    rg_cfg.primary, ctx->fan.q[0].error);
	} else {
		http_response_header(req, "content-type", "application/json");
		http_response(req, HTTP_STATUS_OK, empty, sizeof(empty) - 1);
	}

	return (HTTP_STATE_COMPLETE);
}
