// SPDX-License-Identifier: LGPL-2.1-or-later
/* Snapshots the counters under their tenants' names, for the caller's view.
 * Every tenant that holds an id is reported, off-boarded ones included,
 * until it is purged. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "agent.h"
#include "api/events.h"
#include "api/metrics.h"
#include "api/report.h"
#include "cgroups/cgroup_paths.h"
#include "cgroups/cgroup_watch.h"
#include "cgroups/tenant_of.h"
#include "cleanup.h"
#include "kernel/abi_names.h"
#include "kernel/counters.h"
#include "scans/container_networks.h"
#include "scans/posture.h"
#include "tenant_json.h"
#include "tenantd.skel.h"
#include "validate.h"

static bool visible(const struct view *view, uint32_t tenant_id)
{
	return view->operator || view->tenant_id == tenant_id;
}

static int compare_tenant_id(const void *a, const void *b)
{
	const struct posture_process *left = a, *right = b;

	return (left->tenant_id > right->tenant_id) - (left->tenant_id < right->tenant_id);
}

/* The last posture scan, per tenant and capability, as metric rows: the
 * findings are grouped by tenant, then each group counted. */
static int posture_rows(const struct agent *agent, const struct view *view,
			struct metrics_privileged **out, size_t *count)
{
	const struct posture_process *found;
	_cleanup_free_ struct posture_process *by_tenant = NULL;
	struct metrics_privileged *rows;
	size_t found_count, used = 0;

	found = posture_processes(agent->posture, &found_count);
	by_tenant = malloc((found_count + 1) * sizeof(*by_tenant));
	rows = calloc(found_count * (REPORTED_CAPABILITY_COUNT + 2) + 1, sizeof(*rows));
	if (!by_tenant || !rows) {
		free(rows);
		return -ENOMEM;
	}
	if (found_count)
		memcpy(by_tenant, found, found_count * sizeof(*by_tenant));
	qsort(by_tenant, found_count, sizeof(*by_tenant), compare_tenant_id);
	for (size_t start = 0, end; start < found_count; start = end) {
		uint32_t tenant = by_tenant[start].tenant_id;
		uint64_t holders[REPORTED_CAPABILITY_COUNT] = { 0 }, packet_sockets = 0;
		uint64_t netlink_sockets = 0;

		for (end = start; end < found_count && by_tenant[end].tenant_id == tenant; end++) {
			for (size_t c = 0; c < REPORTED_CAPABILITY_COUNT; c++)
				if (capability_held(by_tenant[end].capabilities, c))
					holders[c]++;
			packet_sockets += by_tenant[end].packet_socket;
			netlink_sockets += by_tenant[end].netlink_socket;
		}
		if (!visible(view, tenant))
			continue;
		for (size_t c = 0; c < REPORTED_CAPABILITY_COUNT; c++)
			if (holders[c])
				rows[used++] = (struct metrics_privileged){
					.tenant = tenant_label(agent, tenant),
					.capability = capability_name(c), .count = holders[c],
				};
		if (packet_sockets)
			rows[used++] = (struct metrics_privileged){
				.tenant = tenant_label(agent, tenant), .count = packet_sockets,
			};
		if (netlink_sockets)
			rows[used++] = (struct metrics_privileged){
				.tenant = tenant_label(agent, tenant), .count = netlink_sockets,
				.netlink = true,
			};
	}
	*out = rows;
	*count = used;
	return 0;
}

/* Each tenant VIEW may see with counters or a configuration, as metric
 * rows. */
