/*
 * The authentication hook of every admin route (kore.conf: rg_admin).
 *
 * The session comes from the X-Cockroach-API-Session header, or from
 * the `session` cookie when that header says `cookie` (CockroachDB's
 * CSRF guard: a browser cannot set the header cross-site).  One query
 * on the primary returns the stored hash, validity, whether the user is
 * an admin and how long the session has left; the hash is compared here
 * in constant time.  The answer is cached for session_cache_ms (see
 * session.c): a hit costs no query at all.  A miss while another request
 * of this worker checks the same session waits for that check and reads
 * its cached answer (single flight: when a busy session's entry expires,
 * its requests would otherwise all queue on the session pool at once;
 * README, "Tail latency").  A hit on an entry older than half of
 * session_cache_ms is served and also starts one re-check of the session
 * in the background (refresh-ahead, in the same single-flight slot), so
 * a session in steady use never has a request wait for its check.  When
 * "lastUsedAt" is more than a minute old, a second statement refreshes
 * it (before the handler runs, or after a background re-check): at most
 * one write per session per minute, none per request, and the common
 * path stays a plain SELECT (a data-modifying CTE in the lookup halved
 * its throughput).
 */

#include <openssl/crypto.h>

#include <stdlib.h>
#include <string.h>

#include "roachgate.h"
#include "sesscache.h"
#include "session.h"
#include "token.h"
#include "waitq.h"

#define AUTH_START	0
#define AUTH_WAIT	1
#define AUTH_TOUCH	2
#define AUTH_DONE	3

int	rg_auth_admin(struct http_request *, const void *);
int	rg_auth_login(struct http_request *, const void *);

/*
 * A session check on its way to the primary, led by one request; others
 * of the same session wait on it.  One per id modulo AUTH_FLIGHTS: a
 * collision (or more sessions checked at once than slots) only costs a
 * session its single flight (its requests look it up each, as before).
 */
#define AUTH_FLIGHTS	256

struct auth_flight {
	int64_t		id;
	int		busy;
	struct rg_waitq	waiters;
};

/* Lives in ctx->ep while the hook runs; the handler gets ep back empty. */
struct auth_state {
	int64_t		id;
	char		idtxt[24];
	uint8_t		hash[RG_SESSION_HASH_LEN];
	int		admin;
	uint64_t	asked;		/* kore_time_ms() when looked up */
	uint64_t	epoch;		/* rg_session_epoch() then */
	struct auth_flight	*flight;	/* led by this request */
};

/*
 * A background re-check: no request, so it owns its query and a one-shot
 * timer that watches it (rg_query_watch: deadline, a lost callback) and
 * frees it once done (never from inside the query's own callback).
 */
#define RECHECK_TICK_MS	100

struct auth_recheck {
	struct rg_query		q;
	int64_t			id;
	char			idtxt[24];
	uint8_t			hash[RG_SESSION_HASH_LEN];
	uint64_t		asked;
	uint64_t		epoch;
	struct auth_flight	*flight;
	int			touch;		/* lastUsedAt next */
};

static struct auth_flight	flights[AUTH_FLIGHTS];

static int	auth_start(struct http_request *, struct rg_ctx *);
static int	auth_finish(struct http_request *, struct rg_ctx *);
static int	auth_touched(struct http_request *, struct rg_ctx *);
static int	auth_verdict(struct http_request *, struct rg_ctx *);
static int	auth_forbidden(struct http_request *, struct rg_ctx *);
static int	auth_done(struct rg_ctx *, int);
static void	auth_land(void *);
static int	auth_answer(struct rg_query *, int64_t, const uint8_t *,
		    uint64_t, uint64_t, int *, char *);
static struct auth_flight	*auth_flight_take(int64_t);
static void	auth_flight_land(struct auth_flight *);
static void	recheck_start(int64_t, const uint8_t *);
static void	recheck_done(struct rg_query *, void *);
static void	recheck_touched(struct rg_query *, void *);
static void	recheck_tick(void *, u_int64_t);

