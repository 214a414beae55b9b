/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * JSON writer following Go's encoding/json (encode.go): string escaping
 * (encodeState.string), float formatting (floatEncoder.encode, which
 * uses strconv.AppendFloat with 'f' or 'e' and precision -1), []byte as
 * base64.StdEncoding, time.Time.MarshalJSON (RFC3339Nano) and
 * uuid.UUID.MarshalText.
 */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gostrconv.h"
#include "json.h"

static void	json_sep(struct rg_json *, const char *);
static void	json_open(struct rg_json *, const char *, char);
static void	json_close(struct rg_json *, char);
static int	ids_cmp(const void *, const void *);

static const char	hexdigits[] = "0123456789abcdef";

void
rg_json_init(struct rg_json *j, struct rg_buf *buf)
{
	j->buf = buf;
	j->depth = 0;
	memset(j->need_comma, 0, sizeof(j->need_comma));
}

/* Write the separator and, inside objects, the member name. */
static void
json_sep(struct rg_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		rg_buf_appendc(j->buf, ',');
	j->need_comma[j->depth] = 1;
	if (key != NULL) {
		rg_json_escape(j->buf, key, strlen(key));
		rg_buf_appendc(j->buf, ':');
	}
}

static void
json_open(struct rg_json *j, const char *key, char c)
{
	if (j->depth + 1 >= RG_JSON_MAXDEPTH)
		abort();
	json_sep(j, key);
	rg_buf_appendc(j->buf, (uint8_t)c);
	j->depth++;
	j->need_comma[j->depth] = 0;
}

static void
json_close(struct rg_json *j, char c)
{
	if (j->depth <= 0)
		abort();
	j->depth--;
	rg_buf_appendc(j->buf, (uint8_t)c);
}

void
rg_json_object_open(struct rg_json *j, const char *key)
{
	json_open(j, key, '{');
}

void
rg_json_object_close(struct rg_json *j)
{
	json_close(j, '}');
}

void
rg_json_array_open(struct rg_json *j, const char *key)
{
	json_open(j, key, '[');
}

void
rg_json_array_close(struct rg_json *j)
{
	json_close(j, ']');
}

void
rg_json_string(struct rg_json *j, const char *key, const char *s)
{
	if (s == NULL)
		s = "";
	rg_json_stringn(j, key, s, strlen(s));
}

void
rg_json_stringn(struct rg_json *j, const char *key, const char *s, size_t len)
{
	json_sep(j, key);
	rg_json_escape(j->buf, s, len);
}

void
rg_json_int(struct rg_json *j, const char *key, int64_t v)
{
	json_sep(j, key);
	rg_buf_appendf(j->buf, "%" PRId64, v);
}

void
rg_json_uint(struct rg_json *j, const char *key, uint64_t v)
{
	json_sep(j, key);
	rg_buf_appendf(j->buf, "%" PRIu64, v);
}

void
rg_json_float64(struct rg_json *j, const char *key, double v)
{
	json_sep(j, key);
	rg_json_format_float(j->buf, v, 64);
}

void
rg_json_float32(struct rg_json *j, const char *key, float v)
{
	json_sep(j, key);
	rg_json_format_float(j->buf, (double)v, 32);
}

void
rg_json_bool(struct rg_json *j, const char *key, int v)
{
	json_sep(j, key);
	rg_buf_appends(j->buf, v ? "true" : "false");
}

void
rg_json_null(struct rg_json *j, const char *key)
{
	json_sep(j, key);
	rg_buf_appends(j->buf, "null");
}

void
rg_json_raw(struct rg_json *j, const char *key, const char *raw, size_t len)
{
	json_sep(j, key);
	rg_buf_append(j->buf, raw, len);
}

void
rg_json_bytes(struct rg_json *j, const char *key, const uint8_t *d, size_t len)
{
	json_sep(j, key);
	rg_buf_appendc(j->buf, '"');
	rg_base64_std(j->buf, d, len);
	rg_buf_appendc(j->buf, '"');
}

void
rg_base64_std(struct rg_buf *out, const uint8_t *d, size_t len)
{
	rg_base64_encode(out, d, len, 0);
}

/*
 * Go time.Time.MarshalJSON for a UTC instant: RFC3339Nano, i.e. the
 * fraction with trailing zeros trimmed (and no dot if it is zero), "Z".
 */
