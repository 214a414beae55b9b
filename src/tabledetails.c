/*
 * GET /api/v2/databases/{database}/tables/{table}/ (src/REFERENCE.md,
 * "Later routes (API v2 since v21.2)"), any logged-in user: one table of
 * the connected database, as serverpb.TableDetailsResponse.  {table} is
 * `t` (schema public) or `schema.t`, folded to lower case as CockroachDB's
 * parser folds unquoted names.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "apiread.h"
#include "json.h"
#include "params.h"

int	rg_table_details(struct http_request *);

struct table_req {
	char		db[64];
	char		schema[64];
	char		table[64];
	int		has_schema;
};


static int	table_start(struct http_request *);
static int	table_wait(struct http_request *);
static int	table_path(struct http_request *, struct table_req *);
static void	table_write(struct rg_json *, struct rg_query *);
static void	rows_write(struct rg_json *, struct rg_query *, const char *,
		    const char *);
static void	zone_write(struct rg_json *, struct rg_query *);
static int64_t	col_int(struct rg_query *, int, int);

static struct http_state	states[] = {
	KORE_HTTP_STATE(table_start),
	KORE_HTTP_STATE(table_wait),
};

#define TABLE_WAIT	1

static const char	table_sql[] =
    "SELECT kind, n1, n2, n3, n4, n5, n6, n7, f1, t1, t2, t3, t4, b1, b2 "
    "FROM roachgate.read_table_details($1, $2, $3, $4)";

enum {
	C_KIND, C_N1, C_N2, C_N3, C_N4, C_N5, C_N6, C_N7, C_F1, C_T1, C_T2,
	C_T3, C_T4, C_B1, C_B2
};

#define TABLE_NOT_FOUND	"database or table not found"

int
rg_table_details(struct http_request *req)
{
	return (http_state_run(states, RG_NITEMS(states), req));
}

static int
table_start(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct table_req	*tr;
	struct rg_query		*q;

	ctx->ep = tr = kore_calloc(1, sizeof(*tr));
	if (table_path(req, tr) == -1) {
		rg_respond_error(req, HTTP_STATUS_NOT_FOUND, TABLE_NOT_FOUND);
		return (HTTP_STATE_COMPLETE);
	}

	q = rg_read_primary(req, table_sql);
	rg_query_param(q, ctx->username, -1, 0);
	rg_query_param(q, tr->db, -1, 0);
	rg_query_param(q, tr->has_schema ? tr->schema : NULL, -1, 0);
	rg_query_param(q, tr->table, -1, 0);

	req->fsm_state = TABLE_WAIT;
	return (HTTP_STATE_CONTINUE);
}

/* databases/<db>/tables/<[schema.]table>/: 0, or -1 (names nothing). */
static int
table_path(struct http_request *req, struct table_req *tr)
{
	const char	*t, *end, *dot;
	size_t		 i, len;

	if (rg_path_name(req, "/api/v2/databases/", tr->db,
	    sizeof(tr->db)) == -1)
		return (-1);
	t = req->path + strlen("/api/v2/databases/") + strlen(tr->db) +
	    strlen("/tables/");
	if ((end = strchr(t, '/')) == NULL)
		return (-1);

	/* At most one dot, both parts 1..63 bytes. */
	dot = memchr(t, '.', (size_t)(end - t));
	if (dot != NULL) {
		if (memchr(dot + 1, '.', (size_t)(end - dot - 1)) != NULL ||
		    dot == t || dot - t > 63)
			return (-1);
		memcpy(tr->schema, t, (size_t)(dot - t));
		tr->schema[dot - t] = '\0';
		tr->has_schema = 1;
		t = dot + 1;
	}
	len = (size_t)(end - t);
	if (len == 0 || len > 63)
		return (-1);
	memcpy(tr->table, t, len);
	tr->table[len] = '\0';

	for (i = 0; tr->schema[i] != '\0'; i++)
		tr->schema[i] = (char)tolower((unsigned char)tr->schema[i]);
	for (i = 0; tr->table[i] != '\0'; i++)
		tr->table[i] = (char)tolower((unsigned char)tr->table[i]);

	return (0);
}

static int
table_wait(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct rg_query		*q = &ctx->fan.q[0];
	struct rg_json		 j;
	struct rg_buf		 body;
	int			 r;

	if ((r = rg_read_wait(req)) == RG_READ_PENDING)
		return (HTTP_STATE_RETRY);
	if (r == RG_READ_FAILED)
		return (HTTP_STATE_COMPLETE);

	if (rg_query_rows(q) == 0 ||
	    strcmp(rg_query_value(q, 0, C_KIND, NULL), "table") != 0) {
		rg_respond_error(req, HTTP_STATUS_NOT_FOUND, TABLE_NOT_FOUND);
		return (HTTP_STATE_COMPLETE);
	}

	rg_buf_init(&body);
	rg_json_init(&j, &body);
	table_write(&j, q);
	rg_respond_json(req, HTTP_STATUS_OK, &body);
	rg_buf_free(&body);
	return (HTTP_STATE_COMPLETE);
}

