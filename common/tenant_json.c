// SPDX-License-Identifier: LGPL-2.1-or-later
/* One rendering of a tenant's settings, so that what GET shows, what PUT
 * takes and what tenantctl apply sends cannot drift apart. */
#include <stdio.h>

#include <json-c/json.h>

#include "config.h"
#include "tenant_json.h"
#include "validate.h"

void tenant_settings_to_json(struct json_object *object, const struct tenant_config *tenant,
			     bool name_peers)
{
	struct json_object *list;
	char network[64];

	json_object_object_add(object, "kind",
			       json_object_new_string(tenant_kind_name(tenant->kind)));
	json_object_object_add(object, "mode",
			       json_object_new_string(tenant_mode_name(tenant->mode)));
	list = json_object_new_array();
	for (size_t i = 0; i < tenant->cgroup_count; i++)
		json_object_array_add(list, json_object_new_string(tenant->cgroups[i].path));
	json_object_object_add(object, "cgroups", list);
	list = json_object_new_array();
	if (tenant->auto_networks)
		json_object_array_add(list, json_object_new_string("auto"));
	for (size_t i = 0; i < tenant->network_count; i++) {
		network_format(&tenant->networks[i].network, network, sizeof(network));
		json_object_array_add(list, json_object_new_string(network));
	}
	json_object_object_add(object, "networks", list);
	if (tenant->max_container_addresses_set)
		json_object_object_add(object, "max_container_addresses",
				       json_object_new_int64(tenant->max_container_addresses));
	list = json_object_new_array();
	for (size_t i = 0; i < tenant->exception_count; i++) {
		const struct tenant_exception *exception = &tenant->exceptions[i];
		struct json_object *item = json_object_new_object();

		if (name_peers)
			json_object_object_add(item, "tenant", json_object_new_string(exception->peer));
		if (exception->target.protocol == EXCEPTION_PROTOCOL_UNIX) {
			json_object_object_add(item, "protocol", json_object_new_string("unix"));
		} else {
			json_object_object_add(item, "port",
					       json_object_new_int(exception->target.port));
			json_object_object_add(item, "protocol",
					       json_object_new_string(
						       protocol_name(exception->target.protocol)));
		}
		json_object_array_add(list, item);
	}
	json_object_object_add(object, "allow_to", list);
	if (tenant->bind_port_count) {
		list = json_object_new_array();
		for (size_t i = 0; i < tenant->bind_port_count; i++) {
			char port[16];

			snprintf(port, sizeof(port), "%u/%s", tenant->bind_ports[i].port.port,
				 protocol_name(tenant->bind_ports[i].port.protocol));
			json_object_array_add(list, json_object_new_string(port));
		}
		json_object_object_add(object, "bind_ports", list);
	}
	if (tenant->egress_rate) {
		char rate[32];

		egress_rate_format(tenant->egress_rate, rate, sizeof(rate));
		json_object_object_add(object, "egress_rate", json_object_new_string(rate));
	}
	if (tenant->quota_loopback)
		json_object_object_add(object, "quota_loopback", json_object_new_boolean(true));
	if (tenant->connect_rate) {
		char rate[32];

		connect_rate_format(tenant, rate, sizeof(rate));
		json_object_object_add(object, "connect_rate", json_object_new_string(rate));
	}
	if (tenant->connect_burst)
		json_object_object_add(object, "connect_burst",
				       json_object_new_int64(tenant->connect_burst));
	if (tenant->quota_mode_set)
		json_object_object_add(object, "quota_mode",
				       json_object_new_string(quota_mode_name(tenant->quota_mode)));
}
