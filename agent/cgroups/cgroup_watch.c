// SPDX-License-Identifier: LGPL-2.1-or-later
/* inotify on the cgroup2 file system. mkdir and rmdir of cgroups go through
 * the VFS and raise IN_CREATE and IN_DELETE on the parent directory (kernfs
 * keeps a removed directory's link count, so IN_DELETE_SELF never comes);
 * each tenant cgroup is therefore followed through every existing
 * directory on its way, and in each only the entry that leads on counts:
 * other cgroups coming and going beside it (a busy slice, a delegated
 * subtree) cost a look and nothing more. A watch added after its entry was
 * made would wait for an event that already happened, so each directory is
 * looked at again once watched, and the watches follow the path down as
 * its cgroups appear. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroup_watch.h"
#include "cleanup.h"
#include "config.h"
#include "log.h"

#define WATCH_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR)
/* A cgroup path's levels below the mount: the programs look no deeper
 * than 31 (docs/configuration.md). */
#define LEVELS_MAX 32

/* A tenant cgroup followed: the directories watched on its way, level by
 * level from the mount (level L waits for the path's component L), and
 * whether it exists as far as the events tell. */
struct cgroup_level {
	uint16_t offset, length; /* of the path's component at this level */
	int descriptor; /* of the watch on the directory holding it */
};

struct watched_cgroup {
	char *tenant;
	char *path; /* relative to the cgroup2 mount */
	struct cgroup_level *levels; /* one for each component */
	uint8_t components;
	uint8_t watched; /* levels with a watch: 0..watched-1 */
	bool exists;
};

struct cgroup_watch {
	int fd;
	char *cgroup_mount;
	struct watched_cgroup *cgroups; /* sorted by path */
	size_t cgroup_count;
	uint32_t *by_tenant; /* indexes into cgroups, sorted by tenant */
	/* Events were lost (a full queue): the next update rebuilds. */
	bool lost_events;
};

static void cgroups_free(struct watched_cgroup *cgroups, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(cgroups[i].tenant);
		free(cgroups[i].path);
		free(cgroups[i].levels);
	}
	free(cgroups);
}

int cgroup_watch_open(const char *cgroup_mount, struct cgroup_watch **out)
{
	_cleanup_(cgroup_watch_closep) struct cgroup_watch *watch = calloc(1, sizeof(*watch));

	if (!watch)
		return -ENOMEM;
	watch->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (watch->fd < 0)
		return log_error_errno(errno, "cannot watch cgroups: inotify: %m");
	watch->cgroup_mount = strdup(cgroup_mount);
	if (!watch->cgroup_mount)
		return -ENOMEM;
	*out = TAKE_PTR(watch);
	return 0;
}

void cgroup_watch_close(struct cgroup_watch *watch)
{
	if (!watch)
		return;
	if (watch->fd >= 0)
		close(watch->fd);
	cgroups_free(watch->cgroups, watch->cgroup_count);
	free(watch->by_tenant);
	free(watch->cgroup_mount);
	free(watch);
}

int cgroup_watch_fd(const struct cgroup_watch *watch)
{
	return watch->fd;
}

/* Splits CGROUP's path into its components; -ENAMETOOLONG past the levels
 * kept or a name's length. */
static int split_components(struct watched_cgroup *cgroup)
{
	const char *path = cgroup->path;
	struct cgroup_level *shrunk;
	size_t offset = 0;

	cgroup->levels = calloc(LEVELS_MAX, sizeof(*cgroup->levels));
	if (!cgroup->levels)
		return -ENOMEM;
	cgroup->components = 0;
	while (path[offset]) {
		size_t length;

		while (path[offset] == '/')
			offset++;
		length = strcspn(path + offset, "/");
		if (!length)
			break;
		if (cgroup->components == LEVELS_MAX || length > NAME_MAX)
			return -ENAMETOOLONG;
		cgroup->levels[cgroup->components].offset = (uint16_t)offset;
		cgroup->levels[cgroup->components].length = (uint16_t)length;
		cgroup->components++;
		offset += length;
	}
	/* Kept as long as it needs to be: most paths have two or three. */
	shrunk = realloc(cgroup->levels, (cgroup->components + 1) * sizeof(*cgroup->levels));
	if (shrunk)
		cgroup->levels = shrunk;
	return 0;
}

/* Where CGROUP's first LEVEL components end in its path. */
static size_t prefix_length(const struct watched_cgroup *cgroup, size_t level)
{
	return level ? cgroup->levels[level - 1].offset + cgroup->levels[level - 1].length : 0;
}

/* The directory of level LEVEL: the mount, and CGROUP's first LEVEL
 * components. */
static void directory_of(const struct cgroup_watch *watch, const struct watched_cgroup *cgroup,
			 size_t level, char *out, size_t size)
{
	snprintf(out, size, "%s%.*s", watch->cgroup_mount, (int)prefix_length(cgroup, level),
		 cgroup->path);
}

