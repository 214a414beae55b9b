/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * GET /api/v2/sessions/ (src/REFERENCE.md, "GET /sessions/"): every
 * node's
 * roachgate.sessions, ordered by start (then session id) per node and by
 * node id overall, filtered by `username`, token-paginated
 * (tokenpage.c).  A node that fails becomes an `errors` entry and the
 * answer stays 200.  Sessions are serverpb.Session with the v21.1 field
 * list and gogoproto's JSON rules: zero scalars omitted, non-nullable
 * times always written, `active_txn` a pointer (omitted when NULL).
 * When every node of the page has a fresh copy in the snapshot
 * (snapshot.c), the page is cut from memory instead.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "roachgate.h"
#include "json.h"
#include "params.h"
#include "rangeinfo.h"
#include "snapshot.h"
#include "tokenpage.h"

int	rg_sessions(struct http_request *);

struct sessions_ep;

static int	sessions_start(struct http_request *);
static int	sessions_wait(struct http_request *);
static void	sessions_prepare(struct rg_query *, const struct rg_node *,
		    const char *, const char *, void *);
static void	session_snap_write(struct rg_json *, struct sessions_ep *,
		    size_t, int);
static void	session_write(struct rg_json *, struct rg_query *, int,
		    int32_t);
static void	query_write(struct rg_json *, struct rg_query *, int);
static void	txn_write(struct rg_json *, struct rg_query *, int);
static void	put_str(struct rg_json *, const char *, struct rg_query *,
		    int, int);
static void	put_int(struct rg_json *, const char *, struct rg_query *,
		    int, int);
static void	put_bool(struct rg_json *, const char *, struct rg_query *,
		    int, int);
static void	put_time(struct rg_json *, const char *, struct rg_query *,
		    int, int);
static void	put_uuid(struct rg_json *, const char *, struct rg_query *,
		    int, int);

static struct http_state	states[] = {
	KORE_HTTP_STATE(sessions_start),
	KORE_HTTP_STATE(sessions_wait),
};

#define SESSIONS_WAIT	1

struct sessions_ep {
	struct rg_tokenpage	tp;		/* first: ep_free */
	int			snap;		/* from tp.mlist[k], node k's */
	int			filter;		/* username given */
	size_t			ulen;
	uint8_t			user[];		/* raw bytes, as Go sees them */
};

/* Columns, in select-list order. */
enum {
	C_ID, C_USER, C_ADDR, C_APP, C_START, C_LASTQ, C_ALLOC, C_MAXALLOC,
	C_LASTQ_ANON,
	C_Q_ID, C_Q_TXN, C_Q_SQL, C_Q_START, C_Q_DIST, C_Q_PHASE, C_Q_PROG,
	C_Q_ANON,
	C_T_ID, C_T_START, C_T_DESC, C_T_STMTS, C_T_RETRIES, C_T_AUTORETRIES,
	C_T_DEADLINE, C_T_IMPLICIT, C_T_ALLOC, C_T_MAXALLOC, C_T_RO,
	C_T_HIST, C_T_PRIO
};

/*
 * The username is compared as bytes: whatever the client sent (invalid
 * UTF-8 included) simply matches nothing, as in CockroachDB, instead of
 * failing the query on every node.
 */
const char	rg_sessions_sql[] =
    "SELECT session_id, username, client_address, application_name, start,"
    " last_active_query, alloc_bytes, max_alloc_bytes,"
    " last_active_query_anon,"
    " query_id, query_txn_id, query_sql, query_start, query_is_distributed,"
    " query_phase, query_progress, query_sql_anon,"
    " txn_id, txn_start, txn_description, txn_num_statements_executed,"
    " txn_num_retries, txn_num_auto_retries, txn_deadline, txn_implicit,"
    " txn_alloc_bytes, txn_max_alloc_bytes, txn_read_only,"
    " txn_is_historical, txn_priority"
    " FROM roachgate.read_sessions($1::bytea, $2::int8, $3::int8)";

int
rg_sessions(struct http_request *req)
{
	return (http_state_run(states, RG_NITEMS(states), req));
}

