/*
 * The login form as Go's Request.ParseForm builds it: body values
 * first, then the query string's.  Unlike CockroachDB, a malformed form
 * is a 400 (not a 500) and a body that is not a form is refused instead
 * of ignored.  Every copy of the password is cleansed before it is
 * freed.
 */

#include <openssl/crypto.h>

#include <ctype.h>
#include <string.h>

#include "roachgate.h"
#include "login.h"
#include "qs.h"

static int	form_type(struct http_request *, size_t);
static int	form_ok(const char *);
static int	form_field(struct http_request *, const char *,
		    const char *, struct rg_buf *);

/* 0 with username and password, or -1 after an error response. */
int
rg_login_form(struct http_request *req, struct rg_buf *user,
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

	if (!form_type(req, body.len)) {
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "unsupported content type: the login form must be sent as "
		    "application/x-www-form-urlencoded");
		goto out;
	}

	form = rg_buf_cstr(&body);
	if (strlen(form) != body.len || !form_ok(form) ||
	    !form_ok(req->query_string)) {
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "malformed form data");
		goto out;
	}

	if (!form_field(req, form, "username", user) || user->len == 0) {
		rg_respond_error(req, HTTP_STATUS_BAD_REQUEST,
		    "username not specified");
		goto out;
	}
	(void)form_field(req, form, "password", pass);
	status = 0;

out:
	if (body.data != NULL)
		OPENSSL_cleanse(body.data, body.cap);
	rg_buf_free(&body);
	return (status);
}

/* The value passes its kore.conf validator (and holds no NUL). */
int
rg_login_valid(struct http_request *req, const char *validator,
    struct rg_buf *val)
{
	char	*s;

	s = (char *)rg_buf_cstr(val);
	if (strlen(s) != val->len)
		return (0);

	return (kore_validator_run(req, validator, s) == KORE_RESULT_OK);
}

/* The body is a form, or there is none (query-string credentials). */
static int
form_type(struct http_request *req, size_t bodylen)
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
form_ok(const char *qs)
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
form_field(struct http_request *req, const char *form, const char *name,
    struct rg_buf *out)
{
	if (rg_qs_get(form, name, out))
		return (1);

	return (rg_qs_get(req->query_string, name, out));
}
