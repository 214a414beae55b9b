/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * The parts of Go's strconv that CockroachDB's output depends on:
 * FormatFloat (ftoa.go) for JSON numbers and pretty-printed keys, and
 * Quote (quote.go) for the bytes of a key that are no known value
 * (src/REFERENCE.md, "Go number and string formatting").
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gostrconv.h"

static int	float_shortest(double, int, char *, int *, int *);
static int	float_roundtrips(const char *, double, int);
static void	float_fmt_e(struct rg_buf *, const char *, int, int);
static void	float_fmt_f(struct rg_buf *, const char *, int, int);
static int	go_isprint(uint32_t);

static const char	hexdig[] = "0123456789abcdef";

/* Does the decimal text read back (as float64 or float32) as v? */
static int
float_roundtrips(const char *txt, double v, int bits)
{
	if (bits == 32)
		return (strtof(txt, NULL) == (float)v);
	return (strtod(txt, NULL) == v);
}

/*
 * Shortest decimal digits of finite v > 0 that round-trip (Go's
 * precision -1): for each length, the correctly rounded candidate, and if
 * that lies below v (it can miss the narrower lower half-interval at a
 * power of two), the next decimal up.  dig gets the digits, *nd their
 * count and *dp the decimal point position (v = 0.dig * 10^dp).
 */
static int
float_shortest(double v, int bits, char *dig, int *nd, int *dp)
{
	char		txt[64], cand[64];
	int		p, maxp, n, e, k, i;

	/*
	 * Integers below 2^53 (2^24 for float32) are exact and their
	 * neighbours are at most 1 apart, so their shortest form is the
	 * integer itself: skip the search (metrics are mostly counters).
	 */
	if (v < (bits == 32 ? 16777216.0 : 9007199254740992.0) &&
	    v == floor(v)) {
		n = snprintf(txt, sizeof(txt), "%.0f", v);
		memcpy(dig, txt, (size_t)n);
		*dp = n;
		while (n > 1 && dig[n - 1] == '0')
			n--;
		*nd = n;
		return (0);
	}

	maxp = bits == 32 ? 9 : 17;
	for (p = 1; p <= maxp; p++) {
		snprintf(txt, sizeof(txt), "%.*e", p - 1, v);
		/* txt is d[.ddd]e[+-]xx */
		n = 0;
		for (i = 0; txt[i] != 'e'; i++) {
			if (txt[i] != '.')
				dig[n++] = txt[i];
		}
		e = atoi(txt + i + 1);
		if (!float_roundtrips(txt, v, bits)) {
			if (strtod(txt, NULL) > v)
				continue;
			/* Try one unit up in the last digit. */
			for (k = n - 1; k >= 0; k--) {
				if (dig[k] != '9') {
					dig[k]++;
					break;
				}
				dig[k] = '0';
			}
			if (k < 0) {
				dig[0] = '1';
				e++;
			}
			/* cand has no dot: value is digits * 10^(e-n+1) */
			snprintf(cand, sizeof(cand), "%.*se%d", n, dig,
			    e - n + 1);
			if (!float_roundtrips(cand, v, bits))
				continue;
		}
		while (n > 1 && dig[n - 1] == '0')
			n--;
		*nd = n;
		*dp = e + 1;
		return (0);
	}
	return (-1);
}

static void
float_fmt_e(struct rg_buf *out, const char *dig, int nd, int dp)
{
	int		exp;

	rg_buf_appendc(out, nd > 0 ? (uint8_t)dig[0] : '0');
	if (nd > 1) {
		rg_buf_appendc(out, '.');
		rg_buf_append(out, dig + 1, (size_t)nd - 1);
	}
	exp = nd == 0 ? 0 : dp - 1;
	rg_buf_appendc(out, 'e');
	rg_buf_appendc(out, exp < 0 ? '-' : '+');
	if (exp < 0)
		exp = -exp;
	rg_buf_appendf(out, "%02d", exp);
}

static void
float_fmt_f(struct rg_buf *out, const char *dig, int nd, int dp)
{
	int		i, m, prec, j;

	if (dp > 0) {
		m = nd < dp ? nd : dp;
		rg_buf_append(out, dig, (size_t)m);
		for (; m < dp; m++)
			rg_buf_appendc(out, '0');
	} else
		rg_buf_appendc(out, '0');
	prec = nd - dp > 0 ? nd - dp : 0;
	if (prec > 0) {
		rg_buf_appendc(out, '.');
		for (i = 1; i <= prec; i++) {
			j = dp + i - 1;
			rg_buf_appendc(out,
			    (j >= 0 && j < nd) ? (uint8_t)dig[j] : '0');
		}
	}
}

