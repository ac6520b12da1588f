// SPDX-License-Identifier: LGPL-2.1-or-later
/* stderr logging with systemd's <N> priority prefixes, which the journal
 * turns into log levels when tenantd runs under systemd. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"

static enum log_level max_level = LOG_LEVEL_INFO;

void log_set_level(enum log_level level)
{
	max_level = level;
}

void log_message(enum log_level level, const char *format, ...)
{
	/* syslog priorities: err, warning, info, debug */
	static const int priority[] = { 3, 4, 6, 7 };
	static const char *const label[] = { "error", "warning", "info", "debug" };
	va_list args;

	if (level > max_level)
		return;
	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>", priority[level]);
	else
		fprintf(stderr, "tenantd: %s: ", label[level]);
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
}
