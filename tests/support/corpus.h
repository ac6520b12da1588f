/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bad-input corpus: one configuration directory per case under
 * tests/corpus/config/CASE/, with CASE/expected holding the exact error. */
#ifndef TENANTD_CORPUS_H
#define TENANTD_CORPUS_H

#define CONFIG_CORPUS "tests/corpus/config"

/* The number of cases, read once; a missing or truncated corpus ends the
 * test binary, since every case would otherwise pass by being absent. */
int corpus_case_count(void);
/* The name of case INDEX, in sorted order. */
const char *corpus_case_name(int index);

#endif /* TENANTD_CORPUS_H */
