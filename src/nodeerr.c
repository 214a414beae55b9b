/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * What a client reads about a node that failed: the error text of
 * CockroachDB's iterateNodes and the liveness names in it
 * (src/REFERENCE.md, "Fan-out errors", "Node liveness codes").
 */

#include <stdint.h>
#include <string.h>

#include "liveness.h"
#include "nodeerr.h"

static const char	*error_reason(const char *, int *);

const char *
rg_liveness_name(int status)
{
	static const char	*names[] = {
		[RG_LIVENESS_UNKNOWN] = "NODE_STATUS_UNKNOWN",
		[RG_LIVENESS_DEAD] = "NODE_STATUS_DEAD",
		[RG_LIVENESS_UNAVAILABLE] = "NODE_STATUS_UNAVAILABLE",
		[RG_LIVENESS_LIVE] = "NODE_STATUS_LIVE",
		[RG_LIVENESS_DECOMMISSIONING] = "NODE_STATUS_DECOMMISSIONING",
		[RG_LIVENESS_DECOMMISSIONED] = "NODE_STATUS_DECOMMISSIONED",
		[RG_LIVENESS_DRAINING] = "NODE_STATUS_DRAINING",
		[RG_LIVENESS_STARTING] = "NODE_STATUS_STARTING",
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
