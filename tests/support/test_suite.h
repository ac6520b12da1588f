/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What each test file defines for the one main() its binary shares: unit
 * tests link check_main.c, integration tests the harness's main(). */
#ifndef TENANTD_TEST_SUITE_H
#define TENANTD_TEST_SUITE_H

#include <check.h>

/* The file's Check suite, one behaviour per test. */
Suite *test_suite(void);

#endif /* TENANTD_TEST_SUITE_H */
