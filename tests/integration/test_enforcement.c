// SPDX-License-Identifier: LGPL-2.1-or-later
/* Enforcement with the real programs attached to a scratch cgroup tree:
 * every row of the design's enforcement table in both address families,
 * socket tags, each kind and mode, AllowTo, HostPolicy, networks across
 * network namespaces and off-boarding. Each test is one behaviour. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"
#include "tenants.h"

START_TEST(tcp_connect_to_another_tenant_over_ipv4_is_refused_with_eperm)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp 127.0.0.1 9101"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 1);
}
END_TEST

START_TEST(tcp_connect_to_another_tenant_over_ipv6_is_refused_with_eperm)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 1);
}
END_TEST

START_TEST(tcp_connect_by_ipv4_mapped_ipv6_address_is_refused)
{
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::ffff:127.0.0.1 9101"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::ffff:127.0.0.1 9104"), EPERM);
}
END_TEST

START_TEST(tcp_connect_by_any_loopback_address_is_refused)
{
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp 127.0.0.2 9101"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp 127.1.2.3 9101"), EPERM);
}
END_TEST

START_TEST(tcp_connect_by_unspecified_address_is_refused)
{
	/* connect(0.0.0.0) and connect(::) reach the loopback listeners. */
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp 0.0.0.0 9104"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp :: 9101"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::ffff:0.0.0.0 9104"), EPERM);
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
		ck_assert_msg(harness_probe("acme", NULL, arguments) == EPERM, "%s was not refused",
			      address);
		tried++;
	}
	freeifaddrs(interfaces);
	if (!tried)
		ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp 127.0.0.1 9101"), EPERM);
}
END_TEST

