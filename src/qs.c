/*
 * Go's url.ParseQuery, reduced to "the first value of one key": pairs are
 * split on '&', a pair containing ';' is an error and skipped (Go 1.17+),
 * key and value split at the first '=', and a pair whose key or value has
 * a bad escape is skipped.
 */

#include <string.h>

#include "qs.h"

int
rg_qs_get(const char *qs, const char *name, struct rg_buf *out)
{
	const char	*pair, *end, *eq;
	size_t		plen, klen;
	struct rg_buf	key;

	if (qs == NULL)
		return (0);

	rg_buf_init(&key);
	for (pair = qs; *pair != '\0'; pair = end + (*end == '&')) {
		end = strchr(pair, '&');
		if (end == NULL)
			end = pair + strlen(pair);
		plen = (size_t)(end - pair);
		if (plen == 0 || memchr(pair, ';', plen) != NULL)
			continue;

		eq = memchr(pair, '=', plen);
		klen = (eq != NULL) ? (size_t)(eq - pair) : plen;

		rg_buf_reset(&key);
		if (rg_qs_unescape(pair, klen, &key) == -1 ||
		    strcmp(rg_buf_cstr(&key), name) != 0)
			continue;

		rg_buf_reset(out);
		if (eq != NULL && rg_qs_unescape(eq + 1,
		    (size_t)(end - eq - 1), out) == -1)
			continue;

		(void)rg_buf_cstr(out);
		rg_buf_free(&key);
		return (1);
	}

	rg_buf_free(&key);
	return (0);
}

int
rg_qs_unescape(const char *s, size_t len, struct rg_buf *out)
{
	size_t		i;
	int		hi, lo;
	char		c;

	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= len)
				return (-1);
			if ((hi = rg_hexval(s[i + 1])) == -1 ||
			    (lo = rg_hexval(s[i + 2])) == -1)
				return (-1);
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		rg_buf_append(out, &c, 1);
	}

	return (0);
}
