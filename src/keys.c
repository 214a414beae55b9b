/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * Port of the parts of CockroachDB's pkg/keys/printer.go
 * (prettyPrintInternal, decodeKeyPrint, tenantKeyPrint) and
 * pkg/util/encoding/encoding.go (PrettyPrintValue, prettyPrintFirstValue,
 * UndoPrefixEnd, the varint/float/bytes decoders) that our keys need.
 * See keys.h for what is exact and what is approximated.
 */

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "gostrconv.h"
#include "keys.h"

#define INT_MIN_TAG	0x80
#define INT_ZERO	136
#define INT_SMALL	109
#define INT_MAX_TAG	0xfd

#define MARK_BYTES	0x12
#define MARK_BYTES_DESC	0x13
#define JSON_EMPTY_ARR	0x38
#define JSON_EMPTY_OBJ	0x39
#define EMPTY_ARRAY	0x43

/* A decoded value: rest of the input, or NULL once nothing is left. */
struct kv {
	const uint8_t	*p;
	size_t		 n;
};

struct dict_entry {
	const char	*name;
	const uint8_t	*prefix;
	size_t		 plen;
	int		 pp;	/* PP_* */
};

#define PP_DECODE	1
#define PP_PRINT	2
#define PP_TENANT	3

struct dict {
	const char		*name;
	const uint8_t		*start;
	size_t			 slen;
	const uint8_t		*end;
	size_t			 elen;
	const struct dict_entry	*entries;
	size_t			 nentries;
};

static int	key_cmp(const uint8_t *, size_t, const uint8_t *, size_t);
static int	pretty_internal(const uint8_t *, size_t, struct rg_buf *,
		    int);
static int	helper(const uint8_t *, size_t, struct rg_buf *, int);
static void	decode_key_print(const uint8_t *, size_t, struct rg_buf *);
static void	tenant_key_print(const uint8_t *, size_t, struct rg_buf *,
		    int);
static void	pp_value(const uint8_t *, size_t, struct rg_buf *);
static int	pp_value_impl(const uint8_t *, size_t, struct rg_buf *);
static int	pp_first(const uint8_t *, size_t, struct kv *,
		    struct rg_buf *);
static int	dec_uvarint(const uint8_t *, size_t, struct kv *, uint64_t *,
		    struct rg_buf *);
static int	dec_varint(const uint8_t *, size_t, struct kv *, int64_t *);
static int	dec_float(const uint8_t *, size_t, struct kv *, double *);
static int	dec_bytes(const uint8_t *, size_t, int, struct kv *,
		    struct rg_buf *);

static const uint8_t	k_max[] = { 0xff, 0xff };
static const uint8_t	k_meta1[] = { 0x02 };
static const uint8_t	k_meta1_max[] = { 0x02, 0xff, 0xff };
static const uint8_t	k_meta2[] = { 0x03 };
static const uint8_t	k_meta2_max[] = { 0x03, 0xff, 0xff };
static const uint8_t	k_local[] = { 0x01 };
static const uint8_t	k_local_max[] = { 0x02 };
static const uint8_t	k_system[] = { 0x04 };
static const uint8_t	k_system_max[] = { 0x05 };
static const uint8_t	k_liveness[] = "\x04\x00liveness-";
static const uint8_t	k_liveness_max[] = "\x04\x00liveness.";
static const uint8_t	k_status_node[] = "\x04status-node-";
static const uint8_t	k_ns_min[] = { INT_ZERO + 30 };
static const uint8_t	k_ns_max[] = { INT_ZERO + 31 };
static const uint8_t	k_table_min[] = { INT_ZERO };
/* TablePrefix(MaxUint32).PrefixEnd() */
static const uint8_t	k_table_max[] = { 0xfa };
static const uint8_t	k_tenant_min[] = { 0xfe, INT_ZERO + 2 };
static const uint8_t	k_tenant_max[] = { 0xfe, 0xfe };

