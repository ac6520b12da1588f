// SPDX-License-Identifier: LGPL-2.1-or-later
/* inotify on the cgroup2 file system. mkdir and rmdir of cgroups go through
 * the VFS and raise IN_CREATE and IN_DELETE on the parent directory (kernfs
 * keeps a removed directory's link count, so IN_DELETE_SELF never comes);
 * each tenant cgroup is therefore followed through its parent, or its
 * nearest existing ancestor, and only the entry of that directory that
 * leads to it counts: other cgroups coming and going beside it (a busy
 * slice, a delegated subtree) cost a read and nothing more. Watches are
 * re-armed from scratch on every update: there are few of them. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroups/cgroup_watch.h"
#include "cleanup.h"
#include "config.h"
#include "log.h"

#define WATCH_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR)

/* A watched directory and the name in it that leads to a tenant cgroup.
 * One directory may lead to several, and is then listed once for each. */
struct watch_entry {
	int descriptor;
	char name[NAME_MAX + 1];
};

struct cgroup_watch {
	int fd;
	struct watch_entry *entries;
	size_t count;
};

int cgroup_watch_open(struct cgroup_watch **out)
{
	_cleanup_free_ struct cgroup_watch *watch = calloc(1, sizeof(*watch));

	if (!watch)
		return -ENOMEM;
	watch->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (watch->fd < 0)
		return log_error_errno(errno, "cannot watch cgroups: inotify: %m");
	*out = TAKE_PTR(watch);
	return 0;
}

void cgroup_watch_close(struct cgroup_watch *watch)
{
	if (!watch)
		return;
	close(watch->fd);
	free(watch->entries);
	free(watch);
}

int cgroup_watch_fd(const struct cgroup_watch *watch)
{
	return watch->fd;
}

/* Watches DIRECTORY for the comings and goings of its entry NAME. */
static int add_watch(struct cgroup_watch *watch, const char *directory, const char *name)
{
	int descriptor = inotify_add_watch(watch->fd, directory, WATCH_EVENTS);
	struct watch_entry *grown;

	if (descriptor < 0)
		return -errno;
	grown = realloc(watch->entries, (watch->count + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	watch->entries = grown;
	grown[watch->count].descriptor = descriptor;
	snprintf(grown[watch->count].name, sizeof(grown->name), "%s", name);
	watch->count++;
	return 0;
}

/* The cgroup's parent if it exists, else its nearest existing ancestor,
 * watched for the entry on the way to the cgroup. */
static int watch_parent(struct cgroup_watch *watch, const char *cgroup_mount, const char *path)
{
	char full[2 * PATH_MAX];
	char *slash;
	int r;

	snprintf(full, sizeof(full), "%s%s", cgroup_mount, path);
	for (;;) {
		slash = strrchr(full, '/');
		if (!slash || (size_t)(slash - full) < strlen(cgroup_mount))
			return -ENOENT;
		*slash = '\0';
		if (!full[0])
			return -ENOENT;
		r = add_watch(watch, full, slash + 1);
		if (r != -ENOENT && r != -ENOTDIR)
			return r;
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

int cgroup_watch_update(struct cgroup_watch *watch, const char *cgroup_mount,
			const struct config *config)
{
	/* A directory listed several times is removed once; the others fail
	 * harmlessly with EINVAL. */
	for (size_t i = 0; i < watch->count; i++)
		inotify_rm_watch(watch->fd, watch->entries[i].descriptor);
	watch->count = 0;
	for (size_t t = 0; t < config->tenant_count; t++) {
		const struct tenant_config *tenant = &config->tenants[t];

		for (size_t c = 0; c < tenant->cgroup_count; c++) {
			int r = watch_parent(watch, cgroup_mount, tenant->cgroups[c].path);

			if (r)
				log_warning_errno(r, "tenant %s: cannot watch cgroup %s for changes: %m",
						  tenant->name, tenant->cgroups[c].path);
		}
	}
	return 0;
}

bool cgroup_watch_drain(struct cgroup_watch *watch)
{
	char buffer[16 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t length;

	while ((length = read(watch->fd, buffer, sizeof(buffer))) > 0) {
		for (char *p = buffer; p < buffer + length;) {
			const struct inotify_event *event = (const struct inotify_event *)p;

			/* Removed watches report IN_IGNORED: nothing changed. */
			if ((event->mask & (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM)) &&
			    leads_to_a_tenant_cgroup(watch, event))
				changed = true;
			p += sizeof(*event) + event->len;
		}
	}
	return changed;
}
