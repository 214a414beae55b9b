/*
 * Tests for the session token codec (src/REFERENCE.md, "Login, logout and
 * sessions"): base64
 * (Go StdEncoding) of the protobuf serverpb.SessionCookie {int64 id = 1;
 * bytes secret = 2}, decoded like gogoproto's generated Unmarshal
 * (pkg/server/serverpb/authentication.pb.go).
 */

#include <string.h>

#include "suites.h"
#include "token.h"

/*
 * The CockroachDB docs example (src/REFERENCE.md, "Login, logout and
 * sessions").
 */
static const char	doc_token[] = "CIGAqM6I6IGfCBIQKS/ul2Wvx6D/qiVPp7lpeA==";
static const int64_t	doc_id = 593920174630502401LL;
static const uint8_t	doc_secret[16] = { 0x29, 0x2f, 0xee, 0x97, 0x65,
    0xaf, 0xc7, 0xa0, 0xff, 0xaa, 0x25, 0x4f, 0xa7, 0xb9, 0x69, 0x78 };

START_TEST(test_token_doc_vector)
{
	uint8_t		secret[RG_TOKEN_SECRET_MAX];
	size_t		slen;
	int64_t		id;
	struct rg_buf	b;

	ck_assert_int_eq(rg_token_decode(doc_token, strlen(doc_token), &id,
	    secret, &slen), 0);
	ck_assert_int_eq(id, doc_id);
	ck_assert_uint_eq(slen, 16);
	ck_assert_int_eq(memcmp(secret, doc_secret, 16), 0);

	rg_buf_init(&b);
	ck_assert_int_eq(rg_token_encode(doc_id, doc_secret, 16, &b), 0);
	ck_assert_buf_str(&b, doc_token);
	rg_buf_free(&b);
}
END_TEST

static const int64_t	rt_ids[] = { 1, -1, 127, 128, 300, INT64_MAX,
    INT64_MIN, -593920174630502401LL, 593920174630502401LL };

START_TEST(test_token_roundtrip)
{
	uint8_t		secret[RG_TOKEN_SECRET_MAX], in[RG_TOKEN_SECRET_MAX];
	size_t		slen, i, n;
	int64_t		id;
	struct rg_buf	b, raw;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + (size_t)_i);
	n = (size_t)_i % 2 ? 16 : RG_TOKEN_SECRET_MAX;
	rg_buf_init(&b);
	rg_buf_init(&raw);
	ck_assert_int_eq(rg_token_encode(rt_ids[_i], in, n, &b), 0);
	ck_assert_int_eq(rg_token_decode((const char *)b.data, b.len, &id,
	    secret, &slen), 0);
	ck_assert_int_eq(id, rt_ids[_i]);
	ck_assert_uint_eq(slen, n);
	ck_assert_int_eq(memcmp(secret, in, n), 0);

	/* Negative ids are 10-byte varints (two's complement). */
	ck_assert_int_eq(rg_base64_decode(&raw, (const char *)b.data, b.len,
	    0), 0);
	if (rt_ids[_i] < 0) {
		ck_assert_uint_eq(raw.len, 1 + 10 + 2 + n);
		ck_assert_uint_eq(raw.data[10], 0x01);
	}
	rg_buf_free(&b);
	rg_buf_free(&raw);
}
END_TEST

START_TEST(test_token_minus_one_bytes)
{
	struct rg_buf	b, raw;
	static const uint8_t	want[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0x01, 0x12, 0x01, 0xaa };

	rg_buf_init(&b);
	rg_buf_init(&raw);
	ck_assert_int_eq(rg_token_encode(-1, (const uint8_t *)"\xaa", 1, &b),
	    0);
	ck_assert_int_eq(rg_base64_decode(&raw, (const char *)b.data, b.len,
	    0), 0);
	ck_assert_uint_eq(raw.len, sizeof(want));
	ck_assert_int_eq(memcmp(raw.data, want, sizeof(want)), 0);
	/* proto3: zero id and empty secret are omitted. */
	rg_buf_reset(&b);
	ck_assert_int_eq(rg_token_encode(0, NULL, 0, &b), 0);
	ck_assert_buf_str(&b, "");
	ck_assert_int_eq(rg_token_encode(1, NULL, RG_TOKEN_SECRET_MAX + 1, &b),
	    -1);
	rg_buf_free(&b);
	rg_buf_free(&raw);
}
END_TEST

