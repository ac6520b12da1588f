// SPDX-License-Identifier: LGPL-2.1-or-later
/* stderr logging with systemd's <N> priority prefixes, which the journal
 * turns into log levels when tenantd runs under systemd. errno is saved
 * and restored around each message, so logging between a failing call and
 * the return of its error cannot change what is returned. */
#include <errno.h>
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

static void log_write(enum log_level level, const char *format, va_list args)
	__attribute__((format(printf, 2, 0)));

static void log_write(enum log_level level, const char *format, va_list args)
{
	/* syslog priorities: err, warning, info, debug */
	static const int priority[] = { 3, 4, 6, 7 };
	static const char *const label[] = { "error", "warning", "info", "debug" };
	int saved = errno;

	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>", priority[level]);
	else
		fprintf(stderr, "tenantd: %s: ", label[level]);
	/* %m in FORMAT reads errno: the caller's, not the prefix's. */
	errno = saved;
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
	errno = saved;
}

void log_message(enum log_level level, const char *format, ...)
{
	va_list args;

	if (level > max_level)
		return;
	va_start(args, format);
	log_write(level, format, args);
	va_end(args);
}

int log_message_errno(enum log_level level, int error, const char *format, ...)
{
	int magnitude = error < 0 ? -error : error;
	int saved = errno;
	va_list args;

	if (level <= max_level) {
		errno = magnitude;
		va_start(args, format);
		log_write(level, format, args);
		va_end(args);
		errno = saved;
	}
	return -magnitude;
}