START_TEST(connected_udp_to_another_tenant_is_refused_in_both_families)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(harness_probe("acme", NULL, "connect udp 127.0.0.1 9105"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect udp ::1 9105"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 2);
}
END_TEST

START_TEST(unconnected_udp_sendmsg_to_another_tenant_is_refused_in_both_families)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(harness_probe("acme", NULL, "sendto 127.0.0.1 9105 10"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto ::1 9105 10"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto ::ffff:127.0.0.1 9105 10"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 3);
}
END_TEST

START_TEST(udp_to_an_ipv4_only_socket_of_another_tenant_is_refused)
{
	char arguments[4200];
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(harness_probe("acme", NULL, "sendto 127.0.0.1 9106 10"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect udp 127.0.0.1 9106"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 2);
	ck_assert_int_eq(harness_probe("globex", NULL, "sendto 127.0.0.1 9106 10"), 0);
	/* An IPv4 UDP socket created in acme stays acme's in globex's cgroup. */
	snprintf(arguments, sizeof(arguments), "connect-after-move %s udp 127.0.0.1 9106",
		 harness_cgroup("globex"));
	ck_assert_int_eq(harness_probe("acme", NULL, arguments), EPERM);
}
END_TEST

START_TEST(sockets_created_before_tenantd_started_belong_to_their_tenant)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9107"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto 127.0.0.1 9108 10"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 2);
	ck_assert_int_eq(harness_probe("globex", NULL, "connect tcp ::1 9107"), 0);
}
END_TEST

START_TEST(connections_within_a_tenant_are_allowed)
{
	ck_assert_int_eq(harness_probe("globex", NULL, "connect tcp 127.0.0.1 9101"), 0);
	ck_assert_int_eq(harness_probe("globex", NULL, "connect tcp ::1 9101"), 0);
	ck_assert_int_eq(harness_probe("globex", NULL, "sendto ::1 9105 10"), 0);
}
END_TEST

START_TEST(processes_in_nested_cgroups_belong_to_the_tenant)
{
	ck_assert_int_eq(harness_probe("acme/web/worker", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(harness_probe("acme/web/worker", NULL, "connect tcp ::1 9301"), 0);
}
END_TEST

/* However deep below its tenant cgroup a process runs (a delegated
 * subtree nests as it likes), its sockets are its tenant's: after a policy
 * change, when a socket's tenant is resolved again from its cgroup, a deep
 * listener still refuses other tenants, and its traffic is still counted. */
START_TEST(a_process_40_levels_below_its_tenant_cgroup_belongs_to_the_tenant)
{
	long long before = harness_violations("globex", "acme", "local_socket", "denied");
	long long sent;
	char deep[256] = "acme";
	pid_t listener;

	for (int level = 0; level < 40; level++)
		strcat(deep, "/d");
	harness_cgroup(deep);
	listener = harness_probe_listen(deep, NULL, "listen tcp :: 9311");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("globex", NULL, "connect tcp ::1 9311"), EPERM);
	ck_assert_int_eq(harness_violations("globex", "acme", "local_socket", "denied"), before + 1);
	sent = harness_counter("tenantd_tenant_tx_bytes_total", "acme");
	ck_assert_int_eq(harness_probe(deep, NULL, "connect tcp ::1 9201 100000"), 0);
	ck_assert_int_ge(harness_counter("tenantd_tenant_tx_bytes_total", "acme") - sent, 100000);
	kill(listener, SIGTERM);
}
END_TEST

/* A socket's tenant is its cgroup's, whenever the cgroup became the
 * tenant's: an IPv4 UDP service started before its cgroup was configured
 * is the tenant's from the reload on. */
START_TEST(a_udp4_socket_made_before_its_cgroup_was_a_tenants_belongs_to_the_tenant)
{
	long long before = harness_violations("acme", "newco", "local_socket", "denied");
	pid_t listener = harness_probe_listen("newco", NULL, "listen udp 127.0.0.1 9321");

	harness_write_config("tenants.d/newco.conf", "[Tenant]\nCgroup=%s/newco\n",
			     harness_root());
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto 127.0.0.1 9321 10"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "newco", "local_socket", "denied"), before + 1);
	kill(listener, SIGTERM);
}
END_TEST

START_TEST(untagged_processes_are_not_restricted)
{
	ck_assert_int_eq(harness_probe("host", NULL, "connect tcp ::1 9101"), 0);
	ck_assert_int_eq(harness_probe("", NULL, "connect tcp ::1 9101"), 0);
}
END_TEST

START_TEST(raw_sockets_are_refused_in_both_families)
{
	long long before = harness_violations("acme", "host", "raw_socket", "denied");

	ck_assert_int_eq(harness_probe("acme", NULL, "raw"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "raw6"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "host", "raw_socket", "denied"), before + 2);
	ck_assert_int_eq(harness_probe("host", NULL, "raw"), 0);
}
END_TEST

/* A raw socket in the tenant's own user and network namespace (a rootless
 * container's) sees and forges only that namespace's traffic. */
START_TEST(raw_sockets_in_a_namespace_of_the_tenants_own_are_allowed_in_both_families)
{
	long long before = harness_violations("acme", "host", "raw_socket", "denied");

	ck_assert_int_eq(harness_probe("acme", NULL, "--user-namespace yes --network-namespace yes raw"),
			 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "--user-namespace yes --network-namespace yes raw6"),
			 0);
	ck_assert_int_eq(harness_violations("acme", "host", "raw_socket", "denied"), before);
	/* In its user namespace but the host's network namespace: refused. */
	ck_assert_int_eq(harness_probe("acme", NULL, "--user-namespace yes raw"), EPERM);
}
END_TEST

START_TEST(a_socket_keeps_its_tag_when_its_process_changes_cgroup)
{
	char arguments[4200];

	/* Created in acme, then moved to globex: still acme's socket. */
	snprintf(arguments, sizeof(arguments), "connect-after-move %s tcp ::1 9101",
		 harness_cgroup("globex"));
	ck_assert_int_eq(harness_probe("acme", NULL, arguments), EPERM);
}
END_TEST

START_TEST(shared_tenants_are_reachable_by_every_tenant)
{
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9201"), 0);
	ck_assert_int_eq(harness_probe("globex", NULL, "connect tcp 127.0.0.1 9201"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto 127.0.0.1 9201 10"), 0);
}
END_TEST

START_TEST(shared_tenants_do_not_initiate_to_tenants)
{
	long long before = harness_violations("dns", "acme", "local_socket", "denied");

	ck_assert_int_eq(harness_probe("dns", NULL, "connect tcp ::1 9301"), EPERM);
	ck_assert_int_eq(harness_violations("dns", "acme", "local_socket", "denied"), before + 1);
}
END_TEST

/* Datagrams carry no connection: an answer is known by the asking
 * socket, which remembers whom it asked. */
START_TEST(a_shared_tenants_udp_service_answers_a_tenants_query_in_both_families)
{
	long long before = harness_violations("dns", "acme", "local_socket", "denied");
	pid_t service = harness_probe_listen("dns", NULL, "echo udp :: 9202");

	ck_assert_int_eq(harness_probe("acme", NULL, "ask ::1 9202"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "ask 127.0.0.1 9202"), 0);
	ck_assert_int_eq(harness_violations("dns", "acme", "local_socket", "denied"), before);
	kill(service, SIGTERM);
}
END_TEST

START_TEST(a_tenants_udp_service_answers_a_platform_tenants_query)
{
	pid_t service = harness_probe_listen("acme", NULL, "echo udp :: 9302");

	ck_assert_int_eq(harness_probe("ops", NULL, "ask ::1 9302"), 0);
	kill(service, SIGTERM);
}
END_TEST

START_TEST(an_allow_to_udp_service_answers_the_tenant_it_is_open_to)
{
	long long before = harness_violations("globex", "acme", "local_socket", "denied");

	/* globex echoes on 9103/udp, which acme's AllowTo opens. */
	ck_assert_int_eq(harness_probe("acme", NULL, "ask ::1 9103"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "ask 127.0.0.1 9103"), 0);
	ck_assert_int_eq(harness_violations("globex", "acme", "local_socket", "denied"), before);
}
END_TEST

/* Only the asking socket may be answered: a shared tenant sending first is
 * refused, as a connect would be. */
START_TEST(a_shared_tenant_may_not_send_unasked_datagrams_to_a_tenant)
{
	long long before = harness_violations("dns", "acme", "local_socket", "denied");
	pid_t service = harness_probe_listen("acme", NULL, "echo udp :: 9303");

	ck_assert_int_eq(harness_probe("dns", NULL, "sendto ::1 9303 10"), EPERM);
	ck_assert_int_eq(harness_probe("dns", NULL, "ask 127.0.0.1 9303"), EPERM);
	ck_assert_int_eq(harness_violations("dns", "acme", "local_socket", "denied"), before + 2);
	kill(service, SIGTERM);
}
END_TEST

START_TEST(platform_tenants_reach_every_tenant)
{
	ck_assert_int_eq(harness_probe("ops", NULL, "connect tcp ::1 9301"), 0);
	ck_assert_int_eq(harness_probe("ops", NULL, "connect tcp 127.0.0.1 9101"), 0);
}
END_TEST

START_TEST(tenants_do_not_initiate_to_platform_tenants)
{
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9601"), EPERM);
}
END_TEST

START_TEST(audit_mode_allows_the_traffic_and_counts_it_as_audited)
{
	long long audited = harness_violations("initech", "globex", "local_socket", "audited");
	struct json_object *event;
	long long denied = harness_violations("initech", "globex", "local_socket", "denied");

	ck_assert_int_eq(harness_probe("initech", NULL, "connect tcp ::1 9101"), 0);
	ck_assert_int_eq(harness_violations("initech", "globex", "local_socket", "audited"), audited + 1);
	ck_assert_int_eq(harness_violations("initech", "globex", "local_socket", "denied"), denied);
	event = harness_wait_event("initech", "local_socket", 9101, 0);
	ck_assert_ptr_nonnull(event);
	json_object_put(event);
}
END_TEST

START_TEST(allow_to_opens_exactly_the_named_port_and_protocol)
{
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9102 1000"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto 127.0.0.1 9103 10"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto 127.0.0.1 9105 10"), EPERM);
}
END_TEST

START_TEST(allow_to_is_one_way)
{
	ck_assert_int_eq(harness_probe("globex", NULL, "connect tcp ::1 9301"), EPERM);
}
END_TEST

START_TEST(host_policy_deny_refuses_untagged_host_sockets)
{
	long long before = harness_violations("acme", "host", "host", "denied");

	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9401"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp 127.0.0.1 9401"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "host", "host", "denied"), before + 2);
}
END_TEST

START_TEST(host_allow_ports_punch_holes_through_host_policy_deny)
{
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9153"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp 127.0.0.1 9153"), 0);
}
END_TEST

START_TEST(host_policy_allow_lets_tenants_reach_host_sockets)
{
	tenants_write_config("allow");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9401"), 0);
	tenants_write_config("deny");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9401"), EPERM);
}
END_TEST

