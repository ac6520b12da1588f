// SPDX-License-Identifier: LGPL-2.1-or-later
/* The metric names and labels here are part of tenantd's contract with its
 * users' dashboards and alerts; see docs/metrics.md before changing any. */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/metrics.h"
#include "cleanup.h"

/* Tenant names, kinds and reasons never need escaping (they are validated
 * to [a-z0-9-_]); the version is the one label value that could. */
static void write_label_value(FILE *out, const char *value)
{
	for (const char *c = value; *c; c++) {
		if (*c == '\\' || *c == '"')
			fputc('\\', out);
		if (*c == '\n')
			fputs("\\n", out);
		else
			fputc(*c, out);
	}
}

struct counter_field {
	const char *name;
	const char *help;
	size_t offset;
};

#define COUNTER_FIELD(metric, field, text) \
	{ metric, text, offsetof(struct tenant_counters, field) }

static const struct counter_field counter_fields[] = {
	COUNTER_FIELD("tenantd_tenant_tx_bytes_total", tx_bytes,
		      "Bytes sent by the tenant's sockets, IP headers included."),
	COUNTER_FIELD("tenantd_tenant_rx_bytes_total", rx_bytes,
		      "Bytes received by the tenant's sockets, IP headers included."),
	COUNTER_FIELD("tenantd_tenant_tx_packets_total", tx_packets,
		      "Packets sent by the tenant's sockets, GSO segments counted singly."),
	COUNTER_FIELD("tenantd_tenant_rx_packets_total", rx_packets,
		      "Packets received by the tenant's sockets, GRO segments counted singly."),
	COUNTER_FIELD("tenantd_tenant_connections_total", connections,
		      "Outbound connections (connect calls) the tenant was allowed to make."),
	COUNTER_FIELD("tenantd_events_sampled_out_total", events_sampled_out,
		      "Violation events not emitted because of EventRate or a full ring."),
	COUNTER_FIELD("tenantd_tenant_egress_throttled_bytes_total", egress_throttled_bytes,
		      "Bytes sent over EgressRate=: told of congestion or dropped, or let "
		      "through under QuotaMode=warn."),
};

static void render_agent(FILE *out, const struct metrics_snapshot *snapshot)
{
	fputs("# HELP tenantd_build_info The running tenantd's version.\n"
	      "# TYPE tenantd_build_info gauge\n"
	      "tenantd_build_info{version=\"", out);
	write_label_value(out, snapshot->version);
	fputs("\"} 1\n", out);
	fprintf(out,
		"# HELP tenantd_agent_start_time_seconds When the running agent started, in seconds "
		"since the Unix epoch.\n"
		"# TYPE tenantd_agent_start_time_seconds gauge\n"
		"tenantd_agent_start_time_seconds %.3f\n"
		"# HELP tenantd_programs_attached Programs attached at CgroupRoot.\n"
		"# TYPE tenantd_programs_attached gauge\n"
		"tenantd_programs_attached %u\n"
		"# HELP tenantd_programs_adopted Programs whose pinned links this start adopted: "
		"all after a restart, none after a first start or after a restart that "
		"found none pinned.\n"
		"# TYPE tenantd_programs_adopted gauge\n"
		"tenantd_programs_adopted %u\n",
		snapshot->start_time_seconds, snapshot->programs_attached,
		snapshot->programs_adopted);
}

static void render_tenant_info(FILE *out, const struct metrics_snapshot *snapshot)
{
	fputs("# HELP tenantd_tenant_info Each configured tenant, its kind and its mode.\n"
	      "# TYPE tenantd_tenant_info gauge\n", out);
	for (size_t i = 0; i < snapshot->tenant_count; i++) {
		const struct metrics_tenant *tenant = &snapshot->tenants[i];

		if (tenant->kind)
			fprintf(out, "tenantd_tenant_info{tenant=\"%s\",kind=\"%s\",mode=\"%s\"} 1\n",
				tenant->name, tenant->kind, tenant->mode);
	}
}

