// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reads the bad-input corpus's case list once, in the process that builds
 * the suite, so every forked test sees it; freed at exit for LeakSanitizer. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "corpus.h"

/* Fewer cases than this means the corpus was not found, not that it shrank. */
#define CORPUS_MIN_CASES 30

static struct dirent **cases;
static int case_count = -1;

static int is_case(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

static void free_cases(void)
{
	for (int i = 0; i < case_count; i++)
		free(cases[i]);
	free(cases);
}

int corpus_case_count(void)
{
	if (case_count >= 0)
		return case_count;
	case_count = scandir(CONFIG_CORPUS, &cases, is_case, alphasort);
	if (case_count < CORPUS_MIN_CASES) {
		fprintf(stderr, "%s: expected the bad-input corpus, found %d cases\n",
			CONFIG_CORPUS, case_count);
		exit(EXIT_FAILURE);
	}
	atexit(free_cases);
	return case_count;
}

const char *corpus_case_name(int index)
{
	return cases[index]->d_name;
}
