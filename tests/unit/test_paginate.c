/*
 * Tests for the pagination port.  The cases are CockroachDB's own:
 * pkg/server/testdata/simple_paginate and pkg/server/testdata/
 * pagination_state (datadriven, run by TestSimplePaginate and
 * TestPaginationState in pkg/server/pagination_test.go), TestRPCPaginator
 * from the same file, and the worked example of src/REFERENCE.md,
 * "Token pagination".
 * Expected outputs are copied from the testdata files; print_state()
 * reproduces the test's printState format.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "paginate.h"
#include "suites.h"

static void	parse_nodes(const char *, uint32_t *, size_t *);
static void	define(struct rg_page_state *, const char *, uint32_t, int64_t,
		    const char *);
static void	print_state(const struct rg_page_state *, struct rg_buf *);
static void	check_state(const struct rg_page_state *, const char *);
static void	check_marshal(const struct rg_page_state *, const char *);
static void	copy_state(struct rg_page_state *,
		    const struct rg_page_state *);

static void
parse_nodes(const char *s, uint32_t *ids, size_t *n)
{
	char	*end;

	*n = 0;
	while (*s != '\0') {
		ids[(*n)++] = (uint32_t)strtoul(s, &end, 10);
		s = *end == ',' ? end + 1 : end;
	}
}

/* datadriven "define", into an initialised state (room for 64 ids) */
static void
define(struct rg_page_state *st, const char *queried, uint32_t ip,
    int64_t idx, const char *to_query)
{
	rg_page_state_clear(st);
	ck_assert_int_eq(rg_page_state_reserve(st, 64), 0);
	parse_nodes(queried, st->queried, &st->nqueried);
	st->in_progress = ip;
	st->in_progress_index = idx;
	parse_nodes(to_query, st->to_query, &st->nto_query);
}

/* dst (initialised) becomes a copy of src that owns its own arrays. */
static void
copy_state(struct rg_page_state *dst, const struct rg_page_state *src)
{
	ck_assert_int_eq(rg_page_state_reserve(dst, src->room), 0);
	memcpy(dst->queried, src->queried, src->nqueried * sizeof(uint32_t));
	memcpy(dst->to_query, src->to_query,
	    src->nto_query * sizeof(uint32_t));
	dst->nqueried = src->nqueried;
	dst->nto_query = src->nto_query;
	dst->in_progress = src->in_progress;
	dst->in_progress_index = src->in_progress_index;
}

/* printState() of pagination_test.go */
static void
print_state(const struct rg_page_state *st, struct rg_buf *b)
{
	size_t	i;

	rg_buf_appends(b, "nodesQueried:");
	for (i = 0; i < st->nqueried; i++)
		rg_buf_appendf(b, "%c%" PRId32, i > 0 ? ',' : ' ',
		    (int32_t)st->queried[i]);
	rg_buf_appendf(b, "\ninProgress: %" PRId32, (int32_t)st->in_progress);
	rg_buf_appendf(b, "\ninProgressIndex: %" PRId64,
	    st->in_progress_index);
	rg_buf_appends(b, "\nnodesToQuery:");
	for (i = 0; i < st->nto_query; i++)
		rg_buf_appendf(b, "%c%" PRId32, i > 0 ? ',' : ' ',
		    (int32_t)st->to_query[i]);
}

static void
check_state(const struct rg_page_state *st, const char *want)
{
	struct rg_buf	b;

	rg_buf_init(&b);
	print_state(st, &b);
	ck_assert_str_eq(rg_buf_cstr(&b), want);
	rg_buf_free(&b);
}

static void
check_marshal(const struct rg_page_state *st, const char *want)
{
	struct rg_buf	b;

	rg_buf_init(&b);
	ck_assert_int_eq(rg_page_state_marshal(st, &b), 0);
	ck_assert_str_eq(rg_buf_cstr(&b), want);
	rg_buf_free(&b);
}

/* testdata/simple_paginate: "paginate <limit> <offset>" over 1..n. */
static const struct {
	int64_t		 limit, offset;
	size_t		 len;
	const char	*result;
	int64_t		 next;
} simple_vec[] = {
	{ 5, 0, 10, "[1 2 3 4 5]", 5 },
	{ 5, 5, 10, "[6 7 8 9 10]", 0 },
	{ 5, 5, 8, "[6 7 8]", 0 },
	{ 15, 15, 8, "[]", 0 },
	{ 0, 0, 10, "[1 2 3 4 5 6 7 8 9 10]", 0 },
	{ 5, -1, 10, "[1 2 3 4 5]", 5 },
};

