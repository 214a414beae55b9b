/*
 * Sessions: what auth.c, login.c and logout.c share.  A session is a
 * row of roachgate.web_sessions on the primary; clients hold its id and
 * a 16-byte secret, the table only SHA-256(secret).
 */

#ifndef RG_SESSION_H
#define RG_SESSION_H

#include <stddef.h>
#include <stdint.h>

struct http_request;

#define RG_SESSION_HEADER	"x-cockroach-api-session"
#define RG_SESSION_COOKIE	"session"
#define RG_SESSION_SECRET_LEN	16
#define RG_SESSION_HASH_LEN	32
#define RG_SESSION_HEX_LEN	(2 * RG_SESSION_HASH_LEN)

/* What rg_session_header() and rg_session_token() found. */
#define RG_SESSION_OK		0
#define RG_SESSION_NONE		1	/* no value (or only blanks) */
#define RG_SESSION_BAD		2	/* a value that does not decode */

/* SHA-256 of len bytes into out[RG_SESSION_HASH_LEN]. */
void	rg_session_hash(const void *, size_t, uint8_t *);

/*
 * 1 if hex (the stored hash as encode(.., 'hex') gives it) is the hash,
 * compared in constant time; 0 otherwise.
 */
int	rg_session_match(const char *, const uint8_t *);

/* Length of a header value without trailing blanks. */
size_t	rg_session_trim(const char *);

/* Answers 405 with "Allow: POST" unless the method is POST: 1 if sent. */
int	rg_session_post_only(struct http_request *);

/*
 * The session id and secret (RG_TOKEN_SECRET_MAX bytes) from the
 * X-Cockroach-API-Session header alone (logout), or from that header or
 * the `session` cookie it points to (the admin check).
 */
int	rg_session_header(struct http_request *, int64_t *, uint8_t *,
	    size_t *);
int	rg_session_token(struct http_request *, int64_t *, uint8_t *,
	    size_t *);

/*
 * The per-worker cache of validated sessions (session_cache_ms).
 * rg_session_cached: 1, *admin, the user name (a buffer of
 * RG_SESSCACHE_USER_LEN) and *due on a usable hit, *due being 1 if the
 * entry is older than half of session_cache_ms (time to re-check it).  rg_session_remember:
 * cache what the primary said, started at `asked` (kore_time_ms() when
 * the lookup was sent) with `left` ms of the session's life then, unless
 * a logout came after rg_session_epoch() gave `epoch` (taken when the
 * lookup was sent).  rg_session_invalid: the
 * primary said no, drop it here.  rg_session_forget: a logout, on this
 * worker and on every other; rg_session_forgotten says when every worker
 * has been told.
 */
void	rg_session_cache_init(void);
int	rg_session_cached(int64_t, const uint8_t *, int *, char *, int *);
uint64_t rg_session_epoch(void);
void	rg_session_remember(int64_t, const uint8_t *, int, const char *,
	    uint64_t, int64_t, uint64_t);
void	rg_session_invalid(int64_t);
uint64_t rg_session_forget(int64_t);
int	rg_session_forgotten(uint64_t);

/* cookie.c: the console's cookie mode (X-Cockroach-API-Session: cookie). */
int	rg_session_cookie_mode(struct http_request *);
void	rg_session_set_cookie(struct http_request *, const void *, size_t);
void	rg_session_clear_cookie(struct http_request *);

#endif /* !RG_SESSION_H */