static bool directory_exists(const char *path)
{
	struct stat status;

	return stat(path, &status) == 0 && S_ISDIR(status.st_mode);
}

/* Whether PREVIOUS watched the directory of LEVEL, the same as CGROUP's:
 * the paths agree on every component before it. */
static bool shares_levels(const struct watched_cgroup *cgroup, const struct watched_cgroup *previous,
			  size_t level)
{
	size_t end;

	if (!previous || level >= previous->watched || level > cgroup->components ||
	    level > previous->components)
		return false;
	end = prefix_length(cgroup, level);
	return prefix_length(previous, level) == end && !strncmp(cgroup->path, previous->path, end);
}

/* Watches CGROUP's directories from level FROM down, each for the entry
 * that leads on, as far as they exist: a directory made or removed at any
 * depth is then an event in its parent. Each directory is watched before
 * its entry is looked for, so an entry made meanwhile is either found or
 * reported. PREVIOUS, the cgroup before it in path order, lends the
 * watches of the directories they share. Returns 1 when the cgroup
 * exists, 0 when a watch waits for it, or a negative errno. */
static int watch_from(struct cgroup_watch *watch, struct watched_cgroup *cgroup, size_t from,
		      const struct watched_cgroup *previous)
{
	char directory[2 * PATH_MAX];

	cgroup->watched = (uint8_t)from;
	for (size_t level = from; level < cgroup->components; level++) {
		int descriptor;

		directory_of(watch, cgroup, level, directory, sizeof(directory));
		descriptor = shares_levels(cgroup, previous, level) ?
				     previous->levels[level].descriptor :
				     inotify_add_watch(watch->fd, directory, WATCH_EVENTS);
		if (descriptor < 0)
			return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
		cgroup->levels[level].descriptor = descriptor;
		cgroup->watched = (uint8_t)(level + 1);
		/* The previous path's walk went on past this one's next level. */
		if (shares_levels(cgroup, previous, level + 1))
			continue;
		directory_of(watch, cgroup, level + 1, directory, sizeof(directory));
		if (!directory_exists(directory))
			return 0;
	}
	return 1;
}

static int compare_cgroup_paths(const void *a, const void *b)
{
	return strcmp(((const struct watched_cgroup *)a)->path,
		      ((const struct watched_cgroup *)b)->path);
}

/* CONFIG's tenant cgroups, sorted by path, in *OUT. */
static int cgroups_of(const struct config *config, struct watched_cgroup **out, size_t *count)
{
	size_t total = 0, used = 0;
	struct watched_cgroup *cgroups;

	for (size_t t = 0; t < config->tenant_count; t++)
		total += config->tenants[t].cgroup_count;
	cgroups = calloc(total + 1, sizeof(*cgroups));
	if (!cgroups)
		return -ENOMEM;
	for (size_t t = 0; t < config->tenant_count; t++) {
		const struct tenant_config *tenant = &config->tenants[t];

		for (size_t c = 0; c < tenant->cgroup_count; c++, used++) {
			int r = -ENOMEM;

			cgroups[used].tenant = strdup(tenant->name);
			cgroups[used].path = strdup(tenant->cgroups[c].path);
			if (cgroups[used].tenant && cgroups[used].path)
				r = split_components(&cgroups[used]);
			if (r) {
				cgroups_free(cgroups, used + 1);
				return log_error_errno(r, "tenant %s: cannot follow cgroup %s: %m",
						       tenant->name, tenant->cgroups[c].path);
			}
		}
	}
	qsort(cgroups, used, sizeof(*cgroups), compare_cgroup_paths);
	*out = cgroups;
	*count = used;
	return 0;
}

static bool same_cgroups(const struct watched_cgroup *a, size_t a_count,
			 const struct watched_cgroup *b, size_t b_count)
{
	if (a_count != b_count)
		return false;
	for (size_t i = 0; i < a_count; i++)
		if (strcmp(a[i].path, b[i].path) || strcmp(a[i].tenant, b[i].tenant))
			return false;
	return true;
}

static int compare_by_tenant(const void *a, const void *b, void *cgroups_pointer)
{
	const struct watched_cgroup *cgroups = cgroups_pointer;

	return strcmp(cgroups[*(const uint32_t *)a].tenant, cgroups[*(const uint32_t *)b].tenant);
}

static int index_by_tenant(struct cgroup_watch *watch)
{
	free(watch->by_tenant);
	watch->by_tenant = calloc(watch->cgroup_count + 1, sizeof(*watch->by_tenant));
	if (!watch->by_tenant)
		return -ENOMEM;
	for (uint32_t i = 0; i < watch->cgroup_count; i++)
		watch->by_tenant[i] = i;
	qsort_r(watch->by_tenant, watch->cgroup_count, sizeof(*watch->by_tenant),
		compare_by_tenant, watch->cgroups);
	return 0;
}