static int tenant_rows(const struct agent *agent, const struct view *view,
		       struct metrics_tenant **out, size_t *count)
{
	int counters_fd = bpf_map__fd(agent->programs.skeleton->maps.tenantd_tenant_counters);
	struct metrics_tenant *rows = calloc(agent->ids.count + 1, sizeof(*rows));
	size_t used = 0;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < agent->ids.count; i++) {
		const struct tenant_id_entry *entry = &agent->ids.entries[i];
		const struct tenant_config *tenant = config_find_tenant(&agent->config, entry->name);
		struct metrics_tenant *row = &rows[used];

		if (!visible(view, entry->id))
			continue;
		row->name = entry->name;
		if (tenant) {
			row->kind = tenant_kind_name(tenant->kind);
			row->mode = tenant_mode_name(tenant->mode);
			if (tenant->connect_rate) {
				row->connect_rate = (double)tenant->connect_rate /
						    tenant->connect_rate_period;
				row->connect_burst = tenant_connect_burst(tenant);
			}
			row->egress_rate = tenant->egress_rate;
			row->cgroups_missing = cgroup_watch_missing(agent->cgroup_watch, tenant->name);
			row->auto_networks = tenant->auto_networks;
			container_networks_claims(agent->container_networks, entry->id,
						  &row->container_addresses,
						  &row->container_claims_refused);
		}
		if (counters_read_tenant(counters_fd, entry->id, &row->counters) == 0 || tenant)
			used++;
	}
	*out = rows;
	*count = used;
	return 0;
}

static int compare_violation_rows(const void *a, const void *b)
{
	const struct metrics_violation *left = a, *right = b;
	int order = strcmp(left->tenant, right->tenant);

	if (!order)
		order = strcmp(left->peer, right->peer);
	if (!order)
		order = strcmp(left->reason, right->reason);
	return order ? order : strcmp(left->action, right->action);
}

/* Every violation series VIEW may see. Peers it may not name read "other"
 * (and ids no tenant holds any more "unknown"): such series fold into one,
 * which sorting by the labels brings together. */
static int violation_rows(const struct agent *agent, const struct view *view,
			  struct metrics_violation **out, size_t *count)
{
	int violations_fd = bpf_map__fd(agent->programs.skeleton->maps.tenantd_violations);
	_cleanup_free_ struct violation_total *totals = NULL;
	struct metrics_violation *rows;
	size_t total_count = 0, used = 0;
	int r = counters_read_violations(violations_fd, &totals, &total_count);

	if (r)
		return r;
	rows = calloc(total_count + 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < total_count; i++) {
		const struct violation_key *key = &totals[i].key;

		if (!visible(view, key->tenant_id))
			continue;
		rows[used++] = (struct metrics_violation){
			.tenant = tenant_label(agent, key->tenant_id),
			.peer = peer_label_for(agent, view, key->peer_id),
			.reason = violation_reason_name(key->reason),
			.action = violation_action_name(key->action),
			.quota = violation_quota_name(key->reason),
			.count = totals[i].count,
		};
	}
	qsort(rows, used, sizeof(*rows), compare_violation_rows);
	*count = 0;
	for (size_t i = 0; i < used; i++) {
		if (*count && !compare_violation_rows(&rows[*count - 1], &rows[i]))
			rows[*count - 1].count += rows[i].count;
		else
			rows[(*count)++] = rows[i];
	}
	*out = rows;
	return 0;
}

int report_metrics(const struct agent *agent, const struct view *view, char **text,
		   size_t *length)
{
	_cleanup_free_ struct metrics_tenant *tenants = NULL;
	_cleanup_free_ struct metrics_violation *violations = NULL;
	_cleanup_free_ struct metrics_privileged *privileged = NULL;
	struct metrics_snapshot snapshot = {
		.version = TENANTD_VERSION,
		.start_time_seconds = agent->started_realtime.tv_sec +
				      agent->started_realtime.tv_nsec / 1e9,
		.programs_attached = agent->programs.attached,
		.programs_adopted = agent->programs.adopted,
	};
	int r;

	r = tenant_rows(agent, view, &tenants, &snapshot.tenant_count);
	if (r == 0)
		r = violation_rows(agent, view, &violations, &snapshot.violation_count);
	if (r == 0)
		r = posture_rows(agent, view, &privileged, &snapshot.privileged_count);
	if (r)
		return r;
	snapshot.tenants = tenants;
	snapshot.violations = violations;
	snapshot.privileged = privileged;
	return metrics_render(&snapshot, text, length);
}

