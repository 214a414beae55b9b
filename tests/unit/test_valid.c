/*
 * Tests for the validator functions (src/valid.c): each agrees with the
 * regex it replaced in kore.conf, compiled here with glibc in the C
 * locale, as Kore ran it.  The character class is checked against the
 * regex on every byte and on random strings; the length bound (the
 * counted repetition, too costly to compile at full size) is checked at
 * its edges.
 */

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "valid.h"
#include "suites.h"

static const struct {
	const char	*name;
	int		(*check)(const char *);
	const char	*charset;	/* the regex without its count */
	size_t		 min, max;
} vec[] = {
	{ "token", rg_valid_token, "^[A-Za-z0-9_=-]*$", 1,
	    RG_VALID_TOKEN_MAX },
	{ "ids", rg_valid_ids, "^[0-9,+-]*$", 1, RG_VALID_IDS_MAX },
	{ "node", rg_valid_node, "^[A-Za-z0-9_+-]*$", 1, RG_VALID_NODE_MAX },
	{ "username", rg_valid_username, "^[^[:cntrl:]]*$", 1,
	    RG_VALID_USERNAME_MAX },
	{ "password", rg_valid_password, "^[^[:cntrl:]]*$", 0,
	    RG_VALID_PASSWORD_MAX },
	{ "event_type", rg_valid_event_type, "^[^[:cntrl:]]*$", 1,
	    RG_VALID_EVENT_TYPE_MAX },
};

static int
regex_ok(regex_t *re, const char *s, size_t min, size_t max)
{
	size_t	n = strlen(s);

	return (n >= min && n <= max && regexec(re, s, 0, NULL, 0) == 0);
}

/* Every byte alone, and random short strings, agree with the regex. */
START_TEST(test_valid_charset)
{
	regex_t		re;
	char		s[16];
	unsigned int	seed = 42;
	int		c, i, j, n;

	ck_assert_int_eq(regcomp(&re, vec[_i].charset,
	    REG_EXTENDED | REG_NOSUB), 0);
	for (c = 1; c < 256; c++) {
		s[0] = (char)c;
		s[1] = '\0';
		ck_assert_msg(vec[_i].check(s) ==
		    regex_ok(&re, s, vec[_i].min, vec[_i].max),
		    "%s: byte 0x%02x", vec[_i].name, c);
	}
	for (i = 0; i < 20000; i++) {
		n = rand_r(&seed) % (int)(sizeof(s) - 1);
		for (j = 0; j < n; j++)
			s[j] = (char)(1 + rand_r(&seed) % 255);
		s[n] = '\0';
		ck_assert_int_eq(vec[_i].check(s),
		    regex_ok(&re, s, vec[_i].min, vec[_i].max));
	}
	regfree(&re);
}
END_TEST

/* Valid up to max bytes, invalid from max + 1 on; the empty string. */
START_TEST(test_valid_length)
{
	char	*s;
	size_t	 max = vec[_i].max;

	s = malloc(max + 3);
	ck_assert_ptr_nonnull(s);
	memset(s, '1', max + 2);
	s[max + 2] = '\0';
	ck_assert_int_eq(vec[_i].check(s), 0);
	s[max + 1] = '\0';
	ck_assert_int_eq(vec[_i].check(s), 0);
	s[max] = '\0';
	ck_assert_int_eq(vec[_i].check(s), 1);
	s[1] = '\0';
	ck_assert_int_eq(vec[_i].check(s), 1);
	ck_assert_int_eq(vec[_i].check(""), vec[_i].min == 0);
	free(s);
}
END_TEST

/* The original regexes where their count is cheap to compile. */
START_TEST(test_valid_small_regex)
{
	static const struct {
		int		(*check)(const char *);
		const char	*re;
	} orig[] = {
		{ rg_valid_node, "^[A-Za-z0-9_+-]{1,64}$" },
		{ rg_valid_username, "^[^[:cntrl:]]{1,63}$" },
	};
	regex_t		re;
	char		s[80];
	unsigned int	seed = 7;
	size_t		i, j, n;
	int		k;

	for (i = 0; i < sizeof(orig) / sizeof(orig[0]); i++) {
		ck_assert_int_eq(regcomp(&re, orig[i].re,
		    REG_EXTENDED | REG_NOSUB), 0);
		for (k = 0; k < 5000; k++) {
			n = (size_t)(rand_r(&seed) % (int)(sizeof(s) - 1));
			for (j = 0; j < n; j++)
				s[j] = (char)(rand_r(&seed) % 4 == 0 ?
				    1 + rand_r(&seed) % 255 :
				    'a' + rand_r(&seed) % 26);
			s[n] = '\0';
			ck_assert_int_eq(orig[i].check(s),
			    regexec(&re, s, 0, NULL, 0) == 0);
		}
		regfree(&re);
	}
}
END_TEST

Suite *
valid_suite(void)
{
	Suite	*s;
	TCase	*tc;
	int	 n = (int)(sizeof(vec) / sizeof(vec[0]));

	s = suite_create("valid");
	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_valid_charset, 0, n);
	tcase_add_loop_test(tc, test_valid_length, 0, n);
	tcase_add_test(tc, test_valid_small_regex);
	suite_add_tcase(s, tc);
	return (s);
}
