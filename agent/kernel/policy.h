/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Turns a validated configuration into the contents of the policy maps and
 * writes them: new and changed entries first, stale ones last, so a change
 * never opens a window in which less is enforced than before or after. */
#ifndef TENANTD_POLICY_H
#define TENANTD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kernel/tenant_ids.h"

struct tenantd_bpf;

/* Assigns ids to new tenants (persisting them in STATE_DIRECTORY first),
 * then writes the policy maps. Tenants that have an id but no config are
 * tombstoned. CGROUP_MOUNT is the cgroup2 mount point. WARN_MISSING logs
 * each configured cgroup that does not exist yet (start and reload do; the
 * refresh after a cgroup change would only repeat it).
 *
 * APPLIED is the configuration the maps hold, when the agent knows it (the
 * last apply succeeded); then only the tenants that changed are written,
 * and the networks and exceptions they dropped deleted, without walking
 * those maps. With APPLIED == CONFIG (a refresh after cgroups came or
 * went) every tenant's cgroups are resolved again and the cgroup map is
 * swept; otherwise only changed tenants' cgroups are. NULL writes every
 * entry and sweeps every map: at start, and after a failed apply left the
 * maps between two policies. */
struct policy_changes {
	size_t tenants_written; /* new, or changed since APPLIED */
	size_t networks_written;
	size_t networks_deleted; /* counted only when comparing with APPLIED */
	size_t exceptions_deleted;
};

int policy_apply(struct tenantd_bpf *skeleton, const struct config *config,
		 const struct config *applied, struct tenant_ids *ids,
		 const char *state_directory, const char *cgroup_mount, bool warn_missing,
		 struct policy_changes *changes);

/* The digest (config_digest()) of the configuration the maps hold, or 0
 * when they hold none completely. */
uint64_t policy_applied_digest(struct tenantd_bpf *skeleton);

/* Drops everything the kernel keeps for tenant ID, which must no longer be
 * configured: its counters, violations, record and cgroup entries; then
 * frees the id (persisting the table), so it may be handed out again. */
int policy_purge(struct tenantd_bpf *skeleton, struct tenant_ids *ids, const char *name,
		 const char *state_directory);

#endif /* TENANTD_POLICY_H */