START_TEST(connect_to_another_tenants_network_is_refused_in_both_families)
{
	long long before = harness_violations("acme", "globex", "remote_network", "denied");

	ck_assert_int_eq(harness_probe("", tenants_netns_a(), "connect tcp 10.201.2.1 9701"), 0);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp 10.201.2.1 9701"),
			 EPERM);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp fd00:201:2::1 9701"),
			 EPERM);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(),
				       "connect tcp ::ffff:10.201.2.1 9701"), EPERM);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "sendto 10.201.2.1 9701 10"),
			 EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "remote_network", "denied"), before + 4);
}
END_TEST

/* globex listens on port 9711 bound to any address in netns a. That
 * socket is where a connection to netns a's own addresses goes, not where
 * one to a remote host on the same port goes. */
START_TEST(a_wildcard_listener_does_not_refuse_connects_to_remote_hosts_on_its_port)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp 10.201.9.1 9711"),
			 0);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp fd00:201:9::1 9711"),
			 0);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(),
				       "connect tcp ::ffff:10.201.9.1 9711"), 0);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect udp 10.201.9.1 9711"),
			 0);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before);
	/* To netns a's own addresses it is still globex's socket. */
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp 10.201.1.1 9711"),
			 EPERM);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp fd00:201:1::1 9711"),
			 EPERM);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp 127.0.0.1 9711"),
			 EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 3);
}
END_TEST

/* ICMP echo sockets, like every protocol without a connect or sendmsg
 * hook, are judged as their packets leave. */
/* sendto() cannot tell a remote destination from a local one: datagrams on
 * a port another tenant's wildcard listener holds go out to remote hosts,
 * and one that stays on this host is judged where it is delivered. */
START_TEST(datagrams_to_remote_hosts_on_a_wildcard_listeners_port_are_not_refused)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");

	/* globex listens on [::]:9712/udp in netns a; 10.201.9.1 and
	 * fd00:201:9::1 are hosts of no tenant's, beyond the link. */
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "sendto 10.201.9.1 9712 10"), 0);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "sendto fd00:201:9::1 9712 10"),
			 0);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "sendto 10.201.1.1 9712 10"), 0);
	ck_assert(harness_wait_until(
		harness_violations("acme", "globex", "local_socket", "denied") == before + 1,
			HARNESS_PATIENCE_MS));
}
END_TEST

START_TEST(ping_to_another_tenants_network_is_refused_in_both_families)
{
	long long before = harness_violations("acme", "globex", "remote_network", "denied");
	long long sent;

	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "ping 10.201.2.1"), EPERM);
	/* The kernel does not pass an ICMPv6 echo socket's output error on to
	 * sendto(): the request is dropped and counted, not sent. */
	sent = harness_counter("tenantd_tenant_tx_packets_total", "acme");
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "ping fd00:201:2::1"), 0);
	ck_assert_int_eq(harness_violations("acme", "globex", "remote_network", "denied"),
			 before + 2);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_packets_total", "acme"), sent);
	/* A host of no tenant's, and the host itself, may be pinged. */
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "ping 10.201.9.1"), 0);
	ck_assert_int_eq(harness_probe("", tenants_netns_a(), "ping 10.201.2.1"), 0);
}
END_TEST

/* Runs nft in netns a with COMMANDS; true when it succeeded. */
static bool nft_in_netns_a(const char *commands)
{
	char command[2048];

	snprintf(command, sizeof(command), "ip netns exec '%s' nft '%s'", tenants_netns_a(),
		 commands);
	return system(command) == 0;
}

/* Destinations rewritten after connect() by the nat OUTPUT chain, as
 * published ports and service addresses are: judged where they lead. */
START_TEST(connections_translated_to_another_tenant_are_refused_in_both_families)
{
	long long network = harness_violations("acme", "globex", "remote_network", "denied");
	long long local = harness_violations("acme", "globex", "local_socket", "denied");
	struct json_object *event, *field;

	ck_assert(nft_in_netns_a(
		"add table inet tenantd_test; "
		"add chain inet tenantd_test out { type nat hook output priority -100; }; "
		"add rule inet tenantd_test out ip daddr 10.201.9.1 tcp dport 9722 dnat ip to 10.201.2.1:9701; "
		"add rule inet tenantd_test out ip6 daddr fd00:201:9::1 tcp dport 9722 dnat ip6 to [fd00:201:2::1]:9701; "
		"add rule inet tenantd_test out ip daddr 10.201.9.1 tcp dport 9723 dnat ip to 10.201.9.1:9711; "
		"add rule inet tenantd_test out ip daddr 10.201.9.1 tcp dport 9724 dnat ip to 10.201.1.1:9711"));
	/* To globex's network, in another netns. */
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp 10.201.9.1 9722"),
			 EINPROGRESS);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp fd00:201:9::1 9722"),
			 EINPROGRESS);
	ck_assert_int_ge(harness_violations("acme", "globex", "remote_network", "denied"), network + 2);
	/* The event shows the destination written, and where it went. */
	event = harness_wait_event("acme", "remote_network", 9722, 0);
	ck_assert_ptr_nonnull(event);
	ck_assert(json_object_object_get_ex(event, "translated_dst", &field));
	ck_assert_str_eq(json_object_get_string(field), "10.201.2.1");
	ck_assert(json_object_object_get_ex(event, "translated_dport", &field));
	ck_assert_int_eq(json_object_get_int(field), 9701);
	json_object_put(event);
	/* To globex's socket on this host. */
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp 10.201.9.1 9724"),
			 EINPROGRESS);
	ck_assert_int_ge(harness_violations("acme", "globex", "local_socket", "denied"), local + 1);
	/* To a host of no tenant's: as without the rule. */
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp 10.201.9.1 9723"),
			 0);
	ck_assert(nft_in_netns_a("delete table inet tenantd_test"));
}
END_TEST

/* A connected UDP socket's datagrams that translation sends elsewhere are
 * judged where they go; send() reports the refusal. */
/* Publishes PORT, PORT + 1 and PORT + 2 of 10.201.9.1 (and PORT of
 * fd00:201:9::1) by DNAT in netns a: to globex's network in netns b, to
 * globex's socket on this host, and to acme's own; then sends acme's
 * datagrams there with SEND ("connect udp" or "sendto"). */