static void render_counters(FILE *out, const struct metrics_snapshot *snapshot)
{
	for (size_t f = 0; f < ARRAY_SIZE(counter_fields); f++) {
		fprintf(out, "# HELP %s %s\n# TYPE %s counter\n", counter_fields[f].name,
			counter_fields[f].help, counter_fields[f].name);
		for (size_t i = 0; i < snapshot->tenant_count; i++) {
			const struct metrics_tenant *tenant = &snapshot->tenants[i];
			const uint64_t *value = (const uint64_t *)((const char *)&tenant->counters +
								   counter_fields[f].offset);

			fprintf(out, "%s{tenant=\"%s\"} %" PRIu64 "\n", counter_fields[f].name,
				tenant->name, *value);
		}
	}
}

static void render_violations(FILE *out, const struct metrics_snapshot *snapshot)
{
	fputs("# HELP tenantd_violations_total Cross-tenant traffic refused (denied) or "
	      "let through in audit mode (audited).\n"
	      "# TYPE tenantd_violations_total counter\n", out);
	for (size_t i = 0; i < snapshot->violation_count; i++) {
		const struct metrics_violation *violation = &snapshot->violations[i];

		fprintf(out,
			"tenantd_violations_total{tenant=\"%s\",peer=\"%s\",reason=\"%s\","
			"action=\"%s\"} %" PRIu64 "\n",
			violation->tenant, violation->peer, violation->reason, violation->action,
			violation->count);
	}
}

static void render_quotas_exceeded(FILE *out, const struct metrics_snapshot *snapshot)
{
	fputs("# HELP tenantd_tenant_quota_exceeded_total Connections or bytes over a tenant's "
	      "quota: refused (denied) or let through under QuotaMode=warn (warned).\n"
	      "# TYPE tenantd_tenant_quota_exceeded_total counter\n", out);
	for (size_t i = 0; i < snapshot->violation_count; i++) {
		const struct metrics_violation *violation = &snapshot->violations[i];

		if (violation->quota)
			fprintf(out,
				"tenantd_tenant_quota_exceeded_total{tenant=\"%s\",quota=\"%s\","
				"action=\"%s\"} %" PRIu64 "\n",
				violation->tenant, violation->quota, violation->action,
				violation->count);
	}
}

/* The per-tenant gauges that are one field of a tenant's row, as the
 * counters above are, each shown for the tenants it concerns. */
static bool is_active(const struct metrics_tenant *tenant)
{
	return tenant->kind != NULL;
}

static bool has_auto_networks(const struct metrics_tenant *tenant)
{
	return tenant->auto_networks;
}

static const struct {
	const char *name, *help;
	size_t offset; /* of a uint64_t in struct metrics_tenant */
	bool (*concerns)(const struct metrics_tenant *tenant);
} tenant_gauges[] = {
	{ "tenantd_tenant_cgroups_missing",
	  "Cgroups of the tenant's configuration that do not exist now: not tagged until they "
	  "are made.",
	  offsetof(struct metrics_tenant, cgroups_missing), is_active },
	{ "tenantd_tenant_container_addresses",
	  "Addresses the tenant's containers hold through Network=auto, at the last scan.",
	  offsetof(struct metrics_tenant, container_addresses), has_auto_networks },
	{ "tenantd_tenant_container_claims_refused",
	  "Container addresses of the tenant that Network=auto refused at the last scan: set "
	  "without privilege, another's, outside ContainerNetworks= or past "
	  "MaxContainerAddresses=.",
	  offsetof(struct metrics_tenant, container_claims_refused), has_auto_networks },
};

static void render_tenant_gauges(FILE *out, const struct metrics_snapshot *snapshot)
{
	for (size_t g = 0; g < ARRAY_SIZE(tenant_gauges); g++) {
		fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", tenant_gauges[g].name,
			tenant_gauges[g].help, tenant_gauges[g].name);
		for (size_t i = 0; i < snapshot->tenant_count; i++) {
			const struct metrics_tenant *tenant = &snapshot->tenants[i];
			const uint64_t *value = (const uint64_t *)((const char *)tenant +
								   tenant_gauges[g].offset);

			if (tenant_gauges[g].concerns(tenant))
				fprintf(out, "%s{tenant=\"%s\"} %" PRIu64 "\n",
					tenant_gauges[g].name, tenant->name, *value);
		}
	}
}

