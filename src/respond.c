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
	rg_buf_appendf(&body, "%s\n", msg);

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
 * The first value of a query parameter, as Go reads it.  Kore's
 * validator (kore.conf) must have accepted that same value, otherwise
 * the parameter is invalid: Kore silently drops what fails validation,
 * and with duplicates it would hand us a later, valid one instead.
 */
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

int
rg_param(struct http_request *req, const char *name, struct rg_buf *val)
{
	char		*kval;

	rg_buf_reset(val);
	if (!rg_qs_get(req->query_string, name, val) || val->len == 0)
		return (RG_PARAM_MISSING);

	if (!http_argument_get_string(req, name, &kval) ||
	    strcmp(kval, rg_buf_cstr(val)) != 0)
		return (RG_PARAM_INVALID);

	return (RG_PARAM_OK);
}
