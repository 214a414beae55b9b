/*
 * POST /api/v2/logout/ (src/REFERENCE.md, "Login, logout and sessions"):
 * revokes the session named by
 * the X-Cockroach-API-Session header (never the cookie, as in
 * CockroachDB).  Unlike CockroachDB, the secret must match: the token's
 * id alone cannot log anyone out.  The row keeps its first revocation
 * time; a second logout with the same token still answers 200, as the
 * reference does.  The session leaves every worker's session cache
 * (session.c): the answer waits until our own message has come back,
 * so the other workers have it before the client can ask them.
 */

#include <openssl/crypto.h>

#include <stdlib.h>
#include <string.h>

#include "roachgate.h"
#include "session.h"
#include "token.h"

int	rg_logout(struct http_request *);

struct logout {
	int64_t		id;
	char		idtxt[24];
	uint8_t		hash[RG_SESSION_HASH_LEN];
	uint64_t	seq;		/* our logout message */
	uint64_t	since;
};

static int	logout_start(struct http_request *);
static int	logout_wait(struct http_request *);
static int	logout_told(struct http_request *);

static struct http_state	states[] = {
	KORE_HTTP_STATE(logout_start),
	KORE_HTTP_STATE(logout_wait),
	KORE_HTTP_STATE(logout_told),
};

#define LOGOUT_WAIT	1
#define LOGOUT_TOLD	2
#define LOGOUT_TELL_MS	1000	/* then answer anyway: the row is revoked */

static const char	revoke_sql[] =
    "UPDATE roachgate.web_sessions"
    " SET \"revokedAt\" = coalesce(\"revokedAt\", now())"
    " WHERE id = $1 AND \"hashedSecret\" = $2 RETURNING id";

static const char	logged_out[] = "{\"logged_out\":true}";

int
rg_logout(struct http_request *req)
{
	return (http_state_run(states, RG_NITEMS(states), req));
}

static int
logout_start(struct http_request *req)
{
	struct rg_ctx	*ctx;
	struct logout	*lo;
	struct rg_query	*q;
	uint8_t		 secret[RG_TOKEN_SECRET_MAX];
	size_t		 slen;
	int64_t		 id;
	int		 r;

	if (rg_session_post_only(req))
		return (HTTP_STATE_COMPLETE);

	if ((r = rg_session_header(req, &id, secret, &slen)) ==
	    RG_SESSION_NONE) {
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "invalid or unspecified session");
		return (HTTP_STATE_COMPLETE);
	}

	/*
	 * The web console's cookie (cookie.c), expired in the answer;
	 * without one, "cookie" is undecodable below, as before.
	 */
	if (rg_session_cookie_mode(req)) {
		rg_session_clear_cookie(req);
		r = rg_session_token(req, &id, secret, &slen);
	}

	/* CockroachDB answers an undecodable session with a 500. */
	if (r == RG_SESSION_BAD) {
		rg_respond_internal(req, "logout: undecodable session header");
		return (HTTP_STATE_COMPLETE);
	}

	ctx = rg_ctx_get(req);
	ctx->ep = lo = kore_calloc(1, sizeof(*lo));
	lo->id = id;
	(void)snprintf(lo->idtxt, sizeof(lo->idtxt), "%lld", (long long)id);
	rg_session_hash(secret, slen, lo->hash);
	OPENSSL_cleanse(secret, sizeof(secret));

	ctx->fan.n = 1;
	q = &ctx->fan.q[0];
	rg_query_prepare(q, &rg_cfg.sessions, revoke_sql);
	rg_query_param(q, lo->idtxt, -1, 0);
	rg_query_param(q, lo->hash, sizeof(lo->hash), 1);
	rg_fanout_start(&ctx->fan, req, rg_cfg.node_timeout_ms);

	req->fsm_state = LOGOUT_WAIT;
	return (HTTP_STATE_CONTINUE);
}

static int
logout_wait(struct http_request *req)
{
	struct rg_ctx	*ctx = rg_ctx_get(req);
	struct rg_query	*q = &ctx->fan.q[0];
	struct logout	*lo = ctx->ep;

	if (!rg_fanout_poll(&ctx->fan))
		return (HTTP_STATE_RETRY);

	if (q->state != RG_Q_DONE) {
		rg_respond_internal(req, "logout: n%d: %s", rg_cfg.primary,
		    q->error != NULL ? q->error : "failed");
		return (HTTP_STATE_COMPLETE);
	}

	if (rg_query_rows(q) == 0) {
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "invalid session");
		return (HTTP_STATE_COMPLETE);
	}
	lo->seq = rg_session_forget(lo->id);
	lo->since = kore_time_ms();
	req->fsm_state = LOGOUT_TOLD;
	return (HTTP_STATE_CONTINUE);
}

/* The message's arrival wakes the event loop: no timer is needed. */
static int
logout_told(struct http_request *req)
{
	struct rg_ctx	*ctx = rg_ctx_get(req);
	struct logout	*lo = ctx->ep;

	if (!rg_session_forgotten(lo->seq)) {
		if (kore_time_ms() - lo->since < LOGOUT_TELL_MS)
			return (HTTP_STATE_RETRY);
		kore_log(LOG_NOTICE, "logout: workers not told within %d ms",
		    LOGOUT_TELL_MS);
	}

	http_response_header(req, "content-type", "application/json");
	http_response(req, HTTP_STATUS_OK, logged_out, sizeof(logged_out) - 1);
	return (HTTP_STATE_COMPLETE);
}
