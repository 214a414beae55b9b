/*
 * POST /api/v2/login/ (src/REFERENCE.md, "Login, logout and sessions").
 *
 * The primary decides whether the credentials are good: roachgate opens
 * a short connection to it as that user, so SCRAM, pg_hba, NOLOGIN,
 * VALID UNTIL and CONNECT privileges are all PostgreSQL's to enforce,
 * and roachgate never sees a password hash.  The connection uses
 * libpq's non-blocking connect driven by Kore's event loop: the socket
 * is registered with epoll as PQconnectPoll asks, a Kore timer bounds
 * the whole attempt, and the request sleeps meanwhile.  Unknown users
 * cost what known ones do because PostgreSQL runs a mock SCRAM exchange
 * for them.  On success a session row is created and its token sent.
 *
 * Failed attempts are throttled per user name and per client address
 * (throttle.c); every worker is told of each failure and success, so
 * they all agree.
 */

#include <sys/socket.h>
#include <sys/epoll.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "roachgate.h"
#include "json.h"
#include "qs.h"
#include "session.h"
#include "throttle.h"
#include "token.h"

#define LOGIN_EVENT_TYPE	0x52	/* ours, not one of Kore's types */

#define CONN_PENDING	0
#define CONN_OK		1
#define CONN_DENIED	2	/* the primary refused these credentials */
#define CONN_ERROR	3	/* the primary could not be asked */
#define CONN_TIMEOUT	4

#define LOGIN_DSN_MAX	8

#define MSG_DENIED	"the provided credentials did not match any " \
			"account on the server"

int	rg_login(struct http_request *);

struct login {
	struct kore_event	evt;		/* first: epoll hands us &evt */
	struct http_request	*req;
	PGconn			*conn;
	struct kore_timer	*timer;
	int			result;
	char			user[64];
	char			addr[48];
	char			why[256];	/* libpq's error, for the log */
	uint8_t			secret[RG_SESSION_SECRET_LEN];
	uint8_t			hash[RG_SESSION_HASH_LEN];
	char			lifetime[24];
	struct rg_fanout	fan;
};

static int	login_start(struct http_request *);
static int	login_connected(struct http_request *);
static int	login_created(struct http_request *);

static struct http_state	states[] = {
	KORE_HTTP_STATE(login_start),
	KORE_HTTP_STATE(login_connected),
	KORE_HTTP_STATE(login_created),
};

#define LOGIN_CONNECTED		1
#define LOGIN_CREATED		2

static int	login_form(struct http_request *, struct rg_buf *,
		    struct rg_buf *);
static int	login_form_type(struct http_request *, size_t);
static int	login_form_ok(const char *);
static int	login_field(struct http_request *, const char *,
		    const char *, struct rg_buf *);
static int	login_valid(struct http_request *, const char *,
		    struct rg_buf *);
static void	login_addr(struct http_request *, char *, size_t);
static int	login_throttled(struct http_request *, struct login *);
static void	login_connect(struct login *, const char *);
static void	login_poll(struct login *);
static void	login_schedule(struct login *, PostgresPollingStatusType);
static void	login_finish(struct login *, int);
static void	login_close(struct login *);
static int	login_classify(const char *);
static void	login_event(void *, int);
static void	login_timeout(void *, u_int64_t);
static void	login_free(struct http_request *);
static int	login_denied(struct http_request *, struct login *);
static void	login_record(const struct rg_login_msg *, int);
static void	login_broadcast(struct login *, u_int8_t, int);
static void	login_msg(struct kore_msg *, const void *);

static const char	insert_sql[] =
    "INSERT INTO roachgate.web_sessions (\"hashedSecret\", username,"
    " \"expiresAt\") VALUES ($1, $2, now() + make_interval(secs => $3))"
    " RETURNING id";

/* Where the primary is, from its connection string, without secrets. */
static const char	*dsn_keys[LOGIN_DSN_MAX];
static const char	*dsn_vals[LOGIN_DSN_MAX];
static int		 dsn_n;
static int		 dsn_sslmode;

static struct rg_throttle	throttle;

