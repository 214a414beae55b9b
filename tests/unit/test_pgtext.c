/* Tests for PostgreSQL text-format values (src/pgtext.c). */

#include <string.h>

#include "pgtext.h"
#include "suites.h"

static const struct {
	const char	*in;
	int		 rv;
	const char	*out;
	size_t		 len;
} bytea_vec[] = {
	{ "\\x", 0, "", 0 },
	{ "\\x0a1B", 0, "\x0a\x1b", 2 },
	{ "\\x00ff", 0, "\x00\xff", 2 },
	{ "\\x0", -1, NULL, 0 },
	{ "x0a", -1, NULL, 0 },
	{ "\\X0a", -1, NULL, 0 },
	{ "\\xzz", -1, NULL, 0 },
	{ "", -1, NULL, 0 },
	{ "\\012", -1, NULL, 0 },	/* the escape format: not ours */
};

START_TEST(test_pgtext_bytea)
{
	struct rg_buf	b;

	rg_buf_init(&b);
	ck_assert_int_eq(rg_bytea_decode(bytea_vec[_i].in, &b),
	    bytea_vec[_i].rv);
	if (bytea_vec[_i].rv == 0) {
		ck_assert_uint_eq(b.len, bytea_vec[_i].len);
		if (b.len > 0)
			ck_assert_int_eq(memcmp(b.data, bytea_vec[_i].out,
			    b.len), 0);
	}
	rg_buf_free(&b);
}
END_TEST

START_TEST(test_pgtext_scalars)
{
	int64_t		i;
	double		f;
	int		t;

	ck_assert_int_eq(rg_pgtext_int8("-42", &i), 0);
	ck_assert_int_eq(i, -42);
	i = 5;
	ck_assert_int_eq(rg_pgtext_int8(NULL, &i), 0);
	ck_assert_int_eq(i, 0);
	ck_assert_int_eq(rg_pgtext_int8("4x", &i), -1);
	ck_assert_int_eq(rg_pgtext_int8("", &i), -1);
	ck_assert_int_eq(rg_pgtext_int8("9223372036854775808", &i), -1);

	ck_assert_int_eq(rg_pgtext_float8("1.5e-7", &f), 0);
	ck_assert(f == 1.5e-7);
	ck_assert_int_eq(rg_pgtext_float8("NaN", &f), 0);
	ck_assert(f == 0);
	ck_assert_int_eq(rg_pgtext_float8("-Infinity", &f), 0);
	ck_assert(f == 0);
	ck_assert_int_eq(rg_pgtext_float8(NULL, &f), 0);
	ck_assert(f == 0);
	ck_assert_int_eq(rg_pgtext_float8("", &f), -1);
	ck_assert_int_eq(rg_pgtext_float8("1.5x", &f), -1);

	ck_assert_int_eq(rg_pgtext_bool("t", &t), 0);
	ck_assert_int_eq(t, 1);
	ck_assert_int_eq(rg_pgtext_bool("f", &t), 0);
	ck_assert_int_eq(t, 0);
	t = 1;
	ck_assert_int_eq(rg_pgtext_bool(NULL, &t), 0);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(rg_pgtext_bool("true", &t), -1);
	ck_assert_int_eq(rg_pgtext_bool("", &t), -1);
}
END_TEST

Suite *
pgtext_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("pgtext");
	tc = tcase_create("pgtext");
	tcase_add_loop_test(tc, test_pgtext_bytea, 0,
	    (int)(sizeof(bytea_vec) / sizeof(bytea_vec[0])));
	tcase_add_test(tc, test_pgtext_scalars);
	suite_add_tcase(s, tc);
	return (s);
}
