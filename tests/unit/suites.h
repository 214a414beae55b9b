/* Check suites of the roachgate pure-C unit tests. */

#ifndef RG_TEST_SUITES_H
#define RG_TEST_SUITES_H

#include <check.h>

#include "rg_buf.h"

Suite	*buf_suite(void);
Suite	*json_suite(void);
Suite	*params_suite(void);
Suite	*token_suite(void);
Suite	*paginate_suite(void);
Suite	*keys_suite(void);

/*
 * Suites of other pure-C modules: tests/unit/test_X.c defines X_suite();
 * the Makefile generates their prototypes and rg_extra_suites().
 */
#include "extra_suites.h"
void	 rg_extra_suites(SRunner *);

/* Assert that b holds exactly the string s. */
#define ck_assert_buf_str(b, s)	ck_assert_str_eq(rg_buf_cstr(b), (s))

#endif /* !RG_TEST_SUITES_H */
