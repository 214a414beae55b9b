/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_LIVENESS_H
#define RG_LIVENESS_H

/*
 * CockroachDB's NodeLivenessStatus codes (src/REFERENCE.md, "Node
 * liveness codes"): the numbers `liveness_status` carries, defined here
 * only.  liveness.c decides a node's code, config.c reads the ones a
 * node may be configured with, nodeerr.c names them.
 */
#define RG_LIVENESS_UNKNOWN		0
#define RG_LIVENESS_DEAD		1
#define RG_LIVENESS_UNAVAILABLE		2
#define RG_LIVENESS_LIVE		3
#define RG_LIVENESS_DECOMMISSIONING	4
#define RG_LIVENESS_DECOMMISSIONED	5
#define RG_LIVENESS_DRAINING		6
#define RG_LIVENESS_STARTING		7

#endif /* !RG_LIVENESS_H */
