/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Turns a validated configuration into the contents of the policy maps and
 * writes them: new and changed entries first, stale ones last, so a change
 * never opens a window in which less is enforced than before or after. */
#ifndef TENANTD_POLICY_H
#define TENANTD_POLICY_H

#include <stdbool.h>

#include "config.h"
#include "tenant_ids.h"

struct tenantd_bpf;

/* Assigns ids to new tenants (persisting them in STATE_DIRECTORY first),
 * then writes every policy map. Tenants that have an id but no config are
 * tombstoned. CGROUP_MOUNT is the cgroup2 mount point. WARN_MISSING logs
 * each configured cgroup that does not exist yet (start and reload do; the
 * refresh after a cgroup change would only repeat it). */
int policy_apply(struct tenantd_bpf *skeleton, const struct config *config,
		 struct tenant_ids *ids, const char *state_directory,
		 const char *cgroup_mount, bool warn_missing);

/* Drops everything the kernel keeps for tenant ID, which must no longer be
 * configured: its counters, violations, record and cgroup entries; then
 * frees the id (persisting the table), so it may be handed out again. */
int policy_purge(struct tenantd_bpf *skeleton, struct tenant_ids *ids, const char *name,
		 const char *state_directory);

#endif /* TENANTD_POLICY_H */
