/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_TOKENPAGE_H
#define RG_TOKENPAGE_H

#include "roachgate.h"
#include "json.h"
#include "paginate.h"

/*
 * Token pagination over a fan-out (CockroachDB's paginatedIterateNodes,
 * src/REFERENCE.md, "Token pagination"), shared by /sessions/ and
 * /ranges/hot/.
 *
 * Each node holds one sorted list (the endpoint's SQL orders it).  With
 * a limit, the nodes of the pagination state are asked concurrently, each
 * only for the rows this page can use: OFFSET the in-progress index (0
 * for the others) LIMIT limit + 1, so that a node with exactly `limit`
 * rows left is told apart from one with more; paginate.h's pure state
 * machine then consumes the answers in order and yields the `next`
 * state.  Without a limit every node is asked for its whole list and
 * `next` is the zero state, as CockroachDB does.
 *
 * Use: rg_tokenpage_params(), rg_tokenpage_init(), rg_tokenpage_start()
 * (the prepare callback writes each node's SQL, ending in
 * "LIMIT $n OFFSET $m" with the two parameters it is given), then
 * rg_tokenpage_poll() until it returns 1, then the parts in order, then
 * rg_tokenpage_respond().
 */

/* prepare(q, node, offset, count, arg): count NULL means no limit. */
typedef void	(*rg_tokenpage_prepare)(struct rg_query *,
		    const struct rg_node *, const char *, const char *,
		    void *);

struct rg_tokenpage_part {
	int32_t		node;
	int		failed;		/* see rg_tokenpage_error() */
	struct rg_query	*q;		/* NULL when failed */
	int		row;		/* first row of q in this page */
	int		nrows;
};

struct rg_snap_list;

/* One asked node's query, in node order. */
struct rg_tokenpage_node {
	int		slot;			/* fan-out index, -1: none */
	int64_t		first;			/* OFFSET */
	char		off[24];		/* OFFSET and LIMIT, as text */
	char		cnt[24];
};

/*
 * The per-node arrays hold the n nodes this page asks (at most the
 * configured nodes plus what the token names), allocated by
 * rg_tokenpage_init() and freed by rg_tokenpage_free() only.
 */
struct rg_tokenpage {
	const char		*what;		/* "session list", "hot ranges" */
	int64_t			limit;		/* 0: no pagination */
	int64_t			cap;		/* list length cap, 0: none */
	int			done;
	int			mem;		/* lists from memory */
	struct rg_page_state	st;		/* becomes `next` */
	size_t			n;		/* nodes asked, in order */
	size_t			nalloc;		/* room in the arrays */
	uint32_t		*ids;
	int64_t			*len;		/* -1: failed */
	struct rg_tokenpage_node *node;
	struct rg_page_span	*span;
	size_t			nspan;
	/* rg_snapshot_tokenpage()'s: node k's list and its key run start. */
	const struct rg_snap_list **mlist;
	size_t			*mfirst;
};

/*
 * getRPCPaginationValues: limit (Atoi; bad or <= 0 is 0) and, when the
 * limit is > 0, the raw `start` token into tok (empty if absent).
 * Values are read as Go reads them (the first one, raw), whatever Kore's
 * validator made of them.
 */
void	rg_tokenpage_params(struct http_request *, int64_t *, struct rg_buf *);

/*
 * ids: every node to list, ascending (all configured nodes, or the one
 * asked for).  A token that does not parse restarts from the beginning.
 * cap > 0 truncates each node's list to its first cap rows.
 */
void	rg_tokenpage_init(struct rg_tokenpage *, const char *, int64_t,
	    const struct rg_buf *, const int32_t *, size_t, int64_t);
void	rg_tokenpage_free(struct rg_tokenpage *);

/* rg_ctx's ep_free for an endpoint state whose first member is its
 * struct rg_tokenpage. */
void	rg_tokenpage_ep_free(void *);

void	rg_tokenpage_start(struct rg_tokenpage *, struct rg_fanout *,
	    struct http_request *, rg_tokenpage_prepare, void *);

/*
 * Instead of rg_tokenpage_start(): every node's whole list is in memory
 * (the snapshot), lens[i] long for node i of the state's order (ids, or
 * rg_tokenpage_id()).  The page is cut at once; a part's row then indexes
 * that list and its q is NULL.
 */
void	rg_tokenpage_lengths(struct rg_tokenpage *, const int64_t *);
size_t	rg_tokenpage_nodes(const struct rg_tokenpage *);
int32_t	rg_tokenpage_id(const struct rg_tokenpage *, size_t);

/* 1 once every node answered or failed and the page is cut, else 0. */
int	rg_tokenpage_poll(struct rg_tokenpage *, struct rg_fanout *);

/* The page: one part per node consumed, in consumption order. */
size_t	rg_tokenpage_nparts(const struct rg_tokenpage *);
void	rg_tokenpage_part(struct rg_tokenpage *, struct rg_fanout *, size_t,
	    struct rg_tokenpage_part *);

/* The error text of a failed part, in CockroachDB's words (appended). */
void	rg_tokenpage_error(struct rg_tokenpage *, struct rg_fanout *, size_t,
	    struct rg_buf *);

/* The `next` token (appended; never empty). */
void	rg_tokenpage_next(const struct rg_tokenpage *, struct rg_buf *);

/*
 * The end of a page's answer: writes `next` into the top-level object the
 * json writer has open, closes it and sends its buffer with 200.  The
 * caller still frees that buffer.
 */
void	rg_tokenpage_respond(const struct rg_tokenpage *, struct rg_json *,
	    struct http_request *);

#endif /* !RG_TOKENPAGE_H */