void
rg_login_init(void)
{
	static const char	*keep[] = { "host", "hostaddr", "port",
				    "dbname", "sslmode" };
	PQconninfoOption	*opts, *o;
	const struct rg_node	*node;
	char			*err;
	size_t			 i;

	node = rg_config_node(&rg_cfg, rg_cfg.primary);
	err = NULL;
	/* Its error text may quote the string, password and all: not shown. */
	if ((opts = PQconninfoParse(node->dsn, &err)) == NULL)
		fatal("roachgate: cannot parse the primary's connection string");
	PQfreemem(err);

	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		for (i = 0; i < RG_NITEMS(keep); i++) {
			if (strcmp(o->keyword, keep[i]) != 0 ||
			    dsn_n == LOGIN_DSN_MAX)
				continue;
			if (strcmp(o->keyword, "sslmode") == 0)
				dsn_sslmode = 1;
			dsn_keys[dsn_n] = keep[i];
			dsn_vals[dsn_n++] = kore_strdup(o->val);
		}
	}
	PQconninfoFree(opts);

	if (rg_throttle_init(&throttle, RG_THROTTLE_SIZE,
	    (uint32_t)rg_cfg.throttle_after, (uint64_t)rg_cfg.throttle_base_ms,
	    (uint64_t)rg_cfg.throttle_max_ms) == -1)
		fatal("roachgate: bad login throttle settings");

	if (!kore_msg_register(RG_MSG_LOGIN_FAIL, login_msg) ||
	    !kore_msg_register(RG_MSG_LOGIN_OK, login_msg))
		fatal("roachgate: cannot register the login messages");
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

	if (login_form(req, &user, &pass) == -1)
		goto out;

	l = http_state_create(req, sizeof(*l), login_free);
	l->req = req;
	l->evt.type = LOGIN_EVENT_TYPE;
	l->evt.handle = login_event;
	login_addr(req, l->addr, sizeof(l->addr));

	/* What fails kore.conf's validators cannot be a role: refused. */
	if (user.len >= sizeof(l->user) ||
	    !login_valid(req, "v_username", &user) ||
	    !login_valid(req, "v_password", &pass)) {
		(void)snprintf(l->user, sizeof(l->user), "%s", "(invalid)");
		l->result = CONN_DENIED;
	} else {
		memcpy(l->user, user.data, user.len + 1);
	}

	if (login_throttled(req, l))
		goto out;

	if (l->result == CONN_PENDING && pass.len == 0)
		l->result = CONN_DENIED;
	if (l->result == CONN_PENDING)
		login_connect(l, rg_buf_cstr(&pass));

	req->fsm_state = LOGIN_CONNECTED;
	if (l->result == CONN_PENDING) {
		http_request_sleep(req);
		next = HTTP_STATE_RETRY;
	} else {
		next = HTTP_STATE_CONTINUE;
	}

out:
	if (pass.data != NULL)
		OPENSSL_cleanse(pass.data, pass.cap);
	rg_buf_free(&pass);
	rg_buf_free(&user);
	return (next);
}

