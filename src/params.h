/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_PARAMS_H
#define RG_PARAMS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parsers with Go strconv semantics, so that query parameters are
 * accepted and rejected exactly as CockroachDB does.  All take a
 * NUL-terminated string and return 0 on success, -1 on error.
 */

/* strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False. */
int	rg_parse_bool(const char *, int *);

/*
 * strconv.ParseInt(s, base, bits): optional sign; base 0 takes the
 * prefixes 0x 0o 0b (any case) and a leading 0 as octal, and allows '_'
 * between digits; bits is 1..64 (0 = 64).  Out of range is an error.
 */
int	rg_parse_int(const char *, int, int, int64_t *);

/* strconv.ParseUint(s, base, bits): same rules, no sign. */
int	rg_parse_uint(const char *, int, int, uint64_t *);

/* strconv.Atoi on a 64-bit platform. */
int	rg_parse_atoi(const char *, int64_t *);

/*
 * "1,2,3": split on ',' and ParseInt(x, 10, 64) each element; any error,
 * including an empty element, or more than max elements fails.
 */
int	rg_parse_id_list(const char *, int64_t *, size_t, size_t *);

/*
 * getSimplePaginationValues (src/REFERENCE.md, "Pagination parameters",
 * offset style).  NULL means
 * the parameter is missing.  A missing, invalid or <= 0 limit gives
 * limit 0 and offset 0; an invalid or negative offset gives 0.
 */
void	rg_parse_limit_offset(const char *, const char *, int64_t *,
	    int64_t *);

/* The limit half of getRPCPaginationValues: missing/bad/<= 0 -> 0. */
int64_t	rg_parse_limit(const char *);

#endif /* !RG_PARAMS_H */
