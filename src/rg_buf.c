/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rg_buf.h"

static void	buf_reserve(struct rg_buf *, size_t);
static int	b64_val(uint8_t, int);

static const char	b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char	b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
rg_buf_init(struct rg_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
rg_buf_free(struct rg_buf *b)
{
	free(b->data);
	rg_buf_init(b);
}

void
rg_buf_reset(struct rg_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Make room for n more bytes plus the terminating NUL. */
static void
buf_reserve(struct rg_buf *b, size_t n)
{
	size_t		need, ncap;
	uint8_t		*p;

	if (n > SIZE_MAX - b->len - 1)
		abort();
	need = b->len + n + 1;
	if (need <= b->cap)
		return;

	ncap = b->cap < 64 ? 64 : b->cap;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	if ((p = realloc(b->data, ncap)) == NULL)
		abort();
	b->data = p;
	b->cap = ncap;
}

void
rg_buf_append(struct rg_buf *b, const void *d, size_t len)
{
	buf_reserve(b, len);
	if (len > 0)
		memcpy(b->data + b->len, d, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
rg_buf_appendc(struct rg_buf *b, uint8_t c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void
rg_buf_appends(struct rg_buf *b, const char *s)
{
	rg_buf_append(b, s, strlen(s));
}

void
rg_buf_appendf(struct rg_buf *b, const char *fmt, ...)
{
	va_list		ap;
	int		n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();

	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	if (vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap) != n)
		abort();
	va_end(ap);
	b->len += (size_t)n;
}

const char *
rg_buf_cstr(struct rg_buf *b)
{
	buf_reserve(b, 0);
	b->data[b->len] = '\0';
	return ((const char *)b->data);
}

void
rg_base64_encode(struct rg_buf *out, const uint8_t *d, size_t len, int url)
{
	const char	*tbl = url ? b64_url : b64_std;
	char		 q[4];
	size_t		 i;
	uint32_t	 v;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
		q[0] = tbl[v >> 18 & 0x3f];
		q[1] = tbl[v >> 12 & 0x3f];
		q[2] = tbl[v >> 6 & 0x3f];
		q[3] = tbl[v & 0x3f];
		rg_buf_append(out, q, 4);
	}
	if (i == len)
		return;
	v = (uint32_t)d[i] << 16;
	if (i + 1 < len)
		v |= (uint32_t)d[i + 1] << 8;
	q[0] = tbl[v >> 18 & 0x3f];
	q[1] = tbl[v >> 12 & 0x3f];
	q[2] = (i + 1 < len) ? tbl[v >> 6 & 0x3f] : '=';
	q[3] = '=';
	rg_buf_append(out, q, 4);
}

static int
b64_val(uint8_t c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == (url ? '-' : '+'))
		return (62);
	if (c == (url ? '_' : '/'))
		return (63);
	return (-1);
}

/*
 * Mirrors Go's Encoding.decodeQuantum: quanta of four symbols, newlines
 * skipped; '=' may only end the input ("xx==" or "xxx="), followed by
 * nothing but newlines.
 */
int
rg_base64_decode(struct rg_buf *out, const char *src, size_t len, int url)
{
	const uint8_t	*s = (const uint8_t *)src;
	size_t		 si, olen;
	uint32_t	 val;
	int		 j, v, dlen;
	uint8_t		 q[4], o[3];

	olen = out->len;
	si = 0;
	for (;;) {
		dlen = 4;
		for (j = 0; j < 4; j++) {
			while (si < len && (s[si] == '\r' || s[si] == '\n'))
				si++;
			if (si == len) {
				if (j == 0)
					return (0);
				goto bad;
			}
			if ((v = b64_val(s[si], url)) != -1) {
				q[j] = (uint8_t)v;
				si++;
				continue;
			}
			if (s[si] != '=' || j < 2)
				goto bad;
			si++;
			if (j == 2) {
				while (si < len &&
				    (s[si] == '\r' || s[si] == '\n'))
					si++;
				if (si == len || s[si] != '=')
					goto bad;
				si++;
			}
			while (si < len && (s[si] == '\r' || s[si] == '\n'))
				si++;
			if (si < len)
				goto bad;
			dlen = j;
			break;
		}
		for (; j < 4; j++)
			q[j] = 0;
		val = (uint32_t)q[0] << 18 | (uint32_t)q[1] << 12 |
		    (uint32_t)q[2] << 6 | q[3];
		o[0] = (uint8_t)(val >> 16);
		o[1] = (uint8_t)(val >> 8);
		o[2] = (uint8_t)val;
		rg_buf_append(out, o, (size_t)dlen - 1);
		if (dlen < 4)
			return (0);
	}

bad:
	out->len = olen;
	if (out->data != NULL)
		out->data[olen] = '\0';
	return (-1);
}

int
rg_utf8_decode(const uint8_t *s, size_t n, uint32_t *r)
{
	uint32_t	c;
	int		w, i;

	c = s[0];
	if (c < 0x80) {
		*r = c;
		return (1);
	}
	if (c >= 0xc2 && c <= 0xdf) {
		w = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		w = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		w = 4;
		c &= 0x07;
	} else
		return (0);
	if (n < (size_t)w)
		return (0);
	for (i = 1; i < w; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((w == 3 && c < 0x800) || (w == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return (0);
	*r = c;
	return (w);
}

int
rg_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}
