/*
 * libFuzzer target: pagination token (untrusted `start` parameter).
 * A token that unmarshals must marshal to a token that unmarshals to
 * the same state and marshals identically; then the state is driven
 * through merge and a page collection with lengths taken from the input
 * to check the size invariant and index bounds.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paginate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	has_wrapped(const uint32_t *, size_t);

static struct rg_page_state	st, st2;

static int
has_wrapped(const uint32_t *ids, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (ids[i] > INT32_MAX)
			return (1);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct rg_buf		t1, t2;
	struct rg_page_span	spans[16];
	uint32_t		all[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint32_t		nodes[16];
	int64_t			lens[16], limit;
	size_t			n, ns, i;

	if (rg_page_state_unmarshal(&st, (const char *)data, len) != 0)
		return (0);
	rg_buf_init(&t1);
	rg_buf_init(&t2);
	rg_page_state_marshal(&st, &t1);
	if (rg_page_state_unmarshal(&st2, (const char *)t1.data, t1.len) != 0) {
		/*
		 * Only ids that Go wraps to a negative NodeID (> INT32_MAX
		 * as parsed) may fail: they print with a '-' that
		 * ParseUint refuses, in Go as here.
		 */
		if (!has_wrapped(st.queried, st.nqueried) &&
		    !has_wrapped(st.to_query, st.nto_query))
			abort();
		goto done;
	}
	rg_page_state_marshal(&st2, &t2);
	if (t1.len != t2.len || memcmp(t1.data, t2.data, t1.len) != 0)
		abort();
	if (st.nqueried != st2.nqueried || st.nto_query != st2.nto_query ||
	    st.in_progress != st2.in_progress ||
	    st.in_progress_index != st2.in_progress_index)
		abort();

	rg_page_state_merge(&st, all, 8);
	n = rg_page_state_nodes(&st, nodes, 16);
	limit = len % 7 + 1;
	for (i = 0; i < n; i++)
		lens[i] = (int64_t)(data[i % len] % 12) - 1;
	if (rg_page_collect(&st, limit, nodes, lens, n, spans, &ns) != 0)
		abort();
	for (i = 0; i < ns; i++) {
		if (spans[i].start > spans[i].end || (lens[i] >= 0 &&
		    spans[i].end > (size_t)lens[i]))
			abort();
	}
	if (st.nqueried + st.nto_query + (st.in_progress != 0) >
	    st.room || st.room > RG_PAGE_MAXNODES)
		abort();
done:
	rg_buf_free(&t1);
	rg_buf_free(&t2);
	return (0);
}