static int
sessions_start(struct http_request *req)
{
	struct rg_ctx		*ctx = rg_ctx_get(req);
	struct sessions_ep	*ep;
	struct rg_buf		 user, tok;
	int32_t			 ids[RG_MAX_NODES];
	int64_t			 limit;
	size_t			 i;
	int			 filter;

	for (i = 0; i < rg_cfg.nnodes; i++)
		ids[i] = rg_cfg.nodes[i].id;
	if (rg_snapshot_wait(req, RG_SNAP_SESSIONS, ids, rg_cfg.nnodes))
		return (HTTP_STATE_RETRY);

	http_populate_qs(req);
	rg_buf_init(&user);
	rg_buf_init(&tok);

	filter = rg_param(req, "username", &user) != RG_PARAM_MISSING;
	rg_tokenpage_params(req, &limit, &tok);

	rg_ctx_ep_free(ctx);
	ctx->ep = ep = kore_calloc(1, sizeof(*ep) + user.len + 1);
	ctx->ep_free = rg_tokenpage_ep_free;
	ep->filter = filter;
	ep->ulen = user.len;
	if (user.len > 0)
		memcpy(ep->user, user.data, user.len);

	rg_tokenpage_init(&ep->tp, "session list", limit, &tok, ids,
	    rg_cfg.nnodes, 0);
	/* A user's sessions are a run of each list's by_key index. */
	ep->snap = rg_snapshot_tokenpage(&ep->tp, RG_SNAP_SESSIONS,
	    ep->tp.mlist, ep->filter ? ep->user : NULL, ep->ulen,
	    ep->tp.mfirst);
	if (!ep->snap)
		rg_tokenpage_start(&ep->tp, &ctx->fan, req, sessions_prepare,
		    ep);

	rg_buf_free(&user);
	rg_buf_free(&tok);

	req->fsm_state = SESSIONS_WAIT;
	return (HTTP_STATE_CONTINUE);
}

/* The snapshot's encoding: a session_write() object per row, keyed by
 * the username's bytes (what the filter compares). */
int
rg_sessions_snap_encode(struct rg_query *q, const struct rg_node *node,
    struct rg_snap_list *list)
{
	rg_snap_add_rows(list, q, node->id, session_write, C_USER);
	return (0);
}

/* Row r of part k's list (through by_key when filtered). */
static void
session_snap_write(struct rg_json *j, struct sessions_ep *ep, size_t k,
    int r)
{
	const struct rg_snap_list	*l = ep->tp.mlist[k];
	const char			*item;
	size_t				 i, len;

	i = (size_t)r;
	if (ep->filter)
		i = l->by_key[ep->tp.mfirst[k] + i];
	rg_snap_item(l, i, &item, &len);
	rg_json_raw(j, NULL, item, len);
}

static void
sessions_prepare(struct rg_query *q, const struct rg_node *node,
    const char *offset, const char *count, void *arg)
{
	struct sessions_ep	*ep = arg;

	rg_query_prepare(q, node, rg_sessions_sql);
	if (ep->filter)
		rg_query_param(q, ep->user, (int)ep->ulen, 1);
	else
		rg_query_param(q, NULL, 0, 0);
	rg_query_param(q, count, -1, 0);
	rg_query_param(q, offset, -1, 0);
}

static int
sessions_wait(struct http_request *req)
{
	struct rg_ctx			*ctx = rg_ctx_get(req);
	struct sessions_ep		*ep = ctx->ep;
	struct rg_tokenpage_part	 p;
	struct rg_buf			 body, msg;
	struct rg_json			 j;
	size_t				 k, n;
	int				 r, any;

	if (!rg_tokenpage_poll(&ep->tp, &ctx->fan))
		return (HTTP_STATE_RETRY);

	rg_buf_init(&body);
	rg_buf_init(&msg);
	rg_json_init(&j, &body);
	rg_json_object_open(&j, NULL);
	n = rg_tokenpage_nparts(&ep->tp);

	any = 0;
	for (k = 0; k < n; k++) {
		rg_tokenpage_part(&ep->tp, &ctx->fan, k, &p);
		for (r = 0; !p.failed && r < p.nrows; r++) {
			if (!any++)
				rg_json_array_open(&j, "sessions");
			if (ep->snap)
				session_snap_write(&j, ep, k, p.row + r);
			else
				session_write(&j, p.q, p.row + r, p.node);
		}
	}
	if (any)
		rg_json_array_close(&j);

	any = 0;
	for (k = 0; k < n; k++) {
		rg_tokenpage_part(&ep->tp, &ctx->fan, k, &p);
		if (!p.failed)
			continue;
		if (!any++)
			rg_json_array_open(&j, "errors");
		rg_buf_reset(&msg);
		rg_tokenpage_error(&ep->tp, &ctx->fan, k, &msg);
		rg_json_object_open(&j, NULL);
		if (p.node != 0)
			rg_json_int(&j, "node_id", p.node);
		rg_json_stringn(&j, "message", (const char *)msg.data, msg.len);
		rg_json_object_close(&j);
	}
	if (any)
		rg_json_array_close(&j);

	rg_tokenpage_respond(&ep->tp, &j, req);
	rg_buf_free(&body);
	rg_buf_free(&msg);
	return (HTTP_STATE_COMPLETE);
}

