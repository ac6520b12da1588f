/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tenant ids: assigned once, persisted in the state directory, stable across
 * restarts, and never handed to another tenant while counters for the old
 * one may still exist (only a purge releases an id). */
#ifndef TENANTD_TENANT_IDS_H
#define TENANTD_TENANT_IDS_H

#include <stddef.h>
#include <stdint.h>

#include "validate.h"

struct tenant_id_entry {
	char name[TENANT_NAME_MAX + 1];
	uint32_t id;
};

/* Entries in assignment order, indexed both ways so that every lookup is
 * O(1) even with all 65535 ids taken. */
struct tenant_ids {
	struct tenant_id_entry *entries;
	size_t count;
	size_t capacity;
	uint32_t *by_id; /* TENANT_ID_MAX + 1 slots: entry index + 1, 0 = free */
	uint32_t *by_name; /* open-addressing hash of names: entry index + 1 */
	uint32_t lowest_free; /* no id below this one is free */
};

/* Reads DIR/tenant-ids; a missing file is an empty table. */
int tenant_ids_load(const char *directory, struct tenant_ids *ids);
/* Writes DIR/tenant-ids atomically (temporary file, fsync, rename). */
int tenant_ids_save(const char *directory, const struct tenant_ids *ids);
/* Returns the id of `name`, assigning the lowest free one if it has none:
 * a positive id, or -ENOSPC when all 65535 are taken. */
int64_t tenant_ids_assign(struct tenant_ids *ids, const char *name);
int64_t tenant_ids_find(const struct tenant_ids *ids, const char *name);
const struct tenant_id_entry *tenant_ids_entry(const struct tenant_ids *ids, const char *name);
const char *tenant_ids_name(const struct tenant_ids *ids, uint32_t id);
void tenant_ids_release(struct tenant_ids *ids, const char *name);
void tenant_ids_free(struct tenant_ids *ids);

#endif /* TENANTD_TENANT_IDS_H */
