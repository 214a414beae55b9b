/*
 * Tests for the Go-compatible JSON writer.  Expected strings are what Go's
 * encoding/json produces; sources are cited per table (golang/go
 * src/encoding/json/encode.go and encode_test.go, src/strconv/ftoa.go,
 * src/time/format.go).
 */

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "suites.h"

static const char	*marshal_string(struct rg_buf *, const char *, size_t);

static const char *
marshal_string(struct rg_buf *b, const char *s, size_t len)
{
	struct rg_json	j;

	rg_buf_reset(b);
	rg_json_init(&j, b);
	rg_json_stringn(&j, NULL, s, len);
	return (rg_buf_cstr(b));
}

/* encode_test.go encodeStringTests: every control character. */
START_TEST(test_json_control_chars)
{
	struct rg_buf	b;
	char		c, want[16];

	rg_buf_init(&b);
	c = (char)_i;
	if (c == '\t')
		strcpy(want, "\"\\t\"");
	else if (c == '\n')
		strcpy(want, "\"\\n\"");
	else if (c == '\r')
		strcpy(want, "\"\\r\"");
	else
		snprintf(want, sizeof(want), "\"\\u00%02x\"", _i);
	ck_assert_str_eq(marshal_string(&b, &c, 1), want);
	rg_buf_free(&b);
}
END_TEST

/*
 * TestHTMLEscape, TestMarshalerEscaping, TestMarshalInvalidUTF8 (encode_
 * test.go) and encodeState.string rules: invalid bytes -> \ufffd each.
 */