START_TEST(test_simple_paginate)
{
	struct rg_simple_page	pg;
	struct rg_buf		b;
	size_t			i;

	rg_simple_paginate(simple_vec[_i].len, simple_vec[_i].limit,
	    simple_vec[_i].offset, &pg);
	rg_buf_init(&b);
	rg_buf_appendc(&b, '[');
	for (i = pg.start; i < pg.end; i++)
		rg_buf_appendf(&b, "%s%zu", i > pg.start ? " " : "", i + 1);
	rg_buf_appendc(&b, ']');
	ck_assert_buf_str(&b, simple_vec[_i].result);
	ck_assert_int_eq(pg.next, simple_vec[_i].next);
	rg_buf_free(&b);
}
END_TEST

START_TEST(test_simple_paginate_overflow)
{
	struct rg_simple_page	pg;

	/* Go would overflow offset+limit; we saturate. */
	rg_simple_paginate(10, INT64_MAX, 3, &pg);
	ck_assert_uint_eq(pg.start, 3);
	ck_assert_uint_eq(pg.end, 10);
	ck_assert_int_eq(pg.next, 0);
	rg_simple_paginate(10, 5, INT64_MAX, &pg);
	ck_assert_uint_eq(pg.start, 10);
	ck_assert_uint_eq(pg.end, 10);
	ck_assert_int_eq(pg.next, 0);
	rg_simple_paginate(0, 5, 0, &pg);
	ck_assert_uint_eq(pg.end, 0);
	ck_assert_int_eq(pg.next, 0);
}
END_TEST

/* testdata/pagination_state, first part: marshal, merge, unmarshal. */
START_TEST(test_pagination_state_marshal_merge)
{
	struct rg_page_state	st;
	uint32_t		ids[16];
	size_t			n;

	rg_page_state_init(&st);
	define(&st, "1,2,3", 4, 2, "5,6,7");
	check_marshal(&st, "MSwyLDMsfDR8Mnw1LDYsNyw=");

	parse_nodes("9,11", ids, &n);
	rg_page_state_merge(&st, ids, n);
	check_state(&st, "nodesQueried: 1,2,3\ninProgress: 4\n"
	    "inProgressIndex: 2\nnodesToQuery: 5,6,7,9,11");

	parse_nodes("8,9,10,11", ids, &n);
	rg_page_state_merge(&st, ids, n);
	check_state(&st, "nodesQueried: 1,2,3\ninProgress: 4\n"
	    "inProgressIndex: 2\nnodesToQuery: 5,6,7,9,11,8,10");

	/* Do nothing if all nodes being merged are already in the struct. */
	parse_nodes("1,3,4,5,6,7,8", ids, &n);
	rg_page_state_merge(&st, ids, n);
	check_state(&st, "nodesQueried: 1,2,3\ninProgress: 4\n"
	    "inProgressIndex: 2\nnodesToQuery: 5,6,7,9,11,8,10");

	check_marshal(&st, "MSwyLDMsfDR8Mnw1LDYsNyw5LDExLDgsMTAs");

	/* The struct unmarshalled should match the one defined at the top. */
	ck_assert_int_eq(rg_page_state_unmarshal(&st,
	    "MSwyLDMsfDR8Mnw1LDYsNyw=", 24), 0);
	check_state(&st, "nodesQueried: 1,2,3\ninProgress: 4\n"
	    "inProgressIndex: 2\nnodesToQuery: 5,6,7");

	ck_assert_int_eq(rg_page_state_unmarshal(&st, "MSx8MnwyfDMs", 12), 0);
	check_state(&st, "nodesQueried: 1\ninProgress: 2\n"
	    "inProgressIndex: 2\nnodesToQuery: 3");
	rg_page_state_free(&st);
}
END_TEST

/* testdata/pagination_state, paginate() sequences. */
struct pag_step {
	int64_t		 limit;
	size_t		 length;
	uint32_t	 node;
	size_t		 start, end;
	int64_t		 new_limit;
	const char	*state;
};