static int
login_connected(struct http_request *req)
{
	struct login	*l = http_state_get(req);
	struct rg_query	*q;

	switch (l->result) {
	case CONN_PENDING:
		http_request_sleep(req);
		return (HTTP_STATE_RETRY);
	case CONN_OK:
		break;
	case CONN_DENIED:
		return (login_denied(req, l));
	case CONN_TIMEOUT:
		rg_respond_internal(req, "login: no answer from n%d within "
		    "%lld ms", rg_cfg.primary,
		    (long long)rg_cfg.login_timeout_ms);
		return (HTTP_STATE_COMPLETE);
	default:
		rg_respond_internal(req, "login: n%d: %s", rg_cfg.primary,
		    l->why);
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
	rg_query_prepare(q, rg_config_node(&rg_cfg, rg_cfg.primary),
	    insert_sql);
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

	login_broadcast(l, RG_MSG_LOGIN_OK, 1);
	kore_log(LOG_INFO, "login: %s from %s", l->user, l->addr);
	rg_respond_json(req, HTTP_STATUS_OK, &body);

	OPENSSL_cleanse(tok.data, tok.cap);
	OPENSSL_cleanse(body.data, body.cap);
	rg_buf_free(&tok);
	rg_buf_free(&body);
	return (HTTP_STATE_COMPLETE);
}

static int
login_denied(struct http_request *req, struct login *l)
{
	login_broadcast(l, RG_MSG_LOGIN_FAIL, 0);
	kore_log(LOG_NOTICE, "login failed: %s from %s", l->user, l->addr);
	rg_respond_error(req, HTTP_STATUS_UNAUTHORIZED, MSG_DENIED);
	return (HTTP_STATE_COMPLETE);
}

/*
 * The form as Go's Request.ParseForm builds it (body values first, then
 * the query string's): 0 with username and password, or -1 after an
 * error response.  Unlike CockroachDB, a malformed form is a 400 (not a
 * 500) and a body that is not a form is refused instead of ignored.
 */
static int
login_form(struct http_request *req, struct rg_buf *user,
    struct rg_buf *pass)
{
	struct rg_buf	 body;
	char		 data[BUFSIZ];
	const char	*form;
	ssize_t		 r;
	int		 status;

	rg_buf_init(&body);
	status = -1;

	for (;;) {
		if ((r = http_body_read(req, data, sizeof(data))) == -1) {
			rg_respond_internal(req, "login: cannot read the body");
			goto out;
		}
		if (r == 0)
			break;
		rg_buf_append(&body, data, (size_t)r);
	}
	OPENSSL_cleanse(data, sizeof(data));

	if (!login_form_type(req, body.len)) {
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "unsupported content type: the login form must be sent as "
		    "application/x-www-form-urlencoded");
		goto out;
	}

	form = rg_buf_cstr(&body);
	if (strlen(form) != body.len || !login_form_ok(form) ||
	    !login_form_ok(req->query_string)) {
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "malformed form data");
		goto out;
	}

	if (!login_field(req, form, "username", user) || user->len == 0) {
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "username not specified");
		goto out;
	}
	(void)login_field(req, form, "password", pass);
	status = 0;

out:
	if (body.data != NULL)
		OPENSSL_cleanse(body.data, body.cap);
	rg_buf_free(&body);
	return (status);
}

/* The body is a form, or there is none (query-string credentials). */
static int
login_form_type(struct http_request *req, size_t bodylen)
{
	static const char	 form[] = "application/x-www-form-urlencoded";
	const char		*ct, *end;
	size_t			 len;

	if (!http_request_header(req, "content-type", &ct))
		return (bodylen == 0);

	if ((end = strchr(ct, ';')) == NULL)
		end = ct + strlen(ct);
	while (end > ct && isspace((unsigned char)end[-1]))
		end--;
	len = (size_t)(end - ct);

	return (len == sizeof(form) - 1 && strncasecmp(ct, form, len) == 0);
}

/* url.ParseQuery would succeed: no ';', every escape valid. */
static int
login_form_ok(const char *qs)
{
	struct rg_buf	 tmp;
	const char	*pair, *end;
	int		 ok;

	if (qs == NULL)
		return (1);

	rg_buf_init(&tmp);
	ok = 1;
	for (pair = qs; ok && *pair != '\0'; pair = end + (*end == '&')) {
		if ((end = strchr(pair, '&')) == NULL)
			end = pair + strlen(pair);
		rg_buf_reset(&tmp);
		if (memchr(pair, ';', (size_t)(end - pair)) != NULL ||
		    rg_qs_unescape(pair, (size_t)(end - pair), &tmp) == -1)
			ok = 0;
	}
	if (tmp.data != NULL)
		OPENSSL_cleanse(tmp.data, tmp.cap);
	rg_buf_free(&tmp);

	return (ok);
}

static int
login_field(struct http_request *req, const char *form, const char *name,
    struct rg_buf *out)
{
	if (rg_qs_get(form, name, out))
		return (1);

	return (rg_qs_get(req->query_string, name, out));
}

/* The value passes its kore.conf validator (and holds no NUL). */
static int
login_valid(struct http_request *req, const char *validator,
    struct rg_buf *val)
{
	char	*s;

	s = (char *)rg_buf_cstr(val);
	if (strlen(s) != val->len)
		return (0);

	return (kore_validator_run(req, validator, s) == KORE_RESULT_OK);
}

