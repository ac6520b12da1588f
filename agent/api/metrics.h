/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prometheus text exposition (format 0.0.4) of a counters snapshot. Pure:
 * the snapshot is taken elsewhere, so rendering is unit-testable. */
#ifndef TENANTD_METRICS_H
#define TENANTD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tenantd_abi.h"

struct metrics_tenant {
	const char *name;
	const char *kind; /* NULL for an off-boarded tenant: no tenant_info */
	const char *mode;
	struct tenant_counters counters;
	/* ConnectRate= in connections a second, 0 when not set, and the burst. */
	double connect_rate;
	uint64_t connect_burst;
	uint64_t egress_rate; /* EgressRate= in bits a second, 0 when not set */
	uint64_t cgroups_missing; /* configured, not found now */
	/* Network=auto, at the last scan: addresses held, claims refused. */
	bool auto_networks;
	uint64_t container_addresses, container_claims_refused;
};

/* One (tenant, capability) with processes holding it; CAPABILITY NULL
 * stands for packet sockets. */
/* A posture row: processes holding CAPABILITY, or with none, a packet
 * socket (or a netlink one, NETLINK). */
struct metrics_privileged {
	const char *tenant;
	const char *capability;
	uint64_t count;
	bool netlink;
};

struct metrics_violation {
	const char *tenant;
	const char *peer;
	const char *reason;
	const char *action;
	const char *quota; /* the quota a quota_* reason counts, else NULL */
	uint64_t count;
};

struct metrics_snapshot {
	const char *version;
	double start_time_seconds; /* the agent's start, since the Unix epoch */
	unsigned int programs_attached;
	unsigned int programs_adopted; /* from pins; 0 at a first start */
	const struct metrics_tenant *tenants;
	size_t tenant_count;
	const struct metrics_violation *violations;
	size_t violation_count;
	const struct metrics_privileged *privileged;
	size_t privileged_count;
};

/* Renders into a malloc'ed, NUL-terminated buffer. */
int metrics_render(const struct metrics_snapshot *snapshot, char **text, size_t *length);

#endif /* TENANTD_METRICS_H */