static const struct pag_step	pag_simple[] = {
	{ 5, 10, 4, 2, 7, 0, "nodesQueried: 1,2,3\ninProgress: 4\n"
	    "inProgressIndex: 7\nnodesToQuery: 5,6,7" },
	{ 5, 10, 4, 7, 10, 2, "nodesQueried: 1,2,3,4\ninProgress: 5\n"
	    "inProgressIndex: 0\nnodesToQuery: 6,7" },
	{ 2, 7, 5, 0, 2, 0, "nodesQueried: 1,2,3,4\ninProgress: 5\n"
	    "inProgressIndex: 2\nnodesToQuery: 6,7" },
	{ 5, 7, 5, 2, 7, 0, "nodesQueried: 1,2,3,4,5\ninProgress: 6\n"
	    "inProgressIndex: 0\nnodesToQuery: 7" },
	{ 5, 4, 6, 0, 4, 1, "nodesQueried: 1,2,3,4,5,6\ninProgress: 7\n"
	    "inProgressIndex: 0\nnodesToQuery:" },
	{ 1, 6, 7, 0, 1, 0, "nodesQueried: 1,2,3,4,5,6\ninProgress: 7\n"
	    "inProgressIndex: 1\nnodesToQuery:" },
	{ 5, 6, 7, 1, 6, 0, "nodesQueried: 1,2,3,4,5,6,7\ninProgress: 0\n"
	    "inProgressIndex: 0\nnodesToQuery:" },
};

static const struct pag_step	pag_skip[] = {
	/* Test a case where node 5 returns an error and gets skipped. */
	{ 5, 5, 4, 2, 5, 2, "nodesQueried: 1,2,3,4\ninProgress: 5\n"
	    "inProgressIndex: 0\nnodesToQuery: 6,7" },
	{ 2, 5, 6, 0, 2, 0, "nodesQueried: 1,2,3,4,5\ninProgress: 6\n"
	    "inProgressIndex: 2\nnodesToQuery: 7" },
};

static void	run_paginate_steps(const struct pag_step *, size_t);

static void
run_paginate_steps(const struct pag_step *steps, size_t n)
{
	struct rg_page_state		 st;
	size_t				 i, s, e;
	int64_t				 lim;

	rg_page_state_init(&st);
	define(&st, "1,2,3", 4, 2, "5,6,7");
	for (i = 0; i < n; i++) {
		lim = steps[i].limit;
		ck_assert_int_eq(rg_page_state_paginate(&st, &lim,
		    steps[i].node, steps[i].length, &s, &e), 0);
		ck_assert_uint_eq(s, steps[i].start);
		ck_assert_uint_eq(e, steps[i].end);
		ck_assert_int_eq(lim, steps[i].new_limit);
		check_state(&st, steps[i].state);
	}
	rg_page_state_free(&st);
}

START_TEST(test_pagination_state_paginate)
{
	run_paginate_steps(pag_simple, sizeof(pag_simple) /
	    sizeof(pag_simple[0]));
}
END_TEST

START_TEST(test_pagination_state_paginate_skip)
{
	run_paginate_steps(pag_skip, sizeof(pag_skip) / sizeof(pag_skip[0]));
}
END_TEST

/* paginate() edge rules straight from pagination.go. */
START_TEST(test_paginate_edges)
{
	struct rg_page_state	st;
	size_t			s, e;
	int64_t			lim;

	/* Already reached limit / no node / nothing in progress: 0,0,0. */
	rg_page_state_init(&st);
	define(&st, "", 4, 0, "5");
	lim = 0;
	ck_assert_int_eq(rg_page_state_paginate(&st, &lim, 4, 3, &s, &e), 0);
	ck_assert_uint_eq(e, 0);
	lim = 3;
	ck_assert_int_eq(rg_page_state_paginate(&st, &lim, 0, 3, &s, &e), 0);
	ck_assert_int_eq(lim, 0);
	define(&st, "1", 0, 0, "");
	lim = 3;
	ck_assert_int_eq(rg_page_state_paginate(&st, &lim, 1, 3, &s, &e), 0);
	ck_assert_int_eq(lim, 0);

	/* Unknown node: error, in-progress node already moved to queried. */
	define(&st, "1", 2, 1, "3");
	lim = 3;
	ck_assert_int_eq(rg_page_state_paginate(&st, &lim, 9, 3, &s, &e), -1);
	ck_assert_int_eq(lim, 3);
	check_state(&st, "nodesQueried: 1,2\ninProgress: 0\n"
	    "inProgressIndex: 0\nnodesToQuery: 3");

	/* Zero-length response: node stays in progress. */
	define(&st, "", 2, 0, "3");
	lim = 3;
	ck_assert_int_eq(rg_page_state_paginate(&st, &lim, 2, 0, &s, &e), 0);
	ck_assert_int_eq(lim, 3);
	check_state(&st, "nodesQueried:\ninProgress: 2\n"
	    "inProgressIndex: 0\nnodesToQuery: 3");

	/* Index past a shrunken list: empty slice, node done. */
	define(&st, "", 2, 9, "3");
	lim = 3;
	ck_assert_int_eq(rg_page_state_paginate(&st, &lim, 2, 4, &s, &e), 0);
	ck_assert_uint_eq(s, 4);
	ck_assert_uint_eq(e, 4);
	check_state(&st, "nodesQueried: 2\ninProgress: 3\n"
	    "inProgressIndex: 0\nnodesToQuery:");
	rg_page_state_free(&st);
}
END_TEST