static void expect_translated_datagrams_refused(const char *send, int port)
{
	long long network = harness_violations("acme", "globex", "remote_network", "denied");
	long long local = harness_violations("acme", "globex", "local_socket", "denied");
	char rules[1024], arguments[128];

	snprintf(rules, sizeof(rules),
		 "add table inet tenantd_test; "
		 "add chain inet tenantd_test out { type nat hook output priority -100; }; "
		 "add rule inet tenantd_test out ip daddr 10.201.9.1 udp dport %d dnat ip to 10.201.2.1:9701; "
		 "add rule inet tenantd_test out ip6 daddr fd00:201:9::1 udp dport %d dnat ip6 to [fd00:201:2::1]:9701; "
		 "add rule inet tenantd_test out ip daddr 10.201.9.1 udp dport %d dnat ip to 10.201.1.1:9712; "
		 "add rule inet tenantd_test out ip daddr 10.201.9.1 udp dport %d dnat ip to 10.201.1.1:9702",
		 port, port, port + 1, port + 2);
	ck_assert(nft_in_netns_a(rules));
	/* To globex's network, in another netns. */
	snprintf(arguments, sizeof(arguments), "%s 10.201.9.1 %d 10", send, port);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), arguments), EPERM);
	snprintf(arguments, sizeof(arguments), "%s fd00:201:9::1 %d 10", send, port);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), arguments), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "remote_network", "denied"), network + 2);
	/* To globex's socket on this host. */
	snprintf(arguments, sizeof(arguments), "%s 10.201.9.1 %d 10", send, port + 1);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), arguments), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), local + 1);
	/* To acme's own socket: as without the rule; and untranslated. */
	snprintf(arguments, sizeof(arguments), "%s 10.201.9.1 %d 10", send, port + 2);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), arguments), 0);
	snprintf(arguments, sizeof(arguments), "%s 10.201.9.1 %d 10", send, port + 3);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), arguments), 0);
	ck_assert(nft_in_netns_a("delete table inet tenantd_test"));
}

START_TEST(datagrams_translated_to_another_tenant_are_refused_in_both_families)
{
	expect_translated_datagrams_refused("connect udp", 9725);
}
END_TEST

/* An unconnected socket's datagrams: judged at sendmsg() by the address
 * written, and again as they leave when translation sent them elsewhere. */
START_TEST(unconnected_datagrams_translated_to_another_tenant_are_refused_in_both_families)
{
	expect_translated_datagrams_refused("sendto", 9735);
}
END_TEST

/* Runs netprobe like harness_probe(), in a child, without waiting for it. */
/* Whether a socket in network namespace a waits for the answer to its SYN
 * to PORT. */
static bool syn_sent_to(int port)
{
	char command[512];

	snprintf(command, sizeof(command),
		 "ip netns exec '%s' ss -Htn state syn-sent '( dport = :%d )' | grep -q .",
		 tenants_netns_a(), port);
	return system(command) == 0;
}

/* initech is in audit mode: a flow judged where it is delivered goes
 * through, counted once as audited. */
START_TEST(audit_mode_lets_a_delivered_connection_through_and_counts_it_once)
{
	long long audited = harness_violations("initech", "globex", "local_socket", "audited");
	long long denied = harness_violations("initech", "globex", "local_socket", "denied");
	pid_t server = harness_probe_listen("globex", NULL, "--device lo listen tcp :: 9138");

	ck_assert_int_eq(harness_probe("initech", NULL, "connect tcp ::1 9138 10"), 0);
	ck_assert_int_eq(harness_violations("initech", "globex", "local_socket", "audited"),
			 audited + 1);
	ck_assert_int_eq(harness_violations("initech", "globex", "local_socket", "denied"), denied);
	kill(server, SIGTERM);
}
END_TEST

/* The connect-time lookup does not match a socket bound to a device; the
 * kernel delivers to it all the same, and the connection is judged there. */
START_TEST(a_listener_bound_to_a_device_is_reached_by_no_other_tenant_in_both_families)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");
	pid_t server = harness_probe_listen("globex", NULL, "--device lo listen tcp :: 9130");

	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9130 10"), EINPROGRESS);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp 127.0.0.1 9130 10"), EINPROGRESS);
	ck_assert_int_ge(harness_violations("acme", "globex", "local_socket", "denied"), before + 2);
	ck_assert_int_eq(harness_probe("globex", NULL, "connect tcp ::1 9130 10"), 0);
	kill(server, SIGTERM);
}
END_TEST

/* A SO_REUSEPORT group cannot span tenants (test_bind.c): another
 * tenant's member is refused at bind(), and every connection reaches the
 * group's own tenant. */
START_TEST(a_reuseport_group_across_tenants_delivers_nothing_across)
{
	long long received = harness_counter("tenantd_tenant_rx_bytes_total", "globex");
	pid_t mine = harness_probe_listen("acme", NULL,
					  "--reuseport yes listen tcp 127.0.0.1 9131");

	ck_assert_int_eq(harness_probe("globex", NULL, "--reuseport yes bind tcp 127.0.0.1 9131"),
			 EPERM);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp 127.0.0.1 9131 1000"), 0);
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_bytes_total", "globex"), received);
	kill(mine, SIGTERM);
}
END_TEST

/* The first SYN is lost (dropped by a rule here); by its retransmission,
 * another tenant listens on the port the connect was judged for. */
START_TEST(a_connection_whose_port_changed_hands_before_its_syn_arrived_is_judged_on_arrival)
{
	long long before = harness_violations("acme", "globex", "local_socket", "denied");
	pid_t client, server;

	ck_assert(nft_in_netns_a(
		"add table inet tenantd_test; "
		"add chain inet tenantd_test in { type filter hook input priority 0; }; "
		"add rule inet tenantd_test in tcp dport 9132 tcp flags & (syn | ack) == syn "
		"numgen inc mod 1000 0 drop"));
	client = harness_probe_in_background("acme", tenants_netns_a(), "connect tcp 127.0.0.1 9132 10");
	ck_assert(harness_wait_until(syn_sent_to(9132), HARNESS_PATIENCE_MS));
	server = harness_probe_listen("globex", tenants_netns_a(), "listen tcp 127.0.0.1 9132");
	ck_assert_int_eq(harness_probe_status(client), EINPROGRESS);
	ck_assert_int_ge(harness_violations("acme", "globex", "local_socket", "denied"), before + 1);
	kill(server, SIGTERM);
	ck_assert(nft_in_netns_a("delete table inet tenantd_test"));
}
END_TEST

/* Two sockets connecting to each other's port at once (their first SYNs
 * lost here, so both are in SYN-SENT when the second ones cross) make one
 * connection with no listener, which connect() could not see coming. */
