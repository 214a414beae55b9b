/*
 * The password check of a login: a short connection to the primary as
 * that user, so SCRAM, pg_hba, NOLOGIN, VALID UNTIL and CONNECT
 * privileges are all PostgreSQL's to enforce, and roachgate never sees
 * a password hash.  libpq's non-blocking connect is driven by Kore's
 * event loop: the socket is registered with epoll as PQconnectPoll
 * asks, a Kore timer bounds the whole attempt, and the caller sleeps
 * meanwhile.  Unknown users cost what known ones do because PostgreSQL
 * runs a mock SCRAM exchange for them.
 */

#include <sys/epoll.h>

#include <ctype.h>
#include <string.h>

#include "roachgate.h"
#include "login.h"

#define LOGIN_EVENT_TYPE	0x52	/* ours, not one of Kore's types */
#define LOGIN_DSN_MAX		8

static void	conn_poll(struct rg_login_conn *);
static void	conn_schedule(struct rg_login_conn *,
		    PostgresPollingStatusType);
static void	conn_finish(struct rg_login_conn *, int);
static int	conn_classify(const char *);
static void	conn_event(void *, int);
static void	conn_timeout(void *, u_int64_t);

/* Where the primary is, from its connection string, without secrets. */
static const char	*dsn_keys[LOGIN_DSN_MAX];
static const char	*dsn_vals[LOGIN_DSN_MAX];
static int		 dsn_n;
static int		 dsn_sslmode;

void
rg_login_conn_init(void)
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
}

/* Starts the check; done(arg) runs once c->result is no longer pending. */
void
rg_login_conn_start(struct rg_login_conn *c, const char *user,
    const char *password, void (*done)(void *), void *arg)
{
	const char	*keys[LOGIN_DSN_MAX + 8], *vals[LOGIN_DSN_MAX + 8];
	int		 n;

	c->evt.type = LOGIN_EVENT_TYPE;
	c->evt.handle = conn_event;
	c->user = user;
	c->done = done;
	c->arg = arg;
	c->result = RG_LOGIN_PENDING;

	for (n = 0; n < dsn_n; n++) {
		keys[n] = dsn_keys[n];
		vals[n] = dsn_vals[n];
	}
	keys[n] = "user";
	vals[n++] = user;
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

	if ((c->conn = PQconnectStartParams(keys, vals, 0)) == NULL) {
		conn_finish(c, RG_LOGIN_ERROR);
		return;
	}
	/* Errors then carry the SQLSTATE, whatever the server's language. */
	PQsetErrorVerbosity(c->conn, PQERRORS_VERBOSE);

	if (PQstatus(c->conn) == CONNECTION_BAD) {
		conn_finish(c, conn_classify(PQerrorMessage(c->conn)));
		return;
	}

	c->timer = kore_timer_add(conn_timeout,
	    (u_int64_t)rg_cfg.login_timeout_ms, c, KORE_TIMER_ONESHOT);
	conn_schedule(c, PGRES_POLLING_WRITING);
}

/*
 * PQfinish closes the socket, and closing drops it from epoll.  Only
 * called outside of Kore's event dispatch for other descriptors, or
 * from our own handler, so no queued event can reach a freed check.
 */
void
rg_login_conn_close(struct rg_login_conn *c)
{
	if (c->timer != NULL) {
		kore_timer_remove(c->timer);
		c->timer = NULL;
	}
	if (c->conn != NULL) {
		PQfinish(c->conn);
		c->conn = NULL;
	}
}

static void
conn_event(void *arg, int error)
{
	(void)error;
	conn_poll(arg);
}

static void
conn_poll(struct rg_login_conn *c)
{
	PostgresPollingStatusType	r;

	if (c->conn == NULL || c->result != RG_LOGIN_PENDING)
		return;

	switch ((r = PQconnectPoll(c->conn))) {
	case PGRES_POLLING_READING:
	case PGRES_POLLING_WRITING:
		conn_schedule(c, r);
		break;
	case PGRES_POLLING_OK:
		/* A trust or peer line would let any password in. */
		if (!PQconnectionUsedPassword(c->conn)) {
			kore_log(LOG_ERR, "login: the primary's pg_hba.conf "
			    "does not ask %s for a password: refused", c->user);
			conn_finish(c, RG_LOGIN_DENIED);
		} else {
			conn_finish(c, RG_LOGIN_OK);
		}
		break;
	default:
		conn_finish(c, conn_classify(PQerrorMessage(c->conn)));
		break;
	}
}

/*
 * (Re)register libpq's socket for what PQconnectPoll waits for.  libpq
 * may switch sockets between addresses; the old one is closed by then,
 * which removed it from epoll, and Kore's schedule adds or modifies.
 */
static void
conn_schedule(struct rg_login_conn *c, PostgresPollingStatusType want)
{
	int		fd;

	if ((fd = PQsocket(c->conn)) == -1) {
		conn_finish(c, RG_LOGIN_ERROR);
		return;
	}

	kore_platform_event_schedule(fd, want == PGRES_POLLING_READING ?
	    EPOLLIN | EPOLLRDHUP : EPOLLOUT, 0, c);
}

static void
conn_finish(struct rg_login_conn *c, int result)
{
	const char	*msg;
	size_t		 i;

	c->result = result;
	if (result == RG_LOGIN_ERROR) {
		msg = c->conn != NULL ? PQerrorMessage(c->conn) : "out of memory";
		(void)snprintf(c->why, sizeof(c->why), "%s", msg);
		for (i = 0; c->why[i] != '\0'; i++) {
			if (c->why[i] == '\n' || c->why[i] == '\t')
				c->why[i] = ' ';
		}
	}

	rg_login_conn_close(c);
	c->done(c->arg);
}

/*
 * SQLSTATE class 28 (bad password, unknown or NOLOGIN role, no pg_hba
 * line) and 42501 (no CONNECT privilege) mean "not these credentials".
 * Anything else (refused, too many clients, shutting down, no such
 * database) is the server's problem.  Expired passwords are class 28:
 * PostgreSQL tells the client no more than "authentication failed".
 */
static int
conn_classify(const char *msg)
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
			return (RG_LOGIN_DENIED);
		if (strncmp(c, "42501", 5) == 0)
			return (RG_LOGIN_DENIED);
		return (RG_LOGIN_ERROR);
	}

	return (RG_LOGIN_ERROR);
}

static void
conn_timeout(void *arg, u_int64_t now)
{
	struct rg_login_conn	*c = arg;

	(void)now;
	c->timer = NULL;	/* Kore frees a oneshot timer itself. */
	if (c->result == RG_LOGIN_PENDING)
		conn_finish(c, RG_LOGIN_TIMEOUT);
}
