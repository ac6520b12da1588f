/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tenant drop-ins written for the API: a PUT body becomes an INI file in
 * tenants.d/, replaced atomically, and put back as it was when the
 * configuration it would make is refused. */
#ifndef TENANTD_DROPINS_H
#define TENANTD_DROPINS_H

#include <stddef.h>

struct json_object;

/* Renders a PUT body for tenant NAME as a drop-in. On a bad body returns
 * -EINVAL with ERROR naming the field and what is wrong. */
int dropin_render(const char *name, const char *body, size_t length, char **text, char *error,
		  size_t error_size);
/* The fields a PUT body takes: INDEX from 0 until NULL. */
const char *dropin_field_name(size_t index);
/* Replaces PATH with TEXT (temporary file, fsync, rename). *PREVIOUS gets
 * the old content, or NULL when there was none, for dropin_restore. */
int dropin_replace(const char *path, const char *text, char **previous);
/* Removes PATH, keeping its content in *PREVIOUS. */
int dropin_remove(const char *path, char **previous);
/* Puts PATH back to PREVIOUS (NULL: removes it). */
int dropin_restore(const char *path, const char *previous);

#endif /* TENANTD_DROPINS_H */
