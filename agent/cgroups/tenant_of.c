// SPDX-License-Identifier: LGPL-2.1-or-later
/* Resolves processes to tenants in userspace the way tag.bpf.h does in the
 * kernel: walk the cgroup's ancestors, the first one in cgroup_tenant wins. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent.h"
#include "cgroups/cgroup2.h"
#include "cgroups/tenant_of.h"
#include "cleanup.h"
#include "tenantd.skel.h"

uint32_t tenant_of_cgroup_path(const struct agent *agent, const char *path)
{
	int map_fd = bpf_map__fd(agent->programs.skeleton->maps.tenantd_cgroup_tenant);
	char walk[PATH_MAX];

	snprintf(walk, sizeof(walk), "%s", path);
	for (;;) {
		uint64_t cgroup_id;
		uint32_t owner;
		char *slash;

		if (cgroup_id_of(agent->cgroup_mount, walk[0] ? walk : "/", &cgroup_id) == 0 &&
		    bpf_map_lookup_elem(map_fd, &cgroup_id, &owner) == 0)
			return owner;
		slash = strrchr(walk, '/');
		if (!slash || !walk[0])
			return TENANT_ID_HOST;
		*slash = '\0';
	}
}

int tenant_of_process(const struct agent *agent, pid_t pid, uint32_t *tenant_id,
		      char *cgroup_path, size_t size)
{
	_cleanup_fclose_ FILE *file = NULL;
	_cleanup_free_ char *line = NULL;
	char path[64];
	size_t capacity = 0;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	file = fopen(path, "re");
	if (!file)
		return -ESRCH;
	/* cgroup v2's line is "0::/path" (on hybrid hosts among v1 lines). */
	while (getline(&line, &capacity, file) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(cgroup_path, size, "%s", line + 3);
		*tenant_id = tenant_of_cgroup_path(agent, line + 3);
		return 0;
	}
	return -ESRCH;
}
