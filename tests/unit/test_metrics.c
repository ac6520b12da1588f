// SPDX-License-Identifier: LGPL-2.1-or-later
/* Metrics rendering: the exposition for a known snapshot, byte for byte,
 * with the design's names and labels. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "api/metrics.h"
#include "kernel/abi_names.h"
#include "test_suite.h"

START_TEST(a_snapshot_renders_to_the_exact_exposition)
{
	static const struct metrics_tenant tenants[] = {
		{ .name = "acme", .kind = "tenant", .mode = "enforce",
		  .counters = { .tx_bytes = 1000, .rx_bytes = 2000, .tx_packets = 10,
				.rx_packets = 20, .connections = 3, .events_sampled_out = 4 },
		  .connect_rate = 0.5, .connect_burst = 3, .egress_rate = 100000000,
		  .cgroups_missing = 1, .auto_networks = true, .container_addresses = 3,
		  .container_claims_refused = 2 },
		{ .name = "gone", .kind = NULL, .counters = { .tx_bytes = 5 } },
	};
	static const struct metrics_violation violations[] = {
		{ "acme", "globex", "local_socket", "denied", NULL, 7 },
		{ "acme", "host", "raw_socket", "audited", NULL, 1 },
		{ "acme", "host", "quota_connect_rate", "warned", "connect_rate", 2 },
	};
	static const struct metrics_privileged privileged[] = {
		{ .tenant = "acme", .capability = "net_raw", .count = 2 },
		{ .tenant = "acme", .count = 1 },
		{ .tenant = "acme", .count = 3, .netlink = true },
	};
	struct metrics_snapshot snapshot = {
		.version = "1.2.3", .start_time_seconds = 1764900000.25,
		.programs_attached = 9, .programs_adopted = 9,
		.tenants = tenants, .tenant_count = 2,
		.violations = violations, .violation_count = 3,
		.privileged = privileged, .privileged_count = 3,
	};
	static const char expected[] =
		"# HELP tenantd_build_info The running tenantd's version.\n"
		"# TYPE tenantd_build_info gauge\n"
		"tenantd_build_info{version=\"1.2.3\"} 1\n"
		"# HELP tenantd_agent_start_time_seconds When the running agent started, in seconds since the Unix epoch.\n"
		"# TYPE tenantd_agent_start_time_seconds gauge\n"
		"tenantd_agent_start_time_seconds 1764900000.250\n"
		"# HELP tenantd_programs_attached Programs attached at CgroupRoot.\n"
		"# TYPE tenantd_programs_attached gauge\n"
		"tenantd_programs_attached 9\n"
		"# HELP tenantd_programs_adopted Programs whose pinned links this start adopted: all after a restart, none after a first start or after a restart that found none pinned.\n"
		"# TYPE tenantd_programs_adopted gauge\n"
		"tenantd_programs_adopted 9\n"
		"# HELP tenantd_tenant_info Each configured tenant, its kind and its mode.\n"
		"# TYPE tenantd_tenant_info gauge\n"
		"tenantd_tenant_info{tenant=\"acme\",kind=\"tenant\",mode=\"enforce\"} 1\n"
		"# HELP tenantd_tenant_tx_bytes_total Bytes sent by the tenant's sockets, IP headers included.\n"
		"# TYPE tenantd_tenant_tx_bytes_total counter\n"
		"tenantd_tenant_tx_bytes_total{tenant=\"acme\"} 1000\n"
		"tenantd_tenant_tx_bytes_total{tenant=\"gone\"} 5\n"
		"# HELP tenantd_tenant_rx_bytes_total Bytes received by the tenant's sockets, IP headers included.\n"
		"# TYPE tenantd_tenant_rx_bytes_total counter\n"
		"tenantd_tenant_rx_bytes_total{tenant=\"acme\"} 2000\n"
		"tenantd_tenant_rx_bytes_total{tenant=\"gone\"} 0\n"
		"# HELP tenantd_tenant_tx_packets_total Packets sent by the tenant's sockets, GSO segments counted singly.\n"
		"# TYPE tenantd_tenant_tx_packets_total counter\n"
		"tenantd_tenant_tx_packets_total{tenant=\"acme\"} 10\n"
		"tenantd_tenant_tx_packets_total{tenant=\"gone\"} 0\n"
		"# HELP tenantd_tenant_rx_packets_total Packets received by the tenant's sockets, GRO segments counted singly.\n"
		"# TYPE tenantd_tenant_rx_packets_total counter\n"
		"tenantd_tenant_rx_packets_total{tenant=\"acme\"} 20\n"
		"tenantd_tenant_rx_packets_total{tenant=\"gone\"} 0\n"
		"# HELP tenantd_tenant_connections_total Outbound connections (connect calls) the tenant was allowed to make.\n"
		"# TYPE tenantd_tenant_connections_total counter\n"
		"tenantd_tenant_connections_total{tenant=\"acme\"} 3\n"
		"tenantd_tenant_connections_total{tenant=\"gone\"} 0\n"
		"# HELP tenantd_events_sampled_out_total Violation events not emitted because of EventRate or a full ring.\n"
		"# TYPE tenantd_events_sampled_out_total counter\n"
		"tenantd_events_sampled_out_total{tenant=\"acme\"} 4\n"
		"tenantd_events_sampled_out_total{tenant=\"gone\"} 0\n"
		"# HELP tenantd_tenant_egress_throttled_bytes_total Bytes sent over EgressRate=: told of congestion or dropped, or let through under QuotaMode=warn.\n"
		"# TYPE tenantd_tenant_egress_throttled_bytes_total counter\n"
		"tenantd_tenant_egress_throttled_bytes_total{tenant=\"acme\"} 0\n"
		"tenantd_tenant_egress_throttled_bytes_total{tenant=\"gone\"} 0\n"
		"# HELP tenantd_violations_total Cross-tenant traffic refused (denied) or let through in audit mode (audited).\n"
		"# TYPE tenantd_violations_total counter\n"
		"tenantd_violations_total{tenant=\"acme\",peer=\"globex\",reason=\"local_socket\",action=\"denied\"} 7\n"
		"tenantd_violations_total{tenant=\"acme\",peer=\"host\",reason=\"raw_socket\",action=\"audited\"} 1\n"
		"tenantd_violations_total{tenant=\"acme\",peer=\"host\",reason=\"quota_connect_rate\",action=\"warned\"} 2\n"
		"# HELP tenantd_tenant_quota_exceeded_total Connections or bytes over a tenant's quota: refused (denied) or let through under QuotaMode=warn (warned).\n"
		"# TYPE tenantd_tenant_quota_exceeded_total counter\n"
		"tenantd_tenant_quota_exceeded_total{tenant=\"acme\",quota=\"connect_rate\",action=\"warned\"} 2\n"
		"# HELP tenantd_tenant_quota Each tenant's quotas as configured: egress_rate in bits a second, connect_rate in new TCP connections a second, connect_burst in connections.\n"
		"# TYPE tenantd_tenant_quota gauge\n"
		"tenantd_tenant_quota{tenant=\"acme\",quota=\"egress_rate\"} 100000000\n"
		"tenantd_tenant_quota{tenant=\"acme\",quota=\"connect_rate\"} 0.5\n"
		"tenantd_tenant_quota{tenant=\"acme\",quota=\"connect_burst\"} 3\n"
		"# HELP tenantd_tenant_cgroups_missing Cgroups of the tenant's configuration that do not exist now: not tagged until they are made.\n"
		"# TYPE tenantd_tenant_cgroups_missing gauge\n"
		"tenantd_tenant_cgroups_missing{tenant=\"acme\"} 1\n"
		"# HELP tenantd_tenant_container_addresses Addresses the tenant's containers hold through Network=auto, at the last scan.\n"
		"# TYPE tenantd_tenant_container_addresses gauge\n"
		"tenantd_tenant_container_addresses{tenant=\"acme\"} 3\n"
		"# HELP tenantd_tenant_container_claims_refused Container addresses of the tenant that Network=auto refused at the last scan: set without privilege, another's, outside ContainerNetworks= or past MaxContainerAddresses=.\n"
		"# TYPE tenantd_tenant_container_claims_refused gauge\n"
		"tenantd_tenant_container_claims_refused{tenant=\"acme\"} 2\n"
		"# HELP tenantd_tenant_privileged_processes Tenant processes holding, over the host, a capability that voids isolation, at the last posture scan.\n"
		"# TYPE tenantd_tenant_privileged_processes gauge\n"
		"tenantd_tenant_privileged_processes{tenant=\"acme\",capability=\"net_raw\"} 2\n"
		"# HELP tenantd_tenant_packet_socket_processes Tenant processes holding a packet socket (AF_PACKET), at the last posture scan.\n"
		"# TYPE tenantd_tenant_packet_socket_processes gauge\n"
		"tenantd_tenant_packet_socket_processes{tenant=\"acme\"} 1\n"
		"# HELP tenantd_tenant_netlink_socket_processes Tenant processes holding a NETLINK_USERSOCK socket outside a network namespace of their own, at the last posture scan.\n"
		"# TYPE tenantd_tenant_netlink_socket_processes gauge\n"
		"tenantd_tenant_netlink_socket_processes{tenant=\"acme\"} 3\n";
	char *text = NULL;
	size_t length = 0;

	ck_assert_int_eq(metrics_render(&snapshot, &text, &length), 0);
	ck_assert_str_eq(text, expected);
	ck_assert_uint_eq(length, strlen(expected));
	free(text);
}
END_TEST

START_TEST(the_version_label_is_escaped)
{
	struct metrics_snapshot snapshot = { .version = "1\"2\\3\n" };
	char *text = NULL;
	size_t length = 0;

	ck_assert_int_eq(metrics_render(&snapshot, &text, &length), 0);
	ck_assert_ptr_nonnull(strstr(text, "tenantd_build_info{version=\"1\\\"2\\\\3\\n\"} 1\n"));
	free(text);
}
END_TEST

START_TEST(reasons_and_actions_have_their_contract_names)
{
	ck_assert_str_eq(violation_reason_name(REASON_LOCAL_SOCKET), "local_socket");
	ck_assert_str_eq(violation_reason_name(REASON_REMOTE_NETWORK), "remote_network");
	ck_assert_str_eq(violation_reason_name(REASON_INGRESS_NETWORK), "ingress_network");
	ck_assert_str_eq(violation_reason_name(REASON_RAW_SOCKET), "raw_socket");
	ck_assert_str_eq(violation_reason_name(REASON_TOMBSTONED), "tombstoned");
	ck_assert_str_eq(violation_reason_name(REASON_HOST), "host");
	ck_assert_str_eq(violation_reason_name(200), "unknown");
	ck_assert_str_eq(violation_action_name(ACTION_DENIED), "denied");
	ck_assert_str_eq(violation_action_name(ACTION_AUDITED), "audited");
	ck_assert_str_eq(violation_action_name(9), "unknown");
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("metrics");
	TCase *render = tcase_create("render");

	tcase_add_test(render, a_snapshot_renders_to_the_exact_exposition);
	tcase_add_test(render, the_version_label_is_escaped);
	tcase_add_test(render, reasons_and_actions_have_their_contract_names);
	suite_add_tcase(suite, render);
	return suite;
}
