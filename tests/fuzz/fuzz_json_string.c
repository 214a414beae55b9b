/*
 * libFuzzer target: JSON string escaping of arbitrary bytes.  The output
 * must be a valid, quoted JSON string in valid UTF-8 with no raw control
 * characters, < > & or U+2028/U+2029, and must decode back to the input
 * with every byte of an ill-formed sequence replaced by U+FFFD (Go's
 * rule).  The checker's UTF-8 validation follows Unicode Table 3-7 and
 * is independent of the encoder's.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t	wellformed(const uint8_t *, size_t);
static int	hexval(uint8_t);

/* Length of the well-formed UTF-8 sequence at s, or 0 (Table 3-7). */
static size_t
wellformed(const uint8_t *s, size_t n)
{
	uint8_t		lo = 0x80, hi = 0xbf;
	size_t		w, i;

	if (s[0] <= 0x7f)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		w = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		w = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		w = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	if (n < w || s[1] < lo || s[1] > hi)
		return (0);
	for (i = 2; i < w; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return (0);
	return (w);
}

/* A \u escape's digit; anything else is a bug of the writer. */
static int
hexval(uint8_t c)
{
	int	v;

	if ((v = rg_hexval(c)) == -1)
		abort();
	return (v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct rg_buf	 out, want, got;
	const uint8_t	*o;
	size_t		 i, w, n;
	uint32_t	 cp;
	uint8_t		 u[4];

	rg_buf_init(&out);
	rg_buf_init(&want);
	rg_buf_init(&got);
	rg_json_escape(&out, (const char *)data, len);
	o = out.data;
	n = out.len;
	if (n < 2 || o[0] != '"' || o[n - 1] != '"')
		abort();

	/* Valid UTF-8, nothing raw that Go escapes. */
	for (i = 0; i < n; i += w) {
		if ((w = wellformed(o + i, n - i)) == 0)
			abort();
		if (o[i] < 0x20 || o[i] == '<' || o[i] == '>' || o[i] == '&')
			abort();
		if (w == 3 && o[i] == 0xe2 && o[i + 1] == 0x80 &&
		    (o[i + 2] == 0xa8 || o[i + 2] == 0xa9))
			abort();
	}

	/* Decode the JSON string. */
	for (i = 1; i < n - 1; i++) {
		if (o[i] == '"')
			abort();	/* unescaped quote inside */
		if (o[i] != '\\') {
			rg_buf_appendc(&got, o[i]);
			continue;
		}
		if (++i >= n - 1)
			abort();
		switch (o[i]) {
		case '"': case '\\': case '/':
			rg_buf_appendc(&got, o[i]);
			break;
		case 'n':
			rg_buf_appendc(&got, '\n');
			break;
		case 'r':
			rg_buf_appendc(&got, '\r');
			break;
		case 't':
			rg_buf_appendc(&got, '\t');
			break;
		case 'u':
			if (i + 4 >= n - 1)
				abort();
			cp = (uint32_t)(hexval(o[i + 1]) << 12 |
			    hexval(o[i + 2]) << 8 | hexval(o[i + 3]) << 4 |
			    hexval(o[i + 4]));
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdfff)
				abort();	/* never emitted */
			if (cp < 0x80) {
				rg_buf_appendc(&got, (uint8_t)cp);
			} else if (cp < 0x800) {
				u[0] = (uint8_t)(0xc0 | cp >> 6);
				u[1] = (uint8_t)(0x80 | (cp & 0x3f));
				rg_buf_append(&got, u, 2);
			} else {
				u[0] = (uint8_t)(0xe0 | cp >> 12);
				u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
				u[2] = (uint8_t)(0x80 | (cp & 0x3f));
				rg_buf_append(&got, u, 3);
			}
			break;
		default:
			abort();	/* Go never writes \b \f \/ here */
		}
	}

	/* Expected: input with ill-formed bytes replaced by U+FFFD. */
	for (i = 0; i < len; i += w) {
		if ((w = wellformed(data + i, len - i)) == 0) {
			rg_buf_append(&want, "\xef\xbf\xbd", 3);
			w = 1;
		} else
			rg_buf_append(&want, data + i, w);
	}
	if (got.len != want.len || (got.len > 0 &&
	    memcmp(got.data, want.data, got.len) != 0))
		abort();

	rg_buf_free(&out);
	rg_buf_free(&want);
	rg_buf_free(&got);
	return (0);
}
