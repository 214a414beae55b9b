/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_PAGINATE_H
#define RG_PAGINATE_H

#include <stddef.h>
#include <stdint.h>

#include "rg_buf.h"

/*
 * CockroachDB's pagination (pkg/server/pagination.go), exactly.
 *
 * Node IDs are stored as the bit pattern of Go's roachpb.NodeID (int32):
 * a token may carry ids that Go wraps to negative numbers, and those are
 * compared and printed as int32 like Go does.
 */

/* simplePaginate: input[start:end], next offset (0 = absent). */
struct rg_simple_page {
	size_t		start;
	size_t		end;
	int64_t		next;
};

void	rg_simple_paginate(size_t, int64_t, int64_t, struct rg_simple_page *);

#define RG_PAGE_MAXNODES	1024

/*
 * paginationState.  Invariant kept by every function here:
 * nqueried + nto_query + (in_progress != 0) <= room <= RG_PAGE_MAXNODES,
 * so no operation can overflow an array; a token naming more nodes is
 * refused (Go has no limit; 1024 nodes is far beyond any cluster we
 * serve).  Both arrays hold `room` ids: what the token names plus what
 * rg_page_state_merge() adds (the configured nodes), not the maximum.
 */
struct rg_page_state {
	uint32_t	*queried;
	size_t		nqueried;
	uint32_t	in_progress;
	int64_t		in_progress_index;
	uint32_t	*to_query;
	size_t		nto_query;
	size_t		room;
};

/* An empty state that owns nothing (for a state never used before). */
void	rg_page_state_init(struct rg_page_state *);

/* Back to the empty state; the arrays are kept for reuse. */
void	rg_page_state_clear(struct rg_page_state *);

/* Frees the arrays; the state is then empty, as after init. */
void	rg_page_state_free(struct rg_page_state *);

/* Room for n ids in each array (n <= RG_PAGE_MAXNODES): 0 or -1. */
int	rg_page_state_reserve(struct rg_page_state *, size_t);

/*
 * UnmarshalText: base64 URL alphabet with padding, then
 * "<q1>,<q2>,...|<inProgress>|<inProgressIndex>|<t1>,<t2>,...".
 * Returns 0, or -1 with the state cleared.  The state must have been
 * initialised (it may hold an earlier token).
 */
int	rg_page_state_unmarshal(struct rg_page_state *, const char *, size_t);

/* The text layer of the above (already base64-decoded). */
int	rg_page_state_parse(struct rg_page_state *, const char *, size_t);

/* MarshalText: appends the base64url token (never empty). */
int	rg_page_state_marshal(const struct rg_page_state *, struct rg_buf *);

/* The text form before base64, e.g. "1,2,3,|4|2|5,6,7,". */
void	rg_page_state_text(const struct rg_page_state *, struct rg_buf *);

/*
 * mergeNodeIDs: append every id of the sorted list that the state does
 * not know yet to to_query, then if in_progress is 0 pop the first
 * to_query into in_progress.  Ids that would break the size invariant
 * are dropped.
 */
void	rg_page_state_merge(struct rg_page_state *, const uint32_t *, size_t);

/*
 * paginate(limit, nodeID, length): the [start, end) slice of that node's
 * sorted result list to return; updates the state and *limit.  Returns
 * -1 (after moving in_progress to queried, as Go does) when the node is
 * not in the state.
 */
int	rg_page_state_paginate(struct rg_page_state *, int64_t *, uint32_t,
	    size_t, size_t *, size_t *);

/*
 * The nodes to ask for this page, in order: in_progress (if not 0), then
 * to_query (as paginatedIterateNodes builds it).  Returns the count, at
 * most max.
 */
size_t	rg_page_state_nodes(const struct rg_page_state *, uint32_t *, size_t);

/*
 * Where to start reading a node's sorted list for this page: the
 * in-progress index for the in-progress node, else 0.  A server that
 * reads at most limit + 1 rows from there passes length = start +
 * rows_read to rg_page_collect and gets the same page as with the full
 * list (tests/unit/test_paginate.c shows this).
 */
int64_t	rg_page_fetch_start(const struct rg_page_state *, uint32_t);

/*
 * rpcNodePaginator's consuming side as a pure function.  nodes[] is the
 * rg_page_state_nodes() order and lengths[i] the length of node i's
 * sorted result list, or -1 if that node failed.  Results are consumed in
 * order; a failed node yields an error span and is later moved to
 * queried by paginate's skip rule; consumption stops once the nodes seen
 * so far hold `limit` items (queryNode's `done`): later nodes, failed or
 * not, are not reported, like Go.  One span per consumed node is written
 * to out (room for n).  *nout gets the span count.  The state becomes the
 * `next` state.  limit must be > 0 (limit 0 means no pagination: Go uses
 * iterateNodes instead).  Returns 0, or -1 on bad arguments.
 */
struct rg_page_span {
	uint32_t	node;
	size_t		start;
	size_t		end;
	int		error;	/* 1 node failed, 2 node not in state */
};

int	rg_page_collect(struct rg_page_state *, int64_t, const uint32_t *,
	    const int64_t *, size_t, struct rg_page_span *, size_t *);

#endif /* !RG_PAGINATE_H */
