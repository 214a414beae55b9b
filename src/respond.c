/*
 * Responses as CockroachDB writes them: errors are Go's http.Error
 * (text/plain, nosniff, message and a newline), internal errors are
 * logged in full and answered with one fixed text, JSON has no
 * trailing newline.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "roachgate.h"
#include "qs.h"

void
rg_respond_error(struct http_request *req, int status, const char *msg)
{
	struct rg_buf	body;

	rg_buf_init(&body);
	rg_buf_appends(&body, msg);
	rg_buf_appendc(&body, '\n');

	http_response_header(req, "content-type", "text/plain; charset=utf-8");
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response(req, status, body.data, body.len);
	rg_buf_free(&body);
}

void
rg_respond_internal(struct http_request *req, const char *fmt, ...)
{
	va_list		ap;
	char		detail[512];

	va_start(ap, fmt);
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);

	kore_log(LOG_ERR, "%s %s: internal error: %s",
	    http_method_text(req->method), req->path, detail);
	rg_respond_error(req, HTTP_STATUS_INTERNAL_ERROR, RG_INTERNAL_ERROR);
}

void
rg_respond_json(struct http_request *req, int status, struct rg_buf *body)
{
	http_response_header(req, "content-type", "application/json");
	http_response(req, status, body->data, body->len);
}

/*
 * A parameter's value as a C string for Go-style parsing, or NULL when it
 * holds a NUL byte ("5%00"): a parser must not see the truncated "5",
 * where Go sees a value it rejects.
 */
const char *
rg_param_cstr(struct rg_buf *val)
{
	if (val->len > 0 && memchr(val->data, '\0', val->len) != NULL)
		return (NULL);
	return (rg_buf_cstr(val));
}

/*
 * The first value of a query parameter, as Go reads it (Kore's own
 * parser differs: it keeps only its first 19 arguments, cuts values at a
 * second '=', and hands over a later valid duplicate when the first one
 * fails).  The value is valid if the validator kore.conf declares for this
 * parameter on this route accepts it, so kore.conf stays the one place
 * that says what a parameter may hold.
 */
int
rg_param(struct http_request *req, const char *name, struct rg_buf *val)
{
	struct kore_handler_params	*p;
	const char			*s;

	rg_buf_reset(val);
	if (!rg_qs_get(req->query_string, name, val) || val->len == 0)
		return (RG_PARAM_MISSING);

	if ((s = rg_param_cstr(val)) == NULL)
		return (RG_PARAM_INVALID);

	TAILQ_FOREACH(p, &req->hdlr->params, list) {
		if (!(p->flags & KORE_PARAMS_QUERY_STRING) ||
		    p->method != req->method || strcmp(p->name, name) != 0)
			continue;
		return (kore_validator_check(req, p->validator, s) ?
		    RG_PARAM_OK : RG_PARAM_INVALID);
	}

	return (RG_PARAM_INVALID);
}