/* Every watch removed, and every cgroup watched anew. */
static void rebuild(struct cgroup_watch *watch, struct watched_cgroup *old, size_t old_count,
		    cgroup_appeared_fn appeared, void *context)
{
	/* A directory watched for several cgroups is removed once; the others
	 * fail harmlessly with EINVAL. */
	for (size_t i = 0; i < old_count; i++)
		for (size_t level = 0; level < old[i].watched; level++)
			inotify_rm_watch(watch->fd, old[i].levels[level].descriptor);
	watch->lost_events = false;
	for (size_t i = 0; i < watch->cgroup_count; i++) {
		struct watched_cgroup *cgroup = &watch->cgroups[i];
		int r = watch_from(watch, cgroup, 0, i ? &watch->cgroups[i - 1] : NULL);

		cgroup->exists = r > 0;
		if (r < 0)
			log_warning_errno(r, "tenant %s: cannot watch cgroup %s for changes: %m",
					  cgroup->tenant, cgroup->path);
		else if (r > 0 && appeared)
			appeared(context, cgroup->tenant, cgroup->path);
	}
}

int cgroup_watch_update(struct cgroup_watch *watch, const struct config *config,
			cgroup_appeared_fn appeared, void *context, bool force)
{
	struct watched_cgroup *cgroups = NULL, *old = watch->cgroups;
	size_t count = 0, old_count = watch->cgroup_count;
	int r = cgroups_of(config, &cgroups, &count);

	if (r)
		return r;
	/* The same cgroups, followed all along: nothing to do. */
	if (!force && !watch->lost_events && same_cgroups(cgroups, count, old, old_count)) {
		cgroups_free(cgroups, count);
		return 0;
	}
	watch->cgroups = cgroups;
	watch->cgroup_count = count;
	rebuild(watch, old, old_count, appeared, context);
	cgroups_free(old, old_count);
	return index_by_tenant(watch);
}

/* Whether EVENT is about CGROUP's component at LEVEL, in the directory
 * watched for it. */
static bool event_at(const struct watched_cgroup *cgroup, size_t level,
		     const struct inotify_event *event)
{
	size_t length = cgroup->levels[level].length;

	return cgroup->levels[level].descriptor == event->wd && strlen(event->name) == length &&
	       !memcmp(cgroup->path + cgroup->levels[level].offset, event->name, length);
}

/* An entry on the way to tenant cgroups was made or removed: on removal
 * they are gone, and the watches below it with them; on creation the
 * watches follow it down, and the cgroups found are reported. True when
 * the event was on the way to any. */
static bool follow(struct cgroup_watch *watch, const struct inotify_event *event,
		   cgroup_appeared_fn appeared, void *context)
{
	const struct watched_cgroup *previous = NULL;
	bool relevant = false;

	for (size_t i = 0; i < watch->cgroup_count; i++) {
		struct watched_cgroup *cgroup = &watch->cgroups[i];
		size_t level;

		for (level = 0; level < cgroup->watched && !event_at(cgroup, level, event); level++)
			;
		if (level == cgroup->watched)
			continue;
		relevant = true;
		if (!(event->mask & (IN_CREATE | IN_MOVED_TO))) {
			cgroup->watched = (uint8_t)(level + 1);
			cgroup->exists = false;
			continue;
		}
		cgroup->exists = watch_from(watch, cgroup, level + 1, previous) > 0;
		previous = cgroup;
		if (cgroup->exists && appeared)
			appeared(context, cgroup->tenant, cgroup->path);
	}
	return relevant;
}

bool cgroup_watch_drain(struct cgroup_watch *watch, cgroup_appeared_fn appeared, void *context)
{
	char buffer[16 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t length;

	while ((length = read(watch->fd, buffer, sizeof(buffer))) > 0) {
		for (char *p = buffer; p < buffer + length;) {
			const struct inotify_event *event = (const struct inotify_event *)p;

			p += sizeof(*event) + event->len;
			/* Events were lost while the agent was busy: anything may
			 * have changed; the re-apply resolves everything, and the
			 * watches are built again. */
			if (event->mask & IN_Q_OVERFLOW) {
				watch->lost_events = true;
				changed = true;
				continue;
			}
			if ((event->mask & (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM)) &&
			    event->len)
				changed |= follow(watch, event, appeared, context);
		}
	}
	return changed;
}

size_t cgroup_watch_missing(const struct cgroup_watch *watch, const char *tenant)
{
	size_t low = 0, high, missing = 0;

	if (!watch || !watch->by_tenant)
		return 0;
	/* The first of TENANT's cgroups in tenant order. */
	high = watch->cgroup_count;
	while (low < high) {
		size_t middle = low + (high - low) / 2;

		if (strcmp(watch->cgroups[watch->by_tenant[middle]].tenant, tenant) < 0)
			low = middle + 1;
		else
			high = middle;
	}
	for (; low < watch->cgroup_count &&
	       !strcmp(watch->cgroups[watch->by_tenant[low]].tenant, tenant);
	     low++)
		missing += !watch->cgroups[watch->by_tenant[low]].exists;
	return missing;
}
