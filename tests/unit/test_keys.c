/*
 * Tests for the key encoding and Key.String() port.  Vectors:
 * cockroachdb/cockroach pkg/keys/printer_test.go (TestPrettyPrint) and
 * pkg/util/encoding/encoding_test.go (TestEncodeDecodeUvarint,
 * TestEncodeDecodeVarint) for the test key encoders (tests/lib/keyenc.c).
 */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "keyenc.h"
#include "keys.h"
#include "suites.h"

struct key {
	uint8_t	b[256];
	size_t	n;
};

static void	k_bytes(struct key *, const void *, size_t);
static void	k_uvarint(struct key *, uint64_t);
static void	k_varint(struct key *, int64_t);
static void	k_table(struct key *, uint64_t);
static void	k_float(struct key *, double);
static void	k_bytes_asc(struct key *, const void *, size_t);
static void	k_bytes_desc(struct key *, const void *, size_t);
static void	check_pretty(const struct key *, const char *);

static void
k_bytes(struct key *k, const void *p, size_t n)
{
	memcpy(k->b + k->n, p, n);
	k->n += n;
}

static void
k_uvarint(struct key *k, uint64_t v)
{
	k->n += (size_t)rg_key_encode_uvarint(v, k->b + k->n,
	    sizeof(k->b) - k->n);
}

static void
k_varint(struct key *k, int64_t v)
{
	k->n += (size_t)rg_key_encode_varint(v, k->b + k->n,
	    sizeof(k->b) - k->n);
}

/* SystemSQLCodec.TablePrefix */
static void
k_table(struct key *k, uint64_t id)
{
	k->n = 0;
	k_uvarint(k, id);
}

/* EncodeFloatAscending */
static void
k_float(struct key *k, double f)
{
	uint64_t	u;
	int		i;

	if (isnan(f)) {
		k->b[k->n++] = 0x02;
		return;
	}
	if (f == 0) {
		k->b[k->n++] = 0x04;
		return;
	}
	memcpy(&u, &f, sizeof(u));
	if (f < 0) {
		k->b[k->n++] = 0x03;
		u = ~u;
	} else
		k->b[k->n++] = 0x05;
	for (i = 7; i >= 0; i--)
		k->b[k->n++] = (uint8_t)(u >> (i * 8));
}

/* EncodeBytesAscending: 0x12, 0x00 escaped as 0x00 0xff, 0x00 0x01 */
static void
k_bytes_asc(struct key *k, const void *p, size_t n)
{
	const uint8_t	*s = p;
	size_t		 i;

	k->b[k->n++] = 0x12;
	for (i = 0; i < n; i++) {
		k->b[k->n++] = s[i];
		if (s[i] == 0)
			k->b[k->n++] = 0xff;
	}
	k->b[k->n++] = 0x00;
	k->b[k->n++] = 0x01;
}

/* EncodeBytesDescending: ascending, marker 0x13, rest complemented. */
static void
k_bytes_desc(struct key *k, const void *p, size_t n)
{
	size_t	i, at;

	at = k->n;
	k_bytes_asc(k, p, n);
	k->b[at] = 0x13;
	for (i = at + 1; i < k->n; i++)
		k->b[i] = (uint8_t)~k->b[i];
}

static void
check_pretty(const struct key *k, const char *want)
{
	struct rg_buf	b;

	rg_buf_init(&b);
	ck_assert_int_eq(rg_key_pretty(k->b, k->n, &b), 0);
	ck_assert_str_eq(rg_buf_cstr(&b), want);
	rg_buf_free(&b);
}

