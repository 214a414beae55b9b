/*
 * GET /api/v2/events/ (src/REFERENCE.md, "Later routes (API v2 since
 * v21.2)"), admin only: roachgate.eventlog newest first, optionally of
 * one `type`, limit/offset in SQL.  `info` is written as Go re-marshals
 * CockroachDB's redacted map: keys sorted, numbers through float64,
 * Statement "<hidden>" (the reader never returns the statement itself).
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "apiread.h"
#include "json.h"
#include "params.h"
#include "rangeinfo.h"

int	rg_events(struct http_request *);

static int	events_start(struct http_request *);
static int	events_wait(struct http_request *);
static int	event_write(struct rg_json *, struct rg_query *, int, int);
static void	info_write(struct rg_json *, struct rg_query *, int, int);

static struct http_state	states[] = {
	KORE_HTTP_STATE(events_start),
	KORE_HTTP_STATE(events_wait),
};

#define EVENTS_WAIT	1

/* One row per (event, info key), in page order. */
static const char	events_sql[] =
    "SELECT e.ord, e.ts, e.event_type, e.reporting_id, e.reporting_name, "
    "e.unique_id, k.key, k.type, k.value "
    "FROM roachgate.read_events($1, $2, $3) WITH ORDINALITY AS "
    "e(ts, event_type, reporting_id, reporting_name, info_keys, info_types, "
    "info_values, unique_id, ord) "
    "LEFT JOIN LATERAL unnest(e.info_keys, e.info_types, e.info_values) "
    "WITH ORDINALITY AS k(key, type, value, n) ON true "
    "ORDER BY e.ord, k.n";

enum {
	C_ORD, C_TS, C_TYPE, C_REPORTING_ID, C_REPORTING_NAME, C_UNIQUE_ID,
	C_KEY, C_KTYPE, C_VALUE
};

struct events_req {
	struct rg_offpage	pg;
	struct rg_buf		type;
	int			none;	/* a type no event can have */
};

int
rg_events(struct http_request *req)
{
	return (http_state_run(states, RG_NITEMS(states), req));
}

static int
events_start(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct events_req	*er;
	struct rg_query		*q;
	int			 r;

	ctx->ep = er = kore_calloc(1, sizeof(*er));
	rg_offpage_parse(req, &er->pg);

	/* An exact match on "eventType"; empty is no filter.  A value the
	 * validator refuses (control bytes) matches no event. */
	rg_buf_init(&er->type);
	r = rg_param(req, "type", &er->type);
	er->none = (r == RG_PARAM_INVALID);

	if (!er->none) {
		q = rg_read_primary(req, events_sql);
		rg_query_param(q, r == RG_PARAM_OK ?
		    rg_buf_cstr(&er->type) : NULL, -1, 0);
		rg_offpage_bind(q, &er->pg, 0);
	}

	req->fsm_state = EVENTS_WAIT;
	return (HTTP_STATE_CONTINUE);
}

/* eventsResponse: "events" without omitempty (null when empty), next. */
static int
events_wait(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct events_req	*er = ctx->ep;
	struct rg_query		*q = &ctx->fan.q[0];
	struct rg_json		 j;
	struct rg_buf		 body;
	int64_t			 next;
	int			 row, rows, n, r;

	rows = 0;
	if (!er->none) {
		if ((r = rg_read_wait(req)) == RG_READ_PENDING)
			return (HTTP_STATE_RETRY);
		if (r == RG_READ_FAILED) {
			rg_buf_free(&er->type);
			return (HTTP_STATE_COMPLETE);
		}
		rows = rg_query_rows(q);
	}
	rg_buf_free(&er->type);

	rg_buf_init(&body);
	rg_json_init(&j, &body);
	rg_json_object_open(&j, NULL);
	if (rows == 0)
		rg_json_null(&j, "events");
	else
		rg_json_array_open(&j, "events");
	for (n = 0, row = 0; row < rows; n++)
		row = event_write(&j, q, row, rows);
	if (rows > 0)
		rg_json_array_close(&j);
	if ((next = rg_offpage_next(&er->pg, n)) != 0)
		rg_json_int(&j, "next", next);
	rg_json_object_close(&j);

	rg_respond_json(req, HTTP_STATUS_OK, &body);
	rg_buf_free(&body);
	return (HTTP_STATE_COMPLETE);
}

