// SPDX-License-Identifier: LGPL-2.1-or-later
/* Privilege posture: tenant processes whose capabilities over the host, or
 * packet or NETLINK_USERSOCK sockets, void isolation are found, reported in
 * /v1/posture, the metrics, tenantctl and the event stream, and with
 * PacketSockets=kill or NetlinkSockets=kill their holders are killed. */
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
#include "tenants.h"

/* The entry of PID in GET /v1/posture (as the operator), or NULL. */
static struct json_object *posture_entry(pid_t pid)
{
	struct json_object *document, *processes, *field, *found = NULL;
	long status = 0;
	char *body = harness_get("/v1/posture", &status);

	document = body ? json_tokener_parse(body) : NULL;
	free(body);
	if (!document || !json_object_object_get_ex(document, "processes", &processes)) {
		json_object_put(document);
		return NULL;
	}
	for (size_t i = 0; i < json_object_array_length(processes); i++) {
		struct json_object *process = json_object_array_get_idx(processes, i);

		if (json_object_object_get_ex(process, "pid", &field) &&
		    json_object_get_int(field) == pid)
			found = json_object_get(process);
	}
	json_object_put(document);
	return found;
}

static long long posture_scans(void)
{
	struct json_object *document, *field;
	long status = 0;
	char *body = harness_get("/v1/posture", &status);
	long long scans = -1;

	document = body ? json_tokener_parse(body) : NULL;
	if (document && json_object_object_get_ex(document, "scans", &field))
		scans = json_object_get_int64(field);
	json_object_put(document);
	free(body);
	return scans;
}

/* Waits for two more scans: one may have begun before the caller's change. */
static bool two_more_scans(void)
{
	long long scans = posture_scans();

	return harness_wait_until(posture_scans() >= scans + 2, HARNESS_PATIENCE_MS);
}

static const char *string_at(struct json_object *object, const char *key)
{
	struct json_object *field;

	return json_object_object_get_ex(object, key, &field) ? json_object_get_string(field) : "";
}

START_TEST(a_tenant_process_holding_capabilities_over_the_host_is_reported_with_them)
{
	long long before = harness_metric("tenantd_tenant_privileged_processes",
					  "tenant=\"acme\",capability=\"sys_ptrace\"");
	pid_t process = harness_probe_listen("acme", NULL,
					     "--capabilities net_raw,sys_ptrace pause");
	struct json_object *entry = NULL, *event;

	ck_assert(harness_wait_until((entry = posture_entry(process)) != NULL,
		HARNESS_PATIENCE_MS));
	ck_assert_str_eq(string_at(entry, "tenant"), "acme");
	ck_assert_str_eq(string_at(entry, "capabilities"), "[ \"net_raw\", \"sys_ptrace\" ]");
	ck_assert_str_eq(string_at(entry, "packet_socket"), "false");
	ck_assert_str_eq(string_at(entry, "comm"), "netprobe");
	json_object_put(entry);
	ck_assert_int_eq(harness_metric("tenantd_tenant_privileged_processes",
					"tenant=\"acme\",capability=\"sys_ptrace\""), before + 1);
	event = harness_wait_event_to("acme", "privileged_process", "", process);
	kill(process, SIGTERM);
	ck_assert_ptr_nonnull(event);
	ck_assert_str_eq(string_at(event, "action"), "reported");
	ck_assert_str_eq(string_at(event, "capabilities"), "[ \"net_raw\", \"sys_ptrace\" ]");
	json_object_put(event);
}
END_TEST

/* Starts netprobe ARGUMENTS in CGROUP and tells whether the posture lists
 * it two scans later. */
static bool listed_after_two_scans(const char *cgroup, const char *arguments)
{
	pid_t process = harness_probe_listen(cgroup, NULL, arguments);
	struct json_object *entry;
	bool listed;

	ck_assert(two_more_scans());
	entry = posture_entry(process);
	kill(process, SIGTERM);
	listed = entry != NULL;
	json_object_put(entry);
	return listed;
}

START_TEST(a_tenant_process_without_those_capabilities_is_not_reported)
{
	ck_assert(!listed_after_two_scans("acme", "--capabilities none pause"));
}
END_TEST

START_TEST(capabilities_in_a_user_namespace_of_its_own_are_not_reported)
{
	ck_assert(!listed_after_two_scans("acme", "--user-namespace yes pause"));
}
END_TEST

START_TEST(processes_outside_tenants_are_not_reported)
{
	ck_assert(!listed_after_two_scans("host", "--capabilities net_raw pause"));
}
END_TEST

/* A globex process running netprobe COMMAND holds a socket the posture
 * reports: its entry says FIELD true, METRIC counts it, an event REASON
 * says it was reported, and tenantctl posture shows ROW (its PACKET and
 * NETLINK columns) on its line. */
static void expect_socket_holder_reported(const char *command, const char *field,
					  const char *metric, const char *reason, const char *row)
{
	long long before = harness_metric(metric, "tenant=\"globex\"");
	pid_t process = harness_probe_listen("globex", NULL, command);
	struct json_object *entry = NULL, *event;
	char line[512], *output;
	int exit_status;

	ck_assert(harness_wait_until((entry = posture_entry(process)) != NULL &&
					     !strcmp(string_at(entry, field), "true"),
				     HARNESS_PATIENCE_MS));
	json_object_put(entry);
	ck_assert_int_eq(harness_metric(metric, "tenant=\"globex\""), before + 1);
	event = harness_wait_event_to("globex", reason, "", process);
	ck_assert_ptr_nonnull(event);
	ck_assert_str_eq(string_at(event, "action"), "reported");
	json_object_put(event);
	snprintf(line, sizeof(line), "%s --socket %s posture | grep -c ' %d netprobe .* %s '",
		 harness_binary("tenantctl"), harness_socket(), process, row);
	output = harness_command_output(line, &exit_status);
	kill(process, SIGTERM);
	ck_assert_int_eq(exit_status, 0);
	ck_assert_str_eq(output, "1\n");
	free(output);
}

