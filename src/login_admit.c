/*
 * Which logins may check a password, and when.
 *
 * A failure counts against three throttle keys: the (address, name)
 * pair and the address, which block after login_throttle_after
 * failures, and the name from any address, which blocks only after
 * login_throttle_user_after: a burst from one address locks that
 * address out, not the user everywhere.  Every worker is told of each
 * failure and success by a Kore message, so they all agree.
 *
 * Attempts in flight count against the failures each key has left
 * (throttle.c), so guesses sent in parallel wait for the first answers
 * instead of all reaching PostgreSQL; good logins sent in parallel wait
 * for each other and then succeed.  A worker checks at most
 * login_max_inflight passwords at once and lets as many wait; beyond
 * that a login gets a fast 503, so a flood cannot use up the primary's
 * connections.  Waiters are woken when an attempt ends here or an
 * outcome arrives from another worker.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "roachgate.h"
#include "login.h"
#include "throttle.h"

#define ADMIT_KEYS	3

/* Payload of RG_MSG_LOGIN_FAIL and RG_MSG_LOGIN_OK. */
struct admit_msg {
	uint64_t	at;		/* kore_time_ms() of the attempt */
	char		user[RG_LOGIN_USER_MAX];
	char		addr[RG_LOGIN_ADDR_MAX];
};

/* One login's keys, and the table each belongs to. */
struct admit_keys {
	struct rg_throttle	*t[ADMIT_KEYS];
	char			k[ADMIT_KEYS][RG_THROTTLE_KEY_MAX];
};

static void	admit_keys(struct admit_keys *, const char *, const char *);
static int	admit_refuse(struct http_request *, int, uint64_t,
		    const char *);
static int	admit_waiting(struct http_request *, int);
static void	admit_wake(void);
static void	admit_record(const struct admit_msg *, int);
static void	admit_msg(struct kore_msg *, const void *);

static struct rg_throttle	throttle;	/* pairs and addresses */
static struct rg_throttle	throttle_user;	/* names, any address */
static struct http_request	**waiting;	/* login_max_inflight slots */
static size_t			 nwaiting;
static size_t			 running;

void
rg_login_admit_init(void)
{
	size_t		n;

	n = (size_t)rg_cfg.throttle_entries;
	if (rg_throttle_init(&throttle, n, (uint32_t)rg_cfg.throttle_after,
	    (uint64_t)rg_cfg.throttle_base_ms,
	    (uint64_t)rg_cfg.throttle_max_ms) == -1 ||
	    rg_throttle_init(&throttle_user, n,
	    (uint32_t)rg_cfg.throttle_user_after,
	    (uint64_t)rg_cfg.throttle_base_ms,
	    (uint64_t)rg_cfg.throttle_max_ms) == -1)
		fatal("roachgate: bad login throttle settings");

	waiting = kore_calloc((size_t)rg_cfg.login_max_inflight,
	    sizeof(*waiting));

	if (!kore_msg_register(RG_MSG_LOGIN_FAIL, admit_msg) ||
	    !kore_msg_register(RG_MSG_LOGIN_OK, admit_msg))
		fatal("roachgate: cannot register the login messages");
}

/* The client's address; IPv6 clients are counted per /64. */
void
rg_login_addr(struct http_request *req, char *out, size_t len)
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

/*
 * May this login (arrived at `since`) check its password now?
 * RG_ADMIT_GO: counted in flight until rg_login_release(); RG_ADMIT_WAIT:
 * sleep, this is asked again when an attempt ends; RG_ADMIT_REFUSED:
 * answered with a 429 (blocked) or a 503 (busy).  `check` 0 asks only
 * whether a key is blocked, for logins refused without a check.
 */
int
rg_login_admit(struct http_request *req, const char *user,
    const char *addr, uint64_t since, int check)
{
	struct admit_keys	ak;
	uint64_t		now, wait, w;
	size_t			i;

	now = kore_time_ms();
	admit_keys(&ak, user, addr);

	wait = 0;
	for (i = 0; i < ADMIT_KEYS; i++) {
		if ((w = rg_throttle_wait(ak.t[i], ak.k[i], now)) > wait)
			wait = w;
	}
	if (wait > 0)
		return (admit_refuse(req, 429, wait, "too many failed login "
		    "attempts"));
	if (!check)
		return (RG_ADMIT_GO);

	if (running >= (size_t)rg_cfg.login_max_inflight ||
	    now - since >= (uint64_t)rg_cfg.login_timeout_ms)
		return (admit_refuse(req, 503, 1000, "too many logins in "
		    "progress"));

	for (i = 0; i < ADMIT_KEYS; i++) {
		if (rg_throttle_room(ak.t[i], ak.k[i], now) == 0)
			return (admit_waiting(req, 1));
	}

	for (i = 0; i < ADMIT_KEYS; i++) {
		if (rg_throttle_begin(ak.t[i], ak.k[i], now) == -1)
			break;
	}
	if (i < ADMIT_KEYS) {
		while (i-- > 0)
			rg_throttle_end(ak.t[i], ak.k[i]);
		return (admit_refuse(req, 503, 1000, "too many logins in "
		    "progress"));
	}

	(void)admit_waiting(req, 0);
	running++;
	return (RG_ADMIT_GO);
}

