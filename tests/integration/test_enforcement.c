// SPDX-License-Identifier: LGPL-2.1-or-later
/* Enforcement and accounting with the real programs attached to a scratch
 * cgroup tree: every row of the design's enforcement table in both address
 * families, each kind and mode, AllowTo, HostPolicy, exact counters and the
 * fields of a violation event. Each test is one behaviour. */
#include <dirent.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <arpa/inet.h>

#include <check.h>

#include "harness.h"


static const char *netns_a, *netns_b;

/* A port per test run, so parallel runs on one machine do not collide. */
static int metrics_port(void)
{
	static int port;

	if (!port)
		port = 20000 + getpid() % 20000;
	return port;
}

/* Tenants of the suite:
 *   acme     tenant, enforce; owns 10.201.1.0/24 and fd00:201:1::/48;
 *            AllowTo globex:9102/tcp and globex:9103/udp
 *   globex   tenant, enforce; owns 10.201.2.0/24 and fd00:201:2::/48
 *   initech  tenant, audit
 *   dns      shared
 *   ops      platform
 *   umbrella tenant, enforce (off-boarded by its test)
 * and "host", a cgroup under the root that belongs to no tenant.
 * HostPolicy=deny with HostAllowPorts=9153/tcp 9153/udp. */
static void write_agent_config(const char *host_policy, int event_rate)
{
	harness_write_config("tenantd.conf",
			     "[Agent]\nHostPolicy=%s\nHostAllowPorts=9153/tcp 9153/udp\n"
			     "EventRate=%d\nMetricsListen=127.0.0.1:%d\n", host_policy, event_rate,
			     metrics_port());
}

static void write_suite_config(const char *host_policy)
{
	const char *root = harness_root();

	write_agent_config(host_policy, 1000);
	harness_write_config("tenants.d/acme.conf",
			     "[Tenant]\nCgroup=%s/acme\nNetwork=10.201.1.0/24\n"
			     "Network=fd00:201:1::/48\nAllowTo=globex:9102/tcp\n"
			     "AllowTo=globex:9103/udp\n", root);
	harness_write_config("tenants.d/globex.conf",
			     "[Tenant]\nCgroup=%s/globex\nNetwork=10.201.2.0/24\n"
			     "Network=fd00:201:2::/48\n", root);
	harness_write_config("tenants.d/initech.conf", "[Tenant]\nMode=audit\nCgroup=%s/initech\n",
			     root);
	harness_write_config("tenants.d/dns.conf", "[Tenant]\nKind=shared\nCgroup=%s/dns\n", root);
	harness_write_config("tenants.d/ops.conf", "[Tenant]\nKind=platform\nCgroup=%s/ops\n",
			     root);
	harness_write_config("tenants.d/umbrella.conf", "[Tenant]\nCgroup=%s/umbrella\n", root);
	harness_write_config("tenants.d/hooli.conf", "[Tenant]\nCgroup=%s/hooli\n", root);
}

static void suite_setup(void)
{
	static const char *const cgroups[] = {
		"acme", "acme/web/worker", "globex", "initech", "dns", "ops", "umbrella", "hooli",
		"newco", "host",
	};

	harness_setup();
	for (size_t i = 0; i < sizeof(cgroups) / sizeof(cgroups[0]); i++)
		harness_cgroup(cgroups[i]);
	write_suite_config("deny");
	/* Listening before tenantd starts: its sockets must be judged too. */
	probe_listen("globex", NULL, "listen tcp :: 9107");
	probe_listen("globex", NULL, "listen udp :: 9108");
	harness_agent_start();

	probe_listen("globex", NULL, "listen tcp :: 9101");
	probe_listen("globex", NULL, "listen tcp :: 9102");
	probe_listen("globex", NULL, "listen udp :: 9103");
	probe_listen("globex", NULL, "listen tcp 127.0.0.1 9104");
	probe_listen("globex", NULL, "listen udp :: 9105");
	probe_listen("globex", NULL, "listen udp 127.0.0.1 9106");
	probe_listen("dns", NULL, "listen tcp :: 9201");
	probe_listen("dns", NULL, "listen udp :: 9201");
	probe_listen("acme", NULL, "listen tcp :: 9301");
	probe_listen("ops", NULL, "listen tcp :: 9601");
	probe_listen("host", NULL, "listen tcp :: 9401");
	probe_listen("host", NULL, "listen tcp :: 9153");
	probe_listen("umbrella", NULL, "listen tcp :: 9501");

	harness_netns_pair("10.201.1.1/16", "10.201.2.1/16", "fd00:201:1::1/32",
			   "fd00:201:2::1/32", &netns_a, &netns_b);
	probe_listen("", netns_b, "listen tcp :: 9701");
	probe_listen("acme", netns_a, "listen udp :: 9702");
}

static void suite_teardown(void)
{
	harness_cleanup();
}

static char *command_output(const char *command, int *exit_status)
{
	char *output = NULL;
	size_t length = 0;
	FILE *out = open_memstream(&output, &length), *child = popen(command, "r");
	char buffer[4096];
	size_t got;

	while (child && (got = fread(buffer, 1, sizeof(buffer), child)) > 0)
		fwrite(buffer, 1, got, out);
	*exit_status = child ? WEXITSTATUS(pclose(child)) : -1;
	fclose(out);
	return output;
}

/* --- local sockets of another tenant ------------------------------------ */

START_TEST(tcp_connect_to_another_tenant_over_ipv4_is_refused_with_eperm)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(probe("acme", NULL, "connect tcp 127.0.0.1 9101"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 1);
}
END_TEST

START_TEST(tcp_connect_to_another_tenant_over_ipv6_is_refused_with_eperm)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 1);
}
END_TEST

START_TEST(tcp_connect_by_ipv4_mapped_ipv6_address_is_refused)
{
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::ffff:127.0.0.1 9101"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::ffff:127.0.0.1 9104"), EPERM);
}
END_TEST

START_TEST(tcp_connect_by_any_loopback_address_is_refused)
{
	ck_assert_int_eq(probe("acme", NULL, "connect tcp 127.0.0.2 9101"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp 127.1.2.3 9101"), EPERM);
}
END_TEST

START_TEST(tcp_connect_by_unspecified_address_is_refused)
{
	/* connect(0.0.0.0) and connect(::) reach the loopback listeners. */
	ck_assert_int_eq(probe("acme", NULL, "connect tcp 0.0.0.0 9104"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp :: 9101"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::ffff:0.0.0.0 9104"), EPERM);
}
END_TEST

START_TEST(tcp_connect_by_a_host_interface_address_is_refused)
{
	struct ifaddrs *interfaces, *entry;
	char address[INET6_ADDRSTRLEN], arguments[128];
	int tried = 0;

	ck_assert_int_eq(getifaddrs(&interfaces), 0);
	for (entry = interfaces; entry; entry = entry->ifa_next) {
		const void *raw;

		if (!entry->ifa_addr || !strcmp(entry->ifa_name, "lo"))
			continue;
		if (entry->ifa_addr->sa_family == AF_INET)
			raw = &((struct sockaddr_in *)entry->ifa_addr)->sin_addr;
		else if (entry->ifa_addr->sa_family == AF_INET6 &&
			 !IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)entry->ifa_addr)->sin6_addr))
			raw = &((struct sockaddr_in6 *)entry->ifa_addr)->sin6_addr;
		else
			continue;
		inet_ntop(entry->ifa_addr->sa_family, raw, address, sizeof(address));
		snprintf(arguments, sizeof(arguments), "connect tcp %s 9101", address);
		ck_assert_msg(probe("acme", NULL, arguments) == EPERM, "%s was not refused", address);
		tried++;
	}
	freeifaddrs(interfaces);
	if (!tried)
		ck_assert_int_eq(probe("acme", NULL, "connect tcp 127.0.0.1 9101"), EPERM);
}
END_TEST

START_TEST(connected_udp_to_another_tenant_is_refused_in_both_families)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(probe("acme", NULL, "connect udp 127.0.0.1 9105"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "connect udp ::1 9105"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 2);
}
END_TEST

START_TEST(unconnected_udp_sendmsg_to_another_tenant_is_refused_in_both_families)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(probe("acme", NULL, "sendto 127.0.0.1 9105 10"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "sendto ::1 9105 10"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "sendto ::ffff:127.0.0.1 9105 10"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 3);
}
END_TEST

START_TEST(udp_to_an_ipv4_only_socket_of_another_tenant_is_refused)
{
	char arguments[4200];
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(probe("acme", NULL, "sendto 127.0.0.1 9106 10"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "connect udp 127.0.0.1 9106"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 2);
	ck_assert_int_eq(probe("globex", NULL, "sendto 127.0.0.1 9106 10"), 0);
	/* An IPv4 UDP socket created in acme stays acme's in globex's cgroup. */
	snprintf(arguments, sizeof(arguments), "connect-after-move %s udp 127.0.0.1 9106",
		 harness_cgroup("globex"));
	ck_assert_int_eq(probe("acme", NULL, arguments), EPERM);
}
END_TEST

START_TEST(sockets_created_before_tenantd_started_belong_to_their_tenant)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9107"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "sendto 127.0.0.1 9108 10"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 2);
	ck_assert_int_eq(probe("globex", NULL, "connect tcp ::1 9107"), 0);
}
END_TEST