static void render_quotas(FILE *out, const struct metrics_snapshot *snapshot)
{
	fputs("# HELP tenantd_tenant_quota Each tenant's quotas as configured: egress_rate in "
	      "bits a second, connect_rate in new TCP connections a second, connect_burst in "
	      "connections.\n"
	      "# TYPE tenantd_tenant_quota gauge\n", out);
	for (size_t i = 0; i < snapshot->tenant_count; i++) {
		const struct metrics_tenant *tenant = &snapshot->tenants[i];

		if (tenant->egress_rate)
			fprintf(out,
				"tenantd_tenant_quota{tenant=\"%s\",quota=\"egress_rate\"} %" PRIu64
				"\n",
				tenant->name, tenant->egress_rate);
		if (!tenant->connect_rate)
			continue;
		fprintf(out, "tenantd_tenant_quota{tenant=\"%s\",quota=\"connect_rate\"} %.6g\n",
			tenant->name, tenant->connect_rate);
		fprintf(out,
			"tenantd_tenant_quota{tenant=\"%s\",quota=\"connect_burst\"} %" PRIu64 "\n",
			tenant->name, tenant->connect_burst);
	}
}

static void render_posture(FILE *out, const struct metrics_snapshot *snapshot)
{
	fputs("# HELP tenantd_tenant_privileged_processes Tenant processes holding, over the host, "
	      "a capability that voids isolation, at the last posture scan.\n"
	      "# TYPE tenantd_tenant_privileged_processes gauge\n", out);
	for (size_t i = 0; i < snapshot->privileged_count; i++)
		if (snapshot->privileged[i].capability)
			fprintf(out,
				"tenantd_tenant_privileged_processes{tenant=\"%s\",capability=\"%s\"} "
				"%" PRIu64 "\n",
				snapshot->privileged[i].tenant, snapshot->privileged[i].capability,
				snapshot->privileged[i].count);
	fputs("# HELP tenantd_tenant_packet_socket_processes Tenant processes holding a packet "
	      "socket (AF_PACKET), at the last posture scan.\n"
	      "# TYPE tenantd_tenant_packet_socket_processes gauge\n", out);
	for (size_t i = 0; i < snapshot->privileged_count; i++)
		if (!snapshot->privileged[i].capability && !snapshot->privileged[i].netlink)
			fprintf(out, "tenantd_tenant_packet_socket_processes{tenant=\"%s\"} %" PRIu64 "\n",
				snapshot->privileged[i].tenant, snapshot->privileged[i].count);
	fputs("# HELP tenantd_tenant_netlink_socket_processes Tenant processes holding a "
	      "NETLINK_USERSOCK socket outside a network namespace of their own, at the last "
	      "posture scan.\n"
	      "# TYPE tenantd_tenant_netlink_socket_processes gauge\n", out);
	for (size_t i = 0; i < snapshot->privileged_count; i++)
		if (snapshot->privileged[i].netlink)
			fprintf(out, "tenantd_tenant_netlink_socket_processes{tenant=\"%s\"} %" PRIu64
				"\n", snapshot->privileged[i].tenant, snapshot->privileged[i].count);
}

/* The exposition's metric families, in the order they are written. */
static void (*const families[])(FILE *out, const struct metrics_snapshot *snapshot) = {
	render_agent, render_tenant_info, render_counters, render_violations,
	render_quotas_exceeded, render_quotas, render_tenant_gauges, render_posture,
};

int metrics_render(const struct metrics_snapshot *snapshot, char **text, size_t *length)
{
	char *buffer = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buffer, &size);

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(families); i++)
		families[i](out, snapshot);
	if (fclose(out)) {
		free(buffer);
		return -ENOMEM;
	}
	*text = buffer;
	*length = size;
	return 0;
}
