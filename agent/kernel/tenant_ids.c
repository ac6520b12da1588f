// SPDX-License-Identifier: LGPL-2.1-or-later
/* The id table on disk is one "NAME ID" line per tenant; it is small, read
 * once at start and rewritten whole whenever an id is assigned or freed. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "kernel/tenant_ids.h"
#include "log.h"
#include "tenantd_abi.h"

#define IDS_FILE "tenant-ids"
/* Twice the most names there can be, so probes stay short. */
#define NAME_SLOTS (2 * (TENANT_ID_MAX + 1))

static uint32_t name_hash(const char *name)
{
	uint32_t hash = 2166136261u; /* FNV-1a */

	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		hash = (hash ^ *c) * 16777619u;
	return hash % NAME_SLOTS;
}

/* The slot holding NAME, or the free slot where it would go. */
static uint32_t *name_slot(const struct tenant_ids *ids, const char *name)
{
	uint32_t slot = name_hash(name);

	while (ids->by_name[slot] && strcmp(ids->entries[ids->by_name[slot] - 1].name, name))
		slot = (slot + 1) % NAME_SLOTS;
	return &ids->by_name[slot];
}

static int ensure_index(struct tenant_ids *ids)
{
	if (!ids->by_id)
		ids->by_id = calloc(TENANT_ID_MAX + 1, sizeof(*ids->by_id));
	if (!ids->by_name)
		ids->by_name = calloc(NAME_SLOTS, sizeof(*ids->by_name));
	return ids->by_id && ids->by_name ? 0 : -ENOMEM;
}

static int add_entry(struct tenant_ids *ids, const char *name, uint32_t id)
{
	struct tenant_id_entry *grown;
	int r = ensure_index(ids);

	if (r)
		return r;
	if (ids->count == ids->capacity) {
		size_t capacity = ids->capacity ? 2 * ids->capacity : 16;

		grown = realloc(ids->entries, capacity * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		ids->entries = grown;
		ids->capacity = capacity;
	}
	grown = ids->entries;
	snprintf(grown[ids->count].name, sizeof(grown[ids->count].name), "%s", name);
	grown[ids->count].id = id;
	ids->count++;
	ids->by_id[id] = (uint32_t)ids->count;
	*name_slot(ids, name) = (uint32_t)ids->count;
	return 0;
}

/* Releases are rare (a purge), so the name index is simply rebuilt. */
static void rebuild_index(struct tenant_ids *ids)
{
	memset(ids->by_id, 0, (TENANT_ID_MAX + 1) * sizeof(*ids->by_id));
	memset(ids->by_name, 0, NAME_SLOTS * sizeof(*ids->by_name));
	for (size_t i = 0; i < ids->count; i++) {
		ids->by_id[ids->entries[i].id] = (uint32_t)i + 1;
		*name_slot(ids, ids->entries[i].name) = (uint32_t)i + 1;
	}
}

int tenant_ids_load(const char *directory, struct tenant_ids *ids)
{
	char path[PATH_MAX], line[128];
	_cleanup_fclose_ FILE *file = NULL;
	int line_number = 0, r;

	memset(ids, 0, sizeof(*ids));
	snprintf(path, sizeof(path), "%s/" IDS_FILE, directory);
	file = fopen(path, "re");
	if (!file)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), file)) {
		char name[TENANT_NAME_MAX + 2];
		unsigned int id;
		char extra;

		line_number++;
		if (sscanf(line, "%40s %u %c", name, &id, &extra) != 2 || !tenant_name_valid(name) ||
		    id < 1 || id > TENANT_ID_MAX || tenant_ids_find(ids, name) >= 0 ||
		    tenant_ids_name(ids, id)) {
			log_error("%s:%d: not a valid, unique 'NAME ID' line; fix or remove it "
				  "(ids must not change while their counters exist)",
				  path, line_number);
			tenant_ids_free(ids);
			return -EINVAL;
		}
		r = add_entry(ids, name, id);
		if (r) {
			tenant_ids_free(ids);
			return r;
		}
	}
	return 0;
}

int tenant_ids_save(const char *directory, const struct tenant_ids *ids)
{
	char path[PATH_MAX], temporary[PATH_MAX];
	_cleanup_fclose_ FILE *file = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/" IDS_FILE, directory);
	snprintf(temporary, sizeof(temporary), "%s/." IDS_FILE ".XXXXXX", directory);
	fd = mkostemp(temporary, O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(errno, "%s: cannot create: %m", temporary);
	file = fdopen(fd, "w");
	if (!file) {
		(void)close(fd);
		(void)unlink(temporary);
		return log_error_errno(ENOMEM, "%s: cannot write: %m", temporary);
	}
	if (fchmod(fd, 0644)) {
		(void)unlink(temporary);
		return log_error_errno(errno, "%s: cannot set its mode: %m", temporary);
	}
	for (size_t i = 0; i < ids->count; i++)
		fprintf(file, "%s %" PRIu32 "\n", ids->entries[i].name, ids->entries[i].id);
	if (fflush(file) || fsync(fd) || rename(temporary, path)) {
		int r = log_error_errno(errno, "%s: cannot write: %m", path);

		(void)unlink(temporary);
		return r;
	}
	return 0;
}

int64_t tenant_ids_find(const struct tenant_ids *ids, const char *name)
{
	uint32_t index;

	if (!ids->by_name)
		return -ENOENT;
	index = *name_slot(ids, name);
	return index ? (int64_t)ids->entries[index - 1].id : -ENOENT;
}

const struct tenant_id_entry *tenant_ids_entry(const struct tenant_ids *ids, const char *name)
{
	uint32_t index;

	if (!ids->by_name)
		return NULL;
	index = *name_slot(ids, name);
	return index ? &ids->entries[index - 1] : NULL;
}

const char *tenant_ids_name(const struct tenant_ids *ids, uint32_t id)
{
	if (!ids->by_id || id > TENANT_ID_MAX || !ids->by_id[id])
		return NULL;
	return ids->entries[ids->by_id[id] - 1].name;
}

int64_t tenant_ids_assign(struct tenant_ids *ids, const char *name)
{
	int64_t existing = tenant_ids_find(ids, name);
	int r;

	if (existing >= 0)
		return existing;
	r = ensure_index(ids);
	if (r)
		return r;
	/* Lowest free id, scanning on from the last one handed out. */
	for (uint32_t id = ids->lowest_free ? ids->lowest_free : 1; id <= TENANT_ID_MAX; id++) {
		if (ids->by_id[id])
			continue;
		r = add_entry(ids, name, id);
		if (r)
			return r;
		ids->lowest_free = id + 1;
		return id;
	}
	ids->lowest_free = TENANT_ID_MAX + 1;
	return -ENOSPC;
}

void tenant_ids_release(struct tenant_ids *ids, const char *name)
{
	uint32_t index;

	if (!ids->by_name || !(index = *name_slot(ids, name)))
		return;
	if (!ids->lowest_free || ids->entries[index - 1].id < ids->lowest_free)
		ids->lowest_free = ids->entries[index - 1].id;
	ids->entries[index - 1] = ids->entries[--ids->count];
	rebuild_index(ids);
}

void tenant_ids_free(struct tenant_ids *ids)
{
	free(ids->entries);
	free(ids->by_id);
	free(ids->by_name);
	memset(ids, 0, sizeof(*ids));
}
