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

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "params.h"
#include "rangeinfo.h"

enum {
	COL_RANGE_ID, COL_START_KEY, COL_END_KEY, COL_LEASEHOLDER,
	COL_LEASE_START, COL_QPS, COL_WPS, COL_UNDER, COL_UNAVAILABLE,
	COL_QUIESCENT, COL_TICKING
};

static int	parse_int64(const char *, int64_t *);
static int	parse_float(const char *, double *);
static int	parse_bool(const char *, int *);
static void	span_write(struct rg_json *, const struct rg_range_row *);
static void	lease_write(struct rg_json *, const struct rg_range_row *);
static void	problems_write(struct rg_json *, const struct rg_range_row *);
static void	stats_write(struct rg_json *, const struct rg_range_row *);
static const char	*error_reason(const char *, int *);

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
	    parse_int64(v[COL_RANGE_ID], &r->range_id) == -1)
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

	if (parse_int64(v[COL_LEASE_START], &r->lease_start) == -1 ||
	    parse_float(v[COL_QPS], &r->qps) == -1 ||
	    parse_float(v[COL_WPS], &r->wps) == -1 ||
	    parse_bool(v[COL_UNDER], &r->underreplicated) == -1 ||
	    parse_bool(v[COL_UNAVAILABLE], &r->unavailable) == -1 ||
	    parse_bool(v[COL_QUIESCENT], &r->quiescent) == -1 ||
	    parse_bool(v[COL_TICKING], &r->ticking) == -1)
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

int
rg_bytea_decode(const char *s, struct rg_buf *out)
{
	size_t		i, len;
	int		hi, lo;

	len = strlen(s);
	if (len < 2 || s[0] != '\\' || s[1] != 'x' || len % 2 != 0)
		return (-1);

	for (i = 2; i < len; i += 2) {
		if ((hi = rg_hexval((unsigned char)s[i])) == -1 ||
		    (lo = rg_hexval((unsigned char)s[i + 1])) == -1)
			return (-1);
		rg_buf_appendc(out, (uint8_t)(hi << 4 | lo));
	}

	return (0);
}

const char *
rg_liveness_name(int status)
{
	static const char	*names[] = {
		"NODE_STATUS_UNKNOWN", "NODE_STATUS_DEAD",
		"NODE_STATUS_UNAVAILABLE", "NODE_STATUS_LIVE",
		"NODE_STATUS_DECOMMISSIONING", "NODE_STATUS_DECOMMISSIONED",
		"NODE_STATUS_DRAINING", "NODE_STATUS_STARTING",
	};

	if (status < 0 || (size_t)status >= sizeof(names) / sizeof(names[0]))
		return ("NODE_STATUS_UNKNOWN");
	return (names[status]);
}

void
rg_node_error(struct rg_buf *out, const char *what, int32_t node,
    int liveness, const char *error)
{
	const char	*reason;
	int		dial;

	reason = error_reason(error, &dial);
	if (dial) {
		rg_buf_appendf(out, "failed to dial into node %d (%s): %s",
		    (int)node, rg_liveness_name(liveness), reason);
	} else {
		rg_buf_appendf(out, "error requesting %s from node %d (%s): %s",
		    what, (int)node, rg_liveness_name(liveness), reason);
	}
}

/*
 * libpq's messages name hosts, ports, sockets and users: map them to a
 * fixed phrase.  "Dial" failures are the ones raised while connecting
 * (libpq's "connection to server ...", Kore's "connection to pgsql
 * database ... timeout expired").
 */
static const char *
error_reason(const char *e, int *dial)
{
	static const struct {
		const char	*needle;
		const char	*reason;
	} connect[] = {
		{ "Connection refused", "connection refused" },
		{ "timeout expired", "connect timeout expired" },
		{ "starting up", "the database system is starting up" },
		{ "shutting down", "the database system is shutting down" },
		{ "recovery mode", "the database system is in recovery mode" },
		{ "authentication failed", "authentication failed" },
		{ "too many clients", "too many clients" },
		{ "translate host name", "could not resolve the host" },
	}, request[] = {
		{ "statement timeout", "timed out" },
		{ "was lost", "connection lost" },
		{ "server closed the connection", "connection lost" },
		{ "no connection to the server", "connection lost" },
		{ "could not receive data", "connection lost" },
		{ "could not send data", "connection lost" },
		{ "terminating connection", "connection lost" },
		{ "no available connection", "too many queued requests" },
	};
	size_t		i;

	*dial = 0;
	if (e == NULL)
		return ("unknown error");
	/* Kore drops a pooled connection that broke with no message. */
	if (*e == '\0')
		return ("connection lost");
	if (strcmp(e, "timed out") == 0)
		return ("timed out");

	if ((strncmp(e, "connection to ", 14) == 0 &&
	    strstr(e, " failed") != NULL) ||
	    strncmp(e, "could not connect", 17) == 0 ||
	    strncmp(e, "could not translate", 19) == 0) {
		*dial = 1;
		for (i = 0; i < sizeof(connect) / sizeof(connect[0]); i++) {
			if (strstr(e, connect[i].needle) != NULL)
				return (connect[i].reason);
		}
		return ("connection failed");
	}

	for (i = 0; i < sizeof(request) / sizeof(request[0]); i++) {
		if (strstr(e, request[i].needle) != NULL)
			return (request[i].reason);
	}

	return ("query failed");
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

static int
parse_int64(const char *s, int64_t *v)
{
	*v = 0;
	if (s == NULL)
		return (0);
	return (rg_parse_int(s, 10, 64, v));
}

/* Non-finite values become 0: Go cannot marshal them. */
static int
parse_float(const char *s, double *v)
{
	char		*end;

	*v = 0;
	if (s == NULL)
		return (0);
	*v = strtod(s, &end);
	if (end == s || *end != '\0')
		return (-1);
	if (!isfinite(*v))
		*v = 0;
	return (0);
}

static int
parse_bool(const char *s, int *v)
{
	*v = 0;
	if (s == NULL)
		return (0);
	if (strcmp(s, "t") == 0)
		*v = 1;
	else if (strcmp(s, "f") != 0)
		return (-1);
	return (0);
}
