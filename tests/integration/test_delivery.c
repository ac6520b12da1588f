// SPDX-License-Identifier: LGPL-2.1-or-later
/* Judgement where the kernel delivers: the sender's tenant, carried in the
 * packet's mark from egress, decides at the receiving socket whatever way
 * the packet took on this host. Each channel that a lookup at connect()
 * misses, on lo and on the addresses of a device other than lo (tdd0, a
 * veth, with IPv4, IPv6, link-local and broadcast addresses):
 * refused and counted, audited in audit mode, and still open within a
 * tenant and to shared and platform tenants. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"
#include "tenants.h"

#define DEVICE "tdd0"
#define DEVICE_IPV4 "10.203.0.1"
#define DEVICE_BROADCAST "10.203.0.255"
#define DEVICE_IPV4_LINK_LOCAL "169.254.203.1"
#define DEVICE_IPV6 "fd00:203::1"
#define DEVICE_LINK_LOCAL "fe80::203:1%" DEVICE

static long long denied(const char *tenant, const char *peer)
{
	return harness_violations(tenant, peer, "local_socket", "denied");
}

static long long received(const char *tenant)
{
	return harness_counter("tenantd_tenant_rx_packets_total", tenant);
}

/* Datagrams need no answer: a test waits for their count to move. A
 * refused SYN is sent again, and a multicast datagram comes back by the
 * veth's peer too: each is counted where delivered, so counts grow by at
 * least one per attempt. */
#define wait_for_count(expression, expected)                                        \
	do {                                                                        \
		harness_wait_until((expression) >= (expected), HARNESS_PATIENCE_MS); \
		ck_assert_int_ge(expression, expected);                             \
	} while (0)

START_TEST(a_tcp_listener_on_a_link_local_address_is_reached_by_no_other_tenant_in_both_families)
{
	long long before = denied("acme", "globex");
	pid_t v6 = harness_probe_listen("globex", NULL, "listen tcp " DEVICE_LINK_LOCAL " 9140");
	pid_t v4 = harness_probe_listen("globex", NULL,
					"listen tcp " DEVICE_IPV4_LINK_LOCAL " 9141");

	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp " DEVICE_LINK_LOCAL " 9140 10"),
			 EINPROGRESS);
	ck_assert_int_ne(
		harness_probe("acme", NULL, "connect tcp " DEVICE_IPV4_LINK_LOCAL " 9141 10"), 0);
	ck_assert_int_ge(denied("acme", "globex"), before + 2);
	ck_assert_int_eq(harness_probe("globex", NULL, "connect tcp " DEVICE_LINK_LOCAL " 9140 10"),
			 0);
	kill(v6, SIGTERM);
	kill(v4, SIGTERM);
}
END_TEST

START_TEST(datagrams_to_a_link_local_address_of_another_tenant_are_dropped_where_delivered)
{
	long long before = denied("acme", "globex"), globex = received("globex");
	pid_t server = harness_probe_listen("globex", NULL, "listen udp " DEVICE_LINK_LOCAL " 9142");

	ck_assert_int_eq(harness_probe("acme", NULL, "sendto " DEVICE_LINK_LOCAL " 9142 100"), 0);
	wait_for_count(denied("acme", "globex"), before + 1);
	ck_assert_int_eq(received("globex"), globex);
	ck_assert_int_eq(harness_probe("globex", NULL, "sendto " DEVICE_LINK_LOCAL " 9142 100"), 0);
	wait_for_count(received("globex"), globex + 1);
	kill(server, SIGTERM);
}
END_TEST

/* All-hosts groups, which every interface joins: a datagram to one reaches
 * every socket bound to its port on any address, looped back to this host
 * from the device it was sent on. IPv4 multicast reaches IPv4 sockets only. */
