/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * A line-by-line port of CockroachDB's pkg/server/pagination.go:
 * simplePaginate, paginationState (mergeNodeIDs, paginate, MarshalText,
 * UnmarshalText) and the ordering/stopping rules of rpcNodePaginator
 * (queryNode + processResponses).
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "paginate.h"
#include "params.h"

static size_t	page_total(const struct rg_page_state *);
static int	node_cmp(const void *, const void *);
static int	is_space(uint32_t);
static void	trim_space(const char **, size_t *);
static int	parse_ids(const char *, size_t, uint32_t *, size_t *, size_t);
static int	parse_atoi(const char *, size_t, int64_t *);
static size_t	count_ids(const char *, size_t);
static uint32_t	*grow(uint32_t *, size_t);

void
rg_simple_paginate(size_t len, int64_t limit, int64_t offset,
    struct rg_simple_page *pg)
{
	uint64_t	end;

	if (limit <= 0) {
		pg->start = 0;
		pg->end = len;
		pg->next = 0;
		return;
	}
	if (offset < 0)
		offset = 0;
	/* Go's offset+limit can overflow (and panic); saturate instead. */
	end = (uint64_t)offset + (uint64_t)limit;
	pg->start = (uint64_t)offset > len ? len : (size_t)offset;
	pg->end = end > len ? len : (size_t)end;
	pg->next = pg->end == len ? 0 : (int64_t)pg->end;
}

void
rg_page_state_init(struct rg_page_state *st)
{
	memset(st, 0, sizeof(*st));
}

void
rg_page_state_clear(struct rg_page_state *st)
{
	st->nqueried = 0;
	st->in_progress = 0;
	st->in_progress_index = 0;
	st->nto_query = 0;
}

void
rg_page_state_free(struct rg_page_state *st)
{
	free(st->queried);
	free(st->to_query);
	rg_page_state_init(st);
}

/* Like rg_buf: a worker that cannot allocate cannot answer anyway. */
static uint32_t *
grow(uint32_t *ids, size_t n)
{
	if ((ids = realloc(ids, n * sizeof(*ids))) == NULL)
		abort();
	return (ids);
}

int
rg_page_state_reserve(struct rg_page_state *st, size_t n)
{
	if (n > RG_PAGE_MAXNODES)
		return (-1);
	if (n <= st->room)
		return (0);
	st->queried = grow(st->queried, n);
	st->to_query = grow(st->to_query, n);
	st->room = n;
	return (0);
}

static size_t
page_total(const struct rg_page_state *st)
{
	return (st->nqueried + st->nto_query + (st->in_progress != 0));
}

/* roachpb.NodeID is an int32: order by that. */
static int
node_cmp(const void *a, const void *b)
{
	int32_t		x, y;

	x = (int32_t)*(const uint32_t *)a;
	y = (int32_t)*(const uint32_t *)b;
	return ((x > y) - (x < y));
}

/* unicode.IsSpace */
static int
is_space(uint32_t r)
{
	switch (r) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202f: case 0x205f: case 0x3000:
		return (1);
	}
	return (r >= 0x2000 && r <= 0x200a);
}

/* strings.TrimSpace */
static void
trim_space(const char **sp, size_t *lenp)
{
	const uint8_t	*s = (const uint8_t *)*sp;
	size_t		 len = *lenp, st;
	uint32_t	 r;
	int		 w;

	while (len > 0) {
		if ((w = rg_utf8_decode(s, len, &r)) == 0 || !is_space(r))
			break;
		s += w;
		len -= (size_t)w;
	}
	while (len > 0) {
		/* utf8.DecodeLastRune */
		st = len - 1;
		if (s[st] >= 0x80) {
			while (st > 0 && st + 4 > len && (s[st] & 0xc0) == 0x80)
				st--;
		}
		w = rg_utf8_decode(s + st, len - st, &r);
		if (w == 0 || st + (size_t)w != len || !is_space(r))
			break;
		len = st;
	}
	*sp = (const char *)s;
	*lenp = len;
}

/* strconv.Atoi on a counted string (which may hold NUL bytes). */
static int
parse_atoi(const char *s, size_t len, int64_t *v)
{
	struct rg_buf	b;
	int		rv;

	if (memchr(s, '\0', len) != NULL)
		return (-1);
	rg_buf_init(&b);
	rg_buf_append(&b, s, len);
	rv = rg_parse_atoi(rg_buf_cstr(&b), v);
	rg_buf_free(&b);
	return (rv);
}

/*
 * parseNodeIDSlice: split on ',', TrimSpace, skip empty parts,
 * ParseUint(part, 10, 32) > 0, then roachpb.NodeID(val) (an int32).
 */