START_TEST(a_simultaneous_open_across_tenants_is_refused_both_ways)
{
	long long acme = harness_violations("acme", "globex", "local_socket", "denied");
	long long globex = harness_violations("globex", "acme", "local_socket", "denied");
	pid_t first, second;

	ck_assert(nft_in_netns_a(
		"add table inet tenantd_test; "
		"add chain inet tenantd_test in { type filter hook input priority 0; }; "
		"add rule inet tenantd_test in tcp dport { 9133, 9134 } tcp flags & (syn | ack) == syn "
		"meta mark set 1 numgen inc mod 2 0 drop"));
	first = harness_probe_in_background("acme", tenants_netns_a(),
				    "--local-port 9133 connect tcp 127.0.0.1 9134 10");
	second = harness_probe_in_background("globex", tenants_netns_a(),
				     "--local-port 9134 connect tcp 127.0.0.1 9133 10");
	ck_assert_int_eq(harness_probe_status(first), EINPROGRESS);
	ck_assert_int_eq(harness_probe_status(second), EINPROGRESS);
	ck_assert_int_ge(harness_violations("acme", "globex", "local_socket", "denied") - acme +
				 harness_violations("globex", "acme", "local_socket", "denied") - globex,
			 1);
	ck_assert(nft_in_netns_a("delete table inet tenantd_test"));
}
END_TEST

/* A UDP socket connected to a port nothing is bound to yet, whose datagrams
 * the kernel delivers to the socket another tenant binds there later. */
static void connected_before_the_peer_binds(const char *sender, const char *receiver,
					    const char *address, int port)
{
	long long denied = harness_violations(sender, receiver, "local_socket", "denied");
	long long received = harness_counter("tenantd_tenant_rx_bytes_total", receiver);
	char arguments[512], go[512];
	pid_t client, server;

	snprintf(go, sizeof(go), "%s/go-%d", harness_scratch(), port);
	unlink(go);
	snprintf(arguments, sizeof(arguments), "--send-when %s connect udp %s %d 100", go, address,
		 port);
	client = harness_probe_in_background(sender, NULL, arguments);
	snprintf(arguments, sizeof(arguments), "listen udp %s %d", address, port);
	/* The connect is judged before anything is bound: nothing to refuse. */
	ck_assert(harness_wait_until(harness_udp_connected_to(port), HARNESS_PATIENCE_MS));
	server = harness_probe_listen(receiver, NULL, arguments);
	ck_assert(harness_shell("touch %s", go));
	ck_assert_int_eq(harness_probe_status(client), 0);
	ck_assert(harness_wait_until(
		harness_violations(sender, receiver, "local_socket", "denied") == denied + 1,
			HARNESS_PATIENCE_MS));
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_bytes_total", receiver), received);
	kill(server, SIGTERM);
}

START_TEST(udp_connected_before_its_peer_binds_is_judged_at_delivery_both_ways)
{
	connected_before_the_peer_binds("acme", "globex", "127.0.0.1", 9135);
	connected_before_the_peer_binds("globex", "acme", "::1", 9136);
}
END_TEST

START_TEST(a_udp_socket_bound_to_a_device_receives_nothing_from_another_tenant)
{
	long long denied = harness_violations("acme", "globex", "local_socket", "denied");
	long long received = harness_counter("tenantd_tenant_rx_bytes_total", "globex");
	pid_t server = harness_probe_listen("globex", NULL, "--device lo listen udp :: 9137");

	ck_assert_int_eq(harness_probe("acme", NULL, "sendto ::1 9137 100"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto 127.0.0.1 9137 100"), 0);
	ck_assert(harness_wait_until(
		harness_violations("acme", "globex", "local_socket", "denied") == denied + 2,
			HARNESS_PATIENCE_MS));
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_bytes_total", "globex"), received);
	kill(server, SIGTERM);
}
END_TEST

/* In audit mode a translated connection goes through, counted once as
 * audited: where it leaves, not again where it is delivered. */
START_TEST(audit_mode_lets_a_translated_connection_through_and_counts_it_once)
{
	long long audited = harness_violations("initech", "globex", "local_socket", "audited");

	ck_assert(nft_in_netns_a(
		"add table inet tenantd_test; "
		"add chain inet tenantd_test out { type nat hook output priority -100; }; "
		"add rule inet tenantd_test out ip daddr 10.201.9.1 tcp dport 9728 dnat ip to 10.201.1.1:9711"));
	ck_assert_int_eq(harness_probe("initech", tenants_netns_a(),
				       "connect tcp 10.201.9.1 9728 10"), 0);
	ck_assert_int_eq(harness_violations("initech", "globex", "local_socket", "audited"),
			 audited + 1);
	ck_assert(nft_in_netns_a("delete table inet tenantd_test"));
}
END_TEST

START_TEST(packets_from_another_tenants_network_are_dropped_in_both_families)
{
	long long before = harness_violations("acme", "globex", "ingress_network", "denied");
	long long received = harness_counter("tenantd_tenant_rx_packets_total", "acme");

	ck_assert_int_eq(harness_probe("", tenants_netns_b(), "sendto 10.201.1.1 9702 10"), 0);
	ck_assert_int_eq(harness_probe("", tenants_netns_b(), "sendto fd00:201:1::1 9702 10"), 0);
	/* Datagrams arrive after sendto() returns: wait for both to be judged. */
	harness_wait_until(harness_violations("acme", "globex", "ingress_network", "denied") >=
				   before + 2,
			   HARNESS_PATIENCE_MS);
	ck_assert_int_eq(harness_violations("acme", "globex", "ingress_network", "denied"), before + 2);
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_packets_total", "acme"), received);
}
END_TEST

/* acme may reach globex on 9102/tcp and 9103/udp (AllowTo): a packet from
 * globex's network that comes from those ports looks like an answer. The
 * first packet of a flow never is one: globex's container opens nothing
 * to acme's sockets on the host's addresses. */
START_TEST(a_flow_from_another_tenants_network_on_an_allowed_port_is_no_answer)
{
	long long before = harness_violations("acme", "globex", "ingress_network", "denied");
	long long received = harness_counter("tenantd_tenant_rx_packets_total", "acme");

	ck_assert_int_eq(harness_probe("globex", tenants_netns_b(),
				       "--local-port 9102 connect tcp 10.201.8.1 9703 10"),
			 EINPROGRESS);
	ck_assert_int_eq(harness_probe("globex", tenants_netns_b(),
				       "--local-port 9102 connect tcp fd00:201:8::1 9703 10"),
			 EINPROGRESS);
	ck_assert_int_eq(harness_probe("globex", tenants_netns_b(),
				       "--local-port 9103 connect udp 10.201.8.1 9702 10"),
			 0);
	ck_assert(harness_wait_until(
		harness_violations("acme", "globex", "ingress_network", "denied") >= before + 3,
		HARNESS_PATIENCE_MS));
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_packets_total", "acme"), received);
}
END_TEST

/* IPV6_FREEBIND needs no privilege: a socket bound with it to an address
 * of globex's network sends from it, and the packet is dropped as it
 * leaves. */
START_TEST(a_packet_from_another_tenants_address_is_dropped_as_it_leaves)
{
	long long before = harness_violations("acme", "globex", "spoofed_source", "denied");

	/* 9719: no socket of this host's on it, so only the source is judged. */
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(),
				       "--source fd00:201:2::77 sendto fd00:201:9::1 9719 10"),
			 EPERM);
	ck_assert_int_ne(harness_probe("acme", tenants_netns_a(),
				       "--source fd00:201:2::77 connect tcp fd00:201:9::1 9719 10"),
			 0);
	ck_assert_int_ge(harness_violations("acme", "globex", "spoofed_source", "denied"),
			 before + 2);
	/* From its own address, a flow leaves. */
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(),
				       "--source fd00:201:1::1 connect tcp fd00:201:9::1 9701 10"),
			 0);
}
END_TEST

