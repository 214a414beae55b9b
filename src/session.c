/*
 * Session helpers shared by the admin check (auth.c), login.c and
 * logout.c: reading the token from the header or the cookie, hashing
 * the secret and comparing it with the stored hash, and the per-worker
 * cache of validated sessions.
 *
 * A cache entry is used until the earlier of session_cache_ms after the
 * lookup was sent and the session's expiry as the primary saw it then,
 * both on the monotonic clock: it never outlives "expiresAt".  From half
 * of session_cache_ms on, a hit also starts a re-check in the background
 * (auth.c) whose answer replaces the entry by the same rule.  A logout
 * drops the entry here at once and on every other worker by a Kore
 * message, and counts in `forgets`: an answer to a check sent before a
 * logout that arrives after it is not cached (it could bring a revoked
 * session back).  Other changes in the database (a role revoked, a
 * session revoked by SQL) take effect within session_cache_ms.
 */

#include <openssl/evp.h>

#include <string.h>

#include "roachgate.h"
#include "sesscache.h"
#include "session.h"
#include "token.h"

static int	session_cookie(struct http_request *, int64_t *, uint8_t *,
		    size_t *);
static int	session_cookie_line(const char *, int64_t *, uint8_t *,
		    size_t *);
static void	session_msg_logout(struct kore_msg *, const void *);

/* Payload of RG_MSG_LOGOUT: the session, and the sender's count. */
struct logout_msg {
	int64_t		id;
	uint64_t	seq;
};

static struct rg_sesscache	cache;
static uint64_t			logout_sent;
static uint64_t			logout_echoed;
static uint64_t			forgets;	/* drops by logout, here */

void
rg_session_cache_init(void)
{
	size_t		n;

	n = rg_cfg.session_cache_ms > 0 ?
	    (size_t)rg_cfg.session_cache_entries : 0;
	if (rg_sesscache_init(&cache, n) == -1)
		fatal("roachgate: cannot allocate the session cache");

	if (!kore_msg_register(RG_MSG_LOGOUT, session_msg_logout))
		fatal("roachgate: cannot register the logout message");
}

int
rg_session_cached(int64_t id, const uint8_t *hash, int *admin, char *user,
    int *due)
{
	return (rg_sesscache_get(&cache, id, hash, kore_time_ms(), admin,
	    user, due));
}

uint64_t
rg_session_epoch(void)
{
	return (forgets);
}

void
rg_session_remember(int64_t id, const uint8_t *hash, int admin,
    const char *user, uint64_t asked, int64_t left, uint64_t epoch)
{
	int64_t		keep;

	if (rg_cfg.session_cache_ms == 0 || left <= 0 || epoch != forgets)
		return;

	keep = left < rg_cfg.session_cache_ms ? left : rg_cfg.session_cache_ms;
	rg_sesscache_put(&cache, id, hash, admin, user, asked + (uint64_t)keep,
	    asked + (uint64_t)rg_cfg.session_cache_ms / 2);
}

/* The primary says the session is no longer valid: this worker only. */
void
rg_session_invalid(int64_t id)
{
	rg_sesscache_drop(&cache, id);
}

/*
 * Drops id here at once and tells every worker; returns the number to
 * give rg_session_forgotten().  Our own message comes back too, after
 * the parent has passed it to every other worker.
 */
uint64_t
rg_session_forget(int64_t id)
{
	struct logout_msg	m;

	rg_sesscache_drop(&cache, id);
	forgets++;
	m.id = id;
	m.seq = ++logout_sent;
	kore_msg_send(KORE_MSG_WORKER_ALL, RG_MSG_LOGOUT, &m, sizeof(m));

	return (m.seq);
}

/* 1 once our own logout message `seq` has come back. */
int
rg_session_forgotten(uint64_t seq)
{
	return (logout_echoed >= seq);
}

