// SPDX-License-Identifier: LGPL-2.1-or-later
/* Network=auto: tenants whose workloads run in containers of their own
 * (a network namespace each, joined by veth to a bridge, the processes in
 * the tenant's cgroups) get their containers' addresses as networks, with
 * no address written by hand. Each test is one behaviour. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"

/* The containers: red (two of them) and blue, on one bridge. */
static const char *bridge, *red, *red_second, *blue;

/* Connects from CGROUP in NETNS to ARGUMENTS until refused at connect: a
 * container address is the tenant's from the scan after it appears, and
 * until then a connect to it is judged as to any address (and its packets
 * are dropped where they arrive). */
static int refused_once_known(const char *cgroup, const char *netns, const char *arguments)
{
	int status = 0;

	harness_wait_until((status = harness_probe(cgroup, netns, arguments)) == EPERM,
		HARNESS_PATIENCE_MS);
	return status;
}

START_TEST(a_connect_to_another_tenants_container_is_refused_in_both_families)
{
	long long before = harness_violations("red", "blue", "remote_network", "denied");

	ck_assert_int_eq(refused_once_known("red", red, "connect tcp 10.203.0.3 8080"), EPERM);
	ck_assert_int_eq(refused_once_known("red", red, "connect tcp fd00:203::3 8080"), EPERM);
	ck_assert_int_eq(harness_violations("red", "blue", "remote_network", "denied"), before + 2);
}
END_TEST

/* A process of no tenant in red's container still sends from red's
 * address: blue's sockets drop what comes from it. */
START_TEST(packets_from_another_tenants_container_are_dropped_at_ingress)
{
	long long before = harness_violations("blue", "red", "ingress_network", "denied");

	ck_assert_int_eq(refused_once_known("red", red, "connect tcp 10.203.0.3 8080"), EPERM);
	ck_assert_int_eq(harness_probe("", red, "connect tcp 10.203.0.3 8080"), EINPROGRESS);
	ck_assert_int_gt(harness_violations("blue", "red", "ingress_network", "denied"), before);
}
END_TEST

/* On one bridge, containers reach each other by link-local addresses and
 * their scope, which no network written by hand covers: each is its
 * container's tenant's. */
START_TEST(a_connect_to_another_tenants_container_by_its_link_local_address_is_refused)
{
	long long before = harness_violations("red", "blue", "remote_network", "denied");

	ck_assert_int_eq(refused_once_known("red", red, "connect tcp fe80::203:3%eth0 8080"), EPERM);
	ck_assert_int_ge(harness_violations("red", "blue", "remote_network", "denied"), before + 1);
	ck_assert_int_eq(harness_probe("red", red_second, "connect tcp fe80::203:2%eth0 8080 1000"),
			 0);
}
END_TEST

START_TEST(containers_of_one_tenant_reach_each_other)
{
	ck_assert_int_eq(refused_once_known("red", red, "connect tcp 10.203.0.3 8080"), EPERM);
	ck_assert_int_eq(harness_probe("red", red_second, "connect tcp 10.203.0.2 8080 1000"), 0);
	ck_assert_int_eq(harness_probe("red", red_second, "connect tcp fd00:203::2 8080 1000"), 0);
}
END_TEST

START_TEST(an_address_a_container_gains_becomes_its_tenants)
{
	ck_assert(harness_shell("ip -n %s addr add 10.203.0.13/24 dev eth0", blue));
	ck_assert_int_eq(refused_once_known("red", red, "connect tcp 10.203.0.13 8080"), EPERM);
	ck_assert(harness_shell("ip -n %s addr del 10.203.0.13/24 dev eth0", blue));
	ck_assert(harness_wait_until(
		harness_log_lines("tenant blue: container address 10.203.0.13/32 leaves") > 0,
			HARNESS_PATIENCE_MS));
}
END_TEST

/* blue's container takes red's address as well: it stays red's, and
 * tenantd says so. */
START_TEST(an_address_two_tenants_claim_stays_with_the_first)
{
	char *body;
	long status = 0;

	ck_assert_int_eq(refused_once_known("red", red, "connect tcp 10.203.0.3 8080"), EPERM);
	ck_assert(harness_shell("ip -n %s addr add 10.203.0.2/24 dev eth0", blue));
	ck_assert(harness_wait_until(
		harness_log_lines("tenant blue: container address 10.203.0.2/32 is tenant red's "
				  "already; not added") > 0,
		HARNESS_PATIENCE_MS));
	body = harness_get("/v1/tenants/red", &status);
	ck_assert_ptr_nonnull(strstr(body, "\"10.203.0.2/32\""));
	free(body);
	body = harness_get("/v1/tenants/blue", &status);
	ck_assert_ptr_null(strstr(body, "\"10.203.0.2/32\""));
	free(body);
	ck_assert(harness_shell("ip -n %s addr del 10.203.0.2/24 dev eth0", blue));
}
END_TEST

