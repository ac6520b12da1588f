/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Diagnostics go to stderr, one line each, so that the journal keeps them
 * when tenantd runs as a service. Logging never changes errno, and the
 * *_errno forms take the error being handled and return it, so one line
 * both logs a failure and hands it on: return log_error_errno(r, "...: %m"); */
#ifndef TENANTD_LOG_H
#define TENANTD_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_level(enum log_level level);
void log_message(enum log_level level, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
/* Logs with errno set to ERROR's magnitude, so that %m names it, and
 * returns -|ERROR|. ERROR may be an errno value or a negative one. */
int log_message_errno(enum log_level level, int error, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(...) log_message(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_message(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) log_message(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_message(LOG_LEVEL_DEBUG, __VA_ARGS__)

#define log_error_errno(error, ...) log_message_errno(LOG_LEVEL_ERROR, error, __VA_ARGS__)
#define log_warning_errno(error, ...) log_message_errno(LOG_LEVEL_WARNING, error, __VA_ARGS__)

#endif /* TENANTD_LOG_H */