void
rg_json_time(struct rg_json *j, const char *key, int64_t unix_ns)
{
	int64_t		secs, nsec, days, sod, z, era, doe, yoe, y, doy, mp;
	int64_t		d, m;
	char		frac[16];
	int		n;

	secs = unix_ns / 1000000000;
	nsec = unix_ns % 1000000000;
	if (nsec < 0) {
		nsec += 1000000000;
		secs--;
	}
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}

	/* Civil date from days since 1970-01-01 (H. Hinnant's algorithm). */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;

	json_sep(j, key);
	rg_buf_appendf(j->buf, "\"%04" PRId64 "-%02" PRId64 "-%02" PRId64
	    "T%02" PRId64 ":%02" PRId64 ":%02" PRId64, y, m, d,
	    sod / 3600, sod / 60 % 60, sod % 60);
	if (nsec != 0) {
		n = snprintf(frac, sizeof(frac), ".%09" PRId64, nsec);
		while (n > 1 && frac[n - 1] == '0')
			n--;
		rg_buf_append(j->buf, frac, (size_t)n);
	}
	rg_buf_appends(j->buf, "Z\"");
}

/* Go's zero time.Time, which gogoproto non-nullable times marshal as. */
void
rg_json_time_zero(struct rg_json *j, const char *key)
{
	json_sep(j, key);
	rg_buf_appends(j->buf, "\"0001-01-01T00:00:00Z\"");
}

/* uuid.UUID.MarshalText: canonical lower-case 8-4-4-4-12. */
void
rg_json_uuid(struct rg_json *j, const char *key, const uint8_t u[16])
{
	char		s[38];
	size_t		i, o;

	o = 0;
	s[o++] = '"';
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s[o++] = '-';
		s[o++] = hexdigits[u[i] >> 4];
		s[o++] = hexdigits[u[i] & 0xf];
	}
	s[o++] = '"';
	json_sep(j, key);
	rg_buf_append(j->buf, s, o);
}

void
rg_json_escape(struct rg_buf *out, const char *str, size_t len)
{
	const uint8_t	*s = (const uint8_t *)str;
	size_t		 i, start;
	uint32_t	 r;
	uint8_t		 c;
	int		 w;
	char		 esc[6];

	rg_buf_appendc(out, '"');
	start = 0;
	for (i = 0; i < len;) {
		c = s[i];
		if (c < 0x80) {
			if (c >= 0x20 && c != '"' && c != '\\' && c != '<' &&
			    c != '>' && c != '&') {
				i++;
				continue;
			}
			rg_buf_append(out, s + start, i - start);
			switch (c) {
			case '"':
			case '\\':
				rg_buf_appendc(out, '\\');
				rg_buf_appendc(out, c);
				break;
			case '\n':
				rg_buf_append(out, "\\n", 2);
				break;
			case '\r':
				rg_buf_append(out, "\\r", 2);
				break;
			case '\t':
				rg_buf_append(out, "\\t", 2);
				break;
			default:
				memcpy(esc, "\\u00", 4);
				esc[4] = hexdigits[c >> 4];
				esc[5] = hexdigits[c & 0xf];
				rg_buf_append(out, esc, 6);
				break;
			}
			start = ++i;
			continue;
		}
		w = rg_utf8_decode(s + i, len - i, &r);
		if (w == 0) {
			rg_buf_append(out, s + start, i - start);
			rg_buf_append(out, "\\ufffd", 6);
			start = ++i;
			continue;
		}
		if (r == 0x2028 || r == 0x2029) {
			rg_buf_append(out, s + start, i - start);
			rg_buf_append(out, r == 0x2028 ? "\\u2028" : "\\u2029", 6);
			i += (size_t)w;
			start = i;
			continue;
		}
		i += (size_t)w;
	}
	rg_buf_append(out, s + start, len - start);
	rg_buf_appendc(out, '"');
}

void
rg_json_format_float(struct rg_buf *out, double v, int bits)
{
	double		a;
	size_t		n, start;
	char		fmt;

	if (isnan(v) || isinf(v)) {
		rg_buf_appendc(out, '0');
		return;
	}
	fmt = 'f';
	a = fabs(v);
	if (a != 0) {
		if (bits == 64 && (a < 1e-6 || a >= 1e21))
			fmt = 'e';
		if (bits == 32 && ((float)a < 1e-6f || (float)a >= 1e21f))
			fmt = 'e';
	}
	start = out->len;
	rg_format_float(out, v, fmt, bits);
	if (fmt == 'e') {
		/* clean up e-09 to e-9, as Go does */
		n = out->len - start;
		if (n >= 4 && out->data[out->len - 4] == 'e' &&
		    out->data[out->len - 3] == '-' &&
		    out->data[out->len - 2] == '0') {
			out->data[out->len - 2] = out->data[out->len - 1];
			out->len--;
			out->data[out->len] = '\0';
		}
	}
}

static int
ids_cmp(const void *a, const void *b)
{
	char		sa[24], sb[24];

	snprintf(sa, sizeof(sa), "%" PRId64, *(const int64_t *)a);
	snprintf(sb, sizeof(sb), "%" PRId64, *(const int64_t *)b);
	return (strcmp(sa, sb));
}

void
rg_json_sort_ids_as_strings(int64_t *ids, size_t n)
{
	if (n > 1)
		qsort(ids, n, sizeof(*ids), ids_cmp);
}
