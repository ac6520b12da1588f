// SPDX-License-Identifier: LGPL-2.1-or-later
/* Loads a configuration directory: tenantd.conf, then every drop-in of
 * tenants.d in name order, then the checks across files. A reload takes
 * each drop-in whose file identity is unchanged from the configuration it
 * replaces instead of reading it again. Also the configuration's memory:
 * its strings and arrays, and where its errors point. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cleanup.h"
#include "config.h"
#include "config_internal.h"

void set_error(char *error, const struct source_line *where, const char *key,
	       const char *format, ...)
{
	va_list args;
	int used;

	if (error[0])
		return;
	if (key)
		used = snprintf(error, CONFIG_ERROR_MAX, "%s:%d: %s: ", where->file, where->line, key);
	else
		used = snprintf(error, CONFIG_ERROR_MAX, "%s:%d: ", where->file, where->line);
	if (used < 0 || used >= CONFIG_ERROR_MAX)
		return;
	va_start(args, format);
	vsnprintf(error + used, CONFIG_ERROR_MAX - (size_t)used, format, args);
	va_end(args);
}

/* Grows `*array` by one zeroed element and returns it, or NULL. The
 * capacity is the next power of two at or above the count, so appending n
 * values costs O(n) copies, not O(n^2). */
void *config_append(void *array_pointer, size_t *count, size_t element_size)
{
	void **array = array_pointer;
	char *grown = *array;

	if (*count == 0 || (*count >= 4 && !(*count & (*count - 1)))) {
		grown = realloc(*array, (*count ? 2 * *count : 4) * element_size);
		if (!grown)
			return NULL;
		*array = grown;
	}
	memset(grown + *count * element_size, 0, element_size);
	return grown + (*count)++ * element_size;
}

/* A copy of TEXT that lives as long as CONFIG. */
const char *config_keep_string(struct config *config, const char *text)
{
	char **grown = realloc(config->strings, (config->string_count + 1) * sizeof(*grown));
	char *copy = strdup(text);

	if (!grown || !copy) {
		free(copy);
		if (grown)
			config->strings = grown;
		return NULL;
	}
	config->strings = grown;
	config->strings[config->string_count++] = copy;
	return copy;
}

/* inih calls its handler for keys only, so section headers are checked
 * here, as lines go by: an unknown section is refused even when empty. */
void config_file_identity_from(const struct stat *status_pointer, struct file_identity *identity)
{
	const struct stat status = *status_pointer;

	*identity = (struct file_identity){
		.device = status.st_dev,
		.inode = status.st_ino,
		.size = (uint64_t)status.st_size,
		.modified_seconds = status.st_mtim.tv_sec,
		.modified_nanoseconds = status.st_mtim.tv_nsec,
		.read_seconds = time(NULL),
	};
}

int config_file_identity_of(int fd, struct file_identity *identity)
{
	struct stat status;

	if (fstat(fd, &status))
		return -errno;
	config_file_identity_from(&status, identity);
	return 0;
}

/* File systems stamp modifications with a coarse clock: a file written
 * again within the same tick as the stamp read keeps its stamp. A file
 * stamped less than RACY_SECONDS before it was read is therefore read
 * again, as git does with its index. */
#define RACY_SECONDS 2

static bool same_file(const struct file_identity *now, const struct file_identity *then)
{
	return now->device == then->device && now->inode == then->inode &&
	       now->size == then->size && now->modified_seconds == then->modified_seconds &&
	       now->modified_nanoseconds == then->modified_nanoseconds &&
	       then->modified_seconds + RACY_SECONDS <= then->read_seconds;
}

/* Appends a copy of FROM, a tenant of another configuration, with its
 * strings copied into CONFIG. */
