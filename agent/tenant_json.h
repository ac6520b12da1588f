/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tenant's settings as JSON, in the shape the API returns and PUT takes:
 * shared by the agent's reports and tenantctl apply. */
#ifndef TENANTD_TENANT_JSON_H
#define TENANTD_TENANT_JSON_H

#include <stdbool.h>

struct json_object;
struct tenant_config;

/* Adds kind, mode, cgroups, networks and allow_to to OBJECT. NAME_PEERS
 * says whether exceptions name their target tenant. */
void tenant_settings_to_json(struct json_object *object, const struct tenant_config *tenant,
			     bool name_peers);

#endif /* TENANTD_TENANT_JSON_H */