static const struct {
	const char	*in;
	const char	*out;
} str_vec[] = {
	{ "", "\"\"" },
	{ "plain text", "\"plain text\"" },
	{ "<&>", "\"\\u003c\\u0026\\u003e\"" },
	{ "<html>foo &\xe2\x80\xa8 \xe2\x80\xa9</html>",
	    "\"\\u003chtml\\u003efoo \\u0026\\u2028 \\u2029\\u003c/html\\u003e\"" },
	{ "\"quoted\" back\\slash", "\"\\\"quoted\\\" back\\\\slash\"" },
	{ "\b\f", "\"\\u0008\\u000c\"" },
	{ "\x7f", "\"\x7f\"" },
	{ "hello\xffworld", "\"hello\\ufffdworld\"" },
	{ "\xff", "\"\\ufffd\"" },
	{ "\xff\xff", "\"\\ufffd\\ufffd\"" },
	{ "a\xff" "b", "\"a\\ufffdb\"" },
	{ "\xe6\x97\xa5\xe6\x9c\xac\xff\xaa\x9e",
	    "\"\xe6\x97\xa5\xe6\x9c\xac\\ufffd\\ufffd\\ufffd\"" },
	{ "\xff\xff\xffhello", "\"\\ufffd\\ufffd\\ufffdhello\"" },
	{ "\xc0\x80", "\"\\ufffd\\ufffd\"" },			/* overlong */
	{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
	{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "\xe0\x80", "\"\\ufffd\\ufffd\"" },			/* truncated */
	{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },		/* U+1F600 */
	{ "\xef\xbf\xbd", "\"\xef\xbf\xbd\"" },			/* real U+FFFD */
};

START_TEST(test_json_strings)
{
	struct rg_buf	b;

	rg_buf_init(&b);
	ck_assert_str_eq(marshal_string(&b, str_vec[_i].in,
	    strlen(str_vec[_i].in)), str_vec[_i].out);
	rg_buf_free(&b);
}
END_TEST

START_TEST(test_json_embedded_nul)
{
	struct rg_buf	b;

	rg_buf_init(&b);
	ck_assert_str_eq(marshal_string(&b, "a\0b", 3), "\"a\\u0000b\"");
	rg_buf_free(&b);
}
END_TEST

START_TEST(test_json_structure)
{
	struct rg_buf	b;
	struct rg_json	j;
	static const uint8_t	id[] = { 0x16, 0x29, 0x08, 0x4d, 0x28, 0xd4,
	    0x66, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x01 };

	rg_buf_init(&b);
	rg_json_init(&j, &b);
	rg_json_object_open(&j, NULL);
	rg_json_array_open(&j, "nodes");
	rg_json_object_open(&j, NULL);
	rg_json_int(&j, "node_id", 1);
	rg_json_string(&j, "build_tag", NULL);
	rg_json_bool(&j, "t", 1);
	rg_json_bool(&j, "f", 0);
	rg_json_null(&j, "lease_history");
	rg_json_object_close(&j);
	rg_json_object_open(&j, NULL);
	rg_json_object_close(&j);
	rg_json_array_close(&j);
	rg_json_array_open(&j, "empty");
	rg_json_array_close(&j);
	rg_json_bytes(&j, "id", id, sizeof(id));
	rg_json_uint(&j, "u", UINT64_MAX);
	rg_json_int(&j, "min", INT64_MIN);
	rg_json_raw(&j, "raw", "{\"x\":[1]}", 9);
	rg_json_string(&j, "k\"<", "v");
	rg_json_object_close(&j);
	ck_assert_int_eq(j.depth, 0);
	ck_assert_buf_str(&b, "{\"nodes\":[{\"node_id\":1,\"build_tag\":\"\","
	    "\"t\":true,\"f\":false,\"lease_history\":null},{}],\"empty\":[],"
	    "\"id\":\"FikITSjUZoAAAAAAAAAAAQ==\","
	    "\"u\":18446744073709551615,\"min\":-9223372036854775808,"
	    "\"raw\":{\"x\":[1]},\"k\\\"\\u003c\":\"v\"}");

	/* Top-level array of scalars. */
	rg_buf_reset(&b);
	rg_json_init(&j, &b);
	rg_json_array_open(&j, NULL);
	rg_json_int(&j, NULL, 1);
	rg_json_float64(&j, NULL, 2.5);
	rg_json_string(&j, NULL, "x");
	rg_json_array_close(&j);
	ck_assert_buf_str(&b, "[1,2.5,\"x\"]");
	rg_buf_free(&b);
}
END_TEST

/* TestEncodeBytekind / TestEncodeRenamedByteSlice: []byte is base64. */
START_TEST(test_json_bytes)
{
	struct rg_buf	b;
	struct rg_json	j;

	rg_buf_init(&b);
	rg_json_init(&j, &b);
	rg_json_array_open(&j, NULL);
	rg_json_bytes(&j, NULL, (const uint8_t *)"\0\1", 2);
	rg_json_bytes(&j, NULL, (const uint8_t *)"abc", 3);
	rg_json_bytes(&j, NULL, NULL, 0);
	rg_json_array_close(&j);
	ck_assert_buf_str(&b, "[\"AAE=\",\"YWJj\",\"\"]");
	rg_buf_free(&b);
}
END_TEST

/*
 * float64 / float32 values and Go's output (floatEncoder.encode: 'f'
 * unless abs < 1e-6 or abs >= 1e21, then 'e' with "e-07" -> "e-7").
 */
static const struct {
	double		 v;
	const char	*out;
} f64_vec[] = {
	{ 0, "0" },
	{ -0.0, "-0" },
	{ 1, "1" },
	{ -1, "-1" },
	{ 0.1, "0.1" },
	{ 0.3, "0.3" },
	{ 1.0 / 3, "0.3333333333333333" },
	{ 100, "100" },
	{ 2.5, "2.5" },
	{ 1e20, "100000000000000000000" },
	{ 1e21, "1e+21" },
	{ -1e21, "-1e+21" },
	{ 999999999999999999999.0, "1e+21" },
	{ 1e-6, "0.000001" },
	{ 1e-7, "1e-7" },
	{ 1.5e-7, "1.5e-7" },
	{ 1e-10, "1e-10" },
	{ 3.14e-100, "3.14e-100" },
	{ 123456789, "123456789" },
	{ 12345678901234567890.0, "12345678901234567000" },
	{ 9007199254740992.0, "9007199254740992" },
	{ 1.7976931348623157e308, "1.7976931348623157e+308" },
	{ 5e-324, "5e-324" },
};

static const struct {
	float		 v;
	const char	*out;
} f32_vec[] = {
	{ 0.1f, "0.1" },
	{ 0.2f, "0.2" },
	{ 1.0f / 3, "0.33333334" },
	{ 100.5f, "100.5" },
	{ 16777216.0f, "16777216" },
	{ 1e21f, "1e+21" },
	{ 1e-7f, "1e-7" },
	{ 3.4e38f, "3.4e+38" },
	{ 3.40282347e38f, "3.4028235e+38" },
	{ 1e-45f, "1e-45" },
};

START_TEST(test_json_float64_vec)
{
	struct rg_buf	b;

	rg_buf_init(&b);
	rg_json_format_float(&b, f64_vec[_i].v, 64);
	ck_assert_buf_str(&b, f64_vec[_i].out);
	rg_buf_free(&b);
}
END_TEST

START_TEST(test_json_float32_vec)
{
	struct rg_buf	b;
	struct rg_json	j;

	rg_buf_init(&b);
	rg_json_init(&j, &b);
	rg_json_float32(&j, NULL, f32_vec[_i].v);
	ck_assert_buf_str(&b, f32_vec[_i].out);
	rg_buf_free(&b);
}
END_TEST

/* Go errors on NaN/Inf; we write 0 (documented in json.h). */
START_TEST(test_json_float_nonfinite)
{
	struct rg_buf	b;
	struct rg_json	j;

	rg_buf_init(&b);
	rg_json_init(&j, &b);
	rg_json_array_open(&j, NULL);
	rg_json_float64(&j, NULL, NAN);
	rg_json_float64(&j, NULL, INFINITY);
	rg_json_float32(&j, NULL, -INFINITY);
	rg_json_array_close(&j);
	ck_assert_buf_str(&b, "[0,0,0]");
	rg_buf_free(&b);
}
END_TEST

/*
 * Port of encode_test.go TestMarshalFloat: for many values (and their
 * float neighbours) the output must parse back to the same float and
 * match none of Go's badFloatREs.
 */
static const char	*bad_float_re[] = {
	"p",			/* no binary exponential notation */
	"^\\+",			/* no leading + sign */
	"^-?0[^.]",		/* no unnecessary leading zeros */
	"^-?\\.",		/* leading zero required before decimal point */
	"\\.(e|$)",		/* no trailing decimal */
	"\\.[0-9]+0(e|$)",	/* no trailing zero in fraction */
	"^-?(0|[0-9]{2,})\\..*e", /* exponential notation normalized */
	"e[0-9]",		/* positive exponent must be signed */
	"e[+-]0",		/* exponent must not have leading zeros */
	"e-[1-6]$",		/* not tiny enough for exponential notation */
	"e+(.|1.|20)$",		/* not big enough for exponential notation */
	"^-?0\\.0000000",	/* too tiny, should use exponential notation */
	"^-?[0-9]{22}",		/* too big, should use exponential notation */
	"[1-9][0-9]{16}[1-9]",	/* too many significant digits in integer */
	"[1-9][0-9.]{17}[1-9]",	/* too many significant digits in decimal */
	/* below here for float32 only */
	"[1-9][0-9]{8}[1-9]",
	"[1-9][0-9.]{9}[1-9]",
};
#define NBADRE	(sizeof(bad_float_re) / sizeof(bad_float_re[0]))

static int	marshal_float_ok(regex_t *, double, int, char *, size_t);

static int
marshal_float_ok(regex_t *re, double f, int bits, char *why, size_t whylen)
{
	struct rg_buf	 b;
	const char	*out;
	double		 g;
	size_t		 i, nre;
	int		 ok;

	if (bits == 32)
		f = (double)(float)f;
	rg_buf_init(&b);
	rg_json_format_float(&b, f, bits);
	out = rg_buf_cstr(&b);
	ok = 0;
	g = bits == 32 ? (double)strtof(out, NULL) : strtod(out, NULL);
	if (g != f || signbit(g) != signbit(f)) {
		snprintf(why, whylen, "%.17g/%d -> %s does not read back",
		    f, bits, out);
		goto done;
	}
	nre = bits == 64 ? NBADRE - 2 : NBADRE;
	for (i = 0; i < nre; i++) {
		if (regexec(&re[i], out, 0, NULL, 0) == 0) {
			snprintf(why, whylen, "%.17g/%d -> %s matches /%s/",
			    f, bits, out, bad_float_re[i]);
			goto done;
		}
	}
	ok = 1;
done:
	rg_buf_free(&b);
	return (ok);
}

START_TEST(test_json_marshal_float_property)
{
	static const char	digits[] = "1.2345678901234567890123";
	regex_t			re[NBADRE];
	char			s[64], why[256];
	size_t			i, n;
	int			exp, sign, bits, k, checked;
	double			f, fs[3];

	for (i = 0; i < NBADRE; i++)
		ck_assert_int_eq(regcomp(&re[i], bad_float_re[i],
		    REG_EXTENDED | REG_NOSUB), 0);
	checked = 0;
	for (n = strlen(digits); n >= 2; n--) {
		for (exp = -30; exp <= 30; exp++) {
			for (sign = 0; sign < 2; sign++) {
				for (bits = 32; bits <= 64; bits += 32) {
					snprintf(s, sizeof(s), "%c%.*se%d",
					    sign ? '-' : '+', (int)n, digits,
					    exp);
					if (bits == 32) {
						f = strtof(s, NULL);
						fs[1] = nextafterf((float)f,
						    INFINITY);
						fs[2] = nextafterf((float)f,
						    -INFINITY);
					} else {
						f = strtod(s, NULL);
						fs[1] = nextafter(f, INFINITY);
						fs[2] = nextafter(f, -INFINITY);
					}
					fs[0] = f;
					for (k = 0; k < 3; k++) {
						if (!marshal_float_ok(re, fs[k],
						    bits, why, sizeof(why)))
							ck_abort_msg("%s", why);
						checked++;
					}
				}
			}
		}
	}
	ck_assert(marshal_float_ok(re, 0, 64, why, sizeof(why)));
	ck_assert(marshal_float_ok(re, -0.0, 64, why, sizeof(why)));
	ck_assert(marshal_float_ok(re, 0, 32, why, sizeof(why)));
	ck_assert(marshal_float_ok(re, -0.0, 32, why, sizeof(why)));
	ck_assert_int_gt(checked, 16000);
	for (i = 0; i < NBADRE; i++)
		regfree(&re[i]);
}
END_TEST

/*
 * strconv.FormatFloat(v, fmt, -1, bits) vectors from strconv's
 * ftoa_test.go (ftoatests with prec -1).
 */
static const struct {
	double		 v;
	char		 fmt;
	int		 bits;
	const char	*out;
} ftoa_vec[] = {
	{ 1, 'e', 64, "1e+00" },
	{ 1, 'f', 64, "1" },
	{ 1, 'g', 64, "1" },
	{ 20, 'g', 64, "20" },
	{ 1234567.8, 'g', 64, "1.2345678e+06" },
	{ 200000, 'g', 64, "200000" },
	{ 2000000, 'g', 64, "2e+06" },
	{ 400, 'g', 64, "400" },
	{ 40, 'g', 64, "40" },
	{ 4, 'g', 64, "4" },
	{ .4, 'g', 64, "0.4" },
	{ .04, 'g', 64, "0.04" },
	{ .004, 'g', 64, "0.004" },
	{ .0004, 'g', 64, "0.0004" },
	{ .00004, 'g', 64, "4e-05" },
	{ 1e23, 'e', 64, "1e+23" },
	{ 1e23, 'f', 64, "100000000000000000000000" },
	{ 1e23, 'g', 64, "1e+23" },
	{ 100, 'f', 64, "100" },
	{ 1e-5, 'f', 64, "0.00001" },
	{ 5e-324, 'g', 64, "5e-324" },
	{ 1.7976931348623157e308, 'g', 64, "1.7976931348623157e+308" },
	{ 233.221112, 'g', 64, "233.221112" },
	{ -233.221112, 'g', 64, "-233.221112" },
	{ 16777216, 'g', 32, "1.6777216e+07" },
	{ 3.4028234663852886e38, 'g', 32, "3.4028235e+38" },
	{ 1e-45, 'g', 32, "1e-45" },
	{ 0, 'e', 64, "0e+00" },
	{ -0.0, 'g', 64, "-0" },
	{ INFINITY, 'g', 64, "+Inf" },
	{ -INFINITY, 'g', 64, "-Inf" },
	{ NAN, 'g', 64, "NaN" },
};

START_TEST(test_format_float_vec)
{
	struct rg_buf	b;

	rg_buf_init(&b);
	rg_format_float(&b, ftoa_vec[_i].v, ftoa_vec[_i].fmt,
	    ftoa_vec[_i].bits);
	ck_assert_buf_str(&b, ftoa_vec[_i].out);
	rg_buf_free(&b);
}
END_TEST

/* time.Time.MarshalJSON (RFC3339Nano) of time.Unix(0, ns).UTC(). */
static const struct {
	int64_t		 ns;
	const char	*out;
} time_vec[] = {
	{ 0, "\"1970-01-01T00:00:00Z\"" },
	{ 1, "\"1970-01-01T00:00:00.000000001Z\"" },
	{ -1, "\"1969-12-31T23:59:59.999999999Z\"" },
	{ 1000, "\"1970-01-01T00:00:00.000001Z\"" },
	{ 1614600000123400000LL, "\"2021-03-01T12:00:00.1234Z\"" },
	{ 951825600500000000LL, "\"2000-02-29T12:00:00.5Z\"" },
	{ 1234567890000000000LL, "\"2009-02-13T23:31:30Z\"" },
	{ INT64_MAX, "\"2262-04-11T23:47:16.854775807Z\"" },
	{ INT64_MIN, "\"1677-09-21T00:12:43.145224192Z\"" },
};

START_TEST(test_json_time)
{
	struct rg_buf	b;
	struct rg_json	j;

	rg_buf_init(&b);
	rg_json_init(&j, &b);
	rg_json_time(&j, NULL, time_vec[_i].ns);
	ck_assert_buf_str(&b, time_vec[_i].out);
	rg_buf_free(&b);
}
END_TEST

START_TEST(test_json_time_zero_uuid)
{
	struct rg_buf	b;
	struct rg_json	j;
	/* RFC 4122 DNS namespace UUID (src/REFERENCE.md, "GET /sessions/"). */
	static const uint8_t	u[16] = { 0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad,
	    0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
	static const uint8_t	z[16];

	rg_buf_init(&b);
	rg_json_init(&j, &b);
	rg_json_object_open(&j, NULL);
	rg_json_time_zero(&j, "start");
	rg_json_uuid(&j, "txn_id", u);
	rg_json_uuid(&j, "nil", z);
	rg_json_object_close(&j);
	ck_assert_buf_str(&b, "{\"start\":\"0001-01-01T00:00:00Z\","
	    "\"txn_id\":\"6ba7b810-9dad-11d1-80b4-00c04fd430c8\","
	    "\"nil\":\"00000000-0000-0000-0000-000000000000\"}");
	rg_buf_free(&b);
}
END_TEST

/* Go sorts map[string] keys: {"-1","1","10","100","2","9"}. */
START_TEST(test_json_sort_ids)
{
	int64_t		ids[] = { 1, 10, 2, -1, 100, 9 };
	int64_t		want[] = { -1, 1, 10, 100, 2, 9 };
	size_t		i;

	rg_json_sort_ids_as_strings(ids, 6);
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(ids[i], want[i]);
	rg_json_sort_ids_as_strings(ids, 0);
}
END_TEST

Suite *
json_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("json");
	tc = tcase_create("json");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_json_control_chars, 0, 0x20);
	tcase_add_loop_test(tc, test_json_strings, 0,
	    sizeof(str_vec) / sizeof(str_vec[0]));
	tcase_add_test(tc, test_json_embedded_nul);
	tcase_add_test(tc, test_json_structure);
	tcase_add_test(tc, test_json_bytes);
	tcase_add_loop_test(tc, test_json_float64_vec, 0,
	    sizeof(f64_vec) / sizeof(f64_vec[0]));
	tcase_add_loop_test(tc, test_json_float32_vec, 0,
	    sizeof(f32_vec) / sizeof(f32_vec[0]));
	tcase_add_test(tc, test_json_float_nonfinite);
	tcase_add_test(tc, test_json_marshal_float_property);
	tcase_add_loop_test(tc, test_format_float_vec, 0,
	    sizeof(ftoa_vec) / sizeof(ftoa_vec[0]));
	tcase_add_loop_test(tc, test_json_time, 0,
	    sizeof(time_vec) / sizeof(time_vec[0]));
	tcase_add_test(tc, test_json_time_zero_uuid);
	tcase_add_test(tc, test_json_sort_ids);
	suite_add_tcase(s, tc);
	return (s);
}
