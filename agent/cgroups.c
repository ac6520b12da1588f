// SPDX-License-Identifier: LGPL-2.1-or-later
/* cgroup v2 discovery. On cgroup2 the inode number of a cgroup's directory
 * is its 64-bit kernfs id, the same value bpf_get_current_cgroup_id()
 * returns, so stat() is all it takes to map a path to an id. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "cgroups.h"
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

int cgroup_id_of(const char *mount, const char *path, uint64_t *id)
{
	char full[PATH_MAX];
	struct statfs filesystem;
	struct stat status;

	if (snprintf(full, sizeof(full), "%s%s", mount, strcmp(path, "/") ? path : "") >=
	    (int)sizeof(full))
		return -ENAMETOOLONG;
	if (statfs(full, &filesystem))
		return -errno;
	if (filesystem.f_type != CGROUP2_SUPER_MAGIC)
		return -ENOTDIR;
	if (stat(full, &status))
		return -errno;
	*id = status.st_ino;
	return 0;
}
