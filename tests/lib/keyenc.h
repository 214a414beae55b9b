/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_KEYENC_H
#define RG_KEYENC_H

#include <stddef.h>
#include <stdint.h>

/*
 * CockroachDB key encoding (pkg/util/encoding, pkg/roachpb), for building
 * test keys (src/REFERENCE.md, "Keys and pretty spans").
 */

/*
 * EncodeUvarintAscending: one byte 136+v when v <= 109, else byte
 * 245+n and v big-endian in n bytes (1..8).  Returns the bytes written,
 * or 0 when outlen is too small.
 */
int	rg_key_encode_uvarint(uint64_t, uint8_t *, size_t);

/* EncodeVarintAscending: negative values take 128+8-n and ^v. */
int	rg_key_encode_varint(int64_t, uint8_t *, size_t);

/*
 * roachpb.Key.PrefixEnd: the first key after every key with this prefix
 * (the empty key gives /Max, 0xff...ff is returned unchanged).  out must
 * hold max(len, 2) bytes; *outlen gets the length.
 */
void	rg_key_prefix_end(const uint8_t *, size_t, uint8_t *, size_t *);

#endif /* !RG_KEYENC_H */