START_TEST(connections_within_a_tenant_are_allowed)
{
	ck_assert_int_eq(probe("globex", NULL, "connect tcp 127.0.0.1 9101"), 0);
	ck_assert_int_eq(probe("globex", NULL, "connect tcp ::1 9101"), 0);
	ck_assert_int_eq(probe("globex", NULL, "sendto ::1 9105 10"), 0);
}
END_TEST

START_TEST(processes_in_nested_cgroups_belong_to_the_tenant)
{
	ck_assert_int_eq(probe("acme/web/worker", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(probe("acme/web/worker", NULL, "connect tcp ::1 9301"), 0);
}
END_TEST

START_TEST(untagged_processes_are_not_restricted)
{
	ck_assert_int_eq(probe("host", NULL, "connect tcp ::1 9101"), 0);
	ck_assert_int_eq(probe("", NULL, "connect tcp ::1 9101"), 0);
}
END_TEST

/* --- raw sockets --------------------------------------------------------- */

START_TEST(raw_sockets_are_refused_in_both_families)
{
	long long before = harness_violations("acme", "host", "raw_socket", "denied");

	ck_assert_int_eq(probe("acme", NULL, "raw"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "raw6"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "host", "raw_socket", "denied"), before + 2);
	ck_assert_int_eq(probe("host", NULL, "raw"), 0);
}
END_TEST

/* --- kinds --------------------------------------------------------------- */

START_TEST(shared_tenants_are_reachable_by_every_tenant)
{
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9201"), 0);
	ck_assert_int_eq(probe("globex", NULL, "connect tcp 127.0.0.1 9201"), 0);
	ck_assert_int_eq(probe("acme", NULL, "sendto 127.0.0.1 9201 10"), 0);
}
END_TEST

START_TEST(shared_tenants_do_not_initiate_to_tenants)
{
	long long before = harness_violations("dns", "acme", "local_socket", "denied");

	ck_assert_int_eq(probe("dns", NULL, "connect tcp ::1 9301"), EPERM);
	ck_assert_int_eq(harness_violations("dns", "acme", "local_socket", "denied"), before + 1);
}
END_TEST

START_TEST(platform_tenants_reach_every_tenant)
{
	ck_assert_int_eq(probe("ops", NULL, "connect tcp ::1 9301"), 0);
	ck_assert_int_eq(probe("ops", NULL, "connect tcp 127.0.0.1 9101"), 0);
}
END_TEST

START_TEST(tenants_do_not_initiate_to_platform_tenants)
{
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9601"), EPERM);
}
END_TEST

/* --- modes --------------------------------------------------------------- */

START_TEST(audit_mode_allows_the_traffic_and_counts_it_as_audited)
{
	long long audited = harness_violations("initech", "globex", "local_socket", "audited");
	struct json_object *event;
	long long denied = harness_violations("initech", "globex", "local_socket", "denied");

	ck_assert_int_eq(probe("initech", NULL, "connect tcp ::1 9101"), 0);
	ck_assert_int_eq(harness_violations("initech", "globex", "local_socket", "audited"), audited + 1);
	ck_assert_int_eq(harness_violations("initech", "globex", "local_socket", "denied"), denied);
	event = harness_wait_event("initech", "local_socket", 9101, 0);
	ck_assert_ptr_nonnull(event);
	json_object_put(event);
}
END_TEST

/* --- exceptions ---------------------------------------------------------- */

START_TEST(allow_to_opens_exactly_the_named_port_and_protocol)
{
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9102 1000"), 0);
	ck_assert_int_eq(probe("acme", NULL, "sendto 127.0.0.1 9103 10"), 0);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "sendto 127.0.0.1 9105 10"), EPERM);
}
END_TEST

START_TEST(allow_to_is_one_way)
{
	ck_assert_int_eq(probe("globex", NULL, "connect tcp ::1 9301"), EPERM);
}
END_TEST

/* --- host policy --------------------------------------------------------- */

START_TEST(host_policy_deny_refuses_untagged_host_sockets)
{
	long long before = harness_violations("acme", "host", "host", "denied");

	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9401"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp 127.0.0.1 9401"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "host", "host", "denied"), before + 2);
}
END_TEST

START_TEST(host_allow_ports_punch_holes_through_host_policy_deny)
{
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9153"), 0);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp 127.0.0.1 9153"), 0);
}
END_TEST

START_TEST(host_policy_allow_lets_tenants_reach_host_sockets)
{
	write_suite_config("allow");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9401"), 0);
	write_suite_config("deny");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9401"), EPERM);
}
END_TEST

/* --- networks, in network namespaces joined by a veth pair ---------------- */

START_TEST(connect_to_another_tenants_network_is_refused_in_both_families)
{
	long long before = harness_violations("acme", "globex", "remote_network", "denied");

	ck_assert_int_eq(probe("", netns_a, "connect tcp 10.201.2.1 9701"), 0);
	ck_assert_int_eq(probe("acme", netns_a, "connect tcp 10.201.2.1 9701"), EPERM);
	ck_assert_int_eq(probe("acme", netns_a, "connect tcp fd00:201:2::1 9701"), EPERM);
	ck_assert_int_eq(probe("acme", netns_a, "connect tcp ::ffff:10.201.2.1 9701"), EPERM);
	ck_assert_int_eq(probe("acme", netns_a, "sendto 10.201.2.1 9701 10"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "remote_network", "denied"), before + 4);
}
END_TEST

START_TEST(packets_from_another_tenants_network_are_dropped_in_both_families)
{
	long long before = harness_violations("acme", "globex", "ingress_network", "denied");
	long long received = harness_counter("tenantd_tenant_rx_packets_total", "acme");

	ck_assert_int_eq(probe("", netns_b, "sendto 10.201.1.1 9702 10"), 0);
	ck_assert_int_eq(probe("", netns_b, "sendto fd00:201:1::1 9702 10"), 0);
	for (int i = 0; i < 40 && harness_violations("acme", "globex", "ingress_network", "denied") <
					  before + 2; i++)
		usleep(50 * 1000);
	ck_assert_int_eq(harness_violations("acme", "globex", "ingress_network", "denied"), before + 2);
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_packets_total", "acme"), received);
}
END_TEST

/* --- socket tags --------------------------------------------------------- */

START_TEST(a_socket_keeps_its_tag_when_its_process_changes_cgroup)
{
	char arguments[4200];

	/* Created in acme, then moved to globex: still acme's socket. */
	snprintf(arguments, sizeof(arguments), "connect-after-move %s tcp ::1 9101",
		 harness_cgroup("globex"));
	ck_assert_int_eq(probe("acme", NULL, arguments), EPERM);
}
END_TEST

/* --- counters ------------------------------------------------------------ */

START_TEST(udp_bytes_and_packets_are_counted_exactly_for_sender_and_receiver)
{
	long long tx_bytes = harness_counter("tenantd_tenant_tx_bytes_total", "acme");
	long long tx_packets = harness_counter("tenantd_tenant_tx_packets_total", "acme");
	long long rx_bytes = harness_counter("tenantd_tenant_rx_bytes_total", "dns");
	long long rx_packets = harness_counter("tenantd_tenant_rx_packets_total", "dns");

	/* 10 datagrams of 100 bytes: IPv4 adds 20 + 8, IPv6 40 + 8 bytes. */
	ck_assert_int_eq(probe("acme", NULL, "sendto 127.0.0.1 9201 100 10"), 0);
	ck_assert_int_eq(probe("acme", NULL, "sendto ::1 9201 100 10"), 0);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_packets_total", "acme"), tx_packets + 20);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_bytes_total", "acme"),
			 tx_bytes + 10 * 128 + 10 * 148);
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_packets_total", "dns"), rx_packets + 20);
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_bytes_total", "dns"),
			 rx_bytes + 10 * 128 + 10 * 148);
}
END_TEST

START_TEST(tcp_traffic_is_counted_identically_by_sender_and_receiver)
{
	long long acme_tx = harness_counter("tenantd_tenant_tx_bytes_total", "acme");
	long long acme_rx = harness_counter("tenantd_tenant_rx_bytes_total", "acme");
	long long dns_tx = harness_counter("tenantd_tenant_tx_bytes_total", "dns");
	long long dns_rx = harness_counter("tenantd_tenant_rx_bytes_total", "dns");
	long long connections = harness_counter("tenantd_tenant_connections_total", "acme");

	ck_assert_int_eq(probe("acme", NULL, "connect tcp 127.0.0.1 9201 4000000"), 0);
	usleep(100 * 1000); /* the last FIN/ACK exchange */
	ck_assert_int_ge(harness_counter("tenantd_tenant_tx_bytes_total", "acme") - acme_tx, 4000000);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_bytes_total", "acme") - acme_tx,
			 harness_counter("tenantd_tenant_rx_bytes_total", "dns") - dns_rx);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_bytes_total", "dns") - dns_tx,
			 harness_counter("tenantd_tenant_rx_bytes_total", "acme") - acme_rx);
	ck_assert_int_eq(harness_counter("tenantd_tenant_connections_total", "acme"), connections + 1);
}
END_TEST

/* --- events -------------------------------------------------------------- */

