/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cgroup ids to paths for events and the preexisting-connection scan,
 * without privilege: the kernel's id of a cgroup is its directory's inode
 * number, so a walk of the cgroup file system finds it. Every directory a
 * walk passes is remembered, so one walk answers many lookups. */
#ifndef TENANTD_CGROUP_PATHS_H
#define TENANTD_CGROUP_PATHS_H

#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"

struct cgroup_paths;

/* MOUNT is the cgroup2 mount point, ROOT (relative to it) the subtree
 * every cgroup asked about lies in: where the programs attach. */
int cgroup_paths_new(const char *mount, const char *root, struct cgroup_paths **out);
void cgroup_paths_free(struct cgroup_paths *paths);
DEFINE_POINTER_CLEANUP(struct cgroup_paths *, cgroup_paths_free);
/* The path of cgroup ID relative to the mount ("/a/b"). The subtree at
 * HINT (relative, or NULL), where the cgroup most likely is, is walked
 * before the whole of ROOT. -ENOENT when no cgroup there has that id. */
int cgroup_paths_find(struct cgroup_paths *paths, uint64_t id, const char *hint, char *out,
		      size_t size);

#endif /* TENANTD_CGROUP_PATHS_H */