/* UnmarshalText error and corner cases (pagination.go). */
static const struct {
	const char	*text;		/* before base64 */
	int		 ok;
	const char	*state;
} unm_vec[] = {
	{ "|0|0|", 1, "nodesQueried:\ninProgress: 0\ninProgressIndex: 0\n"
	    "nodesToQuery:" },
	{ " 1 , 2,,\t3\n,|4|0| 5 ,", 1, "nodesQueried: 1,2,3\ninProgress: 4\n"
	    "inProgressIndex: 0\nnodesToQuery: 5" },
	{ "\xc2\xa0" "7\xe3\x80\x80|0|0|", 1, "nodesQueried: 7\n"
	    "inProgress: 0\ninProgressIndex: 0\nnodesToQuery:" },
	{ "|+4|+0|", 1, "nodesQueried:\ninProgress: 4\ninProgressIndex: 0\n"
	    "nodesToQuery:" },
	/* roachpb.NodeID is int32: Go wraps these. */
	{ "|4294967300|1|", 1, "nodesQueried:\ninProgress: 4\n"
	    "inProgressIndex: 1\nnodesToQuery:" },
	{ "4294967295,|-5|0|", 1, "nodesQueried: -1\ninProgress: -5\n"
	    "inProgressIndex: 0\nnodesToQuery:" },
	{ "", 0, NULL },
	{ "|0|0", 0, NULL },
	{ "|0|0||", 0, NULL },
	{ "0,|0|0|", 0, NULL },
	{ "+1,|0|0|", 0, NULL },
	{ "4294967296,|0|0|", 0, NULL },
	{ "x|0|0|", 0, NULL },
	{ "|0|1|", 0, NULL },
	{ "|-1|1|", 0, NULL },
	{ "|1|-1|", 0, NULL },
	{ "| 1|0|", 0, NULL },
	{ "|1|0|\xc2\xa0", 1, "nodesQueried:\ninProgress: 1\n"
	    "inProgressIndex: 0\nnodesToQuery:" },
	{ "|1|0|1\xc2", 0, NULL },
};

START_TEST(test_pagination_state_unmarshal_cases)
{
	struct rg_page_state	st;
	struct rg_buf		tok;

	rg_page_state_init(&st);
	rg_buf_init(&tok);
	rg_base64_encode(&tok, (const uint8_t *)unm_vec[_i].text,
	    strlen(unm_vec[_i].text), 1);
	ck_assert_int_eq(rg_page_state_unmarshal(&st, (const char *)tok.data,
	    tok.len), unm_vec[_i].ok ? 0 : -1);
	if (unm_vec[_i].ok)
		check_state(&st, unm_vec[_i].state);
	else
		check_state(&st, "nodesQueried:\ninProgress: 0\n"
		    "inProgressIndex: 0\nnodesToQuery:");
	rg_buf_free(&tok);
	rg_page_state_free(&st);
}
END_TEST

