// SPDX-License-Identifier: LGPL-2.1-or-later
/* Snapshots the counters under their tenants' names. Every tenant that holds
 * an id is reported, off-boarded ones included, until it is purged. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "agent.h"
#include "cleanup.h"
#include "counters.h"
#include "events.h"
#include "metrics.h"
#include "report.h"
#include "tenantd.skel.h"

int report_metrics(const struct agent *agent, char **text, size_t *length)
{
	_cleanup_free_ struct metrics_tenant *tenants = NULL;
	_cleanup_free_ struct metrics_violation *violations = NULL;
	_cleanup_free_ struct violation_total *totals = NULL;
	struct tenantd_bpf *skeleton = agent->programs.skeleton;
	struct metrics_snapshot snapshot = { .version = TENANTD_VERSION };
	size_t total_count = 0;
	int r;

	tenants = calloc(agent->ids.count + 1, sizeof(*tenants));
	if (!tenants)
		return -ENOMEM;
	for (size_t i = 0; i < agent->ids.count; i++) {
		const struct tenant_id_entry *entry = &agent->ids.entries[i];
		const struct tenant_config *tenant = config_find_tenant(&agent->config, entry->name);
		struct metrics_tenant *out = &tenants[snapshot.tenant_count];

		out->name = entry->name;
		if (tenant) {
			out->kind = tenant_kind_name(tenant->kind);
			out->mode = tenant_mode_name(tenant->mode);
		}
		if (counters_read_tenant(bpf_map__fd(skeleton->maps.tenant_counters), entry->id,
					 &out->counters) == 0 || tenant)
			snapshot.tenant_count++;
	}
	snapshot.tenants = tenants;

	r = counters_read_violations(bpf_map__fd(skeleton->maps.violations), &totals,
				     &total_count);
	if (r)
		return r;
	violations = calloc(total_count + 1, sizeof(*violations));
	if (!violations)
		return -ENOMEM;
	for (size_t i = 0; i < total_count; i++) {
		violations[i] = (struct metrics_violation){
			.tenant = tenant_label(agent, totals[i].key.tenant_id),
			.peer = tenant_label(agent, totals[i].key.peer_id),
			.reason = violation_reason_name(totals[i].key.reason),
			.action = violation_action_name(totals[i].key.action),
			.count = totals[i].count,
		};
	}
	snapshot.violations = violations;
	snapshot.violation_count = total_count;
	return metrics_render(&snapshot, text, length);
}

int report_status(const struct agent *agent, char **text, size_t *length)
{
	struct json_object *status = json_object_new_object(), *kernel, *programs;
	struct timespec now;
	struct utsname system;
	const char *rendered;

	if (!status)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &now);
	uname(&system);
	kernel = json_object_new_object();
	json_object_object_add(kernel, "release", json_object_new_string(system.release));
	json_object_object_add(kernel, "btf",
			       json_object_new_boolean(access("/sys/kernel/btf/vmlinux", R_OK) == 0));
	json_object_object_add(kernel, "cgroup2_mount",
			       json_object_new_string(agent->cgroup_mount));
	programs = json_object_new_object();
	json_object_object_add(programs, "attached",
			       json_object_new_int((int)agent->programs.attached));
	json_object_object_add(programs, "adopted",
			       json_object_new_int((int)agent->programs.adopted));
	json_object_object_add(programs, "cgroup",
			       json_object_new_string(agent->cgroup_root_path));
	json_object_object_add(programs, "pinned",
			       json_object_new_string(agent->programs.pin_directory));

	json_object_object_add(status, "version", json_object_new_string(TENANTD_VERSION));
	json_object_object_add(status, "uptime_seconds",
			       json_object_new_int64(now.tv_sec - agent->started.tv_sec));
	json_object_object_add(status, "kernel", kernel);
	json_object_object_add(status, "programs", programs);
	json_object_object_add(status, "tenants",
			       json_object_new_int((int)agent->config.tenant_count));
	rendered = json_object_to_json_string_ext(status, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	*text = strdup(rendered);
	json_object_put(status);
	if (!*text)
		return -ENOMEM;
	*length = strlen(*text);
	return 0;
}
