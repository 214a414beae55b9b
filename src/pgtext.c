/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * Values in PostgreSQL's text output format, as the status catalog's
 * rows arrive through libpq: int8 and float8 in decimal, bool as t/f,
 * bytea in hex ("\x0a1b").  SQL NULL arrives as a NULL pointer.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "pgtext.h"

int
rg_bytea_decode(const char *s, struct rg_buf *out)
{
	size_t		i, len;
	int		hi, lo;

	len = strlen(s);
	if (len < 2 || s[0] != '\\' || s[1] != 'x' || len % 2 != 0)
		return (-1);

	for (i = 2; i < len; i += 2) {
		if ((hi = rg_hexval((unsigned char)s[i])) == -1 ||
		    (lo = rg_hexval((unsigned char)s[i + 1])) == -1)
			return (-1);
		rg_buf_appendc(out, (uint8_t)(hi << 4 | lo));
	}

	return (0);
}

int
rg_pgtext_int8(const char *s, int64_t *v)
{
	*v = 0;
	if (s == NULL)
		return (0);
	return (rg_parse_int(s, 10, 64, v));
}

int
rg_pgtext_float8(const char *s, double *v)
{
	char		*end;

	*v = 0;
	if (s == NULL)
		return (0);
	*v = strtod(s, &end);
	if (end == s || *end != '\0')
		return (-1);
	if (!isfinite(*v))
		*v = 0;
	return (0);
}

int
rg_pgtext_bool(const char *s, int *v)
{
	*v = 0;
	if (s == NULL)
		return (0);
	if (strcmp(s, "t") == 0)
		*v = 1;
	else if (strcmp(s, "f") != 0)
		return (-1);
	return (0);
}
