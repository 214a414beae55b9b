/*
 * The `session` cookie of the web console.  CockroachDB's DB Console
 * logs in through a route that answers Set-Cookie; roachgate's console
 * uses the public /api/v2/login/ instead and asks for the cookie with
 * the header the auth hook already knows, `X-Cockroach-API-Session:
 * cookie`.  A login that sends it gets the cookie (HttpOnly, Secure,
 * SameSite=Strict, a browser-session cookie) besides the usual JSON;
 * a logout that sends it revokes the cookie's session and expires the
 * cookie.  Clients that send a token in the header see no change.
 */

#include <openssl/crypto.h>

#include <string.h>

#include "roachgate.h"
#include "session.h"

/* The request asks for the cookie mode ("cookie", blanks trimmed). */
int
rg_session_cookie_mode(struct http_request *req)
{
	const char	*hdr;

	if (!http_request_header(req, RG_SESSION_HEADER, &hdr))
		return (0);

	return (rg_session_trim(hdr) == 6 && memcmp(hdr, "cookie", 6) == 0);
}

/* The token is base64: every byte of it is a valid cookie octet. */
void
rg_session_set_cookie(struct http_request *req, const void *tok,
    size_t len)
{
	struct rg_buf	v;

	rg_buf_init(&v);
	rg_buf_appendf(&v, "%s=%.*s; Path=/; HttpOnly; Secure; "
	    "SameSite=Strict", RG_SESSION_COOKIE, (int)len, (const char *)tok);
	http_response_header(req, "set-cookie", rg_buf_cstr(&v));
	OPENSSL_cleanse(v.data, v.cap);
	rg_buf_free(&v);
}

void
rg_session_clear_cookie(struct http_request *req)
{
	http_response_header(req, "set-cookie", RG_SESSION_COOKIE "=; Path=/; "
	    "Max-Age=0; HttpOnly; Secure; SameSite=Strict");
}