START_TEST(test_pagination_state_token_misc)
{
	struct rg_page_state	st;
	struct rg_buf		b;

	/*
	 * Zero state and a finished token (src/REFERENCE.md, "Token
	 * pagination").
	 */
	rg_page_state_init(&st);
	check_marshal(&st, "fDB8MHw=");
	define(&st, "1,2,3", 0, 0, "");
	check_marshal(&st, "MSwyLDMsfDB8MHw=");
	/* Wrapped ids print as Go's int32 NodeID. */
	define(&st, "", 0, 0, "");
	st.queried[st.nqueried++] = 4294967295U;
	rg_buf_init(&b);
	rg_page_state_text(&st, &b);
	ck_assert_buf_str(&b, "-1,|0|0|");
	rg_buf_free(&b);
	/*
	 * "|4|2|4107105107": ParseUint(.., 10, 32) accepts the id, NodeID()
	 * wraps it to -187862189, MarshalText prints that, and the printed
	 * token no longer parses (ParseUint refuses '-'): Go does the same.
	 */
	ck_assert_int_eq(rg_page_state_unmarshal(&st, "fDR8Mnw0MTA3MTA1MTA3",
	    20), 0);
	rg_buf_init(&b);
	rg_page_state_marshal(&st, &b);
	ck_assert_int_eq(rg_page_state_unmarshal(&st, (const char *)b.data,
	    b.len), -1);
	rg_buf_reset(&b);
	define(&st, "", 4, 2, "");
	st.to_query[st.nto_query++] = 4107105107U;
	rg_page_state_text(&st, &b);
	ck_assert_buf_str(&b, "|4|2|-187862189,");
	rg_buf_free(&b);
	/* Not base64url / bad padding. */
	ck_assert_int_eq(rg_page_state_unmarshal(&st, "fDB8MHw", 7), -1);
	ck_assert_int_eq(rg_page_state_unmarshal(&st, "fDB8MHw=", 8), 0);
	ck_assert_int_eq(rg_page_state_unmarshal(&st, "MSx8MnwyfDMs!", 13),
	    -1);
	ck_assert_int_eq(rg_page_state_unmarshal(&st, "", 0), -1);
	rg_page_state_free(&st);
}
END_TEST

START_TEST(test_pagination_state_limits)
{
	struct rg_page_state	st;
	struct rg_buf		txt, tok;
	uint32_t		ids[RG_PAGE_MAXNODES + 10];
	size_t			i;

	rg_page_state_init(&st);
	rg_buf_init(&txt);
	rg_buf_init(&tok);
	for (i = 0; i < RG_PAGE_MAXNODES; i++)
		rg_buf_appendf(&txt, "%zu,", i + 1);
	rg_buf_appends(&txt, "|0|0|");
	rg_base64_encode(&tok, txt.data, txt.len, 1);
	ck_assert_int_eq(rg_page_state_unmarshal(&st, (const char *)tok.data,
	    tok.len), 0);
	ck_assert_uint_eq(st.nqueried, RG_PAGE_MAXNODES);
	/* One more node anywhere is refused. */
	rg_buf_reset(&tok);
	rg_buf_appends(&txt, "5000,");
	rg_base64_encode(&tok, txt.data, txt.len, 1);
	ck_assert_int_eq(rg_page_state_unmarshal(&st, (const char *)tok.data,
	    tok.len), -1);
	/* merge never grows the state beyond the limit */
	rg_page_state_free(&st);
	for (i = 0; i < RG_PAGE_MAXNODES + 10; i++)
		ids[i] = (uint32_t)i + 1;
	rg_page_state_merge(&st, ids, RG_PAGE_MAXNODES + 10);
	ck_assert_uint_eq(st.nqueried + st.nto_query + 1, RG_PAGE_MAXNODES);
	ck_assert_uint_eq(st.in_progress, 1);
	rg_buf_free(&txt);
	rg_buf_free(&tok);
	rg_page_state_free(&st);
}
END_TEST

/*
 * TestRPCPaginator: pages chained with the returned state must give the
 * (node, index)-ordered list of all items, with the expected error count.
 * counts[] is indexed by node id; -1 = the node returns an error.
 * If fetch_limited, each node is asked for at most limit+1 rows from its
 * start index (what roachgate's server does) instead of its full list.
 */
struct rpc_case {
	int64_t		counts[8];
	int		limits[5];
	int		nlimits;
	int		errors;
};

static const struct rpc_case	rpc_cases[] = {
	{ { 0, 5, 10, 7, 0, 10, 0, 0 }, { 3, 1, 5, 7, 9 }, 5, 0 },
	{ { 0, 5, 0, -1, 0, 2, 0, 0 }, { 1, 5, 10 }, 3, 1 },
};
static const uint32_t	rpc_nodes[2][4] = { { 1, 2, 3, 5 }, { 1, 2, 3, 5 } };

static int	run_rpc(const struct rpc_case *, const uint32_t *, int, int,
		    struct rg_buf *);

