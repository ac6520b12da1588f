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

/* Where a policy is written, and the ids it is written with. */
struct policy_target {
	struct tenantd_bpf *skeleton;
	struct tenant_ids *ids;
	const char *state_directory; /* where new ids are persisted */
	const char *cgroup_mount; /* the cgroup2 mount point */
};

/* What the maps hold when an apply begins, which decides how much of them
 * it writes and how it finds what to delete. */
enum policy_maps {
	/* Made anew by this start: every entry written, nothing to sweep. */
	POLICY_MAPS_EMPTY,
	/* Not known (pins of another configuration, or an apply that failed
	 * part-way): every entry written, every map swept. */
	POLICY_MAPS_UNKNOWN,
	/* The configuration PREVIOUS: only the tenants that changed are
	 * written, and what they dropped deleted, without walking the maps. */
	POLICY_MAPS_PREVIOUS,
	/* This very configuration (a restart, or tenant cgroups that came or
	 * went): every tenant's cgroups resolved again, the cgroup map swept. */
	POLICY_MAPS_CURRENT,
};

struct policy_basis {
	enum policy_maps maps;
	const struct config *previous; /* with POLICY_MAPS_PREVIOUS */
	/* Logs each configured cgroup that does not exist yet: start and
	 * reload do; the refresh after a cgroup change would only repeat it. */
	bool warn_missing_cgroups;
};

struct policy_changes {
	size_t tenants_written; /* new, or changed since what the maps held */
	size_t networks_written;
	size_t networks_deleted; /* counted only with POLICY_MAPS_PREVIOUS */
	size_t exceptions_deleted;
};

/* Assigns ids to new tenants (persisting them first), then writes CONFIG
 * into the policy maps, from what BASIS says they hold. Tenants that have
 * an id but no configuration are tombstoned. */
int policy_apply(const struct policy_target *target, const struct config *config,
		 const struct policy_basis *basis, struct policy_changes *changes);

/* TENANT's CGROUP_PATH has just appeared: maps its id to TENANT, at once,
 * without the rest of an apply (nothing when it is mapped already). */
int policy_tag_cgroup(const struct policy_target *target, const char *tenant,
		      const char *cgroup_path);

/* The digest (config_digest()) of the configuration the maps hold, or 0
 * when they hold none completely. */
uint64_t policy_applied_digest(struct tenantd_bpf *skeleton);

/* Drops everything the kernel keeps for tenant ID, which must no longer be
 * configured: its counters, violations, record and cgroup entries; then
 * frees the id (persisting the table), so it may be handed out again. */
int policy_purge(struct tenantd_bpf *skeleton, struct tenant_ids *ids, const char *name,
		 const char *state_directory);

#endif /* TENANTD_POLICY_H */
