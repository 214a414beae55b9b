/*
 * The authentication hook of every admin route (kore.conf: rg_admin)
 * and the per-worker session plumbing.
 *
 * The session comes from the X-Cockroach-API-Session header, or from
 * the `session` cookie when that header says `cookie` (CockroachDB's
 * CSRF guard: a browser cannot set the header cross-site).  One query
 * on the primary returns the stored hash, validity and whether the user
 * is an admin now, so logouts and role revocations apply at once on
 * every worker; the hash is compared here in constant time.  When
 * "lastUsedAt" is more than a minute old, a second statement refreshes
 * it before the handler runs: at most one write per session per minute,
 * none per request, and the common path stays a plain SELECT (a
 * data-modifying CTE in the lookup halved its throughput).
 */

#include <openssl/evp.h>

#include <string.h>

#include "roachgate.h"
#include "rangeinfo.h"
#include "session.h"
#include "token.h"

#define AUTH_START	0
#define AUTH_WAIT	1
#define AUTH_TOUCH	2
#define AUTH_DONE	3

int	rg_auth_admin(struct http_request *, const void *);
int	rg_auth_login(struct http_request *, const void *);

/* Lives in ctx->ep while the hook runs; the handler gets ep back empty. */
struct auth_state {
	char		id[24];
	uint8_t		hash[RG_SESSION_HASH_LEN];
	int		admin;
};

static int	auth_start(struct http_request *, struct rg_ctx *);
static int	auth_finish(struct http_request *, struct rg_ctx *);
static int	auth_touched(struct http_request *, struct rg_ctx *);
static int	auth_verdict(struct http_request *, struct rg_ctx *);
static int	auth_done(struct rg_ctx *, int);
static int	auth_token(struct http_request *, int64_t *, uint8_t *,
		    size_t *);
static int	auth_cookie(struct http_request *, int64_t *, uint8_t *,
		    size_t *);
static int	auth_cookie_line(const char *, int64_t *, uint8_t *,
		    size_t *);

static const char	lookup_sql[] =
    "SELECT \"hashedSecret\", username,"
    " \"revokedAt\" IS NULL AND \"expiresAt\" > now(),"
    " \"revokedAt\" IS NULL AND \"expiresAt\" > now()"
    " AND roachgate.is_admin(username, $2),"
    " \"lastUsedAt\" < now() - interval '1 minute'"
    " FROM roachgate.web_sessions WHERE id = $1";

static const char	touch_sql[] =
    "UPDATE roachgate.web_sessions SET \"lastUsedAt\" = now()"
    " WHERE id = $1 AND \"lastUsedAt\" < now() - interval '1 minute'";

void
rg_auth_init(void)
{
	rg_login_init();
}

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

/* The authenticated user of this request: 1, or 0 if there is none. */
void
rg_session_hash(const void *data, size_t len, uint8_t *out)
{
	unsigned int	olen;

	olen = RG_SESSION_HASH_LEN;
	if (!EVP_Digest(data, len, out, &olen, EVP_sha256(), NULL) ||
	    olen != RG_SESSION_HASH_LEN)
		fatal("roachgate: SHA-256 failed");
}

/* Length of s without trailing blanks, as Go's textproto trims values. */
size_t
rg_session_trim(const char *s)
{
	size_t		len;

	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;

	return (len);
}

int
rg_session_post_only(struct http_request *req)
{
	if (req->method == HTTP_METHOD_POST)
		return (0);

	http_response_header(req, "allow", "POST");
	rg_respond_error(req, HTTP_STATUS_METHOD_NOT_ALLOWED,
	    "method not allowed");
	return (1);
}

static int
auth_start(struct http_request *req, struct rg_ctx *ctx)
{
	struct auth_state	*st;
	struct rg_query		*q;
	uint8_t			 secret[RG_TOKEN_SECRET_MAX];
	size_t			 slen;
	int64_t			 id;
	int			 r;

	if ((r = auth_token(req, &id, secret, &slen)) != 0) {
		rg_respond_error(req, r, "invalid session header");
		return (auth_done(ctx, KORE_RESULT_ERROR));
	}

	kore_free(ctx->ep);
	ctx->ep = st = kore_calloc(1, sizeof(*st));
	(void)snprintf(st->id, sizeof(st->id), "%lld", (long long)id);
	rg_session_hash(secret, slen, st->hash);
	OPENSSL_cleanse(secret, sizeof(secret));

	ctx->fan.n = 1;
	q = &ctx->fan.q[0];
	rg_query_prepare(q, rg_session_node(), lookup_sql);
	rg_query_param(q, st->id, -1, 0);
	rg_query_param(q, rg_cfg.admin_role, -1, 0);
	rg_fanout_start(&ctx->fan, req, rg_cfg.node_timeout_ms);

	ctx->auth_phase = AUTH_WAIT;
	return (auth_finish(req, ctx));
}