static const struct dict_entry	meta1_entries[] = {
	{ "", k_meta1, sizeof(k_meta1), PP_PRINT },
};
static const struct dict_entry	meta2_entries[] = {
	{ "", k_meta2, sizeof(k_meta2), PP_PRINT },
};
static const struct dict_entry	system_entries[] = {
	{ "/NodeLiveness", k_liveness, sizeof(k_liveness) - 1, PP_DECODE },
	{ "/NodeLivenessMax", k_liveness_max, sizeof(k_liveness_max) - 1,
	    PP_DECODE },
	{ "/StatusNode", k_status_node, sizeof(k_status_node) - 1,
	    PP_DECODE },
};
static const struct dict_entry	decode_entries[] = {
	{ "", NULL, 0, PP_DECODE },
};
static const struct dict_entry	tenant_entries[] = {
	{ "", NULL, 0, PP_TENANT },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct dict	key_dict[] = {
	{ "/Local", k_local, sizeof(k_local), k_local_max,
	    sizeof(k_local_max), NULL, 0 },
	{ "/Meta1", k_meta1, sizeof(k_meta1), k_meta1_max,
	    sizeof(k_meta1_max), meta1_entries, NELEM(meta1_entries) },
	{ "/Meta2", k_meta2, sizeof(k_meta2), k_meta2_max,
	    sizeof(k_meta2_max), meta2_entries, NELEM(meta2_entries) },
	{ "/System", k_system, sizeof(k_system), k_system_max,
	    sizeof(k_system_max), system_entries, NELEM(system_entries) },
	{ "/NamespaceTable", k_ns_min, sizeof(k_ns_min), k_ns_max,
	    sizeof(k_ns_max), decode_entries, NELEM(decode_entries) },
	{ "/Table", k_table_min, sizeof(k_table_min), k_table_max,
	    sizeof(k_table_max), decode_entries, NELEM(decode_entries) },
	{ "/Tenant", k_tenant_min, sizeof(k_tenant_min), k_tenant_max,
	    sizeof(k_tenant_max), tenant_entries, NELEM(tenant_entries) },
};

/* bytes.Compare */
static int
key_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	size_t		n;
	int		c;

	n = an < bn ? an : bn;
	if (n > 0 && (c = memcmp(a, b, n)) != 0)
		return (c < 0 ? -1 : 1);
	return ((an > bn) - (an < bn));
}

int
rg_key_pretty(const uint8_t *key, size_t len, struct rg_buf *out)
{
	if (key == NULL && len > 0)
		return (-1);
	return (pretty_internal(key, len, out, 0));
}

/* prettyPrintInternal with quoteRawKeys = true. */
static int
pretty_internal(const uint8_t *key, size_t len, struct rg_buf *out,
    int depth)
{
	struct rg_buf	tmp;

	if (len == 0) {
		rg_buf_appends(out, "/Min");
		return (0);
	}
	if (key_cmp(key, len, k_max, sizeof(k_max)) == 0) {
		rg_buf_appends(out, "/Max");
		return (0);
	}
	if (key_cmp(key, len, k_meta1_max, sizeof(k_meta1_max)) == 0) {
		rg_buf_appends(out, "/Meta1/Max");
		return (0);
	}
	if (key_cmp(key, len, k_meta2_max, sizeof(k_meta2_max)) == 0) {
		rg_buf_appends(out, "/Meta2/Max");
		return (0);
	}

	/* keyOfKeyDict: Meta2 first, then Meta1. */
	if (key[0] == 0x03 || key[0] == 0x02) {
		rg_buf_appends(out, key[0] == 0x03 ? "/Meta2" : "/Meta1");
		rg_buf_init(&tmp);
		if (!helper(key + 1, len - 1, &tmp, depth))
			rg_buf_appendc(out, '/');
		rg_buf_append(out, tmp.data, tmp.len);
		rg_buf_free(&tmp);
		return (0);
	}
	(void)helper(key, len, out, depth);
	return (0);
}

/* Returns 1 when the key fell into a KeyDict span ("formatted"). */
static int
helper(const uint8_t *key, size_t len, struct rg_buf *out, int depth)
{
	const struct dict	*k;
	const struct dict_entry	*e;
	size_t			 i, j;

	for (i = 0; i < NELEM(key_dict); i++) {
		k = &key_dict[i];
		if (key_cmp(key, len, k->start, k->slen) < 0 ||
		    key_cmp(key, len, k->end, k->elen) > 0)
			continue;
		rg_buf_appends(out, k->name);
		if (key_cmp(key, len, k->end, k->elen) == 0) {
			rg_buf_appends(out, "/Max");
			return (1);
		}
		for (j = 0; j < k->nentries; j++) {
			e = &k->entries[j];
			if (len < e->plen ||
			    (e->plen > 0 && memcmp(key, e->prefix, e->plen)))
				continue;
			rg_buf_appends(out, e->name);
			switch (e->pp) {
			case PP_PRINT:
				rg_buf_appendc(out, '/');
				rg_go_quote(out, key + e->plen, len - e->plen);
				break;
			case PP_TENANT:
				tenant_key_print(key + e->plen,
				    len - e->plen, out, depth);
				break;
			default:
				decode_key_print(key + e->plen,
				    len - e->plen, out);
				break;
			}
			return (1);
		}
		rg_buf_appendc(out, '/');
		rg_go_quote(out, key + k->slen, len - k->slen);
		return (1);
	}
	rg_go_quote(out, key, len);
	return (0);
}

