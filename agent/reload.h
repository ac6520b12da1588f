/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the running agent does to its policy after start-up: a reload asked
 * for by SIGHUP or the API, and a refresh when tenant cgroups come or go. */
#ifndef TENANTD_RELOAD_H
#define TENANTD_RELOAD_H

#include <stddef.h>

struct agent;

/* Re-reads the configuration and applies it whole, or not at all; on
 * refusal ERROR says why ("file:line: key: reason"). */
int agent_reload(struct agent *agent, char *error, size_t size);
/* Watches the tenant cgroups, before the policy is written at start, and
 * starts the clock of their periodic resolution. */
int agent_cgroups_watch(struct agent *agent);
/* A cgroup_appeared_fn: tags TENANT's CGROUP at once. CONTEXT: the agent. */
void agent_cgroup_appeared(void *context, const char *tenant, const char *cgroup);
/* Tenant cgroups came or went: applies the configuration held again, at
 * once, or at the end of the pause that follows the previous refresh. */
void agent_cgroups_changed(struct agent *agent);
/* Milliseconds until a pending refresh, or the periodic resolution, is due. */
int agent_cgroups_timeout(const struct agent *agent);
/* Runs the pending refresh, or the periodic resolution, once it is due. */
void agent_cgroups_tick(struct agent *agent);

#endif /* TENANTD_RELOAD_H */