/* Raw protobuf inputs and whether gogoproto's Unmarshal accepts them. */
static const struct {
	const char	*name;
	const char	*pb;
	size_t		 len;
	int		 ok;
	int64_t		 id;
	size_t		 slen;
} pb_vec[] = {
	{ "empty", "", 0, 1, 0, 0 },
	{ "id only", "\x08\x05", 2, 1, 5, 0 },
	{ "secret only", "\x12\x02xy", 4, 1, 0, 2 },
	{ "reordered", "\x12\x01z\x08\x07", 5, 1, 7, 1 },
	{ "last id wins", "\x08\x01\x08\x02", 4, 1, 2, 0 },
	{ "unknown varint", "\x18\x96\x01\x08\x03", 5, 1, 3, 0 },
	{ "unknown fixed64", "\x21" "12345678" "\x08\x03", 11, 1, 3, 0 },
	{ "unknown bytes", "\x2a\x03" "abc" "\x08\x03", 7, 1, 3, 0 },
	{ "unknown fixed32", "\x35" "1234" "\x08\x03", 7, 1, 3, 0 },
	{ "unknown group", "\x3b\x08\x01\x12\x00\x3c\x08\x03", 8, 1, 3, 0 },
	{ "nested group", "\x3b\x43\x44\x3c\x08\x03", 6, 1, 3, 0 },
	{ "10-byte varint high bits dropped",
	    "\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", 11, 1,
	    INT64_MIN, 0 },
	{ "11-byte varint", "\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01",
	    12, 0, 0, 0 },
	{ "truncated varint", "\x08\x80", 2, 0, 0, 0 },
	{ "truncated tag", "\x80", 1, 0, 0, 0 },
	{ "field 0", "\x00\x01", 2, 0, 0, 0 },
	{ "end group at top", "\x0c", 1, 0, 0, 0 },
	{ "unknown end group", "\x3c", 1, 0, 0, 0 },
	{ "wire type 6", "\x1e", 1, 0, 0, 0 },
	{ "wire type 7", "\x1f", 1, 0, 0, 0 },
	{ "id wrong wire type", "\x0a\x00", 2, 0, 0, 0 },
	{ "secret wrong wire type", "\x10\x01", 2, 0, 0, 0 },
	{ "secret past end", "\x12\x05" "ab", 4, 0, 0, 0 },
	{ "secret huge length", "\x12\xff\xff\xff\xff\xff\xff\xff\xff\x7f",
	    10, 0, 0, 0 },
	{ "unknown fixed64 short", "\x21" "123", 4, 0, 0, 0 },
	{ "unknown bytes past end", "\x2a\x09" "abc", 5, 0, 0, 0 },
	{ "unterminated group", "\x3b\x08\x01", 3, 0, 0, 0 },
	{ "negative field number", "\x80\x80\x80\x80\x40", 5, 0, 0, 0 },
};

START_TEST(test_token_unmarshal)
{
	uint8_t		secret[RG_TOKEN_SECRET_MAX];
	size_t		slen = 99;
	int64_t		id = 99;
	int		rv;

	rv = rg_token_unmarshal((const uint8_t *)pb_vec[_i].pb, pb_vec[_i].len,
	    &id, secret, &slen);
	ck_assert_msg(rv == (pb_vec[_i].ok ? 0 : -1), "%s: rv %d",
	    pb_vec[_i].name, rv);
	ck_assert_int_eq(id, pb_vec[_i].id);
	ck_assert_uint_eq(slen, pb_vec[_i].slen);
}
END_TEST

