/*
 * Tests for the Go strconv ports.  Vectors: golang/go src/strconv/
 * atoi_test.go (parseUint64Tests, parseUint64BaseTests, parseInt64Tests,
 * parseInt64BaseTests, parseInt32Tests, underscore cases) and
 * atob_test.go (atobtests); src/REFERENCE.md, "Pagination parameters",
 * "GET /nodes/{node_id}/ranges/" and "GET /health/".
 */

#include <string.h>

#include "params.h"
#include "suites.h"

#define OK	1
#define BAD	0

static const struct {
	const char	*in;
	int		 ok;
	int		 val;
} bool_vec[] = {
	{ "", BAD, 0 }, { "asdf", BAD, 0 }, { "0", OK, 0 }, { "f", OK, 0 },
	{ "F", OK, 0 }, { "FALSE", OK, 0 }, { "false", OK, 0 },
	{ "False", OK, 0 }, { "1", OK, 1 }, { "t", OK, 1 }, { "T", OK, 1 },
	{ "TRUE", OK, 1 }, { "true", OK, 1 }, { "True", OK, 1 },
	{ "tRUE", BAD, 0 }, { "yes", BAD, 0 }, { " true", BAD, 0 },
	{ "true ", BAD, 0 }, { "01", BAD, 0 },
};

START_TEST(test_parse_bool)
{
	int	v = -1;

	ck_assert_int_eq(rg_parse_bool(bool_vec[_i].in, &v),
	    bool_vec[_i].ok ? 0 : -1);
	if (bool_vec[_i].ok)
		ck_assert_int_eq(v, bool_vec[_i].val);
}
END_TEST

static const struct {
	const char	*in;
	int		 base;
	int		 bits;
	int		 ok;
	int64_t		 out;
} int_vec[] = {
	/* parseInt64Tests (base 10, 64) */
	{ "", 10, 64, BAD, 0 },
	{ "0", 10, 64, OK, 0 },
	{ "-0", 10, 64, OK, 0 },
	{ "1", 10, 64, OK, 1 },
	{ "-1", 10, 64, OK, -1 },
	{ "12345", 10, 64, OK, 12345 },
	{ "-12345", 10, 64, OK, -12345 },
	{ "012345", 10, 64, OK, 12345 },
	{ "-012345", 10, 64, OK, -12345 },
	{ "98765432100", 10, 64, OK, 98765432100LL },
	{ "-98765432100", 10, 64, OK, -98765432100LL },
	{ "9223372036854775807", 10, 64, OK, INT64_MAX },
	{ "-9223372036854775807", 10, 64, OK, -INT64_MAX },
	{ "9223372036854775808", 10, 64, BAD, 0 },
	{ "-9223372036854775808", 10, 64, OK, INT64_MIN },
	{ "9223372036854775809", 10, 64, BAD, 0 },
	{ "-9223372036854775809", 10, 64, BAD, 0 },
	{ "+5", 10, 64, OK, 5 },
	{ "+", 10, 64, BAD, 0 },
	{ "-", 10, 64, BAD, 0 },
	{ "1_000", 10, 64, BAD, 0 },	/* underscores need base 0 */
	{ " 1", 10, 64, BAD, 0 },
	{ "0x10", 10, 64, BAD, 0 },
	/* parseInt64BaseTests (base 0 and others) */
	{ "0", 0, 64, OK, 0 },
	{ "-0", 0, 64, OK, 0 },
	{ "012345", 0, 64, OK, 012345 },
	{ "-012345", 0, 64, OK, -012345 },
	{ "0x12345", 0, 64, OK, 0x12345 },
	{ "-0X12345", 0, 64, OK, -0x12345 },
	{ "12345x", 0, 64, BAD, 0 },
	{ "-12345x", 0, 64, BAD, 0 },
	{ "0x", 0, 64, BAD, 0 },
	{ "0X", 0, 64, BAD, 0 },
	{ "08", 0, 64, BAD, 0 },	/* parseNodeID: "08" -> 500 */
	{ "010", 0, 64, OK, 8 },	/* parseNodeID: 010 is node 8 */
	{ "0b101", 0, 64, OK, 5 },
	{ "0o17", 0, 64, OK, 15 },
	{ "0O17", 0, 64, OK, 15 },
	{ "g", 17, 64, OK, 16 },
	{ "10", 25, 64, OK, 25 },
	{ "holycow", 35, 64, OK,
	    (((((17LL * 35 + 24) * 35 + 21) * 35 + 34) * 35 + 12) * 35 + 24) *
	    35 + 32 },
	{ "holycow", 36, 64, OK,
	    (((((17LL * 36 + 24) * 36 + 21) * 36 + 34) * 36 + 12) * 36 + 24) *
	    36 + 32 },
	{ "1010", 2, 64, OK, 10 },
	{ "-1", 2, 64, OK, -1 },
	{ "111111111111111111111111111111111111111111111111111111111111111",
	    2, 64, OK, INT64_MAX },
	{ "1000000000000000000000000000000000000000000000000000000000000000",
	    2, 64, BAD, 0 },
	{ "-1000000000000000000000000000000000000000000000000000000000000000",
	    2, 64, OK, INT64_MIN },
	{ "-10", 8, 64, OK, -8 },
	{ "57635436545", 8, 64, OK, 057635436545LL },
	{ "-123456789abcdef", 16, 64, OK, -0x123456789abcdefLL },
	{ "7fffffffffffffff", 16, 64, OK, INT64_MAX },
	{ "1", 1, 64, BAD, 0 },		/* bad base */
	{ "1", 37, 64, BAD, 0 },
	/* underscores (base 0 only): atoi_test.go underscore cases */
	{ "1_2_3_4_5", 0, 64, OK, 12345 },
	{ "_12345", 0, 64, BAD, 0 },
	{ "1__2345", 0, 64, BAD, 0 },
	{ "12345_", 0, 64, BAD, 0 },
	{ "-1_2_3_4_5", 0, 64, OK, -12345 },
	{ "0x_1_2_3_4_5", 0, 64, OK, 0x12345 },
	{ "_0x12345", 0, 64, BAD, 0 },
	{ "0x__12345", 0, 64, BAD, 0 },
	{ "0x1__2345", 0, 64, BAD, 0 },
	{ "0x1234__5", 0, 64, BAD, 0 },
	{ "0x12345_", 0, 64, BAD, 0 },
	{ "0_1_2", 0, 64, OK, 012 },
	{ "0b_1_0", 0, 64, OK, 2 },
	/* parseInt32Tests (base 10, 32) */
	{ "2147483647", 10, 32, OK, 2147483647 },
	{ "-2147483647", 10, 32, OK, -2147483647 },
	{ "2147483648", 10, 32, BAD, 0 },
	{ "-2147483648", 10, 32, OK, -2147483647LL - 1 },
	{ "-2147483649", 10, 32, BAD, 0 },
	{ "987654321", 10, 32, OK, 987654321 },
	/*
	 * handler's ParseInt(node_id, 10, 32) (src/REFERENCE.md,
	 * "GET /nodes/{node_id}/ranges/")
	 */
	{ "+5", 10, 32, OK, 5 },
	{ "local", 10, 32, BAD, 0 },
	{ "1e3", 10, 32, BAD, 0 },
};