/* TestPrettyPrint, table section. */
START_TEST(test_pretty_table)
{
	struct key	k;
	static const uint8_t	b1[] = { 1, 2, 8, 255 };

	k_table(&k, 111);
	check_pretty(&k, "/Table/111");
	k_table(&k, 42);
	k_uvarint(&k, 1);
	check_pretty(&k, "/Table/42/1");
	k_table(&k, 42);
	k_bytes(&k, "foo", 3);
	check_pretty(&k, "/Table/42/\"foo\"");
	k_table(&k, 42);
	k_float(&k, 233.221112);
	check_pretty(&k, "/Table/42/233.221112");
	k_table(&k, 42);
	k_float(&k, -(-233.221112));	/* EncodeFloatDescending(-233.221112) */
	check_pretty(&k, "/Table/42/233.221112");
	k_table(&k, 42);
	k_float(&k, INFINITY);
	check_pretty(&k, "/Table/42/+Inf");
	k_table(&k, 42);
	k_float(&k, NAN);
	check_pretty(&k, "/Table/42/NaN");
	k_table(&k, 42);
	k_float(&k, -1.5);
	check_pretty(&k, "/Table/42/-1.5");
	k_table(&k, 42);
	k_float(&k, 0);
	check_pretty(&k, "/Table/42/0");
	k_table(&k, 42);
	k_varint(&k, 1222);
	k_bytes_asc(&k, "handsome man", 12);
	check_pretty(&k, "/Table/42/1222/\"handsome man\"");
	k_table(&k, 42);
	k_varint(&k, 1222);
	check_pretty(&k, "/Table/42/1222");
	k_table(&k, 42);
	k_varint(&k, ~(int64_t)1222);	/* EncodeVarintDescending(1222) */
	check_pretty(&k, "/Table/42/-1223");
	k_table(&k, 42);
	k_bytes_asc(&k, b1, sizeof(b1));
	check_pretty(&k, "/Table/42/\"\\x01\\x02\\b\\xff\"");
	k_table(&k, 42);
	k_bytes_asc(&k, b1, sizeof(b1));
	k_bytes(&k, "bar", 3);
	check_pretty(&k, "/Table/42/\"\\x01\\x02\\b\\xff\"/\"bar\"");
	k_table(&k, 42);
	k_bytes_desc(&k, b1, sizeof(b1));
	k_bytes(&k, "bar", 3);
	check_pretty(&k, "/Table/42/\"\\x01\\x02\\b\\xff\"/\"bar\"");
	k_table(&k, 42);
	k_bytes_asc(&k, "a\0b", 3);
	check_pretty(&k, "/Table/42/\"a\\x00b\"");
	k_table(&k, 42);
	k_bytes(&k, "\x00", 1);
	check_pretty(&k, "/Table/42/NULL");
	k_table(&k, 42);
	k_bytes(&k, "\xff", 1);
	check_pretty(&k, "/Table/42/NULL");
	k_table(&k, 42);
	k_bytes(&k, "\x01", 1);
	check_pretty(&k, "/Table/42/!NULL");
	/*
	 * EncodeNotNullDescending: v21.1's prettyPrintFirstValue prints the
	 * interleaved sentinel "#" when no direction is given (newer
	 * CockroachDB, without interleaving, prints "!NULL").
	 */
	k_table(&k, 42);
	k_bytes(&k, "\xfe", 1);
	check_pretty(&k, "/Table/42/#");
	k_table(&k, 42);
	k_bytes(&k, "\x0a\x0b\x0d\x38\x39\x43", 6);
	check_pretty(&k, "/Table/42/True/False/Arr/[]/{}/[]");
	/* sequence: SequenceKey(55) */
	k_table(&k, 55);
	k_uvarint(&k, 1);
	k_varint(&k, 0);
	k_uvarint(&k, 0);
	check_pretty(&k, "/Table/55/1/0/0");
	/* Special characters and invalid UTF-8. */
	k_table(&k, 61);
	k_bytes_asc(&k, "\xe2\x98\x83\xe2\x9a\xa0", 6);
	check_pretty(&k, "/Table/61/\"\xe2\x98\x83\xe2\x9a\xa0\"");
	k_table(&k, 61);
	k_bytes_asc(&k, "\xff\xff", 2);
	check_pretty(&k, "/Table/61/\"\\xff\\xff\"");
}
END_TEST