static void
session_msg_logout(struct kore_msg *msg, const void *data)
{
	struct logout_msg	m;

	if (msg->length != sizeof(m))
		return;

	memcpy(&m, data, sizeof(m));
	rg_sesscache_drop(&cache, m.id);
	forgets++;
	if (msg->src == worker->id && m.seq > logout_echoed)
		logout_echoed = m.seq;
}

/*
 * SHA-256 of a token, on every authenticated request.  The digest is
 * fetched and its context made once per worker: with EVP_sha256(),
 * OpenSSL 3 looks the algorithm up in its provider store (locks, name
 * lookups) and allocates a context on every EVP_Digest() call.
 */
void
rg_session_hash(const void *data, size_t len, uint8_t *out)
{
	static EVP_MD		*md;
	static EVP_MD_CTX	*mdctx;
	unsigned int		 olen;

	if (md == NULL && (md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		fatal("roachgate: no SHA-256");
	if (mdctx == NULL && (mdctx = EVP_MD_CTX_new()) == NULL)
		fatal("roachgate: EVP_MD_CTX_new failed");

	olen = RG_SESSION_HASH_LEN;
	if (!EVP_DigestInit_ex(mdctx, md, NULL) ||
	    !EVP_DigestUpdate(mdctx, data, len) ||
	    !EVP_DigestFinal_ex(mdctx, out, &olen) ||
	    olen != RG_SESSION_HASH_LEN)
		fatal("roachgate: SHA-256 failed");
}

int
rg_session_match(const char *hex, const uint8_t *hash)
{
	static const char	digits[] = "0123456789abcdef";
	char			want[RG_SESSION_HEX_LEN];
	size_t			i;

	if (strlen(hex) != RG_SESSION_HEX_LEN)
		return (0);

	for (i = 0; i < RG_SESSION_HASH_LEN; i++) {
		want[2 * i] = digits[hash[i] >> 4];
		want[2 * i + 1] = digits[hash[i] & 0x0f];
	}

	return (rg_ct_equal(want, hex, sizeof(want)));
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

int
rg_session_header(struct http_request *req, int64_t *id, uint8_t *secret,
    size_t *slen)
{
	const char	*hdr;
	size_t		 len;

	/* Kore strips leading blanks; Go also strips trailing ones. */
	len = 0;
	if (http_request_header(req, RG_SESSION_HEADER, &hdr))
		len = rg_session_trim(hdr);
	if (len == 0)
		return (RG_SESSION_NONE);

	if (rg_token_decode(hdr, len, id, secret, slen) == -1)
		return (RG_SESSION_BAD);

	return (RG_SESSION_OK);
}

/* A header that says `cookie` (CockroachDB's CSRF guard) names the cookie. */
int
rg_session_token(struct http_request *req, int64_t *id, uint8_t *secret,
    size_t *slen)
{
	const char	*hdr;

	if (!http_request_header(req, RG_SESSION_HEADER, &hdr) ||
	    rg_session_trim(hdr) != 6 || memcmp(hdr, "cookie", 6) != 0)
		return (rg_session_header(req, id, secret, slen));

	if (session_cookie(req, id, secret, slen) == -1)
		return (RG_SESSION_BAD);

	return (RG_SESSION_OK);
}

/*
 * The first `session` cookie that decodes, over every Cookie header, as
 * Go's Request.Cookies() and CockroachDB's FindAndDecodeSessionCookie
 * read them.  Kore's own cookie parser cannot be used: it drops any
 * value that contains '=', which is base64 padding.
 */
static int
session_cookie(struct http_request *req, int64_t *id, uint8_t *secret,
    size_t *slen)
{
	struct http_header	*hdr;

	TAILQ_FOREACH(hdr, &req->req_headers, list) {
		if (strcasecmp(hdr->header, "cookie") != 0)
			continue;
		if (session_cookie_line(hdr->value, id, secret, slen) == 0)
			return (0);
	}

	return (-1);
}

static int
session_cookie_line(const char *line, int64_t *id, uint8_t *secret,
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