static void
decode_key_print(const uint8_t *key, size_t len, struct rg_buf *out)
{
	/* SystemConfigSpan.Key == TableDataMin */
	if (key_cmp(key, len, k_table_min, sizeof(k_table_min)) == 0) {
		rg_buf_appends(out, "/SystemConfigSpan/Start");
		return;
	}
	pp_value(key, len, out);
}

/* tenantKeyPrint; key still starts with the tenant prefix byte. */
static void
tenant_key_print(const uint8_t *key, size_t len, struct rg_buf *out,
    int depth)
{
	struct kv	rest;
	uint64_t	tid;
	struct rg_buf	err;

	rg_buf_init(&err);
	/* The dict span guarantees key[0] == 0xfe. */
	if (dec_uvarint(key + 1, len - 1, &rest, &tid, &err) == -1) {
		rg_buf_appends(out, "/err:");
		rg_buf_append(out, err.data, err.len);
		rg_buf_free(&err);
		return;
	}
	rg_buf_free(&err);
	rg_buf_appendf(out, "/%" PRIu64, tid);
	/* Each level consumes at least two bytes; depth is only a guard. */
	if (rest.n > 0 && depth < 64)
		(void)pretty_internal(rest.p, rest.n, out, depth + 1);
}

/* PrettyPrintValue(nil, b, "/") */
static void
pp_value(const uint8_t *b, size_t len, struct rg_buf *out)
{
	struct rg_buf	s1, s2, undo;
	int		i;

	rg_buf_init(&s1);
	if (pp_value_impl(b, len, &s1) || len == 0 || b[len - 1] == 0) {
		rg_buf_append(out, s1.data, s1.len);
		rg_buf_free(&s1);
		return;
	}
	/* UndoPrefixEnd, then retry with up to 20 0xff bytes appended. */
	rg_buf_init(&undo);
	rg_buf_init(&s2);
	rg_buf_append(&undo, b, len);
	undo.data[len - 1]--;
	for (i = 0; i < 20; i++) {
		rg_buf_reset(&s2);
		if (pp_value_impl(undo.data, undo.len, &s2)) {
			rg_buf_append(out, s2.data, s2.len);
			rg_buf_appends(out, "/PrefixEnd");
			goto done;
		}
		rg_buf_appendc(&undo, 0xff);
	}
	rg_buf_append(out, s1.data, s1.len);
done:
	rg_buf_free(&s1);
	rg_buf_free(&s2);
	rg_buf_free(&undo);
}

/* prettyPrintValueImpl: returns 1 when every value decoded. */
static int
pp_value_impl(const uint8_t *b, size_t len, struct rg_buf *out)
{
	struct kv	rest;
	int		all;

	all = 1;
	while (len > 0) {
		rg_buf_appendc(out, '/');
		if (pp_first(b, len, &rest, out) == -1) {
			all = 0;
			rg_buf_appends(out, "???");
		}
		b = rest.p;
		len = rest.n;
	}
	return (all);
}

/*
 * prettyPrintFirstValue with no direction given.  On error nothing is
 * appended and rest is empty (Go's decoders return a nil slice).
 */
static int
pp_first(const uint8_t *b, size_t len, struct kv *rest, struct rg_buf *out)
{
	struct rg_buf	s;
	int64_t		i;
	double		f;
	uint8_t		m;

	rest->p = NULL;
	rest->n = 0;
	m = b[0];
	switch (m) {
	case 0x00:
	case 0xff:
		rg_buf_appends(out, "NULL");
		goto one;
	case 0x01:
		rg_buf_appends(out, "!NULL");
		goto one;
	case 0xfe:
		/* encodedNotNullDesc, the interleaved sentinel. */
		rg_buf_appends(out, "#");
		goto one;
	case 0x0a:
		rg_buf_appends(out, "True");
		goto one;
	case 0x0b:
		rg_buf_appends(out, "False");
		goto one;
	case 0x0d:
		rg_buf_appends(out, "Arr");
		goto one;
	case JSON_EMPTY_ARR:
	case EMPTY_ARRAY:
		rg_buf_appends(out, "[]");
		goto one;
	case JSON_EMPTY_OBJ:
		rg_buf_appends(out, "{}");
		goto one;
	case MARK_BYTES:
	case MARK_BYTES_DESC:
		rg_buf_init(&s);
		if (dec_bytes(b, len, m == MARK_BYTES_DESC, rest, &s) == -1) {
			rg_buf_free(&s);
			return (-1);
		}
		rg_go_quote(out, s.data, s.len);
		rg_buf_free(&s);
		return (0);
	}
	if (m >= INT_MIN_TAG && m <= INT_MAX_TAG) {
		if (dec_varint(b, len, rest, &i) == -1)
			return (-1);
		rg_buf_appendf(out, "%" PRId64, i);
		return (0);
	}
	if (m >= 0x02 && m <= 0x06) {
		if (dec_float(b, len, rest, &f) == -1)
			return (-1);
		rg_format_float(out, f, 'g', 64);
		return (0);
	}
	/* Unknown tag (or a type we do not decode): quote the rest. */
	rg_go_quote(out, b, len);
	return (0);

one:
	rest->p = b + 1;
	rest->n = len - 1;
	return (0);
}

