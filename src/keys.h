/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_KEYS_H
#define RG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "rg_buf.h"

/*
 * CockroachDB's Key.String() pretty printing (pkg/keys/printer.go, with
 * the decoders of pkg/util/encoding) for the keys the status catalog's
 * SQL encodes (src/REFERENCE.md, "Keys and pretty spans").
 *
 * Supported exactly: /Min, /Max, /Meta1, /Meta2 (key of key), /System
 * (NodeLiveness, NodeLivenessMax, StatusNode), /NamespaceTable, /Table
 * (incl. /Table/SystemConfigSpan/Start), /Tenant; values NULL, !NULL and
 * the interleave sentinel #, True, False, Arr, ints (varint/uvarint),
 * floats, bytes (ascending and descending), [] and {}, unknown bytes
 * quoted like strconv.Quote, "???" for undecodable values and the
 * /PrefixEnd recovery.  Approximated: the /Local sub-keys (printed as a
 * quoted remainder), /System/tsd, and the value types Time, TimeTZ,
 * Duration, Decimal, BitArray, array keys and JSON inverted-index keys
 * (printed as the quoted remainder); strconv.IsPrint is approximated for
 * non-ASCII (unassigned code points count as printable).
 */

/* Key.String(): appends the pretty form.  Returns 0, -1 on bad args. */
int	rg_key_pretty(const uint8_t *, size_t, struct rg_buf *);

#endif /* !RG_KEYS_H */