START_TEST(a_tenant_process_holding_a_packet_socket_is_reported)
{
	expect_socket_holder_reported("--capabilities net_raw hold-packet-socket", "packet_socket",
				      "tenantd_tenant_packet_socket_processes", "packet_socket",
				      "yes  *no");
}
END_TEST

/* With SETTING, a globex process running netprobe COMMAND is killed by
 * the next scan, and its event says so under REASON. */
static void expect_killed(const char *setting, const char *command, const char *reason)
{
	pid_t process;
	struct json_object *event;

	harness_write_config("tenantd.conf", "[Agent]\nHostPolicy=deny\nPostureScanInterval=1\n%s\n",
			     setting);
	ck_assert(harness_agent_reload());
	process = harness_probe_listen("globex", NULL, command);
	ck_assert(harness_wait_until(waitpid(process, NULL, WNOHANG) == process,
		HARNESS_PATIENCE_MS));
	event = harness_wait_event_to("globex", reason, "", process);
	ck_assert_ptr_nonnull(event);
	ck_assert_str_eq(string_at(event, "action"), "killed");
	json_object_put(event);
}

START_TEST(packet_sockets_kill_kills_the_holder_and_says_so)
{
	expect_killed("PacketSockets=kill", "--capabilities net_raw hold-packet-socket",
		      "packet_socket");
}
END_TEST

/* NETLINK_USERSOCK lets unprivileged processes message each other by port
 * id, and no cgroup hook sees netlink. */
START_TEST(a_tenant_process_holding_a_netlink_user_socket_is_reported)
{
	expect_socket_holder_reported("hold-netlink-socket", "netlink_socket",
				      "tenantd_tenant_netlink_socket_processes", "netlink_socket",
				      "no  *yes");
}
END_TEST

START_TEST(netlink_sockets_kill_kills_the_holder_and_says_so)
{
	expect_killed("NetlinkSockets=kill", "hold-netlink-socket", "netlink_socket");
}
END_TEST

/* In a network namespace of the tenant's own (a rootless container's),
 * packet and netlink sockets see only that namespace. */
START_TEST(packet_and_netlink_sockets_in_a_namespace_of_the_tenants_own_are_not_reported)
{
	ck_assert(!listed_after_two_scans(
		"acme", "--user-namespace yes --network-namespace yes --capabilities net_raw "
			"hold-packet-socket"));
	ck_assert(!listed_after_two_scans(
		"acme", "--user-namespace yes --network-namespace yes hold-netlink-socket"));
}
END_TEST

START_TEST(a_tenant_sees_only_its_own_processes_in_the_posture)
{
	pid_t mine = harness_probe_listen("globex", NULL, "--capabilities net_raw pause");
	pid_t theirs = harness_probe_listen("acme", NULL, "--capabilities net_raw pause");
	struct json_object *entry = NULL;
	long status = 0;
	char *body, needle[64];

	ck_assert(harness_wait_until((entry = posture_entry(theirs)) != NULL, HARNESS_PATIENCE_MS));
	json_object_put(entry);
	ck_assert(harness_wait_until((entry = posture_entry(mine)) != NULL, HARNESS_PATIENCE_MS));
	json_object_put(entry);
	body = harness_request_as_nobody("globex", "GET", "/v1/posture", &status);
	kill(mine, SIGTERM);
	kill(theirs, SIGTERM);
	ck_assert_int_eq(status, 200);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", mine);
	ck_assert_ptr_nonnull(strstr(body, needle));
	ck_assert_ptr_null(strstr(body, "\"tenant\":\"acme\""));
	free(body);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("posture");
	TCase *posture = tcase_create("posture");

	tcase_add_checked_fixture(posture, tenants_reset, NULL);
	tcase_set_timeout(posture, 60);
	tcase_add_test(posture, a_tenant_process_holding_capabilities_over_the_host_is_reported_with_them);
	tcase_add_test(posture, a_tenant_process_without_those_capabilities_is_not_reported);
	tcase_add_test(posture, capabilities_in_a_user_namespace_of_its_own_are_not_reported);
	tcase_add_test(posture, processes_outside_tenants_are_not_reported);
	tcase_add_test(posture, a_tenant_process_holding_a_packet_socket_is_reported);
	tcase_add_test(posture, packet_sockets_kill_kills_the_holder_and_says_so);
	tcase_add_test(posture, a_tenant_process_holding_a_netlink_user_socket_is_reported);
	tcase_add_test(posture, netlink_sockets_kill_kills_the_holder_and_says_so);
	tcase_add_test(posture,
		       packet_and_netlink_sockets_in_a_namespace_of_the_tenants_own_are_not_reported);
	tcase_add_test(posture, a_tenant_sees_only_its_own_processes_in_the_posture);
	suite_add_tcase(suite, posture);
	return suite;
}

void test_setup(void)
{
	tenants_setup(false);
}
