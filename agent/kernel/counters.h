/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the kernel's per-CPU counters into plain totals. */
#ifndef TENANTD_COUNTERS_H
#define TENANTD_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "tenantd_abi.h"

struct violation_total {
	struct violation_key key;
	uint64_t count;
};

/* Sums tenant ID's per-CPU counters; -ENOENT when it has none. */
int counters_read_tenant(int map_fd, uint32_t id, struct tenant_counters *total);
/* Every (tenant, peer, reason, action) with its count, in key order. */
int counters_read_violations(int map_fd, struct violation_total **out, size_t *count);

#endif /* TENANTD_COUNTERS_H */
