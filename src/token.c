/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * Session cookie codec.  The protobuf decoding mirrors the gogoproto
 * generated SessionCookie.Unmarshal and skipAuthentication in
 * CockroachDB's pkg/server/serverpb/authentication.pb.go.
 */

#include <string.h>

#include <openssl/crypto.h>

#include "token.h"

static int	pb_varint(const uint8_t *, size_t, size_t *, uint64_t *);
static int	pb_skip(const uint8_t *, size_t, size_t *);
static void	pb_put_varint(struct rg_buf *, uint64_t);

/*
 * gogoproto varint: at most 10 bytes (shift < 64); excess high bits of
 * the 10th byte are dropped silently.
 */
static int
pb_varint(const uint8_t *d, size_t l, size_t *i, uint64_t *v)
{
	unsigned int	shift;
	uint8_t		b;

	*v = 0;
	for (shift = 0; ; shift += 7) {
		if (shift >= 64 || *i >= l)
			return (-1);
		b = d[(*i)++];
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (b < 0x80)
			return (0);
	}
}

/* skipAuthentication: skip one field (with nested groups) at *i. */
static int
pb_skip(const uint8_t *d, size_t l, size_t *i)
{
	uint64_t	wire, len;
	size_t		depth;

	depth = 0;
	while (*i < l) {
		if (pb_varint(d, l, i, &wire) == -1)
			return (-1);
		switch (wire & 7) {
		case 0:
			if (pb_varint(d, l, i, &len) == -1)
				return (-1);
			break;
		case 1:
			if (l - *i < 8)
				return (-1);
			*i += 8;
			break;
		case 2:
			if (pb_varint(d, l, i, &len) == -1 ||
			    len > (uint64_t)INT64_MAX || len > l - *i)
				return (-1);
			*i += (size_t)len;
			break;
		case 3:
			depth++;
			break;
		case 4:
			if (depth == 0)
				return (-1);
			depth--;
			break;
		case 5:
			if (l - *i < 4)
				return (-1);
			*i += 4;
			break;
		default:
			return (-1);
		}
		if (depth == 0)
			return (0);
	}
	return (-1);
}

int
rg_token_unmarshal(const uint8_t *d, size_t l, int64_t *id, uint8_t *secret,
    size_t *secretlen)
{
	uint64_t	wire, v, len;
	size_t		i, pre;
	int64_t		field;

	*id = 0;
	*secretlen = 0;
	i = 0;
	while (i < l) {
		pre = i;
		if (pb_varint(d, l, &i, &wire) == -1)
			goto bad;
		/* Go: fieldNum := int32(wire >> 3) */
		field = (int32_t)(uint32_t)(wire >> 3);
		if ((wire & 7) == 4 || field <= 0)
			goto bad;
		switch (field) {
		case 1:
			if ((wire & 7) != 0 || pb_varint(d, l, &i, &v) == -1)
				goto bad;
			*id = (int64_t)v;
			break;
		case 2:
			if ((wire & 7) != 2 || pb_varint(d, l, &i, &len) == -1)
				goto bad;
			if (len > (uint64_t)INT64_MAX || len > l - i ||
			    len > RG_TOKEN_SECRET_MAX)
				goto bad;
			memcpy(secret, d + i, (size_t)len);
			*secretlen = (size_t)len;
			i += (size_t)len;
			break;
		default:
			i = pre;
			if (pb_skip(d, l, &i) == -1)
				goto bad;
			break;
		}
	}
	return (0);

bad:
	*id = 0;
	*secretlen = 0;
	return (-1);
}

int
rg_token_decode(const char *b64, size_t len, int64_t *id, uint8_t *secret,
    size_t *secretlen)
{
	struct rg_buf	raw;
	int		rv;

	*id = 0;
	*secretlen = 0;
	rg_buf_init(&raw);
	rv = -1;
	if (rg_base64_decode(&raw, b64, len, 0) == 0)
		rv = rg_token_unmarshal(raw.data, raw.len, id, secret,
		    secretlen);
	if (raw.data != NULL)
		OPENSSL_cleanse(raw.data, raw.cap);	/* holds the secret */
	rg_buf_free(&raw);
	return (rv);
}

static void
pb_put_varint(struct rg_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		rg_buf_appendc(b, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	rg_buf_appendc(b, (uint8_t)v);
}

int
rg_token_encode(int64_t id, const uint8_t *secret, size_t secretlen,
    struct rg_buf *out)
{
	struct rg_buf	raw;

	if (secretlen > RG_TOKEN_SECRET_MAX)
		return (-1);
	rg_buf_init(&raw);
	if (id != 0) {
		rg_buf_appendc(&raw, 0x08);
		pb_put_varint(&raw, (uint64_t)id);
	}
	if (secretlen > 0) {
		rg_buf_appendc(&raw, 0x12);
		pb_put_varint(&raw, secretlen);
		rg_buf_append(&raw, secret, secretlen);
	}
	rg_base64_encode(out, raw.data, raw.len, 0);
	OPENSSL_cleanse(raw.data, raw.cap);	/* holds the secret */
	rg_buf_free(&raw);
	return (0);
}

int
rg_ct_equal(const void *a, const void *b, size_t len)
{
	return (CRYPTO_memcmp(a, b, len) == 0);
}
