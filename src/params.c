/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * Ports of Go's strconv.ParseBool, ParseUint, ParseInt and Atoi
 * (src/strconv/atob.go, atoi.go), including underscoreOK.
 */

#include <stdlib.h>
#include <string.h>

#include "params.h"

static int	underscore_ok(const char *);
static int	lower(int);

int
rg_parse_bool(const char *s, int *out)
{
	static const char	*t[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char	*f[] = { "0", "f", "F", "FALSE", "false", "False" };
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(s, t[i]) == 0) {
			*out = 1;
			return (0);
		}
		if (strcmp(s, f[i]) == 0) {
			*out = 0;
			return (0);
		}
	}
	return (-1);
}

static int
lower(int c)
{
	return (c | ('x' - 'X'));
}

/*
 * Go's underscoreOK: underscores may only separate digits (or follow a
 * base prefix), never lead, trail or double up.
 */
static int
underscore_ok(const char *s)
{
	char		saw;
	int		hex;
	size_t		i, n;

	saw = '^';
	i = 0;
	if (s[0] == '-' || s[0] == '+')
		s++;
	n = strlen(s);
	hex = 0;
	if (n >= 2 && s[0] == '0' && (lower(s[1]) == 'b' ||
	    lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
		i = 2;
		saw = '0';
		hex = lower(s[1]) == 'x';
	}
	for (; i < n; i++) {
		if ((s[i] >= '0' && s[i] <= '9') ||
		    (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
			saw = '0';
			continue;
		}
		if (s[i] == '_') {
			if (saw != '0')
				return (0);
			saw = '_';
			continue;
		}
		if (saw == '_')
			return (0);
		saw = '!';
	}
	return (saw != '_');
}

int
rg_parse_uint(const char *s0, int base, int bits, uint64_t *out)
{
	const char	*s;
	uint64_t	 n, n1, cutoff, maxval;
	int		 base0, underscores, d;
	size_t		 len;

	*out = 0;
	s = s0;
	len = strlen(s);
	if (len == 0)
		return (-1);
	base0 = base == 0;
	if (base == 0) {
		base = 10;
		if (s[0] == '0') {
			if (len >= 3 && lower(s[1]) == 'b') {
				base = 2;
				s += 2;
			} else if (len >= 3 && lower(s[1]) == 'o') {
				base = 8;
				s += 2;
			} else if (len >= 3 && lower(s[1]) == 'x') {
				base = 16;
				s += 2;
			} else {
				base = 8;
				s += 1;
			}
		}
	} else if (base < 2 || base > 36)
		return (-1);
	if (bits == 0)
		bits = 64;
	if (bits < 0 || bits > 64)
		return (-1);

	cutoff = UINT64_MAX / (uint64_t)base + 1;
	maxval = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
	underscores = 0;
	n = 0;
	for (; *s != '\0'; s++) {
		if (*s == '_' && base0) {
			underscores = 1;
			continue;
		} else if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (lower((unsigned char)*s) >= 'a' &&
		    lower((unsigned char)*s) <= 'z')
			d = lower((unsigned char)*s) - 'a' + 10;
		else
			return (-1);
		if (d >= base)
			return (-1);
		if (n >= cutoff)
			return (-1);
		n *= (uint64_t)base;
		n1 = n + (uint64_t)d;
		if (n1 < n || n1 > maxval)
			return (-1);
		n = n1;
	}
	if (underscores && !underscore_ok(s0))
		return (-1);
	*out = n;
	return (0);
}

int
rg_parse_int(const char *s, int base, int bits, int64_t *out)
{
	uint64_t	un, cutoff;
	int		neg;

	*out = 0;
	if (s[0] == '\0')
		return (-1);
	neg = 0;
	if (s[0] == '+')
		s++;
	else if (s[0] == '-') {
		neg = 1;
		s++;
	}
	if (bits == 0)
		bits = 64;
	if (bits < 1 || bits > 64)
		return (-1);
	if (rg_parse_uint(s, base, bits, &un) == -1)
		return (-1);
	cutoff = (uint64_t)1 << (bits - 1);
	if (!neg && un >= cutoff)
		return (-1);
	if (neg && un > cutoff)
		return (-1);
	*out = neg ? (int64_t)(0 - un) : (int64_t)un;
	return (0);
}

int
rg_parse_atoi(const char *s, int64_t *out)
{
	return (rg_parse_int(s, 10, 64, out));
}

int
rg_parse_id_list(const char *s, int64_t *ids, size_t max, size_t *n)
{
	char		*copy, *p, *comma;
	size_t		 cnt;
	int		 rv;

	*n = 0;
	if ((copy = strdup(s)) == NULL)
		abort();
	rv = -1;
	cnt = 0;
	p = copy;
	for (;;) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma = '\0';
		if (cnt >= max || rg_parse_int(p, 10, 64, &ids[cnt]) == -1)
			goto out;
		cnt++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*n = cnt;
	rv = 0;
out:
	free(copy);
	return (rv);
}

int64_t
rg_parse_limit(const char *limit)
{
	int64_t		lim;

	if (limit == NULL || rg_parse_atoi(limit, &lim) == -1 || lim <= 0)
		return (0);
	return (lim);
}

void
rg_parse_limit_offset(const char *limit, const char *offset, int64_t *lim,
    int64_t *off)
{
	*lim = rg_parse_limit(limit);
	*off = 0;
	if (*lim == 0)
		return;
	if (offset == NULL || rg_parse_atoi(offset, off) == -1 || *off < 0)
		*off = 0;
}