/* TableDetailsResponse, fields in proto order; row 0 is the table row. */
static void
table_write(struct rg_json *j, struct rg_query *q)
{
	const char	*v;
	int64_t		 n;

	rg_json_object_open(j, NULL);
	rows_write(j, q, "grant", "grants");
	rows_write(j, q, "column", "columns");
	rows_write(j, q, "index", "indexes");
	if ((n = col_int(q, 0, C_N2)) != 0)
		rg_json_int(j, "range_count", n);
	if ((v = rg_query_text(q, 0, C_T1)) != NULL && *v != '\0')
		rg_json_string(j, "create_table_statement", v);
	zone_write(j, q);
	rg_json_int(j, "zone_config_level", 1);		/* CLUSTER */
	if ((n = col_int(q, 0, C_N1)) != 0)
		rg_json_int(j, "descriptor_id", n);
	if (!rg_query_isnull(q, 0, C_N3))
		rg_json_time(j, "stats_last_created_at", col_int(q, 0, C_N3));
	if ((n = col_int(q, 0, C_N4)) != 0)
		rg_json_int(j, "data_total_bytes", n);
	if ((n = col_int(q, 0, C_N5)) != 0)
		rg_json_int(j, "data_live_bytes", n);
	if ((v = rg_query_text(q, 0, C_F1)) != NULL &&
	    (float)strtod(v, NULL) != 0)
		rg_json_float32(j, "data_live_percentage",
		    (float)strtod(v, NULL));
	rg_json_object_close(j);
}

/*
 * The rows of one kind as a Go slice without omitempty (null when
 * empty); inner fields are all omitempty.
 */
static void
rows_write(struct rg_json *j, struct rg_query *q, const char *kind,
    const char *key)
{
	const char	*v;
	int		 i, open;

	open = 0;
	for (i = 1; i < rg_query_rows(q); i++) {
		if (strcmp(rg_query_value(q, i, C_KIND, NULL), kind) != 0)
			continue;
		if (!open) {
			rg_json_array_open(j, key);
			open = 1;
		}
		rg_json_object_open(j, NULL);
		if (kind[0] == 'g') {
			rg_json_string(j, "user", rg_query_value(q, i, C_T1,
			    NULL));
			rg_json_array_open(j, "privileges");
			rg_json_string(j, NULL, rg_query_value(q, i, C_T2,
			    NULL));
			rg_json_array_close(j);
		} else if (kind[0] == 'c') {
			rg_json_string(j, "name", rg_query_value(q, i, C_T1,
			    NULL));
			rg_json_string(j, "type", rg_query_value(q, i, C_T2,
			    NULL));
			if (strcmp(rg_query_value(q, i, C_B1, NULL), "t") == 0)
				rg_json_bool(j, "nullable", 1);
			if ((v = rg_query_text(q, i, C_T3)) != NULL)
				rg_json_string(j, "default_value", v);
			if ((v = rg_query_text(q, i, C_T4)) != NULL)
				rg_json_string(j, "generation_expression", v);
		} else {
			rg_json_string(j, "name", rg_query_value(q, i, C_T1,
			    NULL));
			if (strcmp(rg_query_value(q, i, C_B1, NULL), "t") == 0)
				rg_json_bool(j, "unique", 1);
			rg_json_int(j, "seq", col_int(q, i, C_N1));
			rg_json_string(j, "column", rg_query_value(q, i, C_T2,
			    NULL));
			rg_json_string(j, "direction", rg_query_value(q, i,
			    C_T3, NULL));
			if (strcmp(rg_query_value(q, i, C_B2, NULL), "t") == 0)
				rg_json_bool(j, "storing", 1);
		}
		rg_json_object_close(j);
	}
	if (open)
		rg_json_array_close(j);
	else
		rg_json_null(j, key);
}

/*
 * zonepb.ZoneConfig: what roachgate's range model really does.  Ranges
 * split at range_size; every range has a replica on the primary and on
 * each streaming standby.  No min size, GC TTL or constraints exist.
 */
static void
zone_write(struct rg_json *j, struct rg_query *q)
{
	rg_json_object_open(j, "zone_config");
	rg_json_int(j, "range_max_bytes", col_int(q, 0, C_N7));
	rg_json_int(j, "num_replicas", col_int(q, 0, C_N6));
	rg_json_null(j, "constraints");
	rg_json_null(j, "voter_constraints");
	rg_json_bool(j, "inherited_constraints", 0);
	rg_json_bool(j, "null_voter_constraints_is_empty", 0);
	rg_json_null(j, "lease_preferences");
	rg_json_bool(j, "inherited_lease_preferences", 0);
	rg_json_null(j, "subzones");
	rg_json_null(j, "subzone_spans");
	rg_json_object_close(j);
}

static int64_t
col_int(struct rg_query *q, int row, int col)
{
	int64_t		v;

	if (rg_query_isnull(q, row, col) ||
	    rg_parse_int(rg_query_value(q, row, col, NULL), 10, 64, &v) == -1)
		return (0);
	return (v);
}
