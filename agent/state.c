// SPDX-License-Identifier: LGPL-2.1-or-later
/* The id table on disk is one "NAME ID" line per tenant; it is small, read
 * once at start and rewritten whole whenever an id is assigned or freed. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "log.h"
#include "state.h"
#include "tenantd_abi.h"

#define IDS_FILE "tenant-ids"

static int add_entry(struct tenant_ids *ids, const char *name, uint32_t id)
{
	struct tenant_id_entry *grown;

	grown = realloc(ids->entries, (ids->count + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	ids->entries = grown;
	snprintf(grown[ids->count].name, sizeof(grown[ids->count].name), "%s", name);
	grown[ids->count].id = id;
	ids->count++;
	return 0;
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
	if (fd < 0) {
		log_error("%s: cannot create: %s", temporary, strerror(errno));
		return -errno;
	}
	file = fdopen(fd, "w");
	if (!file) {
		close(fd);
		unlink(temporary);
		return -ENOMEM;
	}
	fchmod(fd, 0644);
	for (size_t i = 0; i < ids->count; i++)
		fprintf(file, "%s %" PRIu32 "\n", ids->entries[i].name, ids->entries[i].id);
	if (fflush(file) || fsync(fd) || rename(temporary, path)) {
		int r = -errno;

		log_error("%s: cannot write: %s", path, strerror(errno));
		unlink(temporary);
		return r;
	}
	return 0;
}

int64_t tenant_ids_find(const struct tenant_ids *ids, const char *name)
{
	for (size_t i = 0; i < ids->count; i++)
		if (!strcmp(ids->entries[i].name, name))
			return ids->entries[i].id;
	return -ENOENT;
}

const char *tenant_ids_name(const struct tenant_ids *ids, uint32_t id)
{
	for (size_t i = 0; i < ids->count; i++)
		if (ids->entries[i].id == id)
			return ids->entries[i].name;
	return NULL;
}

int64_t tenant_ids_assign(struct tenant_ids *ids, const char *name)
{
	_cleanup_free_ bool *taken = NULL;
	int64_t existing = tenant_ids_find(ids, name);
	int r;

	if (existing >= 0)
		return existing;
	taken = calloc(TENANT_ID_MAX + 1, sizeof(*taken));
	if (!taken)
		return -ENOMEM;
	for (size_t i = 0; i < ids->count; i++)
		taken[ids->entries[i].id] = true;
	for (uint32_t id = 1; id <= TENANT_ID_MAX; id++) {
		if (taken[id])
			continue;
		r = add_entry(ids, name, id);
		return r ? (int64_t)r : (int64_t)id;
	}
	return -ENOSPC;
}

void tenant_ids_release(struct tenant_ids *ids, const char *name)
{
	for (size_t i = 0; i < ids->count; i++) {
		if (strcmp(ids->entries[i].name, name))
			continue;
		ids->entries[i] = ids->entries[--ids->count];
		return;
	}
}

void tenant_ids_free(struct tenant_ids *ids)
{
	free(ids->entries);
	memset(ids, 0, sizeof(*ids));
}
