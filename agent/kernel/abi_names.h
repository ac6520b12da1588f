/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The names tenantd prints for the kernel's numbers: violation reasons and
 * actions (include/tenantd_abi.h) and the capabilities posture reports.
 * They are labels of metrics and fields of events, part of the contract
 * with dashboards and alerts (docs/metrics.md). A leaf: it needs nothing
 * else of the agent. */
#ifndef TENANTD_ABI_NAMES_H
#define TENANTD_ABI_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

/* "local_socket", "denied"...; "unknown" for a number out of range. */
const char *violation_reason_name(unsigned int reason);
const char *violation_action_name(unsigned int action);
/* The quota label of a quota_* reason ("connect_rate"), else NULL. */
const char *violation_quota_name(unsigned int reason);

/* The capabilities reported, in the order they are shown. */
#define REPORTED_CAPABILITY_COUNT 10
/* "net_raw" for index I < REPORTED_CAPABILITY_COUNT. */
const char *capability_name(size_t index);
/* Whether the capability mask HELD (bit N: capability number N) holds the
 * capability of index I. */
bool capability_held(uint64_t held, size_t index);
/* The mask of every reported capability. */
uint64_t reported_capabilities(void);
/* The names of the reported capabilities HELD holds, as a JSON array, in
 * the order they are shown. */
struct json_object *capability_names_json(uint64_t held);

#endif /* TENANTD_ABI_NAMES_H */