/* TestPrettyPrint "others": PrefixEnd recovery and undecodable values. */
START_TEST(test_pretty_prefix_end)
{
	struct key	k;
	uint8_t		pe[256];
	size_t		pelen;

	k_table(&k, 42);
	k_bytes(&k, "\xf6", 1);
	check_pretty(&k, "/Table/42/109/PrefixEnd");
	k_table(&k, 42);
	k_bytes(&k, "\xf7", 1);
	check_pretty(&k, "/Table/42/255/PrefixEnd");
	k_table(&k, 42);
	k_bytes(&k, "\x12" "a\x00\x02", 4);
	check_pretty(&k, "/Table/42/\"a\"/PrefixEnd");
	k_table(&k, 42);
	k_bytes(&k, "\x12" "a\x00\x03", 4);
	check_pretty(&k, "/Table/42/???");

	/* Key.PrefixEnd() of keys we produce. */
	k_table(&k, 53);
	rg_key_prefix_end(k.b, k.n, pe, &pelen);
	memcpy(k.b, pe, pelen);
	k.n = pelen;
	check_pretty(&k, "/Table/54");
	k_table(&k, 53);
	k_uvarint(&k, 1);
	rg_key_prefix_end(k.b, k.n, pe, &pelen);
	memcpy(k.b, pe, pelen);
	k.n = pelen;
	check_pretty(&k, "/Table/53/2");
	k_table(&k, 53);
	k_uvarint(&k, 255);
	rg_key_prefix_end(k.b, k.n, pe, &pelen);
	memcpy(k.b, pe, pelen);
	k.n = pelen;
	check_pretty(&k, "/Table/53/255/PrefixEnd");
	k_table(&k, 53);
	k_uvarint(&k, 0xffffffffULL);
	rg_key_prefix_end(k.b, k.n, pe, &pelen);
	memcpy(k.b, pe, pelen);
	k.n = pelen;
	check_pretty(&k, "/Table/53/4294967295/PrefixEnd");
	/* Truncated varint that no 0xff padding fixes. */
	k_table(&k, 42);
	k_bytes(&k, "\xfd\x01", 2);
	check_pretty(&k, "/Table/42/72057594037927935/PrefixEnd");
	k_table(&k, 42);
	k_bytes(&k, "\x80\x00", 2);
	check_pretty(&k, "/Table/42/???");
}
END_TEST

/* TestPrettyPrint: system, meta, constant and out-of-dict keys. */
static const struct {
	const char	*key;
	size_t		 len;
	const char	*out;
} other_vec[] = {
	{ "", 0, "/Min" },
	{ "\xff\xff", 2, "/Max" },
	{ "\x02\xff\xff", 3, "/Meta1/Max" },
	{ "\x03\xff\xff", 3, "/Meta2/Max" },
	{ "\x02", 1, "/Meta1/\"\"" },			/* keys.LocalMax */
	{ "\x03" "foo", 4, "/Meta2/\"foo\"" },
	{ "\x02" "foo", 4, "/Meta1/\"foo\"" },
	{ "\x03\xb2" "foo", 5, "/Meta2/Table/42/\"foo\"" },
	{ "\x04\x00liveness-\xf7\x27\x31", 14,
	    "/System/NodeLiveness/10033" },
	{ "\x04status-node-\xf7\x04\x57", 16, "/System/StatusNode/1111" },
	{ "\x05", 1, "/System/Max" },
	{ "\x04zzz", 4, "/System/\"zzz\"" },
	{ "\x88", 1, "/Table/SystemConfigSpan/Start" },
	{ "\xa6", 1, "/NamespaceTable/30" },
	{ "\xa6\x89", 2, "/NamespaceTable/30/1" },
	{ "\xa7", 1, "/NamespaceTable/Max" },
	{ "\xf9\xff\xff\xff\xff", 5, "/Table/4294967295" },
	{ "\xfa", 1, "/Table/Max" },
	{ "\xfb", 1, "\"\\xfb\"" },
	{ "\xff", 1, "\"\\xff\"" },
	{ "\xfe\x8d", 2, "/Tenant/5" },
	{ "\xfe\x8d\xba", 3, "/Tenant/5/Table/50" },
	{ "\xfe\x8d\xb2\x89", 4, "/Tenant/5/Table/42/1" },
	{ "\xfe\x8d\xb2" "foo", 6, "/Tenant/5/Table/42/\"foo\"" },
	{ "\xfe\xfe", 2, "/Tenant/Max" },
	{ "\xfe\xf7\x01", 3,
	    "/Tenant/err:insufficient bytes to decode uvarint value: \"\\x01\"" },
	{ "\x01s\x01", 3, "/Local/\"s\\x01\"" },
};

