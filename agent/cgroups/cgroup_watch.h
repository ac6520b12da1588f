/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Follows the tenant cgroups that come and go while tenantd runs: systemd
 * creates slices lazily and removes them when empty. inotify reports it: a
 * tenant cgroup that appears is reported at once, to be tagged, and every
 * change makes the agent re-apply the policy it holds, to sweep. */
#ifndef TENANTD_CGROUP_WATCH_H
#define TENANTD_CGROUP_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"

struct config;
struct cgroup_watch;

/* TENANT's CGROUP (relative to the cgroup2 mount) exists now. */
typedef void (*cgroup_appeared_fn)(void *context, const char *tenant, const char *cgroup);

int cgroup_watch_open(const char *cgroup_mount, struct cgroup_watch **out);
void cgroup_watch_close(struct cgroup_watch *watch);
DEFINE_POINTER_CLEANUP(struct cgroup_watch *, cgroup_watch_close);
int cgroup_watch_fd(const struct cgroup_watch *watch);
/* Watches every existing directory on the way to each tenant cgroup of
 * CONFIG, for its creation and removal, and calls APPEARED (unless NULL)
 * for each tenant cgroup that exists. When CONFIG has the cgroups followed
 * already, and no event was lost, does nothing unless FORCE. */
int cgroup_watch_update(struct cgroup_watch *watch, const struct config *config,
			cgroup_appeared_fn appeared, void *context, bool force);
/* Reads the pending events, and calls APPEARED for each tenant cgroup they
 * made appear; true when a tenant cgroup, or a cgroup on the way to one,
 * appeared or went. */
bool cgroup_watch_drain(struct cgroup_watch *watch, cgroup_appeared_fn appeared, void *context);
/* How many of TENANT's cgroups do not exist now, as the events tell. */
size_t cgroup_watch_missing(const struct cgroup_watch *watch, const char *tenant);

#endif /* TENANTD_CGROUP_WATCH_H */
