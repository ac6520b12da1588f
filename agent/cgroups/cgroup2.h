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

#endif /* TENANTD_CGROUP2_H */