static const char	lookup_sql[] =
    "SELECT encode(\"hashedSecret\", 'hex'),"
    " \"revokedAt\" IS NULL AND \"expiresAt\" > now(),"
    " \"revokedAt\" IS NULL AND \"expiresAt\" > now()"
    " AND roachgate.is_admin(username, $2),"
    " \"lastUsedAt\" < now() - interval '1 minute',"
    " floor(extract(epoch FROM \"expiresAt\" - now()) * 1000)::int8"
    ", username"
    " FROM roachgate.web_sessions WHERE id = $1";

static const char	touch_sql[] =
    "UPDATE roachgate.web_sessions SET \"lastUsedAt\" = now()"
    " WHERE id = $1 AND \"lastUsedAt\" < now() - interval '1 minute'";

int
rg_auth_admin(struct http_request *req, const void *data)
{
	struct rg_ctx	*ctx;

	(void)data;
	ctx = rg_ctx_get(req);

	switch (ctx->auth_phase) {
	case AUTH_START:
		return (auth_start(req, ctx));
	case AUTH_WAIT:
		return (auth_finish(req, ctx));
	case AUTH_TOUCH:
		return (auth_touched(req, ctx));
	default:
		return (KORE_RESULT_OK);
	}
}

/*
 * The hook of routes any logged-in user may use (kore.conf: rg_user):
 * the same session check, without the admin verdict.
 */
int
rg_auth_login(struct http_request *req, const void *data)
{
	rg_ctx_get(req)->login_only = 1;
	return (rg_auth_admin(req, data));
}

static int
auth_start(struct http_request *req, struct rg_ctx *ctx)
{
	struct auth_state	*st;
	struct auth_flight	*f;
	struct rg_query		*q;
	uint8_t			 secret[RG_TOKEN_SECRET_MAX];
	uint8_t			 hash[RG_SESSION_HASH_LEN];
	size_t			 slen;
	int64_t			 id;
	int			 r, admin, due;

	/* Absent: 401; present but undecodable: 400. */
	if ((r = rg_session_token(req, &id, secret, &slen)) != RG_SESSION_OK) {
		rg_respond_error(req, r == RG_SESSION_NONE ?
		    HTTP_STATUS_UNAUTHORIZED : HTTP_STATUS_BAD_REQUEST,
		    "invalid session header");
		return (auth_done(ctx, KORE_RESULT_ERROR));
	}

	rg_session_hash(secret, slen, hash);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rg_session_cached(id, hash, &admin, ctx->username, &due)) {
		if (due)
			recheck_start(id, hash);
		if (!admin && !ctx->login_only)
			return (auth_forbidden(req, ctx));
		return (auth_done(ctx, KORE_RESULT_OK));
	}

	/* Once: if that check fails, this request makes its own. */
	f = &flights[(u_int64_t)id % AUTH_FLIGHTS];
	if (rg_cfg.session_cache_ms > 0 && f->busy && f->id == id &&
	    !ctx->auth_waited) {
		ctx->auth_waited = 1;
		rg_waitq_sleep(&f->waiters, req);
		return (KORE_RESULT_RETRY);
	}

	rg_ctx_ep_free(ctx);
	ctx->ep = st = kore_calloc(1, sizeof(*st));
	ctx->ep_free = auth_land;
	st->flight = auth_flight_take(id);
	st->id = id;
	(void)snprintf(st->idtxt, sizeof(st->idtxt), "%lld", (long long)id);
	memcpy(st->hash, hash, sizeof(st->hash));

	ctx->fan.n = 1;
	q = &ctx->fan.q[0];
	rg_query_prepare(q, &rg_cfg.sessions, lookup_sql);
	rg_query_param(q, st->idtxt, -1, 0);
	rg_query_param(q, rg_cfg.admin_role, -1, 0);
	st->asked = kore_time_ms();
	st->epoch = rg_session_epoch();
	rg_fanout_start(&ctx->fan, req, rg_cfg.node_timeout_ms);

	ctx->auth_phase = AUTH_WAIT;
	return (auth_finish(req, ctx));
}