static int copy_tenant(struct config *config, const struct config *previous,
		       const struct tenant_config *from)
{
	struct tenant_config *tenant;
	const char *file = config_keep_string(config, from->where.file);

	tenant = file ? config_append(&config->tenants, &config->tenant_count, sizeof(*tenant)) : NULL;
	if (!tenant)
		return -ENOMEM;
	*tenant = *from;
	tenant->copied_from = (uint32_t)(from - previous->tenants) + 1;
	tenant->where.file = file;
	tenant->cgroups = NULL;
	tenant->networks = NULL;
	tenant->exceptions = NULL;
	tenant->bind_ports = NULL;
	tenant->bind_ports = malloc((from->bind_port_count + 1) * sizeof(*tenant->bind_ports));
	if (!tenant->bind_ports)
		return -ENOMEM;
	if (from->bind_port_count)
		memcpy(tenant->bind_ports, from->bind_ports,
		       from->bind_port_count * sizeof(*from->bind_ports));
	for (size_t i = 0; i < from->bind_port_count; i++)
		tenant->bind_ports[i].where.file = file;
	tenant->cgroups = calloc(from->cgroup_count + 1, sizeof(*tenant->cgroups));
	tenant->networks = malloc((from->network_count + 1) * sizeof(*tenant->networks));
	tenant->exceptions = malloc((from->exception_count + 1) * sizeof(*tenant->exceptions));
	if (!tenant->cgroups || !tenant->networks || !tenant->exceptions)
		return -ENOMEM;
	if (from->network_count)
		memcpy(tenant->networks, from->networks,
		       from->network_count * sizeof(*from->networks));
	if (from->exception_count)
		memcpy(tenant->exceptions, from->exceptions,
		       from->exception_count * sizeof(*from->exceptions));
	for (size_t i = 0; i < from->exception_count; i++)
		tenant->exceptions[i].where.file = file;
	for (size_t i = 0; i < from->cgroup_count; i++) {
		tenant->cgroups[i].where = (struct source_line){ file, from->cgroups[i].where.line };
		tenant->cgroups[i].path = config_keep_string(config, from->cgroups[i].path);
		if (!tenant->cgroups[i].path)
			return -ENOMEM;
	}
	return 0;
}

static int compare_tenant_files(const void *a, const void *b)
{
	return strcmp((*(const struct tenant_config *const *)a)->where.file,
		      (*(const struct tenant_config *const *)b)->where.file);
}

static int compare_path_to_tenant_file(const void *path, const void *tenant)
{
	return strcmp(path, (*(const struct tenant_config *const *)tenant)->where.file);
}

/* PREVIOUS's tenants by drop-in path, for a reload's lookups. */
struct previous_files {
	const struct tenant_config **by_file;
	size_t count;
};

static void previous_files_free(struct previous_files *files)
{
	free(files->by_file);
}

static int previous_files_index(const struct config *previous, struct previous_files *files)
{
	*files = (struct previous_files){};
	if (!previous || !previous->tenant_count)
		return 0;
	files->by_file = calloc(previous->tenant_count, sizeof(*files->by_file));
	if (!files->by_file)
		return -ENOMEM;
	for (size_t i = 0; i < previous->tenant_count; i++)
		files->by_file[i] = &previous->tenants[i];
	files->count = previous->tenant_count;
	qsort(files->by_file, files->count, sizeof(*files->by_file), compare_tenant_files);
	return 0;
}

/* The tenant PREVIOUS read from PATH, if the file is still the same. */
static const struct tenant_config *unchanged_tenant(const struct previous_files *files,
						   const char *path)
{
	const struct tenant_config *const *found;
	struct file_identity now;
	struct stat status;

	if (!files->count)
		return NULL;
	found = bsearch(path, files->by_file, files->count, sizeof(*files->by_file),
			compare_path_to_tenant_file);
	if (!found || stat(path, &status))
		return NULL;
	config_file_identity_from(&status, &now);
	return same_file(&now, &(*found)->file) ? *found : NULL;
}

static int conf_file_filter(const struct dirent *entry)
{
	size_t length = strlen(entry->d_name);

	return entry->d_name[0] != '.' && length > 5 &&
	       !strcmp(entry->d_name + length - 5, ".conf");
}

static int load_tenant_directory(const char *directory, const struct config *previous,
				 struct config *config, char *error)
{
	_cleanup_(previous_files_free) struct previous_files files = {};
	struct dirent **entries = NULL;
	int count, r;

	r = previous_files_index(previous, &files);
	if (r)
		return r;

	count = scandir(directory, &entries, conf_file_filter, alphasort);
	if (count < 0) {
		struct source_line where = { .file = directory, .line = 0 };

		r = -errno;
		if (r == -ENOENT)
			return 0;
		set_error(error, &where, NULL, "cannot read directory: %s", strerror(-r));
		return r;
	}
	for (int i = 0; i < count; i++) {
		char path[PATH_MAX], stem[NAME_MAX + 1];

		if (r == 0) {
			snprintf(path, sizeof(path), "%s/%s", directory, entries[i]->d_name);
			snprintf(stem, sizeof(stem), "%.*s", (int)strlen(entries[i]->d_name) - 5,
				 entries[i]->d_name);
			const struct tenant_config *unchanged = unchanged_tenant(&files, path);

			r = unchanged ? copy_tenant(config, previous, unchanged) :
					config_parse_tenant_file(path, stem, config, error);
		}
		free(entries[i]);
	}
	free(entries);
	return r;
}