START_TEST(a_denied_connect_emits_an_event_with_every_field)
{
	struct json_object *event, *field;
	char cgroup[512];
	pid_t pid;

	ck_assert_int_eq(probe_pid("acme", NULL, "connect tcp ::1 9101", &pid), EPERM);
	event = harness_wait_event("acme", "local_socket", 9101, pid);
	ck_assert_ptr_nonnull(event);
	snprintf(cgroup, sizeof(cgroup), "%s/acme", harness_root());
#define FIELD_IS(name, expected)                                                 \
	do {                                                                     \
		ck_assert(json_object_object_get_ex(event, name, &field));      \
		ck_assert_str_eq(json_object_get_string(field), expected);      \
	} while (0)
	FIELD_IS("tenant", "acme");
	FIELD_IS("peer", "globex");
	FIELD_IS("reason", "local_socket");
	FIELD_IS("action", "denied");
	FIELD_IS("comm", "netprobe");
	FIELD_IS("cgroup", cgroup);
	FIELD_IS("proto", "tcp");
	FIELD_IS("family", "ipv6");
	FIELD_IS("dst", "::1");
	ck_assert(json_object_object_get_ex(event, "dport", &field));
	ck_assert_int_eq(json_object_get_int(field), 9101);
	ck_assert(json_object_object_get_ex(event, "pid", &field));
	ck_assert_int_eq(json_object_get_int(field), pid);
	ck_assert(json_object_object_get_ex(event, "time", &field));
	/* RFC 3339 with nanoseconds: 2026-11-23T07:37:16.954389883Z */
	ck_assert_int_eq(strlen(json_object_get_string(field)), 30);
	ck_assert_int_eq(json_object_get_string(field)[10], 'T');
	ck_assert_int_eq(json_object_get_string(field)[29], 'Z');
	json_object_put(event);
}
END_TEST

/* Waits for an event like harness_wait_event, for its existence only. */
static bool event_seen(const char *tenant, const char *reason, int dport)
{
	struct json_object *event = harness_wait_event(tenant, reason, dport, 0);

	json_object_put(event);
	return event != NULL;
}

static int count_events(const char *tenant)
{
	char command[512], *output;
	int exit_status, count;

	snprintf(command, sizeof(command), "grep -c '^{\"time\":[^,]*,\"tenant\":\"%s\"' %s",
		 tenant, harness_log());
	output = command_output(command, &exit_status);
	count = atoi(output);
	free(output);
	return count;
}

START_TEST(events_beyond_the_event_rate_are_counted_as_sampled_out)
{
	long long sampled = harness_counter("tenantd_events_sampled_out_total", "hooli");
	long long denied = harness_violations("hooli", "globex", "local_socket", "denied");
	int events = count_events("hooli");

	write_agent_config("deny", 2);
	ck_assert(harness_agent_reload());
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(probe("hooli", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(harness_violations("hooli", "globex", "local_socket", "denied"), denied + 10);
	usleep(200 * 1000); /* the last events through the ring buffer */
	/* Every violation is either an event or counted as sampled out; at 2
	 * per second, most of ten quick ones are sampled out. */
	ck_assert_int_eq(count_events("hooli") - events +
				 harness_counter("tenantd_events_sampled_out_total", "hooli") - sampled,
			 10);
	ck_assert_int_ge(harness_counter("tenantd_events_sampled_out_total", "hooli") - sampled, 4);
	write_agent_config("deny", 1000);
	ck_assert(harness_agent_reload());
}
END_TEST

/* --- read-out ------------------------------------------------------------ */

START_TEST(the_metrics_exposition_passes_promtool_check)
{
	long status = 0;
	char *body = harness_get("/metrics", &status);
	FILE *promtool;

	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "tenantd_violations_total{tenant=\"acme\""));
	promtool = popen("promtool check metrics", "w");
	ck_assert_ptr_nonnull(promtool);
	fputs(body, promtool);
	free(body);
	ck_assert_int_eq(pclose(promtool), 0);
}
END_TEST

START_TEST(the_status_names_the_attached_programs_and_tenant_count)
{
	struct json_object *status_document, *field, *programs;
	long status = 0;
	char *body = harness_get("/v1/status", &status);

	ck_assert_int_eq(status, 200);
	ck_assert_msg(strstr(body, "\"features\":{\"btf\":true,\"cgroup_sock_addr\":true,") != NULL,
		      "%s", body);
	status_document = json_tokener_parse(body);
	free(body);
	ck_assert_ptr_nonnull(status_document);
	ck_assert(json_object_object_get_ex(status_document, "tenants", &field));
	ck_assert_int_eq(json_object_get_int(field), 7);
	ck_assert(json_object_object_get_ex(status_document, "programs", &programs));
	ck_assert(json_object_object_get_ex(programs, "attached", &field));
	ck_assert_int_eq(json_object_get_int(field), 7);
	ck_assert(json_object_object_get_ex(status_document, "version", &field));
	ck_assert(json_object_object_get_ex(status_document, "uptime_seconds", &field));
	ck_assert(json_object_object_get_ex(programs, "partial", &field));
	ck_assert(!json_object_get_boolean(field));
	json_object_put(status_document);
}
END_TEST

START_TEST(metrics_listen_serves_the_exposition_over_tcp_and_nothing_else)
{
	char command[256], *output;
	int exit_status;

	snprintf(command, sizeof(command),
		 "curl -s -o /dev/null -w '%%{http_code}' http://127.0.0.1:%d/metrics",
		 metrics_port());
	output = command_output(command, &exit_status);
	ck_assert_str_eq(output, "200");
	free(output);
	snprintf(command, sizeof(command), "curl -s http://127.0.0.1:%d/metrics", metrics_port());
	output = command_output(command, &exit_status);
	ck_assert_ptr_nonnull(strstr(output, "\ntenantd_tenant_info{tenant=\"acme\",kind=\"tenant\","
					     "mode=\"enforce\"} 1\n"));
	free(output);
	snprintf(command, sizeof(command),
		 "curl -s -w ' %%{http_code}' http://127.0.0.1:%d/v1/status", metrics_port());
	output = command_output(command, &exit_status);
	ck_assert_str_eq(output, "{\"error\":\"only /metrics is served here\"} 404");
	free(output);
}
END_TEST

/* One PromQL QUERY against Prometheus on PORT: the first sample's value as
 * text (malloc'ed), or NULL while there is none. */
static char *prometheus_value(int port, const char *query)
{
	char command[1024], *output, *value = NULL;
	struct json_object *answer, *data, *result, *sample, *pair;
	int exit_status;

	snprintf(command, sizeof(command),
		 "curl -s -G http://127.0.0.1:%d/api/v1/query --data-urlencode 'query=%s'", port,
		 query);
	output = command_output(command, &exit_status);
	answer = json_tokener_parse(output);
	free(output);
	if (answer && json_object_object_get_ex(answer, "data", &data) &&
	    json_object_object_get_ex(data, "result", &result) &&
	    json_object_array_length(result) > 0 &&
	    (sample = json_object_array_get_idx(result, 0)) &&
	    json_object_object_get_ex(sample, "value", &pair))
		value = strdup(json_object_get_string(json_object_array_get_idx(pair, 1)));
	json_object_put(answer);
	return value;
}

