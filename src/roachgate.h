/*
 * roachgate: CockroachDB's HTTP API v2 as a Kore module.
 * Declarations shared by the Kore-side files.
 */

#ifndef RG_ROACHGATE_H
#define RG_ROACHGATE_H

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include "config.h"
#include "liveness.h"
#include "nodeerr.h"
#include "pgtext.h"
#include "rg_buf.h"

#define RG_NITEMS(a)		(sizeof(a) / sizeof((a)[0]))

#define RG_MSG_LOGOUT		(KORE_MSG_APP_BASE + 1)
#define RG_MSG_LOGIN_FAIL	(KORE_MSG_APP_BASE + 2)
#define RG_MSG_LOGIN_OK		(KORE_MSG_APP_BASE + 3)
#define RG_MSG_LIVENESS		(KORE_MSG_APP_BASE + 4)
#define RG_MSG_STATS		(KORE_MSG_APP_BASE + 5)

#define RG_INTERNAL_ERROR \
	"An internal server error has occurred. Please check your " \
	"CockroachDB logs for more details."

extern struct rg_config	rg_cfg;

/* respond.c: CockroachDB's response conventions. */
void	rg_respond_error(struct http_request *, int, const char *);
void	rg_respond_internal(struct http_request *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	rg_respond_json(struct http_request *, int, struct rg_buf *);

/*
 * respond.c: a parameter's first value, as Go reads it, checked with the
 * validator kore.conf declares for it (params.c does the parsing).
 */
#define RG_PARAM_MISSING	0
#define RG_PARAM_OK		1
#define RG_PARAM_INVALID	2

int	rg_param(struct http_request *, const char *, struct rg_buf *);
const char *rg_param_cstr(struct rg_buf *);

/* query.c: asynchronous queries on one or all nodes, with a deadline. */
#define RG_Q_IDLE	0
#define RG_Q_PENDING	1
#define RG_Q_DONE	2
#define RG_Q_FAILED	3

struct rg_query {
	struct kore_pgsql	sql;
	const struct rg_node	*node;
	int			state;
	int			setup;
	/* Bound to a callback instead of a request (rg_query_start_cb). */
	void			(*cb)(struct rg_query *, void *);
	void			*cb_arg;
	int			in_cb;
	int			again;
	u_int64_t		started;
	PGresult		*res;
	char			*error;
	const char		*text;
	int			nparams;
	const char		*params[8];
	int			lengths[8];
	int			formats[8];
};

/*
 * Sized by its owner (rg_fanout_init: the configured node count for a
 * request's context) instead of RG_MAX_NODES: 296 bytes a query, so a
 * 3-node cluster's request holds 0.9 KB, not 19 KB.  Callers set n <= cap.
 */
struct rg_fanout {
	struct http_request	*req;
	struct kore_timer	*timer;
	u_int64_t		deadline;
	size_t			n;
	size_t			cap;
	struct rg_query		*q;		/* cap of them (kore_calloc) */
};

void	rg_query_prepare(struct rg_query *, const struct rg_node *,
	    const char *);
void	rg_query_param(struct rg_query *, const void *, int, int);
void	rg_fanout_init(struct rg_fanout *, size_t);
void	rg_fanout_free(struct rg_fanout *);
void	rg_fanout_start(struct rg_fanout *, struct http_request *,
	    u_int64_t);
int	rg_fanout_poll(struct rg_fanout *);
void	rg_fanout_cleanup(struct rg_fanout *);
void	rg_query_cleanup(struct rg_query *);
const char *rg_query_value(struct rg_query *, int, int, int *);
int	rg_query_isnull(struct rg_query *, int, int);
const char *rg_query_text(struct rg_query *, int, int);
int	rg_query_rows(struct rg_query *);

/*
 * The same engine without a request (the sampler, the snapshot): cb runs
 * once, when the query is DONE or FAILED.  A callback-bound query has no
 * deadline timer: its owner calls rg_query_watch() from its own timer,
 * which drives a query Kore did not call back (a connection that broke
 * under it) and fails one older than node_timeout_ms.
 */
void	rg_query_start_cb(struct rg_query *,
	    void (*)(struct rg_query *, void *), void *);
void	rg_query_watch(struct rg_query *, u_int64_t);
int	rg_query_running(const struct rg_query *);

/*
 * roachgate.c: the per-request context.  Kore gives the authentication
 * hook and the
 * handler one shared state pointer, so both use this struct: the
 * hook's session lookup first, then the handler, reusing the fan-out.
 */
struct rg_ctx {
	int			auth_phase;
	int			login_only;	/* rg_user: no admin check */
	char			username[64];
	struct rg_fanout	fan;		/* room for every node */
	void			*ep;		/* endpoint state (kore_calloc) */
	void			(*ep_free)(void *);	/* ep's own, or NULL */
	u_int64_t		t0;		/* first seen (reqstats.c) */
	struct rg_waiter	*wait;		/* waitq.c, or NULL */
	size_t			snap_waits;	/* refreshes waited for */
	int			auth_waited;	/* for another's check */
};

struct rg_ctx	*rg_ctx_get(struct http_request *);

/* Frees ctx->ep (through ep_free first, if set); both become NULL. */
void		 rg_ctx_ep_free(struct rg_ctx *);

/* liveness.c: what roachgate knows of each node's health (RG_LIVENESS_*). */
void	rg_liveness_init(void);
void	rg_liveness_seen(int32_t, int);
int	rg_liveness_status(int32_t);

/* ranges.c: ascending int64_t ids for qsort(3). */
int	rg_id_cmp(const void *, const void *);

/* sampler.c: drives the catalog's load sampling, on this worker only
 * (nodeevents.c records from the same one). */
#define RG_SAMPLER_WORKER	1
void	rg_sampler_init(void);
void	rg_memtrim_init(void);

/* nodeevents.c: records node joins, restarts and outages in the event log. */
void	rg_nodeevents_init(void);
void	rg_nodeevents_changed(int32_t);

#endif
