/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_TOKEN_H
#define RG_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "rg_buf.h"

/*
 * The API session token (X-Cockroach-API-Session header, `session`
 * cookie): base64.StdEncoding of the protobuf serverpb.SessionCookie
 * { int64 id = 1; bytes secret = 2; }.
 */

#define RG_TOKEN_SECRET_MAX	64

/*
 * Decode a token.  The base64 layer is as strict as Go's StdEncoding
 * (see rg_base64_decode); the protobuf layer accepts what gogoproto's
 * generated Unmarshal accepts: fields in any order, the last one wins,
 * unknown fields (varint, fixed64, bytes, groups, fixed32) skipped.  A
 * secret longer than RG_TOKEN_SECRET_MAX is an error.  secret must hold
 * RG_TOKEN_SECRET_MAX bytes.  Returns 0, or -1 (outputs zeroed).
 */
int	rg_token_decode(const char *, size_t, int64_t *, uint8_t *, size_t *);

/* Protobuf layer only (raw bytes in, as above). */
int	rg_token_unmarshal(const uint8_t *, size_t, int64_t *, uint8_t *,
	    size_t *);

/*
 * Append the token for (id, secret), byte-identical to what CockroachDB
 * produces: field 1 as a varint (negative ids take 10 bytes), then field
 * 2; proto3 omits a zero id and an empty secret.
 */
int	rg_token_encode(int64_t, const uint8_t *, size_t, struct rg_buf *);

/*
 * Constant-time comparison (CRYPTO_memcmp).  Returns 1 when the two
 * buffers are EQUAL and 0 when they differ (boolean, not memcmp-style).
 */
int	rg_ct_equal(const void *, const void *, size_t);

#endif /* !RG_TOKEN_H */
