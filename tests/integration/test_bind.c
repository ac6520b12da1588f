// SPDX-License-Identifier: LGPL-2.1-or-later
/* bind() judged: a tenant cannot take a port another tenant's socket holds
 * (joining its SO_REUSEPORT group, sharing its UDP port by SO_REUSEADDR),
 * nor one another tenant owns by BindPorts=. Refused with EPERM and counted
 * (reason bind), audited in audit mode; a tenant's own sockets still share
 * their ports. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include <check.h>

#include "harness.h"
#include "tenants.h"

static long long refused(const char *tenant, const char *owner)
{
	return harness_violations(tenant, owner, "bind", "denied");
}

START_TEST(joining_another_tenants_reuseport_group_is_refused_in_both_families)
{
	long long before = refused("acme", "globex");
	pid_t v4 = harness_probe_listen("globex", NULL, "--reuseport yes listen tcp 127.0.0.1 9160");
	pid_t v6 = harness_probe_listen("globex", NULL, "--reuseport yes listen tcp ::1 9160");

	ck_assert_int_eq(harness_probe("acme", NULL, "--reuseport yes bind tcp 127.0.0.1 9160"),
			 EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "--reuseport yes bind tcp ::1 9160"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "--reuseport yes bind tcp ::ffff:127.0.0.1 9160"),
			 EPERM);
	ck_assert_int_eq(refused("acme", "globex"), before + 3);
	kill(v4, SIGTERM);
	kill(v6, SIGTERM);
}
END_TEST

/* On the addresses of a device other than lo (tdb0, a veth) as on lo. */
START_TEST(joining_another_tenants_group_on_a_device_address_is_refused_in_both_families)
{
	long long before = refused("acme", "globex");
	pid_t v4 = harness_probe_listen("globex", NULL, "--reuseport yes listen tcp 10.205.0.1 9169");
	pid_t v6 = harness_probe_listen("globex", NULL, "--reuseport yes listen udp fd00:205::1 9169");

	ck_assert_int_eq(harness_probe("acme", NULL, "--reuseport yes bind tcp 10.205.0.1 9169"),
			 EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "--reuseport yes bind udp fd00:205::1 9169"),
			 EPERM);
	ck_assert_int_eq(refused("acme", "globex"), before + 2);
	ck_assert_int_eq(harness_probe("globex", NULL, "--reuseport yes bind tcp 10.205.0.1 9169"),
			 0);
	kill(v4, SIGTERM);
	kill(v6, SIGTERM);
}
END_TEST

START_TEST(joining_another_tenants_wildcard_group_from_a_dual_stack_socket_is_refused)
{
	long long before = refused("acme", "globex");
	pid_t server = harness_probe_listen("globex", NULL, "--reuseport yes listen udp 0.0.0.0 9161");

	ck_assert_int_eq(harness_probe("acme", NULL, "--reuseport yes bind udp 0.0.0.0 9161"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "--reuseport yes bind udp :: 9161"), EPERM);
	ck_assert_int_eq(refused("acme", "globex"), before + 2);
	kill(server, SIGTERM);
}
END_TEST

/* SO_REUSEADDR lets any two UDP sockets share a port, of any user. */
START_TEST(sharing_another_tenants_udp_port_by_reuseaddr_is_refused)
{
	long long before = refused("acme", "globex");
	pid_t server = harness_probe_listen("globex", NULL, "listen udp 127.0.0.1 9163");

	ck_assert_int_eq(harness_probe("acme", NULL, "bind udp 127.0.0.1 9163"), EPERM);
	ck_assert_int_eq(refused("acme", "globex"), before + 1);
	kill(server, SIGTERM);
}
END_TEST

START_TEST(a_tenant_joins_its_own_reuseport_group)
{
	pid_t server = harness_probe_listen("globex", NULL, "--reuseport yes listen tcp ::1 9164");

	ck_assert_int_eq(harness_probe("globex", NULL, "--reuseport yes bind tcp ::1 9164"), 0);
	kill(server, SIGTERM);
}
END_TEST

START_TEST(a_port_no_socket_holds_and_no_tenant_owns_is_free_to_bind)
{
	ck_assert_int_eq(harness_probe("acme", NULL, "bind tcp 127.0.0.1 9165"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "bind udp ::1 9165"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "bind tcp 127.0.0.1 0"), 0);
}
END_TEST

/* Taken before its owner starts: BindPorts= keeps it for the owner. */
START_TEST(a_port_another_tenant_owns_by_bind_ports_is_refused_before_its_owner_binds)
{
	long long before = refused("acme", "globex");

	ck_assert(harness_write_config("tenants.d/globex.conf",
				       "[Tenant]\nCgroup=%s/globex\nNetwork=10.201.2.0/24\n"
				       "Network=fd00:201:2::/48\nBindPorts=9166/tcp 9166/udp\n",
				       harness_root()));
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("acme", NULL, "bind tcp 127.0.0.1 9166"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "bind tcp :: 9166"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "bind udp 0.0.0.0 9166"), EPERM);
	ck_assert_int_eq(refused("acme", "globex"), before + 3);
	/* Its owner binds it; the host is not judged. */
	ck_assert_int_eq(harness_probe("globex", NULL, "bind tcp :: 9166"), 0);
	ck_assert_int_eq(harness_probe("host", NULL, "bind tcp :: 9166"), 0);
	/* Another port and protocol stay free. */
	ck_assert_int_eq(harness_probe("acme", NULL, "bind tcp 127.0.0.1 9167"), 0);
}
END_TEST

START_TEST(audit_mode_lets_a_bind_through_and_counts_it_as_audited)
{
	long long audited = harness_violations("initech", "globex", "bind", "audited");
	pid_t server = harness_probe_listen("globex", NULL, "--reuseport yes listen tcp ::1 9168");

	ck_assert_int_eq(harness_probe("initech", NULL, "--reuseport yes bind tcp ::1 9168"), 0);
	ck_assert_int_eq(harness_violations("initech", "globex", "bind", "audited"), audited + 1);
	ck_assert_int_eq(refused("initech", "globex"), 0);
	kill(server, SIGTERM);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("bind");
	TCase *ports = tcase_create("ports");

	tcase_add_checked_fixture(ports, tenants_reset, NULL);
	tcase_set_timeout(ports, 60);
	tcase_add_test(ports, joining_another_tenants_reuseport_group_is_refused_in_both_families);
	tcase_add_test(ports, joining_another_tenants_group_on_a_device_address_is_refused_in_both_families);
	tcase_add_test(ports, joining_another_tenants_wildcard_group_from_a_dual_stack_socket_is_refused);
	tcase_add_test(ports, sharing_another_tenants_udp_port_by_reuseaddr_is_refused);
	tcase_add_test(ports, a_tenant_joins_its_own_reuseport_group);
	tcase_add_test(ports, a_port_no_socket_holds_and_no_tenant_owns_is_free_to_bind);
	tcase_add_test(ports, a_port_another_tenant_owns_by_bind_ports_is_refused_before_its_owner_binds);
	tcase_add_test(ports, audit_mode_lets_a_bind_through_and_counts_it_as_audited);
	suite_add_tcase(suite, ports);
	return suite;
}

void test_setup(void)
{
	tenants_setup(false);
	if (!harness_shell("ip link add tdb0 type veth peer name tdb0p && ip link set tdb0p up && "
			   "ip link set tdb0 up && ip addr add 10.205.0.1/24 dev tdb0 && "
			   "ip addr add fd00:205::1/64 dev tdb0 nodad"))
		ck_abort_msg("cannot add the device tdb0");
}
