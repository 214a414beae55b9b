/*
 * Tests for the Go strconv ports of gostrconv.c.  Vectors: golang/go
 * src/strconv/ftoa_test.go (ftoatests with precision -1) and
 * quote_test.go (quotetests).
 */

#include <math.h>

#include "gostrconv.h"
#include "suites.h"

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

/* strconv.Quote (quote_test.go quotetests). */
static const struct {
	const char	*in;
	size_t		 len;
	const char	*out;
} quote_vec[] = {
	{ "\a\b\f\r\n\t\v", 7, "\"\\a\\b\\f\\r\\n\\t\\v\"" },
	{ "\\", 1, "\"\\\\\"" },
	{ "abc\xff" "def", 7, "\"abc\\xffdef\"" },
	{ "\xe2\x98\xba", 3, "\"\xe2\x98\xba\"" },
	{ "\xf4\x8f\xbf\xbf", 4, "\"\\U0010ffff\"" },
	{ "\x04", 1, "\"\\x04\"" },
	{ "\x7f", 1, "\"\\x7f\"" },
	{ "\"", 1, "\"\\\"\"" },
	{ "\xc2\xad", 2, "\"\\u00ad\"" },
	{ "\xc2\xa0", 2, "\"\\u00a0\"" },
	{ "\0", 1, "\"\\x00\"" },
};

START_TEST(test_go_quote)
{
	struct rg_buf	b;

	rg_buf_init(&b);
	rg_go_quote(&b, (const uint8_t *)quote_vec[_i].in, quote_vec[_i].len);
	ck_assert_buf_str(&b, quote_vec[_i].out);
	rg_buf_free(&b);
}
END_TEST

Suite *
gostrconv_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("gostrconv");
	tc = tcase_create("gostrconv");
	tcase_add_loop_test(tc, test_format_float_vec, 0,
	    sizeof(ftoa_vec) / sizeof(ftoa_vec[0]));
	tcase_add_loop_test(tc, test_go_quote, 0,
	    sizeof(quote_vec) / sizeof(quote_vec[0]));
	suite_add_tcase(s, tc);
	return (s);
}
