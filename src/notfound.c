/*
 * Anything under no route: gorilla/mux's default 404, which is what
 * CockroachDB answers (text/plain "404 page not found").
 */

#include "roachgate.h"

int	rg_not_found(struct http_request *);

int
rg_not_found(struct http_request *req)
{
	rg_respond_error(req, HTTP_STATUS_NOT_FOUND, "404 page not found");
	return (KORE_RESULT_OK);
}