static int
auth_finish(struct http_request *req, struct rg_ctx *ctx)
{
	struct auth_state	*st = ctx->ep;
	struct rg_query		*q = &ctx->fan.q[0];
	struct rg_buf		 stored;
	const char		*v;
	int			 ok;

	if (!rg_fanout_poll(&ctx->fan))
		return (KORE_RESULT_RETRY);

	if (q->state != RG_Q_DONE) {
		rg_respond_internal(req, "session lookup on n%d: %s",
		    rg_cfg.primary, q->error != NULL ? q->error : "failed");
		return (auth_done(ctx, KORE_RESULT_ERROR));
	}

	ok = 0;
	if (rg_query_rows(q) == 1 && !rg_query_isnull(q, 0, 0)) {
		rg_buf_init(&stored);
		v = rg_query_value(q, 0, 0, NULL);
		ok = rg_bytea_decode(v, &stored) == 0 &&
		    stored.len == sizeof(st->hash) &&
		    rg_ct_equal(stored.data, st->hash, sizeof(st->hash)) &&
		    strcmp(rg_query_value(q, 0, 2, NULL), "t") == 0;
		rg_buf_free(&stored);
	}
	if (!ok) {
		rg_respond_error(req, HTTP_STATUS_UNAUTHORIZED,
		    "the provided authentication session could not be "
		    "validated");
		return (auth_done(ctx, KORE_RESULT_ERROR));
	}

	(void)snprintf(ctx->username, sizeof(ctx->username), "%s",
	    rg_query_value(q, 0, 1, NULL));
	st->admin = strcmp(rg_query_value(q, 0, 3, NULL), "t") == 0;

	if (strcmp(rg_query_value(q, 0, 4, NULL), "t") != 0)
		return (auth_verdict(req, ctx));

	rg_query_prepare(q, rg_session_node(), touch_sql);
	rg_query_param(q, st->id, -1, 0);
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

	if (!st->admin && !ctx->login_only) {
		rg_respond_error(req, HTTP_STATUS_FORBIDDEN,
		    "user not allowed to access this endpoint");
		return (auth_done(ctx, KORE_RESULT_ERROR));
	}

	return (auth_done(ctx, KORE_RESULT_OK));
}

/* One exit: the handler gets a clean fan-out and no endpoint state. */
static int
auth_done(struct rg_ctx *ctx, int result)
{
	rg_fanout_cleanup(&ctx->fan);
	kore_free(ctx->ep);
	ctx->ep = NULL;
	ctx->auth_phase = AUTH_DONE;

	return (result);
}

/*
 * The session named by the request: 0, or the status to answer with
 * "invalid session header" (401 when absent, 400 when undecodable).
 */
static int
auth_token(struct http_request *req, int64_t *id, uint8_t *secret,
    size_t *slen)
{
	const char	*hdr;
	size_t		 len;

	/* Kore strips leading blanks; Go also strips trailing ones. */
	len = 0;
	if (http_request_header(req, RG_SESSION_HEADER, &hdr))
		len = rg_session_trim(hdr);
	if (len == 0)
		return (HTTP_STATUS_UNAUTHORIZED);

	if (len == 6 && memcmp(hdr, "cookie", 6) == 0) {
		if (auth_cookie(req, id, secret, slen) == -1)
			return (HTTP_STATUS_BAD_REQUEST);
		return (0);
	}

	if (rg_token_decode(hdr, len, id, secret, slen) == -1)
		return (HTTP_STATUS_BAD_REQUEST);

	return (0);
}

/*
 * The first `session` cookie that decodes, over every Cookie header, as
 * Go's Request.Cookies() and CockroachDB's FindAndDecodeSessionCookie
 * read them.  Kore's own cookie parser cannot be used: it drops any
 * value that contains '=', which is base64 padding.
 */
static int
auth_cookie(struct http_request *req, int64_t *id, uint8_t *secret,
    size_t *slen)
{
	struct http_header	*hdr;

	TAILQ_FOREACH(hdr, &req->req_headers, list) {
		if (strcasecmp(hdr->header, "cookie") != 0)
			continue;
		if (auth_cookie_line(hdr->value, id, secret, slen) == 0)
			return (0);
	}

	return (-1);
}

static int
auth_cookie_line(const char *line, int64_t *id, uint8_t *secret,
    size_t *slen)
{
	const char	*part, *end, *val, *vend, *p;
	size_t		 nlen;

	for (part = line; *part != '\0'; part = end + (*end == ';')) {
		if ((end = strchr(part, ';')) == NULL)
			end = part + strlen(part);
		/* textproto.TrimString: ASCII blanks at both ends. */
		while (part < end && (*part == ' ' || *part == '\t'))
			part++;
		vend = end;
		while (vend > part && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;

		nlen = sizeof(RG_SESSION_COOKIE) - 1;
		if ((size_t)(vend - part) <= nlen ||
		    memcmp(part, RG_SESSION_COOKIE, nlen) != 0 ||
		    part[nlen] != '=')
			continue;

		val = part + nlen + 1;
		if (vend - val > 1 && val[0] == '"' && vend[-1] == '"') {
			val++;
			vend--;
		}
		for (p = val; p < vend; p++) {
			if (*p < 0x20 || *p >= 0x7f || *p == '"' ||
			    *p == '\\')
				break;
		}
		if (p != vend)
			continue;

		if (rg_token_decode(val, (size_t)(vend - val), id, secret,
		    slen) == 0)
			return (0);
	}

	return (-1);
}