/* The client's address; IPv6 clients are counted per /64. */
static void
login_addr(struct http_request *req, char *out, size_t len)
{
	struct connection	*c = req->owner;
	struct in6_addr		 a6;

	(void)snprintf(out, len, "%s", "local");
	if (c == NULL)
		return;

	switch (c->family) {
	case AF_INET:
		(void)inet_ntop(AF_INET, &c->addr.ipv4.sin_addr, out, len);
		break;
	case AF_INET6:
		a6 = c->addr.ipv6.sin6_addr;
		memset(&a6.s6_addr[8], 0, 8);
		(void)inet_ntop(AF_INET6, &a6, out, len);
		break;
	}
}

static int
login_throttled(struct http_request *req, struct login *l)
{
	char		key[RG_THROTTLE_KEY_MAX], secs[24];
	uint64_t	now, wait, w;

	now = kore_time_ms();
	(void)snprintf(key, sizeof(key), "u:%s", l->user);
	wait = rg_throttle_wait(&throttle, key, now);
	(void)snprintf(key, sizeof(key), "a:%s", l->addr);
	if ((w = rg_throttle_wait(&throttle, key, now)) > wait)
		wait = w;

	if (wait == 0)
		return (0);

	(void)snprintf(secs, sizeof(secs), "%llu",
	    (unsigned long long)((wait + 999) / 1000));
	http_response_header(req, "retry-after", secs);
	rg_respond_error(req, 429, "too many failed login attempts");
	return (1);
}

static void
login_connect(struct login *l, const char *password)
{
	const char	*keys[LOGIN_DSN_MAX + 8], *vals[LOGIN_DSN_MAX + 8];
	int		 n;

	for (n = 0; n < dsn_n; n++) {
		keys[n] = dsn_keys[n];
		vals[n] = dsn_vals[n];
	}
	keys[n] = "user";
	vals[n++] = l->user;
	keys[n] = "password";
	vals[n++] = password;
	if (!dsn_sslmode) {
		keys[n] = "sslmode";
		vals[n++] = "disable";
	}
	keys[n] = "gssencmode";
	vals[n++] = "disable";
	keys[n] = "application_name";
	vals[n++] = "roachgate-login";
	keys[n] = NULL;
	vals[n] = NULL;

	if ((l->conn = PQconnectStartParams(keys, vals, 0)) == NULL) {
		login_finish(l, CONN_ERROR);
		return;
	}
	/* Errors then carry the SQLSTATE, whatever the server's language. */
	PQsetErrorVerbosity(l->conn, PQERRORS_VERBOSE);

	if (PQstatus(l->conn) == CONNECTION_BAD) {
		login_finish(l, login_classify(PQerrorMessage(l->conn)));
		return;
	}

	l->timer = kore_timer_add(login_timeout,
	    (u_int64_t)rg_cfg.login_timeout_ms, l, KORE_TIMER_ONESHOT);
	login_schedule(l, PGRES_POLLING_WRITING);
}

static void
login_event(void *arg, int error)
{
	(void)error;
	login_poll(arg);
}

static void
login_poll(struct login *l)
{
	PostgresPollingStatusType	r;

	if (l->conn == NULL || l->result != CONN_PENDING)
		return;

	switch ((r = PQconnectPoll(l->conn))) {
	case PGRES_POLLING_READING:
	case PGRES_POLLING_WRITING:
		login_schedule(l, r);
		break;
	case PGRES_POLLING_OK:
		/* A trust or peer line would let any password in. */
		if (!PQconnectionUsedPassword(l->conn)) {
			kore_log(LOG_ERR, "login: the primary's pg_hba.conf "
			    "does not ask %s for a password: refused", l->user);
			login_finish(l, CONN_DENIED);
		} else {
			login_finish(l, CONN_OK);
		}
		break;
	default:
		login_finish(l, login_classify(PQerrorMessage(l->conn)));
		break;
	}
}

/*
 * (Re)register libpq's socket for what PQconnectPoll waits for.  libpq
 * may switch sockets between addresses; the old one is closed by then,
 * which removed it from epoll, and Kore's schedule adds or modifies.
 */
static void
login_schedule(struct login *l, PostgresPollingStatusType want)
{
	int		fd;

	if ((fd = PQsocket(l->conn)) == -1) {
		login_finish(l, CONN_ERROR);
		return;
	}

	kore_platform_event_schedule(fd, want == PGRES_POLLING_READING ?
	    EPOLLIN | EPOLLRDHUP : EPOLLOUT, 0, l);
}

