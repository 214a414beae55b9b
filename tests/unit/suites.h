/* Check suites of the roachgate pure-C unit tests. */

#ifndef RG_TEST_SUITES_H
#define RG_TEST_SUITES_H

#include <check.h>

#include "rg_buf.h"

/*
 * tests/unit/test_X.c defines X_suite(); the Makefile generates their
 * prototypes (suites_gen.h) and rg_add_suites(), which adds them all.
 */
#include "suites_gen.h"
void	 rg_add_suites(SRunner *);

/* Assert that b holds exactly the string s. */
#define ck_assert_buf_str(b, s)	ck_assert_str_eq(rg_buf_cstr(b), (s))

#endif /* !RG_TEST_SUITES_H */