int config_load(const char *directory, const char *cgroup_root_override,
		struct config *out, char error[CONFIG_ERROR_MAX])
{
	return config_load_since(directory, cgroup_root_override, NULL, out, error);
}

int config_load_since(const char *directory, const char *cgroup_root_override,
		      const struct config *previous, struct config *out,
		      char error[CONFIG_ERROR_MAX])
{
	struct config config = {
		.agent = {
			.cgroup_root = "/",
			.host_policy = HOST_POLICY_ALLOW,
			.event_rate = DEFAULT_EVENT_RATE,
			.tenant_mark_mask = DEFAULT_TENANT_MARK_MASK,
			.posture_scan_seconds = DEFAULT_POSTURE_SCAN_SECONDS,
			.max_cgroups = CGROUP_MAX_ENTRIES,
			.max_networks = NETWORK_MAX_ENTRIES,
			.admin_group = "tenantd",
		},
	};
	char path[PATH_MAX];
	const char *reason = NULL;
	int r;

	error[0] = '\0';
	snprintf(path, sizeof(path), "%s/tenantd.conf", directory);
	r = config_parse_agent_file(path, &config, error);
	if (r == 0 && cgroup_root_override && strcmp(cgroup_root_override, "/") &&
	    cgroup_path_normalize(cgroup_root_override, config.agent.cgroup_root,
				  sizeof(config.agent.cgroup_root), &reason)) {
		snprintf(error, CONFIG_ERROR_MAX, "--cgroup-root: '%s' %s", cgroup_root_override,
			 reason);
		r = -EINVAL;
	} else if (r == 0 && cgroup_root_override && !strcmp(cgroup_root_override, "/")) {
		strcpy(config.agent.cgroup_root, "/");
	}
	if (r == 0) {
		snprintf(path, sizeof(path), "%s/tenants.d", directory);
		r = load_tenant_directory(path, previous, &config, error);
	}
	if (r == 0)
		r = config_check(&config, previous, error);
	if (r) {
		config_free(&config);
		return r;
	}
	*out = config;
	return 0;
}

int config_load_map_sizes(const char *directory, unsigned int *max_cgroups,
			  unsigned int *max_networks, char error[CONFIG_ERROR_MAX])
{
	struct config config = {
		.agent = { .max_cgroups = CGROUP_MAX_ENTRIES, .max_networks = NETWORK_MAX_ENTRIES },
	};
	char path[PATH_MAX];
	int r;

	error[0] = '\0';
	snprintf(path, sizeof(path), "%s/tenantd.conf", directory);
	r = config_parse_agent_file(path, &config, error);
	*max_cgroups = config.agent.max_cgroups;
	*max_networks = config.agent.max_networks;
	config_free(&config);
	return r;
}

int config_load_tenant_file(const char *path, struct config *out,
			    char error[CONFIG_ERROR_MAX])
{
	struct config config = {};
	const char *base = strrchr(path, '/');
	char stem[NAME_MAX + 1];
	size_t length;
	int r;

	error[0] = '\0';
	base = base ? base + 1 : path;
	length = strlen(base);
	if (length > 5 && !strcmp(base + length - 5, ".conf"))
		length -= 5;
	snprintf(stem, sizeof(stem), "%.*s", (int)length, base);
	r = config_parse_tenant_file(path, stem, &config, error);
	if (r == 0)
		r = config_index_tenants(&config, error);
	if (r) {
		config_free(&config);
		return r;
	}
	*out = config;
	return 0;
}

void config_free(struct config *config)
{
	for (size_t i = 0; i < config->tenant_count; i++) {
		free(config->tenants[i].cgroups);
		free(config->tenants[i].networks);
		free(config->tenants[i].exceptions);
		free(config->tenants[i].bind_ports);
	}
	free(config->tenants);
	free(config->agent.host_ports);
	free(config->agent.container_ranges);
	free(config->by_name);
	free(config->network_order);
	for (size_t i = 0; i < config->string_count; i++)
		free(config->strings[i]);
	free(config->strings);
	memset(config, 0, sizeof(*config));
}

static int compare_name_to_tenant(const void *name, const void *entry)
{
	return strcmp(name, (*(const struct tenant_config *const *)entry)->name);
}

const struct tenant_config *config_find_tenant(const struct config *config, const char *name)
{
	const struct tenant_config *const *found;

	/* Only a config that was never loaded lacks the index. */
	if (!config->by_name) {
		for (size_t i = 0; i < config->tenant_count; i++)
			if (!strcmp(config->tenants[i].name, name))
				return &config->tenants[i];
		return NULL;
	}
	found = bsearch(name, config->by_name, config->tenant_count, sizeof(*config->by_name),
			compare_name_to_tenant);
	return found ? *found : NULL;
}
