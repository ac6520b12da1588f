/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Follows the tenant cgroups that come and go while tenantd runs: systemd
 * creates slices lazily and removes them when empty. inotify reports it;
 * the agent then re-applies the policy from the configuration it holds. */
#ifndef TENANTD_CGROUP_WATCH_H
#define TENANTD_CGROUP_WATCH_H

#include <stdbool.h>

struct config;
struct cgroup_watch;

int cgroup_watch_open(struct cgroup_watch **out);
void cgroup_watch_close(struct cgroup_watch *watch);
int cgroup_watch_fd(const struct cgroup_watch *watch);
/* Watches the parent of every tenant cgroup of CONFIG (for its creation and
 * removal) or, when that does not exist, its nearest existing ancestor. */
int cgroup_watch_update(struct cgroup_watch *watch, const char *cgroup_mount,
			const struct config *config);
/* Reads the pending events; true when a tenant cgroup, or a cgroup on the
 * way to one, appeared or went. */
bool cgroup_watch_drain(struct cgroup_watch *watch);

#endif /* TENANTD_CGROUP_WATCH_H */