static int
auth_finish(struct http_request *req, struct rg_ctx *ctx)
{
	struct auth_state	*st = ctx->ep;
	struct rg_query		*q = &ctx->fan.q[0];

	if (!rg_fanout_poll(&ctx->fan))
		return (KORE_RESULT_RETRY);

	if (q->state != RG_Q_DONE) {
		rg_respond_internal(req, "session lookup on n%d: %s",
		    rg_cfg.primary, q->error != NULL ? q->error : "failed");
		return (auth_done(ctx, KORE_RESULT_ERROR));
	}

	if (!auth_answer(q, st->id, st->hash, st->asked, st->epoch,
	    &st->admin, ctx->username)) {
		rg_respond_error(req, HTTP_STATUS_UNAUTHORIZED,
		    "the provided authentication session could not be "
		    "validated");
		return (auth_done(ctx, KORE_RESULT_ERROR));
	}
	auth_land(st);

	if (strcmp(rg_query_value(q, 0, 3, NULL), "t") != 0)
		return (auth_verdict(req, ctx));

	rg_query_prepare(q, &rg_cfg.sessions, touch_sql);
	rg_query_param(q, st->idtxt, -1, 0);
	rg_fanout_start(&ctx->fan, req, rg_cfg.node_timeout_ms);
	ctx->auth_phase = AUTH_TOUCH;
	return (auth_touched(req, ctx));
}

/* lastUsedAt is bookkeeping: its failure does not fail the request. */
static int
auth_touched(struct http_request *req, struct rg_ctx *ctx)
{
	struct rg_query		*q = &ctx->fan.q[0];

	if (!rg_fanout_poll(&ctx->fan))
		return (KORE_RESULT_RETRY);

	if (q->state != RG_Q_DONE)
		kore_log(LOG_NOTICE, "session lastUsedAt not updated: %s",
		    q->error != NULL ? q->error : "failed");

	return (auth_verdict(req, ctx));
}

static int
auth_verdict(struct http_request *req, struct rg_ctx *ctx)
{
	struct auth_state	*st = ctx->ep;

	if (!st->admin && !ctx->login_only)
		return (auth_forbidden(req, ctx));

	return (auth_done(ctx, KORE_RESULT_OK));
}

static int
auth_forbidden(struct http_request *req, struct rg_ctx *ctx)
{
	rg_respond_error(req, HTTP_STATUS_FORBIDDEN,
	    "user not allowed to access this endpoint");
	return (auth_done(ctx, KORE_RESULT_ERROR));
}

/*
 * The check this request led has its answer (cached, or none): the
 * requests waiting on it run again.  Also ctx->ep_free, so a request
 * freed before its answer releases them too.
 */
static void
auth_land(void *arg)
{
	struct auth_state	*st = arg;

	if (st->flight == NULL)
		return;
	auth_flight_land(st->flight);
	st->flight = NULL;
}

/* The session's single-flight slot, or NULL if it is taken (or off). */
static struct auth_flight *
auth_flight_take(int64_t id)
{
	struct auth_flight	*f;

	f = &flights[(u_int64_t)id % AUTH_FLIGHTS];
	if (rg_cfg.session_cache_ms == 0 || f->busy)
		return (NULL);

	f->busy = 1;
	f->id = id;
	TAILQ_INIT(&f->waiters);
	return (f);
}

static void
auth_flight_land(struct auth_flight *f)
{
	f->busy = 0;
	rg_waitq_wake(&f->waiters);
}

/*
 * The lookup's verdict, a request's or a background one's: 1 and the
 * answer cached (rg_session_remember's rules) if the row is this session
 * and valid, with *admin and the user name (RG_SESSCACHE_USER_LEN);
 * otherwise 0 and the session out of this worker's cache.
 */