/* Runs pages until inProgress is 0; records "node:index " per item. */
static int
run_rpc(const struct rpc_case *tc, const uint32_t *all, int limit,
    int fetch_limited, struct rg_buf *items)
{
	struct rg_page_state	st;
	struct rg_page_span	spans[8];
	uint32_t		nodes[8];
	int64_t			lens[8], start, avail;
	size_t			n, nspan, i, k;
	int			errors, pages;

	rg_page_state_init(&st);
	rg_page_state_merge(&st, all, 4);
	errors = 0;
	for (pages = 0; pages < 1000; pages++) {
		n = rg_page_state_nodes(&st, nodes, 8);
		for (i = 0; i < n; i++) {
			lens[i] = tc->counts[nodes[i]];
			if (!fetch_limited || lens[i] < 0)
				continue;
			start = rg_page_fetch_start(&st, nodes[i]);
			avail = lens[i] - start;
			if (avail < 0)
				avail = 0;
			if (avail > limit + 1)
				avail = limit + 1;
			lens[i] = start + avail;
		}
		ck_assert_int_eq(rg_page_collect(&st, limit, nodes, lens, n,
		    spans, &nspan), 0);
		for (i = 0; i < nspan; i++) {
			if (spans[i].error) {
				errors++;
				continue;
			}
			for (k = spans[i].start; k < spans[i].end; k++)
				rg_buf_appendf(items, "%u:%zu ", spans[i].node,
				    k);
		}
		if (st.in_progress == 0) {
			rg_page_state_free(&st);
			return (errors);
		}
	}
	ck_abort_msg("pagination did not terminate");
	return (-1);
}

START_TEST(test_rpc_paginator)
{
	const struct rpc_case	*tc = &rpc_cases[_i];
	struct rg_buf		 ref, got, got2;
	uint32_t		 node;
	int64_t			 k;
	int			 l;

	/* Reference: all items sorted by node, then index. */
	rg_buf_init(&ref);
	for (node = 1; node < 8; node++)
		for (k = 0; k < tc->counts[node]; k++)
			rg_buf_appendf(&ref, "%u:%" PRId64 " ", node, k);
	for (l = 0; l < tc->nlimits; l++) {
		rg_buf_init(&got);
		rg_buf_init(&got2);
		ck_assert_int_eq(run_rpc(tc, rpc_nodes[_i], tc->limits[l], 0,
		    &got), tc->errors);
		ck_assert_str_eq(rg_buf_cstr(&got), rg_buf_cstr(&ref));
		/* Fetching at most limit+1 rows gives the same pages. */
		ck_assert_int_eq(run_rpc(tc, rpc_nodes[_i], tc->limits[l], 1,
		    &got2), tc->errors);
		ck_assert_str_eq(rg_buf_cstr(&got2), rg_buf_cstr(&ref));
		rg_buf_free(&got);
		rg_buf_free(&got2);
	}
	rg_buf_free(&ref);
}
END_TEST

/*
 * Page by page, the limit+1 fetch gives the same spans (as items) and the
 * same next tokens as the full lists, for many shapes and limits.
 */
START_TEST(test_fetch_limited_equivalence)
{
	static const int64_t	shapes[][4] = {
		{ 3, 2, 4, 0 }, { 0, 0, 5, 1 }, { 7, -1, 0, 3 },
		{ 1, 1, 1, 1 }, { -1, 4, -1, 2 }, { 10, 0, 0, 10 },
	};
	static const uint32_t	all[4] = { 1, 2, 3, 4 };
	struct rg_page_state	a, b;
	struct rg_page_span	sa[4], sb[4];
	struct rg_buf		ta, tb;
	uint32_t		nodes[4];
	int64_t			la[4], lb[4], st0, av;
	size_t			n, na, nb, i, sh, p;
	int64_t			limit;

	rg_buf_init(&ta);
	rg_buf_init(&tb);
	for (sh = 0; sh < sizeof(shapes) / sizeof(shapes[0]); sh++) {
		for (limit = 1; limit <= 12; limit++) {
			rg_page_state_init(&a);
			rg_page_state_init(&b);
			rg_page_state_merge(&a, all, 4);
			copy_state(&b, &a);
			for (p = 0; p < 50 && a.in_progress != 0; p++) {
				n = rg_page_state_nodes(&a, nodes, 4);
				for (i = 0; i < n; i++) {
					la[i] = shapes[sh][nodes[i] - 1];
					lb[i] = la[i];
					if (la[i] < 0)
						continue;
					st0 = rg_page_fetch_start(&b, nodes[i]);
					av = la[i] - st0;
					av = av < 0 ? 0 : av;
					av = av > limit + 1 ? limit + 1 : av;
					lb[i] = st0 + av;
				}
				rg_page_collect(&a, limit, nodes, la, n, sa,
				    &na);
				rg_page_collect(&b, limit, nodes, lb, n, sb,
				    &nb);
				ck_assert_uint_eq(na, nb);
				for (i = 0; i < na; i++) {
					ck_assert_uint_eq(sa[i].node,
					    sb[i].node);
					ck_assert_int_eq(sa[i].error,
					    sb[i].error);
					ck_assert_uint_eq(sa[i].end -
					    sa[i].start, sb[i].end -
					    sb[i].start);
					if (sa[i].end > sa[i].start)
						ck_assert_uint_eq(sa[i].start,
						    sb[i].start);
				}
				rg_buf_reset(&ta);
				rg_buf_reset(&tb);
				rg_page_state_marshal(&a, &ta);
				rg_page_state_marshal(&b, &tb);
				ck_assert_str_eq(rg_buf_cstr(&ta),
				    rg_buf_cstr(&tb));
			}
			rg_page_state_free(&a);
			rg_page_state_free(&b);
		}
	}
	rg_buf_free(&ta);
	rg_buf_free(&tb);
}
END_TEST

