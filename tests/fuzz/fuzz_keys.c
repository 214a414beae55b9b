/*
 * libFuzzer target: key pretty-printing of arbitrary bytes (keys come
 * from the status catalog; a bad row must not crash a worker).
 */

#include <stdint.h>
#include <stdlib.h>

#include "keyenc.h"
#include "keys.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct rg_buf	b;
	uint8_t		pe[4096 + 2];
	size_t		pelen;

	rg_buf_init(&b);
	if (rg_key_pretty(data, len, &b) != 0 || b.len == 0)
		abort();
	if (len <= 4096) {
		rg_key_prefix_end(data, len, pe, &pelen);
		rg_buf_reset(&b);
		if (rg_key_pretty(pe, pelen, &b) != 0 || b.len == 0)
			abort();
	}
	rg_buf_free(&b);
	return (0);
}