/* DecodeUvarintAscending; err gets Go's error text. */
static int
dec_uvarint(const uint8_t *b, size_t len, struct kv *rest, uint64_t *v,
    struct rg_buf *err)
{
	int		l;
	size_t		i;

	rest->p = NULL;
	rest->n = 0;
	if (len == 0) {
		rg_buf_appends(err, "insufficient bytes to decode uvarint value");
		return (-1);
	}
	l = (int)b[0] - INT_ZERO;
	b++;
	len--;
	if (l <= INT_SMALL) {
		*v = (uint64_t)l;
		rest->p = b;
		rest->n = len;
		return (0);
	}
	l -= INT_SMALL;
	if (l < 0 || l > 8) {
		rg_buf_appendf(err, "invalid uvarint length of %d", l);
		return (-1);
	}
	if (len < (size_t)l) {
		rg_buf_appends(err,
		    "insufficient bytes to decode uvarint value: ");
		rg_go_quote(err, b, len);
		return (-1);
	}
	*v = 0;
	for (i = 0; i < (size_t)l; i++)
		*v = *v << 8 | b[i];
	rest->p = b + l;
	rest->n = len - (size_t)l;
	return (0);
}

/* DecodeVarintAscending */
static int
dec_varint(const uint8_t *b, size_t len, struct kv *rest, int64_t *v)
{
	struct rg_buf	err;
	uint64_t	u;
	int		l, rv;
	size_t		i;

	l = (int)b[0] - INT_ZERO;
	if (l < 0) {
		l = -l;
		if (len - 1 < (size_t)l)
			return (-1);
		u = 0;
		for (i = 1; i <= (size_t)l; i++)
			u = u << 8 | (uint8_t)~b[i];
		*v = (int64_t)~u;
		rest->p = b + 1 + l;
		rest->n = len - 1 - (size_t)l;
		return (0);
	}
	rg_buf_init(&err);
	rv = dec_uvarint(b, len, rest, &u, &err);
	rg_buf_free(&err);
	if (rv == -1 || u > INT64_MAX) {
		rest->p = NULL;
		rest->n = 0;
		return (-1);
	}
	*v = (int64_t)u;
	return (0);
}

/* DecodeFloatAscending */
static int
dec_float(const uint8_t *b, size_t len, struct kv *rest, double *f)
{
	uint64_t	u;
	size_t		i;

	switch (b[0]) {
	case 0x02:
	case 0x06:
		*f = NAN;
		break;
	case 0x04:
		*f = 0;
		break;
	default:
		if (len < 9)
			return (-1);
		u = 0;
		for (i = 1; i < 9; i++)
			u = u << 8 | b[i];
		if (b[0] == 0x03)
			u = ~u;
		memcpy(f, &u, sizeof(*f));
		rest->p = b + 9;
		rest->n = len - 9;
		return (0);
	}
	rest->p = b + 1;
	rest->n = len - 1;
	return (0);
}

/*
 * decodeBytesInternal: ascending escapes 0x00 (term 0x01, 0x00 0xff =
 * 0x00); descending ones are the complement, and the result is inverted.
 */
static int
dec_bytes(const uint8_t *b, size_t len, int desc, struct kv *rest,
    struct rg_buf *s)
{
	uint8_t		esc, term, e00, eff, c;
	size_t		i;

	esc = desc ? 0xff : 0x00;
	term = desc ? 0xfe : 0x01;
	e00 = desc ? 0x00 : 0xff;
	eff = desc ? 0xff : 0x00;
	for (i = 1; i < len; i++) {
		c = b[i];
		if (c != esc) {
			rg_buf_appendc(s, desc ? (uint8_t)~c : c);
			continue;
		}
		if (i + 1 >= len)
			return (-1);
		if (b[i + 1] == term) {
			rest->p = b + i + 2;
			rest->n = len - i - 2;
			return (0);
		}
		if (b[i + 1] != e00)
			return (-1);
		rg_buf_appendc(s, desc ? (uint8_t)~eff : eff);
		i++;
	}
	return (-1);
}