void
rg_format_float(struct rg_buf *out, double v, char fmt, int bits)
{
	char		dig[32];
	int		nd, dp, exp;

	if (bits == 32)
		v = (double)(float)v;
	if (isnan(v)) {
		rg_buf_appends(out, "NaN");
		return;
	}
	if (isinf(v)) {
		rg_buf_appends(out, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (signbit(v)) {
		rg_buf_appendc(out, '-');
		v = -v;
	}
	nd = 0;
	dp = 0;
	if (v != 0 && float_shortest(v, bits, dig, &nd, &dp) == -1)
		abort();

	switch (fmt) {
	case 'e':
		float_fmt_e(out, dig, nd, dp);
		break;
	case 'g':
		/* Go: shortest 'g' switches to %e when exp < -4 || exp >= 6. */
		exp = dp - 1;
		if (nd != 0 && (exp < -4 || exp >= 6))
			float_fmt_e(out, dig, nd, dp);
		else
			float_fmt_f(out, dig, nd, dp);
		break;
	default:
		float_fmt_f(out, dig, nd, dp);
		break;
	}
}

/*
 * strconv.IsPrint for non-ASCII, approximated: C1 controls, format
 * characters (Cf), separators other than U+0020 and private use are not
 * printable; everything else (including unassigned) is.
 */
static int
go_isprint(uint32_t r)
{
	if (r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f))
		return (0);
	if (r < 0x80)
		return (1);
	switch (r) {
	case 0xa0: case 0xad: case 0x61c: case 0x6dd: case 0x70f:
	case 0x180e: case 0x1680: case 0x202f: case 0x205f: case 0x3000:
	case 0xfeff: case 0x110bd: case 0xe0001:
		return (0);
	}
	if ((r >= 0x600 && r <= 0x605) || (r >= 0x2000 && r <= 0x200f) ||
	    (r >= 0x2028 && r <= 0x202e) || (r >= 0x2060 && r <= 0x206f) ||
	    (r >= 0xfff9 && r <= 0xfffb) || (r >= 0xe000 && r <= 0xf8ff) ||
	    (r >= 0x1bca0 && r <= 0x1bca3) ||
	    (r >= 0x1d173 && r <= 0x1d17a) ||
	    (r >= 0xe0020 && r <= 0xe007f) || r >= 0xf0000 ||
	    (r & 0xfffe) == 0xfffe)
		return (0);
	return (1);
}

void
rg_go_quote(struct rg_buf *out, const uint8_t *s, size_t n)
{
	/* The controls Go writes by name: each followed by its letter. */
	static const char	named[] = "\aa\bb\ff\nn\rr\tt\vv";
	const char		*e;
	size_t			 i;
	uint32_t		 r;
	int			 w;

	rg_buf_appendc(out, '"');
	for (i = 0; i < n; i += (size_t)w) {
		if ((w = rg_utf8_decode(s + i, n - i, &r)) == 0) {
			w = 1;
			rg_buf_append(out, "\\x", 2);
			rg_buf_appendc(out, (uint8_t)hexdig[s[i] >> 4]);
			rg_buf_appendc(out, (uint8_t)hexdig[s[i] & 0xf]);
			continue;
		}
		if (r == '"' || r == '\\') {
			rg_buf_appendc(out, '\\');
			rg_buf_appendc(out, (uint8_t)r);
			continue;
		}
		if (go_isprint(r)) {
			rg_buf_append(out, s + i, (size_t)w);
			continue;
		}
		if (r != 0 && r < 0x20 &&
		    (e = strchr(named, (int)r)) != NULL) {
			rg_buf_appendc(out, '\\');
			rg_buf_appendc(out, (uint8_t)e[1]);
		} else if (r < 0x20 || r == 0x7f)
			rg_buf_appendf(out, "\\x%02x", r);
		else if (r < 0x10000)
			rg_buf_appendf(out, "\\u%04x", r);
		else
			rg_buf_appendf(out, "\\U%08x", r);
	}
	rg_buf_appendc(out, '"');
}