/* Renders OWNED, and releases it. */
static int render_json(struct json_object *owned, char **text, size_t *length)
{
	_cleanup_json_ struct json_object *document = owned;

	if (!document)
		return -ENOMEM;
	*text = strdup(json_object_to_json_string_ext(document, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!*text)
		return -ENOMEM;
	*length = strlen(*text);
	return 0;
}

/* Tenant cgroups configured and not found now, over every tenant. */
static size_t all_cgroups_missing(const struct agent *agent)
{
	size_t missing = 0;

	for (size_t i = 0; i < agent->config.tenant_count; i++)
		missing += cgroup_watch_missing(agent->cgroup_watch, agent->config.tenants[i].name);
	return missing;
}

int report_status(const struct agent *agent, const struct view *view, char **text,
		  size_t *length)
{
	struct json_object *status = json_object_new_object(), *kernel, *programs;
	struct timespec now;
	struct utsname system;

	if (!status)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!view->operator) {
		/* A tenant learns the agent's version and its own name, no more. */
		json_object_object_add(status, "version", json_object_new_string(TENANTD_VERSION));
		json_object_object_add(status, "tenant",
				       json_object_new_string(tenant_label(agent, view->tenant_id)));
		return render_json(status, text, length);
	}
	uname(&system);
	kernel = json_object_new_object();
	json_object_object_add(kernel, "release", json_object_new_string(system.release));
	json_object_object_add(kernel, "btf",
			       json_object_new_boolean(access("/sys/kernel/btf/vmlinux", R_OK) == 0));
	json_object_object_add(kernel, "cgroup2_mount",
			       json_object_new_string(agent->cgroup_mount));
	{
		struct json_object *features = json_object_new_object();

		for (int f = 0; f < FEATURE_COUNT; f++)
			json_object_object_add(features, kernel_features_name(f),
					       json_object_new_boolean(agent->features[f]));
		json_object_object_add(kernel, "features", features);
	}
	programs = json_object_new_object();
	json_object_object_add(programs, "attached",
			       json_object_new_int((int)agent->programs.attached));
	json_object_object_add(programs, "adopted",
			       json_object_new_int((int)agent->programs.adopted));
	json_object_object_add(programs, "cgroup",
			       json_object_new_string(agent->cgroup_root_path));
	json_object_object_add(programs, "partial",
			       json_object_new_boolean(agent->disabled_programs != 0));
	json_object_object_add(programs, "pinned",
			       json_object_new_string(agent->programs.pin_directory));

	json_object_object_add(status, "version", json_object_new_string(TENANTD_VERSION));
	json_object_object_add(status, "uptime_seconds",
			       json_object_new_int64(now.tv_sec - agent->started.tv_sec));
	json_object_object_add(status, "kernel", kernel);
	json_object_object_add(status, "programs", programs);
	json_object_object_add(status, "tenants",
			       json_object_new_int((int)agent->config.tenant_count));
	json_object_object_add(status, "cgroups_missing",
			       json_object_new_int64((int64_t)all_cgroups_missing(agent)));
	return render_json(status, text, length);
}

static struct json_object *counters_json(const struct tenant_counters *counters)
{
	struct json_object *object = json_object_new_object();

	json_object_object_add(object, "tx_bytes", json_object_new_uint64(counters->tx_bytes));
	json_object_object_add(object, "rx_bytes", json_object_new_uint64(counters->rx_bytes));
	json_object_object_add(object, "tx_packets", json_object_new_uint64(counters->tx_packets));
	json_object_object_add(object, "rx_packets", json_object_new_uint64(counters->rx_packets));
	json_object_object_add(object, "connections",
			       json_object_new_uint64(counters->connections));
	json_object_object_add(object, "events_sampled_out",
			       json_object_new_uint64(counters->events_sampled_out));
	json_object_object_add(object, "egress_throttled_bytes",
			       json_object_new_uint64(counters->egress_throttled_bytes));
	return object;
}

/* The quotas in force, QuotaMode= resolved: what the tenant itself and
 * tenantctl show read; the settings above are what PUT takes back. */
static struct json_object *quotas_json(const struct tenant_config *tenant)
{
	struct json_object *object = json_object_new_object();
	char rate[32];

