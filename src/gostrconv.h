/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_GOSTRCONV_H
#define RG_GOSTRCONV_H

#include <stddef.h>
#include <stdint.h>

#include "rg_buf.h"

/*
 * Go strconv.FormatFloat(v, fmt, -1, bits) for fmt 'e', 'f' or 'g' and
 * bits 32 or 64: the shortest digits that read back as the same value.
 * Appends to out.
 */
void	rg_format_float(struct rg_buf *, double, char, int);

/*
 * Go strconv.Quote of arbitrary bytes, appended.  strconv.IsPrint is
 * approximated for non-ASCII: unassigned code points count as printable.
 */
void	rg_go_quote(struct rg_buf *, const uint8_t *, size_t);

#endif /* !RG_GOSTRCONV_H */
