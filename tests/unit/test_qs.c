/* Tests for Go-compatible query-string lookup (src/qs.c): url.ParseQuery
 * plus Values.Get, as net/url behaves since Go 1.17. */

#include "suites.h"
#include "qs.h"

static const struct {
	const char	*qs;
	const char	*name;
	int		found;
	const char	*value;
} vec[] = {
	{ NULL, "a", 0, NULL },
	{ "", "a", 0, NULL },
	{ "a=1", "a", 1, "1" },
	{ "a=1&a=2", "a", 1, "1" },		/* first value wins */
	{ "b=1&a=2", "a", 1, "2" },
	{ "a=", "a", 1, "" },			/* present, empty */
	{ "a", "a", 1, "" },			/* no '=' is an empty value */
	{ "a=x=y", "a", 1, "x=y" },		/* split at the first '=' */
	{ "a=%41%2b+b", "a", 1, "A+ b" },	/* %XX and '+' */
	{ "%61=1", "a", 1, "1" },		/* keys are decoded too */
	{ "a=%zz&a=2", "a", 1, "2" },		/* bad escape: pair skipped */
	{ "a=%4", "a", 0, NULL },
	{ "a=1;b=2", "a", 0, NULL },		/* ';' makes the pair invalid */
	{ "&&a=1&", "a", 1, "1" },
	{ "ab=1", "a", 0, NULL },
	{ "A=1", "a", 0, NULL },		/* case-sensitive */
};

START_TEST(test_qs_get)
{
	struct rg_buf	out;

	rg_buf_init(&out);
	ck_assert_int_eq(rg_qs_get(vec[_i].qs, vec[_i].name, &out),
	    vec[_i].found);
	if (vec[_i].found)
		ck_assert_buf_str(&out, vec[_i].value);
	rg_buf_free(&out);
}
END_TEST

Suite *
qs_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("qs");
	tc = tcase_create("get");
	tcase_add_loop_test(tc, test_qs_get, 0,
	    (int)(sizeof(vec) / sizeof(vec[0])));
	suite_add_tcase(s, tc);
	return (s);
}