	json_object_object_add(object, "mode",
			       json_object_new_string(quota_mode_name(tenant_quota_mode(tenant))));
	if (tenant->egress_rate) {
		egress_rate_format(tenant->egress_rate, rate, sizeof(rate));
		json_object_object_add(object, "egress_rate", json_object_new_string(rate));
		json_object_object_add(object, "loopback",
				       json_object_new_boolean(tenant->quota_loopback));
	}
	if (tenant->connect_rate) {
		connect_rate_format(tenant, rate, sizeof(rate));
		json_object_object_add(object, "connect_rate", json_object_new_string(rate));
		json_object_object_add(object, "connect_burst",
				       json_object_new_int64(tenant_connect_burst(tenant)));
	}
	return object;
}

/* Network=auto at the last scan: what the tenant's containers hold, and the
 * claims refused (unprivileged namespaces, other tenants' addresses,
 * outside ContainerNetworks=, past MaxContainerAddresses=). */
static void container_claims_json(const struct agent *agent, struct json_object *object,
				  uint32_t tenant_id)
{
	uint64_t held, refused;

	container_networks_claims(agent->container_networks, tenant_id, &held, &refused);
	json_object_object_add(object, "container_addresses", json_object_new_int64((int64_t)held));
	json_object_object_add(object, "container_claims_refused",
			       json_object_new_int64((int64_t)refused));
}

static struct json_object *tenant_json(const struct agent *agent, const struct view *view,
				       const struct tenant_id_entry *entry,
				       const struct violation_total *totals, size_t total_count)
{
	const struct tenant_config *tenant = config_find_tenant(&agent->config, entry->name);
	struct json_object *object = json_object_new_object(), *list, *item;
	struct tenant_counters counters;

	json_object_object_add(object, "name", json_object_new_string(entry->name));
	json_object_object_add(object, "id", json_object_new_int((int)entry->id));
	json_object_object_add(object, "state",
			       json_object_new_string(tenant ? "active" : "tombstoned"));
	if (tenant) {
		tenant_settings_to_json(object, tenant, view->operator);
		json_object_object_add(object, "quotas", quotas_json(tenant));
	}
	if (tenant && tenant->auto_networks) {
		size_t found = 0;
		char **addresses = container_networks_of(agent->container_networks, entry->id, &found);

		/* What Network=auto holds for it now, as /32 and /128 networks. */
		list = json_object_new_array();
		for (size_t i = 0; i < found; i++) {
			json_object_array_add(list, json_object_new_string(addresses[i]));
			free(addresses[i]);
		}
		free(addresses);
		json_object_object_add(object, "container_networks", list);
		container_claims_json(agent, object, entry->id);
	}
	if (counters_read_tenant(bpf_map__fd(agent->programs.skeleton->maps.tenantd_tenant_counters),
				 entry->id, &counters))
		memset(&counters, 0, sizeof(counters));
	json_object_object_add(object, "counters", counters_json(&counters));
	list = json_object_new_array();
	for (size_t i = 0; i < total_count; i++) {
		if (totals[i].key.tenant_id != entry->id)
			continue;
		item = json_object_new_object();
		json_object_object_add(item, "peer", json_object_new_string(
							     peer_label_for(agent, view, totals[i].key.peer_id)));
		json_object_object_add(item, "reason", json_object_new_string(
							       violation_reason_name(totals[i].key.reason)));
		json_object_object_add(item, "action", json_object_new_string(
							       violation_action_name(totals[i].key.action)));
		json_object_object_add(item, "count", json_object_new_uint64(totals[i].count));
		json_object_array_add(list, item);
	}
	json_object_object_add(object, "violations", list);
	return object;
}

int report_tenants(const struct agent *agent, const struct view *view, const char *name,
		   char **text, size_t *length)
{
	_cleanup_free_ struct violation_total *totals = NULL;
	struct json_object *list = NULL;
	size_t total_count = 0;
	int r;

	r = counters_read_violations(bpf_map__fd(agent->programs.skeleton->maps.tenantd_violations),
				     &totals, &total_count);
	if (r)
		return r;
	if (name) {
		/* One tenant: found directly, not by walking them all. */
		const struct tenant_id_entry *entry = tenant_ids_entry(&agent->ids, name);

		if (!entry || !visible(view, entry->id))
			return -ENOENT;
		return render_json(tenant_json(agent, view, entry, totals, total_count), text,
				   length);
	}
	list = json_object_new_array();
	for (size_t i = 0; list && i < agent->ids.count; i++) {
		const struct tenant_id_entry *entry = &agent->ids.entries[i];

		if (visible(view, entry->id))
			json_object_array_add(list, tenant_json(agent, view, entry, totals,
								total_count));
	}
	return render_json(list, text, length);
}