START_TEST(test_parse_int)
{
	int64_t	v = 77;
	int	rv;

	rv = rg_parse_int(int_vec[_i].in, int_vec[_i].base, int_vec[_i].bits,
	    &v);
	ck_assert_msg(rv == (int_vec[_i].ok ? 0 : -1),
	    "ParseInt(%s, %d, %d) rv %d", int_vec[_i].in, int_vec[_i].base,
	    int_vec[_i].bits, rv);
	if (int_vec[_i].ok)
		ck_assert_int_eq(v, int_vec[_i].out);
}
END_TEST

static const struct {
	const char	*in;
	int		 base;
	int		 bits;
	int		 ok;
	uint64_t	 out;
} uint_vec[] = {
	/* parseUint64Tests and parseUint64BaseTests */
	{ "", 10, 64, BAD, 0 },
	{ "12345x", 10, 64, BAD, 0 },
	{ "18446744073709551615", 10, 64, OK, UINT64_MAX },
	{ "18446744073709551616", 10, 64, BAD, 0 },
	{ "18446744073709551620", 10, 64, BAD, 0 },
	{ "0xFFFFFFFFFFFFFFFF", 0, 64, OK, UINT64_MAX },
	{ "0x10000000000000000", 0, 64, BAD, 0 },
	{ "01777777777777777777777", 0, 64, OK, UINT64_MAX },
	{ "01777777777777777777778", 0, 64, BAD, 0 },
	{ "02000000000000000000000", 0, 64, BAD, 0 },
	{ "0200000000000000000000", 0, 64, OK, 1ULL << 61 },
	{ "0xabcdefg123", 0, 64, BAD, 0 },
	{ "123456789abc", 0, 64, BAD, 0 },
	/* parseUint32Tests */
	{ "4294967295", 10, 32, OK, 4294967295U },
	{ "4294967296", 10, 32, BAD, 0 },
	{ "-1", 10, 32, BAD, 0 },
	{ "+1", 10, 32, BAD, 0 },
};

START_TEST(test_parse_uint)
{
	uint64_t	v = 77;

	ck_assert_int_eq(rg_parse_uint(uint_vec[_i].in, uint_vec[_i].base,
	    uint_vec[_i].bits, &v), uint_vec[_i].ok ? 0 : -1);
	if (uint_vec[_i].ok)
		ck_assert_uint_eq(v, uint_vec[_i].out);
}
END_TEST

