/*
 * GET /api/v2/databases/, databases/{database}/, .../grants/ and
 * .../tables/ (src/REFERENCE.md, "Later routes (API v2 since v21.2)"),
 * for any logged-in user.  A database is visible when the user may
 * connect to it; tables/ lists the connected database's tables only
 * (PostgreSQL's pg_class is per database), other databases are 404 there
 * (README, "Databases, users and grants").
 */

#include <string.h>

#include "apiread.h"
#include "json.h"
#include "params.h"

int	rg_databases(struct http_request *);
int	rg_database(struct http_request *);
int	rg_database_grants(struct http_request *);
int	rg_database_tables(struct http_request *);

enum db_kind { DB_LIST, DB_DETAILS, DB_GRANTS, DB_TABLES };

struct db_req {
	enum db_kind		kind;
	struct rg_offpage	pg;
	char			name[64];
};

static int	db_run(struct http_request *, enum db_kind);
static int	db_start(struct http_request *);
static int	db_wait(struct http_request *);
static void	db_list_write(struct rg_json *, struct db_req *,
		    struct rg_query *);
static void	db_grants_write(struct rg_json *, struct db_req *,
		    struct rg_query *);
static void	db_tables_write(struct rg_json *, struct db_req *,
		    struct rg_query *);

static struct http_state	states[] = {
	KORE_HTTP_STATE(db_start),
	KORE_HTTP_STATE(db_wait),
};

#define DB_WAIT		1

static const char	*db_sql[] = {
	[DB_LIST] = "SELECT name FROM roachgate.read_databases($1, $2, $3)",
	[DB_DETAILS] = "SELECT descriptor_id FROM "
	    "roachgate.read_database($1, $2)",
	[DB_GRANTS] = "SELECT found, grantee, privilege FROM "
	    "roachgate.read_database_grants($1, $2, $3, $4)",
	[DB_TABLES] = "SELECT found, table_name FROM "
	    "roachgate.read_database_tables($1, $2, $3, $4)",
};

#define DB_PREFIX	"/api/v2/databases/"
#define DB_NOT_FOUND	"database not found"

int
rg_databases(struct http_request *req)
{
	return (db_run(req, DB_LIST));
}

int
rg_database(struct http_request *req)
{
	return (db_run(req, DB_DETAILS));
}

int
rg_database_grants(struct http_request *req)
{
	return (db_run(req, DB_GRANTS));
}

int
rg_database_tables(struct http_request *req)
{
	return (db_run(req, DB_TABLES));
}

static int
db_run(struct http_request *req, enum db_kind kind)
{
	struct rg_ctx	*ctx = rg_ctx_get(req);
	struct db_req	*dr;

	if (ctx->ep == NULL) {
		ctx->ep = dr = kore_calloc(1, sizeof(*dr));
		dr->kind = kind;
	}

	return (http_state_run(states, RG_NITEMS(states), req));
}

static int
db_start(struct http_request *req)
{
	struct rg_ctx	*ctx = rg_ctx_get(req);
	struct db_req	*dr = ctx->ep;
	struct rg_query	*q;

	if (dr->kind != DB_LIST && rg_path_name(req, DB_PREFIX, dr->name,
	    sizeof(dr->name)) == -1) {
		rg_respond_error(req, HTTP_STATUS_NOT_FOUND, DB_NOT_FOUND);
		return (HTTP_STATE_COMPLETE);
	}
	/* databases/{database}/ reads no parameters (dropped in 21.2). */
	if (dr->kind != DB_DETAILS)
		rg_offpage_parse(req, &dr->pg);

	q = rg_read_primary(req, db_sql[dr->kind]);
	rg_query_param(q, ctx->username, -1, 0);
	if (dr->kind != DB_LIST)
		rg_query_param(q, dr->name, -1, 0);
	if (dr->kind != DB_DETAILS)
		rg_offpage_bind(q, &dr->pg, dr->kind == DB_LIST);

	req->fsm_state = DB_WAIT;
	return (HTTP_STATE_CONTINUE);
}