/*
 * src/REFERENCE.md, "Token pagination", worked example: nodes 1,2,3
 * with 3,2,4 items,
 * limit 2.
 */
START_TEST(test_worked_example)
{
	static const struct {
		const char	*items;
		const char	*next;
		const char	*text;
	} pages[] = {
		{ "1:0 1:1 ", "fDF8MnwyLDMs", "|1|2|2,3," },
		{ "1:2 2:0 ", "MSx8MnwxfDMs", "1,|2|1|3," },
		{ "2:1 3:0 ", NULL, "1,2,|3|1|" },
		{ "3:1 3:2 ", NULL, "1,2,|3|3|" },
		{ "3:3 ", "MSwyLDMsfDB8MHw=", "1,2,3,|0|0|" },
		{ "", "MSwyLDMsfDB8MHw=", "1,2,3,|0|0|" },	/* reuse */
	};
	static const uint32_t	all[3] = { 1, 2, 3 };
	static const int64_t	counts[4] = { 0, 3, 2, 4 };
	struct rg_page_state	st;
	struct rg_page_span	spans[3];
	struct rg_buf		items, tok, txt;
	uint32_t		nodes[3];
	int64_t			lens[3];
	size_t			p, n, ns, i, k;

	rg_page_state_init(&st);
	rg_buf_init(&items);
	rg_buf_init(&tok);
	rg_buf_init(&txt);
	for (p = 0; p < sizeof(pages) / sizeof(pages[0]); p++) {
		/* Each request starts from the token of the previous one. */
		if (p > 0)
			ck_assert_int_eq(rg_page_state_unmarshal(&st,
			    (const char *)tok.data, tok.len), 0);
		rg_page_state_merge(&st, all, 3);
		n = rg_page_state_nodes(&st, nodes, 3);
		for (i = 0; i < n; i++)
			lens[i] = counts[nodes[i]];
		ns = 0;
		if (n > 0)
			ck_assert_int_eq(rg_page_collect(&st, 2, nodes, lens,
			    n, spans, &ns), 0);
		rg_buf_reset(&items);
		for (i = 0; i < ns; i++)
			for (k = spans[i].start; k < spans[i].end; k++)
				rg_buf_appendf(&items, "%u:%zu ",
				    spans[i].node, k);
		ck_assert_buf_str(&items, pages[p].items);
		rg_buf_reset(&tok);
		rg_buf_reset(&txt);
		rg_page_state_marshal(&st, &tok);
		rg_page_state_text(&st, &txt);
		ck_assert_buf_str(&txt, pages[p].text);
		if (pages[p].next != NULL)
			ck_assert_buf_str(&tok, pages[p].next);
	}
	rg_buf_free(&items);
	rg_buf_free(&tok);
	rg_buf_free(&txt);
	rg_page_state_free(&st);
}
END_TEST

