/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_SNAPSHOT_H
#define RG_SNAPSHOT_H

#include "roachgate.h"
#include "tokenpage.h"

/*
 * The per-worker cluster snapshot (snapshot.c): for each node, what a
 * catalog reader returned, already encoded as the JSON items the
 * endpoints write, refreshed in the background.
 */
#define RG_SNAP_STATUS		0	/* one item: nodeStatus, open */
#define RG_SNAP_HOT		1	/* hot ranges, hottest first */
#define RG_SNAP_SESSIONS	2	/* sessions by (start, session_id) */
#define RG_SNAP_RANGES		3	/* a node's ranges by range_id */
#define RG_SNAP_NKINDS		4

#define RG_HOT_MAX_PER_NODE	128	/* CockroachDB tracks that many */

struct rg_snap_list {
	size_t		 n;
	size_t		 cap;		/* room in off/koff */
	struct rg_buf	 items;		/* items' JSON, back to back */
	size_t		*off;		/* n + 1 offsets into items */
	struct rg_buf	 keys;		/* sessions: each item's username */
	size_t		*koff;		/* n + 1 offsets into keys */
	size_t		*by_key;	/* item indexes by (key, index) */
	int64_t		*ids;		/* ranges: range_id, ascending */
};

/* Appends one encoded item (and its key, NULL for none) to a list. */
void	rg_snap_add(struct rg_snap_list *, const struct rg_buf *,
	    const void *, size_t);

/*
 * One item per row of q, written by write(j, q, row, node id) as a
 * standalone value; keycol >= 0 is the column whose text is the key.
 */
void	rg_snap_add_rows(struct rg_snap_list *, struct rg_query *, int32_t,
	    void (*)(struct rg_json *, struct rg_query *, int, int32_t), int);

/*
 * The node's copy of that kind if one is at most snapshot_max_age_ms old,
 * else NULL (the caller reads live): never waits.  A miss starts a
 * background refresh (single flight per node and kind); a hit keeps the
 * copy refreshed by the timer while requests use it.
 */
const struct rg_snap_list	*rg_snapshot_get(int, int32_t);

/*
 * Before rg_snapshot_get: 1 when the request sleeps (its handler returns
 * HTTP_STATE_RETRY and runs the state again once woken) until the
 * refresh of a node of ids without a usable copy ends (started here if
 * none runs); 0 when it may go on (every copy is fresh, or there is no
 * refresh to wait for: it reads live).  A request waits at most n times.
 * ids NULL: every configured node (n is then rg_cfg.nnodes).
 */
int	rg_snapshot_wait(struct http_request *, int, const int32_t *, size_t);

/*
 * Every node of a token page from the snapshot: lists[i] for node i of
 * the page's order, the page cut from their lengths (or, with a key,
 * from the length of each list's run of that key, which starts at
 * first[i] in by_key).  0, and nothing cut, if a node has no usable copy.
 */
int	rg_snapshot_tokenpage(struct rg_tokenpage *, int,
	    const struct rg_snap_list **, const void *, size_t, size_t *);

/* Item i of a list. */
void	rg_snap_item(const struct rg_snap_list *, size_t, const char **,
	    size_t *);

/* The index of the item whose range_id is id (ranges), or -1. */
ssize_t	rg_snap_find_id(const struct rg_snap_list *, int64_t);

/* The items whose key is exactly key: *first index into by_key, count. */
size_t	rg_snap_key_range(const struct rg_snap_list *, const void *, size_t,
	    size_t *);

void	rg_snapshot_init(void);
u_int64_t	rg_snapshot_at(int, int32_t);

/*
 * The encoders, one per kind, in the endpoints' files: the whole result
 * of the kind's reader on one node to items (0), or -1 when the result
 * cannot be used (the copy is then not replaced).
 */
int	rg_nodes_snap_encode(struct rg_query *, const struct rg_node *,
	    struct rg_snap_list *);
int	rg_hot_snap_encode(struct rg_query *, const struct rg_node *,
	    struct rg_snap_list *);
int	rg_sessions_snap_encode(struct rg_query *, const struct rg_node *,
	    struct rg_snap_list *);
int	rg_ranges_snap_encode(struct rg_query *, const struct rg_node *,
	    struct rg_snap_list *);

/* The readers' SQL, shared by the live path and the refresh. */
extern const char	rg_nodes_sql[];
extern const char	rg_hot_sql[];
extern const char	rg_sessions_sql[];
extern const char	rg_ranges_sql[];

#endif /* !RG_SNAPSHOT_H */
