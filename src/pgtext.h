/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_PGTEXT_H
#define RG_PGTEXT_H

#include <stdint.h>

#include "rg_buf.h"

/*
 * PostgreSQL's text output of a value to C (pgtext.c).  Each returns 0,
 * or -1 when the text is malformed; NULL (SQL NULL) gives 0, false or
 * nothing appended.
 */

/* bytea's hex form ("\x0a1b") to bytes, appended to out. */
int	rg_bytea_decode(const char *, struct rg_buf *);

/* int8 in decimal. */
int	rg_pgtext_int8(const char *, int64_t *);

/* float8; NaN and the infinities give 0, which Go could not marshal. */
int	rg_pgtext_float8(const char *, double *);

/* bool: "t" or "f". */
int	rg_pgtext_bool(const char *, int *);

#endif /* !RG_PGTEXT_H */
