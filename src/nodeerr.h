/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_NODEERR_H
#define RG_NODEERR_H

#include <stdint.h>

#include "rg_buf.h"

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

#endif /* !RG_NODEERR_H */
