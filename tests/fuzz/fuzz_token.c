/*
 * libFuzzer target: session token decoding (untrusted header/cookie).
 * Whatever decodes must re-encode to a token that decodes to the same
 * id and secret; the protobuf layer is also fed the raw input.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	uint8_t		secret[RG_TOKEN_SECRET_MAX], secret2[RG_TOKEN_SECRET_MAX];
	size_t		slen, slen2;
	int64_t		id, id2;
	struct rg_buf	b;

	(void)rg_token_unmarshal(data, len, &id, secret, &slen);
	if (rg_token_decode((const char *)data, len, &id, secret, &slen) != 0)
		return (0);
	if (slen > RG_TOKEN_SECRET_MAX)
		abort();
	rg_buf_init(&b);
	if (rg_token_encode(id, secret, slen, &b) != 0)
		abort();
	if (rg_token_decode((const char *)b.data, b.len, &id2, secret2,
	    &slen2) != 0 || id2 != id || slen2 != slen ||
	    memcmp(secret, secret2, slen) != 0)
		abort();
	if (!rg_ct_equal(secret, secret2, slen))
		abort();
	rg_buf_free(&b);
	return (0);
}