START_TEST(test_token_secret_limit)
{
	uint8_t		pb[2 + RG_TOKEN_SECRET_MAX + 1], secret[RG_TOKEN_SECRET_MAX];
	size_t		slen;
	int64_t		id;

	memset(pb, 'a', sizeof(pb));
	pb[0] = 0x12;
	pb[1] = RG_TOKEN_SECRET_MAX;
	ck_assert_int_eq(rg_token_unmarshal(pb, 2 + RG_TOKEN_SECRET_MAX, &id,
	    secret, &slen), 0);
	ck_assert_uint_eq(slen, RG_TOKEN_SECRET_MAX);
	pb[1] = RG_TOKEN_SECRET_MAX + 1;
	ck_assert_int_eq(rg_token_unmarshal(pb, sizeof(pb), &id, secret,
	    &slen), -1);
}
END_TEST

/* The base64 layer: as strict as Go's StdEncoding.DecodeString. */
static const struct {
	const char	*tok;
	int		 ok;
} b64_vec[] = {
	{ "CIGAqM6I6IGfCBIQKS/ul2Wvx6D/qiVPp7lpeA==", 1 },
	{ "CIGAqM6I6IGf\r\nCBIQKS/ul2Wvx6D/qiVPp7lpeA==\n", 1 },
	{ "CIGAqM6I6IGfCBIQKS/ul2Wvx6D/qiVPp7lpeA", 0 },	/* no padding */
	{ "CIGAqM6I6IGfCBIQKS/ul2Wvx6D/qiVPp7lpeA=", 0 },
	{ "CIGAqM6I6IGfCBIQKS_ul2Wvx6D_qiVPp7lpeA==", 0 },	/* URL alphabet */
	{ "CIGAqM6I6IGfCBIQKS/ul2Wvx6D/qiVPp7lpeA== ", 0 },
	{ " CIGAqM6I6IGfCBIQKS/ul2Wvx6D/qiVPp7lpeA==", 0 },
	{ "CIGAqM6I6IGfCBIQKS/ul2Wvx6D/qiVPp7lpeA==CA==", 0 },
	{ "", 1 },	/* decodes to an empty cookie: id 0 */
	{ "%%%%", 0 },
};

START_TEST(test_token_base64)
{
	uint8_t		secret[RG_TOKEN_SECRET_MAX];
	size_t		slen;
	int64_t		id;

	ck_assert_int_eq(rg_token_decode(b64_vec[_i].tok,
	    strlen(b64_vec[_i].tok), &id, secret, &slen),
	    b64_vec[_i].ok ? 0 : -1);
	if (b64_vec[_i].ok && b64_vec[_i].tok[0] == 'C')
		ck_assert_int_eq(id, doc_id);
}
END_TEST

START_TEST(test_ct_equal)
{
	ck_assert_int_eq(rg_ct_equal("abcd", "abcd", 4), 1);
	ck_assert_int_eq(rg_ct_equal("abcd", "abce", 4), 0);
	ck_assert_int_eq(rg_ct_equal("xbcd", "abcd", 4), 0);
	ck_assert_int_eq(rg_ct_equal("a", "b", 0), 1);
}
END_TEST

Suite *
token_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("token");
	tc = tcase_create("token");
	tcase_add_test(tc, test_token_doc_vector);
	tcase_add_loop_test(tc, test_token_roundtrip, 0,
	    sizeof(rt_ids) / sizeof(rt_ids[0]));
	tcase_add_test(tc, test_token_minus_one_bytes);
	tcase_add_loop_test(tc, test_token_unmarshal, 0,
	    sizeof(pb_vec) / sizeof(pb_vec[0]));
	tcase_add_test(tc, test_token_secret_limit);
	tcase_add_loop_test(tc, test_token_base64, 0,
	    sizeof(b64_vec) / sizeof(b64_vec[0]));
	tcase_add_test(tc, test_ct_equal);
	suite_add_tcase(s, tc);
	return (s);
}