START_TEST(a_real_prometheus_scrapes_the_counters_with_their_values)
{
	const int port = metrics_port() + 1;
	char configuration[4200], storage[4200], listen[64], *value = NULL;
	long long expected;
	FILE *file;
	pid_t prometheus;

	/* A series that no later traffic changes: dns's refused initiation. */
	expected = harness_violations("dns", "acme", "local_socket", "denied");
	ck_assert_int_gt(expected, 0);
	snprintf(configuration, sizeof(configuration), "%s/prometheus.yml", harness_scratch());
	snprintf(storage, sizeof(storage), "%s/prometheus", harness_scratch());
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	file = fopen(configuration, "we");
	ck_assert_ptr_nonnull(file);
	fprintf(file, "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tenantd\n"
		      "    static_configs:\n      - targets: ['127.0.0.1:%d']\n", metrics_port());
	fclose(file);
	prometheus = fork();
	if (prometheus == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execlp("prometheus", "prometheus", "--config.file", configuration,
		       "--storage.tsdb.path", storage, "--web.listen-address", listen,
		       (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 300 && !value; i++) {
		usleep(100 * 1000);
		value = prometheus_value(port, "tenantd_violations_total{tenant=\"dns\","
					       "peer=\"acme\",reason=\"local_socket\",action=\"denied\"}");
	}
	kill(prometheus, SIGTERM);
	waitpid(prometheus, NULL, 0);
	ck_assert_msg(value != NULL, "Prometheus never had tenantd's series");
	ck_assert_int_eq(atoll(value), expected);
	free(value);
}
END_TEST

START_TEST(an_unknown_endpoint_is_a_json_404)
{
	long status = 0;
	char *body = harness_get("/v2/nothing", &status);

	ck_assert_int_eq(status, 404);
	ck_assert_str_eq(body, "{\"error\":\"no such endpoint\"}");
	free(body);
}
END_TEST

START_TEST(tenantctl_status_prints_a_table_and_json)
{
	struct json_object *document;
	char command[4200];
	char *output;
	int exit_status;

	snprintf(command, sizeof(command), "%s --socket %s status", harness_binary("tenantctl"),
		 harness_socket());
	output = command_output(command, &exit_status);
	ck_assert_int_eq(exit_status, 0);
	ck_assert_msg(strstr(output, "Programs:  7 attached to ") != NULL, "%s", output);
	ck_assert_msg(strstr(output, "Tenants:   7\n") != NULL, "%s", output);
	free(output);

	snprintf(command, sizeof(command), "%s --json --socket %s status",
		 harness_binary("tenantctl"), harness_socket());
	output = command_output(command, &exit_status);
	ck_assert_int_eq(exit_status, 0);
	document = json_tokener_parse(output);
	ck_assert_ptr_nonnull(document);
	json_object_put(document);
	free(output);
}
END_TEST

START_TEST(tenantctl_without_an_agent_fails_with_one_line)
{
	char command[4200], *output;
	int exit_status;

	snprintf(command, sizeof(command), "%s --socket /nonexistent/tenantd.sock status 2>&1",
		 harness_binary("tenantctl"));
	output = command_output(command, &exit_status);
	ck_assert_int_eq(exit_status, 1);
	ck_assert_str_eq(output, "tenantctl: cannot reach tenantd: /nonexistent/tenantd.sock: No "
				 "such file or directory (is tenantd running?)\n");
	free(output);
	snprintf(command, sizeof(command), "%s frobnicate 2>&1", harness_binary("tenantctl"));
	output = command_output(command, &exit_status);
	ck_assert_int_eq(exit_status, 2);
	ck_assert_str_eq(output, "tenantctl: unknown command or wrong arguments: 'frobnicate'; see "
				 "tenantctl --help\n");
	free(output);
}
END_TEST

/* --- who sees what -------------------------------------------------------- */

/* METHOD PATH on the control socket from a process in CGROUP ("" for none)
 * running as an unprivileged user; returns the body, STATUS the HTTP code. */
static char *request_as_nobody(const char *cgroup, const char *method, const char *path,
			       long *status)
{
	char command[8400], *output, *last_line;
	int exit_status;

	snprintf(command, sizeof(command),
		 "sh -c '%s%s%s exec setpriv --reuid=65534 --regid=65534 --clear-groups "
		 "curl -s -X %s -w \"\\n%%{http_code}\" --unix-socket %s http://localhost%s'",
		 cgroup[0] ? "echo $$ > " : "", cgroup[0] ? harness_cgroup_path(cgroup) : "",
		 cgroup[0] ? "/cgroup.procs &&" : "", method, harness_socket(), path);
	output = command_output(command, &exit_status);
	last_line = strrchr(output, '\n');
	ck_assert_ptr_nonnull(last_line);
	*status = atol(last_line + 1);
	*last_line = '\0';
	return output;
}

START_TEST(an_operator_sees_every_tenant)
{
	struct json_object *tenants;
	long status = 0;
	char *body = harness_get("/v1/tenants", &status);

	ck_assert_int_eq(status, 200);
	tenants = json_tokener_parse(body);
	ck_assert_ptr_nonnull(tenants);
	ck_assert_int_ge(json_object_array_length(tenants), 7);
	ck_assert_ptr_nonnull(strstr(body, "\"name\":\"globex\""));
	ck_assert_ptr_nonnull(strstr(body, "\"allow_to\":[{\"tenant\":\"globex\",\"port\":9102"));
	json_object_put(tenants);
	free(body);
}
END_TEST

START_TEST(a_tenant_sees_only_its_own_record)
{
	struct json_object *tenants, *first, *field;
	long status = 0;
	char *body = request_as_nobody("acme", "GET", "/v1/tenants", &status);

	ck_assert_int_eq(status, 200);
	tenants = json_tokener_parse(body);
	ck_assert_ptr_nonnull(tenants);
	ck_assert_int_eq(json_object_array_length(tenants), 1);
	first = json_object_array_get_idx(tenants, 0);
	ck_assert(json_object_object_get_ex(first, "name", &field));
	ck_assert_str_eq(json_object_get_string(field), "acme");
	/* Its AllowTo=globex:9102/tcp shows the port, not the other's name. */
	ck_assert_ptr_null(strstr(body, "globex"));
	ck_assert_ptr_nonnull(strstr(body, "\"allow_to\":[{\"port\":9102,\"protocol\":\"tcp\"}"));
	json_object_put(tenants);
	free(body);
	body = request_as_nobody("acme", "GET", "/v1/tenants/acme", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"name\":\"acme\""));
	free(body);
}
END_TEST

START_TEST(another_tenants_name_looks_exactly_like_a_missing_one)
{
	long other_status = 0, missing_status = 0;
	char *other = request_as_nobody("acme", "GET", "/v1/tenants/globex", &other_status);
	char *missing = request_as_nobody("acme", "GET", "/v1/tenants/no-such-one", &missing_status);

	ck_assert_int_eq(other_status, 404);
	ck_assert_int_eq(missing_status, 404);
	ck_assert_str_eq(other, missing);
	ck_assert_str_eq(other, "{\"error\":\"no such tenant\"}");
	free(other);
	free(missing);
}
END_TEST

START_TEST(a_tenant_sees_only_its_own_metric_series_with_peers_masked)
{
	long status = 0;
	char *body;

	/* acme has local_socket violations against globex by now. */
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	body = request_as_nobody("acme", "GET", "/metrics", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "tenantd_tenant_tx_bytes_total{tenant=\"acme\"}"));
	ck_assert_ptr_nonnull(strstr(body, "tenantd_violations_total{tenant=\"acme\",peer=\"other\","
					   "reason=\"local_socket\",action=\"denied\"}"));
	ck_assert_ptr_null(strstr(body, "globex"));
	ck_assert_ptr_null(strstr(body, "initech"));
	ck_assert_ptr_null(strstr(body, "tenant=\"dns\""));
	free(body);
}
END_TEST

START_TEST(a_tenant_status_shows_the_version_and_its_own_name_only)
{
	long status = 0;
	char *body = request_as_nobody("acme", "GET", "/v1/status", &status);

	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"tenant\":\"acme\""));
	ck_assert_ptr_null(strstr(body, "\"tenants\""));
	ck_assert_ptr_null(strstr(body, "programs"));
	free(body);
}
END_TEST

START_TEST(a_caller_in_no_tenant_is_refused_everything)
{
	static const char *const paths[] = { "/metrics", "/v1/status", "/v1/tenants",
					     "/v1/tenants/acme", "/v1/who?pid=1" };
	long status = 0;
	char *body;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		body = request_as_nobody("host", "GET", paths[i], &status);
		ck_assert_int_eq(status, 403);
		ck_assert_str_eq(body, "{\"error\":\"only operators and processes of a tenant may use "
				       "this API\"}");
		free(body);
	}
	body = request_as_nobody("", "GET", "/metrics", &status);
	ck_assert_int_eq(status, 403);
	free(body);
}
END_TEST

START_TEST(who_names_a_process_tenant_for_operators_and_its_own_for_tenants)
{
	char path[64], *body;
	long status = 0;
	pid_t globex = probe_listen("globex", NULL, "listen tcp :: 9109");
	pid_t acme = probe_listen("acme", NULL, "listen tcp :: 9110");

	snprintf(path, sizeof(path), "/v1/who?pid=%d", globex);
	body = harness_get(path, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"tenant\":\"globex\""));
	free(body);
	/* A tenant asking about another tenant's process: as if it did not exist. */
	body = request_as_nobody("acme", "GET", path, &status);
	ck_assert_int_eq(status, 404);
	ck_assert_str_eq(body, "{\"error\":\"no such process\"}");
	free(body);
	body = request_as_nobody("acme", "GET", "/v1/who?pid=999999999", &status);
	ck_assert_int_eq(status, 404);
	ck_assert_str_eq(body, "{\"error\":\"no such process\"}");
	free(body);
	snprintf(path, sizeof(path), "/v1/who?pid=%d", acme);
	body = request_as_nobody("acme", "GET", path, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"tenant\":\"acme\""));
	free(body);
	body = harness_get("/v1/who?pid=abc", &status);
	ck_assert_int_eq(status, 400);
	free(body);
	kill(globex, SIGKILL);
	kill(acme, SIGKILL);
}
END_TEST

START_TEST(events_lists_recent_violations_as_json_lines_and_filters_by_tenant)
{
	long status = 0;
	char *body, *line, *save = NULL;
	int lines = 0;

	ck_assert_int_eq(probe("initech", NULL, "connect tcp ::1 9101"), 0);
	ck_assert(event_seen("initech", "local_socket", 9101));
	body = harness_get("/v1/events", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"tenant\":\"acme\",\"peer\":\"globex\""));
	free(body);
	body = harness_get("/v1/events?tenant=initech", &status);
	ck_assert_int_eq(status, 200);
	for (line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save), lines++)
		ck_assert_msg(strstr(line, "\"tenant\":\"initech\"") != NULL, "%s", line);
	ck_assert_int_ge(lines, 1);
	free(body);
	body = harness_get("/v1/events?tenant=no-such-one", &status);
	ck_assert_int_eq(status, 404);
	free(body);
}
END_TEST

