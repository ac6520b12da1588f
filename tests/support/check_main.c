// SPDX-License-Identifier: LGPL-2.1-or-later
/* The main() of every unit test binary: runs the suite its test file
 * defines and exits non-zero when a test failed. */
#include <stdlib.h>

#include "test_suite.h"

int main(void)
{
	SRunner *runner;
	int failed;

	/* Check's default of 4 s per test is a timing assertion on a loaded
	 * machine; a hang still fails, after a minute. Read as test_suite()
	 * creates its test cases. */
	setenv("CK_DEFAULT_TIMEOUT", "60", 0);
	runner = srunner_create(test_suite());

	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