int report_all_tenants(const struct agent *agent, const struct view *view, char **text,
		       size_t *length)
{
	return report_tenants(agent, view, NULL, text, length);
}

/* One process the last posture scan found, as VIEW's report shows it. */
static struct json_object *posture_process_json(const struct agent *agent,
						const struct posture_process *process)
{
	struct json_object *item = json_object_new_object();
	char cgroup[PATH_MAX];

	if (!item)
		return NULL;
	if (cgroup_paths_find(agent->cgroup_paths, process->cgroup_id, NULL, cgroup,
			      sizeof(cgroup)))
		snprintf(cgroup, sizeof(cgroup), "cgroup-id:%llu",
			 (unsigned long long)process->cgroup_id);
	json_object_object_add(item, "tenant",
			       json_object_new_string(tenant_label(agent, process->tenant_id)));
	json_object_object_add(item, "pid", json_object_new_int64(process->pid));
	json_object_object_add(item, "comm", json_object_new_string(process->comm));
	json_object_object_add(item, "uid", json_object_new_int64(process->uid));
	json_object_object_add(item, "cgroup", json_object_new_string(cgroup));
	json_object_object_add(item, "capabilities", capability_names_json(process->capabilities));
	json_object_object_add(item, "packet_socket",
			       json_object_new_boolean(process->packet_socket));
	json_object_object_add(item, "netlink_socket",
			       json_object_new_boolean(process->netlink_socket));
	json_object_object_add(item, "killed", json_object_new_boolean(process->killed));
	return item;
}

int report_posture(const struct agent *agent, const struct view *view, char **text,
		   size_t *length)
{
	_cleanup_json_ struct json_object *document = json_object_new_object();
	_cleanup_json_ struct json_object *list = json_object_new_array();
	const struct posture_process *found;
	uint64_t scans, duration_us;
	size_t count;

	if (!document || !list)
		return -ENOMEM;
	found = posture_processes(agent->posture, &count);
	posture_scans(agent->posture, &scans, &duration_us);
	/* 0 scans: this kernel cannot tell (tenantd --allow-partial). */
	json_object_object_add(document, "scans", json_object_new_int64((int64_t)scans));
	json_object_object_add(document, "scan_microseconds",
			       json_object_new_int64((int64_t)duration_us));
	json_object_object_add(document, "packet_sockets",
			       json_object_new_string(agent->config.agent.kill_packet_sockets ?
							      "kill" : "report"));
	json_object_object_add(document, "netlink_sockets",
			       json_object_new_string(agent->config.agent.kill_netlink_sockets ?
							      "kill" : "report"));
	for (size_t i = 0; i < count; i++)
		if (visible(view, found[i].tenant_id))
			json_object_array_add(list, posture_process_json(agent, &found[i]));
	json_object_object_add(document, "processes", TAKE_PTR(list));
	return render_json(TAKE_PTR(document), text, length);
}

int report_who(const struct agent *agent, const struct view *view, pid_t pid, char **text,
	       size_t *length)
{
	struct json_object *answer;
	char cgroup[PATH_MAX];
	uint32_t tenant_id;

	if (tenant_of_process(agent, pid, &tenant_id, cgroup, sizeof(cgroup)))
		return -ENOENT;
	/* A tenant may ask about its own processes only; any other pid looks
	 * like one that does not exist. */
	if (!view->operator && tenant_id != view->tenant_id)
		return -ENOENT;
	answer = json_object_new_object();
	json_object_object_add(answer, "pid", json_object_new_int(pid));
	json_object_object_add(answer, "tenant",
			       json_object_new_string(tenant_label(agent, tenant_id)));
	json_object_object_add(answer, "cgroup", json_object_new_string(cgroup));
	return render_json(answer, text, length);
}
