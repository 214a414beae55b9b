/*
 * Which logins may try a password: failed attempts are throttled per
 * user name and per client address (throttle.c).  Every worker is told
 * of each failure and success by a Kore message, so they all agree.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "roachgate.h"
#include "login.h"
#include "throttle.h"

/* Payload of RG_MSG_LOGIN_FAIL and RG_MSG_LOGIN_OK. */
struct admit_msg {
	uint64_t	at;		/* kore_time_ms() of the attempt */
	char		user[RG_LOGIN_USER_MAX];
	char		addr[RG_LOGIN_ADDR_MAX];
};

static void	admit_record(const struct admit_msg *, int);
static void	admit_msg(struct kore_msg *, const void *);

static struct rg_throttle	throttle;

void
rg_login_admit_init(void)
{
	if (rg_throttle_init(&throttle, RG_THROTTLE_SIZE,
	    (uint32_t)rg_cfg.throttle_after, (uint64_t)rg_cfg.throttle_base_ms,
	    (uint64_t)rg_cfg.throttle_max_ms) == -1)
		fatal("roachgate: bad login throttle settings");

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

/* 1 after a 429 for a user name or address that is blocked, else 0. */
int
rg_login_throttled(struct http_request *req, const char *user,
    const char *addr)
{
	char		key[RG_THROTTLE_KEY_MAX], secs[24];
	uint64_t	now, wait, w;

	now = kore_time_ms();
	(void)snprintf(key, sizeof(key), "u:%s", user);
	wait = rg_throttle_wait(&throttle, key, now);
	(void)snprintf(key, sizeof(key), "a:%s", addr);
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
admit_record(const struct admit_msg *m, int ok)
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
}
