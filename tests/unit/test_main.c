/*
 * Unit tests for the pure-C logic of roachgate (Check framework).
 * Exit status is non-zero when any check fails.
 */

#include <stdlib.h>

#include "suites.h"

int
main(void)
{
	SRunner		*sr;
	int		 failed;

	sr = srunner_create(NULL);
	rg_add_suites(sr);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
