/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding the cgroup2 mount (hybrid hosts mount it away from /sys/fs/cgroup)
 * and turning cgroup paths into the ids the kernel's programs see. */
#ifndef TENANTD_CGROUP2_H
#define TENANTD_CGROUP2_H

#include <stddef.h>
#include <stdint.h>

/* Reads /proc/self/mountinfo; -ENOENT when no cgroup2 is mounted. */
int cgroup2_mount_find(char *out, size_t size);
/* The cgroup id of MOUNT/PATH (its kernfs inode number). */
int cgroup_id_of(const char *mount, const char *path, uint64_t *id);

struct tenant_config;
/* How many of TENANT's cgroups do not exist below MOUNT now: systemd makes
 * a slice when a unit starts in it and removes it once empty. */
size_t cgroups_missing(const char *mount, const struct tenant_config *tenant);

#endif /* TENANTD_CGROUP2_H */