START_TEST(multicast_to_another_tenants_sockets_is_dropped_where_delivered_in_both_families)
{
	long long before = denied("acme", "globex"), globex = received("globex");
	pid_t servers[] = {
		harness_probe_listen("globex", NULL, "listen udp 0.0.0.0 9143"),
		harness_probe_listen("globex", NULL, "--device " DEVICE " listen udp 0.0.0.0 9143"),
		harness_probe_listen("globex", NULL, "listen udp :: 9157"),
		harness_probe_listen("globex", NULL, "--device " DEVICE " listen udp :: 9157"),
	};

	ck_assert_int_eq(harness_probe("acme", NULL, "--interface " DEVICE " sendto 224.0.0.1 9143 100"),
			 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto ff02::1%" DEVICE " 9157 100"), 0);
	wait_for_count(denied("acme", "globex"), before + 4);
	ck_assert_int_eq(received("globex"), globex);
	for (size_t i = 0; i < sizeof(servers) / sizeof(servers[0]); i++)
		kill(servers[i], SIGTERM);
}
END_TEST

START_TEST(multicast_within_a_tenant_reaches_its_sockets)
{
	long long globex = received("globex");
	pid_t v4 = harness_probe_listen("globex", NULL, "listen udp 0.0.0.0 9144");
	pid_t v6 = harness_probe_listen("globex", NULL, "listen udp :: 9158");

	ck_assert_int_eq(
		harness_probe("globex", NULL, "--interface " DEVICE " sendto 224.0.0.1 9144 100"), 0);
	wait_for_count(received("globex"), globex + 1);
	globex = received("globex");
	ck_assert_int_eq(harness_probe("globex", NULL, "sendto ff02::1%" DEVICE " 9158 100"), 0);
	wait_for_count(received("globex"), globex + 1);
	kill(v4, SIGTERM);
	kill(v6, SIGTERM);
}
END_TEST

START_TEST(a_subnet_broadcast_to_another_tenants_socket_is_dropped_where_delivered)
{
	long long before = denied("acme", "globex"), globex = received("globex");
	pid_t server = harness_probe_listen("globex", NULL, "listen udp 0.0.0.0 9145");

	ck_assert_int_eq(harness_probe("acme", NULL, "sendto " DEVICE_BROADCAST " 9145 100"), 0);
	wait_for_count(denied("acme", "globex"), before + 1);
	ck_assert_int_eq(received("globex"), globex);
	ck_assert_int_eq(harness_probe("globex", NULL, "sendto " DEVICE_BROADCAST " 9145 100"), 0);
	wait_for_count(received("globex"), globex + 1);
	kill(server, SIGTERM);
}
END_TEST

/* UDP-Lite has no lookup at connect(): only delivery can tell its peer. */
START_TEST(udp_lite_to_another_tenants_socket_is_dropped_where_delivered_in_both_families)
{
	long long before = denied("acme", "globex"), globex = received("globex");
	pid_t server = harness_probe_listen("globex", NULL, "listen udplite :: 9146");

	ck_assert_int_eq(harness_probe("acme", NULL, "connect udplite 127.0.0.1 9146 100"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect udplite ::1 9146 100"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect udplite " DEVICE_IPV6 " 9146 100"), 0);
	wait_for_count(denied("acme", "globex"), before + 3);
	ck_assert_int_eq(received("globex"), globex);
	ck_assert_int_eq(harness_probe("globex", NULL, "connect udplite ::1 9146 100"), 0);
	wait_for_count(received("globex"), globex + 1);
	kill(server, SIGTERM);
}
END_TEST

/* HostPolicy=deny (the standard tenants' setting), HostAllowPorts=9153. */
START_TEST(host_policy_deny_refuses_host_listeners_on_a_device_and_a_link_local_address)
{
	long long before = harness_violations("acme", "host", "host", "denied");
	pid_t device = harness_probe_listen("host", NULL, "--device " DEVICE " listen tcp :: 9147");
	pid_t link_local = harness_probe_listen("host", NULL,
						"listen tcp " DEVICE_LINK_LOCAL " 9148");

	ck_assert_int_ne(harness_probe("acme", NULL, "connect tcp " DEVICE_IPV4 " 9147 10"), 0);
	ck_assert_int_ne(harness_probe("acme", NULL, "connect tcp " DEVICE_LINK_LOCAL " 9148 10"),
			 0);
	ck_assert_int_ge(harness_violations("acme", "host", "host", "denied"), before + 2);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp " DEVICE_IPV4 " 9153 10"), 0);
	kill(device, SIGTERM);
	kill(link_local, SIGTERM);
}
END_TEST

/* A UDP socket connected to a port no host service had bound yet: the
 * connect had nothing to judge, and the datagrams reach the service that
 * binds the port later. */
START_TEST(host_policy_deny_refuses_datagrams_connected_before_the_host_bound)
{
	long long before = harness_violations("acme", "host", "host", "denied");
	char go[512], arguments[600];
	pid_t client, server;

	snprintf(go, sizeof(go), "%s/go-9149", harness_scratch());
	unlink(go);
	snprintf(arguments, sizeof(arguments), "--send-when %s connect udp ::1 9149 100", go);
	client = harness_probe_in_background("acme", NULL, arguments);
	ck_assert(harness_wait_until(harness_udp_connected_to(9149), HARNESS_PATIENCE_MS));
	server = harness_probe_listen("host", NULL, "listen udp ::1 9149");
	ck_assert(harness_shell("touch %s", go));
	ck_assert_int_eq(harness_probe_status(client), 0);
	wait_for_count(harness_violations("acme", "host", "host", "denied"), before + 1);
	kill(server, SIGTERM);
}
END_TEST

/* initech is in audit mode: what delivery judges goes through, counted
 * once, as audited. */
START_TEST(audit_mode_lets_delivered_multicast_and_link_local_through_counted_once)
{
	long long audited = harness_violations("initech", "globex", "local_socket", "audited");
	long long globex = received("globex");
	pid_t stream = harness_probe_listen("globex", NULL, "listen tcp " DEVICE_LINK_LOCAL " 9150");
	pid_t datagrams = harness_probe_listen("globex", NULL, "listen udp :: 9151");

	ck_assert_int_eq(harness_probe("initech", NULL, "connect tcp " DEVICE_LINK_LOCAL " 9150 10"),
			 0);
	ck_assert_int_eq(harness_violations("initech", "globex", "local_socket", "audited"),
			 audited + 1);
	ck_assert_int_eq(harness_probe("initech", NULL, "sendto ff02::1%" DEVICE " 9151 100"), 0);
	wait_for_count(harness_violations("initech", "globex", "local_socket", "audited"),
		       audited + 2);
	ck_assert(harness_wait_until(received("globex") > globex, HARNESS_PATIENCE_MS));
	ck_assert_int_eq(denied("initech", "globex"), 0);
	kill(stream, SIGTERM);
	kill(datagrams, SIGTERM);
}
END_TEST

START_TEST(shared_and_platform_tenants_keep_their_reach_by_multicast_and_link_local)
{
	long long dns = received("dns");
	pid_t shared = harness_probe_listen("dns", NULL, "listen udp :: 9152");
	pid_t tenant = harness_probe_listen("globex", NULL, "listen tcp " DEVICE_LINK_LOCAL " 9154");

	ck_assert_int_eq(harness_probe("acme", NULL, "sendto ff02::1%" DEVICE " 9152 100"), 0);
	wait_for_count(received("dns"), dns + 1);
	ck_assert_int_eq(harness_probe("ops", NULL, "connect tcp " DEVICE_LINK_LOCAL " 9154 10"), 0);
	kill(shared, SIGTERM);
	kill(tenant, SIGTERM);
}
END_TEST

/* A container of acme's, on a link to the host (the suite's namespace):
 * the host's end of the link has its own addresses, IPv4, IPv6 and
 * link-local, where the host's wildcard listeners answer too. */
static const char *container;

/* HostPolicy=deny: what would be refused at a host socket of this
 * namespace is refused from the container too, at the host's addresses;
 * HostAllowPorts= still open. */
START_TEST(host_policy_deny_covers_the_hosts_addresses_seen_from_a_container)
{
	long long before = harness_violations("acme", "host", "host", "denied");

	ck_assert_int_eq(harness_probe("acme", container, "connect tcp 10.204.0.1 9401 10"), EPERM);
	ck_assert_int_eq(harness_probe("acme", container, "connect tcp fd00:204::1 9401 10"), EPERM);
	ck_assert_int_eq(harness_probe("acme", container, "connect tcp fe80::204:1%eth0 9401 10"),
			 EPERM);
	ck_assert_int_eq(harness_violations("acme", "host", "host", "denied"), before + 3);
	ck_assert_int_eq(harness_probe("acme", container, "connect tcp 10.204.0.1 9153 10"), 0);
}
END_TEST

/* rtnetlink announces it: refused from the container as soon as the
 * agent has it, and open again once it is gone. */
START_TEST(an_address_the_host_gains_is_the_hosts_as_it_comes)
{
	int status = 0;

	ck_assert(harness_shell("ip addr add 10.204.0.9/24 dev tdh0"));
	ck_assert(harness_wait_until(
		(status = harness_probe("acme", container, "connect tcp 10.204.0.9 9401 10")) == EPERM,
		HARNESS_PATIENCE_MS));
	ck_assert(harness_shell("ip addr del 10.204.0.9/24 dev tdh0"));
	ck_assert(harness_shell("ip -n %s addr add 10.204.0.9/24 dev eth0", container));
	ck_assert(harness_wait_until(
		(status = harness_probe("acme", container, "connect tcp 10.204.0.9 9401 10")) ==
			ECONNREFUSED,
		HARNESS_PATIENCE_MS));
	ck_assert(harness_shell("ip -n %s addr del 10.204.0.9/24 dev eth0", container));
}
END_TEST

/* TenantMarkMask= takes the upper half of the mark by default: a bit an
 * operator's rule sets in the lower half (kube-proxy's 0x4000 here) is
 * there when the packet is delivered, and the sender is still known. */
START_TEST(the_operators_mark_bits_survive_beside_the_senders_tenant)
{
	long long before = denied("acme", "globex"), acme = received("acme");
	pid_t mine = harness_probe_listen("acme", NULL, "listen udp :: 9155");
	pid_t theirs = harness_probe_listen("globex", NULL, "listen udp :: 9156");

	ck_assert(harness_shell(
		"nft 'add table inet tenantd_marks; "
		"add chain inet tenantd_marks out { type route hook output priority mangle; }; "
		"add rule inet tenantd_marks out udp dport { 9155, 9156 } meta mark set meta mark | 0x4000; "
		"add chain inet tenantd_marks in { type filter hook input priority 0; }; "
		"add rule inet tenantd_marks in udp dport { 9155, 9156 } meta mark & 0x4000 != 0x4000 drop'"));
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto ::1 9155 100"), 0);
	wait_for_count(received("acme"), acme + 1);
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto " DEVICE_IPV6 "%" DEVICE " 9156 100"),
			 0);
	wait_for_count(denied("acme", "globex"), before + 1);
	ck_assert(harness_shell("nft delete table inet tenantd_marks"));
	kill(mine, SIGTERM);
	kill(theirs, SIGTERM);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("delivery");
	TCase *channels = tcase_create("channels");
	TCase *kinds_and_modes = tcase_create("kinds_and_modes");

	tcase_add_checked_fixture(channels, tenants_reset, NULL);
	tcase_set_timeout(channels, 90);
	tcase_add_test(channels,
		       a_tcp_listener_on_a_link_local_address_is_reached_by_no_other_tenant_in_both_families);
	tcase_add_test(channels,
		       datagrams_to_a_link_local_address_of_another_tenant_are_dropped_where_delivered);
	tcase_add_test(channels,
		       multicast_to_another_tenants_sockets_is_dropped_where_delivered_in_both_families);
	tcase_add_test(channels, multicast_within_a_tenant_reaches_its_sockets);
	tcase_add_test(channels, a_subnet_broadcast_to_another_tenants_socket_is_dropped_where_delivered);
	tcase_add_test(channels,
		       udp_lite_to_another_tenants_socket_is_dropped_where_delivered_in_both_families);
	tcase_add_test(channels,
		       host_policy_deny_refuses_host_listeners_on_a_device_and_a_link_local_address);
	tcase_add_test(channels, host_policy_deny_refuses_datagrams_connected_before_the_host_bound);
	tcase_add_test(channels, the_operators_mark_bits_survive_beside_the_senders_tenant);
	tcase_add_test(channels, host_policy_deny_covers_the_hosts_addresses_seen_from_a_container);
	tcase_add_test(channels, an_address_the_host_gains_is_the_hosts_as_it_comes);
	suite_add_tcase(suite, channels);

	tcase_add_checked_fixture(kinds_and_modes, tenants_reset, NULL);
	tcase_set_timeout(kinds_and_modes, 90);
	tcase_add_test(kinds_and_modes,
		       audit_mode_lets_delivered_multicast_and_link_local_through_counted_once);
	tcase_add_test(kinds_and_modes,
		       shared_and_platform_tenants_keep_their_reach_by_multicast_and_link_local);
	suite_add_tcase(suite, kinds_and_modes);
	return suite;
}