/* A container root picks its addresses: one outside ContainerNetworks= (by
 * default the private ranges), such as a public service's, is not taken. */
START_TEST(an_address_outside_container_networks_is_not_claimed)
{
	char *body;
	long status = 0;

	ck_assert(harness_shell("ip -n %s addr add 198.51.100.7/24 dev eth0", blue));
	ck_assert(harness_wait_until(
		harness_log_lines("tenant blue: container address 198.51.100.7/32 is outside "
				  "ContainerNetworks=; not added") > 0,
		HARNESS_PATIENCE_MS));
	body = harness_get("/v1/tenants/blue", &status);
	ck_assert_ptr_null(strstr(body, "198.51.100.7"));
	free(body);
	ck_assert_int_eq(harness_probe("red", red, "connect tcp 198.51.100.7 8080"), ENETUNREACH);
	ck_assert(harness_shell("ip -n %s addr del 198.51.100.7/24 dev eth0", blue));
}
END_TEST

/* An unprivileged red process makes a user and network namespace of its
 * own and sets in it the address blue's next container will have: a
 * squat, were it claimed. */
START_TEST(an_address_set_in_a_namespace_made_without_privilege_is_not_claimed)
{
	long long refused = harness_metric("tenantd_tenant_container_claims_refused",
					   "tenant=\"red\"");
	char pid_file[512];
	char *body;
	long status = 0;

	snprintf(pid_file, sizeof(pid_file), "%s/squatter.pid", harness_scratch());
	ck_assert(harness_shell(
		"sh -c 'echo $$ > %s/cgroup.procs && exec unshare --user --map-root-user --net "
		"sh -c \"ip link add v0 type veth peer name v1 && "
		"ip addr add 10.203.0.77/24 dev v0 && ip link set v0 up && "
		"echo \\$\\$ > %s && exec sleep 600\"' >/dev/null 2>&1 &",
		harness_cgroup_path("red"), pid_file));
	ck_assert(harness_wait_until(
		harness_log_lines("tenant red: container address 10.203.0.77/32 is set in a "
				  "network namespace made without privilege") > 0,
		HARNESS_PATIENCE_MS));
	ck_assert_int_gt(harness_metric("tenantd_tenant_container_claims_refused",
					"tenant=\"red\""), refused);
	body = harness_get("/v1/tenants/red", &status);
	ck_assert_ptr_null(strstr(body, "10.203.0.77"));
	ck_assert_ptr_null(strstr(body, "\"container_claims_refused\":0"));
	free(body);
	/* blue's container then gets it. */
	ck_assert(harness_shell("ip -n %s addr add 10.203.0.77/24 dev eth0", blue));
	ck_assert(harness_wait_until(
		harness_log_lines("tenant blue: container address 10.203.0.77/32 joins") > 0,
		HARNESS_PATIENCE_MS));
	ck_assert(harness_shell("kill $(cat %s)", pid_file));
	ck_assert(harness_shell("ip -n %s addr del 10.203.0.77/24 dev eth0", blue));
}
END_TEST

/* With room for two of red's container addresses, two are kept, the
 * others leave, and both counts say so. */
START_TEST(claims_past_max_container_addresses_are_refused)
{
	const char *root = harness_root();
	long long held = 0;
	char *body, needle[64];
	long status = 0;

	/* Each container's addresses: IPv4, IPv6, and link-local ones. */
	ck_assert(harness_wait_until((held = harness_metric("tenantd_tenant_container_addresses",
							    "tenant=\"red\"")) >= 6,
		HARNESS_PATIENCE_MS));
	harness_write_config("tenants.d/red.conf",
			     "[Tenant]\nCgroup=%s/red\nNetwork=auto\nMaxContainerAddresses=2\n", root);
	ck_assert(harness_agent_reload());
	ck_assert(harness_wait_until(harness_metric("tenantd_tenant_container_addresses",
						    "tenant=\"red\"") == 2 &&
					     harness_metric("tenantd_tenant_container_claims_refused",
							    "tenant=\"red\"") == held - 2,
		HARNESS_PATIENCE_MS));
	ck_assert(harness_log_lines("would pass its MaxContainerAddresses=2; not added") > 0);
	body = harness_get("/v1/tenants/red", &status);
	snprintf(needle, sizeof(needle), "\"container_addresses\":2");
	ck_assert_ptr_nonnull(strstr(body, needle));
	free(body);
	harness_write_config("tenants.d/red.conf", "[Tenant]\nCgroup=%s/red\nNetwork=auto\n", root);
	ck_assert(harness_agent_reload());
	ck_assert(harness_wait_until(harness_metric("tenantd_tenant_container_addresses",
						    "tenant=\"red\"") == held,
		HARNESS_PATIENCE_MS));
}
END_TEST

