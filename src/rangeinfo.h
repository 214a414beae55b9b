/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_RANGEINFO_H
#define RG_RANGEINFO_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "json.h"
#include "rg_buf.h"

/*
 * CockroachDB's rangeInfo and rangeDescriptorInfo (pkg/server/
 * api_v2_ranges.go) written from one row of roachgate.ranges.  Pure C.
 *
 * Select RG_RANGEINFO_COLUMNS (in this order) and hand the row's text
 * values to rg_range_row_parse(); NULL stands for SQL NULL.
 */
#define RG_RANGEINFO_COLUMNS \
	"range_id, start_key, end_key, leaseholder_name, lease_start, " \
	"queries_per_second, writes_per_second, underreplicated, " \
	"unavailable, quiescent, ticking"
#define RG_RANGEINFO_NCOLS	11

struct rg_range_row {
	int64_t		range_id;
	struct rg_buf	start_key;	/* raw key bytes */
	struct rg_buf	end_key;
	int32_t		leaseholder;	/* node id; 0 = not a known node */
	int64_t		lease_start;	/* ns since the epoch */
	double		qps;
	double		wps;
	int		underreplicated;
	int		unavailable;
	int		quiescent;
	int		ticking;
};

void	rg_range_row_init(struct rg_range_row *);
void	rg_range_row_free(struct rg_range_row *);

/*
 * Text-format values (PostgreSQL's output: int8 decimal, bytea "\x..",
 * float8, bool t/f) to a row.  The leaseholder's name is looked up in
 * cfg.  Returns 0, or -1 when a value is malformed or range_id is NULL.
 */
int	rg_range_row_parse(struct rg_range_row *, const struct rg_config *,
	    const char *const [RG_RANGEINFO_NCOLS]);

/*
 * rangeInfo of that row as seen from node_id (source_node_id; with one
 * store per node, also source_store_id and the lease's store_id).
 */
void	rg_rangeinfo_write(struct rg_json *, const char *,
	    const struct rg_range_row *, int32_t);

/*
 * The zero rangeInfo Go writes for a node that failed (src/REFERENCE.md,
 * "GET /ranges/{range_id}/").
 */
void	rg_rangeinfo_write_zero(struct rg_json *, const char *);

/*
 * rangeDescriptorInfo: {"range_id","start_key","end_key","store_id",
 * "queries_per_second"}; the keys are std base64, left out when empty.
 */
void	rg_rangedesc_write(struct rg_json *, const char *, int64_t,
	    const uint8_t *, size_t, const uint8_t *, size_t, int32_t, double);

/* PostgreSQL's bytea text form ("\x0a1b") to bytes, appended. 0 or -1. */
int	rg_bytea_decode(const char *, struct rg_buf *);

/*
 * The error text of a node that failed, in the words of CockroachDB's
 * iterateNodes: "failed to dial into node N (<liveness>): <reason>" when
 * no connection could be made, else "error requesting <what> from node N
 * (<liveness>): <reason>".  The reason is a fixed phrase chosen from the
 * driver's message (which is only logged: it can name hosts and users).
 */
void	rg_node_error(struct rg_buf *, const char *, int32_t, int,
	    const char *);

/* NodeLivenessStatus names as Go prints them ("NODE_STATUS_LIVE"). */
const char	*rg_liveness_name(int);

#endif /* !RG_RANGEINFO_H */