/* The standard tenants, and a veth pair within the suite's namespace: its
 * packets to this host's own addresses loop back as any device's do, and
 * a multicast or broadcast datagram sent on it comes back in by its peer
 * as well, mark and all (no namespace is crossed), so a datagram may be
 * delivered, and refused, twice. */
void test_setup(void)
{
	tenants_setup(false);
	if (!harness_shell("ip link add " DEVICE " type veth peer name " DEVICE "p"
			   " && ip link set " DEVICE "p up && ip link set " DEVICE
			   " up && ip addr add " DEVICE_IPV4 "/24 broadcast " DEVICE_BROADCAST
			   " dev " DEVICE " && ip addr add " DEVICE_IPV4_LINK_LOCAL "/16 dev " DEVICE
			   " && ip addr add " DEVICE_IPV6 "/64 dev " DEVICE " nodad"
			   " && ip addr add fe80::203:1/64 dev " DEVICE " nodad"))
		ck_abort_msg("cannot add the device " DEVICE);
	container = harness_netns("container");
	if (!harness_shell("ip link add tdh0 type veth peer name eth0 netns %s && ip link set tdh0 up"
			   " && ip addr add 10.204.0.1/24 dev tdh0 && ip addr add fd00:204::1/64 dev tdh0"
			   " nodad && ip addr add fe80::204:1/64 dev tdh0 nodad"
			   " && ip -n %s link set eth0 up && ip -n %s addr add 10.204.0.2/24 dev eth0"
			   " && ip -n %s addr add fd00:204::2/64 dev eth0 nodad"
			   " && ip -n %s addr add fe80::204:2/64 dev eth0 nodad",
			   container, container, container, container, container))
		ck_abort_msg("cannot link a container to the host");
}