START_TEST(a_tenant_reads_only_its_own_events_with_peers_masked)
{
	long status = 0, other_status = 0, missing_status = 0;
	char *body, *line, *save = NULL, *other, *missing;

	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert(event_seen("acme", "local_socket", 9101));
	body = request_as_nobody("acme", "GET", "/v1/events", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"peer\":\"other\""));
	ck_assert_ptr_null(strstr(body, "globex"));
	for (line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		ck_assert_msg(strstr(line, "\"tenant\":\"acme\"") != NULL, "%s", line);
	free(body);
	other = request_as_nobody("acme", "GET", "/v1/events?tenant=globex", &other_status);
	missing = request_as_nobody("acme", "GET", "/v1/events?tenant=no-such-one", &missing_status);
	ck_assert_int_eq(other_status, 404);
	ck_assert_int_eq(missing_status, 404);
	ck_assert_str_eq(other, missing);
	free(other);
	free(missing);
}
END_TEST

START_TEST(following_events_streams_each_new_one_as_it_happens)
{
	char command[4400], output[4300], *text = NULL;
	pid_t follower;

	snprintf(output, sizeof(output), "%s/follow.out", harness_scratch());
	snprintf(command, sizeof(command),
		 "exec curl -sN --unix-socket %s 'http://localhost/v1/events?follow=1&tenant=hooli' "
		 "> %s", harness_socket(), output);
	follower = fork();
	if (follower == 0) {
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	usleep(300 * 1000);
	ck_assert_int_eq(probe("hooli", NULL, "connect tcp ::1 9101"), EPERM);
	for (int i = 0; i < 100; i++) {
		FILE *file = fopen(output, "re");
		size_t size = 0;

		free(text);
		text = NULL;
		if (file) {
			getdelim(&text, &size, '\0', file);
			fclose(file);
		}
		if (text && strstr(text, "\"dport\":9101"))
			break;
		usleep(50 * 1000);
	}
	ck_assert_msg(text && strstr(text, "\"tenant\":\"hooli\",\"peer\":\"globex\","
					  "\"reason\":\"local_socket\"") != NULL,
		      "streamed: %s", text ? text : "(nothing)");
	free(text);
	kill(follower, SIGTERM);
	waitpid(follower, NULL, 0);
	/* The agent goes on serving after the client went away. */
	ck_assert_int_eq(probe("hooli", NULL, "connect tcp ::1 9101"), EPERM);
	text = harness_get("/v1/status", &(long){ 0 });
	ck_assert_ptr_nonnull(text);
	free(text);
}
END_TEST

START_TEST(reload_over_the_api_is_for_operators_and_reports_errors)
{
	long status = 0;
	char command[4200], *body;
	int exit_status;

	body = request_as_nobody("acme", "POST", "/v1/reload", &status);
	ck_assert_int_eq(status, 403);
	free(body);
	snprintf(command, sizeof(command),
		 "curl -s -X POST -w ' %%{http_code}' --unix-socket %s http://localhost/v1/reload",
		 harness_socket());
	body = command_output(command, &exit_status);
	ck_assert_str_eq(body, "{\"reloaded\":true,\"tenants\":7} 200");
	free(body);
	harness_write_config("tenants.d/zz-broken.conf", "[Tenant]\nKind=premium\n");
	body = command_output(command, &exit_status);
	ck_assert_msg(strstr(body, "tenants.d/zz-broken.conf:2: Kind: 'premium' is not tenant, "
				   "shared or platform\"} 400") != NULL, "%s", body);
	free(body);
	harness_remove_config("tenants.d/zz-broken.conf");
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
}
END_TEST

/* --- configuration errors ------------------------------------------------- */

START_TEST(a_bad_config_refuses_start_up_and_attaches_nothing)
{
	char command[4200], output[1024] = "";
	FILE *agent;
	int status;

	snprintf(command, sizeof(command),
		 "%s --config-dir tests/corpus/config/network-overlap-ipv4 "
		 "--state-dir /tmp/tenantd-test-%d-bad --runtime-dir /tmp/tenantd-test-%d-bad "
		 "--bpffs-dir /sys/fs/bpf/tenantd-test-%d-bad --cgroup-root %s 2>&1",
		 harness_binary("tenantd"), getpid(), getpid(), getpid(), harness_root());
	agent = popen(command, "r");
	ck_assert_ptr_nonnull(agent);
	ck_assert_ptr_nonnull(fgets(output, sizeof(output), agent));
	status = pclose(agent);
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	ck_assert_str_eq(output,
			 "tenantd: error: tests/corpus/config/network-overlap-ipv4/tenants.d/"
			 "globex.conf:3: Network: 10.0.5.0/24 overlaps 10.0.0.0/16 owned by tenant "
			 "'acme' (tests/corpus/config/network-overlap-ipv4/tenants.d/acme.conf:2)\n");
	snprintf(command, sizeof(command), "/sys/fs/bpf/tenantd-test-%d-bad", getpid());
	ck_assert_int_ne(access(command, F_OK), 0);
}
END_TEST

START_TEST(a_broken_reload_leaves_the_running_policy_as_it_was)
{
	harness_write_config("tenants.d/zz-broken.conf", "[Tenant]\nNetwork=10.201.2.0/25\n");
	ck_assert(!harness_agent_reload());
	harness_remove_config("tenants.d/zz-broken.conf");
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9102"), 0);
	ck_assert_int_eq(probe("acme", netns_a, "connect tcp 10.201.2.1 9701"), EPERM);
}
END_TEST

/* Each case of the bad-input corpus, installed into the running agent's
 * config: the reload is refused naming the case's file, the policy holds,
 * and after the case is removed a reload applies again. */
#define CORPUS "tests/corpus/config"
static struct dirent **corpus_cases;
static int corpus_case_count;

static int is_case(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

START_TEST(each_broken_config_is_refused_on_reload_and_the_policy_holds)
{
	const char *name = corpus_cases[_i]->d_name;
	char command[8400], refusal[512];
	int status;

	snprintf(command, sizeof(command),
		 "cp -r %s/%s/. %s/conf/ && rm -f %s/conf/expected", CORPUS, name,
		 harness_scratch(), harness_scratch());
	status = system(command);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_msg(!harness_agent_reload(), "%s was applied", name);
	/* The refusal names a file of the case, with its line. */
	snprintf(command, sizeof(command),
		 "grep 'reload refused' %s | tail -1 | grep -qE '%s/conf/(tenantd.conf|tenants.d/[^:]+"
		 ".conf):[0-9]+: '", harness_log(), harness_scratch());
	status = system(command);
	snprintf(refusal, sizeof(refusal), "case %s: refusal does not name file:line", name);
	ck_assert_msg(WEXITSTATUS(status) == 0, "%s", refusal);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9201"), 0);

	snprintf(command, sizeof(command), "cd %s/%s && for f in $(find . -name '*.conf'); do "
		 "rm -f %s/conf/$f; done", CORPUS, name, harness_scratch());
	ck_assert_int_eq(WEXITSTATUS(system(command)), 0);
	write_suite_config("deny");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
}
END_TEST

/* --- hostile and heavy clients ---------------------------------------------- */

static int connect_control_socket(void)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(address.sun_path, sizeof(address.sun_path), "%s", harness_socket());
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&address, sizeof(address)), 0);
	return fd;
}

/* Reads until the peer closes or 5 s pass; the response, malloc'ed. */
static char *read_response(int fd)
{
	struct timeval timeout = { .tv_sec = 5 };
	char *text = calloc(1, 65536);
	size_t used = 0;
	ssize_t got;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	while (used < 65535 && (got = read(fd, text + used, 65535 - used)) > 0)
		used += (size_t)got;
	return text;
}

static bool agent_answers(void)
{
	long status = 0;
	char *body = harness_get("/v1/status", &status);

	free(body);
	return status == 200;
}

START_TEST(garbage_bytes_get_a_400_and_the_agent_goes_on)
{
	static const char *const garbage[] = {
		"\x00\xff\xfe\x01 nonsense\r\n\r\n",
		"GET /v1/status HTTP/9.9\r\n\r\n",
		"GET\r\n\r\n",
		"PUT /v1/tenants/acme HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
		"GET /v1/status HTTP/1.1\r\nHost: a\r\nX: \x01\x02\x03\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		int fd = connect_control_socket();
		char *response;

		ck_assert_int_gt(write(fd, garbage[i], strlen(garbage[i]) + (i == 0 ? 12 : 0)), 0);
		shutdown(fd, SHUT_WR);
		response = read_response(fd);
		close(fd);
		ck_assert_msg(!response[0] || !strncmp(response, "HTTP/1.1 4", 10) ||
				      !strncmp(response, "HTTP/1.0 4", 10) ||
				      !strncmp(response, "HTTP/1.1 505", 12) ||
				      !strncmp(response, "HTTP/1.1 200", 12),
			      "case %zu: %.80s", i, response);
		free(response);
		ck_assert_msg(agent_answers(), "case %zu killed the agent", i);
	}
}
END_TEST