/* "@tenantd-test-PID/WHAT": abstract names are seen host-wide, so each
 * run uses its own. */
static const char *unix_name(const char *what)
{
	static char names[8][256];
	static int next;
	char *name = names[next++ % 8];

	snprintf(name, sizeof(names[0]), "@%s/%s", harness_root() + 1, what);
	return name;
}

/* A name bound a moment ago may not be in tenantd's table yet; the call
 * then fails as though nothing were bound, and is retried, as a client
 * racing its server's start retries. */
static int unix_probe(const char *cgroup, const char *command, const char *name,
		      const char *rest)
{
	char arguments[512];
	int status;

	snprintf(arguments, sizeof(arguments), "%s %s %s", command, name, rest);
	harness_wait_until((status = harness_probe(cgroup, NULL, arguments)) != ECONNREFUSED,
		HARNESS_PATIENCE_MS);
	return status;
}

static pid_t unix_listen(const char *cgroup, const char *type, const char *name)
{
	char arguments[512];

	snprintf(arguments, sizeof(arguments), "listen %s %s -", type, name);
	return harness_probe_listen(cgroup, NULL, arguments);
}

START_TEST(a_connect_to_another_tenants_abstract_unix_socket_is_refused_and_counted)
{
	const char *name = unix_name("globex-stream");
	long long before = harness_violations("acme", "globex", "local_socket", "denied");
	pid_t server = unix_listen("globex", "unix", name);
	struct json_object *event, *field;

	ck_assert_int_eq(unix_probe("acme", "connect unix", name, "- 10"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 1);
	event = harness_wait_event_to("acme", "local_socket", name, 0);
	ck_assert_ptr_nonnull(event);
	ck_assert(json_object_object_get_ex(event, "family", &field));
	ck_assert_str_eq(json_object_get_string(field), "unix");
	ck_assert(json_object_object_get_ex(event, "proto", &field));
	ck_assert_str_eq(json_object_get_string(field), "stream");
	ck_assert(json_object_object_get_ex(event, "comm", &field));
	ck_assert_str_eq(json_object_get_string(field), "netprobe");
	ck_assert(json_object_object_get_ex(event, "pid", &field));
	ck_assert_int_gt(json_object_get_int(field), 0);
	json_object_put(event);
	kill(server, SIGTERM);
}
END_TEST

START_TEST(datagrams_to_another_tenants_abstract_unix_socket_are_refused_sent_or_connected)
{
	const char *name = unix_name("globex-dgram");
	long long before = harness_violations("acme", "globex", "local_socket", "denied");
	pid_t server = unix_listen("globex", "unixgram", name);

	ck_assert_int_eq(unix_probe("acme", "sendto", name, "- 10"), EPERM);
	ck_assert_int_eq(unix_probe("acme", "connect unixgram", name, "- 10"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), before + 2);
	kill(server, SIGTERM);
}
END_TEST

START_TEST(a_tenant_reaches_its_own_abstract_unix_sockets_bound_a_moment_ago)
{
	const char *stream = unix_name("globex-own-stream"), *dgram = unix_name("globex-own-dgram");
	long long before = harness_violations("globex", "globex", "local_socket", "denied");
	pid_t stream_server = unix_listen("globex", "unix", stream);
	pid_t dgram_server = unix_listen("globex", "unixgram", dgram);

	ck_assert_int_eq(unix_probe("globex", "connect unix", stream, "- 10"), 0);
	ck_assert_int_eq(unix_probe("globex", "sendto", dgram, "- 10"), 0);
	ck_assert_int_eq(harness_violations("globex", "globex", "local_socket", "denied"), before);
	kill(stream_server, SIGTERM);
	kill(dgram_server, SIGTERM);
}
END_TEST

START_TEST(a_shared_tenants_abstract_unix_socket_is_reachable_by_every_tenant)
{
	const char *name = unix_name("dns-stream");
	pid_t server = unix_listen("dns", "unix", name);

	ck_assert_int_eq(unix_probe("acme", "connect unix", name, "- 10"), 0);
	ck_assert_int_eq(unix_probe("globex", "connect unix", name, "- 10"), 0);
	kill(server, SIGTERM);
}
END_TEST

START_TEST(a_shared_tenant_may_not_connect_to_a_tenants_abstract_unix_socket)
{
	const char *name = unix_name("acme-stream");
	pid_t server = unix_listen("acme", "unix", name);

	ck_assert_int_eq(unix_probe("dns", "connect unix", name, "- 10"), EPERM);
	kill(server, SIGTERM);
}
END_TEST

START_TEST(allow_to_unix_opens_the_peers_abstract_unix_sockets_and_nothing_else)
{
	const char *name = unix_name("globex-allowed");
	pid_t server = unix_listen("globex", "unix", name);

	/* umbrella has AllowTo=globex:unix; hooli has nothing. */
	ck_assert_int_eq(unix_probe("umbrella", "connect unix", name, "- 10"), 0);
	ck_assert_int_eq(unix_probe("hooli", "connect unix", name, "- 10"), EPERM);
	ck_assert_int_eq(harness_probe("umbrella", NULL, "connect tcp ::1 9101"), EPERM);
	kill(server, SIGTERM);
}
END_TEST

START_TEST(audit_mode_lets_an_abstract_unix_connect_through_and_counts_it)
{
	const char *name = unix_name("globex-audited");
	long long audited = harness_violations("initech", "globex", "local_socket", "audited");
	pid_t server = unix_listen("globex", "unix", name);
	struct json_object *event;
	char arguments[512];
	int status = 0;

	/* Nothing is refused in audit mode, not even a name tenantd does not
	 * know yet (that one goes uncounted): connects go through until one is
	 * counted. */
	snprintf(arguments, sizeof(arguments), "connect unix %s - 10", name);
	ck_assert(harness_wait_until(
		(status = harness_probe("initech", NULL, arguments)) != 0 ||
			harness_violations("initech", "globex", "local_socket", "audited") > audited,
		HARNESS_PATIENCE_MS));
	ck_assert_int_eq(status, 0);
	event = harness_wait_event_to("initech", "local_socket", name, 0);
	ck_assert_ptr_nonnull(event);
	json_object_put(event);
	kill(server, SIGTERM);
}
END_TEST

START_TEST(host_policy_deny_refuses_a_tenant_the_hosts_abstract_unix_sockets)
{
	const char *name = unix_name("host-stream");
	long long before = harness_violations("acme", "host", "host", "denied");
	pid_t server = unix_listen("host", "unix", name);

	ck_assert_int_eq(unix_probe("acme", "connect unix", name, "- 10"), EPERM);
	ck_assert_int_eq(harness_violations("acme", "host", "host", "denied"), before + 1);
	kill(server, SIGTERM);
}
END_TEST

START_TEST(host_processes_reach_a_tenants_abstract_unix_socket)
{
	const char *name = unix_name("globex-from-host");
	pid_t server = unix_listen("globex", "unix", name);

	ck_assert_int_eq(unix_probe("host", "connect unix", name, "- 10"), 0);
	kill(server, SIGTERM);
}
END_TEST

/* A name released by one tenant and bound by another is judged as its new
 * owner's once tenantd has seen the change, which a refusal asks for. */
START_TEST(an_abstract_unix_name_that_changes_hands_is_judged_by_its_new_owner)
{
	const char *name = unix_name("changes-hands");
	pid_t server = unix_listen("globex", "unix", name);
	char arguments[512];
	int status = -1;

	ck_assert_int_eq(unix_probe("acme", "connect unix", name, "- 10"), EPERM);
	kill(server, SIGKILL);
	ck_assert(harness_wait_until(waitpid(server, NULL, WNOHANG) == server,
		HARNESS_PATIENCE_MS));
	server = unix_listen("acme", "unix", name);
	snprintf(arguments, sizeof(arguments), "connect unix %s - 10", name);
	ck_assert(harness_wait_until((status = harness_probe("acme", NULL, arguments)) == 0,
		HARNESS_PATIENCE_MS));
	ck_assert_int_eq(unix_probe("globex", "connect unix", name, "- 10"), EPERM);
	kill(server, SIGTERM);
}
END_TEST

/* The kernel keeps abstract names apart per socket type: a tenant that
 * binds another tenant's stream name to a datagram socket of its own owns
 * that datagram name, not the stream one. */
START_TEST(an_abstract_name_bound_under_another_socket_type_stays_its_owners)
{
	const char *name = unix_name("by-type");
	pid_t theirs = unix_listen("globex", "unix", name);
	pid_t mine = unix_listen("acme", "unixgram", name);
	char arguments[512];

	/* Reached once a walk of the sockets has seen it. */
	snprintf(arguments, sizeof(arguments), "sendto %s 0 10", name);
	ck_assert(harness_wait_until(harness_probe("acme", NULL, arguments) == 0,
		HARNESS_PATIENCE_MS));
	ck_assert_int_eq(unix_probe("acme", "connect unix", name, "- 10"), EPERM);
	ck_assert_int_eq(unix_probe("globex", "connect unix", name, "- 10"), 0);
	kill(theirs, SIGTERM);
	kill(mine, SIGTERM);
}
END_TEST

START_TEST(an_off_boarded_tenant_loses_all_network_access)
{
	long long before = harness_violations("umbrella", "host", "tombstoned", "denied");

	ck_assert_int_eq(harness_probe("umbrella", NULL, "connect tcp ::1 9501"), 0);
	harness_remove_config("tenants.d/umbrella.conf");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("umbrella", NULL, "connect tcp ::1 9501"), EPERM);
	ck_assert_int_eq(harness_probe("umbrella", NULL, "connect tcp ::1 9153"), EPERM);
	ck_assert_int_eq(harness_probe("umbrella", NULL, "connect tcp 127.0.0.1 9153"), EPERM);
	ck_assert_int_eq(harness_probe("umbrella", NULL, "sendto 127.0.0.1 9201 10"), EPERM);
	ck_assert_int_ge(harness_violations("umbrella", "host", "tombstoned", "denied"), before + 4);
	/* Its counters stay exported. */
	ck_assert_int_gt(harness_counter("tenantd_tenant_tx_packets_total", "umbrella"), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("enforcement");

	TCase *local_sockets = tcase_create("local_sockets");
	TCase *kinds_and_modes = tcase_create("kinds_and_modes");
	TCase *networks = tcase_create("networks");
	TCase *delivery = tcase_create("delivery");
	TCase *unix_sockets = tcase_create("unix_sockets");
	TCase *off_boarding = tcase_create("off_boarding");

	tcase_add_checked_fixture(local_sockets, tenants_reset, NULL);
	tcase_set_timeout(local_sockets, 60);
	tcase_add_test(local_sockets, tcp_connect_to_another_tenant_over_ipv4_is_refused_with_eperm);
	tcase_add_test(local_sockets, tcp_connect_to_another_tenant_over_ipv6_is_refused_with_eperm);
	tcase_add_test(local_sockets, tcp_connect_by_ipv4_mapped_ipv6_address_is_refused);
	tcase_add_test(local_sockets, tcp_connect_by_any_loopback_address_is_refused);
	tcase_add_test(local_sockets, tcp_connect_by_unspecified_address_is_refused);
	tcase_add_test(local_sockets, tcp_connect_by_a_host_interface_address_is_refused);
	tcase_add_test(local_sockets, connected_udp_to_another_tenant_is_refused_in_both_families);
	tcase_add_test(local_sockets, unconnected_udp_sendmsg_to_another_tenant_is_refused_in_both_families);
	tcase_add_test(local_sockets, udp_to_an_ipv4_only_socket_of_another_tenant_is_refused);
	tcase_add_test(local_sockets, sockets_created_before_tenantd_started_belong_to_their_tenant);
	tcase_add_test(local_sockets, connections_within_a_tenant_are_allowed);
	tcase_add_test(local_sockets, processes_in_nested_cgroups_belong_to_the_tenant);
	tcase_add_test(local_sockets, a_process_40_levels_below_its_tenant_cgroup_belongs_to_the_tenant);
	tcase_add_test(local_sockets, a_udp4_socket_made_before_its_cgroup_was_a_tenants_belongs_to_the_tenant);
	tcase_add_test(local_sockets, untagged_processes_are_not_restricted);
	tcase_add_test(local_sockets, raw_sockets_are_refused_in_both_families);
	tcase_add_test(local_sockets,
		       raw_sockets_in_a_namespace_of_the_tenants_own_are_allowed_in_both_families);
	tcase_add_test(local_sockets, a_socket_keeps_its_tag_when_its_process_changes_cgroup);
	suite_add_tcase(suite, local_sockets);

	tcase_add_checked_fixture(kinds_and_modes, tenants_reset, NULL);
	tcase_set_timeout(kinds_and_modes, 60);
	tcase_add_test(kinds_and_modes, shared_tenants_are_reachable_by_every_tenant);
	tcase_add_test(kinds_and_modes, shared_tenants_do_not_initiate_to_tenants);
	tcase_add_test(kinds_and_modes, a_shared_tenants_udp_service_answers_a_tenants_query_in_both_families);
	tcase_add_test(kinds_and_modes, a_tenants_udp_service_answers_a_platform_tenants_query);
	tcase_add_test(kinds_and_modes, an_allow_to_udp_service_answers_the_tenant_it_is_open_to);
	tcase_add_test(kinds_and_modes, a_shared_tenant_may_not_send_unasked_datagrams_to_a_tenant);
	tcase_add_test(kinds_and_modes, platform_tenants_reach_every_tenant);
	tcase_add_test(kinds_and_modes, tenants_do_not_initiate_to_platform_tenants);
	tcase_add_test(kinds_and_modes, audit_mode_allows_the_traffic_and_counts_it_as_audited);
	tcase_add_test(kinds_and_modes, allow_to_opens_exactly_the_named_port_and_protocol);
	tcase_add_test(kinds_and_modes, allow_to_is_one_way);
	tcase_add_test(kinds_and_modes, host_policy_deny_refuses_untagged_host_sockets);
	tcase_add_test(kinds_and_modes, host_allow_ports_punch_holes_through_host_policy_deny);
	tcase_add_test(kinds_and_modes, host_policy_allow_lets_tenants_reach_host_sockets);
	suite_add_tcase(suite, kinds_and_modes);

	tcase_add_checked_fixture(networks, tenants_reset, NULL);
	tcase_set_timeout(networks, 60);
	tcase_add_test(networks, connect_to_another_tenants_network_is_refused_in_both_families);
	tcase_add_test(networks, packets_from_another_tenants_network_are_dropped_in_both_families);
	tcase_add_test(networks, a_flow_from_another_tenants_network_on_an_allowed_port_is_no_answer);
	tcase_add_test(networks, a_packet_from_another_tenants_address_is_dropped_as_it_leaves);
	tcase_add_test(networks, a_wildcard_listener_does_not_refuse_connects_to_remote_hosts_on_its_port);
	tcase_add_test(networks, datagrams_to_remote_hosts_on_a_wildcard_listeners_port_are_not_refused);
	tcase_add_test(networks, ping_to_another_tenants_network_is_refused_in_both_families);
	tcase_add_test(networks, connections_translated_to_another_tenant_are_refused_in_both_families);
	tcase_add_test(networks, datagrams_translated_to_another_tenant_are_refused_in_both_families);
	tcase_add_test(networks,
		       unconnected_datagrams_translated_to_another_tenant_are_refused_in_both_families);
	tcase_add_test(networks, audit_mode_lets_a_translated_connection_through_and_counts_it_once);
	suite_add_tcase(suite, networks);

	tcase_add_checked_fixture(delivery, tenants_reset, NULL);
	tcase_set_timeout(delivery, 90);
	tcase_add_test(delivery, a_listener_bound_to_a_device_is_reached_by_no_other_tenant_in_both_families);
	tcase_add_test(delivery, a_reuseport_group_across_tenants_delivers_nothing_across);
	tcase_add_test(delivery, a_connection_whose_port_changed_hands_before_its_syn_arrived_is_judged_on_arrival);
	tcase_add_test(delivery, a_simultaneous_open_across_tenants_is_refused_both_ways);
	tcase_add_test(delivery, udp_connected_before_its_peer_binds_is_judged_at_delivery_both_ways);
	tcase_add_test(delivery, a_udp_socket_bound_to_a_device_receives_nothing_from_another_tenant);
	tcase_add_test(delivery, audit_mode_lets_a_delivered_connection_through_and_counts_it_once);
	suite_add_tcase(suite, delivery);

	tcase_add_checked_fixture(unix_sockets, tenants_reset, NULL);
	tcase_set_timeout(unix_sockets, 60);
	tcase_add_test(unix_sockets, a_connect_to_another_tenants_abstract_unix_socket_is_refused_and_counted);
	tcase_add_test(unix_sockets, datagrams_to_another_tenants_abstract_unix_socket_are_refused_sent_or_connected);
	tcase_add_test(unix_sockets, a_tenant_reaches_its_own_abstract_unix_sockets_bound_a_moment_ago);
	tcase_add_test(unix_sockets, a_shared_tenants_abstract_unix_socket_is_reachable_by_every_tenant);
	tcase_add_test(unix_sockets, a_shared_tenant_may_not_connect_to_a_tenants_abstract_unix_socket);
	tcase_add_test(unix_sockets, allow_to_unix_opens_the_peers_abstract_unix_sockets_and_nothing_else);
	tcase_add_test(unix_sockets, audit_mode_lets_an_abstract_unix_connect_through_and_counts_it);
	tcase_add_test(unix_sockets, host_policy_deny_refuses_a_tenant_the_hosts_abstract_unix_sockets);
	tcase_add_test(unix_sockets, host_processes_reach_a_tenants_abstract_unix_socket);
	tcase_add_test(unix_sockets, an_abstract_unix_name_that_changes_hands_is_judged_by_its_new_owner);
	tcase_add_test(unix_sockets, an_abstract_name_bound_under_another_socket_type_stays_its_owners);
	suite_add_tcase(suite, unix_sockets);

	tcase_add_checked_fixture(off_boarding, tenants_reset, NULL);
	tcase_set_timeout(off_boarding, 60);
	tcase_add_test(off_boarding, an_off_boarded_tenant_loses_all_network_access);
	suite_add_tcase(suite, off_boarding);
	return suite;
}

void test_setup(void)
{
	tenants_setup(true);
}
