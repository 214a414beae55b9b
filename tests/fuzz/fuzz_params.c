/*
 * libFuzzer target: query-parameter parsers (strconv ports).  The first
 * byte picks base and bit size; results are checked for range and for
 * agreement between the parsers.
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char		*s, tmp[32];
	int64_t		 v, v2, lim, off, ids[8];
	uint64_t	 u;
	size_t		 n;
	int		 base, bits, bv;

	if (len < 1)
		return (0);
	base = data[0] % 38;		/* includes invalid bases 1, 37 */
	bits = (data[0] >> 3) % 2 ? 64 : 32;
	if ((s = malloc(len)) == NULL)
		abort();
	memcpy(s, data + 1, len - 1);
	s[len - 1] = '\0';

	if (rg_parse_int(s, base, bits, &v) == 0) {
		if (bits == 32 && (v < INT32_MIN || v > INT32_MAX))
			abort();
		/* A decimal rendering parses back to the same value. */
		snprintf(tmp, sizeof(tmp), "%" PRId64, v);
		if (rg_parse_int(tmp, 10, bits, &v2) != 0 || v2 != v)
			abort();
	}
	if (rg_parse_uint(s, base, bits, &u) == 0 && bits == 32 &&
	    u > UINT32_MAX)
		abort();
	if (rg_parse_atoi(s, &v) == 0 &&
	    (rg_parse_int(s, 10, 64, &v2) != 0 || v2 != v))
		abort();
	(void)rg_parse_bool(s, &bv);
	if (rg_parse_id_list(s, ids, 8, &n) == 0 && (n == 0 || n > 8))
		abort();
	rg_parse_limit_offset(s, s, &lim, &off);
	if (lim < 0 || off < 0 || (lim == 0 && off != 0))
		abort();
	free(s);
	return (0);
}