START_TEST(idle_and_half_open_connections_do_not_stall_other_clients)
{
	static const char partial[] = "GET /v1/status HTTP/1.1\r\nHost: x\r\n";
	int idle[100];
	struct timespec start, end;

	for (size_t i = 0; i < 100; i++) {
		idle[i] = connect_control_socket();
		if (i % 2)
			ck_assert_int_eq(write(idle[i], partial, sizeof(partial) - 1),
					 (ssize_t)sizeof(partial) - 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	ck_assert(agent_answers());
	clock_gettime(CLOCK_MONOTONIC, &end);
	/* Not a timing assertion on speed: a stalled server would not answer
	 * before the idle clients time out (30 s), so any answer proves it. */
	ck_assert_int_lt(end.tv_sec - start.tv_sec, 25);
	for (size_t i = 0; i < 100; i++)
		close(idle[i]);
	ck_assert(agent_answers());
}
END_TEST

START_TEST(a_stuck_event_follower_stalls_neither_the_events_nor_other_clients)
{
	static const char follow[] = "GET /v1/events?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n";
	int stuck = connect_control_socket();
	int before = count_events("hooli");
	long status = 0;
	char *body;

	/* It asks to follow, then never reads a byte. */
	ck_assert_int_eq(write(stuck, follow, sizeof(follow) - 1), (ssize_t)sizeof(follow) - 1);
	usleep(200 * 1000);
	/* Three floods of refused connects, each in its own second of the
	 * EventRate budget (1000): some 3000 events, about a megabyte, far more
	 * than the stuck client's socket holds. */
	for (int flood = 0; flood < 3; flood++) {
		ck_assert_int_eq(probe("hooli", NULL, "repeat 3000 connect tcp ::1 9101"), EPERM);
		usleep(1100 * 1000);
	}
	ck_assert(agent_answers());
	ck_assert_int_ge(count_events("hooli") - before, 2000);
	body = harness_get("/v1/events?tenant=hooli", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"tenant\":\"hooli\""));
	free(body);
	close(stuck);
	ck_assert(agent_answers());
}
END_TEST

START_TEST(two_hundred_concurrent_clients_are_all_answered)
{
	static const char request[] = "GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	int clients[200];
	size_t answered = 0;

	for (size_t i = 0; i < 200; i++) {
		clients[i] = connect_control_socket();
		ck_assert_int_eq(write(clients[i], request, sizeof(request) - 1),
				 (ssize_t)sizeof(request) - 1);
	}
	for (size_t i = 0; i < 200; i++) {
		char *response = read_response(clients[i]);

		if (!strncmp(response, "HTTP/1.1 200", 12) && strstr(response, "\"attached\":7"))
			answered++;
		free(response);
		close(clients[i]);
	}
	ck_assert_uint_eq(answered, 200);
}
END_TEST

/* --- tenantctl ---------------------------------------------------------------- */

/* Runs "tenantctl --socket SOCKET ARGUMENTS" (stderr too); EXIT its status. */
static char *tenantctl(const char *arguments, int *exit_status)
{
	char command[8400];

	snprintf(command, sizeof(command), "%s --socket %s %s 2>&1", harness_binary("tenantctl"),
		 harness_socket(), arguments);
	return command_output(command, exit_status);
}

START_TEST(tenantctl_tenants_prints_a_table_and_json)
{
	struct json_object *document;
	int exit_status;
	char *output = tenantctl("tenants", &exit_status);

	ck_assert_int_eq(exit_status, 0);
	ck_assert_msg(!strncmp(output, "NAME                     KIND      MODE     STATE     "
				       "       TX BYTES       RX BYTES CONNECTIONS VIOLATIONS\n", 95),
		      "%s", output);
	ck_assert_msg(strstr(output, "\nacme                     tenant    enforce  active    ") != NULL,
		      "%s", output);
	ck_assert_ptr_nonnull(strstr(output, "\ndns                      shared    enforce  active"));
	free(output);
	output = tenantctl("--json tenants", &exit_status);
	ck_assert_int_eq(exit_status, 0);
	document = json_tokener_parse(output);
	ck_assert(json_object_is_type(document, json_type_array));
	json_object_put(document);
	free(output);
}
END_TEST

START_TEST(tenantctl_show_prints_one_tenant_and_exits_4_when_missing)
{
	int exit_status;
	char *output = tenantctl("show acme", &exit_status);

	ck_assert_int_eq(exit_status, 0);
	ck_assert_msg(strstr(output, "Tenant:     acme (id ") != NULL, "%s", output);
	ck_assert_ptr_nonnull(strstr(output, "\nMode:       enforce\n"));
	ck_assert_ptr_nonnull(strstr(output, "\nAllowTo:    globex:9102/tcp, globex:9103/udp\n"));
	ck_assert_ptr_nonnull(strstr(output, "local_socket     peer globex\n"));
	free(output);
	output = tenantctl("show no-such-one", &exit_status);
	ck_assert_int_eq(exit_status, 4);
	ck_assert_str_eq(output, "tenantctl: no such tenant\n");
	free(output);
	output = tenantctl("show Bad_Name", &exit_status);
	ck_assert_int_eq(exit_status, 2);
	free(output);
}
END_TEST

START_TEST(tenantctl_events_prints_readable_lines_and_follows)
{
	char command[8400], path[4200];
	int exit_status;
	char *output;
	pid_t watcher;

	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert(event_seen("acme", "local_socket", 9101));
	output = tenantctl("events --tenant acme", &exit_status);
	ck_assert_int_eq(exit_status, 0);
	ck_assert_msg(strstr(output, " acme -> globex local_socket denied tcp [::1]:9101 pid ") != NULL,
		      "%s", output);
	free(output);
	output = tenantctl("--json events --tenant acme", &exit_status);
	ck_assert_ptr_nonnull(strstr(output, "{\"time\":"));
	free(output);

	snprintf(path, sizeof(path), "%s/tenantctl-follow.out", harness_scratch());
	snprintf(command, sizeof(command), "exec %s --socket %s events --follow --tenant hooli > %s",
		 harness_binary("tenantctl"), harness_socket(), path);
	watcher = fork();
	if (watcher == 0) {
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	usleep(300 * 1000);
	ck_assert_int_eq(probe("hooli", NULL, "connect tcp 127.0.0.1 9101"), EPERM);
	output = NULL;
	for (int i = 0; i < 100; i++) {
		free(output);
		output = harness_read_file(path);
		if (output && strstr(output, "hooli -> globex"))
			break;
		usleep(50 * 1000);
	}
	ck_assert_msg(output && strstr(output, " hooli -> globex local_socket denied tcp "
					       "127.0.0.1:9101 pid ") != NULL,
		      "watched: %s", output ? output : "(nothing)");
	free(output);
	kill(watcher, SIGTERM);
	waitpid(watcher, NULL, 0);
}
END_TEST

START_TEST(tenantctl_who_reload_apply_and_remove)
{
	char arguments[4300], file[4200];
	int exit_status;
	pid_t listener = probe_listen("globex", NULL, "listen tcp :: 9111");
	char *output;
	FILE *dropin;

	snprintf(arguments, sizeof(arguments), "who %d", listener);
	output = tenantctl(arguments, &exit_status);
	ck_assert_int_eq(exit_status, 0);
	snprintf(arguments, sizeof(arguments), "%d globex %s/globex\n", listener, harness_root());
	ck_assert_str_eq(output, arguments);
	free(output);
	kill(listener, SIGKILL);

	output = tenantctl("reload", &exit_status);
	ck_assert_int_eq(exit_status, 0);
	ck_assert_str_eq(output, "reloaded\n");
	free(output);

	snprintf(file, sizeof(file), "%s/apco.conf", harness_scratch());
	dropin = fopen(file, "we");
	fprintf(dropin, "[Tenant]\nMode=audit\nCgroup=%s/newco\nAllowTo=dns:53/udp\n", harness_root());
	fclose(dropin);
	snprintf(arguments, sizeof(arguments), "apply %s", file);
	output = tenantctl(arguments, &exit_status);
	ck_assert_int_eq(exit_status, 0);
	ck_assert_str_eq(output, "applied: tenant apco\n");
	free(output);
	output = tenantctl("show apco", &exit_status);
	ck_assert_ptr_nonnull(strstr(output, "\nMode:       audit\n"));
	ck_assert_ptr_nonnull(strstr(output, "\nAllowTo:    dns:53/udp\n"));
	free(output);

	output = tenantctl("remove apco --purge", &exit_status);
	ck_assert_int_eq(exit_status, 0);
	ck_assert_str_eq(output, "purged: tenant apco\n");
	free(output);
	output = tenantctl("remove apco", &exit_status);
	ck_assert_int_eq(exit_status, 4);
	free(output);

	dropin = fopen(file, "we");
	fprintf(dropin, "[Tenant]\nNetwork=10.0.0.1/8\n");
	fclose(dropin);
	output = tenantctl(arguments, &exit_status);
	ck_assert_int_eq(exit_status, 2);
	snprintf(arguments, sizeof(arguments),
		 "tenantctl: %s:2: Network: '10.0.0.1/8': host bits are set after the prefix\n", file);
	ck_assert_str_eq(output, arguments);
	free(output);
}
END_TEST

START_TEST(tenantctl_as_a_tenant_may_read_but_not_change)
{
	char command[8400], *output;
	int exit_status;

	snprintf(command, sizeof(command),
		 "sh -c 'echo $$ > %s/cgroup.procs && exec setpriv --reuid=65534 --regid=65534 "
		 "--clear-groups %s --socket %s remove acme' 2>&1",
		 harness_cgroup_path("acme"), harness_binary("tenantctl"), harness_socket());
	output = command_output(command, &exit_status);
	ck_assert_int_eq(exit_status, 5);
	ck_assert_str_eq(output, "tenantctl: only operators may change the configuration\n");
	free(output);
}
END_TEST

/* --- changing tenants over the API ------------------------------------------ */

/* METHOD PATH as root with BODY (NULL: none); the answer, STATUS its code. */
static char *operator_request(const char *method, const char *path, const char *body,
			      long *status)
{
	char command[8400], body_path[4200], *output, *last_space;
	int exit_status;
	FILE *file;

	snprintf(body_path, sizeof(body_path), "%s/request.json", harness_scratch());
	file = fopen(body_path, "we");
	ck_assert_ptr_nonnull(file);
	fputs(body ? body : "", file);
	fclose(file);
	snprintf(command, sizeof(command),
		 "curl -s -X %s %s%s -w ' %%{http_code}' --unix-socket %s 'http://localhost%s'", method,
		 body ? "-H 'Content-Type: application/json' --data-binary @" : "",
		 body ? body_path : "", harness_socket(), path);
	output = command_output(command, &exit_status);
	last_space = strrchr(output, ' ');
	ck_assert_ptr_nonnull(last_space);
	*status = atol(last_space + 1);
	*last_space = '\0';
	return output;
}

START_TEST(put_creates_a_tenant_writes_its_drop_in_and_enforces_it)
{
	char body[512], path[4200], *answer, *written;
	long status = 0;

	ck_assert_int_eq(probe("newco", NULL, "connect tcp ::1 9101"), 0);
	snprintf(body, sizeof(body),
		 "{\"kind\":\"tenant\",\"mode\":\"enforce\",\"cgroups\":[\"%s/newco\"],"
		 "\"networks\":[\"10.201.9.0/24\"],\"allow_to\":[{\"tenant\":\"globex\","
		 "\"port\":9102,\"protocol\":\"tcp\"}]}", harness_root());
	answer = operator_request("PUT", "/v1/tenants/newco", body, &status);
	ck_assert_msg(status == 201, "%ld %s", status, answer);
	ck_assert_ptr_nonnull(strstr(answer, "\"name\":\"newco\""));
	free(answer);
	snprintf(path, sizeof(path), "%s/conf/tenants.d/newco.conf", harness_scratch());
	written = harness_read_file(path);
	ck_assert_ptr_nonnull(written);
	ck_assert_ptr_nonnull(strstr(written, "[Tenant]\nName=newco\nKind=tenant\nMode=enforce\n"));
	ck_assert_ptr_nonnull(strstr(written, "\nAllowTo=globex:9102/tcp\n"));
	free(written);
	ck_assert_int_eq(probe("newco", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(probe("newco", NULL, "connect tcp ::1 9102"), 0);
}
END_TEST

START_TEST(put_replaces_an_existing_tenant)
{
	char body[512], *answer;
	long status = 0;

	snprintf(body, sizeof(body), "{\"mode\":\"audit\",\"cgroups\":[\"%s/newco\"]}",
		 harness_root());
	answer = operator_request("PUT", "/v1/tenants/newco", body, &status);
	ck_assert_msg(status == 200, "%ld %s", status, answer);
	ck_assert_ptr_nonnull(strstr(answer, "\"mode\":\"audit\""));
	free(answer);
	ck_assert_int_eq(probe("newco", NULL, "connect tcp ::1 9101"), 0);
	snprintf(body, sizeof(body), "{\"cgroups\":[\"%s/newco\"]}", harness_root());
	answer = operator_request("PUT", "/v1/tenants/newco", body, &status);
	ck_assert_int_eq(status, 200);
	free(answer);
	ck_assert_int_eq(probe("newco", NULL, "connect tcp ::1 9101"), EPERM);
}
END_TEST

START_TEST(put_of_a_network_another_tenant_owns_is_a_conflict_and_changes_nothing)
{
	char body[512], path[4200], *before, *after, *answer;
	long status = 0;

	snprintf(path, sizeof(path), "%s/conf/tenants.d/newco.conf", harness_scratch());
	before = harness_read_file(path);
	snprintf(body, sizeof(body),
		 "{\"cgroups\":[\"%s/newco\"],\"networks\":[\"10.201.2.128/25\"]}", harness_root());
	answer = operator_request("PUT", "/v1/tenants/newco", body, &status);
	ck_assert_int_eq(status, 409);
	ck_assert_msg(strstr(answer, "overlaps 10.201.2.0/24 owned by tenant 'globex'") != NULL, "%s",
		      answer);
	free(answer);
	after = harness_read_file(path);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	ck_assert_int_eq(probe("newco", NULL, "connect tcp ::1 9101"), EPERM);
}
END_TEST

START_TEST(bad_put_requests_are_refused_with_a_clear_error)
{
	static const struct {
		const char *path, *body;
		long status;
		const char *error;
	} cases[] = {
		{ "/v1/tenants/newco", "{\"kind\":", 400, "{\"error\":\"the body is not JSON: " },
		{ "/v1/tenants/newco", "[1,2]", 400, "{\"error\":\"the body must be a JSON object\"}" },
		{ "/v1/tenants/newco", "{\"colour\":\"red\"}", 400,
		  "{\"error\":\"unknown field 'colour'\"}" },
		{ "/v1/tenants/newco", "{\"cgroups\":\"/x\"}", 400,
		  "{\"error\":\"'cgroups' must be an array\"}" },
		{ "/v1/tenants/newco", "{\"networks\":[\"10.0.0.1/8\"]}", 400,
		  "{\"error\":\"networks: '10.0.0.1/8': host bits are set after the prefix\"}" },
		{ "/v1/tenants/newco", "{\"kind\":\"premium\"}", 400,
		  "{\"error\":\"'kind' must be \\\"tenant\\\", \\\"shared\\\" or \\\"platform\\\"\"}" },
		{ "/v1/tenants/newco", "{\"mode\":\"enforce\\nCgroup=/stolen\"}", 400,
		  "{\"error\":\"'mode' must be \\\"enforce\\\" or \\\"audit\\\"\"}" },
		{ "/v1/tenants/newco", "{\"allow_to\":[{\"tenant\":\"globex\",\"port\":\"80\","
				       "\"protocol\":\"tcp\"}]}", 400,
		  "{\"error\":\"allow_to: 'port' must be a number 1..65535\"}" },
		{ "/v1/tenants/newco", "{\"name\":\"other\"}", 400,
		  "{\"error\":\"'name' must match the name in the path\"}" },
		{ "/v1/tenants/New_Co", "{}", 400, "{\"error\":\"a tenant name matches " },
		{ "/v1/tenants/newco", "\x01\xff garbage", 400, "{\"error\":\"the body is not JSON" },
	};
	long status = 0;
	char *answer;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		answer = operator_request("PUT", cases[i].path, cases[i].body, &status);
		ck_assert_msg(status == cases[i].status, "case %zu: %ld %s", i, status, answer);
		ck_assert_msg(strstr(answer, cases[i].error) != NULL, "case %zu: %s", i, answer);
		free(answer);
	}
	ck_assert_int_eq(probe("newco", NULL, "connect tcp ::1 9101"), EPERM);
}
END_TEST

START_TEST(an_oversized_body_is_refused_with_413)
{
	char *body = malloc(70 * 1024 + 1), *answer;
	long status = 0;

	memset(body, ' ', 70 * 1024);
	body[70 * 1024] = '\0';
	body[0] = '{';
	body[70 * 1024 - 1] = '}';
	answer = operator_request("PUT", "/v1/tenants/newco", body, &status);
	ck_assert_int_eq(status, 413);
	ck_assert_str_eq(answer, "{\"error\":\"the body is larger than 64 KiB\"}");
	free(answer);
	free(body);
}
END_TEST

START_TEST(only_operators_may_change_tenants)
{
	long status = 0;
	char *answer = request_as_nobody("acme", "DELETE", "/v1/tenants/acme", &status);

	ck_assert_int_eq(status, 403);
	ck_assert_str_eq(answer, "{\"error\":\"only operators may change the configuration\"}");
	free(answer);
	answer = request_as_nobody("acme", "PUT", "/v1/tenants/acme", &status);
	ck_assert_int_eq(status, 403);
	free(answer);
}
END_TEST

START_TEST(delete_tombstones_and_purge_frees_the_counters_and_the_id)
{
	char ids_path[4200], *answer, *ids;
	long status = 0;

	answer = operator_request("DELETE", "/v1/tenants/no-such-one", NULL, &status);
	ck_assert_int_eq(status, 404);
	free(answer);
	/* acme's AllowTo names globex: deleting globex would break it. */
	answer = operator_request("DELETE", "/v1/tenants/globex", NULL, &status);
	ck_assert_int_eq(status, 409);
	ck_assert_ptr_nonnull(strstr(answer, "AllowTo: tenant 'globex' does not exist"));
	free(answer);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9102"), 0);

	ck_assert_int_eq(probe("newco", NULL, "connect tcp ::1 9201"), 0);
	answer = operator_request("DELETE", "/v1/tenants/newco", NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(answer, "{\"tenant\":\"newco\",\"state\":\"tombstoned\"}");
	free(answer);
	ck_assert_int_eq(probe("newco", NULL, "connect tcp ::1 9201"), EPERM);
	ck_assert_int_gt(harness_counter("tenantd_tenant_tx_packets_total", "newco"), 0);

	answer = operator_request("DELETE", "/v1/tenants/newco?purge=1", NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(answer, "{\"tenant\":\"newco\",\"state\":\"purged\"}");
	free(answer);
	answer = harness_get("/metrics", &status);
	ck_assert_ptr_null(strstr(answer, "newco"));
	free(answer);
	snprintf(ids_path, sizeof(ids_path), "%s/state/tenant-ids", harness_scratch());
	ids = harness_read_file(ids_path);
	ck_assert_ptr_null(strstr(ids, "newco"));
	free(ids);
	/* Purged, its cgroup is nobody's: the host's. */
	ck_assert_int_eq(probe("newco", NULL, "connect tcp ::1 9101"), 0);
}
END_TEST

/* --- off-boarding (last: it changes the suite's config) ------------------ */

START_TEST(an_off_boarded_tenant_loses_all_network_access)
{
	long long before = harness_violations("umbrella", "host", "tombstoned", "denied");

	ck_assert_int_eq(probe("umbrella", NULL, "connect tcp ::1 9501"), 0);
	harness_remove_config("tenants.d/umbrella.conf");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(probe("umbrella", NULL, "connect tcp ::1 9501"), EPERM);
	ck_assert_int_eq(probe("umbrella", NULL, "connect tcp ::1 9153"), EPERM);
	ck_assert_int_eq(probe("umbrella", NULL, "connect tcp 127.0.0.1 9153"), EPERM);
	ck_assert_int_eq(probe("umbrella", NULL, "sendto 127.0.0.1 9201 10"), EPERM);
	ck_assert_int_ge(harness_violations("umbrella", "host", "tombstoned", "denied"), before + 4);
	/* Its counters stay exported. */
	ck_assert_int_gt(harness_counter("tenantd_tenant_tx_packets_total", "umbrella"), 0);
}
END_TEST

static Suite *enforcement_suite(void)
{
	Suite *suite = suite_create("enforcement");
	TCase *local = tcase_create("local_sockets"), *kinds = tcase_create("kinds_and_modes");
	TCase *networks = tcase_create("networks"), *accounting = tcase_create("accounting");

	tcase_set_timeout(accounting, 60);
	TCase *lifecycle = tcase_create("off_boarding");

	tcase_set_timeout(lifecycle, 30);

	tcase_add_test(local, tcp_connect_to_another_tenant_over_ipv4_is_refused_with_eperm);
	tcase_add_test(local, tcp_connect_to_another_tenant_over_ipv6_is_refused_with_eperm);
	tcase_add_test(local, tcp_connect_by_ipv4_mapped_ipv6_address_is_refused);
	tcase_add_test(local, tcp_connect_by_any_loopback_address_is_refused);
	tcase_add_test(local, tcp_connect_by_unspecified_address_is_refused);
	tcase_add_test(local, tcp_connect_by_a_host_interface_address_is_refused);
	tcase_add_test(local, connected_udp_to_another_tenant_is_refused_in_both_families);
	tcase_add_test(local, unconnected_udp_sendmsg_to_another_tenant_is_refused_in_both_families);
	tcase_add_test(local, udp_to_an_ipv4_only_socket_of_another_tenant_is_refused);
	tcase_add_test(local, sockets_created_before_tenantd_started_belong_to_their_tenant);
	tcase_add_test(local, connections_within_a_tenant_are_allowed);
	tcase_add_test(local, processes_in_nested_cgroups_belong_to_the_tenant);
	tcase_add_test(local, untagged_processes_are_not_restricted);
	tcase_add_test(local, raw_sockets_are_refused_in_both_families);
	tcase_add_test(local, a_socket_keeps_its_tag_when_its_process_changes_cgroup);

	tcase_add_test(kinds, shared_tenants_are_reachable_by_every_tenant);
	tcase_add_test(kinds, shared_tenants_do_not_initiate_to_tenants);
	tcase_add_test(kinds, platform_tenants_reach_every_tenant);
	tcase_add_test(kinds, tenants_do_not_initiate_to_platform_tenants);
	tcase_add_test(kinds, audit_mode_allows_the_traffic_and_counts_it_as_audited);
	tcase_add_test(kinds, allow_to_opens_exactly_the_named_port_and_protocol);
	tcase_add_test(kinds, allow_to_is_one_way);
	tcase_add_test(kinds, host_policy_deny_refuses_untagged_host_sockets);
	tcase_add_test(kinds, host_allow_ports_punch_holes_through_host_policy_deny);
	tcase_add_test(kinds, host_policy_allow_lets_tenants_reach_host_sockets);

	tcase_add_test(networks, connect_to_another_tenants_network_is_refused_in_both_families);
	tcase_add_test(networks, packets_from_another_tenants_network_are_dropped_in_both_families);

	tcase_add_test(accounting, udp_bytes_and_packets_are_counted_exactly_for_sender_and_receiver);
	tcase_add_test(accounting, tcp_traffic_is_counted_identically_by_sender_and_receiver);
	tcase_add_test(accounting, a_denied_connect_emits_an_event_with_every_field);
	tcase_add_test(accounting, events_beyond_the_event_rate_are_counted_as_sampled_out);

	tcase_add_test(accounting, the_metrics_exposition_passes_promtool_check);
	tcase_add_test(accounting, the_status_names_the_attached_programs_and_tenant_count);
	tcase_add_test(accounting, an_unknown_endpoint_is_a_json_404);
	tcase_add_test(accounting, garbage_bytes_get_a_400_and_the_agent_goes_on);
	tcase_add_test(accounting, idle_and_half_open_connections_do_not_stall_other_clients);
	tcase_add_test(accounting, two_hundred_concurrent_clients_are_all_answered);
	tcase_add_test(accounting, a_stuck_event_follower_stalls_neither_the_events_nor_other_clients);
	tcase_add_test(accounting, metrics_listen_serves_the_exposition_over_tcp_and_nothing_else);
	tcase_add_test(accounting, a_real_prometheus_scrapes_the_counters_with_their_values);
	tcase_add_test(accounting, tenantctl_status_prints_a_table_and_json);
	tcase_add_test(accounting, an_operator_sees_every_tenant);
	tcase_add_test(accounting, a_tenant_sees_only_its_own_record);
	tcase_add_test(accounting, another_tenants_name_looks_exactly_like_a_missing_one);
	tcase_add_test(accounting, a_tenant_sees_only_its_own_metric_series_with_peers_masked);
	tcase_add_test(accounting, a_tenant_status_shows_the_version_and_its_own_name_only);
	tcase_add_test(accounting, a_caller_in_no_tenant_is_refused_everything);
	tcase_add_test(accounting, who_names_a_process_tenant_for_operators_and_its_own_for_tenants);
	tcase_add_test(accounting, events_lists_recent_violations_as_json_lines_and_filters_by_tenant);
	tcase_add_test(accounting, a_tenant_reads_only_its_own_events_with_peers_masked);
	tcase_add_test(accounting, following_events_streams_each_new_one_as_it_happens);
	tcase_add_test(accounting, reload_over_the_api_is_for_operators_and_reports_errors);
	tcase_add_test(accounting, tenantctl_without_an_agent_fails_with_one_line);

	tcase_add_test(lifecycle, a_bad_config_refuses_start_up_and_attaches_nothing);
	tcase_add_test(lifecycle, a_broken_reload_leaves_the_running_policy_as_it_was);
	tcase_add_loop_test(lifecycle, each_broken_config_is_refused_on_reload_and_the_policy_holds,
			    0, corpus_case_count);
	tcase_add_test(lifecycle, tenantctl_tenants_prints_a_table_and_json);
	tcase_add_test(lifecycle, tenantctl_show_prints_one_tenant_and_exits_4_when_missing);
	tcase_add_test(lifecycle, tenantctl_events_prints_readable_lines_and_follows);
	tcase_add_test(lifecycle, tenantctl_who_reload_apply_and_remove);
	tcase_add_test(lifecycle, tenantctl_as_a_tenant_may_read_but_not_change);
	tcase_add_test(lifecycle, put_creates_a_tenant_writes_its_drop_in_and_enforces_it);
	tcase_add_test(lifecycle, put_replaces_an_existing_tenant);
	tcase_add_test(lifecycle, put_of_a_network_another_tenant_owns_is_a_conflict_and_changes_nothing);
	tcase_add_test(lifecycle, bad_put_requests_are_refused_with_a_clear_error);
	tcase_add_test(lifecycle, an_oversized_body_is_refused_with_413);
	tcase_add_test(lifecycle, only_operators_may_change_tenants);
	tcase_add_test(lifecycle, delete_tombstones_and_purge_frees_the_counters_and_the_id);
	tcase_add_test(lifecycle, an_off_boarded_tenant_loses_all_network_access);

	suite_add_tcase(suite, local);
	suite_add_tcase(suite, kinds);
	suite_add_tcase(suite, networks);
	suite_add_tcase(suite, accounting);
	suite_add_tcase(suite, lifecycle);
	return suite;
}

int main(void)
{
	SRunner *runner;
	int failed;

	corpus_case_count = scandir(CORPUS, &corpus_cases, is_case, alphasort);
	if (corpus_case_count < 30) {
		fprintf(stderr, "%s: the bad-input corpus is missing\n", CORPUS);
		return EXIT_FAILURE;
	}
	runner = srunner_create(enforcement_suite());

	/* One agent for the whole suite: set up here, not per test case. */
	suite_setup();
	failed = harness_run(runner);
	srunner_free(runner);
	failed += harness_agent_sanitizer_reports();
	suite_teardown();
	for (int i = 0; i < corpus_case_count; i++)
		free(corpus_cases[i]);
	free(corpus_cases);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
