// SPDX-License-Identifier: LGPL-2.1-or-later
/* The walk is nftw(3) over the cgroup2 mount, which needs only read access
 * to the directories; the kernel's own way from an id to a path
 * (open_by_handle_at) would need CAP_DAC_READ_SEARCH for the agent's whole
 * life. Remembered paths live in a tsearch(3) tree; a cgroup removed and
 * created again gets a new id, so an entry is never wrong, only stale, and
 * the tree is emptied when it holds more than PATHS_MAX of them. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <search.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroups/cgroup_paths.h"

#define PATHS_MAX 65536
/* Directory handles nftw may keep open at once. */
#define WALK_DESCRIPTORS 32

struct cgroup_path {
	uint64_t id;
	char path[]; /* relative to the mount */
};

struct cgroup_paths {
	char *mount;
	size_t mount_length;
	char *root; /* relative: where the programs attach, below which events come */
	void *tree;
	size_t count;
};

static int compare_ids(const void *a, const void *b)
{
	uint64_t x = ((const struct cgroup_path *)a)->id, y = ((const struct cgroup_path *)b)->id;

	return (x > y) - (x < y);
}

int cgroup_paths_new(const char *mount, const char *root, struct cgroup_paths **out)
{
	_cleanup_(cgroup_paths_freep) struct cgroup_paths *paths = calloc(1, sizeof(*paths));

	if (!paths)
		return -ENOMEM;
	paths->mount = strdup(mount);
	paths->root = strdup(root);
	if (!paths->mount || !paths->root)
		return -ENOMEM;
	paths->mount_length = strlen(mount);
	*out = TAKE_PTR(paths);
	return 0;
}

void cgroup_paths_free(struct cgroup_paths *paths)
{
	if (!paths)
		return;
	tdestroy(paths->tree, free);
	free(paths->mount);
	free(paths->root);
	free(paths);
}

static const char *remembered(const struct cgroup_paths *paths, uint64_t id)
{
	struct cgroup_path key = { .id = id };
	struct cgroup_path *const *found = tfind(&key, &paths->tree, compare_ids);

	return found ? (*found)->path : NULL;
}

static void remember(struct cgroup_paths *paths, uint64_t id, const char *path)
{
	struct cgroup_path *entry, *const *slot;

	if (remembered(paths, id))
		return;
	if (paths->count >= PATHS_MAX) {
		tdestroy(paths->tree, free);
		paths->tree = NULL;
		paths->count = 0;
	}
	entry = malloc(sizeof(*entry) + strlen(path) + 1);
	if (!entry)
		return;
	entry->id = id;
	strcpy(entry->path, path);
	slot = tsearch(entry, &paths->tree, compare_ids);
	if (!slot || *slot != entry)
		free(entry);
	else
		paths->count++;
}

/* nftw passes no context: the walk in progress, one at a time (the agent
 * has one thread). */
static struct {
	struct cgroup_paths *paths;
	uint64_t wanted;
	bool found;
} walk;

static int visit(const char *path, const struct stat *status, int type, struct FTW *position)
{
	const char *relative;

	if (type != FTW_D)
		return FTW_CONTINUE;
	relative = path + walk.paths->mount_length;
	remember(walk.paths, status->st_ino, *relative ? relative : "/");
	if (status->st_ino == walk.wanted) {
		walk.found = true;
		return FTW_STOP;
	}
	return FTW_CONTINUE;
}

static bool walk_for(struct cgroup_paths *paths, uint64_t id, const char *subtree)
{
	char root[PATH_MAX];

	if (snprintf(root, sizeof(root), "%s%s", paths->mount,
		     subtree && strcmp(subtree, "/") ? subtree : "") >= (int)sizeof(root))
		return false;
	walk.paths = paths;
	walk.wanted = id;
	walk.found = false;
	(void)nftw(root, visit, WALK_DESCRIPTORS, FTW_PHYS | FTW_ACTIONRETVAL);
	return walk.found;
}

int cgroup_paths_find(struct cgroup_paths *paths, uint64_t id, const char *hint, char *out,
		      size_t size)
{
	const char *path = remembered(paths, id);

	if (!path && id && ((hint && walk_for(paths, id, hint)) || walk_for(paths, id, paths->root)))
		path = remembered(paths, id);
	if (!path)
		return -ENOENT;
	snprintf(out, size, "%s", path);
	return 0;
}
