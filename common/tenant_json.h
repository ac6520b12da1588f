/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tenant's settings as JSON, in the shape the API returns and PUT takes:
 * shared by the agent's reports and tenantctl apply. */
#ifndef TENANTD_TENANT_JSON_H
#define TENANTD_TENANT_JSON_H

#include <stdbool.h>

#include <json-c/json.h>

#include "cleanup.h"

struct tenant_config;

/* json-c objects held by a scope are released with it. */
DEFINE_POINTER_CLEANUP(struct json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Adds kind, mode, cgroups, networks and allow_to to OBJECT. NAME_PEERS
 * says whether exceptions name their target tenant. */
void tenant_settings_to_json(struct json_object *object, const struct tenant_config *tenant,
			     bool name_peers);

#endif /* TENANTD_TENANT_JSON_H */