START_TEST(a_container_whose_processes_are_gone_leaves_its_tenants_networks)
{
	const char *green = harness_netns("green");
	pid_t process;
	char *body;
	long status = 0;

	ck_assert(harness_shell("ip -n %s link add tdgreen type veth peer name eth0 netns %s && "
				"ip -n %s link set eth0 up && "
				"ip -n %s addr add 10.203.0.9/24 dev eth0",
				bridge, green, green, green));
	process = harness_probe_listen("blue", green, "listen tcp :: 8080");
	ck_assert(harness_wait_until(
		harness_log_lines("tenant blue: container address 10.203.0.9/32 joins") > 0,
			HARNESS_PATIENCE_MS));
	kill(process, SIGKILL);
	ck_assert(harness_wait_until(
		harness_log_lines("tenant blue: container address 10.203.0.9/32 leaves") > 0,
			HARNESS_PATIENCE_MS));
	body = harness_get("/v1/tenants/blue", &status);
	ck_assert_ptr_null(strstr(body, "10.203.0.9"));
	free(body);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("containers");
	TCase *containers = tcase_create("containers");

	tcase_set_timeout(containers, 60);
	tcase_add_test(containers, a_connect_to_another_tenants_container_is_refused_in_both_families);
	tcase_add_test(containers, packets_from_another_tenants_container_are_dropped_at_ingress);
	tcase_add_test(containers, containers_of_one_tenant_reach_each_other);
	tcase_add_test(containers,
		       a_connect_to_another_tenants_container_by_its_link_local_address_is_refused);
	tcase_add_test(containers, an_address_a_container_gains_becomes_its_tenants);
	tcase_add_test(containers, an_address_two_tenants_claim_stays_with_the_first);
	tcase_add_test(containers, an_address_outside_container_networks_is_not_claimed);
	tcase_add_test(containers, a_container_whose_processes_are_gone_leaves_its_tenants_networks);
	tcase_add_test(containers, an_address_set_in_a_namespace_made_without_privilege_is_not_claimed);
	tcase_add_test(containers, claims_past_max_container_addresses_are_refused);
	suite_add_tcase(suite, containers);
	return suite;
}

/* Plugs NETNS into the bridge as eth0 with ADDRESS4, ADDRESS6 and the
 * link-local LINK_LOCAL. */
static void container_on_bridge(const char *netns, const char *address4, const char *address6,
				const char *link_local)
{
	static int next;
	int link = next++;

	if (!harness_shell("ip -n %s link add tdc%d type veth peer name eth0 netns %s && "
			   "ip -n %s link set tdc%d master br0 up && "
			   "ip -n %s link set eth0 up && ip -n %s addr add %s dev eth0 && "
			   "ip -n %s addr add %s dev eth0 nodad && ip -n %s addr add %s dev eth0 nodad",
			   bridge, link, netns, bridge, link, netns, netns, address4, netns, address6,
			   netns, link_local))
		ck_abort_msg("cannot plug %s into the bridge", netns);
}

void test_setup(void)
{
	const char *root = harness_root();

	harness_cgroup("red");
	harness_cgroup("blue");
	harness_write_config("tenantd.conf", "[Agent]\nPostureScanInterval=1\n");
	harness_write_config("tenants.d/red.conf", "[Tenant]\nCgroup=%s/red\nNetwork=auto\n", root);
	harness_write_config("tenants.d/blue.conf", "[Tenant]\nCgroup=%s/blue\nNetwork=auto\n",
			     root);
	harness_agent_start();
	bridge = harness_netns("bridge");
	red = harness_netns("red");
	red_second = harness_netns("red2");
	blue = harness_netns("blue");
	if (!harness_shell("ip -n %s link add br0 type bridge && ip -n %s link set br0 up", bridge,
			   bridge))
		ck_abort_msg("cannot make the bridge");
	container_on_bridge(red, "10.203.0.2/24", "fd00:203::2/64", "fe80::203:2/64");
	container_on_bridge(red_second, "10.203.0.5/24", "fd00:203::5/64", "fe80::203:5/64");
	container_on_bridge(blue, "10.203.0.3/24", "fd00:203::3/64", "fe80::203:3/64");
	harness_probe_listen("red", red, "listen tcp :: 8080");
	harness_probe_listen("red", red_second, "listen tcp :: 8080");
	harness_probe_listen("blue", blue, "listen tcp :: 8080");
}