/*
 * serverpb.EventsResponse_Event from the rows of one event, starting at
 * row; returns the first row of the next event.
 */
static int
event_write(struct rg_json *j, struct rg_query *q, int row, int rows)
{
	const struct rg_node	*node;
	const char		*ord, *v;
	struct rg_buf		 uid;
	int64_t			 ts, rid;
	int			 end;

	ord = rg_query_value(q, row, C_ORD, NULL);
	for (end = row + 1; end < rows &&
	    strcmp(rg_query_value(q, end, C_ORD, NULL), ord) == 0; end++)
		;

	rg_json_object_open(j, NULL);
	if (rg_parse_int(rg_query_value(q, row, C_TS, NULL), 10, 64,
	    &ts) == -1)
		ts = 0;
	rg_json_time(j, "timestamp", ts);
	if ((v = rg_query_text(q, row, C_TYPE)) != NULL && *v != '\0')
		rg_json_string(j, "event_type", v);

	/* reportingID, else the node the event trigger ran on. */
	if (rg_parse_int(rg_query_value(q, row, C_REPORTING_ID, NULL), 10, 64,
	    &rid) == -1)
		rid = 0;
	if (rid == 0 && (v = rg_query_text(q, row, C_REPORTING_NAME)) != NULL &&
	    (node = rg_config_node_by_name(&rg_cfg, v)) != NULL)
		rid = node->id;
	if (rid != 0)
		rg_json_int(j, "reporting_id", rid);

	info_write(j, q, row, end);

	rg_buf_init(&uid);
	if (rg_bytea_decode(rg_query_value(q, row, C_UNIQUE_ID, NULL),
	    &uid) == 0 && uid.len > 0)
		rg_json_bytes(j, "unique_id", uid.data, uid.len);
	rg_buf_free(&uid);
	rg_json_object_close(j);

	return (end);
}

/* info: the JSON text Go's json.Marshal(map[string]interface{}) gives. */
static void
info_write(struct rg_json *j, struct rg_query *q, int row, int end)
{
	struct rg_json	 ij;
	struct rg_buf	 info;
	const char	*key, *type, *val;
	char		*ep;
	double		 d;

	rg_buf_init(&info);
	rg_json_init(&ij, &info);
	rg_json_object_open(&ij, NULL);
	for (; row < end; row++) {
		if ((key = rg_query_text(q, row, C_KEY)) == NULL)
			continue;
		type = rg_query_value(q, row, C_KTYPE, NULL);
		val = rg_query_text(q, row, C_VALUE);
		if (strcmp(type, "string") == 0) {
			rg_json_string(&ij, key, val != NULL ? val : "");
		} else if (strcmp(type, "number") == 0 && val != NULL) {
			d = strtod(val, &ep);
			rg_json_float64(&ij, key, (*ep == '\0' && isfinite(d)) ?
			    d : 0);
		} else if (strcmp(type, "boolean") == 0 && val != NULL) {
			rg_json_bool(&ij, key, strcmp(val, "true") == 0);
		} else if (val != NULL && strcmp(type, "null") != 0) {
			/* Objects and arrays: jsonb's text (never written by
			 * the event trigger). */
			rg_json_raw(&ij, key, val, strlen(val));
		} else {
			rg_json_null(&ij, key);
		}
	}
	rg_json_object_close(&ij);

	rg_json_stringn(j, "info", (const char *)info.data, info.len);
	rg_buf_free(&info);
}