static int
parse_ids(const char *s, size_t len, uint32_t *ids, size_t *n, size_t room)
{
	struct rg_buf	 b;
	const char	*p, *comma;
	size_t		 plen;
	uint64_t	 v;
	int		 rv;

	rg_buf_init(&b);
	rv = -1;
	*n = 0;
	for (;;) {
		comma = memchr(s, ',', len);
		p = s;
		plen = comma != NULL ? (size_t)(comma - s) : len;
		trim_space(&p, &plen);
		if (plen > 0) {
			if (memchr(p, '\0', plen) != NULL)
				goto out;
			rg_buf_reset(&b);
			rg_buf_append(&b, p, plen);
			if (rg_parse_uint(rg_buf_cstr(&b), 10, 32, &v) == -1 ||
			    v == 0 || *n >= room)
				goto out;
			ids[(*n)++] = (uint32_t)v;
		}
		if (comma == NULL)
			break;
		len -= (size_t)(comma - s) + 1;
		s = comma + 1;
	}
	rv = 0;
out:
	rg_buf_free(&b);
	return (rv);
}

/* At most how many ids a list part names: one more than its commas. */
static size_t
count_ids(const char *s, size_t len)
{
	const char	*comma;
	size_t		 n;

	for (n = 1; (comma = memchr(s, ',', len)) != NULL; n++) {
		len -= (size_t)(comma - s) + 1;
		s = comma + 1;
	}
	return (n);
}

int
rg_page_state_parse(struct rg_page_state *st, const char *txt, size_t len)
{
	const char	*part[4], *p;
	size_t		 plen[4], i, left, room;
	int64_t		 ip, idx;

	rg_page_state_clear(st);
	if (txt == NULL)
		txt = "";
	p = txt;
	left = len;
	for (i = 0; i < 4; i++) {
		part[i] = p;
		plen[i] = left;
		if ((p = memchr(part[i], '|', left)) == NULL) {
			if (i != 3)
				goto bad;
			break;
		}
		if (i == 3)
			goto bad;	/* a fifth part */
		plen[i] = (size_t)(p - part[i]);
		left -= plen[i] + 1;
		p++;
	}

	/* Room for what the token names (an upper bound), within the limit. */
	room = count_ids(part[0], plen[0]) + count_ids(part[3], plen[3]) + 1;
	if (room > RG_PAGE_MAXNODES)
		room = RG_PAGE_MAXNODES;
	(void)rg_page_state_reserve(st, room);
	if (parse_ids(part[0], plen[0], st->queried, &st->nqueried,
	    st->room) == -1)
		goto bad;
	if (parse_atoi(part[1], plen[1], &ip) == -1)
		goto bad;
	st->in_progress = (uint32_t)ip;	/* roachpb.NodeID(int) truncates */
	if (parse_atoi(part[2], plen[2], &idx) == -1)
		goto bad;
	st->in_progress_index = idx;
	if (idx < 0 || (idx > 0 && (int32_t)st->in_progress <= 0))
		goto bad;
	if (parse_ids(part[3], plen[3], st->to_query, &st->nto_query,
	    st->room) == -1)
		goto bad;
	if (page_total(st) > RG_PAGE_MAXNODES)
		goto bad;
	return (0);

bad:
	rg_page_state_clear(st);
	return (-1);
}

int
rg_page_state_unmarshal(struct rg_page_state *st, const char *tok, size_t len)
{
	struct rg_buf	txt;
	int		rv;

	rg_page_state_clear(st);
	rg_buf_init(&txt);
	rv = -1;
	if (rg_base64_decode(&txt, tok, len, 1) == 0)
		rv = rg_page_state_parse(st, (const char *)txt.data, txt.len);
	rg_buf_free(&txt);
	return (rv);
}

void
rg_page_state_text(const struct rg_page_state *st, struct rg_buf *out)
{
	size_t		i;

	for (i = 0; i < st->nqueried; i++)
		rg_buf_appendf(out, "%" PRId32 ",", (int32_t)st->queried[i]);
	rg_buf_appendf(out, "|%" PRId32 "|%" PRId64 "|",
	    (int32_t)st->in_progress, st->in_progress_index);
	for (i = 0; i < st->nto_query; i++)
		rg_buf_appendf(out, "%" PRId32 ",", (int32_t)st->to_query[i]);
}

int
rg_page_state_marshal(const struct rg_page_state *st, struct rg_buf *out)
{
	struct rg_buf	txt;

	rg_buf_init(&txt);
	rg_page_state_text(st, &txt);
	rg_base64_encode(out, txt.data, txt.len, 1);
	rg_buf_free(&txt);
	return (0);
}

