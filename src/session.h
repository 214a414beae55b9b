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

/* Payload of RG_MSG_LOGIN_FAIL and RG_MSG_LOGIN_OK. */
struct rg_login_msg {
	uint64_t	at;		/* kore_time_ms() of the attempt */
	char		user[64];
	char		addr[48];
};

/* SHA-256 of len bytes into out[RG_SESSION_HASH_LEN]. */
void	rg_session_hash(const void *, size_t, uint8_t *);

/* Length of a header value without trailing blanks. */
size_t	rg_session_trim(const char *);

/* Answers 405 with "Allow: POST" unless the method is POST: 1 if sent. */
int	rg_session_post_only(struct http_request *);

/* login.c: per-worker login state (throttle table, login DSN). */
void	rg_login_init(void);

/* auth.c: the session of the `session` cookie: 0, or -1 if none. */
int	rg_session_cookie(struct http_request *, int64_t *, uint8_t *,
	    size_t *);

/* cookie.c: the console's cookie mode (X-Cockroach-API-Session: cookie). */
int	rg_session_cookie_mode(struct http_request *);
void	rg_session_set_cookie(struct http_request *, const void *, size_t);
void	rg_session_clear_cookie(struct http_request *);

#endif /* !RG_SESSION_H */