/* The arrays hold what the token names and merge adds, not the maximum. */
START_TEST(test_state_room)
{
	struct rg_page_state	st;
	uint32_t		nodes[3] = { 1, 2, 3 };

	rg_page_state_init(&st);
	ck_assert_uint_eq(st.room, 0);
	rg_page_state_merge(&st, nodes, 3);
	ck_assert_uint_eq(st.room, 3);
	check_state(&st, "nodesQueried:\ninProgress: 1\n"
	    "inProgressIndex: 0\nnodesToQuery: 2,3");
	/* "1,2,|3|4|7,": five ids at most, then node 4 and 5 merged. */
	ck_assert_int_eq(rg_page_state_unmarshal(&st, "MSwyLHwzfDR8Nyw=",
	    16), 0);
	check_state(&st, "nodesQueried: 1,2\ninProgress: 3\n"
	    "inProgressIndex: 4\nnodesToQuery: 7");
	ck_assert_uint_ge(st.room, 4);
	ck_assert_uint_le(st.room, 6);
	nodes[0] = 4;
	nodes[1] = 5;
	nodes[2] = 7;
	rg_page_state_merge(&st, nodes, 3);
	check_state(&st, "nodesQueried: 1,2\ninProgress: 3\n"
	    "inProgressIndex: 4\nnodesToQuery: 7,4,5");
	ck_assert_uint_le(st.room, 9);
	ck_assert_int_eq(rg_page_state_reserve(&st, RG_PAGE_MAXNODES + 1),
	    -1);
	/* A state that claims more ids than its room is refused. */
	st.nto_query = st.room;
	rg_page_state_merge(&st, nodes, 3);
	ck_assert_uint_eq(st.nto_query, st.room);
	rg_page_state_free(&st);
	ck_assert_uint_eq(st.room, 0);
	ck_assert_ptr_null(st.queried);
}
END_TEST

/* queryNode's stopping rule: nodes after the limit are not reported. */
START_TEST(test_collect_stops)
{
	struct rg_page_state	st;
	struct rg_page_span	sp[3];
	uint32_t		nodes[3] = { 1, 2, 3 };
	int64_t			lens[3] = { 5, -1, -1 };
	size_t			n;

	rg_page_state_init(&st);
	rg_page_state_merge(&st, nodes, 3);
	ck_assert_int_eq(rg_page_collect(&st, 5, nodes, lens, 3, sp, &n), 0);
	ck_assert_uint_eq(n, 1);	/* failures of 2 and 3 never seen */
	ck_assert_uint_eq(sp[0].end, 5);
	/* An error on the first node is reported and skipped later. */
	rg_page_state_clear(&st);
	rg_page_state_merge(&st, nodes, 3);
	lens[0] = -1;
	lens[1] = 4;
	lens[2] = 4;
	ck_assert_int_eq(rg_page_collect(&st, 6, nodes, lens, 3, sp, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(sp[0].error, 1);
	ck_assert_uint_eq(sp[1].end, 4);
	ck_assert_uint_eq(sp[2].end, 2);
	check_state(&st, "nodesQueried: 1,2\ninProgress: 3\n"
	    "inProgressIndex: 2\nnodesToQuery:");
	ck_assert_int_eq(rg_page_collect(&st, 0, nodes, lens, 3, sp, &n), -1);
	rg_page_state_free(&st);
}
END_TEST

Suite *
paginate_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("paginate");
	tc = tcase_create("paginate");
	tcase_add_loop_test(tc, test_simple_paginate, 0,
	    sizeof(simple_vec) / sizeof(simple_vec[0]));
	tcase_add_test(tc, test_simple_paginate_overflow);
	tcase_add_test(tc, test_pagination_state_marshal_merge);
	tcase_add_test(tc, test_pagination_state_paginate);
	tcase_add_test(tc, test_pagination_state_paginate_skip);
	tcase_add_test(tc, test_paginate_edges);
	tcase_add_loop_test(tc, test_pagination_state_unmarshal_cases, 0,
	    sizeof(unm_vec) / sizeof(unm_vec[0]));
	tcase_add_test(tc, test_pagination_state_token_misc);
	tcase_add_test(tc, test_pagination_state_limits);
	tcase_add_loop_test(tc, test_rpc_paginator, 0,
	    sizeof(rpc_cases) / sizeof(rpc_cases[0]));
	tcase_add_test(tc, test_fetch_limited_equivalence);
	tcase_add_test(tc, test_worked_example);
	tcase_add_test(tc, test_collect_stops);
	tcase_add_test(tc, test_state_room);
	suite_add_tcase(s, tc);
	return (s);
}
