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
/* Tenant cgroups came or went: applies the configuration held again, at
 * once, or at the end of the pause that follows the previous refresh. */
void agent_cgroups_changed(struct agent *agent);
/* Milliseconds until a pending refresh is due, or -1 when none is. */
int agent_cgroups_timeout(const struct agent *agent);
/* Runs the pending refresh once it is due. */
void agent_cgroups_tick(struct agent *agent);

#endif /* TENANTD_RELOAD_H */