/* serverpb.Session, v21.1 fields in proto order. */
static void
session_write(struct rg_json *j, struct rg_query *q, int row, int32_t node)
{
	struct rg_buf	id;
	const char	*v;

	rg_json_object_open(j, NULL);
	if (node != 0)
		rg_json_int(j, "node_id", node);
	put_str(j, "username", q, row, C_USER);
	put_str(j, "client_address", q, row, C_ADDR);
	put_str(j, "application_name", q, row, C_APP);
	if (rg_query_text(q, row, C_Q_ID) != NULL) {
		rg_json_array_open(j, "active_queries");
		query_write(j, q, row);
		rg_json_array_close(j);
	}
	put_time(j, "start", q, row, C_START);
	put_str(j, "last_active_query", q, row, C_LASTQ);

	rg_buf_init(&id);
	if ((v = rg_query_text(q, row, C_ID)) != NULL &&
	    rg_bytea_decode(v, &id) == 0 && id.len > 0)
		rg_json_bytes(j, "id", id.data, id.len);
	rg_buf_free(&id);

	put_int(j, "alloc_bytes", q, row, C_ALLOC);
	put_int(j, "max_alloc_bytes", q, row, C_MAXALLOC);
	if (rg_query_text(q, row, C_T_ID) != NULL)
		txn_write(j, q, row);
	put_str(j, "last_active_query_anon", q, row, C_LASTQ_ANON);
	rg_json_object_close(j);
}

/* serverpb.ActiveQuery (v21.1). */
static void
query_write(struct rg_json *j, struct rg_query *q, int row)
{
	const char	*v;
	float		 progress;

	rg_json_object_open(j, NULL);
	put_str(j, "id", q, row, C_Q_ID);
	put_uuid(j, "txn_id", q, row, C_Q_TXN);
	put_str(j, "sql", q, row, C_Q_SQL);
	put_time(j, "start", q, row, C_Q_START);
	put_bool(j, "is_distributed", q, row, C_Q_DIST);
	put_int(j, "phase", q, row, C_Q_PHASE);
	if ((v = rg_query_text(q, row, C_Q_PROG)) != NULL) {
		progress = strtof(v, NULL);
		if (isfinite(progress) && progress != 0)
			rg_json_float32(j, "progress", progress);
	}
	put_str(j, "sql_anon", q, row, C_Q_ANON);
	rg_json_object_close(j);
}

/* serverpb.TxnInfo (v21.1). */
static void
txn_write(struct rg_json *j, struct rg_query *q, int row)
{
	rg_json_object_open(j, "active_txn");
	put_uuid(j, "id", q, row, C_T_ID);
	put_time(j, "start", q, row, C_T_START);
	put_str(j, "txn_description", q, row, C_T_DESC);
	put_int(j, "num_statements_executed", q, row, C_T_STMTS);
	put_int(j, "num_retries", q, row, C_T_RETRIES);
	put_int(j, "num_auto_retries", q, row, C_T_AUTORETRIES);
	put_time(j, "deadline", q, row, C_T_DEADLINE);
	put_bool(j, "implicit", q, row, C_T_IMPLICIT);
	put_int(j, "alloc_bytes", q, row, C_T_ALLOC);
	put_int(j, "max_alloc_bytes", q, row, C_T_MAXALLOC);
	put_bool(j, "read_only", q, row, C_T_RO);
	put_bool(j, "is_historical", q, row, C_T_HIST);
	put_str(j, "priority", q, row, C_T_PRIO);
	rg_json_object_close(j);
}

/* string, omitempty */
static void
put_str(struct rg_json *j, const char *key, struct rg_query *q, int row,
    int c)
{
	const char	*v;
	int		 len;

	if (rg_query_isnull(q, row, c))
		return;
	v = rg_query_value(q, row, c, &len);
	if (len > 0)
		rg_json_stringn(j, key, v, (size_t)len);
}

/* int32/int64/enum, omitempty */
static void
put_int(struct rg_json *j, const char *key, struct rg_query *q, int row,
    int c)
{
	const char	*v;
	int64_t		 n;

	if ((v = rg_query_text(q, row, c)) == NULL || rg_parse_int(v, 10, 64, &n) == -1)
		return;
	if (n != 0)
		rg_json_int(j, key, n);
}

/* bool, omitempty */
static void
put_bool(struct rg_json *j, const char *key, struct rg_query *q, int row,
    int c)
{
	const char	*v;

	if ((v = rg_query_text(q, row, c)) != NULL && strcmp(v, "t") == 0)
		rg_json_bool(j, key, 1);
}

/*
 * Non-nullable time.Time: always written.  The catalog's 0 (unknown, or
 * no deadline) and NULL are Go's zero time.
 */
static void
put_time(struct rg_json *j, const char *key, struct rg_query *q, int row,
    int c)
{
	const char	*v;
	int64_t		 ns;

	if ((v = rg_query_text(q, row, c)) == NULL || rg_parse_int(v, 10, 64, &ns) == -1 ||
	    ns == 0) {
		rg_json_time_zero(j, key);
		return;
	}
	rg_json_time(j, key, ns);
}

/* uuid.UUID (non-nullable): PostgreSQL's canonical text is Go's
 * MarshalText; NULL is the nil UUID. */
static void
put_uuid(struct rg_json *j, const char *key, struct rg_query *q, int row,
    int c)
{
	static const uint8_t	 nil[16];
	const char		*v;

	if ((v = rg_query_text(q, row, c)) == NULL) {
		rg_json_uuid(j, key, nil);
		return;
	}
	rg_json_string(j, key, v);
}
