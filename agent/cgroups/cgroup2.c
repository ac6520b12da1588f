// SPDX-License-Identifier: LGPL-2.1-or-later
/* cgroup v2 discovery. On cgroup2 the inode number of a cgroup's directory
 * is its 64-bit kernfs id, the same value bpf_get_current_cgroup_id()
 * returns, so stat() is all it takes to map a path to an id. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "cgroups/cgroup2.h"
#include "cleanup.h"

int cgroup2_mount_find(char *out, size_t size)
{
	_cleanup_fclose_ FILE *mountinfo = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t capacity = 0;

	if (!mountinfo)
		return -errno;
	while (getline(&line, &capacity, mountinfo) > 0) {
		char mount_point[4096], type[64];
		const char *separator = strstr(line, " - ");

		/* mount-id parent-id major:minor root mount-point options ... - type */
		if (!separator || sscanf(line, "%*s %*s %*s %*s %4095s", mount_point) != 1 ||
		    sscanf(separator + 3, "%63s", type) != 1)
			continue;
		if (strcmp(type, "cgroup2"))
			continue;
		if (strlen(mount_point) >= size)
			return -ENAMETOOLONG;
		strcpy(out, mount_point);
		return 0;
	}
	return -ENOENT;
}

/* The device of the cgroup2 file system at MOUNT, checked once: a path
 * under it on the same device is a cgroup, so each cgroup then costs one
 * stat(), which matters when ten thousand are resolved at start. */
static int cgroup2_device(const char *mount, dev_t *device)
{
	static char cached_mount[PATH_MAX];
	static dev_t cached_device;
	struct statfs filesystem;
	struct stat status;

	if (cached_mount[0] && !strcmp(cached_mount, mount)) {
		*device = cached_device;
		return 0;
	}
	if (statfs(mount, &filesystem) || stat(mount, &status))
		return -errno;
	if (filesystem.f_type != CGROUP2_SUPER_MAGIC)
		return -ENOTDIR;
	if (strlen(mount) < sizeof(cached_mount)) {
		strcpy(cached_mount, mount);
		cached_device = status.st_dev;
	}
	*device = status.st_dev;
	return 0;
}

int cgroup_id_of(const char *mount, const char *path, uint64_t *id)
{
	char full[PATH_MAX];
	struct stat status;
	dev_t device = 0;
	int r;

	if (snprintf(full, sizeof(full), "%s%s", mount, strcmp(path, "/") ? path : "") >=
	    (int)sizeof(full))
		return -ENAMETOOLONG;
	r = cgroup2_device(mount, &device);
	if (r)
		return r;
	if (stat(full, &status))
		return -errno;
	if (status.st_dev != device)
		return -ENOTDIR;
	*id = status.st_ino;
	return 0;
}
