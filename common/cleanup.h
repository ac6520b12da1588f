/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one resource-release idiom of tenantd: variables declared with these
 * attributes release what they hold when they go out of scope, so every
 * early return is leak-free. */
#ifndef TENANTD_CLEANUP_H
#define TENANTD_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void free_pointer(void *p)
{
	free(*(void **)p);
}

static inline void close_fd(const int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void close_file(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void close_directory(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_(function) __attribute__((cleanup(function)))
#define _cleanup_free_ __attribute__((cleanup(free_pointer)))
#define _cleanup_close_ __attribute__((cleanup(close_fd)))
#define _cleanup_fclose_ __attribute__((cleanup(close_file)))
#define _cleanup_closedir_ __attribute__((cleanup(close_directory)))

/* Defines FUNCTIONp(TYPE *), which releases a non-NULL pointer with
 * FUNCTION, for variables declared _cleanup_(FUNCTIONp). */
#define DEFINE_POINTER_CLEANUP(type, function)                  \
	static inline void function##p(type *pointer)           \
	{                                                       \
		if (*pointer)                                   \
			(void)function(*pointer);               \
	}

/* Hands ownership out of a cleanup-scoped variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _taken = (p); (p) = NULL; _taken; })
#define TAKE_FD(fd) ({ int _taken = (fd); (fd) = -1; _taken; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* TENANTD_CLEANUP_H */