static int
auth_answer(struct rg_query *q, int64_t id, const uint8_t *hash,
    uint64_t asked, uint64_t epoch, int *admin, char *user)
{
	if (rg_query_rows(q) != 1 || rg_query_isnull(q, 0, 0) ||
	    !rg_session_match(rg_query_value(q, 0, 0, NULL), hash) ||
	    strcmp(rg_query_value(q, 0, 1, NULL), "t") != 0) {
		rg_session_invalid(id);
		return (0);
	}

	*admin = strcmp(rg_query_value(q, 0, 2, NULL), "t") == 0;
	(void)snprintf(user, RG_SESSCACHE_USER_LEN, "%s",
	    rg_query_value(q, 0, 5, NULL));
	rg_session_remember(id, hash, *admin, user, asked,
	    strtoll(rg_query_value(q, 0, 4, NULL), NULL, 10), epoch);
	return (1);
}

/* Refresh-ahead: at most one check per session and worker at a time. */
static void
recheck_start(int64_t id, const uint8_t *hash)
{
	struct auth_recheck	*rc;
	struct auth_flight	*f;

	if ((f = auth_flight_take(id)) == NULL)
		return;

	rc = kore_calloc(1, sizeof(*rc));
	rc->flight = f;
	rc->id = id;
	(void)snprintf(rc->idtxt, sizeof(rc->idtxt), "%lld", (long long)id);
	memcpy(rc->hash, hash, sizeof(rc->hash));

	rg_query_prepare(&rc->q, &rg_cfg.sessions, lookup_sql);
	rg_query_param(&rc->q, rc->idtxt, -1, 0);
	rg_query_param(&rc->q, rg_cfg.admin_role, -1, 0);
	rc->asked = kore_time_ms();
	rc->epoch = rg_session_epoch();
	(void)kore_timer_add(recheck_tick, RECHECK_TICK_MS, rc,
	    KORE_TIMER_ONESHOT);
	rg_query_start_cb(&rc->q, recheck_done, rc);
}

/*
 * The answer replaces the entry as a request's would; a failed lookup
 * leaves it to expire.  Requests that missed meanwhile run again.
 */
static void
recheck_done(struct rg_query *q, void *arg)
{
	struct auth_recheck	*rc = arg;
	char			 user[RG_SESSCACHE_USER_LEN];
	int			 admin;

	if (q->state == RG_Q_DONE) {
		if (auth_answer(q, rc->id, rc->hash, rc->asked, rc->epoch,
		    &admin, user))
			rc->touch = strcmp(rg_query_value(q, 0, 3, NULL),
			    "t") == 0;
	} else {
		kore_log(LOG_NOTICE, "session re-check on n%d: %s",
		    rg_cfg.primary, q->error != NULL ? q->error : "failed");
	}
	rg_query_cleanup(q);
	auth_flight_land(rc->flight);
	rc->flight = NULL;
}

static void
recheck_touched(struct rg_query *q, void *arg)
{
	(void)arg;
	if (q->state != RG_Q_DONE)
		kore_log(LOG_NOTICE, "session lastUsedAt not updated: %s",
		    q->error != NULL ? q->error : "failed");
	rg_query_cleanup(q);
}

static void
recheck_tick(void *arg, u_int64_t now)
{
	struct auth_recheck	*rc = arg;

	rg_query_watch(&rc->q, now);
	if (!rg_query_running(&rc->q) && rc->touch) {
		rc->touch = 0;
		rg_query_prepare(&rc->q, &rg_cfg.sessions, touch_sql);
		rg_query_param(&rc->q, rc->idtxt, -1, 0);
		rg_query_start_cb(&rc->q, recheck_touched, rc);
	}
	if (rg_query_running(&rc->q)) {
		(void)kore_timer_add(recheck_tick, RECHECK_TICK_MS, rc,
		    KORE_TIMER_ONESHOT);
		return;
	}
	kore_free(rc);
}

/* One exit: the handler gets a clean fan-out and no endpoint state. */
static int
auth_done(struct rg_ctx *ctx, int result)
{
	rg_fanout_cleanup(&ctx->fan);
	rg_ctx_ep_free(ctx);
	ctx->auth_phase = AUTH_DONE;

	return (result);
}