static int
db_wait(struct http_request *req)
{
	struct rg_ctx	*ctx = rg_ctx_get(req);
	struct db_req	*dr = ctx->ep;
	struct rg_query	*q = &ctx->fan.q[0];
	struct rg_json	 j;
	struct rg_buf	 body;
	int64_t		 id;
	int		 r;

	if ((r = rg_read_wait(req)) == RG_READ_PENDING)
		return (HTTP_STATE_RETRY);
	if (r == RG_READ_FAILED)
		return (HTTP_STATE_COMPLETE);

	/* Not visible: no row, or the readers' one row with found false. */
	if ((dr->kind == DB_DETAILS && rg_query_rows(q) == 0) ||
	    (dr->kind != DB_LIST && dr->kind != DB_DETAILS &&
	    rg_query_rows(q) > 0 &&
	    strcmp(rg_query_value(q, 0, 0, NULL), "f") == 0)) {
		rg_respond_error(req, HTTP_STATUS_NOT_FOUND, DB_NOT_FOUND);
		return (HTTP_STATE_COMPLETE);
	}

	rg_buf_init(&body);
	rg_json_init(&j, &body);
	rg_json_object_open(&j, NULL);
	switch (dr->kind) {
	case DB_LIST:
		db_list_write(&j, dr, q);
		break;
	case DB_DETAILS:
		/* databaseDetailsResponse: descriptor_id, omitempty. */
		if (rg_parse_int(rg_query_value(q, 0, 0, NULL), 10, 64,
		    &id) == 0 && id != 0)
			rg_json_int(&j, "descriptor_id", id);
		break;
	case DB_GRANTS:
		db_grants_write(&j, dr, q);
		break;
	case DB_TABLES:
		db_tables_write(&j, dr, q);
		break;
	}
	rg_json_object_close(&j);

	rg_respond_json(req, HTTP_STATUS_OK, &body);
	rg_buf_free(&body);
	return (HTTP_STATE_COMPLETE);
}

/* databasesResponse: "databases" omitempty; read with one extra row. */
static void
db_list_write(struct rg_json *j, struct db_req *dr, struct rg_query *q)
{
	int64_t		next;
	int		i, rows, n;

	rows = rg_query_rows(q);
	n = (dr->pg.limit > 0 && rows > dr->pg.limit) ?
	    (int)dr->pg.limit : rows;
	if (n > 0) {
		rg_json_array_open(j, "databases");
		for (i = 0; i < n; i++)
			rg_json_string(j, NULL, rg_query_value(q, i, 0, NULL));
		rg_json_array_close(j);
	}
	if ((next = rg_offpage_next_simple(&dr->pg, rows)) != 0)
		rg_json_int(j, "next", next);
}

/*
 * databaseGrantsResponse: "grants" without omitempty; one entry per
 * (grantee, privilege), as SHOW GRANTS returns them since 21.x.
 */
static void
db_grants_write(struct rg_json *j, struct db_req *dr, struct rg_query *q)
{
	int64_t		next;
	int		i, rows;

	rows = rg_query_rows(q);
	if (rows == 0) {
		rg_json_null(j, "grants");
	} else {
		rg_json_array_open(j, "grants");
		for (i = 0; i < rows; i++) {
			rg_json_object_open(j, NULL);
			rg_json_string(j, "user",
			    rg_query_value(q, i, 1, NULL));
			rg_json_array_open(j, "privileges");
			rg_json_string(j, NULL, rg_query_value(q, i, 2, NULL));
			rg_json_array_close(j);
			rg_json_object_close(j);
		}
		rg_json_array_close(j);
	}
	if ((next = rg_offpage_next(&dr->pg, rows)) != 0)
		rg_json_int(j, "next", next);
}

/* databaseTablesResponse: "table_names" omitempty. */
static void
db_tables_write(struct rg_json *j, struct db_req *dr, struct rg_query *q)
{
	int64_t		next;
	int		i, rows;

	rows = rg_query_rows(q);
	if (rows > 0) {
		rg_json_array_open(j, "table_names");
		for (i = 0; i < rows; i++)
			rg_json_string(j, NULL, rg_query_value(q, i, 1, NULL));
		rg_json_array_close(j);
	}
	if ((next = rg_offpage_next(&dr->pg, rows)) != 0)
		rg_json_int(j, "next", next);
}
