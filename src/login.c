/*
 * POST /api/v2/login/ (src/REFERENCE.md, "Login, logout and sessions").
 *
 * The primary decides whether the credentials are good (login_conn.c);
 * throttling and admission decide who may try, and when (login_admit.c).
 * The password waits in the request's state, at most until the check
 * starts, and is cleansed then.  On success a session row is created and
 * its token sent.
 */

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdlib.h>
#include <string.h>

#include "roachgate.h"
#include "json.h"
#include "login.h"
#include "reqstats.h"
#include "session.h"
#include "token.h"

#define MSG_DENIED	"the provided credentials did not match any " \
			"account on the server"

int	rg_login(struct http_request *);

struct login {
	struct rg_login_conn	pg;
	struct http_request	*req;
	char			user[RG_LOGIN_USER_MAX];
	char			addr[RG_LOGIN_ADDR_MAX];
	char			pass[RG_LOGIN_PASS_MAX + 1];
	uint64_t		since;
	uint64_t		t0;		/* reqstats.c */
	int			admitted;
	uint8_t			secret[RG_SESSION_SECRET_LEN];
	uint8_t			hash[RG_SESSION_HASH_LEN];
	char			lifetime[24];
	struct rg_fanout	fan;
};

static int	login_start(struct http_request *);
static int	login_admit(struct http_request *);
static int	login_connected(struct http_request *);
static int	login_created(struct http_request *);

static struct http_state	states[] = {
	KORE_HTTP_STATE(login_start),
	KORE_HTTP_STATE(login_admit),
	KORE_HTTP_STATE(login_connected),
	KORE_HTTP_STATE(login_created),
};

#define LOGIN_ADMIT		1
#define LOGIN_CONNECTED		2
#define LOGIN_CREATED		3

static void	login_release(struct login *);
static int	login_denied(struct http_request *, struct login *);
static void	login_wakeup(void *);
static void	login_free(struct http_request *);

static const char	insert_sql[] =
    "INSERT INTO roachgate.web_sessions (\"hashedSecret\", username,"
    " \"expiresAt\") VALUES ($1, $2, now() + make_interval(secs => $3))"
    " RETURNING id";

void
rg_login_init(void)
{
	rg_login_conn_init();
	rg_login_admit_init();
}

int
rg_login(struct http_request *req)
{
	return (http_state_run(states, RG_NITEMS(states), req));
}

static int
login_start(struct http_request *req)
{
	struct login	*l;
	struct rg_buf	 user, pass;
	int		 next;

	if (rg_session_post_only(req))
		return (HTTP_STATE_COMPLETE);

	rg_buf_init(&user);
	rg_buf_init(&pass);
	next = HTTP_STATE_COMPLETE;

	if (rg_login_form(req, &user, &pass) == -1)
		goto out;

	l = http_state_create(req, sizeof(*l), login_free);
	rg_fanout_init(&l->fan, 1);
	l->req = req;
	l->since = kore_time_ms();
	l->t0 = rg_reqstats_now_us();
	rg_login_addr(req, l->addr, sizeof(l->addr));

	/* What fails kore.conf's validators cannot be a role: refused. */
	if (user.len >= sizeof(l->user) || pass.len >= sizeof(l->pass) ||
	    !rg_login_valid(req, "v_username", &user) ||
	    !rg_login_valid(req, "v_password", &pass)) {
		(void)snprintf(l->user, sizeof(l->user), "%s", "(invalid)");
		l->pg.result = RG_LOGIN_DENIED;
	} else {
		memcpy(l->user, user.data, user.len + 1);
		memcpy(l->pass, pass.data, pass.len + 1);
	}
	if (pass.len == 0)
		l->pg.result = RG_LOGIN_DENIED;

	req->fsm_state = LOGIN_ADMIT;
	next = HTTP_STATE_CONTINUE;

out:
	if (pass.data != NULL)
		OPENSSL_cleanse(pass.data, pass.cap);
	rg_buf_free(&pass);
	rg_buf_free(&user);
	return (next);
}

/* Refused logins that need no check still answer 429 when blocked. */
static int
login_admit(struct http_request *req)
{
	struct login	*l = http_state_get(req);
	int		 check;

	check = l->pg.result == RG_LOGIN_PENDING;
	switch (rg_login_admit(req, l->user, l->addr, l->since, check)) {
	case RG_ADMIT_WAIT:
		http_request_sleep(req);
		return (HTTP_STATE_RETRY);
	case RG_ADMIT_REFUSED:
		return (HTTP_STATE_COMPLETE);
	}

	req->fsm_state = LOGIN_CONNECTED;
	if (!check)
		return (HTTP_STATE_CONTINUE);

	l->admitted = 1;
	rg_login_conn_start(&l->pg, l->user, l->pass, login_wakeup, req);
	OPENSSL_cleanse(l->pass, sizeof(l->pass));
	if (l->pg.result != RG_LOGIN_PENDING)
		return (HTTP_STATE_CONTINUE);

	http_request_sleep(req);
	return (HTTP_STATE_RETRY);
}