START_TEST(test_parse_atoi)
{
	int64_t	v;

	ck_assert_int_eq(rg_parse_atoi("-9223372036854775808", &v), 0);
	ck_assert_int_eq(v, INT64_MIN);
	ck_assert_int_eq(rg_parse_atoi("00000000000000000000000000000042",
	    &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(rg_parse_atoi("0x1", &v), -1);
	ck_assert_int_eq(rg_parse_atoi("1_0", &v), -1);
	ck_assert_int_eq(rg_parse_atoi("", &v), -1);
	ck_assert_int_eq(rg_parse_atoi("5 ", &v), -1);
}
END_TEST

/*
 * ranges=...: strings.Split + ParseInt(x, 10, 64) (src/REFERENCE.md,
 * "GET /nodes/{node_id}/ranges/").
 */
START_TEST(test_parse_id_list)
{
	int64_t	ids[4];
	size_t	n;

	ck_assert_int_eq(rg_parse_id_list("1,2,3", ids, 4, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ids[0], 1);
	ck_assert_int_eq(ids[2], 3);
	ck_assert_int_eq(rg_parse_id_list("42", ids, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(rg_parse_id_list("-5,+6,007", ids, 4, &n), 0);
	ck_assert_int_eq(ids[0], -5);
	ck_assert_int_eq(ids[1], 6);
	ck_assert_int_eq(ids[2], 7);
	ck_assert_int_eq(rg_parse_id_list("1,,2", ids, 4, &n), -1);
	ck_assert_int_eq(rg_parse_id_list("1,2,", ids, 4, &n), -1);
	ck_assert_int_eq(rg_parse_id_list("", ids, 4, &n), -1);
	ck_assert_int_eq(rg_parse_id_list(",", ids, 4, &n), -1);
	ck_assert_int_eq(rg_parse_id_list("1, 2", ids, 4, &n), -1);
	ck_assert_int_eq(rg_parse_id_list("0x1", ids, 4, &n), -1);
	ck_assert_int_eq(rg_parse_id_list("9223372036854775808", ids, 4, &n),
	    -1);
	ck_assert_int_eq(rg_parse_id_list("1,2,3,4,5", ids, 4, &n), -1);
	ck_assert_int_eq(rg_parse_id_list("1,2,3,4", ids, 4, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(rg_parse_id_list(
	    "0000000000000000000000000000000000000000001", ids, 4, &n), 0);
	ck_assert_int_eq(ids[0], 1);
}
END_TEST

/*
 * getSimplePaginationValues / getRPCPaginationValues (src/REFERENCE.md,
 * "Pagination parameters").
 */
static const struct {
	const char	*limit;
	const char	*offset;
	int64_t		 lim;
	int64_t		 off;
} lo_vec[] = {
	{ NULL, NULL, 0, 0 },
	{ NULL, "5", 0, 0 },
	{ "", "5", 0, 0 },
	{ "abc", "5", 0, 0 },
	{ "0", "5", 0, 0 },
	{ "-3", "5", 0, 0 },
	{ "10", NULL, 10, 0 },
	{ "10", "", 10, 0 },
	{ "10", "x", 10, 0 },
	{ "10", "-1", 10, 0 },
	{ "10", "0", 10, 0 },
	{ "10", "20", 10, 20 },
	{ "+10", "+20", 10, 20 },
	{ "9223372036854775807", "9223372036854775807", INT64_MAX,
	    INT64_MAX },
	{ "9223372036854775808", "1", 0, 0 },
};

START_TEST(test_parse_limit_offset)
{
	int64_t	lim = 99, off = 99;

	rg_parse_limit_offset(lo_vec[_i].limit, lo_vec[_i].offset, &lim,
	    &off);
	ck_assert_int_eq(lim, lo_vec[_i].lim);
	ck_assert_int_eq(off, lo_vec[_i].off);
	ck_assert_int_eq(rg_parse_limit(lo_vec[_i].limit), lo_vec[_i].lim);
}
END_TEST

Suite *
params_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("params");
	tc = tcase_create("params");
	tcase_add_loop_test(tc, test_parse_bool, 0,
	    sizeof(bool_vec) / sizeof(bool_vec[0]));
	tcase_add_loop_test(tc, test_parse_int, 0,
	    sizeof(int_vec) / sizeof(int_vec[0]));
	tcase_add_loop_test(tc, test_parse_uint, 0,
	    sizeof(uint_vec) / sizeof(uint_vec[0]));
	tcase_add_test(tc, test_parse_atoi);
	tcase_add_test(tc, test_parse_id_list);
	tcase_add_loop_test(tc, test_parse_limit_offset, 0,
	    sizeof(lo_vec) / sizeof(lo_vec[0]));
	suite_add_tcase(s, tc);
	return (s);
}
