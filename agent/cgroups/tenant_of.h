/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which tenant a process belongs to, answered from the same cgroup map the
 * kernel's programs use, so the API and enforcement never disagree. */
#ifndef TENANTD_TENANT_OF_H
#define TENANTD_TENANT_OF_H

#include <stdint.h>
#include <sys/types.h>

struct agent;

/* The tenant of the cgroup at PATH (relative to the cgroup2 mount): the
 * deepest of its ancestors-or-self that a tenant owns; TENANT_ID_HOST if none. */
uint32_t tenant_of_cgroup_path(const struct agent *agent, const char *path);
/* The tenant of process PID, from its cgroup v2 path in /proc; -ESRCH when
 * there is no such process. */
int tenant_of_process(const struct agent *agent, pid_t pid, uint32_t *tenant_id,
		      char *cgroup_path, size_t size);

#endif /* TENANTD_TENANT_OF_H */