START_TEST(test_pretty_other)
{
	struct key	k;

	k.n = 0;
	k_bytes(&k, other_vec[_i].key, other_vec[_i].len);
	check_pretty(&k, other_vec[_i].out);
}
END_TEST

/* encoding_test.go TestEncodeDecodeUvarint / TestEncodeDecodeVarint */
static const struct {
	uint64_t	 v;
	const char	*enc;
	size_t		 len;
} uvarint_vec[] = {
	{ 0, "\x88", 1 },
	{ 1, "\x89", 1 },
	{ 109, "\xf5", 1 },
	{ 110, "\xf6\x6e", 2 },
	{ 1 << 8, "\xf7\x01\x00", 3 },
	{ UINT64_MAX, "\xfd\xff\xff\xff\xff\xff\xff\xff\xff", 9 },
};

static const struct {
	int64_t		 v;
	const char	*enc;
	size_t		 len;
} varint_vec[] = {
	{ INT64_MIN, "\x80\x80\x00\x00\x00\x00\x00\x00\x00", 9 },
	{ INT64_MIN + 1, "\x80\x80\x00\x00\x00\x00\x00\x00\x01", 9 },
	{ -256, "\x86\xff\x00", 3 },	/* -1 << 8 */
	{ -1, "\x87\xff", 2 },
	{ 0, "\x88", 1 },
	{ 1, "\x89", 1 },
	{ 109, "\xf5", 1 },
	{ 112, "\xf6\x70", 2 },
	{ 1 << 8, "\xf7\x01\x00", 3 },
	{ INT64_MAX, "\xfd\x7f\xff\xff\xff\xff\xff\xff\xff", 9 },
};

START_TEST(test_encode_uvarint)
{
	uint8_t	out[9];
	int	n;

	n = rg_key_encode_uvarint(uvarint_vec[_i].v, out, sizeof(out));
	ck_assert_int_eq(n, (int)uvarint_vec[_i].len);
	ck_assert_int_eq(memcmp(out, uvarint_vec[_i].enc, (size_t)n), 0);
	ck_assert_int_eq(rg_key_encode_uvarint(uvarint_vec[_i].v, out,
	    (size_t)n - 1), 0);
}
END_TEST

START_TEST(test_encode_varint)
{
	uint8_t		out[9];
	struct key	k;
	struct rg_buf	b;
	char		want[40];
	int		n;

	n = rg_key_encode_varint(varint_vec[_i].v, out, sizeof(out));
	ck_assert_int_eq(n, (int)varint_vec[_i].len);
	ck_assert_int_eq(memcmp(out, varint_vec[_i].enc, (size_t)n), 0);
	/* ... and it decodes back through the printer. */
	k_table(&k, 42);
	k_bytes(&k, out, (size_t)n);
	rg_buf_init(&b);
	rg_key_pretty(k.b, k.n, &b);
	snprintf(want, sizeof(want), "/Table/42/%lld",
	    (long long)varint_vec[_i].v);
	ck_assert_str_eq(rg_buf_cstr(&b), want);
	rg_buf_free(&b);
}
END_TEST

START_TEST(test_prefix_end)
{
	uint8_t	out[8];
	size_t	n;

	rg_key_prefix_end((const uint8_t *)"", 0, out, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(memcmp(out, "\xff\xff", 2), 0);
	rg_key_prefix_end((const uint8_t *)"\x01\x02\xff\xff", 4, out, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(memcmp(out, "\x01\x03", 2), 0);
	rg_key_prefix_end((const uint8_t *)"\xff\xff", 2, out, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(memcmp(out, "\xff\xff", 2), 0);
}
END_TEST

Suite *
keys_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("keys");
	tc = tcase_create("keys");
	tcase_add_test(tc, test_pretty_table);
	tcase_add_test(tc, test_pretty_prefix_end);
	tcase_add_loop_test(tc, test_pretty_other, 0,
	    sizeof(other_vec) / sizeof(other_vec[0]));
	tcase_add_loop_test(tc, test_encode_uvarint, 0,
	    sizeof(uvarint_vec) / sizeof(uvarint_vec[0]));
	tcase_add_loop_test(tc, test_encode_varint, 0,
	    sizeof(varint_vec) / sizeof(varint_vec[0]));
	tcase_add_test(tc, test_prefix_end);
	suite_add_tcase(s, tc);
	return (s);
}