static int
login_connected(struct http_request *req)
{
	struct login	*l = http_state_get(req);
	struct rg_query	*q;

	if (l->pg.result == RG_LOGIN_PENDING) {
		http_request_sleep(req);
		return (HTTP_STATE_RETRY);
	}
	if (l->pg.result == RG_LOGIN_DENIED)
		return (login_denied(req, l));
	login_release(l);

	switch (l->pg.result) {
	case RG_LOGIN_OK:
		break;
	case RG_LOGIN_TIMEOUT:
		rg_respond_internal(req, "login: no answer from n%d within "
		    "%lld ms", rg_cfg.primary,
		    (long long)rg_cfg.login_timeout_ms);
		return (HTTP_STATE_COMPLETE);
	default:
		rg_respond_internal(req, "login: n%d: %s", rg_cfg.primary,
		    l->pg.why);
		return (HTTP_STATE_COMPLETE);
	}

	if (RAND_bytes(l->secret, sizeof(l->secret)) != 1) {
		rg_respond_internal(req, "login: RAND_bytes failed");
		return (HTTP_STATE_COMPLETE);
	}
	rg_session_hash(l->secret, sizeof(l->secret), l->hash);
	(void)snprintf(l->lifetime, sizeof(l->lifetime), "%lld",
	    (long long)rg_cfg.session_lifetime);

	l->fan.n = 1;
	q = &l->fan.q[0];
	rg_query_prepare(q, &rg_cfg.sessions, insert_sql);
	rg_query_param(q, l->hash, sizeof(l->hash), 1);
	rg_query_param(q, l->user, -1, 0);
	rg_query_param(q, l->lifetime, -1, 0);
	rg_fanout_start(&l->fan, req, rg_cfg.node_timeout_ms);

	req->fsm_state = LOGIN_CREATED;
	return (HTTP_STATE_CONTINUE);
}

static int
login_created(struct http_request *req)
{
	struct login	*l = http_state_get(req);
	struct rg_query	*q = &l->fan.q[0];
	struct rg_buf	 tok, body;
	struct rg_json	 j;
	int64_t		 id;

	if (!rg_fanout_poll(&l->fan))
		return (HTTP_STATE_RETRY);

	if (q->state != RG_Q_DONE || rg_query_rows(q) != 1) {
		rg_respond_internal(req, "login: creating the session: %s",
		    q->error != NULL ? q->error : "no row");
		return (HTTP_STATE_COMPLETE);
	}
	id = strtoll(rg_query_value(q, 0, 0, NULL), NULL, 10);

	rg_buf_init(&tok);
	rg_buf_init(&body);
	(void)rg_token_encode(id, l->secret, sizeof(l->secret), &tok);
	OPENSSL_cleanse(l->secret, sizeof(l->secret));

	rg_json_init(&j, &body);
	rg_json_object_open(&j, NULL);
	rg_json_stringn(&j, "session", (const char *)tok.data, tok.len);
	rg_json_object_close(&j);

	rg_login_outcome(l->user, l->addr, 1);
	kore_log(LOG_INFO, "login: %s from %s", l->user, l->addr);
	/* The web console asks for the cookie (cookie.c). */
	if (rg_session_cookie_mode(req))
		rg_session_set_cookie(req, tok.data, tok.len);
	rg_respond_json(req, HTTP_STATUS_OK, &body);

	OPENSSL_cleanse(tok.data, tok.cap);
	OPENSSL_cleanse(body.data, body.cap);
	rg_buf_free(&tok);
	rg_buf_free(&body);
	return (HTTP_STATE_COMPLETE);
}

/* The check is over: its slot and keys are free for waiters. */
static void
login_release(struct login *l)
{
	rg_login_release(l->req, l->user, l->addr, l->admitted);
	l->admitted = 0;
}

/* The failure is recorded before the release, so waiters see it. */
static int
login_denied(struct http_request *req, struct login *l)
{
	rg_login_outcome(l->user, l->addr, 0);
	login_release(l);
	kore_log(LOG_NOTICE, "login failed: %s from %s", l->user, l->addr);
	rg_respond_error(req, HTTP_STATUS_UNAUTHORIZED, MSG_DENIED);
	return (HTTP_STATE_COMPLETE);
}

static void
login_wakeup(void *arg)
{
	http_request_wakeup(arg);
}

static void
login_free(struct http_request *req)
{
	struct login	*l;

	if ((l = http_state_get(req)) == NULL)
		return;

	rg_reqstats_done(req, l->t0);
	rg_login_conn_close(&l->pg);
	login_release(l);
	rg_fanout_free(&l->fan);
	OPENSSL_cleanse(l->pass, sizeof(l->pass));
	OPENSSL_cleanse(l->secret, sizeof(l->secret));
}
