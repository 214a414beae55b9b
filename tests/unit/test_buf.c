/*
 * Tests for rg_buf (growable buffer), the base64 codec and the UTF-8 and
 * hex helpers in rg_buf.c.
 */

#include <string.h>

#include "suites.h"

START_TEST(test_buf_basic)
{
	struct rg_buf	b;
	int		i;

	rg_buf_init(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_buf_str(&b, "");
	rg_buf_append(&b, "abc", 3);
	rg_buf_appendc(&b, 'd');
	rg_buf_appends(&b, "ef");
	rg_buf_appendf(&b, "%d-%s", 42, "x");
	ck_assert_uint_eq(b.len, 10);
	ck_assert_buf_str(&b, "abcdef42-x");
	rg_buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_buf_str(&b, "");
	for (i = 0; i < 10000; i++)
		rg_buf_appendf(&b, "%04d", i);
	ck_assert_uint_eq(b.len, 40000);
	ck_assert_int_eq(memcmp(b.data + 39996, "9999", 4), 0);
	rg_buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

/* RFC 4648 section 10 vectors (also Go's encoding/base64 pairs). */
static const struct {
	const char	*raw;
	const char	*enc;
} b64_vec[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

START_TEST(test_base64_rfc4648)
{
	struct rg_buf	b;

	rg_buf_init(&b);
	rg_base64_encode(&b, (const uint8_t *)b64_vec[_i].raw,
	    strlen(b64_vec[_i].raw), 0);
	ck_assert_buf_str(&b, b64_vec[_i].enc);
	rg_buf_reset(&b);
	ck_assert_int_eq(rg_base64_decode(&b, b64_vec[_i].enc,
	    strlen(b64_vec[_i].enc), 0), 0);
	ck_assert_uint_eq(b.len, strlen(b64_vec[_i].raw));
	ck_assert_int_eq(memcmp(rg_buf_cstr(&b), b64_vec[_i].raw, b.len), 0);
	rg_buf_free(&b);
}
END_TEST

/*
 * Go's StdEncoding.DecodeString acceptance (encoding/base64 decodeQuantum
 * and its tests: newlines ignored, padding strict, trailing garbage).
 */
static const struct {
	const char	*in;
	int		 url;
	int		 ok;
	const char	*out;
} b64_dec[] = {
	{ "Zm9v\r\nYmFy", 0, 1, "foobar" },
	{ "Zm\n9v", 0, 1, "foo" },
	{ "Zg=\n=", 0, 1, "f" },
	{ "Zg==\r\n", 0, 1, "f" },
	{ "Zh==", 0, 1, "f" },		/* non-zero trailing bits: not Strict */
	{ "Zg", 0, 0, NULL },		/* missing padding */
	{ "Zg=", 0, 0, NULL },
	{ "Z===", 0, 0, NULL },
	{ "====", 0, 0, NULL },
	{ "Zg==Zg==", 0, 0, NULL },	/* data after padding */
	{ "Zg== ", 0, 0, NULL },
	{ "Zm9v!", 0, 0, NULL },
	{ "Z", 0, 0, NULL },
	{ "-_-_", 0, 0, NULL },		/* URL alphabet in std */
	{ "+/+/", 1, 0, NULL },		/* std alphabet in URL */
	{ "-_-_", 1, 1, "\xfb\xff\xbf" },
	{ "+/+/", 0, 1, "\xfb\xff\xbf" },
};

START_TEST(test_base64_decode_rules)
{
	struct rg_buf	b;
	int		rv;

	rg_buf_init(&b);
	rg_buf_append(&b, "keep", 4);
	rv = rg_base64_decode(&b, b64_dec[_i].in, strlen(b64_dec[_i].in),
	    b64_dec[_i].url);
	if (b64_dec[_i].ok) {
		ck_assert_int_eq(rv, 0);
		ck_assert_uint_eq(b.len, 4 + strlen(b64_dec[_i].out));
		ck_assert_int_eq(memcmp(b.data + 4, b64_dec[_i].out,
		    b.len - 4), 0);
	} else {
		ck_assert_int_eq(rv, -1);
		/* On error the buffer is left as it was. */
		ck_assert_buf_str(&b, "keep");
	}
	rg_buf_free(&b);
}
END_TEST

/* Go's utf8.DecodeRune: width and rune, 0 for what Go calls RuneError. */
static const struct {
	const char	*in;
	size_t		 n;
	int		 w;
	uint32_t	 r;
} utf8_vec[] = {
	{ "a", 1, 1, 'a' },
	{ "\x7f", 1, 1, 0x7f },
	{ "\xc2\x80", 2, 2, 0x80 },
	{ "\xdf\xbf", 2, 2, 0x7ff },
	{ "\xe0\xa0\x80", 3, 3, 0x800 },
	{ "\xef\xbf\xbf", 3, 3, 0xffff },
	{ "\xf0\x90\x80\x80", 4, 4, 0x10000 },
	{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
	{ "\xe2\x82\xacz", 4, 3, 0x20ac },
	{ "\x80", 1, 0, 0 },			/* lone continuation */
	{ "\xc0\x80", 2, 0, 0 },		/* overlong */
	{ "\xc1\xbf", 2, 0, 0 },
	{ "\xe0\x9f\xbf", 3, 0, 0 },
	{ "\xf0\x8f\xbf\xbf", 4, 0, 0 },
	{ "\xed\xa0\x80", 3, 0, 0 },		/* surrogate */
	{ "\xf4\x90\x80\x80", 4, 0, 0 },	/* > U+10FFFF */
	{ "\xf5\x80\x80\x80", 4, 0, 0 },
	{ "\xe2\x82\xac", 2, 0, 0 },		/* truncated by n */
	{ "\xe2\x28\xa1", 3, 0, 0 },		/* bad continuation */
};

START_TEST(test_utf8_decode)
{
	uint32_t	r = 0xdead;
	int		w;

	w = rg_utf8_decode((const uint8_t *)utf8_vec[_i].in, utf8_vec[_i].n,
	    &r);
	ck_assert_int_eq(w, utf8_vec[_i].w);
	if (w > 0)
		ck_assert_uint_eq(r, utf8_vec[_i].r);
}
END_TEST

START_TEST(test_hexval)
{
	int	c;

	for (c = -128; c < 256; c++) {
		if (c >= '0' && c <= '9')
			ck_assert_int_eq(rg_hexval(c), c - '0');
		else if (c >= 'a' && c <= 'f')
			ck_assert_int_eq(rg_hexval(c), c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			ck_assert_int_eq(rg_hexval(c), c - 'A' + 10);
		else
			ck_assert_int_eq(rg_hexval(c), -1);
	}
}
END_TEST

Suite *
buf_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("rg_buf");
	tc = tcase_create("buf");
	tcase_add_test(tc, test_buf_basic);
	tcase_add_loop_test(tc, test_base64_rfc4648, 0,
	    sizeof(b64_vec) / sizeof(b64_vec[0]));
	tcase_add_loop_test(tc, test_base64_decode_rules, 0,
	    sizeof(b64_dec) / sizeof(b64_dec[0]));
	tcase_add_loop_test(tc, test_utf8_decode, 0,
	    sizeof(utf8_vec) / sizeof(utf8_vec[0]));
	tcase_add_test(tc, test_hexval);
	suite_add_tcase(s, tc);
	return (s);
}
