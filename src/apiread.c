/*
 * One catalog read on the primary for the later API v2 routes, and their
 * offset pagination (src/REFERENCE.md, "Later routes (API v2 since
 * v21.2)").  CockroachDB puts LIMIT/OFFSET into its SQL for users/,
 * events/, grants/ and tables/, so the readers do too: a page costs what
 * PostgreSQL's OFFSET costs, never a copy of the whole list here.
 */

#include <stdio.h>
#include <string.h>

#include "apiread.h"
#include "params.h"

void
rg_offpage_parse(struct http_request *req, struct rg_offpage *pg)
{
	struct rg_buf	lim, off;
	int		hl, ho;

	http_populate_qs(req);
	rg_buf_init(&lim);
	rg_buf_init(&off);
	hl = rg_param(req, "limit", &lim) != RG_PARAM_MISSING;
	ho = rg_param(req, "offset", &off) != RG_PARAM_MISSING;
	rg_parse_limit_offset(hl ? rg_param_cstr(&lim) : NULL,
	    ho ? rg_param_cstr(&off) : NULL, &pg->limit, &pg->offset);
	rg_buf_free(&lim);
	rg_buf_free(&off);
}

/*
 * Binds lim and off (the reader's LIMIT and OFFSET): no limit is NULL,
 * every row.  extra rows are asked for beyond the limit, so a caller can
 * tell whether the page is the last one.
 */
void
rg_offpage_bind(struct rg_query *q, struct rg_offpage *pg, int extra)
{
	(void)snprintf(pg->lim, sizeof(pg->lim), "%lld",
	    (long long)pg->limit + extra);
	(void)snprintf(pg->off, sizeof(pg->off), "%lld",
	    (long long)pg->offset);
	rg_query_param(q, pg->limit > 0 ? pg->lim : NULL, -1, 0);
	rg_query_param(q, pg->off, -1, 0);
}

/* users/, events/, grants/, tables/: a full page has a next offset. */
int64_t
rg_offpage_next(const struct rg_offpage *pg, int rows)
{
	if (pg->limit > 0 && rows >= pg->limit)
		return (pg->offset + rows);
	return (0);
}

/*
 * databases/ pages its whole list with simplePaginate: next is the end of
 * the page unless that is the end of the list.  Read with one extra row,
 * rows > limit says it is not.
 */
int64_t
rg_offpage_next_simple(const struct rg_offpage *pg, int rows)
{
	if (pg->limit > 0 && rows > pg->limit)
		return (pg->offset + pg->limit);
	return (0);
}

struct rg_query *
rg_read_primary(struct http_request *req, const char *sql)
{
	struct rg_ctx	*ctx = rg_ctx_get(req);

	ctx->fan.n = 1;
	rg_query_prepare(&ctx->fan.q[0], rg_config_node(&rg_cfg,
	    rg_cfg.primary), sql);
	return (&ctx->fan.q[0]);
}

/* After the reader ran: RG_READ_DONE, or FAILED with the 500 sent. */
int
rg_read_wait(struct http_request *req)
{
	struct rg_ctx	*ctx = rg_ctx_get(req);
	struct rg_query	*q = &ctx->fan.q[0];

	if (q->state == RG_Q_IDLE)
		rg_fanout_start(&ctx->fan, req, rg_cfg.node_timeout_ms);
	if (!rg_fanout_poll(&ctx->fan))
		return (RG_READ_PENDING);
	if (q->state != RG_Q_DONE) {
		rg_respond_internal(req, "%s on n%d: %s", req->path,
		    rg_cfg.primary, q->error != NULL ? q->error : "failed");
		return (RG_READ_FAILED);
	}

	return (RG_READ_DONE);
}

/*
 * PostgreSQL names are at most 63 bytes; a longer one names nothing (the
 * route's pattern already allowed only [0-9A-Za-z_.]).
 */
int
rg_path_name(struct http_request *req, const char *prefix, char *out,
    size_t outlen)
{
	const char	*p, *e;
	size_t		 plen;

	plen = strlen(prefix);
	if (strncmp(req->path, prefix, plen) != 0)
		return (-1);
	p = req->path + plen;
	if ((e = strchr(p, '/')) == NULL || e == p ||
	    (size_t)(e - p) >= outlen || e - p > 63)
		return (-1);
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';

	return (0);
}