static void
login_finish(struct login *l, int result)
{
	const char	*msg;
	size_t		 i;

	l->result = result;
	if (result == CONN_ERROR) {
		msg = l->conn != NULL ? PQerrorMessage(l->conn) : "out of memory";
		(void)snprintf(l->why, sizeof(l->why), "%s", msg);
		for (i = 0; l->why[i] != '\0'; i++) {
			if (l->why[i] == '\n' || l->why[i] == '\t')
				l->why[i] = ' ';
		}
	}

	login_close(l);
	http_request_wakeup(l->req);
}

/*
 * PQfinish closes the socket, and closing drops it from epoll.  Only
 * called outside of Kore's event dispatch for other descriptors, or
 * from our own handler, so no queued event can reach a freed login.
 */
static void
login_close(struct login *l)
{
	if (l->timer != NULL) {
		kore_timer_remove(l->timer);
		l->timer = NULL;
	}
	if (l->conn != NULL) {
		PQfinish(l->conn);
		l->conn = NULL;
	}
}

/*
 * SQLSTATE class 28 (bad password, unknown or NOLOGIN role, no pg_hba
 * line) and 42501 (no CONNECT privilege) mean "not these credentials".
 * Anything else (refused, too many clients, shutting down, no such
 * database) is the server's problem.  Expired passwords are class 28:
 * PostgreSQL tells the client no more than "authentication failed".
 */
static int
login_classify(const char *msg)
{
	const char	*p, *c;
	int		 i;

	for (p = msg; (p = strstr(p, ":  ")) != NULL; p++) {
		c = p + 3;
		for (i = 0; i < 5; i++) {
			if (!isdigit((unsigned char)c[i]) &&
			    !isupper((unsigned char)c[i]))
				break;
		}
		if (i != 5 || c[5] != ':')
			continue;
		if (c[0] == '2' && c[1] == '8')
			return (CONN_DENIED);
		if (strncmp(c, "42501", 5) == 0)
			return (CONN_DENIED);
		return (CONN_ERROR);
	}

	return (CONN_ERROR);
}

static void
login_timeout(void *arg, u_int64_t now)
{
	struct login	*l = arg;

	(void)now;
	l->timer = NULL;	/* Kore frees a oneshot timer itself. */
	if (l->result == CONN_PENDING)
		login_finish(l, CONN_TIMEOUT);
}

static void
login_free(struct http_request *req)
{
	struct login	*l;

	if ((l = http_state_get(req)) == NULL)
		return;

	login_close(l);
	rg_fanout_cleanup(&l->fan);
	OPENSSL_cleanse(l->secret, sizeof(l->secret));
}

/* Apply a failure or success here, then tell the other workers. */
static void
login_broadcast(struct login *l, u_int8_t id, int ok)
{
	struct rg_login_msg	m;

	memset(&m, 0, sizeof(m));
	m.at = kore_time_ms();
	(void)snprintf(m.user, sizeof(m.user), "%s", l->user);
	(void)snprintf(m.addr, sizeof(m.addr), "%s", l->addr);

	login_record(&m, ok);
	kore_msg_send(KORE_MSG_WORKER_ALL, id, &m, sizeof(m));
}

static void
login_record(const struct rg_login_msg *m, int ok)
{
	char		ukey[RG_THROTTLE_KEY_MAX], akey[RG_THROTTLE_KEY_MAX];

	(void)snprintf(ukey, sizeof(ukey), "u:%s", m->user);
	(void)snprintf(akey, sizeof(akey), "a:%s", m->addr);

	if (ok) {
		rg_throttle_reset(&throttle, ukey);
		rg_throttle_reset(&throttle, akey);
	} else {
		rg_throttle_fail(&throttle, ukey, m->at);
		rg_throttle_fail(&throttle, akey, m->at);
	}
}

static void
login_msg(struct kore_msg *msg, const void *data)
{
	struct rg_login_msg	m;

	/* Our own broadcast comes back too: already applied. */
	if (msg->src == worker->id || msg->length != sizeof(m))
		return;

	memcpy(&m, data, sizeof(m));
	m.user[sizeof(m.user) - 1] = '\0';
	m.addr[sizeof(m.addr) - 1] = '\0';
	login_record(&m, msg->id == RG_MSG_LOGIN_OK);
}
