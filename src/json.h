/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_JSON_H
#define RG_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "rg_buf.h"

/*
 * A streaming JSON writer that produces the bytes Go's encoding/json
 * Marshal produces (no indentation, no trailing newline), so that clients
 * of CockroachDB see identical output.
 *
 * key is NULL for array elements and the top-level value; otherwise it is
 * the member name, written escaped.  The caller is responsible for calling
 * things in a sensible order; nesting deeper than RG_JSON_MAXDEPTH or
 * closing more than was opened is a programming error and calls abort().
 *
 * Strings are escaped like Go (escapeHTML on): \" \\ \n \r \t, other
 * bytes < 0x20 as \u00XX, < > & as \u003c \u003e \u0026, U+2028 and
 * U+2029 as \u2028 \u2029, and each byte of an invalid UTF-8 sequence as
 * \ufffd.  \b and \f are written \u0008 and \u000c as in Go < 1.22
 * (the Go that the v21.1-era CockroachDB was built with).
 *
 * Go refuses to marshal NaN and +-Inf (json.UnsupportedValueError);
 * rg_json_float64/32 write 0 for them instead, so a response stays
 * valid JSON.  Callers that care must filter them out first.
 */

#define RG_JSON_MAXDEPTH	32

struct rg_json {
	struct rg_buf	*buf;
	int		 depth;
	uint8_t		 need_comma[RG_JSON_MAXDEPTH];
};

void	rg_json_init(struct rg_json *, struct rg_buf *);
void	rg_json_object_open(struct rg_json *, const char *);
void	rg_json_object_close(struct rg_json *);
void	rg_json_array_open(struct rg_json *, const char *);
void	rg_json_array_close(struct rg_json *);
void	rg_json_string(struct rg_json *, const char *, const char *);
void	rg_json_stringn(struct rg_json *, const char *, const char *, size_t);
void	rg_json_int(struct rg_json *, const char *, int64_t);
void	rg_json_uint(struct rg_json *, const char *, uint64_t);
void	rg_json_float64(struct rg_json *, const char *, double);
void	rg_json_float32(struct rg_json *, const char *, float);
void	rg_json_bool(struct rg_json *, const char *, int);
void	rg_json_null(struct rg_json *, const char *);
void	rg_json_bytes(struct rg_json *, const char *, const uint8_t *, size_t);
void	rg_json_time(struct rg_json *, const char *, int64_t);
void	rg_json_time_zero(struct rg_json *, const char *);
void	rg_json_uuid(struct rg_json *, const char *, const uint8_t [16]);

/* Insert already-encoded JSON (e.g. a cached fragment) as one value. */
void	rg_json_raw(struct rg_json *, const char *, const char *, size_t);

/* Append s as a quoted, escaped JSON string (Go rules above). */
void	rg_json_escape(struct rg_buf *, const char *, size_t);

/* Append std base64 (with padding) of the given bytes, unquoted. */
void	rg_base64_std(struct rg_buf *, const uint8_t *, size_t);

/* Go's JSON float text (cutoffs 1e-6 / 1e21, "e-07" -> "e-7"). */
void	rg_json_format_float(struct rg_buf *, double, int);

/* Sort ids the way Go sorts map[string] keys made from their decimals. */
void	rg_json_sort_ids_as_strings(int64_t *, size_t);

#endif /* !RG_JSON_H */
