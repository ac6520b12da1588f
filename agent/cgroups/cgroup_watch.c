// SPDX-License-Identifier: LGPL-2.1-or-later
/* inotify on the cgroup2 file system. mkdir and rmdir of cgroups go through
 * the VFS and raise IN_CREATE and IN_DELETE on the parent directory (kernfs
 * keeps a removed directory's link count, so IN_DELETE_SELF never comes);
 * each tenant cgroup is therefore followed through every existing
 * directory on its way, and in each only the entry that leads on counts:
 * other cgroups coming and going beside it (a busy slice, a delegated
 * subtree) cost a read and nothing more. A watch added after its entry was
 * made would wait for an event that already happened, so each directory is
 * looked at again once watched, and the watches follow the path down as
 * its cgroups appear. */
#include <errno.h>
#include <limits.h>
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

/* A watched directory, the name in it that leads to a tenant cgroup, and
 * that cgroup with its tenant. One directory may lead to several, and is
 * then listed once for each. */
struct watch_entry {
	int descriptor;
	char name[NAME_MAX + 1];
	char *tenant;
	char *cgroup; /* relative to the cgroup2 mount */
};

struct cgroup_watch {
	int fd;
	char *cgroup_mount;
	struct watch_entry *entries;
	size_t count;
};

static void entries_clear(struct cgroup_watch *watch)
{
	for (size_t i = 0; i < watch->count; i++) {
		free(watch->entries[i].tenant);
		free(watch->entries[i].cgroup);
	}
	watch->count = 0;
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
	entries_clear(watch);
	free(watch->entries);
	free(watch->cgroup_mount);
	free(watch);
}

int cgroup_watch_fd(const struct cgroup_watch *watch)
{
	return watch->fd;
}

/* Watches DIRECTORY for the comings and goings of its entry NAME, on the
 * way to TENANT's CGROUP. */
static int add_watch(struct cgroup_watch *watch, const char *directory, const char *name,
		     const char *tenant, const char *cgroup, bool once)
{
	int descriptor = inotify_add_watch(watch->fd, directory, WATCH_EVENTS);
	struct watch_entry *grown, *entry;

	if (descriptor < 0)
		return -errno;
	/* A directory watched again keeps its descriptor: following a
	 * creation lists it once. (A full update starts from none.) */
	for (size_t i = 0; once && i < watch->count; i++)
		if (watch->entries[i].descriptor == descriptor &&
		    !strcmp(watch->entries[i].name, name) && !strcmp(watch->entries[i].cgroup, cgroup))
			return 0;
	grown = realloc(watch->entries, (watch->count + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	watch->entries = grown;
	entry = &grown[watch->count];
	*entry = (struct watch_entry){ .descriptor = descriptor };
	snprintf(entry->name, sizeof(entry->name), "%s", name);
	entry->tenant = strdup(tenant);
	entry->cgroup = strdup(cgroup);
	if (!entry->tenant || !entry->cgroup) {
		free(entry->tenant);
		free(entry->cgroup);
		return -ENOMEM;
	}
	watch->count++;
	return 0;
}

static bool directory_exists(const char *path)
{
	struct stat status;

	return stat(path, &status) == 0 && S_ISDIR(status.st_mode);
}

/* Watches every existing directory on the way to TENANT's CGROUP, from the
 * cgroup2 mount down, each for the entry that leads on: a directory made,
 * or removed, at any depth is then an event in its parent, which a watch
 * on the removed directory itself would not give (kernfs does not drop
 * it). Each directory is watched before its entry is looked for, so an
 * entry made meanwhile is either found or reported. Returns 1 when the
 * cgroup itself exists, 0 when a watch waits for it, or a negative errno. */
static int watch_cgroup(struct cgroup_watch *watch, const char *tenant, const char *cgroup,
			bool once)
{
	char directory[2 * PATH_MAX], name[NAME_MAX + 1];
	const char *rest = cgroup;
	int r;

	snprintf(directory, sizeof(directory), "%s", watch->cgroup_mount);
	while (*rest == '/')
		rest++;
	while (*rest) {
		size_t length = strcspn(rest, "/");

		if (length > NAME_MAX)
			return -ENAMETOOLONG;
		snprintf(name, sizeof(name), "%.*s", (int)length, rest);
		r = add_watch(watch, directory, name, tenant, cgroup, once);
		if (r == -ENOENT || r == -ENOTDIR)
			return 0; /* removed under the walk: its parent's event comes */
		if (r)
			return r;
		if (strlen(directory) + 1 + length >= sizeof(directory))
			return -ENAMETOOLONG;
		strcat(directory, "/");
		strcat(directory, name);
		if (!directory_exists(directory))
			return 0;
		rest += length;
		while (*rest == '/')
			rest++;
	}
	return 1;
}

int cgroup_watch_update(struct cgroup_watch *watch, const struct config *config,
			cgroup_appeared_fn appeared, void *context)
{
	/* A directory listed several times is removed once; the others fail
	 * harmlessly with EINVAL. */
	for (size_t i = 0; i < watch->count; i++)
		inotify_rm_watch(watch->fd, watch->entries[i].descriptor);
	entries_clear(watch);
	for (size_t t = 0; t < config->tenant_count; t++) {
		const struct tenant_config *tenant = &config->tenants[t];

		for (size_t c = 0; c < tenant->cgroup_count; c++) {
			int r = watch_cgroup(watch, tenant->name, tenant->cgroups[c].path, false);

			if (r < 0)
				log_warning_errno(r, "tenant %s: cannot watch cgroup %s for changes: %m",
						  tenant->name, tenant->cgroups[c].path);
			else if (r > 0 && appeared)
				appeared(context, tenant->name, tenant->cgroups[c].path);
		}
	}
	return 0;
}

/* An entry on the way to a tenant cgroup was made: the watch follows it
 * down, and reports the cgroup if it is there. */
static void follow_creation(struct cgroup_watch *watch, const struct inotify_event *event,
			    cgroup_appeared_fn appeared, void *context)
{
	size_t count = watch->count;

	/* Entries added while following are looked at by the next event. */
	for (size_t i = 0; i < count; i++) {
		char tenant[NAME_MAX + 1], cgroup[PATH_MAX];

		if (watch->entries[i].descriptor != event->wd ||
		    strcmp(watch->entries[i].name, event->name))
			continue;
		snprintf(tenant, sizeof(tenant), "%s", watch->entries[i].tenant);
		snprintf(cgroup, sizeof(cgroup), "%s", watch->entries[i].cgroup);
		if (watch_cgroup(watch, tenant, cgroup, true) > 0 && appeared)
			appeared(context, tenant, cgroup);
	}
}

static bool leads_to_a_tenant_cgroup(const struct cgroup_watch *watch,
				     const struct inotify_event *event)
{
	if (!event->len)
		return false;
	for (size_t i = 0; i < watch->count; i++)
		if (watch->entries[i].descriptor == event->wd &&
		    !strcmp(watch->entries[i].name, event->name))
			return true;
	return false;
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
			 * have changed, and the re-apply resolves everything. */
			if (event->mask & IN_Q_OVERFLOW) {
				changed = true;
				continue;
			}
			if (!(event->mask & (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM)) ||
			    !leads_to_a_tenant_cgroup(watch, event))
				continue;
			changed = true;
			if (event->mask & (IN_CREATE | IN_MOVED_TO))
				follow_creation(watch, event, appeared, context);
		}
	}
	return changed;
}