void
rg_page_state_merge(struct rg_page_state *st, const uint32_t *all, size_t n)
{
	uint32_t	*sorted;
	size_t		 ns, i, j, room;

	/* A state built by hand could break the invariant: refuse it. */
	if (page_total(st) > RG_PAGE_MAXNODES || page_total(st) > st->room)
		return;
	room = page_total(st) + n;
	if (room > RG_PAGE_MAXNODES)
		room = RG_PAGE_MAXNODES;
	(void)rg_page_state_reserve(st, room);
	if ((sorted = calloc(page_total(st) + 1, sizeof(*sorted))) == NULL)
		abort();
	ns = 0;
	memcpy(sorted, st->queried, st->nqueried * sizeof(uint32_t));
	ns += st->nqueried;
	if (st->in_progress != 0)
		sorted[ns++] = st->in_progress;
	memcpy(sorted + ns, st->to_query, st->nto_query * sizeof(uint32_t));
	ns += st->nto_query;
	qsort(sorted, ns, sizeof(uint32_t), node_cmp);

	j = 0;
	for (i = 0; i < n; i++) {
		while (j < ns && (int32_t)sorted[j] < (int32_t)all[i])
			j++;
		if (j >= ns || sorted[j] != all[i]) {
			if (page_total(st) >= st->room)
				continue;
			st->to_query[st->nto_query++] = all[i];
		}
	}
	free(sorted);
	if (st->in_progress == 0 && st->nto_query > 0) {
		st->in_progress = st->to_query[0];
		st->in_progress_index = 0;
		st->nto_query--;
		memmove(st->to_query, st->to_query + 1,
		    st->nto_query * sizeof(uint32_t));
	}
}

int
rg_page_state_paginate(struct rg_page_state *st, int64_t *limit,
    uint32_t node, size_t length, size_t *start, size_t *end)
{
	size_t		i;
	int		done;

	*start = 0;
	*end = 0;
	if (page_total(st) > st->room)
		return (-1);
	if (*limit <= 0 || node == 0 || st->in_progress == 0) {
		/* Already reached limit. */
		*limit = 0;
		return (0);
	}
	if (st->in_progress != node) {
		st->queried[st->nqueried++] = st->in_progress;
		st->in_progress = 0;
		st->in_progress_index = 0;
		for (i = 0; i < st->nto_query; i++) {
			if (st->to_query[i] != node)
				continue;
			/* Nodes before it must have returned errors. */
			st->in_progress = node;
			memcpy(st->queried + st->nqueried, st->to_query,
			    i * sizeof(uint32_t));
			st->nqueried += i;
			st->nto_query -= i + 1;
			memmove(st->to_query, st->to_query + i + 1,
			    st->nto_query * sizeof(uint32_t));
			break;
		}
		if (st->in_progress == 0)
			return (-1);
	}

	done = 0;
	if (length > 0) {
		*start = (uint64_t)st->in_progress_index > length ?
		    length : (size_t)st->in_progress_index;
		if ((uint64_t)*limit >= length - *start) {
			*end = length;
			done = 1;
		} else
			*end = *start + (size_t)*limit;
		*limit -= (int64_t)(*end - *start);
		st->in_progress_index = (int64_t)*end;
	}
	if (done) {
		st->queried[st->nqueried++] = node;
		st->in_progress_index = 0;
		if (st->nto_query > 0) {
			st->in_progress = st->to_query[0];
			st->nto_query--;
			memmove(st->to_query, st->to_query + 1,
			    st->nto_query * sizeof(uint32_t));
		} else
			st->in_progress = 0;
	}
	return (0);
}

size_t
rg_page_state_nodes(const struct rg_page_state *st, uint32_t *out, size_t max)
{
	size_t		n, i;

	n = 0;
	if (st->in_progress != 0 && n < max)
		out[n++] = st->in_progress;
	for (i = 0; i < st->nto_query && n < max; i++)
		out[n++] = st->to_query[i];
	return (n);
}

int64_t
rg_page_fetch_start(const struct rg_page_state *st, uint32_t node)
{
	if (node != 0 && node == st->in_progress)
		return (st->in_progress_index);
	return (0);
}

int
rg_page_collect(struct rg_page_state *st, int64_t limit,
    const uint32_t *nodes, const int64_t *lengths, size_t n,
    struct rg_page_span *out, size_t *nout)
{
	uint32_t	orig_ip;
	int64_t		orig_idx, cur, len, left;
	size_t		i, s, e;

	*nout = 0;
	if (limit <= 0)
		return (-1);
	orig_ip = st->in_progress;
	orig_idx = st->in_progress_index;
	left = limit;
	cur = 0;
	for (i = 0; i < n; i++) {
		out[i].node = nodes[i];
		out[i].start = 0;
		out[i].end = 0;
		out[i].error = 0;
		len = lengths[i] < 0 ? 0 : lengths[i];
		if (lengths[i] < 0)
			out[i].error = 1;
		else if (rg_page_state_paginate(st, &left, nodes[i],
		    (size_t)len, &s, &e) == -1)
			out[i].error = 2;
		else {
			out[i].start = s;
			out[i].end = e;
		}
		(*nout)++;

		/* queryNode's running count and its `done` condition. */
		cur += len;
		if (nodes[i] == orig_ip)
			cur -= len > orig_idx ? orig_idx : len;
		if (cur >= limit)
			break;
	}
	return (0);
}
