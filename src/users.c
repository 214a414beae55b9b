/*
 * GET /api/v2/users/ (src/REFERENCE.md, "Later routes (API v2 since
 * v21.2)"): the cluster's login users by name, limit/offset in SQL as
 * CockroachDB does.  Any logged-in user (PostgreSQL shows every role to
 * every role; CockroachDB's non-admins get a 500 instead).
 */

#include "apiread.h"
#include "json.h"

int	rg_users(struct http_request *);

static int	users_start(struct http_request *);
static int	users_wait(struct http_request *);

static struct http_state	states[] = {
	KORE_HTTP_STATE(users_start),
	KORE_HTTP_STATE(users_wait),
};

#define USERS_WAIT	1

static const char	users_sql[] =
    "SELECT username FROM roachgate.read_users($1, $2)";

int
rg_users(struct http_request *req)
{
	return (http_state_run(states, RG_NITEMS(states), req));
}

static int
users_start(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct rg_offpage	*pg;

	ctx->ep = pg = kore_calloc(1, sizeof(*pg));
	rg_offpage_parse(req, pg);
	rg_offpage_bind(rg_read_primary(req, users_sql), pg, 0);

	req->fsm_state = USERS_WAIT;
	return (HTTP_STATE_CONTINUE);
}

/* usersResponse: "users" without omitempty (null when empty), next. */
static int
users_wait(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct rg_offpage	*pg = ctx->ep;
	struct rg_query		*q = &ctx->fan.q[0];
	struct rg_json		 j;
	struct rg_buf		 body;
	int64_t			 next;
	int			 i, rows, r;

	if ((r = rg_read_wait(req)) == RG_READ_PENDING)
		return (HTTP_STATE_RETRY);
	if (r == RG_READ_FAILED)
		return (HTTP_STATE_COMPLETE);

	rows = rg_query_rows(q);
	rg_buf_init(&body);
	rg_json_init(&j, &body);
	rg_json_object_open(&j, NULL);
	if (rows == 0) {
		rg_json_null(&j, "users");
	} else {
		rg_json_array_open(&j, "users");
		for (i = 0; i < rows; i++) {
			rg_json_object_open(&j, NULL);
			rg_json_string(&j, "username",
			    rg_query_value(q, i, 0, NULL));
			rg_json_object_close(&j);
		}
		rg_json_array_close(&j);
	}
	if ((next = rg_offpage_next(pg, rows)) != 0)
		rg_json_int(&j, "next", next);
	rg_json_object_close(&j);

	rg_respond_json(req, HTTP_STATUS_OK, &body);
	rg_buf_free(&body);
	return (HTTP_STATE_COMPLETE);
}