/*
 * The login is over or gone: it no longer waits, and if it was admitted
 * its attempt ends (after its outcome was recorded), which may let
 * waiters in.
 */
void
rg_login_release(struct http_request *req, const char *user,
    const char *addr, int admitted)
{
	struct admit_keys	ak;
	size_t			i;

	(void)admit_waiting(req, 0);
	if (!admitted)
		return;

	admit_keys(&ak, user, addr);
	for (i = 0; i < ADMIT_KEYS; i++)
		rg_throttle_end(ak.t[i], ak.k[i]);
	running--;
	admit_wake();
}

/* Apply a failure or success here, then tell the other workers. */
void
rg_login_outcome(const char *user, const char *addr, int ok)
{
	struct admit_msg	m;

	memset(&m, 0, sizeof(m));
	m.at = kore_time_ms();
	(void)snprintf(m.user, sizeof(m.user), "%s", user);
	(void)snprintf(m.addr, sizeof(m.addr), "%s", addr);

	admit_record(&m, ok);
	kore_msg_send(KORE_MSG_WORKER_ALL,
	    ok ? RG_MSG_LOGIN_OK : RG_MSG_LOGIN_FAIL, &m, sizeof(m));
}

static void
admit_keys(struct admit_keys *ak, const char *user, const char *addr)
{
	ak->t[0] = &throttle;
	(void)snprintf(ak->k[0], sizeof(ak->k[0]), "p:%s %s", addr, user);
	ak->t[1] = &throttle;
	(void)snprintf(ak->k[1], sizeof(ak->k[1]), "a:%s", addr);
	ak->t[2] = &throttle_user;
	(void)snprintf(ak->k[2], sizeof(ak->k[2]), "u:%s", user);
}

static int
admit_refuse(struct http_request *req, int status, uint64_t wait,
    const char *why)
{
	char		secs[24];

	(void)admit_waiting(req, 0);
	(void)snprintf(secs, sizeof(secs), "%llu",
	    (unsigned long long)((wait + 999) / 1000));
	http_response_header(req, "retry-after", secs);
	rg_respond_error(req, status, why);
	return (RG_ADMIT_REFUSED);
}

/*
 * Adds req to the waiters (on 1) or removes it (on 0).  A new waiter
 * that finds no free slot is refused with a 503.
 */
static int
admit_waiting(struct http_request *req, int on)
{
	size_t		i;

	for (i = 0; i < nwaiting; i++) {
		if (waiting[i] == req)
			break;
	}
	if (!on) {
		if (i < nwaiting)
			waiting[i] = waiting[--nwaiting];
		return (RG_ADMIT_GO);
	}
	if (i < nwaiting)
		return (RG_ADMIT_WAIT);
	if (nwaiting == (size_t)rg_cfg.login_max_inflight)
		return (admit_refuse(req, 503, 1000, "too many logins in "
		    "progress"));

	waiting[nwaiting++] = req;
	return (RG_ADMIT_WAIT);
}

static void
admit_wake(void)
{
	size_t		i;

	for (i = 0; i < nwaiting; i++)
		http_request_wakeup(waiting[i]);
}

static void
admit_record(const struct admit_msg *m, int ok)
{
	struct admit_keys	ak;
	size_t			i;

	admit_keys(&ak, m->user, m->addr);
	for (i = 0; i < ADMIT_KEYS; i++) {
		if (ok)
			rg_throttle_reset(ak.t[i], ak.k[i]);
		else
			rg_throttle_fail(ak.t[i], ak.k[i], m->at);
	}
}

static void
admit_msg(struct kore_msg *msg, const void *data)
{
	struct admit_msg	m;

	/* Our own broadcast comes back too: already applied. */
	if (msg->src == worker->id || msg->length != sizeof(m))
		return;

	memcpy(&m, data, sizeof(m));
	m.user[sizeof(m.user) - 1] = '\0';
	m.addr[sizeof(m.addr) - 1] = '\0';
	admit_record(&m, msg->id == RG_MSG_LOGIN_OK);
	admit_wake();
}
