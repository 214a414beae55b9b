/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * rangeInfo / rangeDescriptorInfo JSON with CockroachDB's field order and
 * omitempty rules (api_v2_ranges.go; serverpb.PrettySpan, RangeProblems,
 * RangeStatistics; roachpb.Lease, ReplicaDescriptor and hlc.Timestamp
 * with their gogoproto json tags).  A PostgreSQL node has one store, so
 * store ids are node ids; the lease history holds the current lease only.
 */

#include <string.h>

#include "keys.h"
#include "pgtext.h"
#include "rangeinfo.h"

enum {
	COL_RANGE_ID, COL_START_KEY, COL_END_KEY, COL_LEASEHOLDER,
	COL_LEASE_START, COL_QPS, COL_WPS, COL_UNDER, COL_UNAVAILABLE,
	COL_QUIESCENT, COL_TICKING
};

static void	span_write(struct rg_json *, const struct rg_range_row *);
static void	lease_write(struct rg_json *, const struct rg_range_row *);
static void	problems_write(struct rg_json *, const struct rg_range_row *);
static void	stats_write(struct rg_json *, const struct rg_range_row *);

void
rg_range_row_init(struct rg_range_row *r)
{
	memset(r, 0, sizeof(*r));
	rg_buf_init(&r->start_key);
	rg_buf_init(&r->end_key);
}

void
rg_range_row_free(struct rg_range_row *r)
{
	rg_buf_free(&r->start_key);
	rg_buf_free(&r->end_key);
}

int
rg_range_row_parse(struct rg_range_row *r, const struct rg_config *cfg,
    const char *const v[RG_RANGEINFO_NCOLS])
{
	const struct rg_node	*node;

	rg_buf_reset(&r->start_key);
	rg_buf_reset(&r->end_key);
	r->leaseholder = 0;

	if (v[COL_RANGE_ID] == NULL ||
	    rg_pgtext_int8(v[COL_RANGE_ID], &r->range_id) == -1)
		return (-1);
	if (v[COL_START_KEY] != NULL &&
	    rg_bytea_decode(v[COL_START_KEY], &r->start_key) == -1)
		return (-1);
	if (v[COL_END_KEY] != NULL &&
	    rg_bytea_decode(v[COL_END_KEY], &r->end_key) == -1)
		return (-1);
	if (v[COL_LEASEHOLDER] != NULL &&
	    (node = rg_config_node_by_name(cfg, v[COL_LEASEHOLDER])) != NULL)
		r->leaseholder = node->id;

	if (rg_pgtext_int8(v[COL_LEASE_START], &r->lease_start) == -1 ||
	    rg_pgtext_float8(v[COL_QPS], &r->qps) == -1 ||
	    rg_pgtext_float8(v[COL_WPS], &r->wps) == -1 ||
	    rg_pgtext_bool(v[COL_UNDER], &r->underreplicated) == -1 ||
	    rg_pgtext_bool(v[COL_UNAVAILABLE], &r->unavailable) == -1 ||
	    rg_pgtext_bool(v[COL_QUIESCENT], &r->quiescent) == -1 ||
	    rg_pgtext_bool(v[COL_TICKING], &r->ticking) == -1)
		return (-1);

	return (0);
}

void
rg_rangeinfo_write(struct rg_json *j, const char *key,
    const struct rg_range_row *r, int32_t node)
{
	rg_json_object_open(j, key);
	rg_rangedesc_write(j, "desc", r->range_id, r->start_key.data,
	    r->start_key.len, r->end_key.data, r->end_key.len, 0, 0);
	span_write(j, r);
	if (node != 0) {
		rg_json_int(j, "source_node_id", node);
		rg_json_int(j, "source_store_id", node);
	}
	lease_write(j, r);
	problems_write(j, r);
	stats_write(j, r);
	if (r->quiescent)
		rg_json_bool(j, "quiescent", 1);
	if (r->ticking)
		rg_json_bool(j, "ticking", 1);
	rg_json_object_close(j);
}

void
rg_rangeinfo_write_zero(struct rg_json *j, const char *key)
{
	rg_json_object_open(j, key);
	rg_rangedesc_write(j, "desc", 0, NULL, 0, NULL, 0, 0, 0);
	rg_json_object_open(j, "span");
	rg_json_object_close(j);
	rg_json_null(j, "lease_history");
	rg_json_object_open(j, "problems");
	rg_json_object_close(j);
	rg_json_object_open(j, "stats");
	rg_json_object_close(j);
	rg_json_object_close(j);
}

void
rg_rangedesc_write(struct rg_json *j, const char *key, int64_t range_id,
    const uint8_t *sk, size_t sklen, const uint8_t *ek, size_t eklen,
    int32_t store_id, double qps)
{
	rg_json_object_open(j, key);
	rg_json_int(j, "range_id", range_id);
	if (sklen > 0)
		rg_json_bytes(j, "start_key", sk, sklen);
	if (eklen > 0)
		rg_json_bytes(j, "end_key", ek, eklen);
	rg_json_int(j, "store_id", store_id);
	rg_json_float64(j, "queries_per_second", qps);
	rg_json_object_close(j);
}

static void
span_write(struct rg_json *j, const struct rg_range_row *r)
{
	struct rg_buf	pretty;

	rg_buf_init(&pretty);
	rg_json_object_open(j, "span");
	if (rg_key_pretty(r->start_key.data, r->start_key.len, &pretty) == 0 &&
	    pretty.len > 0)
		rg_json_stringn(j, "start_key", (const char *)pretty.data,
		    pretty.len);
	rg_buf_reset(&pretty);
	if (rg_key_pretty(r->end_key.data, r->end_key.len, &pretty) == 0 &&
	    pretty.len > 0)
		rg_json_stringn(j, "end_key", (const char *)pretty.data,
		    pretty.len);
	rg_json_object_close(j);
	rg_buf_free(&pretty);
}

/* One lease, held by the leaseholder's only replica (replica id = node
 * id, store id = node id); null when the leaseholder is unknown. */
static void
lease_write(struct rg_json *j, const struct rg_range_row *r)
{
	if (r->leaseholder == 0) {
		rg_json_null(j, "lease_history");
		return;
	}

	rg_json_array_open(j, "lease_history");
	rg_json_object_open(j, NULL);
	rg_json_object_open(j, "start");
	if (r->lease_start != 0)
		rg_json_int(j, "wall_time", r->lease_start);
	rg_json_object_close(j);
	rg_json_object_open(j, "replica");
	rg_json_int(j, "node_id", r->leaseholder);
	rg_json_int(j, "store_id", r->leaseholder);
	rg_json_int(j, "replica_id", r->leaseholder);
	rg_json_object_close(j);
	rg_json_object_close(j);
	rg_json_array_close(j);
}

static void
problems_write(struct rg_json *j, const struct rg_range_row *r)
{
	rg_json_object_open(j, "problems");
	if (r->unavailable)
		rg_json_bool(j, "unavailable", 1);
	if (r->underreplicated)
		rg_json_bool(j, "underreplicated", 1);
	if (r->leaseholder == 0)
		rg_json_bool(j, "no_lease", 1);
	rg_json_object_close(j);
}

static void
stats_write(struct rg_json *j, const struct rg_range_row *r)
{
	rg_json_object_open(j, "stats");
	if (r->qps != 0)
		rg_json_float64(j, "queries_per_second", r->qps);
	if (r->wps != 0)
		rg_json_float64(j, "writes_per_second", r->wps);
	rg_json_object_close(j);
}
