/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * Key encoders for the tests.  roachgate itself never encodes a key: the
 * status catalog's SQL does (sql/common), and src/keys.c only prints
 * them.  The unit tests and the key fuzzer build keys with these, checked
 * against CockroachDB's own vectors in tests/unit/test_keys.c.
 */

#include <string.h>

#include "keyenc.h"

#define INT_MIN_TAG	0x80
#define INT_ZERO	136
#define INT_SMALL	109
#define INT_MAX_TAG	0xfd

int
rg_key_encode_uvarint(uint64_t v, uint8_t *out, size_t outlen)
{
	int		n, i;
	uint64_t	t;

	if (v <= INT_SMALL) {
		if (outlen < 1)
			return (0);
		out[0] = (uint8_t)(INT_ZERO + v);
		return (1);
	}
	for (n = 0, t = v; t != 0; t >>= 8)
		n++;
	if (outlen < (size_t)n + 1)
		return (0);
	out[0] = (uint8_t)(INT_MAX_TAG - 8 + n);
	for (i = n; i >= 1; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
	return (n + 1);
}

int
rg_key_encode_varint(int64_t v, uint8_t *out, size_t outlen)
{
	uint64_t	u, mag;
	int		n, i;

	if (v >= 0)
		return (rg_key_encode_uvarint((uint64_t)v, out, outlen));
	u = (uint64_t)v;
	/* Go picks the width from -v: -0xff..-1 take one byte. */
	mag = ~u + 1;
	for (n = 0; mag != 0; mag >>= 8)
		n++;
	if (outlen < (size_t)n + 1)
		return (0);
	out[0] = (uint8_t)(INT_MIN_TAG + 8 - n);
	for (i = n; i >= 1; i--) {
		out[i] = (uint8_t)u;
		u >>= 8;
	}
	return (n + 1);
}

void
rg_key_prefix_end(const uint8_t *k, size_t len, uint8_t *out, size_t *outlen)
{
	size_t		i;

	if (len == 0) {
		out[0] = 0xff;
		out[1] = 0xff;
		*outlen = 2;
		return;
	}
	memcpy(out, k, len);
	for (i = len; i > 0; i--) {
		out[i - 1]++;
		if (out[i - 1] != 0) {
			*outlen = i;
			return;
		}
	}
	/* Already maximal: Go returns the key unchanged. */
	memcpy(out, k, len);
	*outlen = len;
}
